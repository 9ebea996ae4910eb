/**
 * The parse-and-encode half of a registration import: delimited rows in, flat batches of encoded voters
 * out (with the rows rejected along the way). It runs the same in the importer's thread or in a worker.
 *
 * @module
 */

import type { DelimitedFile } from "../delimited/parse.js";
import type { VoteHistoryRecord } from "../layouts/types.js";
import { ROW_WIDTH, type StoredValue } from "./encode.js";
import { type RowEncoder, SKIPPED } from "./fast-registration.js";
import type { RowError } from "./types.js";

/** One batch of encoded registrations, and what reading it found. */
export interface EncodedChunk {
  /** Encoded rows, `ROW_WIDTH` entries each (see `encode.ts`). */
  data: StoredValue[];
  /** Ballots carried by rows (Ohio), by the row's index in `data`. */
  votes?: (VoteHistoryRecord[] | undefined)[];
  /** Data rows read for this chunk, rejected ones included. */
  read: number;
  /** Bytes of the file read so far. */
  bytes: number;
  /** Rejected rows, listed while fewer than the import's `maxErrors` were listed before. */
  rejected: RowError[];
  /** Rejected rows, listed or not. */
  rejectedCount: number;
  /** Rows the layout skipped. */
  skipped: number;
  /** Dropped values, by column. */
  warnings: Record<string, number>;
}

/** Options of {@link encodeChunks}. */
export interface EncodeOptions {
  /** Rows per chunk. */
  batchSize: number;
  /** How many rejected rows to list over the whole import. */
  maxErrors: number;
  /** Called after each encoded row for the ballots it carries (the record path, for Ohio's inline columns). */
  takeVotes?: () => VoteHistoryRecord[] | undefined;
}

/**
 * Encodes the rows of an opened file a chunk at a time.
 *
 * @param file - The opened file (header read).
 * @param encode - The row encoder.
 * @param options - Batch size, error listing limit, and a hook for inline ballots.
 * @returns Chunks of encoded rows.
 */
export async function* encodeChunks(
  file: DelimitedFile,
  encode: RowEncoder,
  options: EncodeOptions,
): AsyncGenerator<EncodedChunk> {
  const limit = options.batchSize * ROW_WIDTH;
  let listed = 0;
  let chunk = emptyChunk(0);
  const warn = (field: string) => {
    chunk.warnings[field] = (chunk.warnings[field] ?? 0) + 1;
  };
  const rejectRow = (errors: readonly RowError[]) => {
    chunk.rejectedCount++;
    for (const error of errors) {
      if (listed >= options.maxErrors) break;
      listed++;
      // Copies: a substring of the file would keep its whole chunk of text alive.
      chunk.rejected.push({ row: error.row, field: copy(error.field), reason: copy(error.reason) as string });
    }
  };
  for await (const batch of file.batches) {
    for (const row of batch) {
      chunk.read++;
      chunk.bytes = row.bytes;
      if (row.error !== undefined) {
        rejectRow([{ row: row.row, field: null, reason: row.error }]);
        continue;
      }
      const index = chunk.data.length / ROW_WIDTH;
      const errors = encode(row.fields, row.row, chunk.data, warn);
      if (errors === SKIPPED) {
        chunk.skipped++;
        continue;
      }
      if (errors !== undefined) {
        rejectRow(errors.map((error) => ({ row: row.row, field: error.field, reason: error.reason })));
        continue;
      }
      const votes = options.takeVotes?.();
      if (votes !== undefined && votes.length > 0) {
        chunk.votes ??= [];
        chunk.votes[index] = votes;
      }
      if (chunk.data.length >= limit) {
        yield chunk;
        chunk = emptyChunk(chunk.bytes);
      }
    }
    // Rejected-only stretches still report progress.
    if (chunk.read >= options.batchSize) {
      yield chunk;
      chunk = emptyChunk(chunk.bytes);
    }
  }
  if (chunk.read > 0) yield chunk;
}

function emptyChunk(bytes: number): EncodedChunk {
  return { data: [], read: 0, bytes, rejected: [], rejectedCount: 0, skipped: 0, warnings: {} };
}

function copy(text: string | null): string | null {
  return text === null ? null : (JSON.parse(JSON.stringify(text)) as string);
}
