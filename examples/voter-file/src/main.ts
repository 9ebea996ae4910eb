/**
 * A neighborhood group's first week with the free voter file:
 * import registrations and history, refresh a week later, score turnout, target new and infrequent voters
 * with a mobile phone in three precincts, and match the sign-up sheet from Saturday's canvass.
 *
 * The files are synthetic (made by @precinct/testing's generator): no real voter data.
 * Run: npx -y pnpm@10 --filter @precinct/example-voter-file start
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct } from "@precinct/core";
import {
  createSyntheticPopulation,
  generatePeople,
  nextWeek,
  writePeopleCsv,
  writeVoterFile,
} from "@precinct/testing";
import {
  computeTurnoutPropensity,
  importVoterFile,
  matchPeopleFile,
  newAndInfrequentVoters,
} from "@precinct/voterfile";

const dir = mkdtempSync(join(tmpdir(), "precinct-voter-file-"));
const precinct = await createPrecinct({ database: join(dir, "precinct.db") });
try {
  // 1. This week's county file and its vote history.
  const week1 = createSyntheticPopulation({ seed: 11, voters: 5_000, counties: 1 });
  const ncvoter = await writeVoterFile(join(dir, "ncvoter.txt"), {
    population: week1,
    layout: "nc-voter",
    noise: { badRows: 0.002, duplicates: 0.002 },
  });
  const imported = await importVoterFile(precinct, ncvoter.path);
  console.log(
    `registrations: read ${imported.read}, inserted ${imported.inserted}, rejected ${imported.rejected}`,
  );
  for (const error of imported.errors.slice(0, 3))
    console.log(`  row ${error.row} ${error.field ?? ""}: ${error.reason}`);
  const ncvhis = await writeVoterFile(join(dir, "ncvhis.txt"), { population: week1, layout: "nc-history" });
  const history = await importVoterFile(precinct, ncvhis.path);
  console.log(
    `history: ${history.read} rows → ${history.inserted} ballots (${history.unchanged} relabelled duplicates collapsed)`,
  );

  // 2. Next week's file: some moved, some were removed, some registered.
  const week2 = nextWeek(week1, {
    seed: 12,
    moved: 0.01,
    removed: 0.005,
    newRegistrants: 40,
    statusChanges: 0.01,
  });
  const refreshed = await importVoterFile(
    precinct,
    (
      await writeVoterFile(join(dir, "ncvoter-week2.txt"), {
        population: week2.population,
        layout: "nc-voter",
      })
    ).path,
    { removeMissing: "counties" },
  );
  console.log(
    `refresh: ${refreshed.inserted} new, ${refreshed.updated} changed, ${refreshed.unchanged} unchanged, ${refreshed.removed} marked removed`,
  );

  // 3. Turnout propensity, then the target universe.
  const scores = await computeTurnoutPropensity(precinct);
  console.log(`turnout propensity: organization mean ${scores.mean?.toFixed(2) ?? "n/a"}`);
  const precincts = [...new Set(Array.from({ length: 3 }, (_, i) => week1.voterAt(i * 1500).precinctCode))];
  const target = {
    all: [newAndInfrequentVoters(), { precinct: precincts }, { phone: { consent: "notOptedOut" as const } }],
  };
  console.log(
    `new and infrequent voters with a phone in ${precincts.join(", ")}: ${await precinct.segments.count(target)}`,
  );

  // 4. Saturday's sign-up sheet.
  const people = await writePeopleCsv(
    join(dir, "signups.csv"),
    generatePeople(week2.population, {
      seed: 13,
      count: 200,
      noise: { nicknames: 0.2, typos: 0.1, moved: 0.1 },
    }),
  );
  const matched = await matchPeopleFile(precinct, people.path, { tags: ["canvass-saturday"] });
  console.log(
    `sign-ups: ${matched.rows} rows → linked ${matched.linked}, review ${matched.review}, unmatched ${matched.unmatched}`,
  );
} finally {
  await precinct.close();
  rmSync(dir, { recursive: true, force: true });
}
