/**
 * The SQLite bulk path: prepared statements on the better-sqlite3 connection, one transaction per import,
 * and for a first load into an empty table, secondary indexes rebuilt once at the end instead of row by row.
 *
 * @module
 */

import type { SqliteDatabaseLike } from "@precinct/core";
import type { VoteHistoryRecord } from "../layouts/types.js";
import {
  AT_HASH,
  AT_KEYS,
  AT_STATE,
  AT_VALUES,
  AT_VOTER_ID,
  BULK_COLUMNS,
  diffVoter,
  type EncodedVoter,
  KEY_COLUMNS,
  ROW_WIDTH,
  type StoredValue,
  VOTER_COLUMNS,
  VOTER_FIELDS,
} from "./encode.js";
import { orderedId } from "./ids.js";
import type { RemoveMissing } from "./types.js";
import type { BallotCounts, ImportContext, VoteRow, VoterBatch, VoterWriter, WriteCounts } from "./writer.js";

interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

interface SqliteDatabase extends SqliteDatabaseLike {
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  readonly inTransaction: boolean;
}

const UNIQUE_INDEX = "voter_state_id_uq";
/** The page cache during an import, in KiB (SQLite's negative unit): 2 MB, SQLite's own default. */
const IMPORT_CACHE_SIZE = -2000;
/** Rows per index `analyze` samples after a first load (`pragma analysis_limit`). */
const ANALYSIS_ROWS = 2000;

/** Writes an import through better-sqlite3. */
export class SqliteVoterWriter implements VoterWriter {
  readonly #db: SqliteDatabase;
  #context!: ImportContext;
  #prepared: ReturnType<SqliteVoterWriter["prepare"]> | undefined;
  /** The voter table was empty at the start: rows are appended without looking anything up. */
  #bulk = false;
  /** Index definitions dropped for the bulk load, rebuilt (sorted, once) before commit. */
  #droppedIndexes: string[] = [];
  /** The unique (organization, state, voter id) index, dropped during a bulk load; see {@link #settle}. */
  #uniqueIndex: string | null = null;
  #bulkInsert: Statement | undefined;
  /** The connection's page cache size before the import. */
  #cacheSize: number | undefined;
  #bulkInserted = 0;
  readonly #elections = new Map<string, string>();
  readonly #updatedAtBefore = new Map<string, string>();
  #lastVoter: { key: string; id: string | null } = { key: "", id: null };

  constructor(database: SqliteDatabaseLike) {
    this.#db = database as SqliteDatabase;
  }

  async begin(context: ImportContext): Promise<void> {
    this.#context = context;
    // A small page cache for the import (restored after): SQLite sizes its sorter by it, and index builds
    // over millions of rows run faster in small sorted runs than in one large one, in less memory too.
    this.#cacheSize = (this.#db.prepare("pragma cache_size").get() as { cache_size: number }).cache_size;
    this.#db.exec(`pragma cache_size = ${IMPORT_CACHE_SIZE}`);
    this.#db.exec("begin immediate");
    try {
      this.#bulk = !(
        this.#db.prepare("select exists (select 1 from voter) as found").get() as { found: number }
      ).found;
      if (this.#bulk) {
        // Building an index once from sorted keys is far cheaper than a million random inserts into it. The
        // unique index goes too: a file's rows are appended, and a voter the file repeats is folded into one
        // before the index is rebuilt.
        const indexes = this.#db
          .prepare(
            "select name, sql from sqlite_master where type = 'index' and tbl_name = 'voter' and sql is not null",
          )
          .all() as { name: string; sql: string }[];
        for (const index of indexes) {
          this.#db.exec(`drop index "${index.name}"`);
          if (index.name === UNIQUE_INDEX) this.#uniqueIndex = index.sql;
          else this.#droppedIndexes.push(index.sql);
        }
        if (this.#uniqueIndex === null) throw new Error(`the voter table has no ${UNIQUE_INDEX} index`);
      }
    } catch (error) {
      this.#db.exec("rollback");
      this.#restoreCache();
      throw error;
    }
  }

  private prepare() {
    const all = [
      "id",
      "organization_id",
      "created_at",
      "updated_at",
      "state",
      "state_voter_id",
      ...VOTER_COLUMNS,
    ];
    const tail = [...KEY_COLUMNS, "row_hash", "last_import_id"];
    const insertColumns = [...all, ...tail];
    return {
      insert: this.#db.prepare(
        `insert into voter (${insertColumns.join(", ")}) values (${insertColumns.map(() => "?").join(", ")})
         on conflict (organization_id, state, state_voter_id) do nothing`,
      ),
      existing: this.#db.prepare(
        "select id, row_hash, removed_at, last_import_id, created_at, updated_at from voter where organization_id = ? and state = ? and state_voter_id = ?",
      ),
      importChange: this.#db.prepare(
        "select id, changes from voter_change where voter_id = ? and import_id = ? and kind = 'updated'",
      ),
      rewriteChange: this.#db.prepare("update voter_change set changes = ? where id = ?"),
      dropChange: this.#db.prepare("delete from voter_change where id = ?"),
      restoreUpdatedAt: this.#db.prepare("update voter set updated_at = ? where id = ?"),
      full: this.#db.prepare(`select ${VOTER_COLUMNS.join(", ")}, removed_at from voter where id = ?`),
      update: this.#db.prepare(
        `update voter set ${[...VOTER_COLUMNS, ...tail].map((column) => `${column} = ?`).join(", ")},
           removed_at = null, updated_at = ? where id = ?`,
      ),
      touch: this.#db.prepare("update voter set last_import_id = ? where id = ?"),
      change: this.#db.prepare(
        `insert into voter_change (id, organization_id, voter_id, import_id, kind, changes, changed_at)
         values (?, ?, ?, ?, ?, ?, ?)`,
      ),
      voterId: this.#db.prepare(
        "select id from voter where organization_id = ? and state = ? and state_voter_id = ?",
      ),
      election: this.#db.prepare(
        "select id from election where organization_id = ? and date = ? and type = ? and jurisdiction is ?",
      ),
      insertElection: this.#db.prepare(
        `insert into election (id, organization_id, created_at, updated_at, date, type, name, jurisdiction)
         values (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      ballot: this.#db.prepare(
        "select method, party from vote_history where voter_id = ? and election_id = ?",
      ),
      insertBallot: this.#db.prepare(
        `insert into vote_history (organization_id, voter_id, election_id, method, party) values (?, ?, ?, ?, ?)`,
      ),
      updateBallot: this.#db.prepare(
        "update vote_history set method = ?, party = ? where voter_id = ? and election_id = ?",
      ),
    };
  }

  /**
   * The bulk load's insert: the import's constants are written into the statement, so a row binds only its
   * own values (an id, then the row's entries after its row number).
   */
  #bulkStatement(): Statement {
    if (this.#bulkInsert) return this.#bulkInsert;
    const { importId, organizationId, startedAt } = this.#context;
    const columns = BULK_COLUMNS;
    const constants = [organizationId, startedAt, startedAt, importId].map(quote);
    const placeholders = columns.length - constants.length;
    this.#bulkInsert = this.#db.prepare(
      `insert into voter (${columns.join(", ")}) values (${[...new Array(placeholders).fill("?"), ...constants].join(", ")})`,
    );
    return this.#bulkInsert;
  }

  async writeVoters(batch: VoterBatch): Promise<WriteCounts> {
    const { data, votes } = batch;
    // Ballots need each voter's stored id as the file lists it again: they take the row-by-row path.
    if (votes?.some((list) => list !== undefined && list.length > 0)) this.#settle();
    const counts = this.#takeCarry();
    if (this.#bulk) {
      const insert = this.#bulkStatement();
      const params: StoredValue[] = new Array(ROW_WIDTH).fill(null);
      for (let base = 0; base < data.length; base += ROW_WIDTH) {
        params[0] = orderedId();
        for (let offset = 1; offset < ROW_WIDTH; offset++)
          params[offset] = data[base + offset] as StoredValue;
        insert.run(params);
      }
      const rows = data.length / ROW_WIDTH;
      this.#bulkInserted += rows;
      counts.inserted += rows;
      return counts;
    }
    for (let base = 0, index = 0; base < data.length; base += ROW_WIDTH, index++) {
      const voter = decodeRow(data, base);
      const voterId = this.#writeVoter(voter, counts);
      const rowVotes = votes?.[index];
      if (rowVotes !== undefined && rowVotes.length > 0) {
        counts.ballots ??= { inserted: 0, updated: 0, unchanged: 0 };
        for (const vote of rowVotes) this.#writeBallot(voterId, vote, counts.ballots);
      }
    }
    return counts;
  }

  /**
   * Ends a bulk load: folds a voter the file listed more than once into its last row (the earlier rows count
   * as unchanged, as they would row by row), then rebuilds the unique index. Later writes look voters up.
   */
  #settle(): void {
    if (!this.#bulk) return;
    this.#bulk = false;
    const unique = this.#uniqueIndex as string;
    this.#uniqueIndex = null;
    if (this.#bulkInserted > 0) {
      try {
        this.#db.exec(unique);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_UNIQUE") throw error;
      }
      // The table held no voter before this import, so every row is this file's and rowids follow the file.
      const removed = this.#db
        .prepare(
          `delete from voter where rowid in (
             select v.rowid from voter v join (
               select organization_id, state, state_voter_id, max(rowid) as last from voter
               group by organization_id, state, state_voter_id having count(*) > 1
             ) d on v.organization_id = d.organization_id and v.state = d.state
               and v.state_voter_id = d.state_voter_id and v.rowid <> d.last)`,
        )
        .run().changes;
      this.#carry.inserted -= removed;
      this.#carry.unchanged += removed;
    }
    this.#db.exec(unique);
  }

  /** Counts from settling a bulk load, reported with the next batch (or at commit). */
  #carry: WriteCounts = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };

  #takeCarry(): WriteCounts {
    const counts = this.#carry;
    this.#carry = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    return counts;
  }

  /** The row-by-row statements; a bulk load is settled first (they rely on the unique index). */
  get #statements(): ReturnType<SqliteVoterWriter["prepare"]> {
    if (this.#prepared === undefined) {
      this.#settle();
      this.#prepared = this.prepare();
    }
    return this.#prepared;
  }

  /** Upserts one voter by state voter id; returns its id. */
  #writeVoter(voter: EncodedVoter, counts: WriteCounts): string {
    const { importId, organizationId, startedAt } = this.#context;
    const s = this.#statements;
    const existing = s.existing.get(organizationId, voter.state, voter.stateVoterId) as
      | {
          id: string;
          row_hash: string | null;
          removed_at: string | null;
          last_import_id: string | null;
          created_at: string;
          updated_at: string;
        }
      | undefined;
    if (existing === undefined) {
      const id = orderedId();
      s.insert.run(
        id,
        organizationId,
        startedAt,
        startedAt,
        voter.state,
        voter.stateVoterId,
        ...voter.values,
        ...voter.keys,
        voter.hash,
        importId,
      );
      counts.inserted++;
      return id;
    }
    if (existing.last_import_id === importId) {
      // The file lists this voter again: the last row wins, as on PostgreSQL, and the repeat counts as
      // unchanged. The change log keeps one entry: the difference from before this import.
      if (existing.row_hash !== voter.hash) this.#rewriteRepeat(existing, voter, counts);
      counts.unchanged++;
      return existing.id;
    }
    if (existing.row_hash === voter.hash && existing.removed_at === null) {
      s.touch.run(importId, existing.id);
      counts.unchanged++;
      return existing.id;
    }
    const changes: Record<string, [unknown, unknown]> = diffVoter(
      this.#storedValues(existing.id),
      voter.values,
    );
    if (existing.removed_at !== null) changes.removedAt = [existing.removed_at, null];
    s.update.run(...voter.values, ...voter.keys, voter.hash, importId, startedAt, existing.id);
    // Kept in case a later row of the file restores the old values (bounded by the voters changed).
    this.#updatedAtBefore.set(existing.id, existing.updated_at);
    if (Object.keys(changes).length > 0) {
      this.#logChange(existing.id, changes);
      counts.updated++;
    } else {
      counts.unchanged++;
    }
    return existing.id;
  }

  /** Appends what this import changed on a voter to `voter_change`. */
  #logChange(voterId: string, changes: Record<string, [unknown, unknown]>): void {
    const { importId, organizationId, startedAt } = this.#context;
    this.#statements.change.run(
      orderedId(),
      organizationId,
      voterId,
      importId,
      "updated",
      JSON.stringify(changes),
      startedAt,
    );
  }

  /** The stored values of a voter, keyed by field. */
  #storedValues(id: string): Record<string, unknown> {
    const before = this.#statements.full.get(id) as Record<string, unknown>;
    const record: Record<string, unknown> = {};
    VOTER_FIELDS.forEach((field, index) => {
      record[field] = before[VOTER_COLUMNS[index] as string];
    });
    return record;
  }

  /**
   * A voter written earlier in this import appears again with other values: store the later row, and keep
   * one change entry per voter and import — the difference from the values before the import.
   */
  #rewriteRepeat(
    existing: { id: string; created_at: string },
    voter: EncodedVoter,
    counts: WriteCounts,
  ): void {
    const s = this.#statements;
    const { importId, startedAt } = this.#context;
    const current = this.#storedValues(existing.id);
    const logged = s.importChange.get(existing.id, importId) as { id: string; changes: string } | undefined;
    s.update.run(...voter.values, ...voter.keys, voter.hash, importId, startedAt, existing.id);
    // A voter inserted by this import has no "before": nothing to log.
    if (logged === undefined && existing.created_at === startedAt) return;
    const before: Record<string, unknown> = { ...current };
    const previous = logged ? (JSON.parse(logged.changes) as Record<string, [unknown, unknown]>) : {};
    for (const [field, [old]] of Object.entries(previous)) before[field] = old;
    const changes: Record<string, [unknown, unknown]> = diffVoter(before, voter.values);
    if (previous.removedAt) changes.removedAt = previous.removedAt;
    if (logged && Object.keys(changes).length === 0) {
      s.dropChange.run(logged.id);
      const updatedAt = this.#updatedAtBefore.get(existing.id);
      if (updatedAt !== undefined) s.restoreUpdatedAt.run(updatedAt, existing.id);
      // The earlier row counted as an update; with its change undone it is an unchanged row.
      counts.updated--;
      counts.unchanged++;
    } else if (logged) {
      s.rewriteChange.run(JSON.stringify(changes), logged.id);
    } else if (Object.keys(changes).length > 0) {
      this.#logChange(existing.id, changes);
      counts.updated++;
      counts.unchanged--;
    }
  }

  async writeVotes(rows: VoteRow[]): Promise<WriteCounts> {
    const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    const { organizationId } = this.#context;
    for (const { row, vote, voterIdField } of rows) {
      const key = `${vote.state}|${vote.stateVoterId}`;
      if (this.#lastVoter.key !== key) {
        const found = this.#statements.voterId.get(organizationId, vote.state, vote.stateVoterId) as
          | { id: string }
          | undefined;
        this.#lastVoter = { key, id: found?.id ?? null };
      }
      const voterId = this.#lastVoter.id;
      if (voterId === null) {
        counts.rejected.push({
          row,
          field: voterIdField,
          reason: `no ${vote.state} voter with id "${vote.stateVoterId}": import the registration file first`,
        });
        continue;
      }
      this.#writeBallot(voterId, vote, counts);
    }
    return counts;
  }

  #writeBallot(voterId: string, vote: VoteHistoryRecord, counts: BallotCounts): void {
    const s = this.#statements;
    const { organizationId, startedAt } = this.#context;
    const jurisdiction = vote.state;
    const electionKey = `${vote.electionDate}|${vote.electionType}|${jurisdiction}`;
    let electionId = this.#elections.get(electionKey);
    if (electionId === undefined) {
      const found = s.election.get(organizationId, vote.electionDate, vote.electionType, jurisdiction) as
        | { id: string }
        | undefined;
      electionId = found?.id ?? orderedId();
      if (found === undefined) {
        s.insertElection.run(
          electionId,
          organizationId,
          startedAt,
          startedAt,
          vote.electionDate,
          vote.electionType,
          vote.electionName,
          jurisdiction,
        );
      }
      this.#elections.set(electionKey, electionId);
    }
    const existing = s.ballot.get(voterId, electionId) as
      | { method: string; party: string | null }
      | undefined;
    if (existing === undefined) {
      s.insertBallot.run(organizationId, voterId, electionId, vote.method, vote.party);
      counts.inserted++;
      return;
    }
    const rank = (method: string) => (method === "unknown" ? 0 : method === "other" ? 1 : 2);
    const method = rank(vote.method) >= rank(existing.method) ? vote.method : existing.method;
    const party = vote.party ?? existing.party;
    if (method === existing.method && party === existing.party) {
      counts.unchanged++;
      return;
    }
    // The merge (the more specific method wins, a known party is kept) is decided above, once.
    s.updateBallot.run(method, party, voterId, electionId);
    counts.updated++;
  }

  async removeMissing(scope: RemoveMissing, state: string, counties: readonly string[]): Promise<number> {
    this.#settle();
    const { importId, organizationId, startedAt } = this.#context;
    let where =
      "organization_id = ? and state = ? and removed_at is null and (last_import_id is null or last_import_id <> ?)";
    const params: unknown[] = [organizationId, state, importId];
    if (scope === "counties") {
      if (counties.length === 0) return 0;
      where += ` and county in (${counties.map(() => "?").join(", ")})`;
      params.push(...counties);
    }
    const changes = `json_object('status', json_array(status, 'removed'), 'removedAt', json_array(null, '${startedAt}'))`;
    const ids = this.#db
      .prepare(`select id, ${changes} as changes from voter where ${where}`)
      .all(...params) as {
      id: string;
      changes: string;
    }[];
    for (const { id, changes: json } of ids) {
      this.#statements.change.run(orderedId(), organizationId, id, importId, "removed", json, startedAt);
    }
    this.#db
      .prepare(`update voter set status = 'removed', removed_at = ?, updated_at = ? where ${where}`)
      .run(startedAt, startedAt, ...params);
    return ids.length;
  }

  async commit(): Promise<WriteCounts | undefined> {
    this.#settle();
    const counts = this.#takeCarry();
    for (const sql of this.#droppedIndexes) this.#db.exec(sql);
    this.#droppedIndexes = [];
    // Statistics for the planner after a first load, in the same transaction and with the import's small
    // page cache; sampled, so it costs a fraction of a full pass.
    if (this.#bulkInserted > 0) {
      const limit = (this.#db.prepare("pragma analysis_limit").get() as { analysis_limit: number })
        .analysis_limit;
      this.#db.exec(
        `pragma analysis_limit = ${ANALYSIS_ROWS}; analyze voter; pragma analysis_limit = ${limit}`,
      );
    }
    this.#db.exec("commit");
    this.#restoreCache();
    return counts;
  }

  async rollback(): Promise<void> {
    if (this.#db.inTransaction) this.#db.exec("rollback");
    this.#droppedIndexes = [];
    this.#restoreCache();
  }

  #restoreCache(): void {
    if (this.#cacheSize !== undefined) this.#db.exec(`pragma cache_size = ${this.#cacheSize}`);
    this.#cacheSize = undefined;
  }
}

/** A row of a flat batch as an {@link EncodedVoter}, for the row-by-row path. */
function decodeRow(data: readonly StoredValue[], base: number): EncodedVoter {
  return {
    state: data[base + AT_STATE] as string,
    stateVoterId: data[base + AT_VOTER_ID] as string,
    values: data.slice(base + AT_VALUES, base + AT_KEYS),
    keys: data.slice(base + AT_KEYS, base + AT_HASH) as EncodedVoter["keys"],
    hash: data[base + AT_HASH] as string,
  };
}

/** A SQL string literal. */
function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
