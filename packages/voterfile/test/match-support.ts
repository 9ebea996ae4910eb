/**
 * Test helpers for the matching suites: every suite runs on SQLite and, when `PRECINCT_TEST_POSTGRES_URL`
 * is set, on PostgreSQL too (the same contract as core's storage suites), plus a terse way to add voters.
 */
import { randomUUID } from "node:crypto";
import { type Precinct, type Voter, type VoterInput, voterKeys } from "@precinct/core";
import { type MatchRecordsOptions, matchRecords } from "../src/match/match-records.js";

/** The storage suites' harness: SQLite always, PostgreSQL when `PRECINCT_TEST_POSTGRES_URL` is set. */
export { forEachDatabase, type TestDatabase } from "../../core/test/support/databases.js";

let counter = 0;

/** A voter as a state file would give it; the address is `{ street, zip }` for brevity. */
export interface TestVoter extends Partial<Omit<VoterInput, "residentialAddress">> {
  street?: string;
  unit?: string;
  zip?: string;
}

/** Adds a voter (NC by default, a fresh state voter id unless given). */
export async function addVoter(precinct: Precinct, voter: TestVoter): Promise<Voter> {
  const { street, unit, zip, ...rest } = voter;
  counter++;
  const input: VoterInput = {
    state: "NC",
    stateVoterId: `T${String(counter).padStart(7, "0")}`,
    status: "active",
    ...rest,
    ...(street !== undefined || zip !== undefined
      ? {
          residentialAddress: {
            addressLines: [street ?? "", ...(unit ? [unit] : [])].filter(Boolean),
            locality: "Raleigh",
            region: "NC",
            postalCode: zip ?? null,
          },
        }
      : {}),
  };
  return (await precinct.voters.upsert(input)).voter;
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The parts of a `@precinct/testing` synthetic voter the loaders read. */
export interface SyntheticVoterLike {
  state: string;
  stateVoterId: string;
  givenName: string;
  middleName: string;
  familyName: string;
  suffix: string;
  birthdate: string;
  birthYear: number;
  residence: { line1: string; city: string; state: string; zip: string };
  phone: string | null;
}

/** The parts of a `@precinct/testing` synthetic person the tests read. */
export interface SyntheticPersonLike {
  givenName: string;
  familyName: string;
  additionalName: string;
  email: string;
  phone: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  birthdate: string;
  truth: { voterIndex: number | null; stateVoterId: string | null; noise: string[] };
}

/**
 * Writes synthetic voters straight into the voter table in batches (with the match keys the importer
 * computes), much faster than `voters.upsert` one by one. North Carolina publishes birth years only, so NC
 * voters get no birth date, as the real file has none.
 */
export async function loadSyntheticVoters(
  precinct: Precinct,
  voters: Iterable<SyntheticVoterLike>,
): Promise<number> {
  const db = precinct.storage.db;
  const stamp = new Date().toISOString();
  let batch: Record<string, unknown>[] = [];
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await db
      .insertInto("voter")
      .values(batch as never)
      .execute();
    batch = [];
  };
  for (const voter of voters) {
    const residentialAddress = {
      addressLines: [voter.residence.line1],
      locality: voter.residence.city,
      region: voter.residence.state,
      postalCode: voter.residence.zip,
      country: "US",
      primary: true,
      addressType: "home" as const,
      status: "unknown" as const,
    };
    const names = { givenName: voter.givenName, familyName: voter.familyName };
    batch.push({
      id: randomUUID(),
      organizationId: precinct.organization.id,
      state: voter.state,
      stateVoterId: voter.stateVoterId,
      status: "active",
      birthYear: voter.birthYear,
      birthdate: voter.state === "NC" ? null : voter.birthdate,
      givenName: voter.givenName.toUpperCase(),
      familyName: voter.familyName.toUpperCase(),
      additionalName: voter.middleName === "" ? null : voter.middleName.toUpperCase(),
      honorificSuffix: voter.suffix === "" ? null : voter.suffix,
      residentialAddress: JSON.stringify(residentialAddress),
      mailingAddress: JSON.stringify(null),
      districts: JSON.stringify({}),
      phone: voter.phone === null ? null : `+1${voter.phone}`,
      ...voterKeys({ ...names, residentialAddress }),
      createdAt: stamp,
      updatedAt: stamp,
    });
    count++;
    if (batch.length >= 400) await flush();
  }
  await flush();
  return count;
}

/** A synthetic sign-up person as a {@link PersonLike} record. */
export function personLikeOf(person: SyntheticPersonLike) {
  const yearOnly = /^\d{4}$/u.test(person.birthdate);
  return {
    givenName: person.givenName,
    familyName: person.familyName,
    additionalName: person.additionalName || null,
    email: person.email,
    phone: person.phone || null,
    addressLines: person.street ? [person.street] : [],
    locality: person.city || null,
    region: person.state || null,
    postalCode: person.zip || null,
    birthdate: yearOnly ? null : person.birthdate || null,
    birthYear: yearOnly ? Number(person.birthdate) : null,
  };
}

/** The parts of `@precinct/testing`'s generators the matching suites use. */
export interface Generators {
  createSyntheticPopulation(options: { seed: number; voters: number; householdRate?: number }): {
    voters(): Iterable<SyntheticVoterLike>;
  };
  generatePeople(
    population: unknown,
    options: { seed: number; count: number; noise: Record<string, number> },
  ): Iterable<SyntheticPersonLike>;
}

/**
 * `@precinct/testing`'s generators. The package is not a dependency of this one yet, so it is imported by a
 * name the compiler does not resolve; vitest resolves it to its sources by alias.
 */
export async function generators(): Promise<Generators> {
  const name = "@precinct/testing";
  return (await import(name)) as Generators;
}

/** Noise for sign-ups: every kind the generator knows, at rates a real sign-up sheet could have. */
export const SIGNUP_NOISE: Readonly<Record<string, number>> = {
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

/** Precision, recall and speed of `matchRecords` against the generator's truth. */
export interface Accuracy {
  people: number;
  registered: number;
  linked: number;
  correct: number;
  review: number;
  precision: number;
  recall: number;
  seconds: number;
  perSecond: number;
}

/** Matches synthetic people and scores the links against their truth. */
export async function measureAccuracy(
  precinct: Precinct,
  people: Iterable<SyntheticPersonLike>,
  options: MatchRecordsOptions = {},
): Promise<Accuracy> {
  const inputs = [...people].map((person) => ({ ...personLikeOf(person), truth: person.truth }));
  const started = performance.now();
  const counts = { registered: 0, linked: 0, correct: 0, review: 0 };
  for await (const result of matchRecords(precinct, inputs, options)) {
    if (result.input.truth.stateVoterId !== null) counts.registered++;
    if (result.decision === "review") counts.review++;
    if (result.decision !== "linked") continue;
    counts.linked++;
    if (result.best!.stateVoterId === result.input.truth.stateVoterId) counts.correct++;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    people: inputs.length,
    ...counts,
    precision: counts.linked === 0 ? 1 : counts.correct / counts.linked,
    recall: counts.registered === 0 ? 1 : counts.correct / counts.registered,
    seconds,
    perSecond: inputs.length / seconds,
  };
}

/** One line for the test output. */
export function describeAccuracy(label: string, accuracy: Accuracy): string {
  return (
    `${label}: precision ${accuracy.precision.toFixed(4)}, recall ${accuracy.recall.toFixed(4)} ` +
    `(${accuracy.correct} of ${accuracy.registered} registered linked correctly, ${accuracy.linked - accuracy.correct} ` +
    `wrong links, ${accuracy.review} to review), ${accuracy.people} people in ${accuracy.seconds.toFixed(1)} s ` +
    `= ${Math.round(accuracy.perSecond)} people/s`
  );
}
