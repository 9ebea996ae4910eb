/**
 * Importing a voter file: detect its layout from the header, stream and map its rows, and upsert them in one
 * transaction — bad rows reported by number, field and reason, the rest landing.
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { type Precinct, PrecinctError } from "@precinct/core";
import { type ByteSource, openDelimited, toRecord } from "../delimited/parse.js";
import { detectLayout } from "../layouts/detect.js";
import { registrationSpecOf } from "../layouts/mapping.js";
import { layoutById } from "../layouts/registry.js";
import type {
  AnyLayout,
  FieldError,
  HistoryLayout,
  MapResult,
  RegistrationLayout,
  VoteHistoryRecord,
} from "../layouts/types.js";
import { AT_COUNTY, encodeVoter, pushEncoded, ROW_WIDTH } from "./encode.js";
import { canCompile, compileRegistration, type RowEncoder, SKIPPED } from "./fast-registration.js";
import { orderedId } from "./ids.js";
import { type EncodedChunk, encodeChunks } from "./pipeline.js";
import { PostgresVoterWriter } from "./postgres-writer.js";
import { SqliteVoterWriter } from "./sqlite-writer.js";
import type { ImportOptions, ImportProgress, ImportSummary, RowError } from "./types.js";
import {
  encodeInWorker,
  importSqliteInWorker,
  importWorkerAvailable,
  lowMemory,
  type SqliteImportEvent,
  sqliteConnectionOf,
} from "./worker.js";
import type { VoteRow, VoterBatch, VoterWriter, WriteCounts } from "./writer.js";

/** Files this large (about 10,000 NC rows) are parsed in a worker by default: below, starting one costs more. */
const WORKER_MIN_BYTES = 4 << 20;

/**
 * Imports a voter registration or vote history file into the client's organization.
 *
 * - The layout is detected from the header (or given) before anything is written; an unreadable file or an
 *   unknown layout throws and leaves the database as it was.
 * - Rows stream through with constant memory. Registrations are upserted by (state, state voter id): new
 *   voters are inserted, changed ones updated with the change recorded in `voter_change`, identical ones left
 *   alone — so re-importing a file is idempotent and a row repeated inside the file is not a second voter.
 * - With `removeMissing`, voters a full refresh no longer lists are marked `removed` (never deleted).
 * - History rows are collapsed per (voter, election): NC's relabelled duplicates become one ballot.
 * - A rejected row is reported with its data row number (header excluded), column and reason; the rest lands.
 * - Everything is one transaction: if the import fails midway (the file becomes unreadable), nothing of it
 *   stays. On SQLite the import holds the write lock while it runs.
 * - A first import into an empty voter table is a bulk load: rows are appended (PostgreSQL: one `COPY`
 *   straight into the table), and the table's indexes are dropped and rebuilt once at the end, all inside
 *   the transaction. Large files are parsed in a worker thread (see {@link ImportOptions.worker}).
 *
 * @param precinct - The client; the voters belong to its organization.
 * @param file - A file path, or a byte stream (then give `options.source` for the log).
 * @param options - Layout, refresh scope, progress callback.
 * @returns What was read, inserted, updated, unchanged, rejected and removed.
 * @throws {@link PrecinctError} `invalid_input` when the file cannot be read or its layout is unknown.
 * @example
 * ```ts
 * const summary = await importVoterFile(precinct, "ncvoter_Statewide.txt", {
 *   removeMissing: "state",
 *   onProgress: (p) => console.log(`${p.percent?.toFixed(1)}%`),
 * });
 * console.log(summary.inserted, summary.rejected, summary.errors[0]);
 * ```
 */
export async function importVoterFile(
  precinct: Precinct,
  file: string | ByteSource,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const sourceName = options.source ?? (typeof file === "string" ? file : "stream");
  const maxErrors = options.maxErrors ?? 100;
  const batchSize = options.batchSize ?? 2000;

  let totalBytes: number | null = null;
  let source: ByteSource;
  if (typeof file === "string") {
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a regular file");
      totalBytes = info.size;
    } catch (cause) {
      throw new PrecinctError({
        code: "invalid_input",
        message: `Cannot read voter file ${file}: ${(cause as Error).message}`,
        details: { file },
        cause,
      });
    }
    source = createReadStream(file, { highWaterMark: 1 << 20 });
  } else {
    source = file;
  }

  const explicit = resolveLayout(options.layout, sourceName);
  let opened: Awaited<ReturnType<typeof openDelimited>>;
  try {
    opened = await openDelimited(source, explicit ? { delimiter: explicit.delimiter } : {});
  } catch (cause) {
    throw new PrecinctError({
      code: "invalid_input",
      message: `Cannot read voter file ${basename(sourceName)}: ${(cause as Error).message}`,
      details: { file: sourceName },
      cause,
    });
  }
  let layout: AnyLayout;
  try {
    layout = explicit ?? detectLayout(opened.header);
    if (explicit) checkColumns(explicit, opened.header);
  } catch (cause) {
    await opened.batches[Symbol.asyncIterator]().return?.();
    throw new PrecinctError({
      code: "invalid_input",
      message: `${sourceName}: ${(cause as Error).message}`,
      details: { file: sourceName, ...(PrecinctError.isInstance(cause) ? cause.details : {}) },
      cause,
    });
  }

  const storage = precinct.storage;
  const organizationId = precinct.organization.id;
  const writer: VoterWriter =
    storage.driver.kind === "sqlite"
      ? new SqliteVoterWriter(storage.driver.database)
      : new PostgresVoterWriter(storage.driver.pool);
  const importId = orderedId();
  const startedAt = new Date().toISOString();
  const summary: ImportSummary = {
    importId,
    layout: layout.id,
    kind: layout.kind,
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    skipped: 0,
    removed: 0,
    errors: [],
    warnings: {},
    elapsedMs: 0,
  };
  const reject = (errors: RowError[]) => {
    summary.rejected++;
    for (const error of errors) {
      // Copies: a substring of the file would keep its whole chunk of text alive.
      if (summary.errors.length < maxErrors)
        summary.errors.push(JSON.parse(JSON.stringify(error)) as RowError);
    }
  };
  const add = (counts: WriteCounts | undefined) => {
    if (!counts) return;
    summary.inserted += counts.inserted;
    summary.updated += counts.updated;
    summary.unchanged += counts.unchanged;
    for (const error of counts.rejected) reject([error]);
    summary.rejected += counts.moreRejected ?? 0;
    if (counts.ballots) {
      summary.ballots ??= { inserted: 0, updated: 0, unchanged: 0 };
      summary.ballots.inserted += counts.ballots.inserted;
      summary.ballots.updated += counts.ballots.updated;
      summary.ballots.unchanged += counts.ballots.unchanged;
    }
  };
  const warn = (warnings: readonly FieldError[]) => {
    for (const warning of warnings)
      summary.warnings[warning.field] = (summary.warnings[warning.field] ?? 0) + 1;
  };

  let bytes = 0;
  let lastReport = 0;
  const progress = (): ImportProgress => {
    const elapsedMs = performance.now() - started;
    return {
      rows: summary.read,
      rowsPerSecond: elapsedMs > 0 ? Math.round((summary.read * 1000) / elapsedMs) : 0,
      bytes,
      totalBytes,
      percent: totalBytes ? Math.min(100, (bytes / totalBytes) * 100) : null,
      elapsedMs,
    };
  };

  /** The mapped record, or `undefined` after counting a rejected or skipped row. */
  const accepted = <T>(mapped: MapResult<T>, row: number): T | undefined => {
    if (mapped.kind === "error") {
      reject(mapped.errors.map((error) => ({ row, field: error.field, reason: error.reason })));
      return undefined;
    }
    if (mapped.kind === "skip") {
      summary.skipped++;
      return undefined;
    }
    warn(mapped.warnings);
    return mapped.record;
  };

  // One record object, refilled for every row: mapRow only reads it, and a million 67-key objects are garbage.
  const keys = opened.header.map((name) => name.trim().toLowerCase());
  const reused = toRecord(opened.header, []);
  const fill = (fields: readonly string[]) => {
    for (let index = 0; index < keys.length; index++) reused[keys[index] as string] = fields[index] ?? "";
    return reused;
  };
  const counties = new Set<string>();
  const collectCounties = options.removeMissing === "counties";
  const report = () => {
    if (options.onProgress === undefined) return;
    const now = performance.now();
    if (now - lastReport >= 250) {
      lastReport = now;
      options.onProgress(progress());
    }
  };

  // Registrations: parse, map and encode (in a worker when it pays), then write a flat batch at a time.
  let chunks: AsyncIterable<EncodedChunk> | undefined;
  // Or, under a memory budget, the whole SQLite import in one bounded worker (see worker.ts).
  let sqliteEvents: AsyncIterable<SqliteImportEvent> | undefined;
  if (layout.kind === "registration") {
    const spec = registrationSpecOf(layout.mapRow);
    const read =
      canCompile(spec) &&
      typeof file === "string" &&
      (options.worker ?? (totalBytes ?? 0) >= WORKER_MIN_BYTES) &&
      importWorkerAvailable()
        ? {
            file,
            // Plain data for the worker (a spec built by hand could carry more than it can be sent).
            spec: JSON.parse(
              JSON.stringify({ state: spec.state, columns: spec.columns, statusCodes: spec.statusCodes }),
            ) as typeof spec,
            delimiter: explicit?.delimiter ?? opened.delimiter,
            header: opened.header,
            batchSize,
            maxErrors,
          }
        : undefined;
    const connection =
      read !== undefined && options.worker === undefined && storage.driver.kind === "sqlite" && lowMemory()
        ? sqliteConnectionOf(storage.driver.database)
        : null;
    if (read !== undefined) {
      // The worker reads the file itself; this thread's reader has done its part (the header).
      await opened.batches[Symbol.asyncIterator]().return?.();
      if (connection !== null) {
        sqliteEvents = importSqliteInWorker({
          ...read,
          database: connection.file,
          pragmas: connection.pragmas,
          context: { importId, organizationId, startedAt, state: layout.state, maxErrors },
          removeMissing: options.removeMissing,
          state: layout.state,
        });
      } else {
        chunks = encodeInWorker(read);
      }
    } else if (canCompile(spec)) {
      chunks = encodeChunks(opened, compileRegistration(spec, opened.header), { batchSize, maxErrors });
    } else {
      let votes: VoteHistoryRecord[] | undefined;
      const generic: RowEncoder = (fields, row, out, warnField) => {
        const mapped = (layout as RegistrationLayout).mapRow(fill(fields));
        if (mapped.kind === "error") return mapped.errors;
        if (mapped.kind === "skip") return SKIPPED;
        for (const warning of mapped.warnings) warnField(warning.field);
        pushEncoded(out, row, encodeVoter(mapped.record.voter));
        votes = mapped.record.votes;
        return undefined;
      };
      const takeVotes = () => {
        const taken = votes;
        votes = undefined;
        return taken;
      };
      chunks = encodeChunks(opened, generic, { batchSize, maxErrors, takeVotes });
    }
  }

  const tally = (chunk: EncodedChunk) => {
    summary.read += chunk.read;
    summary.skipped += chunk.skipped;
    summary.rejected += chunk.rejectedCount;
    bytes = chunk.bytes;
    for (const error of chunk.rejected) if (summary.errors.length < maxErrors) summary.errors.push(error);
    for (const [field, count] of Object.entries(chunk.warnings)) {
      summary.warnings[field] = (summary.warnings[field] ?? 0) + count;
    }
  };
  if (sqliteEvents === undefined) {
    await writer.begin({ importId, organizationId, startedAt, state: layout.state, maxErrors });
  }
  try {
    if (sqliteEvents !== undefined) {
      for await (const event of sqliteEvents) {
        if (event.type === "chunk") {
          tally(event.chunk);
          add(event.counts);
          report();
        } else {
          summary.removed = event.removed;
          add(event.counts);
        }
      }
    } else if (chunks !== undefined) {
      for await (const chunk of chunks) {
        tally(chunk);
        const { data } = chunk;
        if (collectCounties) {
          for (let at = AT_COUNTY; at < data.length; at += ROW_WIDTH) {
            const county = data[at];
            // Copied: a county may be a slice of a whole chunk of the file's text.
            if (typeof county === "string" && !counties.has(county))
              counties.add(JSON.parse(JSON.stringify(county)) as string);
          }
        }
        if (data.length > 0) {
          const batch: VoterBatch = chunk.votes === undefined ? { data } : { data, votes: chunk.votes };
          add(await writer.writeVoters(batch));
        }
        report();
      }
    } else {
      let votes: VoteRow[] = [];
      const historyIdColumn = historyVoterColumn(layout, opened.header);
      for await (const batch of opened.batches)
        for (const row of batch) {
          summary.read++;
          bytes = row.bytes;
          if (row.error !== undefined) {
            reject([{ row: row.row, field: null, reason: row.error }]);
            continue;
          }
          const mapped = accepted((layout as HistoryLayout).mapRow(fill(row.fields)), row.row);
          if (mapped === undefined) continue;
          votes.push({ row: row.row, vote: mapped, voterIdField: historyIdColumn });
          if (votes.length >= batchSize) {
            add(await writer.writeVotes(votes));
            votes = [];
          }
          if (summary.read % 1000 === 0) report();
        }
      if (votes.length > 0) add(await writer.writeVotes(votes));
    }
    if (sqliteEvents === undefined) {
      if (options.removeMissing && layout.kind === "registration") {
        summary.removed = await writer.removeMissing(options.removeMissing, layout.state, [...counties]);
      }
      add(await writer.commit());
    }
  } catch (error) {
    await writer.rollback();
    summary.elapsedMs = performance.now() - started;
    await log(precinct, summary, layout, sourceName, startedAt, options, "failed", (error as Error).message);
    throw PrecinctError.isInstance(error)
      ? error
      : new PrecinctError({
          code: "invalid_input",
          message: `Import of ${sourceName} failed after ${summary.read} rows and was rolled back: ${(error as Error).message}`,
          details: { file: sourceName, row: summary.read },
          cause: error,
        });
  }
  summary.elapsedMs = performance.now() - started;
  options.onProgress?.(progress());
  await log(precinct, summary, layout, sourceName, startedAt, options, "completed", null);
  return summary;
}

function resolveLayout(layout: ImportOptions["layout"], source: string): AnyLayout | undefined {
  if (layout === undefined || layout === "auto") return undefined;
  if (typeof layout !== "string") return layout;
  const found = layoutById(layout);
  if (found) return found;
  throw new PrecinctError({
    code: "invalid_input",
    message: `${source}: unknown layout "${layout}" (known: nc-voter, nc-history, oh-swvf, wa-vrdb, ca-vrd, ca-vph, or a mapped layout)`,
    details: { file: source, layout },
  });
}

function checkColumns(layout: AnyLayout, header: readonly string[]): void {
  const names = new Set(header.map((name) => name.trim().toLowerCase()));
  const missing = layout.requiredColumns.filter((name) => !names.has(name.toLowerCase()));
  if (missing.length > 0) {
    throw new PrecinctError({
      code: "invalid_input",
      message: `the header lacks column(s) the ${layout.id} layout needs: ${missing.slice(0, 5).join(", ")}`,
      details: { layout: layout.id, missingColumns: missing },
    });
  }
}

function historyVoterColumn(layout: AnyLayout, header: readonly string[]): string {
  const byLayout: Record<string, string> = { "nc-history": "ncid", "ca-vph": "RegistrantID" };
  const name = byLayout[layout.id] ?? layout.requiredColumns[0] ?? "voter id";
  return header.find((column) => column.toLowerCase() === name.toLowerCase()) ?? name;
}

async function log(
  precinct: Precinct,
  summary: ImportSummary,
  layout: AnyLayout,
  source: string,
  startedAt: string,
  options: ImportOptions,
  status: "completed" | "failed",
  message: string | null,
): Promise<void> {
  await precinct.storage.db
    .insertInto("voterImport")
    .values({
      id: summary.importId,
      organizationId: precinct.organization.id,
      state: layout.state,
      layout: layout.id,
      kind: layout.kind,
      source,
      status,
      removeMissing: options.removeMissing ?? null,
      read: summary.read,
      inserted: summary.inserted,
      updated: summary.updated,
      unchanged: summary.unchanged,
      rejected: summary.rejected,
      removed: summary.removed,
      errors: JSON.stringify(summary.errors),
      message,
      startedAt,
      finishedAt: new Date().toISOString(),
    })
    .execute();
}
