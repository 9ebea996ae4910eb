/**
 * The types of voter-file imports.
 *
 * @module
 */

import type { AnyLayout } from "../layouts/types.js";

/** A rejected row: the data row number (header excluded), the column at fault, and why. */
export interface RowError {
  /** 1-based data row number; the header and blank lines are not counted. */
  row: number;
  /** The column (as named in the file's header) at fault; `null` when the whole row is malformed. */
  field: string | null;
  /** What is wrong. */
  reason: string;
}

/** Progress of a running import, reported through {@link ImportOptions.onProgress}. */
export interface ImportProgress {
  /** Data rows read so far. */
  rows: number;
  /** Rows per second since the import started. */
  rowsPerSecond: number;
  /** Bytes read so far. */
  bytes: number;
  /** The file's size in bytes, when known. */
  totalBytes: number | null;
  /** `bytes / totalBytes` as 0–100, when the size is known. */
  percent: number | null;
  /** Milliseconds since the import started. */
  elapsedMs: number;
}

/**
 * Which stored voters a full refresh may mark removed when the file no longer lists them:
 * - `"state"`: the file is the whole state — every voter of that state not in it is removed;
 * - `"counties"`: the file covers whole counties (NC publishes one file per county) — voters of the counties
 *   present in the file who are not in it are removed.
 */
export type RemoveMissing = "state" | "counties";

/** Options of {@link importVoterFile}. */
export interface ImportOptions {
  /**
   * The layout: a built-in layout id (`nc-voter`, `nc-history`, `oh-swvf`, `wa-vrdb`, `ca-vrd`, `ca-vph`), a
   * layout object (e.g. from {@link mappedLayout}), or `auto` (default) to detect it from the header.
   */
  layout?: "auto" | string | AnyLayout;
  /** Mark voters the file no longer lists as removed (never deleted). Default: nothing is removed. */
  removeMissing?: RemoveMissing;
  /** Called about every 250 ms and at the end. */
  onProgress?: (progress: ImportProgress) => void;
  /** How many rejected rows to keep in the summary's `errors`. Default 100. */
  maxErrors?: number;
  /** A name for the import log (default: the file path). */
  source?: string;
  /** Rows per write batch. Default 2,000. */
  batchSize?: number;
  /**
   * Use worker threads for a registration file given by path (layouts made by `registrationMapper` without
   * inline ballot columns: every built-in registration layout but Ohio's, and mapped layouts).
   * - `true`: a worker parses and normalizes while this thread writes to the database — two cores.
   * - `false`: everything in this thread.
   * - default: for files of 4 MB or more, when running from the built package, as `true`; except under a
   *   memory budget (a V8 heap limit under 1 GiB, as `--max-old-space-size` sets) into a SQLite file, where
   *   one worker with a small young generation does the whole import through its own connection (one
   *   transaction, as always) so memory stays flat.
   */
  worker?: boolean;
}

/** What an import did. Rejected rows are listed (up to `maxErrors`), the rest of the file landed. */
export interface ImportSummary {
  /** The import's id in the `voter_import` log. */
  importId: string;
  /** The layout used. */
  layout: string;
  /** `registration` or `history`. */
  kind: "registration" | "history";
  /** Data rows read (header excluded). */
  read: number;
  /** Voters (or ballots, for history) added. */
  inserted: number;
  /** Existing voters (or ballots) whose stored values changed. */
  updated: number;
  /** Rows that matched what was stored, including a row repeated inside the file. */
  unchanged: number;
  /** Rows rejected; see `errors`. */
  rejected: number;
  /** History rows that record no ballot (e.g. a method label meaning "did not vote"). */
  skipped: number;
  /** Voters marked removed because a full refresh no longer lists them. */
  removed: number;
  /**
   * Ballots carried inside registration rows (Ohio's per-election columns): added, changed, already
   * stored. Absent for files without inline history; for history files the counts above are ballots.
   */
  ballots?: { inserted: number; updated: number; unchanged: number };
  /** The first `maxErrors` rejected rows. */
  errors: RowError[];
  /** Values that were dropped but did not reject their row (an invalid phone number, say), by column. */
  warnings: Record<string, number>;
  /** Wall-clock milliseconds. */
  elapsedMs: number;
}
