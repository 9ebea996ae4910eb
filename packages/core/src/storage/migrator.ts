import { type Kysely, sql } from "kysely";
import { StorageError } from "../spec/errors.js";
import { migrations as allMigrations, type Migration } from "./migrations/index.js";
import type { DialectName } from "./schema.js";

/**
 * Applies every migration the database has not seen yet, each in its own transaction, in name order.
 * Forward only. Safe when several processes open the same database at once: PostgreSQL takes an advisory
 * lock; SQLite serializes writers itself.
 *
 * @returns the names of the migrations applied now.
 */
export async function migrate(
  db: Kysely<unknown>,
  dialect: DialectName,
  migrations: readonly Migration[] = allMigrations,
): Promise<string[]> {
  await sql`create table if not exists precinct_migration (name text primary key, applied_at text not null)`.execute(
    db,
  );
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
    await db.transaction().execute(async (trx) => {
      if (dialect === "postgres") await sql`select pg_advisory_xact_lock(7263402)`.execute(trx);
      const seen = await sql<{
        name: string;
      }>`select name from precinct_migration where name = ${migration.name}`.execute(trx);
      if (seen.rows.length > 0) return;
      try {
        await migration.up(trx, dialect);
      } catch (cause) {
        throw new StorageError(`Migration ${migration.name} failed; the database was left as it was.`, cause);
      }
      await sql`insert into precinct_migration (name, applied_at) values (${migration.name}, ${new Date().toISOString()})`.execute(
        trx,
      );
      applied.push(migration.name);
    });
  }
  return applied;
}
