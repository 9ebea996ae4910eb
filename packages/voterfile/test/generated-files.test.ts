/**
 * Round trip: files written by `@precinct/testing`'s synthetic generator, read back with this package's
 * parser, detection and layouts. Every good row must map to exactly what the generator knows about the
 * voter (or ballot); exactly the rows the generator spoiled must fail.
 */
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressMatchKey, normalizePersonName } from "@precinct/core";
import {
  createSyntheticPopulation,
  displayCase,
  mappedVoterFileMapping,
  type SyntheticPopulation,
  type SyntheticState,
  type SyntheticVoter,
  type VoterFileLayoutId,
  type VoterFileSummary,
  writeVoterFile,
} from "@precinct/testing";
import { afterAll, describe, expect, it } from "vitest";
import {
  type AnyLayout,
  detectLayout,
  LAYOUTS,
  type MapResult,
  mappedLayout,
  openDelimited,
  type RegistrationRecord,
  toRecord,
  type VoteHistoryRecord,
  voteHistoryKey,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-generated-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: { layout: VoterFileLayoutId; state: SyntheticState }[] = [
  { layout: "nc-voter", state: "NC" },
  { layout: "nc-history", state: "NC" },
  { layout: "oh-swvf", state: "OH" },
  { layout: "wa-vrdb", state: "WA" },
  { layout: "ca-vrd", state: "CA" },
  { layout: "ca-vph", state: "CA" },
  { layout: "mapped", state: "NC" },
  { layout: "mapped", state: "CA" },
];

const NOISE = { badRows: 0.04, duplicates: 0.03, misspellings: 0.04, blankLines: 0.02, trailingSpaces: 0.05 };

/** The columns a layout reads names from, as the generator names them in `alteredRows`. */
const NAME_COLUMNS: Record<string, { given: string; family: string; middle: string }> = {
  "nc-voter": { given: "first_name", family: "last_name", middle: "middle_name" },
  "oh-swvf": { given: "FIRST_NAME", family: "LAST_NAME", middle: "MIDDLE_NAME" },
  "wa-vrdb": { given: "FName", family: "LName", middle: "MName" },
  "ca-vrd": { given: "FirstName", family: "LastName", middle: "MiddleName" },
  mapped: { given: "First", family: "Last", middle: "Middle" },
};

interface ReadBack {
  header: string[];
  encoding: string;
  layout: AnyLayout;
  /** Per data row: its number and what mapping it gave (a parser error counts as an error). */
  rows: { row: number; result: MapResult<RegistrationRecord | VoteHistoryRecord> }[];
}

async function readBack(summary: VoterFileSummary, state: SyntheticState): Promise<ReadBack> {
  const file = await openDelimited(createReadStream(summary.path));
  let layout: AnyLayout;
  if (summary.layout === "mapped") {
    // A plain CSV is no state's layout: detection needs its column mapping.
    expect(() => detectLayout(file.header)).toThrow(/Unrecognized voter file header/u);
    layout = detectLayout(file.header, [...LAYOUTS, mappedLayout(mappedVoterFileMapping(state))]);
  } else {
    layout = detectLayout(file.header);
  }
  expect(layout.id).toBe(summary.layout);
  const rows: ReadBack["rows"] = [];
  for await (const row of file.rows) {
    const result =
      row.error !== undefined
        ? { kind: "error" as const, errors: [{ field: "row", reason: row.error }] }
        : layout.mapRow(toRecord(file.header, row.fields));
    rows.push({ row: row.row, result });
  }
  return { header: file.header, encoding: file.encoding, layout, rows };
}

/** What a registration layout must read for a voter, given the values the generator altered in this row. */
function expectedVoter(
  layout: VoterFileLayoutId,
  voter: SyntheticVoter,
  altered: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const mapped = layout === "mapped";
  const columns = NAME_COLUMNS[layout] ?? NAME_COLUMNS.mapped!;
  const cased = (value: string) => (mapped ? value : value.toUpperCase());
  const name = normalizePersonName({
    givenName: altered.get(columns.given) ?? cased(voter.givenName),
    familyName: altered.get(columns.family) ?? cased(voter.familyName),
    additionalName: altered.get(columns.middle) ?? cased(voter.middleName),
    // The mapped file writes `Jr`, the state files `JR`: both normalize to `Jr.`.
    suffix: voter.suffix,
  });
  const hasPhone = layout === "nc-voter" || layout === "ca-vrd" || mapped;
  const fullBirthdate = layout === "oh-swvf" || layout === "ca-vrd" || mapped;
  return {
    state: voter.state,
    stateVoterId: voter.stateVoterId,
    status: voter.status,
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
    statusReason: layout === "nc-voter" ? voter.statusReason || null : null,
    gender: layout === "oh-swvf" || mapped ? null : voter.gender,
  };
}

/** The districts a layout reads for a voter (blank ones are left out by the mapper). */
function expectedDistricts(layout: VoterFileLayoutId, voter: SyntheticVoter): Record<string, string> {
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

function checkRegistration(
  layout: VoterFileLayoutId,
  population: SyntheticPopulation,
  summary: VoterFileSummary,
  rows: ReadBack["rows"],
): void {
  const altered = new Map<number, Map<string, string>>();
  for (const change of summary.alteredRows) {
    const columns = altered.get(change.row) ?? new Map<string, string>();
    columns.set(change.column, change.written);
    altered.set(change.row, columns);
  }
  const seen = new Set<string>();
  for (const { row, result } of rows) {
    if (result.kind !== "ok") continue;
    const { voter, votes } = result.record as RegistrationRecord;
    const index = population.indexOf(voter.stateVoterId);
    expect(index, `row ${row}: ${voter.stateVoterId} is no voter`).toBeDefined();
    const truth = population.voterAt(index ?? 0);
    expect(voter, `row ${row}`).toMatchObject(expectedVoter(layout, truth, altered.get(row) ?? new Map()));
    const home = voter.residentialAddress;
    expect(home).not.toBeNull();
    expect(addressMatchKey({ ...home, addressLines: home?.addressLines ?? [] })).toBe(
      addressMatchKey({ addressLines: [truth.residence.line1], postalCode: truth.residence.zip }),
    );
    expect(home?.locality?.toUpperCase()).toBe(truth.residence.city);
    if (layout !== "mapped" && layout !== "wa-vrdb") {
      expect(voter.mailingAddress?.addressLines?.length ?? 0).toBe(truth.mailing === null ? 0 : 1);
    }
    expect(voter.districts, `row ${row}`).toEqual(expectedDistricts(layout, truth));
    if (layout === "oh-swvf") {
      const expected = population.participation(truth.index).map((vote) => {
        const election = population.elections[vote.electionIndex];
        return { electionDate: election?.date, electionType: election?.type, party: vote.party };
      });
      const actual = votes.map((vote) => ({
        electionDate: vote.electionDate,
        electionType: vote.electionType,
        party: vote.party,
      }));
      const byDate = (a: { electionDate?: string }, b: { electionDate?: string }) =>
        (a.electionDate ?? "").localeCompare(b.electionDate ?? "");
      expect(actual.sort(byDate)).toEqual(expected.sort(byDate));
    } else {
      expect(votes).toEqual([]);
    }
    // A voter read twice is exactly a row the generator repeated.
    expect(summary.duplicateRows.includes(row), `row ${row}`).toBe(seen.has(voter.stateVoterId));
    seen.add(voter.stateVoterId);
  }
  // Every voter is in the file once, unless their only row was spoiled.
  expect(seen.size).toBeGreaterThanOrEqual(summary.voters - summary.badRows.length);
  expect(seen.size).toBeLessThanOrEqual(summary.voters);
}

function checkHistory(
  layout: VoterFileLayoutId,
  population: SyntheticPopulation,
  summary: VoterFileSummary,
  rows: ReadBack["rows"],
): void {
  const seen = new Set<string>();
  const duplicates = new Set(summary.duplicateRows);
  let orphans = 0;
  let ballots = 0;
  for (const voter of population.voters()) ballots += population.participation(voter.index).length;
  for (const { row, result } of rows) {
    if (result.kind !== "ok") continue;
    const record = result.record as VoteHistoryRecord;
    const index = population.indexOf(record.stateVoterId);
    expect(index, `row ${row}`).toBeDefined();
    const voter = population.voterAt(index ?? 0);
    const votes = population.participation(voter.index);
    const vote = votes.find((v) => population.elections[v.electionIndex]?.date === record.electionDate);
    expect(vote, `row ${row}: no ballot of ${record.stateVoterId} on ${record.electionDate}`).toBeDefined();
    const election = population.elections[vote?.electionIndex ?? -1];
    expect(record).toEqual({
      state: voter.state,
      stateVoterId: voter.stateVoterId,
      electionDate: election?.date,
      electionType: election?.type,
      electionName: election?.name,
      method: vote?.method,
      party: layout === "nc-history" ? (vote?.party ?? voter.party) : (vote?.party ?? null),
      county: layout === "nc-history" ? voter.countyName : voter.countyCode,
    });
    const key = voteHistoryKey(record);
    // A ballot read twice is a row the generator repeated. The converse fails only when the first row of a
    // relabelled pair was spoiled, which leaves its second row the first good one.
    if (seen.has(key)) expect(duplicates.has(row), `row ${row}`).toBe(true);
    else if (duplicates.has(row)) orphans++;
    seen.add(key);
  }
  expect(orphans).toBeLessThanOrEqual(summary.badRows.length);
  expect(seen.size).toBeGreaterThanOrEqual(ballots - summary.badRows.length);
  expect(seen.size).toBeLessThanOrEqual(ballots);
}

describe.each(CASES)("a generated $layout file ($state)", ({ layout, state }) => {
  const population = createSyntheticPopulation({ seed: 2024, voters: 400, state, precinctsPerCounty: 5 });

  it.each([
    ["standard", NOISE],
    ["shuffled", { ...NOISE, seed: 99 }],
  ] as const)(
    "reads back with %s columns: exactly the bad rows fail, good rows equal the truth",
    async (order, noise) => {
      const summary = await writeVoterFile(join(dir, `${layout}-${state}-${order}.txt`), {
        population,
        layout,
        noise,
        columnOrder: order,
      });
      expect(summary.badRows.length).toBeGreaterThan(0);
      expect(summary.duplicateRows.length).toBeGreaterThan(0);
      const { rows, layout: detected, header, encoding } = await readBack(summary, state);
      expect(header).toEqual(summary.columns);
      expect(rows.map((r) => r.row)).toEqual(Array.from({ length: summary.rows }, (_, i) => i + 1));

      const failed = rows.filter((r) => r.result.kind !== "ok").map((r) => r.row);
      expect(failed).toEqual(summary.badRows.map((bad) => bad.row));
      expect(rows.every((r) => r.result.kind !== "skip")).toBe(true);

      if (layout.startsWith("nc")) {
        const accented = [...population.voters()].some((v) =>
          /[^\p{ASCII}]/u.test(v.givenName + v.familyName),
        );
        if (accented && layout === "nc-voter") expect(encoding).toBe("latin1");
      }
      if (detected.kind === "registration") {
        if (layout !== "nc-history" && layout !== "ca-vph") {
          expect(summary.alteredRows.some((a) => a.reason === "misspelling")).toBe(true);
        }
        checkRegistration(layout, population, summary, rows);
      } else {
        checkHistory(layout, population, summary, rows);
      }
    },
  );
});

describe("generated NC vote history", () => {
  it("lists relabelled ballots twice, and voteHistoryKey folds them into one", async () => {
    const population = createSyntheticPopulation({ seed: 5, voters: 300 });
    const summary = await writeVoterFile(join(dir, "ncvhis-relabel.txt"), {
      population,
      layout: "nc-history",
      relabeledBallots: 0.2,
    });
    const { rows } = await readBack(summary, "NC");
    const keys = new Map<string, string[]>();
    for (const { result } of rows) {
      if (result.kind !== "ok") throw new Error("every row of a noiseless file maps");
      const record = result.record as VoteHistoryRecord;
      keys.set(voteHistoryKey(record), [...(keys.get(voteHistoryKey(record)) ?? []), record.method]);
    }
    const ballots = [...population.voters()].reduce(
      (n, v) => n + population.participation(v.index).length,
      0,
    );
    expect(keys.size).toBe(ballots);
    expect(rows.length - keys.size).toBe(summary.duplicateRows.length);
    // Both labels of a relabelled ballot map to the same method.
    for (const methods of keys.values()) expect(new Set(methods).size).toBe(1);
  });
});
