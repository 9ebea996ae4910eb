/**
 * The PostgreSQL bulk path: rows stream into temporary staging tables through `COPY`, then a few set-based
 * statements merge them into `voter`, `election` and `vote_history` inside the import's transaction.
 *
 * @module
 */

import type { Writable } from "node:stream";
import type { PostgresPoolLike } from "@precinct/core";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { VoteHistoryRecord } from "../layouts/types.js";
import { AT_ROW, BULK_COLUMNS, KEY_COLUMNS, ROW_WIDTH, VOTER_COLUMNS } from "./encode.js";
import { orderedId } from "./ids.js";
import type { RemoveMissing } from "./types.js";
import type { ImportContext, VoteRow, VoterBatch, VoterWriter, WriteCounts } from "./writer.js";

const CASTS: Record<string, string> = {
  registration_date: "date",
  birthdate: "date",
  birth_year: "integer",
  residential_address: "jsonb",
  mailing_address: "jsonb",
  districts: "jsonb",
};
const cast = (alias: string, column: string) =>
  CASTS[column] ? `${alias}.${column}::${CASTS[column]}` : `${alias}.${column}`;
const RANK = (column: string) => `(case ${column} when 'unknown' then 0 when 'other' then 1 else 2 end)`;

/** COPY text format: backslash escapes, `\N` for null. */
function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  const text = String(value);
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : text;
}

/** A `precinct_stage_vote` line: the row, the voter's state id (resolved later), the ballot. */
function voteLine(row: number, vote: VoteHistoryRecord): string {
  return [
    row,
    vote.state,
    vote.stateVoterId,
    null,
    vote.electionDate,
    vote.electionType,
    vote.electionName,
    vote.method,
    vote.party,
  ]
    .map(field)
    .join("\t");
}

const UNIQUE_INDEX = "voter_state_id_uq";

/** An open `COPY … FROM STDIN`: one per import and table, written a batch at a time with backpressure. */
interface OpenCopy {
  table: string;
  stream: Writable;
  /** Settles when the server has taken the whole `COPY` (or failed it). */
  done: Promise<void>;
  failure: Error | undefined;
}

/**
 * Writes an import through pg. A first load into an empty `voter` table streams straight into it with one
 * `COPY` (secondary and unique indexes dropped, then built once from the loaded rows); otherwise rows are
 * staged with `COPY` into temporary tables and merged with a few set-based statements.
 */
export class PostgresVoterWriter implements VoterWriter {
  readonly #pool: PostgresPoolLike;
  #client: PoolClient | undefined;
  #context!: ImportContext;
  #merged = false;
  #stagedVotes = 0;
  #voterIdField = "voter id";
  #inlineVotes = false;
  /** The voter table was empty at the start: rows are copied into it directly. */
  #bulk = false;
  /** Rows copied into `voter` by the bulk load. */
  #copied = 0;
  /** Index definitions dropped for the bulk load, rebuilt before commit; the unique one apart. */
  #dropped: string[] = [];
  #unique: string | null = null;
  #copy: OpenCopy | undefined;
  /** `\t<organization>\t<created>\t<updated>\t<import>\n`: the constant end of a bulk line. */
  #bulkTail = "";

  constructor(pool: PostgresPoolLike) {
    this.#pool = pool;
  }

  async begin(context: ImportContext): Promise<void> {
    this.#context = context;
    const client = (await this.#pool.connect()) as PoolClient;
    this.#client = client;
    try {
      await client.query("begin");
      await client.query(
        `create temp table precinct_stage_voter (row integer, state text, state_voter_id text,
           ${[...VOTER_COLUMNS, ...KEY_COLUMNS, "row_hash"].map((column) => `${column} text`).join(", ")}) on commit drop`,
      );
      await client.query(
        `create temp table precinct_stage_vote (row integer, state text, state_voter_id text, voter_id text,
           election_date text, election_type text, election_name text, method text, party text) on commit drop`,
      );
      // Index builds at the end of a load sort in memory rather than in temporary files.
      await client.query("set local maintenance_work_mem = '256MB'");
      this.#bulk = !(await client.query("select exists (select 1 from voter) as found")).rows[0].found;
      if (this.#bulk) {
        // Building an index once from the loaded rows is far cheaper than maintaining it row by row. The
        // unique index goes too: a voter the file repeats is folded into its last row before it is rebuilt.
        const indexes = await client.query(
          `select indexname, indexdef from pg_indexes
           where schemaname = current_schema() and tablename = 'voter' and indexname <> 'voter_pkey'`,
        );
        for (const index of indexes.rows as { indexname: string; indexdef: string }[]) {
          await client.query(`drop index "${index.indexname}"`);
          if (index.indexname === UNIQUE_INDEX) this.#unique = index.indexdef;
          else this.#dropped.push(index.indexdef);
        }
        if (this.#unique === null) throw new Error(`the voter table has no ${UNIQUE_INDEX} index`);
        this.#bulkTail = `\t${[context.organizationId, context.startedAt, context.startedAt, context.importId].map(field).join("\t")}\n`;
      }
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  /**
   * Appends COPY text to `table` through the import's open COPY (ending another table's first: a
   * connection runs one COPY at a time), waiting when the socket is backed up.
   */
  async #copyInto(table: string, text: string): Promise<void> {
    if (text === "") return;
    let copy = this.#copy;
    if (copy !== undefined && copy.table !== table) {
      await this.#endCopy();
      copy = undefined;
    }
    if (copy === undefined) {
      const stream = this.#client!.query(copyFrom(`copy ${table} from stdin`));
      const opened: OpenCopy = { table, stream, done: Promise.resolve(), failure: undefined };
      opened.done = new Promise<void>((resolve, reject) => {
        stream.on("error", (error: Error) => {
          opened.failure ??= error;
          reject(error);
        });
        stream.on("finish", resolve);
      });
      // Observed here so a failure between writes is not an unhandled rejection; `#endCopy` rethrows it.
      opened.done.catch(() => {});
      this.#copy = opened;
      copy = opened;
    }
    if (copy.failure) throw copy.failure;
    if (!copy.stream.write(text)) {
      const current = copy;
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          current.stream.off("error", onError);
          resolve();
        };
        const onError = (error: Error) => {
          current.stream.off("drain", onDrain);
          reject(error);
        };
        current.stream.once("drain", onDrain);
        current.stream.once("error", onError);
      });
    }
  }

  /** Finishes the open COPY, if any, and waits for the server to have taken it. */
  async #endCopy(): Promise<void> {
    const copy = this.#copy;
    if (copy === undefined) return;
    this.#copy = undefined;
    if (!copy.failure) copy.stream.end();
    await copy.done;
  }

  async writeVoters(batch: VoterBatch): Promise<WriteCounts> {
    const { data, votes } = batch;
    let voterText = "";
    let voteText = "";
    for (let base = 0, index = 0; base < data.length; base += ROW_WIDTH, index++) {
      let line = this.#bulk ? orderedId() : String(data[base + AT_ROW]);
      for (let offset = 1; offset < ROW_WIDTH; offset++) line += `\t${field(data[base + offset])}`;
      voterText += this.#bulk ? `${line}${this.#bulkTail}` : `${line}\n`;
      const rowVotes = votes?.[index];
      if (rowVotes !== undefined) {
        for (const vote of rowVotes) {
          voteText += `${voteLine(data[base + AT_ROW] as number, vote)}\n`;
          this.#stagedVotes++;
          this.#inlineVotes = true;
        }
      }
    }
    if (this.#bulk) {
      await this.#copyInto(`voter (${BULK_COLUMNS.join(", ")})`, voterText);
      this.#copied += data.length / ROW_WIDTH;
    } else {
      await this.#copyInto("precinct_stage_voter", voterText);
    }
    await this.#copyInto("precinct_stage_vote", voteText);
    return { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  }

  async writeVotes(rows: VoteRow[]): Promise<WriteCounts> {
    if (rows[0]) this.#voterIdField = rows[0].voterIdField;
    let text = "";
    for (const { row, vote } of rows) text += `${voteLine(row, vote)}\n`;
    await this.#copyInto("precinct_stage_vote", text);
    this.#stagedVotes += rows.length;
    return { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  }

  /**
   * Ends a bulk load: folds a voter the file listed more than once into its last row (ids are ordered, so the
   * last row has the greatest), rebuilds the unique index and the others, and refreshes the statistics.
   */
  async #settleBulk(counts: WriteCounts): Promise<void> {
    const client = this.#client!;
    const unique = this.#unique as string;
    this.#bulk = false;
    this.#unique = null;
    await client.query("savepoint precinct_unique");
    try {
      await client.query(unique);
      await client.query("release savepoint precinct_unique");
    } catch (error) {
      if ((error as { code?: string }).code !== "23505") throw error;
      await client.query("rollback to savepoint precinct_unique");
      const removed = await client.query(
        `delete from voter v using (
           select organization_id, state, state_voter_id, max(id) as last from voter where organization_id = $1
           group by organization_id, state, state_voter_id having count(*) > 1) d
         where v.organization_id = d.organization_id and v.state = d.state
           and v.state_voter_id = d.state_voter_id and v.id <> d.last`,
        [this.#context.organizationId],
      );
      counts.inserted -= removed.rowCount ?? 0;
      counts.unchanged += removed.rowCount ?? 0;
      await client.query(unique);
    }
    for (const definition of this.#dropped) await client.query(definition);
    this.#dropped = [];
    await client.query("analyze voter");
  }

  /** Merges the staged voters and ballots; runs once, before removal and commit. */
  async #merge(): Promise<WriteCounts> {
    const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    if (this.#merged) return counts;
    this.#merged = true;
    await this.#endCopy();
    const client = this.#client!;
    const { importId, organizationId, startedAt } = this.#context;
    const tracked = [...VOTER_COLUMNS];
    if (this.#bulk) {
      counts.inserted += this.#copied;
      await this.#settleBulk(counts);
    }

    // The last row of a voter repeated inside the file wins, as it would row by row.
    const staged = await client.query(
      `create temp table precinct_stage_last on commit drop as
         select distinct on (state, state_voter_id) * from precinct_stage_voter
         order by state, state_voter_id, row desc`,
    );
    const stagedRows = (await client.query("select count(*)::int as n from precinct_stage_voter")).rows[0]
      .n as number;
    const distinctRows = staged.rowCount ?? 0;
    counts.unchanged += stagedRows - distinctRows;
    if (distinctRows > 0) {
      await client.query("create index on precinct_stage_last (state, state_voter_id)");
      await client.query("analyze precinct_stage_last");
      const match = "v.organization_id = $1 and v.state = s.state and v.state_voter_id = s.state_voter_id";
      const changed = `(v.row_hash is distinct from s.row_hash or v.removed_at is not null)`;
      const diff = tracked
        .map(
          (column) =>
            `'${camel(column)}', case when v.${column} is distinct from ${cast("s", column)} then jsonb_build_array(to_jsonb(v.${column}), to_jsonb(${cast("s", column)})) end`,
        )
        .join(", ");
      const changes = await client.query(
        `insert into voter_change (id, organization_id, voter_id, import_id, kind, changes, changed_at)
         select gen_random_uuid()::text, $1, v.id, $2, 'updated',
                jsonb_strip_nulls(jsonb_build_object(${diff}))
                  || case when v.removed_at is not null then jsonb_build_object('removedAt', jsonb_build_array(v.removed_at, null)) else '{}'::jsonb end,
                $3
         from precinct_stage_last s join voter v on ${match}
         where ${changed}`,
        [organizationId, importId, startedAt],
      );
      // A hash change without a value change (e.g. a new hash) is not a change worth a log line.
      await client.query(
        `delete from voter_change where import_id = $1 and kind = 'updated' and changes = '{}'::jsonb`,
        [importId],
      );
      const updated = await client.query(
        `update voter v set ${[...tracked, ...KEY_COLUMNS, "row_hash"].map((column) => `${column} = ${cast("s", column)}`).join(", ")},
           last_import_id = $2, removed_at = null, updated_at = $3
         from precinct_stage_last s where ${match} and ${changed}`,
        [organizationId, importId, startedAt],
      );
      const realChanges = (
        await client.query(
          "select count(*)::int as n from voter_change where import_id = $1 and kind = 'updated'",
          [importId],
        )
      ).rows[0].n as number;
      void changes;
      counts.updated += realChanges;
      counts.unchanged += (updated.rowCount ?? 0) - realChanges;
      const touched = await client.query(
        `update voter v set last_import_id = $2 from precinct_stage_last s
         where ${match} and v.row_hash = s.row_hash and v.removed_at is null and v.last_import_id is distinct from $2`,
        [organizationId, importId],
      );
      counts.unchanged += touched.rowCount ?? 0;
    }
    if (distinctRows > 0) {
      const match = "v.organization_id = $1 and v.state = s.state and v.state_voter_id = s.state_voter_id";
      const inserted = await client.query(
        `insert into voter (id, organization_id, created_at, updated_at, state, state_voter_id,
           ${[...tracked, ...KEY_COLUMNS, "row_hash"].join(", ")}, last_import_id)
         select gen_random_uuid()::text, $1, $3, $3, s.state, s.state_voter_id,
           ${[...tracked, ...KEY_COLUMNS, "row_hash"].map((column) => cast("s", column)).join(", ")}, $2
         from precinct_stage_last s
         where not exists (select 1 from voter v where ${match})`,
        [organizationId, importId, startedAt],
      );
      counts.inserted += inserted.rowCount ?? 0;
    }

    if (this.#stagedVotes > 0) {
      await client.query(
        `update precinct_stage_vote sv set voter_id = v.id from voter v
         where v.organization_id = $1 and v.state = sv.state and v.state_voter_id = sv.state_voter_id`,
        [organizationId],
      );
      const listed = Math.max(0, this.#context.maxErrors);
      const missing = await client.query(
        "select row, state, state_voter_id from precinct_stage_vote where voter_id is null order by row limit $1",
        [listed],
      );
      const missingCount = (
        await client.query("select count(*)::int as n from precinct_stage_vote where voter_id is null")
      ).rows[0].n as number;
      counts.rejected.push(
        ...missing.rows.map((row: { row: number; state: string; state_voter_id: string }) => ({
          row: row.row,
          field: this.#voterIdField,
          reason: `no ${row.state} voter with id "${row.state_voter_id}": import the registration file first`,
        })),
      );
      counts.moreRejected = missingCount - missing.rows.length;
      await client.query(
        `insert into election (id, organization_id, created_at, updated_at, date, type, name, jurisdiction)
         select gen_random_uuid()::text, $1, $2, $2, e.date, e.type, e.name, e.state
         from (select distinct on (election_date, election_type, state) election_date::date as date,
                 election_type as type, election_name as name, state
               from precinct_stage_vote where voter_id is not null
               order by election_date, election_type, state, row) e
         where not exists (select 1 from election x where x.organization_id = $1 and x.date = e.date
                           and x.type = e.type and x.jurisdiction is not distinct from e.state)`,
        [organizationId, startedAt],
      );
      const grouped = await client.query(
        `insert into vote_history (organization_id, voter_id, election_id, method, party)
         select $1, g.voter_id, g.election_id, g.method, g.party from (
           select sv.voter_id, e.id as election_id,
             (array_agg(sv.method order by ${RANK("sv.method")} desc, sv.row desc))[1] as method,
             (array_agg(sv.party order by sv.row desc) filter (where sv.party is not null))[1] as party
           from precinct_stage_vote sv
           join election e on e.organization_id = $1 and e.date = sv.election_date::date
             and e.type = sv.election_type and e.jurisdiction is not distinct from sv.state
           where sv.voter_id is not null
           group by sv.voter_id, e.id) g
         on conflict (voter_id, election_id) do update set
           method = case when ${RANK("excluded.method")} >= ${RANK("vote_history.method")} then excluded.method else vote_history.method end,
           party = coalesce(excluded.party, vote_history.party)
         where (case when ${RANK("excluded.method")} >= ${RANK("vote_history.method")} then excluded.method else vote_history.method end) <> vote_history.method
            or coalesce(excluded.party, vote_history.party) is distinct from vote_history.party
         returning (xmax = 0) as inserted`,
        [organizationId],
      );
      const written = grouped.rows as { inserted: boolean }[];
      const insertedVotes = written.filter((row) => row.inserted).length;
      // Ballots inside registration rows are counted apart from the voters.
      if (this.#inlineVotes) counts.ballots = { inserted: 0, updated: 0, unchanged: 0 };
      const target = counts.ballots ?? counts;
      target.inserted += insertedVotes;
      target.updated += written.length - insertedVotes;
      target.unchanged += this.#stagedVotes - missingCount - written.length;
    }
    return counts;
  }

  #pending: WriteCounts | undefined;

  async removeMissing(scope: RemoveMissing, state: string, counties: readonly string[]): Promise<number> {
    this.#pending = await this.#merge();
    const client = this.#client!;
    const { importId, organizationId, startedAt } = this.#context;
    const params: unknown[] = [organizationId, state, importId];
    if (scope === "counties" && counties.length === 0) return 0;
    const extra = scope === "counties" ? [counties] : [];
    // $4 is the instant as a timestamp, $5 the same instant as JSON text (PostgreSQL types each parameter once).
    const countyFilter = scope === "counties" ? " and county = any($6)" : "";
    const base = `organization_id = $1 and state = $2 and removed_at is null and last_import_id is distinct from $3${countyFilter}`;
    await client.query(
      `insert into voter_change (id, organization_id, voter_id, import_id, kind, changes, changed_at)
       select gen_random_uuid()::text, $1, id, $3, 'removed',
         jsonb_build_object('status', jsonb_build_array(status, 'removed'), 'removedAt', jsonb_build_array(null, $5::text)), $4
       from voter where ${base}`,
      [...params, startedAt, startedAt, ...extra],
    );
    const result = await client.query(
      `update voter set status = 'removed', removed_at = $4, updated_at = $4 where ${base.replace("$6", "$5")}`,
      [...params, startedAt, ...extra],
    );
    return result.rowCount ?? 0;
  }

  async commit(): Promise<WriteCounts | undefined> {
    const counts = this.#pending ?? (await this.#merge());
    await this.#client!.query("commit");
    this.#release();
    return counts;
  }

  async rollback(): Promise<void> {
    if (!this.#client) return;
    let broken = false;
    try {
      const copy = this.#copy;
      this.#copy = undefined;
      if (copy !== undefined) {
        // Abandons the COPY (the server gets CopyFail), so the connection can roll back.
        copy.stream.destroy(new Error("the import was rolled back"));
        await copy.done.catch(() => {});
      }
      await this.#client.query("rollback");
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      this.#release(broken);
    }
  }

  #release(broken = false): void {
    this.#client?.release(broken);
    this.#client = undefined;
  }
}

function camel(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
