/**
 * Target: the PostgreSQL bulk path (COPY into staging, set-based merge) imports at ≥ 0.7× the rows/s of
 * `psql \copy` of the same file into a bare table.
 */

import { NC_VOTER_COLUMNS } from "@precinct/voterfile";
import { importTime } from "./import-sqlite.js";
import { dropDatabase, freshDatabase, requirePostgresUrl } from "./postgres.js";
import { count, generated, importInChild, type Result, report, runCommand, seconds } from "./util.js";

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
  await dropDatabase(url, "precinct_bench_import");
  if (ours.result.inserted !== rows)
    throw new Error(`expected ${rows} voters inserted, got ${ours.result.inserted}`);
  const importMs = importTime(ours.result, ours.ms);
  console.log(
    `  precinct  importVoterFile on PostgreSQL (COPY + merge): ${count(rows)} rows in ${seconds(importMs)} = ${count((rows * 1000) / importMs)} rows/s (whole process ${seconds(ours.ms)}: ${(baseline.ms / ours.ms).toFixed(2)}×)`,
  );
  const ratio = baseline.ms / importMs;
  return report(
    "PostgreSQL import rows/s vs psql \\copy",
    ratio,
    "≥ 0.7×",
    ratio >= 0.7,
    `${seconds(importMs)} vs ${seconds(baseline.ms)}`,
  );
}
