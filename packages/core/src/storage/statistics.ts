import { type Kysely, sql } from "kysely";
import type { Database, DialectName } from "./schema.js";

/** Below this many pages (128 KiB) a table is too small for its statistics to change a plan. */
const MIN_PAGES = 16;
/** A table that has grown to more than this many times the size its statistics describe is re-analyzed. */
const GROWTH = 4;

/**
 * @internal On PostgreSQL, runs `ANALYZE` on those of `tables` whose planner statistics are missing or
 * describe a much smaller table; does nothing on SQLite.
 *
 * A bulk load (people imported, a list filled, a campaign queued) followed at once by a paged read is the
 * case autovacuum leaves behind: it analyzes a table up to a minute after the load, and until then the
 * planner has no column statistics and takes every equality for a 0.5% filter. On a paged audience that
 * picks plans that read the whole remaining audience for every page — quadratic, seconds a page at
 * 100,000 people. The check reads the catalog only (the table's size now against the size it had when last
 * analyzed), so it costs well under a millisecond when nothing is stale.
 *
 * `ANALYZE` needs the table's owner (PostgreSQL 17: or the MAINTAIN privilege). A role without it gets no
 * error: the read goes on with the statistics there are, and this client stops trying.
 */
export class PlannerStatistics {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectName;
  #allowed = true;

  constructor(db: Kysely<Database>, dialect: DialectName) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /** Analyzes the stale ones of `tables` (snake_case table names); returns the names it analyzed. */
  async refresh(tables: readonly string[]): Promise<string[]> {
    if (this.#dialect !== "postgres" || !this.#allowed || tables.length === 0) return [];
    const sizes = await sql<{ relname: string; relpages: number; pages: number }>`
      select c.relname, c.relpages,
        pg_relation_size(c.oid) / current_setting('block_size')::int as pages
      from pg_class c
      where c.relkind = 'r'
        and c.relnamespace = current_schema()::regnamespace
        and c.relname = any(${[...tables]})`.execute(this.#db);
    const stale = sizes.rows
      .filter((row) => Number(row.pages) >= MIN_PAGES && Number(row.pages) > GROWTH * Number(row.relpages))
      .map((row) => row.relname)
      .sort();
    if (stale.length === 0) return [];
    try {
      await sql`analyze ${sql.join(stale.map((table) => sql.id(table)))}`.execute(this.#db);
    } catch {
      // Not the owner: plans stay as good as the statistics autovacuum keeps.
      this.#allowed = false;
      return [];
    }
    return stale;
  }
}
