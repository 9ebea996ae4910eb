/**
 * Registration imports off the importer's thread, in two shapes:
 *
 * - **encode**: a worker reads, parses and normalizes the file and posts flat batches of encoded rows while
 *   the importer's thread writes them, so an import uses two cores. At most a few batches are in flight,
 *   so memory stays bounded whichever side is slower.
 * - **SQLite import**: under a memory budget, one worker with a capped young generation does it all —
 *   parse, normalize and write, through its own connection to the database file, in one transaction.
 *   Node lets the young generation of a busy isolate grow past 100 MB, which a budget cannot afford; the
 *   importer's thread only relays progress.
 *
 * Either way the database is written through one connection, in one transaction.
 *
 * The worker runs this package's own module (the built bundle, or this file under a TypeScript loader in
 * tests): when that module is not where this package's `package.json` says it is (say, a bundler folded the
 * package into an application), no worker is started and the import runs in one thread.
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { getHeapStatistics } from "node:v8";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { ownBundleUrl, type SqliteDatabaseLike } from "@precinct/core";
import type { Delimiter } from "../delimited/parse.js";
import { openDelimited } from "../delimited/parse.js";
import type { RegistrationSpec } from "../layouts/mapping.js";
import { AT_COUNTY, ROW_WIDTH } from "./encode.js";
import { compileRegistration } from "./fast-registration.js";
import { type EncodedChunk, encodeChunks } from "./pipeline.js";
import { SqliteVoterWriter } from "./sqlite-writer.js";
import type { RemoveMissing } from "./types.js";
import type { ImportContext, WriteCounts } from "./writer.js";

const TAG = "precinct-voterfile-import";
/** Bytes per read: 1 MiB parses in long runs; under a memory budget, 256 KiB keeps decoded text small. */
const READ_CHUNK = 1 << 20;
const BUDGET_READ_CHUNK = 256 << 10;

/** The file to read and how: what both shapes of worker need. */
export interface ReadJob {
  file: string;
  spec: RegistrationSpec;
  delimiter: Delimiter | undefined;
  /** The header the importer read; the worker checks the file still starts with it. */
  header: string[];
  batchSize: number;
  maxErrors: number;
}

/** A SQLite import run in a worker: the reading, the database file and its connection settings, the import. */
export interface SqliteImportJob extends ReadJob {
  database: string;
  /** `pragma` name → value, as the importer's connection has them. */
  pragmas: Record<string, string | number>;
  context: ImportContext;
  removeMissing: RemoveMissing | undefined;
  state: string;
}

type Job =
  | (ReadJob & { tag: typeof TAG; role: "encode"; inFlight: number })
  | (SqliteImportJob & { tag: typeof TAG; role: "sqlite" });

/** What a SQLite import worker reports: each batch (its rows' counts, without the rows), then the end. */
export type SqliteImportEvent =
  | { type: "chunk"; chunk: EncodedChunk; counts: WriteCounts }
  | { type: "done"; removed: number; counts: WriteCounts | undefined };

type Message =
  | { type: "chunk"; chunk: EncodedChunk; counts?: WriteCounts }
  | { type: "done"; removed?: number; counts?: WriteCounts }
  | { type: "error"; message: string };

/** How the worker is started: the module to run and the Node flags it needs. */
interface WorkerScript {
  url: URL;
  execArgv?: string[];
}

let script: WorkerScript | null | undefined;
let lowMemoryOverride: boolean | undefined;

/**
 * @internal Overrides how the worker is started (tests run the TypeScript sources under a loader), or turns
 * workers off with `null`; `undefined` restores the default.
 */
export function setImportWorkerScript(value: WorkerScript | null | undefined): void {
  script = value;
}

/** @internal Forces (or, with `undefined`, stops forcing) the memory-budget decision of {@link lowMemory}. */
export function setLowMemory(value: boolean | undefined): void {
  lowMemoryOverride = value;
}

/**
 * Whether this process runs under a memory budget: a V8 heap limit under 1 GiB (`--max-old-space-size`).
 * Then a SQLite import runs in one bounded worker rather than on two cores.
 */
export function lowMemory(): boolean {
  return lowMemoryOverride ?? getHeapStatistics().heap_size_limit < 1 << 30;
}

/** The module a worker runs: this package's built bundle, when this code is running from it. */
function defaultScript(): WorkerScript | null {
  const url = ownBundleUrl(import.meta.url, "@precinct/voterfile");
  return url === null ? null : { url };
}

/** Whether registration files can be imported with a worker here. */
export function importWorkerAvailable(): boolean {
  if (script === undefined) script = defaultScript();
  return script !== null;
}

/** Starts a worker and yields its messages until it is done; stops it on an error or an early return. */
async function* run(job: Job, resourceLimits: { maxYoungGenerationSizeMb: number }) {
  if (!importWorkerAvailable()) throw new Error("no worker script for voter-file imports");
  const { url, execArgv } = script as WorkerScript;
  const worker = new Worker(url, { workerData: job, resourceLimits, ...(execArgv ? { execArgv } : {}) });
  const queue: Message[] = [];
  let failure: Error | undefined;
  let exited = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on("message", (message: Message) => {
    queue.push(message);
    notify();
  });
  worker.on("error", (error) => {
    failure ??= error;
    notify();
  });
  worker.on("exit", (code) => {
    exited = true;
    if (code !== 0) failure ??= new Error(`the import worker stopped with exit code ${code}`);
    notify();
  });
  try {
    for (;;) {
      const message = queue.shift();
      if (message === undefined) {
        if (failure) throw failure;
        if (exited) throw new Error("the import worker stopped before the end of the file");
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (message.type === "error") throw new Error(message.message);
      yield message;
      if (message.type === "done") return;
      // Acknowledged once the importer is done with the message and asks for the next.
      worker.postMessage("ack");
    }
  } finally {
    if (!exited) await worker.terminate();
  }
}

/**
 * Encodes a registration file in a worker and yields its chunks, in file order.
 *
 * @param job - The file, the layout's spec, the header the importer read, and batching.
 * @returns The chunks.
 */
export async function* encodeInWorker(job: ReadJob): AsyncGenerator<EncodedChunk> {
  // Nearly everything the worker allocates dies young; without a cap V8 grows the young generation of a
  // busy isolate past 100 MB, and a much smaller one costs time in collections. (The old generation keeps
  // the process's limit: the caches live there.)
  for await (const message of run(
    { ...job, tag: TAG, role: "encode", inFlight: 4 },
    { maxYoungGenerationSizeMb: 64 },
  )) {
    if (message.type === "chunk") yield message.chunk;
  }
}

/**
 * Imports a registration file into a SQLite database file from one worker (see the module notes).
 *
 * @param job - The file and how to read it, the database file and settings, and the import's context.
 * @returns Each batch's reading and write counts, then the removal count and the commit's counts.
 */
export async function* importSqliteInWorker(job: SqliteImportJob): AsyncGenerator<SqliteImportEvent> {
  for await (const message of run({ ...job, tag: TAG, role: "sqlite" }, { maxYoungGenerationSizeMb: 16 })) {
    if (message.type === "chunk")
      yield { type: "chunk", chunk: message.chunk, counts: message.counts as WriteCounts };
    else if (message.type === "done")
      yield { type: "done", removed: message.removed ?? 0, counts: message.counts };
  }
}

/**
 * The connection settings a worker's own connection must share with the importer's (the journal mode is
 * the file's own), or `null` when the database is not a file another connection can open.
 */
export function sqliteConnectionOf(
  database: SqliteDatabaseLike,
): { file: string; pragmas: Record<string, string | number> } | null {
  const handle = database as SqliteDatabaseLike & { name?: unknown; memory?: unknown };
  if (typeof handle.name !== "string" || handle.memory !== false || handle.name === "") return null;
  const pragmas: Record<string, string | number> = {};
  for (const name of ["busy_timeout", "synchronous", "foreign_keys", "wal_autocheckpoint"]) {
    const value = database.pragma(name, { simple: true });
    if (typeof value === "number" || typeof value === "string") pragmas[name] = value;
  }
  return { file: handle.name, pragmas };
}

/** Opens the file of a registration job and checks it still has the header the importer read. */
async function openJob(job: ReadJob, readChunk: number) {
  const file = await openDelimited(
    createReadStream(job.file, { highWaterMark: readChunk }),
    job.delimiter ? { delimiter: job.delimiter } : {},
  );
  if (file.header.join("\t") !== job.header.join("\t")) {
    throw new Error(`${job.file} changed while it was being imported (its header is not the one read)`);
  }
  return { file, encode: compileRegistration(job.spec, file.header) };
}

/** The worker's side of `encode`: read, encode, post, and wait for acknowledgements past the in-flight limit. */
async function runEncode(
  job: ReadJob & { inFlight: number },
  port: NonNullable<typeof parentPort>,
): Promise<void> {
  let unacknowledged = 0;
  let release: (() => void) | undefined;
  port.on("message", () => {
    unacknowledged--;
    release?.();
    release = undefined;
  });
  const { file, encode } = await openJob(job, READ_CHUNK);
  for await (const chunk of encodeChunks(file, encode, job)) {
    unacknowledged++;
    port.postMessage({ type: "chunk", chunk } satisfies Message);
    while (unacknowledged >= job.inFlight) {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }
  }
  port.postMessage({ type: "done" } satisfies Message);
}

/** The worker's side of a SQLite import: everything, on its own connection, in one transaction. */
async function runSqlite(job: SqliteImportJob, port: NonNullable<typeof parentPort>): Promise<void> {
  // better-sqlite3 as @precinct/core resolves it: the driver the importer's connection came from.
  const require = createRequire(import.meta.resolve("@precinct/core"));
  const Database = require("better-sqlite3") as new (path: string) => SqliteDatabaseLike & { close(): void };
  const database = new Database(job.database);
  try {
    for (const [name, value] of Object.entries(job.pragmas)) database.pragma(`${name} = ${value}`);
    const writer = new SqliteVoterWriter(database);
    const { file, encode } = await openJob(job, BUDGET_READ_CHUNK);
    await writer.begin(job.context);
    try {
      const counties = new Set<string>();
      for await (const chunk of encodeChunks(file, encode, job)) {
        const { data } = chunk;
        if (job.removeMissing === "counties") {
          for (let at = AT_COUNTY; at < data.length; at += ROW_WIDTH) {
            const county = data[at];
            if (typeof county === "string" && !counties.has(county)) {
              counties.add(JSON.parse(JSON.stringify(county)) as string);
            }
          }
        }
        const counts =
          data.length > 0
            ? await writer.writeVoters({ data })
            : { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
        port.postMessage({ type: "chunk", chunk: { ...chunk, data: [] }, counts } satisfies Message);
      }
      const removed = job.removeMissing
        ? await writer.removeMissing(job.removeMissing, job.state, [...counties])
        : 0;
      const counts = await writer.commit();
      port.postMessage({ type: "done", removed, ...(counts ? { counts } : {}) } satisfies Message);
    } catch (error) {
      await writer.rollback();
      throw error;
    }
  } finally {
    database.close();
  }
}

async function runWorker(job: Job): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  try {
    if (job.role === "encode") await runEncode(job, port);
    else await runSqlite(job, port);
  } catch (error) {
    port.postMessage({ type: "error", message: (error as Error).message } satisfies Message);
  } finally {
    port.removeAllListeners("message");
    port.unref();
  }
}

if (!isMainThread && (workerData as Partial<Job> | null)?.tag === TAG) {
  void runWorker(workerData as Job);
}
