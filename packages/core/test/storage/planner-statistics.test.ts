import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { expect, it } from "vitest";
import type { Precinct } from "../../src/index.js";
import { PlannerStatistics } from "../../src/storage/statistics.js";
import { forEachDatabase } from "../support/databases.js";

/** Adds `n` people to a new list the way a bulk load does: rows written straight to the tables. */
async function bulkList(p: Precinct, n: number): Promise<string> {
  const db = p.storage.db;
  const list = await p.lists.create({ name: "Bulk-loaded volunteers" });
  const { person } = await p.people.upsert({ givenName: "Template", familyName: "Person" });
  const template = await db
    .selectFrom("person")
    .selectAll()
    .where("id", "=", person.id)
    .executeTakeFirstOrThrow();
  const customFields =
    typeof template.customFields === "string" ? template.customFields : JSON.stringify(template.customFields);
  for (let start = 0; start < n; start += 500) {
    const ids = Array.from({ length: Math.min(500, n - start) }, () => randomUUID());
    await db
      .insertInto("person")
      .values(
        ids.map((id, i) => ({
          ...template,
          customFields,
          id,
          givenName: `Given${start + i}`,
          familyName: `Family${start + i}`,
        })),
      )
      .execute();
    await db
      .insertInto("listMember")
      .values(
        ids.map((personId) => ({
          organizationId: template.organizationId,
          listId: list.id,
          personId,
          addedAt: template.createdAt,
        })),
      )
      .execute();
  }
  return list.id;
}

async function analyzedTables(p: Precinct, tables: readonly string[]): Promise<string[]> {
  const { rows } = await sql<{ relname: string }>`
    select relname from pg_stat_user_tables
    where relname = any(${[...tables]}) and last_analyze is not null
    order by relname`.execute(p.storage.db);
  return rows.map((row) => row.relname);
}

forEachDatabase("planner statistics", (db) => {
  it("a paged read of a bulk-loaded audience analyzes the tables first on PostgreSQL, and only once", async () => {
    const p = await db().client();
    const postgres = db().name === "postgres";
    if (postgres) {
      // Autovacuum would analyze the tables up to a minute later; keep it out of the way so the test sees
      // the gap a bulk load leaves.
      for (const table of ["person", "list_member"]) {
        await sql`alter table ${sql.id(table)} set (autovacuum_enabled = false)`.execute(p.storage.db);
      }
    }
    const listId = await bulkList(p, 3000);
    if (postgres) expect(await analyzedTables(p, ["person", "list_member"])).toEqual([]);

    let members = 0;
    for await (const _member of p.segments.members(
      { lists: [listId] },
      { universe: "people", fields: ["givenName"], batchSize: 400 },
    )) {
      members += 1;
    }
    expect(members).toBe(3000);

    const statistics = new PlannerStatistics(p.storage.db, db().name);
    if (postgres) {
      expect(await analyzedTables(p, ["person", "list_member"])).toEqual(["list_member", "person"]);
      // Fresh statistics (and a name that is no table): the catalog is read and nothing is analyzed again.
      expect(await statistics.refresh(["person", "list_member", "no_such_table"])).toEqual([]);
    } else {
      // SQLite plans these queries without statistics: nothing to refresh.
      expect(await statistics.refresh(["person", "list_member"])).toEqual([]);
    }
  });
});
