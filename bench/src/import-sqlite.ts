/**
 * Target: importing a generated 1M-row ncvoter file into SQLite (parse + normalize + upsert + indexes) runs at
 * ≥ 1.5× the rows/s of the sqlite3 shell's `.import` of the same file into a bare table; and peak RSS of a
 * 5M-row import stays ≤ 300 MB.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  type ChildResult,
  count,
  DATA_DIR,
  generated,
  importInChild,
  mb,
  type Result,
  report,
  runCommand,
  seconds,
  sizeOf,
} from "./util.js";

function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
}

/** Runs the SQLite import comparison. */
export async function benchImportSqlite(rows: number): Promise<Result> {
  console.log(`import into SQLite — ${count(rows)} ncvoter rows`);
  const file = await generated("nc-voter", rows);

  const bare = join(DATA_DIR, "baseline-bare.db");
  removeDatabase(bare);
  const baseline = await runCommand("sqlite3", [
    bare,
    ".mode tabs",
    `.import ${file} bare`,
    "select count(*) from bare;",
  ]);
  const baselineRows = Number(baseline.stdout.trim().split("\n").at(-1));
  removeDatabase(bare);
  console.log(
    `  baseline  sqlite3 .import into a bare table: ${count(baselineRows)} rows in ${seconds(baseline.ms)} = ${count((baselineRows * 1000) / baseline.ms)} rows/s`,
  );

  const database = join(DATA_DIR, "bench-import.db");
  removeDatabase(database);
  const ours = await importInChild(file, database);
  const { result } = ours;
  if (result.inserted !== rows) throw new Error(`expected ${rows} voters inserted, got ${result.inserted}`);
  // The import's own time (the child measures it around importVoterFile); the child's whole run adds Node's
  // start-up and creating the database's schema, printed beside it.
  const importMs = importTime(result, ours.ms);
  console.log(
    `  precinct  importVoterFile (parse, normalize, upsert, indexes): ${count(result.read)} rows in ${seconds(importMs)} = ${count((result.read * 1000) / importMs)} rows/s (whole process ${seconds(ours.ms)}: ${ratioOf(baseline.ms, baselineRows, ours.ms, result.read)}×), peak RSS ${result.maxRssMb} MB, database ${mb(sizeOf(database))}`,
  );
  const floor = await sqliteFloor(database);
  removeDatabase(database);
  const floorMs = Math.min(floor.live, floor.after);
  const floorRatio = ratioOf(baseline.ms, baselineRows, floorMs, result.read);
  console.log(
    `  floor     the same rows, already parsed and normalized, copied by the sqlite3 shell (no Node) into an empty voter table with its indexes: ${seconds(floor.live)} with the indexes in place, ${seconds(floor.after)} building them after; the faster = ${floorRatio}×`,
  );
  const ratio = Number(ratioOf(baseline.ms, baselineRows, importMs, result.read));
  return report(
    "SQLite import rows/s vs sqlite3 .import",
    ratio,
    "≥ 1.5×",
    ratio >= 1.5,
    `${seconds(importMs)} vs ${seconds(baseline.ms)}; floor (writing the imported rows alone, in C) ${floorRatio}×`,
  );
}

/**
 * The floor under any importer of this schema: the sqlite3 shell (C, no Node, no parsing, no normalizing)
 * copies the rows an import wrote into an empty `voter` table with the same indexes, with the pragmas
 * Precinct opens SQLite with, once with the indexes in place and once building them after the copy.
 * Returns both wall times (creating the empty table is not timed).
 */
async function sqliteFloor(imported: string): Promise<{ live: number; after: number }> {
  const floor = join(DATA_DIR, "bench-floor.db");
  const statements = async (type: "table" | "index") =>
    (
      await runCommand("sqlite3", [
        imported,
        `select sql || ';' from sqlite_master where tbl_name = 'voter' and type = '${type}' and sql is not null;`,
      ])
    ).stdout;
  const table = await statements("table");
  const indexes = await statements("index");
  const pragmas = "pragma synchronous = normal; pragma cache_size = -65536;";
  const from = `attach '${imported}' as src; insert into main.voter select * from src.voter;`;
  const timed = async (setup: string, work: string[]) => {
    removeDatabase(floor);
    await runCommand("sqlite3", [floor, "pragma journal_mode = wal;", setup]);
    const { ms } = await runCommand("sqlite3", [floor, pragmas, ...work]);
    removeDatabase(floor);
    return ms;
  };
  return {
    live: await timed(table + indexes, [from]),
    after: await timed(table, [from, indexes]),
  };
}

/** The import's own wall time, as the child reports it (older children report only the process's). */
export function importTime(result: ChildResult, processMs: number): number {
  return (result as ChildResult & { importMs?: number }).importMs ?? processMs;
}

/** Our rows/s over the baseline's, to two decimals. */
function ratioOf(baselineMs: number, baselineRows: number, oursMs: number, oursRows: number): string {
  return ((oursRows * 1000) / oursMs / ((baselineRows * 1000) / baselineMs)).toFixed(2);
}

/** Runs the peak-RSS check on a large file. */
export async function benchImportRss(rows: number): Promise<Result> {
  console.log(`import into SQLite, peak memory — ${count(rows)} ncvoter rows`);
  const file = await generated("nc-voter", rows);
  const database = join(DATA_DIR, "bench-rss.db");
  removeDatabase(database);
  // V8 lets garbage pile up to its heap limit (gigabytes on a large machine) before collecting; the import's
  // live heap is tens of megabytes, so the run caps the heap as a deployment with a memory budget would.
  const flags = "--max-old-space-size=128";
  const ours = await importInChild(file, database, flags);
  removeDatabase(database);
  const { result } = ours;
  console.log(
    `  precinct  ${count(result.read)} rows in ${seconds(ours.ms)}, peak RSS ${result.maxRssMb} MB with NODE_OPTIONS=${flags} (file ${mb(sizeOf(file))})`,
  );
  const ratio = result.maxRssMb / 300;
  return report(
    "peak RSS / 300 MB budget",
    ratio,
    "≤ 1.0×",
    result.maxRssMb <= 300,
    `${result.maxRssMb} MB at ${count(rows)} rows`,
  );
}
