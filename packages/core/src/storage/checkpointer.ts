/**
 * Background checkpoints for a SQLite database in WAL mode.
 *
 * A WAL-mode commit appends pages to the `-wal` file; a checkpoint copies them back into the database file
 * and, with `synchronous = NORMAL`, is the only step that waits for the disk (`fsync`). SQLite runs it
 * inside whichever commit pushes the log past `wal_autocheckpoint` pages, so on the connection the engine
 * uses that commit — and the whole event loop, better-sqlite3 being synchronous — stalls for the disk every
 * few hundred messages. Here a worker thread with its own connection to the same file runs passive
 * checkpoints instead, on the machine's other core; the engine's connection keeps a high
 * `wal_autocheckpoint` only as a backstop (the worker could not start, or cannot keep up).
 *
 * Durability is unchanged: commits are as durable as before (NORMAL in WAL mode survives a process crash),
 * and a checkpoint still syncs the log before it copies and the database after.
 *
 * @module
 */

import { createRequire } from "node:module";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";

/** How often the worker checkpoints. A checkpoint with nothing new to copy returns at once. */
const CHECKPOINT_EVERY_MS = 100;
/** The engine connection's own threshold while the worker runs (SQLite's default is 1,000 pages). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 20_000;
/** SQLite's default threshold, restored when the worker fails. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** How long closing waits for the worker's last checkpoint before stopping it. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The worker: a CommonJS script (evaluated, so it needs no file of its own in the package) that opens the
 * database with better-sqlite3 and checkpoints passively until told to stop. Passive checkpoints never wait
 * for locks and never block the engine's reads or writes.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("synchronous = NORMAL");
db.pragma("busy_timeout = 0");
let timer;
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    // SQLITE_BUSY and friends: the next round tries again.
    if (error && error.code !== "SQLITE_BUSY" && error.code !== "SQLITE_LOCKED") throw error;
  }
};
timer = setInterval(checkpoint, workerData.everyMs);
parentPort.postMessage("ready");
parentPort.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  try { checkpoint(); } finally { db.close(); parentPort.close(); }
});
`;

/** A running background checkpointer. */
export interface Checkpointer {
  /** Runs a last checkpoint and stops the worker. Idempotent. */
  close(): Promise<void>;
}

/** The parts of a better-sqlite3 connection the checkpointer configures. */
interface PragmaTarget {
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/**
 * Starts checkpointing `path` in a worker thread and raises `database`'s own threshold to a backstop.
 * Returns null (and leaves `database` as it was) when better-sqlite3 cannot be resolved for a worker. If
 * the worker fails later, `database` gets SQLite's default threshold back and checkpoints itself again.
 *
 * @param path - The database file (not `:memory:`: another connection would open another database).
 * @param database - The engine's connection to the same file, in WAL mode.
 * @param onError - Told when the worker fails (the engine keeps working).
 */
export function startCheckpointer(
  path: string,
  database: PragmaTarget,
  onError: (error: unknown) => void = () => {},
): Checkpointer | null {
  let driver: string;
  try {
    driver = createRequire(import.meta.url).resolve("better-sqlite3");
  } catch {
    return null;
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // Absolute, so a later process.chdir() cannot point the worker at another file.
    workerData: { path: resolve(path), driver, everyMs: CHECKPOINT_EVERY_MS },
  });
  // A checkpointer never keeps a process alive that has nothing else to do.
  worker.unref();
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  let closed = false;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    worker.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  worker.on("error", (error) => {
    if (closed) return;
    closed = true;
    try {
      database.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The connection is closing: nothing left to checkpoint for.
    }
    onError(error);
  });
  return {
    async close() {
      if (closed) {
        if (!exited) await worker.terminate();
        return;
      }
      closed = true;
      // Waiting for the last checkpoint must keep the process alive (the worker is unref'd otherwise).
      worker.ref();
      worker.postMessage("close");
      const timeout = new Promise<"timeout">((resolve) => {
        const timer = setTimeout(() => resolve("timeout"), CLOSE_TIMEOUT_MS);
        timer.unref();
      });
      if ((await Promise.race([exit, timeout])) === "timeout") await worker.terminate();
    },
  };
}
