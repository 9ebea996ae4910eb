/**
 * What the importer needs from a database: one transaction per import, batched writes of voters and ballots.
 *
 * @module
 */

import type { VoteHistoryRecord } from "../layouts/types.js";
import type { StoredValue } from "./encode.js";
import type { RemoveMissing, RowError } from "./types.js";

/**
 * Registration rows to write: the encoded rows as one flat array (`ROW_WIDTH` entries a row, see
 * `encode.ts`), and the ballots some rows carry (Ohio), by the row's index in the batch.
 */
export interface VoterBatch {
  data: StoredValue[];
  /** `votes[i]` are the ballots of the batch's i-th row; absent or sparse when rows carry none. */
  votes?: (VoteHistoryRecord[] | undefined)[];
}

/** A history row to write. */
export interface VoteRow {
  row: number;
  vote: VoteHistoryRecord;
  /** The file's voter id column, for errors. */
  voterIdField: string;
}

/** Counts of one batch. */
export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rejected rows, listed (up to the import's `maxErrors`). */
  rejected: RowError[];
  /** Rejected rows beyond the listed ones. */
  moreRejected?: number;
  /** Ballots written from registration rows that carry them (Ohio), counted apart from voters. */
  ballots?: BallotCounts;
}

/** Ballots added, changed or already stored. */
export interface BallotCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** The context of one import. */
export interface ImportContext {
  importId: string;
  organizationId: string;
  startedAt: string;
  state: string | null;
  /** How many rejected rows the summary lists; writers need not list more. */
  maxErrors: number;
}

/** A database's bulk path. Every call between `begin` and `commit`/`rollback` is one transaction. */
export interface VoterWriter {
  begin(context: ImportContext): Promise<void>;
  writeVoters(batch: VoterBatch): Promise<WriteCounts>;
  writeVotes(rows: VoteRow[]): Promise<WriteCounts>;
  /** Marks voters the import did not list as removed; returns how many. */
  removeMissing(scope: RemoveMissing, state: string, counties: readonly string[]): Promise<number>;
  commit(): Promise<WriteCounts | undefined>;
  rollback(): Promise<void>;
}
