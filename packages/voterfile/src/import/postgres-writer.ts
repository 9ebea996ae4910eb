/**
 * The PostgreSQL bulk path: rows stream into temporary staging tables through `COPY`, then a few set-based
 * statements merge them into `voter`, `election` and `vote_history` inside the import's transaction.
 *
 * @module
 */

import type { PostgresPoolLike } from "@precinct/core";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { VoteHistoryRecord } from "../layouts/types.js";
import { VOTER_COLUMNS } from "./encode.js";
import type { RemoveMissing } from "./types.js";
import type { ImportContext, VoteRow, VoterRow, VoterWriter, WriteCounts } from "./writer.js";

const KEY_COLUMNS = ["given_key", "family_key", "zip5", "street_key"];
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

/** Writes an import through pg, with `COPY` into staging tables. */
export class PostgresVoterWriter implements VoterWriter {
  readonly #pool: PostgresPoolLike;
  #client: PoolClient | undefined;
  #context!: ImportContext;
  #merged = false;
  #stagedVotes = 0;
  #voterIdField = "voter id";
  #inlineVotes = false;

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
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  async #copy(table: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const stream = this.#client!.query(copyFrom(`copy ${table} from stdin`));
    await new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("finish", resolve);
      stream.end(`${lines.join("\n")}\n`);
    });
  }

  async writeVoters(rows: VoterRow[]): Promise<WriteCounts> {
    const voterLines: string[] = [];
    const voteLines: string[] = [];
    for (const { row, voter, votes } of rows) {
      voterLines.push(
        [row, voter.state, voter.stateVoterId, ...voter.values, ...voter.keys, voter.hash]
          .map(field)
          .join("\t"),
      );
      for (const vote of votes) {
        voteLines.push(voteLine(row, vote));
      }
    }
    await this.#copy("precinct_stage_voter", voterLines);
    await this.#copy("precinct_stage_vote", voteLines);
    this.#stagedVotes += voteLines.length;
    if (voteLines.length > 0) this.#inlineVotes = true;
    return { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  }

  async writeVotes(rows: VoteRow[]): Promise<WriteCounts> {
    if (rows[0]) this.#voterIdField = rows[0].voterIdField;
    const lines = rows.map(({ row, vote }) => voteLine(row, vote));
    await this.#copy("precinct_stage_vote", lines);
    this.#stagedVotes += lines.length;
    return { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
  }

  /** Merges the staged voters and ballots; runs once, before removal and commit. */
  async #merge(): Promise<WriteCounts> {
    const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    if (this.#merged) return counts;
    this.#merged = true;
    const client = this.#client!;
    const { importId, organizationId, startedAt } = this.#context;
    const tracked = [...VOTER_COLUMNS];

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
    // A first load into an empty voter table: nothing to compare, and the secondary indexes are built once
    // from sorted data after the insert instead of row by row.
    const fresh =
      distinctRows > 0 && !(await client.query("select exists (select 1 from voter) as found")).rows[0].found;
    const dropped: string[] = [];
    if (fresh) {
      const indexes = await client.query(
        `select indexname, indexdef from pg_indexes
         where schemaname = current_schema() and tablename = 'voter'
           and indexname not in ('voter_pkey', 'voter_state_id_uq')`,
      );
      for (const index of indexes.rows as { indexname: string; indexdef: string }[]) {
        await client.query(`drop index ${index.indexname}`);
        dropped.push(index.indexdef);
      }
    }
    if (distinctRows > 0 && !fresh) {
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
         ${fresh ? "" : `where not exists (select 1 from voter v where ${match})`}`,
        [organizationId, importId, startedAt],
      );
      counts.inserted += inserted.rowCount ?? 0;
      for (const definition of dropped) await client.query(definition);
      if (fresh) await client.query("analyze voter");
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
    try {
      await this.#client.query("rollback");
    } finally {
      this.#release();
    }
  }

  #release(): void {
    this.#client?.release();
    this.#client = undefined;
  }
}

function camel(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
