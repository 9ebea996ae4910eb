import { expect, it } from "vitest";
import { type NewOutboxRow, OutboxWriter } from "../../src/outreach/outbox.js";
import { forEachDatabase } from "../support/databases.js";

function row(key: string): NewOutboxRow {
  return {
    campaignId: null,
    kind: "system",
    step: 1,
    idempotencyKey: `writer:${key}`,
    personId: null,
    voterId: null,
    contactPoint: `+1919555${key.padStart(4, "0")}`,
    sender: null,
    body: `Message ${key}`,
    // Differ from row to row, so an integer and a timestamp column are bound per row (cast on PostgreSQL).
    segments: Number(key),
    state: "pending",
    region: "NC",
    timeZone: "America/New_York",
    sendAfter: `2026-11-22T15:0${key}:00.000Z`,
  };
}

forEachDatabase("OutboxWriter", (db) => {
  it("writes whole groups as they fill and the rest on flush, skipping keys that exist", async () => {
    const p = await db().client();
    const organizationId = (
      await p.storage.db.selectFrom("organization").select("id").executeTakeFirstOrThrow()
    ).id;
    const stored = async () => {
      const rows = await p.storage.db
        .selectFrom("outbox")
        .select(["idempotencyKey", "segments", "sendAfter", "body", "state", "organizationId"])
        .where("idempotencyKey", "like", "writer:%")
        .orderBy("idempotencyKey")
        .execute();
      for (const stored of rows) {
        const key = stored.idempotencyKey.slice("writer:".length);
        expect(stored).toMatchObject({
          segments: Number(key),
          sendAfter: `2026-11-22T15:0${key}:00.000Z`,
          body: `Message ${key}`,
          state: "pending",
          organizationId,
        });
      }
      return rows.map((r) => r.idempotencyKey);
    };
    const at = "2026-11-22T14:00:00.000Z";
    const writer = new OutboxWriter(p.storage.db, p.storage.dialect, organizationId, at, 3);
    expect(await writer.add([row("1"), row("2")])).toBe(0);
    expect(await stored()).toEqual([]);
    expect(await writer.add([row("3"), row("4")])).toBe(4);
    expect(await stored()).toEqual(["writer:1", "writer:2", "writer:3", "writer:4"]);
    expect(await writer.add([row("5")])).toBe(0);
    expect(await writer.flush()).toBe(1);
    expect(await writer.flush()).toBe(0);
    // A launch run again after a crash: the keys written before are skipped, the new one lands.
    const again = new OutboxWriter(p.storage.db, p.storage.dialect, organizationId, at, 3);
    expect(await again.add([row("4"), row("5"), row("6")])).toBe(1);
    expect(await stored()).toEqual(["writer:1", "writer:2", "writer:3", "writer:4", "writer:5", "writer:6"]);
  });
});
