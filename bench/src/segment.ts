/**
 * Target: "new and infrequent voters in three precincts with a mobile phone, not opted out" over 1M voters
 * and ~4M history rows uses indexes (the plan is printed) and takes ≤ 10% of a full scan of the voter table.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createPrecinct, type Precinct, type SegmentFilter } from "@precinct/core";
import { computeTurnoutPropensity } from "@precinct/voterfile";
import Database from "better-sqlite3";
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

  // Line types as a carrier lookup would have recorded them (the generator knows each phone's truth).
  const people = population(voters);
  const db = new Database(building);
  const org = (db.prepare("select id from organization where slug = 'default'").get() as { id: string }).id;
  const insert = db.prepare(
    "insert or ignore into phone_line_type (organization_id, number, line_type, source, checked_at) values (?, ?, ?, 'lookup', ?)",
  );
  const at = new Date().toISOString();
  db.transaction(() => {
    for (let i = 0; i < voters; i++) {
      const voter = people.voterAt(i);
      if (voter.phone && voter.lineType)
        insert.run(org, `+1${voter.phone.replace(/\D/g, "").slice(-10)}`, voter.lineType, at);
    }
  })();
  db.close();
  const precinct = await createPrecinct({ database: building });
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
  await precinct.close();
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(`${building}${suffix}`)) rmSync(`${path}${suffix}`, { force: true });
  }
  const { renameSync } = await import("node:fs");
  renameSync(building, path);
  return path;
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

/** Runs the segment comparison. */
export async function benchSegment(voters: number): Promise<Result> {
  console.log(`segment over ${count(voters)} voters`);
  const path = await votersDatabase(voters);
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
    const driver = precinct.storage.driver;
    if (driver.kind !== "sqlite") throw new Error("the segment benchmark runs on SQLite");
    const database = driver.database as unknown as Database.Database;
    // The baseline reads every voter row: the work a segment would do without indexes.
    const scan = database.prepare(
      "select count(*) as n from voter not indexed where organization_id = ? and districts is not null",
    );
    const scanned = { rows: [scan.get(precinct.organization.id) as { n: number }] };
    const scanMs = await median(7, async () => scan.get(precinct.organization.id));
    console.log(`  segment   ${count(members)} members, median ${segmentMs.toFixed(1)} ms`);
    console.log(
      `  baseline  full scan of ${count(Number(scanned.rows[0]?.n))} voters, median ${scanMs.toFixed(1)} ms`,
    );
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
