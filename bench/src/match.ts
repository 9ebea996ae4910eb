/**
 * Target: matching 100,000 generated people against 1M voters reaches recall ≥ 0.95 at precision ≥ 0.99
 * against the generator's truth; throughput is printed.
 */
import { createPrecinct } from "@precinct/core";
import { generatePeople, type SyntheticPerson } from "@precinct/testing";
import { matchRecords, type PersonLike } from "@precinct/voterfile";
import { votersDatabase } from "./segment.js";
import { count, population, type Result, report, seconds } from "./util.js";

function toRecord(person: SyntheticPerson): PersonLike & { truth: SyntheticPerson["truth"] } {
  const birth = person.birthdate;
  return {
    givenName: person.givenName,
    familyName: person.familyName,
    additionalName: person.additionalName || null,
    email: person.email || null,
    phone: person.phone || null,
    addressLines: person.street ? [person.street] : null,
    locality: person.city || null,
    region: person.state || null,
    postalCode: person.zip || null,
    birthdate: birth.length === 10 ? birth : null,
    birthYear: birth.length === 4 ? Number(birth) : null,
    truth: person.truth,
  };
}

/**
 * What sign-up sheets look like: nicknames, typos, swapped names, movers, missing or partial birth dates,
 * dropped middle names and accents, apartment variants, household members sharing a phone.
 */
const NOISE = {
  nicknames: 0.15,
  typos: 0.1,
  transposedNames: 0.03,
  moved: 0.1,
  missingBirthdate: 0.1,
  birthYearOnly: 0.2,
  missingMiddle: 0.3,
  accentsStripped: 0.5,
  apartmentVariants: 0.5,
  sharedHouseholdPhone: 0.3,
};

/** Runs the matching benchmark. */
export async function benchMatch(voters: number, people: number): Promise<Result> {
  console.log(`matching ${count(people)} people against ${count(voters)} voters`);
  const path = await votersDatabase(voters);
  const precinct = await createPrecinct({ database: path });
  try {
    const records = [...generatePeople(population(voters), { seed: 4242, count: people, noise: NOISE })].map(
      toRecord,
    );
    const registered = records.filter((record) => record.truth.stateVoterId !== null).length;
    let linked = 0;
    let correct = 0;
    let review = 0;
    const started = performance.now();
    for await (const result of matchRecords(precinct, records)) {
      if (result.decision === "review") review++;
      if (result.decision !== "linked") continue;
      linked++;
      if (result.best?.stateVoterId === result.input.truth.stateVoterId) correct++;
    }
    const ms = performance.now() - started;
    const precision = linked === 0 ? 0 : correct / linked;
    const recall = registered === 0 ? 0 : correct / registered;
    console.log(
      `  ${count(people)} people (${count(registered)} on the rolls): linked ${count(linked)}, correct ${count(correct)}, review ${count(review)}`,
    );
    console.log(
      `  precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, ${count((people * 1000) / ms)} people/s (${seconds(ms)})`,
    );
    const pass = precision >= 0.99 && recall >= 0.95;
    return report(
      "matching recall at precision ≥ 0.99",
      recall / 0.95,
      "recall ≥ 0.95 at precision ≥ 0.99",
      pass,
      `precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, ${count((people * 1000) / ms)} people/s`,
    );
  } finally {
    await precinct.close();
  }
}
