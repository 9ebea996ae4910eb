/**
 * Target: the PostgreSQL bulk path (COPY into staging, set-based merge) imports at ≥ 0.7× the rows/s of
 * `psql \copy` of the same file into a bare table.
 */

import { rmSync } from "node:fs";
import { join } from "node:path";
import { NC_VOTER_COLUMNS } from "@precinct/voterfile";
import { importTime } from "./import-sqlite.js";
import { dropDatabase, freshDatabase, requirePostgresUrl } from "./postgres.js";
import {
  count,
  DATA_DIR,
  generated,
  importInChild,
  type Result,
  report,
  runCommand,
  seconds,
} from "./util.js";

/** Runs the PostgreSQL import comparison. */
export async function benchImportPostgres(rows: number): Promise<Result> {
  const url = requirePostgresUrl();
  console.log(`import into PostgreSQL — ${count(rows)} ncvoter rows`);
  const file = await generated("nc-voter", rows);

  const bareUrl = await freshDatabase(url, "precinct_bench_bare");
  await runCommand("psql", [
    bareUrl,
    "-v",
    "ON_ERROR_STOP=1",
    "-qc",
    `create table bare (${NC_VOTER_COLUMNS.map((c) => `${c} text`).join(", ")})`,
  ]);
  const baseline = await runCommand("psql", [
    bareUrl,
    "-v",
    "ON_ERROR_STOP=1",
    "-qc",
    `\\copy bare from '${file}' with (format csv, delimiter E'\\t', header true, encoding 'LATIN1')`,
  ]);
  await dropDatabase(url, "precinct_bench_bare");
  console.log(
    `  baseline  psql \\copy into a bare table: ${count(rows)} rows in ${seconds(baseline.ms)} = ${count((rows * 1000) / baseline.ms)} rows/s`,
  );

  const oursUrl = await freshDatabase(url, "precinct_bench_import");
  // Migrations run before the clock: the child opens (and migrates) the database, then times the import.
  const ours = await importInChild(file, oursUrl);
  const floor = await postgresFloor(oursUrl);
  await dropDatabase(url, "precinct_bench_import");
  if (ours.result.inserted !== rows)
    throw new Error(`expected ${rows} voters inserted, got ${ours.result.inserted}`);
  const importMs = importTime(ours.result, ours.ms);
  console.log(
    `  precinct  importVoterFile on PostgreSQL (COPY + merge): ${count(rows)} rows in ${seconds(importMs)} = ${count((rows * 1000) / importMs)} rows/s (whole process ${seconds(ours.ms)}: ${(baseline.ms / ours.ms).toFixed(2)}×)`,
  );
  const floorMs = Math.min(floor.live, floor.after);
  const floorRatio = (baseline.ms / floorMs).toFixed(2);
  console.log(
    `  floor     the same rows, already parsed and normalized, through psql \\copy (no Node) into an empty voter table with its indexes: ${seconds(floor.live)} with the indexes in place, ${seconds(floor.after)} building them after; the faster = ${floorRatio}×`,
  );
  const ratio = baseline.ms / importMs;
  return report(
    "PostgreSQL import rows/s vs psql \\copy",
    ratio,
    "≥ 0.7×",
    ratio >= 0.7,
    `${seconds(importMs)} vs ${seconds(baseline.ms)}; floor (writing the imported rows alone, psql \\copy) ${floorRatio}×`,
  );
}

/**
 * The floor under any importer of this schema: psql `\\copy`s the rows an import wrote, as CSV, into an
 * empty table shaped like `voter` with the same indexes: once with the indexes in place, once building
 * them after the copy. No Node, no parsing of the voter file, no normalizing, no merge. Returns both wall
 * times; exporting the rows and creating the empty table are not timed.
 */
async function postgresFloor(imported: string): Promise<{ live: number; after: number }> {
  const csv = join(DATA_DIR, "bench-floor.csv");
  const psql = (command: string) => runCommand("psql", [imported, "-v", "ON_ERROR_STOP=1", "-qAtc", command]);
  try {
    await psql(`\\copy (select * from voter) to '${csv}' with (format csv)`);
    const indexes = (
      await psql(
        "select indexdef from pg_indexes where schemaname = current_schema() and tablename = 'voter'",
      )
    ).stdout
      .trim()
      .split("\n")
      .map((definition, i) =>
        definition.replace(
          /^CREATE (UNIQUE )?INDEX \S+ ON (\S+\.)?voter /,
          `CREATE $1INDEX voter_floor_${i} ON voter_floor `,
        ),
      );
    const copy = `\\copy voter_floor from '${csv}' with (format csv)`;
    await psql("create table voter_floor (like voter including indexes)");
    const live = (await psql(copy)).ms;
    await psql("drop table voter_floor");
    await psql("create table voter_floor (like voter)");
    const started = performance.now();
    await psql(copy);
    for (const definition of indexes) await psql(definition);
    const after = performance.now() - started;
    await psql("drop table voter_floor");
    return { live, after };
  } finally {
    rmSync(csv, { force: true });
  }
}
