import { expect, it } from "vitest";
import type { Precinct } from "../../src/index.js";
import { bulkInsert } from "../../src/storage/bulk.js";
import { forEachDatabase } from "../support/databases.js";

/** The organization a person belongs to: the value every row of these tests shares. */
async function organizationOf(p: Precinct, personId: string): Promise<string> {
  const row = await p.storage.db
    .selectFrom("person")
    .select("organizationId")
    .where("id", "=", personId)
    .executeTakeFirstOrThrow();
  return row.organizationId;
}

forEachDatabase("bulkInsert", (db) => {
  it("awaits `between` between statements, never after the last, and lands every row in one transaction", async () => {
    const p = await db().client();
    const { person } = await p.people.upsert({ givenName: "Bulk", familyName: "Writer" });
    const organizationId = await organizationOf(p, person.id);
    const rows = Array.from({ length: 250 }, (_, i) => ({
      organizationId,
      provider: "bench",
      eventKey: `key-${i}`,
      receivedAt: "2026-11-18T17:00:00.000Z",
    }));
    const turns: number[] = [];
    let ticks = 0;
    // A timer-free callback that only runs when the event loop turns: it proves the loop turned mid-write.
    const tick = () => {
      ticks += 1;
    };
    const inserted = await p.storage.db.transaction().execute(async (trx) => {
      setImmediate(tick);
      return bulkInsert(trx, p.storage.dialect, "webhookEvent", rows, {
        chunk: 100,
        between: async () => {
          const count = await trx
            .selectFrom("webhookEvent")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow();
          turns.push(Number(count.n));
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
    });
    expect(inserted).toBe(250);
    // Called after the first and second statements (100 and 200 rows written), not after the third.
    expect(turns).toEqual([100, 200]);
    expect(ticks).toBe(1);
    const stored = await p.storage.db
      .selectFrom("webhookEvent")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("provider", "=", "bench")
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(250);
  });

  it("stores every value as given when some columns share one value across a statement and others differ or are null", async () => {
    const p = await db().client();
    const { person } = await p.people.upsert({ givenName: "Shared", familyName: "Values" });
    const { person: volunteer } = await p.people.upsert({ givenName: "Phone", familyName: "Banker" });
    const organizationId = await organizationOf(p, person.id);
    const at = "2026-11-22T09:00:00.000Z";
    // Chunks of 3: in the first, only `id` and `notes` differ (one null, two not); in the second, `channel`,
    // `volunteerId` and `occurredAt` differ too; the last chunk has one row, where every column is "shared".
    const rows = Array.from({ length: 7 }, (_, i) => ({
      id: `bulk-shared-${i}`,
      organizationId,
      createdAt: at,
      updatedAt: at,
      personId: person.id,
      channel: i >= 3 && i % 2 === 0 ? "phone" : "email",
      outcome: "sent",
      resultCode: null,
      volunteerId: i === 4 ? volunteer.id : null,
      campaignId: null,
      notes: i % 3 === 1 ? null : `note ${i}`,
      // A timestamp that differs within the second chunk: on PostgreSQL it is bound as text and cast.
      occurredAt: i >= 3 ? `2026-11-22T09:0${i}:00.000Z` : at,
    }));
    const inserted = await bulkInsert(p.storage.db, p.storage.dialect, "interaction", rows, { chunk: 3 });
    expect(inserted).toBe(7);
    const stored = await p.storage.db
      .selectFrom("interaction")
      .select([
        "id",
        "organizationId",
        "createdAt",
        "updatedAt",
        "personId",
        "channel",
        "outcome",
        "resultCode",
        "volunteerId",
        "campaignId",
        "notes",
        "occurredAt",
      ])
      .where("id", "like", "bulk-shared-%")
      .orderBy("id")
      .execute();
    expect(stored).toEqual(rows);
  });

  it("skips rows whose key exists and counts only the new ones, leaving the existing rows as they were", async () => {
    const p = await db().client();
    const { person } = await p.people.upsert({ givenName: "Key", familyName: "Keeper" });
    const organizationId = await organizationOf(p, person.id);
    const row = (key: string, receivedAt: string) => ({
      organizationId,
      provider: "conflict",
      eventKey: key,
      receivedAt,
    });
    const first = await bulkInsert(
      p.storage.db,
      p.storage.dialect,
      "webhookEvent",
      [row("a", "2026-11-01T00:00:00.000Z"), row("c", "2026-11-01T00:00:00.000Z")],
      { ignoreConflictOn: ["organizationId", "provider", "eventKey"] },
    );
    expect(first).toBe(2);
    const later = "2026-11-22T00:00:00.000Z";
    const second = await bulkInsert(
      p.storage.db,
      p.storage.dialect,
      "webhookEvent",
      ["a", "b", "c", "d", "e"].map((key) => row(key, later)),
      { ignoreConflictOn: ["organizationId", "provider", "eventKey"] },
    );
    expect(second).toBe(3);
    const stored = await p.storage.db
      .selectFrom("webhookEvent")
      .select(["eventKey", "receivedAt"])
      .where("provider", "=", "conflict")
      .orderBy("eventKey")
      .execute();
    expect(stored).toEqual([
      { eventKey: "a", receivedAt: "2026-11-01T00:00:00.000Z" },
      { eventKey: "b", receivedAt: later },
      { eventKey: "c", receivedAt: "2026-11-01T00:00:00.000Z" },
      { eventKey: "d", receivedAt: later },
      { eventKey: "e", receivedAt: later },
    ]);
  });
});
