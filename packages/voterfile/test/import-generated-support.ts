/**
 * Helpers of `import-generated.test.ts`: what the database must hold after importing a file written by
 * `@precinct/testing`'s synthetic generator, computed from the generator's truth (the population and the
 * writer's summary of bad, repeated and altered rows).
 */
import { createReadStream } from "node:fs";
import { addressMatchKey, normalizePersonName, type Precinct, type Voter } from "@precinct/core";
import {
  displayCase,
  type SyntheticPopulation,
  type SyntheticVoter,
  type VoterFileLayoutId,
  type VoterFileSummary,
} from "@precinct/testing";
import { openDelimited, toRecord } from "../src/index.js";

/** Registration layouts of the generator. */
export type RegistrationLayoutId = "nc-voter" | "oh-swvf" | "wa-vrdb" | "ca-vrd" | "mapped";

/** The columns noise touches, as each layout's header names them. */
export const COLUMNS: Record<
  VoterFileLayoutId,
  { id: string; date: string; given?: string; family?: string; middle?: string }
> = {
  "nc-voter": {
    id: "ncid",
    date: "registr_dt",
    given: "first_name",
    family: "last_name",
    middle: "middle_name",
  },
  "nc-history": { id: "ncid", date: "election_lbl" },
  "oh-swvf": {
    id: "SOS_VOTERID",
    date: "REGISTRATION_DATE",
    given: "FIRST_NAME",
    family: "LAST_NAME",
    middle: "MIDDLE_NAME",
  },
  "wa-vrdb": {
    id: "StateVoterID",
    date: "Registrationdate",
    given: "FName",
    family: "LName",
    middle: "MName",
  },
  "ca-vrd": {
    id: "RegistrantID",
    date: "RegistrationDate",
    given: "FirstName",
    family: "LastName",
    middle: "MiddleName",
  },
  "ca-vph": { id: "RegistrantID", date: "ElectionDate" },
  mapped: { id: "Voter ID", date: "Registered", given: "First", family: "Last", middle: "Middle" },
};

/** The `{ row, field, reason }` the importer must report for each row the generator spoiled. */
export function expectedErrors(layout: VoterFileLayoutId, summary: VoterFileSummary) {
  const columns = COLUMNS[layout];
  return summary.badRows.map((bad) => ({
    row: bad.row,
    field: bad.kind === "columnCount" ? null : bad.kind === "invalidDate" ? columns.date : columns.id,
  }));
}

/** Each data row's value of one column, by row number, read with the package's parser. */
export async function columnByRow(path: string, column: string): Promise<Map<number, string>> {
  const file = await openDelimited(createReadStream(path));
  const values = new Map<number, string>();
  const key = column.toLowerCase();
  for await (const row of file.rows) {
    values.set(row.row, toRecord(file.header, row.fields)[key] ?? "");
  }
  return values;
}

/** What a registration file's import must leave in the database, by state voter id. */
export interface RegistrationTruth {
  /** Voters the file lists in at least one good row: exactly those the import must store. */
  stored: Map<string, SyntheticVoter>;
  /** Voters whose only row was spoiled. */
  lost: SyntheticVoter[];
  /** Per stored voter, the values its last good row wrote instead of the truth (typos, changed repeats). */
  altered: Map<string, Map<string, string>>;
  /** Voters listed twice with a different middle name the second time. */
  changedRepeats: Set<string>;
}

/**
 * Pairs the file's rows with the population. The writer emits one row per voter in index order and slips
 * repeats (listed in `duplicateRows`) in between, so the n-th row that is no repeat is the n-th voter; a
 * repeat's voter is read from its id column.
 */
export async function registrationTruth(
  layout: RegistrationLayoutId,
  population: SyntheticPopulation,
  summary: VoterFileSummary,
  range: { start?: number; end?: number } = {},
): Promise<RegistrationTruth> {
  const ids = await columnByRow(summary.path, COLUMNS[layout].id);
  const bad = new Set(summary.badRows.map((row) => row.row));
  const repeats = new Set(summary.duplicateRows);
  const voters = population.voters(range);
  const byRow = new Map<number, SyntheticVoter>();
  const truth: RegistrationTruth = {
    stored: new Map(),
    lost: [],
    altered: new Map(),
    changedRepeats: new Set(),
  };
  for (let row = 1; row <= summary.rows; row++) {
    if (repeats.has(row)) continue;
    const next = voters.next();
    if (next.done) throw new Error(`row ${row} has no voter: the writer's row order changed`);
    const voter = next.value;
    byRow.set(row, voter);
    if (bad.has(row)) {
      truth.lost.push(voter);
      continue;
    }
    if (ids.get(row) !== voter.stateVoterId) {
      throw new Error(`row ${row} is ${ids.get(row)}, expected ${voter.stateVoterId}`);
    }
    truth.stored.set(voter.stateVoterId, voter);
  }
  if (!voters.next().done) throw new Error("more voters than rows");
  for (const row of repeats) {
    if (bad.has(row)) throw new Error(`repeat row ${row} is spoiled: the writer changed`);
    const id = ids.get(row) ?? "";
    if (!truth.stored.has(id)) throw new Error(`repeat row ${row} repeats ${id}, whose row was spoiled`);
  }
  for (const change of summary.alteredRows) {
    const id = byRow.get(change.row)?.stateVoterId ?? ids.get(change.row) ?? "";
    const columns = truth.altered.get(id) ?? new Map<string, string>();
    columns.set(change.column, change.written);
    truth.altered.set(id, columns);
    if (change.reason === "changedDuplicate") truth.changedRepeats.add(id);
  }
  return truth;
}

/** The status a layout stores for a voter of the given status (states write fewer statuses than core has). */
export function storedStatus(layout: RegistrationLayoutId, status: Voter["status"]): Voter["status"] {
  if (layout === "wa-vrdb") return status === "active" ? "active" : "inactive";
  if (layout === "oh-swvf" || layout === "ca-vrd") {
    if (status === "denied") return "removed";
    if (status === "temporary") return "active";
    if (status === "unknown") return layout === "oh-swvf" ? "active" : "unknown";
  }
  return status;
}

/** The fields the import must store for a voter, given the values its last row wrote instead of the truth. */
export function expectedVoter(
  layout: RegistrationLayoutId,
  voter: SyntheticVoter,
  altered: ReadonlyMap<string, string> = new Map(),
): Partial<Voter> {
  const mapped = layout === "mapped";
  const columns = COLUMNS[layout];
  const cased = (value: string) => (mapped ? value : value.toUpperCase());
  const name = normalizePersonName({
    givenName: altered.get(columns.given ?? "") ?? cased(voter.givenName),
    familyName: altered.get(columns.family ?? "") ?? cased(voter.familyName),
    additionalName: altered.get(columns.middle ?? "") ?? cased(voter.middleName),
    suffix: voter.suffix,
  });
  const hasPhone = layout === "nc-voter" || layout === "ca-vrd" || mapped;
  const fullBirthdate = layout === "oh-swvf" || layout === "ca-vrd" || mapped;
  return {
    state: voter.state,
    stateVoterId: voter.stateVoterId,
    status: storedStatus(layout, voter.status),
    statusReason: layout === "nc-voter" ? voter.statusReason || null : null,
    registrationDate: voter.registrationDate,
    birthYear: voter.birthYear,
    birthdate: fullBirthdate ? voter.birthdate : null,
    givenName: name.givenName ?? null,
    familyName: name.familyName ?? null,
    additionalName: name.additionalName ?? null,
    honorificSuffix: name.honorificSuffix ?? null,
    party: layout === "wa-vrdb" ? null : voter.party || null,
    precinct: voter.precinctCode,
    county:
      layout === "nc-voter" ? voter.countyName : mapped ? displayCase(voter.countyName) : voter.countyCode,
    countyVoterId:
      layout === "nc-voter"
        ? voter.countyVoterId.padStart(12, "0")
        : layout === "oh-swvf"
          ? voter.countyVoterId
          : null,
    phone: hasPhone && voter.phone !== null ? `+1${voter.phone}` : null,
    gender: layout === "oh-swvf" || mapped ? null : voter.gender,
    race: layout === "nc-voter" ? voter.race : null,
    ethnicity: layout === "nc-voter" ? voter.ethnicity : null,
    districts: expectedDistricts(layout, voter),
    removedAt: null,
  };
}

/** The districts a layout stores for a voter (blank ones are left out). */
export function expectedDistricts(
  layout: RegistrationLayoutId,
  voter: SyntheticVoter,
): Record<string, string> {
  const d = voter.districts;
  const base = { congressional: d.congressional, stateSenate: d.stateSenate, stateHouse: d.stateHouse };
  const present = (entries: Record<string, string>) =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== ""));
  if (layout === "nc-voter") {
    return present({
      ...base,
      county: voter.countyCode,
      countyCommission: d.countyCommission,
      municipal: d.municipality,
      ward: d.ward,
      school: d.school,
      judicial: d.judicial,
      superiorCourt: d.superiorCourt,
      township: d.township,
      fire: d.fire,
      vtd: voter.precinctCode,
    });
  }
  if (layout === "oh-swvf") {
    return present({
      ...base,
      municipal: d.municipalityName,
      ward: d.ward,
      township: d.municipality === "" ? d.townshipName : "",
      school: d.schoolName,
      judicial: d.judicial,
    });
  }
  if (layout === "wa-vrdb") return { ...base, stateHouse: d.stateSenate, county: voter.countyCode };
  return {};
}

/** Problems with a stored voter's addresses, compared with the truth; empty when none. */
export function addressProblems(
  layout: RegistrationLayoutId,
  stored: Voter,
  truth: SyntheticVoter,
): string[] {
  const problems: string[] = [];
  const home = stored.residentialAddress;
  if (home === null) return [`${truth.stateVoterId}: no residential address`];
  const key = addressMatchKey({ ...home, addressLines: home.addressLines ?? [] });
  const expected = addressMatchKey({
    addressLines: [truth.residence.line1],
    postalCode: truth.residence.zip,
  });
  if (key !== expected) problems.push(`${truth.stateVoterId}: address key ${key}, expected ${expected}`);
  if (home.postalCode?.slice(0, 5) !== truth.residence.zip) {
    problems.push(`${truth.stateVoterId}: ZIP ${home.postalCode}, expected ${truth.residence.zip}`);
  }
  if (home.locality?.toUpperCase() !== truth.residence.city) {
    problems.push(`${truth.stateVoterId}: city ${home.locality}, expected ${truth.residence.city}`);
  }
  if (home.region !== truth.state) problems.push(`${truth.stateVoterId}: region ${home.region}`);
  const hasMailing = stored.mailingAddress !== null;
  const expectMailing = layout !== "mapped" && truth.mailing !== null;
  if (hasMailing !== expectMailing) {
    problems.push(`${truth.stateVoterId}: mailing address ${hasMailing ? "stored" : "missing"}`);
  } else if (expectMailing && stored.mailingAddress?.postalCode?.slice(0, 5) !== truth.mailing?.zip) {
    problems.push(`${truth.stateVoterId}: mailing ZIP ${stored.mailingAddress?.postalCode}`);
  }
  return problems;
}

/** Every voter of the client's organization, by state voter id. */
export async function storedVoters(precinct: Precinct): Promise<Map<string, Voter>> {
  const voters = await precinct.voters.list({ limit: 10_000 });
  if (voters.length === 10_000) throw new Error("too many voters for this helper");
  return new Map(voters.map((voter) => [voter.stateVoterId, voter]));
}

/** A ballot as `stateVoterId|date|type|method|party`, sortable and readable in a diff. */
export const ballotKey = (ballot: {
  stateVoterId: string;
  date: string;
  type: string;
  method: string;
  party: string | null;
}) => `${ballot.stateVoterId}|${ballot.date}|${ballot.type}|${ballot.method}|${ballot.party ?? ""}`;

/** Every ballot stored for the client's organization, as sorted {@link ballotKey}s. */
export async function storedBallots(precinct: Precinct): Promise<string[]> {
  const rows = await precinct.storage.db
    .selectFrom("voteHistory")
    .innerJoin("voter", "voter.id", "voteHistory.voterId")
    .innerJoin("election", "election.id", "voteHistory.electionId")
    .select([
      "voter.stateVoterId",
      "election.date",
      "election.type",
      "voteHistory.method",
      "voteHistory.party",
    ])
    .where("voteHistory.organizationId", "=", precinct.organization.id)
    .execute();
  return rows.map(ballotKey).sort();
}

/**
 * The ballots of the given voters as the population says they voted, as sorted {@link ballotKey}s.
 * `party` says which party a layout stores (NC writes the voter's party on every ballot).
 */
export function expectedBallots(
  population: SyntheticPopulation,
  voters: Iterable<SyntheticVoter>,
  options: { method?: string; party: "ballot" | "ballotOrVoter" },
): string[] {
  const keys: string[] = [];
  for (const voter of voters) {
    for (const vote of population.participation(voter.index)) {
      const election = population.elections[vote.electionIndex];
      if (election === undefined) throw new Error("a vote outside the calendar");
      keys.push(
        ballotKey({
          stateVoterId: voter.stateVoterId,
          date: election.date,
          type: election.type,
          method: options.method ?? vote.method,
          party: options.party === "ballot" ? vote.party : (vote.party ?? voter.party),
        }),
      );
    }
  }
  return keys.sort();
}

/** A JSON column as a value (PostgreSQL returns objects, SQLite text). */
export function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** The `voter_change` rows an import wrote, with `changes` parsed, by state voter id. */
export async function changesOf(
  precinct: Precinct,
  importId: string,
): Promise<{ stateVoterId: string; kind: string; changes: Record<string, [unknown, unknown]> }[]> {
  const rows = await precinct.storage.db
    .selectFrom("voterChange")
    .innerJoin("voter", "voter.id", "voterChange.voterId")
    .select(["voter.stateVoterId", "voterChange.kind", "voterChange.changes"])
    .where("voterChange.organizationId", "=", precinct.organization.id)
    .where("voterChange.importId", "=", importId)
    .execute();
  return rows.map((row) => ({
    stateVoterId: row.stateVoterId,
    kind: row.kind,
    changes: json(row.changes) as Record<string, [unknown, unknown]>,
  }));
}

/** How many rows of a table belong to the client's organization. */
export async function countRows(
  precinct: Precinct,
  table: "voter" | "voteHistory" | "election" | "voterChange",
): Promise<number> {
  const row = await precinct.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("organizationId", "=", precinct.organization.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
