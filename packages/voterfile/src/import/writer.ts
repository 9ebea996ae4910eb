/**
 * What the importer needs from a database: one transaction per import, batched writes of voters and ballots.
 *
 * @module
 */

import type { VoteHistoryRecord } from "../layouts/types.js";
import type { EncodedVoter } from "./encode.js";
import type { RemoveMissing, RowError } from "./types.js";

/** A registration row to write, with the ballots its row carries (Ohio). */
export interface VoterRow {
  row: number;
  voter: EncodedVoter;
  votes: VoteHistoryRecord[];
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
  writeVoters(rows: VoterRow[]): Promise<WriteCounts>;
  writeVotes(rows: VoteRow[]): Promise<WriteCounts>;
  /** Marks voters the import did not list as removed; returns how many. */
  removeMissing(scope: RemoveMissing, state: string, counties: readonly string[]): Promise<number>;
  commit(): Promise<WriteCounts | undefined>;
  rollback(): Promise<void>;
}
