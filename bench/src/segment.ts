/**
 * Target: "new and infrequent voters in three precincts with a mobile phone, not opted out" over 1M voters
 * and ~4M history rows uses indexes (the plan is printed) and takes ≤ 10% of a full scan of the voter table.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createPrecinct, type Precinct, type SegmentFilter } from "@precinct/core";
import { computeTurnoutPropensity } from "@precinct/voterfile";
import Database from "better-sqlite3";
import pg from "pg";
import { type EngineDatabase, freshDatabase, requirePostgresUrl } from "./postgres.js";
import {
  count,
  DATA_DIR,
  generated,
  importInChild,
  population,
  type Result,
  report,
  seconds,
} from "./util.js";

/** The SQLite database with `voters` voters and their history, built once and reused. */
export async function votersDatabase(voters: number): Promise<string> {
  const path = join(DATA_DIR, `voters-${voters}.db`);
  if (existsSync(path)) return path;
  const building = `${path}.building`;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${building}${suffix}`, { force: true });
  const registrations = await generated("nc-voter", voters);
  const history = await generated("nc-history", voters);
  const first = await importInChild(registrations, building);
  console.log(`  setup: ${count(first.result.inserted)} voters imported in ${seconds(first.ms)}`);
  const second = await importInChild(history, building);
  console.log(
    `  setup: ${count(second.result.inserted)} ballots imported (${count(second.result.read)} history rows) in ${seconds(second.ms)}`,
  );

  const db = new Database(building);
  const org = (db.prepare("select id from organization where slug = 'default'").get() as { id: string }).id;
  const insert = db.prepare(
    "insert or ignore into phone_line_type (organization_id, number, line_type, source, checked_at) values (?, ?, ?, 'lookup', ?)",
  );
  db.transaction(() => {
    for (const [number, lineType, at] of lineTypes(voters)) insert.run(org, number, lineType, at);
  })();
  db.close();
  const precinct = await createPrecinct({ database: building });
  await finishVoters(precinct, voters);
  await precinct.close();
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(`${building}${suffix}`)) rmSync(`${path}${suffix}`, { force: true });
  }
  const { renameSync } = await import("node:fs");
  renameSync(building, path);
  return path;
}

/** Line types as a carrier lookup would have recorded them (the generator knows each phone's truth). */
function* lineTypes(voters: number): Generator<[number: string, lineType: string, checkedAt: string]> {
  const people = population(voters);
  const at = new Date().toISOString();
  for (let i = 0; i < voters; i++) {
    const voter = people.voterAt(i);
    if (voter.phone && voter.lineType)
      yield [`+1${voter.phone.replace(/\D/g, "").slice(-10)}`, voter.lineType, at];
  }
}

/** What both databases get after the import: some STOPs, and turnout propensity. */
async function finishVoters(precinct: Precinct, voters: number): Promise<void> {
  const people = population(voters);
  // Some people texted STOP before.
  for (let i = 0; i < voters && i < 200_000; i += 97) {
    const voter = people.voterAt(i);
    if (voter.phone) {
      await precinct.consent.record({
        channel: "sms",
        contactPoint: `+1${voter.phone.replace(/\D/g, "").slice(-10)}`,
        kind: "opt_out",
        source: "keyword",
        rawText: "STOP",
      } as never);
    }
  }
  const started = performance.now();
  const propensity = await computeTurnoutPropensity(precinct);
  console.log(
    `  setup: turnout propensity for ${count((propensity as { voters?: number }).voters ?? voters)} voters in ${seconds(performance.now() - started)}`,
  );
}

/**
 * The PostgreSQL database with `voters` voters and their history, built once and kept on the benchmark
 * server as `precinct_bench_voters_<n>` (a `bench_ready` table marks a finished build).
 */
async function votersPostgres(voters: number): Promise<string> {
  const server = requirePostgresUrl();
  const name = `precinct_bench_voters_${voters}`;
  const target = new URL(server);
  target.pathname = `/${name}`;
  const url = target.toString();
  const probe = new pg.Client({ connectionString: server });
  await probe.connect();
  const exists = (await probe.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
  await probe.end();
  if (exists) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const ready = (await client.query("select to_regclass('bench_ready') as t")).rows[0]?.t !== null;
    await client.end();
    if (ready) return url;
  }
  await freshDatabase(server, name);
  const registrations = await generated("nc-voter", voters);
  const history = await generated("nc-history", voters);
  const first = await importInChild(registrations, url);
  console.log(
    `  setup: ${count(first.result.inserted)} voters imported into PostgreSQL in ${seconds(first.ms)}`,
  );
  const second = await importInChild(history, url);
  console.log(
    `  setup: ${count(second.result.inserted)} ballots imported (${count(second.result.read)} history rows) in ${seconds(second.ms)}`,
  );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const org = (await client.query("select id from organization where slug = 'default'")).rows[0].id as string;
  let chunk: [string, string, string][] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const values = chunk.map((_, i) => `($1, $${3 * i + 2}, $${3 * i + 3}, 'lookup', $${3 * i + 4})`);
    await client.query(
      `insert into phone_line_type (organization_id, number, line_type, source, checked_at) values ${values.join(", ")} on conflict do nothing`,
      [org, ...chunk.flat()],
    );
    chunk = [];
  };
  for (const row of lineTypes(voters)) {
    chunk.push(row);
    if (chunk.length >= 5000) await flush();
  }
  await flush();
  const precinct = await createPrecinct({ database: url });
  await finishVoters(precinct, voters);
  await precinct.close();
  await client.query("analyze");
  await client.query("create table bench_ready (at timestamptz not null default now())");
  await client.end();
  return url;
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** A county and three of its precinct codes (codes repeat across counties, so a precinct is county + code). */
function threePrecincts(voters: number): { county: string; precincts: string[] } {
  const people = population(voters);
  const county = people.voterAt(0).countyName;
  const codes = new Set<string>();
  for (let i = 0; codes.size < 3 && i < voters; i += 7) {
    const voter = people.voterAt(i);
    if (voter.countyName === county) codes.add(voter.precinctCode);
  }
  return { county, precincts: [...codes] };
}

/** Counts the organization's voters reading every row (no index), median of 7: rows and milliseconds. */
async function fullScan(precinct: Precinct, database: string): Promise<{ rows: number; ms: number }> {
  const driver = precinct.storage.driver;
  const org = precinct.organization.id;
  if (driver.kind === "sqlite") {
    const sqlite = driver.database as unknown as Database.Database;
    const scan = sqlite.prepare(
      "select count(*) as n from voter not indexed where organization_id = ? and districts is not null",
    );
    const rows = (scan.get(org) as { n: number }).n;
    return { rows, ms: await median(7, async () => scan.get(org)) };
  }
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    // PostgreSQL has no NOT INDEXED: the session turns index paths off instead.
    await client.query(
      "set enable_indexscan = off; set enable_bitmapscan = off; set enable_indexonlyscan = off",
    );
    const scan = () =>
      client.query("select count(*) as n from voter where organization_id = $1 and districts is not null", [
        org,
      ]);
    const rows = Number((await scan()).rows[0].n);
    return { rows, ms: await median(7, scan) };
  } finally {
    await client.end();
  }
}

/** Runs the segment comparison. */
export async function benchSegment(voters: number, database: EngineDatabase = "sqlite"): Promise<Result> {
  console.log(`segment over ${count(voters)} voters on ${database}`);
  const path = database === "sqlite" ? await votersDatabase(voters) : await votersPostgres(voters);
  const precinct: Precinct = await createPrecinct({ database: path });
  try {
    const { county, precincts } = threePrecincts(voters);
    const filter: SegmentFilter = {
      all: [
        { county: [county], precinct: precincts },
        {
          any: [
            { registeredSince: { lastElection: "general" } },
            { voted: { type: "general", last: 4, atMost: 1 } },
          ],
        },
        { phone: { lineType: "mobile", consent: "notOptedOut" } },
      ],
    };
    console.log(`  filter: ${JSON.stringify(filter)}`);
    console.log("  plan:");
    for (const line of (await precinct.segments.explain(filter)).split("\n")) console.log(`    ${line}`);
    const members = await precinct.segments.count(filter);
    const segmentMs = await median(7, () => precinct.segments.count(filter));
    // The baseline reads every voter row: the work a segment would do without indexes.
    const { rows: scanned, ms: scanMs } = await fullScan(precinct, path);
    console.log(`  segment   ${count(members)} members, median ${segmentMs.toFixed(1)} ms`);
    console.log(`  baseline  full scan of ${count(scanned)} voters, median ${scanMs.toFixed(1)} ms`);
    const ratio = segmentMs / scanMs;
    return report(
      "segment time / full voter scan",
      ratio,
      "≤ 0.10×",
      ratio <= 0.1,
      `${segmentMs.toFixed(1)} ms vs ${scanMs.toFixed(1)} ms`,
    );
  } finally {
    await precinct.close();
  }
}
