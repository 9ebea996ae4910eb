import { expect, it } from "vitest";
import { bulkInsert } from "../../src/storage/bulk.js";
import { forEachDatabase } from "../support/databases.js";

forEachDatabase("bulkInsert", (db) => {
  it("awaits `between` between statements, never after the last, and lands every row in one transaction", async () => {
    const p = await db().client();
    const { person } = await p.people.upsert({ givenName: "Bulk", familyName: "Writer" });
    const organizationId = (
      await p.storage.db
        .selectFrom("person")
        .select("organizationId")
        .where("id", "=", person.id)
        .executeTakeFirstOrThrow()
    ).organizationId;
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
});
