/**
 * `importVoterFile` against the synthetic generator of `@precinct/testing`: every layout, written with noise
 * whose truth the generator returns, imported into SQLite and PostgreSQL, and the database compared with
 * the population — voters, fields, rejected rows, ballots, weekly refreshes and progress.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { Precinct, Voter } from "@precinct/core";
import {
  createSyntheticPopulation,
  mappedVoterFileMapping,
  nextWeek,
  type SyntheticPopulation,
  type SyntheticState,
  type SyntheticVoter,
  type VoterFileLayoutId,
  type VoterFileNoise,
  type VoterFileSummary,
  writeVoterFile,
} from "@precinct/testing";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import {
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  importVoterFile,
  mappedLayout,
} from "../src/index.js";
import {
  addressProblems,
  COLUMNS,
  changesOf,
  columnByRow,
  countRows,
  expectedBallots,
  expectedErrors,
  expectedVoter,
  type RegistrationLayoutId,
  type RegistrationTruth,
  registrationTruth,
  storedBallots,
  storedVoters,
} from "./import-generated-support.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-import-generated-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every kind of noise the generator makes, at rates that give dozens of each in a file of 1,200 voters. */
const NOISE: VoterFileNoise = {
  badRows: 0.02,
  duplicates: 0.03,
  misspellings: 0.03,
  blankLines: 0.02,
  trailingSpaces: 0.05,
};

/** Files are written once and imported into each database. */
const written = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  let file = written.get(key) as Promise<T> | undefined;
  if (file === undefined) {
    file = make();
    written.set(key, file);
  }
  return file;
}

interface RegistrationCase {
  layout: RegistrationLayoutId;
  state: SyntheticState;
  order: "standard" | "shuffled";
}

const REGISTRATION_CASES: RegistrationCase[] = [
  { layout: "nc-voter", state: "NC", order: "standard" },
  { layout: "nc-voter", state: "NC", order: "shuffled" },
  { layout: "oh-swvf", state: "OH", order: "shuffled" },
  { layout: "wa-vrdb", state: "WA", order: "shuffled" },
  { layout: "ca-vrd", state: "CA", order: "standard" },
  { layout: "mapped", state: "NC", order: "shuffled" },
  { layout: "mapped", state: "OH", order: "standard" },
];

interface RegistrationFile {
  population: SyntheticPopulation;
  summary: VoterFileSummary;
  truth: RegistrationTruth;
}

function registrationFile({ layout, state, order }: RegistrationCase): Promise<RegistrationFile> {
  return once(`${layout}-${state}-${order}`, async () => {
    const population = createSyntheticPopulation({
      seed: 7100 + state.charCodeAt(0) + state.charCodeAt(1),
      voters: 1_200,
      state,
      precinctsPerCounty: 5,
    });
    const summary = await writeVoterFile(join(dir, `${layout}-${state}-${order}.txt`), {
      population,
      layout,
      noise: { ...NOISE, seed: order === "shuffled" ? 31 : 17 },
      columnOrder: order,
    });
    return { population, summary, truth: await registrationTruth(layout, population, summary) };
  });
}

function importOptions(layout: VoterFileLayoutId, state: SyntheticState): ImportOptions {
  return {
    maxErrors: 10_000,
    ...(layout === "mapped" ? { layout: mappedLayout(mappedVoterFileMapping(state)) } : {}),
  };
}

/** Stored voters that differ from what their rows say, at most `limit` of them, for a readable failure. */
function mismatches(
  layout: RegistrationLayoutId,
  stored: Map<string, Voter>,
  voters: Iterable<SyntheticVoter>,
  altered: RegistrationTruth["altered"] = new Map(),
  limit = 3,
): unknown[] {
  const found: unknown[] = [];
  for (const voter of voters) {
    const actual = stored.get(voter.stateVoterId);
    if (actual === undefined) {
      found.push({ missing: voter.stateVoterId });
    } else {
      const expected = expectedVoter(layout, voter, altered.get(voter.stateVoterId));
      const picked = Object.fromEntries(
        Object.keys(expected).map((key) => [key, actual[key as keyof Voter] ?? null]),
      );
      if (!isDeepStrictEqual(picked, expected)) found.push({ expected, actual: picked });
      const problems = addressProblems(layout, actual, voter);
      if (problems.length > 0) found.push(problems);
    }
    if (found.length >= limit) break;
  }
  return found;
}

/** `read` splits exactly into the outcomes (registration files without inline ballots, history files). */
function expectBalanced(summary: ImportSummary): void {
  const { read, inserted, updated, unchanged, rejected, skipped } = summary;
  expect(inserted + updated + unchanged + rejected + skipped, "every row read has one outcome").toBe(read);
}

async function importLog(precinct: Precinct, importId: string) {
  return precinct.storage.db
    .selectFrom("voterImport")
    .selectAll()
    .where("id", "=", importId)
    .where("organizationId", "=", precinct.organization.id)
    .executeTakeFirstOrThrow();
}

forEachDatabase("importing generated voter files", (db) => {
  let precinct: Precinct;
  beforeEach(async () => {
    precinct = await db().client();
  });

  describe.each(REGISTRATION_CASES)("a noisy $layout file ($state, $order columns)", (c) => {
    it("stores each good voter once with the values of its last row, and rejects exactly the spoiled rows", async () => {
      const { population, summary, truth } = await registrationFile(c);
      expect(summary.badRows.length).toBeGreaterThan(5);
      expect(truth.changedRepeats.size).toBeGreaterThan(0);
      expect(summary.alteredRows.some((row) => row.reason === "misspelling")).toBe(true);
      expect(summary.blankLines).toBeGreaterThan(0);

      const result = await importVoterFile(precinct, summary.path, importOptions(c.layout, c.state));
      expect(result).toMatchObject({
        layout: c.layout,
        kind: "registration",
        read: summary.rows,
        rejected: summary.badRows.length,
        skipped: 0,
        removed: 0,
        warnings: {},
      });
      expect(result.errors.map(({ row, field }) => ({ row, field }))).toEqual(
        expectedErrors(c.layout, summary),
      );
      for (const error of result.errors) expect(error.reason).not.toBe("");
      if (c.layout !== "oh-swvf") {
        // Ohio rows carry ballots, which the counts include (see the Ohio test below).
        expect(result.inserted).toBe(truth.stored.size);
        expect(result.updated + result.unchanged).toBe(summary.duplicateRows.length);
        expectBalanced(result);
      }

      // Exactly the voters with a good row, nobody twice, nobody whose only row was spoiled.
      const stored = await storedVoters(precinct);
      expect(stored.size).toBe(summary.voters - summary.badRows.length);
      expect([...stored.keys()].sort()).toEqual([...truth.stored.keys()].sort());
      for (const lost of truth.lost) expect(stored.has(lost.stateVoterId)).toBe(false);
      expect(await precinct.voters.count()).toBe(truth.stored.size);

      // Every stored field equals the truth (or the typo / changed middle name the last row wrote).
      expect(mismatches(c.layout, stored, truth.stored.values(), truth.altered)).toEqual([]);
      const withPhone = [...truth.stored.values()].find((voter) => voter.phone !== null);
      if (c.layout === "nc-voter" || c.layout === "ca-vrd" || c.layout === "mapped") {
        expect(stored.get(withPhone!.stateVoterId)?.phone).toMatch(/^\+1\d{10}$/u);
      }

      if (c.layout === "oh-swvf") {
        // Ohio's per-election columns become ballots with an unknown method.
        expect(await storedBallots(precinct)).toEqual(
          expectedBallots(population, truth.stored.values(), { method: "unknown", party: "ballot" }),
        );
        const elections = await precinct.storage.db
          .selectFrom("election")
          .select(["date", "type", "name", "jurisdiction"])
          .where("organizationId", "=", precinct.organization.id)
          .orderBy("date")
          .execute();
        const voted = new Set(
          [...truth.stored.values()].flatMap((voter) =>
            population.participation(voter.index).map((vote) => vote.electionIndex),
          ),
        );
        expect(elections).toEqual(
          population.elections
            .filter((election) => voted.has(election.index))
            .map((election) => ({
              date: election.date,
              type: election.type,
              name: election.name,
              jurisdiction: "OH",
            })),
        );
      } else {
        expect(await countRows(precinct, "voteHistory")).toBe(0);
      }

      expect(await importLog(precinct, result.importId)).toMatchObject({
        status: "completed",
        layout: c.layout,
        kind: "registration",
        read: result.read,
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        rejected: result.rejected,
        removed: 0,
      });
    });

    it("re-importing the same file adds no voter and leaves every stored value as it was", async () => {
      const { summary, truth } = await registrationFile(c);
      const options = importOptions(c.layout, c.state);
      await importVoterFile(precinct, summary.path, options);
      const ballots = await storedBallots(precinct);
      const again = await importVoterFile(precinct, summary.path, { ...options, removeMissing: "state" });
      expect(again).toMatchObject({
        read: summary.rows,
        inserted: 0,
        rejected: summary.badRows.length,
        removed: 0,
      });
      expect(again.errors.map(({ row, field }) => ({ row, field }))).toEqual(
        expectedErrors(c.layout, summary),
      );
      const stored = await storedVoters(precinct);
      expect(stored.size).toBe(truth.stored.size);
      expect(mismatches(c.layout, stored, truth.stored.values(), truth.altered)).toEqual([]);
      expect(await storedBallots(precinct)).toEqual(ballots);
      expect(ballots.length > 0).toBe(c.layout === "oh-swvf");
    });
  });

  it("rejects a noisy file's spoiled rows by number even when more than maxErrors are listed", async () => {
    const { summary } = await registrationFile(REGISTRATION_CASES[0]!);
    const result = await importVoterFile(precinct, summary.path, { maxErrors: 5 });
    expect(result.rejected).toBe(summary.badRows.length);
    expect(result.errors.map((error) => error.row)).toEqual(
      summary.badRows.slice(0, 5).map((bad) => bad.row),
    );
  });

  // A voter repeated inside one file with a changed value (the generator changes the middle name of half
  // its repeats) is one voter with the last row's values, on both databases: the repeat counts as
  // unchanged, logs no change for a voter this import inserted, and a re-import neither flips values nor
  // logs changes (a regression test: SQLite once applied the rows one by one and logged each flip).
  it("a voter repeated with a changed middle name is inserted once, logs no change, and a re-import is a no-op", async () => {
    const population = createSyntheticPopulation({ seed: 4401, voters: 600, precinctsPerCounty: 5 });
    const summary = await once("changed-repeats", () =>
      writeVoterFile(join(dir, "ncvoter-changed-repeats.txt"), {
        population,
        layout: "nc-voter",
        noise: { duplicates: 0.08, seed: 5 },
      }),
    );
    const truth = await registrationTruth("nc-voter", population, summary);
    expect(truth.changedRepeats.size).toBeGreaterThan(5);

    const first = await importVoterFile(precinct, summary.path);
    expect(first).toMatchObject({
      inserted: population.size,
      updated: 0,
      unchanged: summary.duplicateRows.length,
      rejected: 0,
    });
    expect(await changesOf(precinct, first.importId)).toEqual([]);
    const stored = await storedVoters(precinct);
    expect(mismatches("nc-voter", stored, truth.stored.values(), truth.altered)).toEqual([]);

    const again = await importVoterFile(precinct, summary.path);
    expect(again).toMatchObject({ read: summary.rows, inserted: 0, updated: 0, unchanged: summary.rows });
    expect(await changesOf(precinct, again.importId)).toEqual([]);
    expect(await storedVoters(precinct)).toEqual(stored);
  });

  // Ohio's per-election columns are ballots: they are counted in `summary.ballots`, never in the voter
  // counts (`inserted` = voters added, `unchanged` = rows that matched what was stored).
  it("counts an Ohio file's voters, not their inline ballots, as inserted and unchanged rows", async () => {
    const population = createSyntheticPopulation({
      seed: 4402,
      voters: 500,
      state: "OH",
      precinctsPerCounty: 5,
    });
    const summary = await once("oh-clean", () =>
      writeVoterFile(join(dir, "oh-clean.csv"), { population, layout: "oh-swvf" }),
    );
    const ballots = expectedBallots(population, population.voters(), { method: "unknown", party: "ballot" });
    expect(ballots.length).toBeGreaterThan(population.size);

    const first = await importVoterFile(precinct, summary.path);
    expect(await countRows(precinct, "voter")).toBe(population.size);
    expect(await storedBallots(precinct)).toEqual(ballots);
    expect(first).toMatchObject({ read: population.size, inserted: population.size, unchanged: 0 });
    expect(first.ballots).toEqual({ inserted: ballots.length, updated: 0, unchanged: 0 });
    const again = await importVoterFile(precinct, summary.path);
    expect(again).toMatchObject({
      read: population.size,
      inserted: 0,
      updated: 0,
      unchanged: population.size,
    });
  });

  describe("vote history", () => {
    /** A registration file without noise, of the voters in `range`. */
    async function registerClean(
      population: SyntheticPopulation,
      layout: "nc-voter" | "ca-vrd",
      range: { end?: number } = {},
    ): Promise<Set<string>> {
      const summary = await once(`clean-${layout}-${population.seed}-${range.end}`, () =>
        writeVoterFile(join(dir, `clean-${layout}-${population.seed}-${range.end}.txt`), {
          population,
          layout,
          range,
        }),
      );
      const result = await importVoterFile(precinct, summary.path);
      expect(result).toMatchObject({ inserted: summary.voters, rejected: 0 });
      return new Set([...population.voters(range)].map((voter) => voter.stateVoterId));
    }

    /**
     * The history rows' truth: each good row is a ballot (of a registered voter: stored) or names a voter
     * the registration file did not list (an orphan: rejected). Rows that are no repeat are the ballots in
     * population order; a repeat's ballot is read from its columns.
     */
    async function historyTruth(
      layout: "nc-history" | "ca-vph",
      population: SyntheticPopulation,
      summary: VoterFileSummary,
      registered: Set<string>,
    ) {
      const ids = await columnByRow(summary.path, COLUMNS[layout].id);
      const dates = await columnByRow(summary.path, COLUMNS[layout].date);
      const bad = new Set(summary.badRows.map((row) => row.row));
      const repeats = new Set(summary.duplicateRows);
      const order: string[] = [];
      for (const voter of population.voters()) {
        for (const vote of population.participation(voter.index)) {
          order.push(`${voter.stateVoterId}|${population.elections[vote.electionIndex]?.date}`);
        }
      }
      const iso = (us: string) => `${us.slice(6, 10)}-${us.slice(0, 2)}-${us.slice(3, 5)}`;
      const stored = new Set<string>();
      const orphanRows: number[] = [];
      let next = 0;
      let goodRows = 0;
      for (let row = 1; row <= summary.rows; row++) {
        const ballot = repeats.has(row) ? `${ids.get(row)}|${iso(dates.get(row) ?? "")}` : order[next++];
        if (ballot === undefined) throw new Error(`row ${row} has no ballot`);
        if (bad.has(row)) continue;
        if (!repeats.has(row) && ballot !== `${ids.get(row)}|${iso(dates.get(row) ?? "")}`) {
          throw new Error(`row ${row} is not ballot ${ballot}: the writer's row order changed`);
        }
        const id = ballot.split("|")[0] ?? "";
        if (!registered.has(id)) {
          orphanRows.push(row);
          continue;
        }
        goodRows++;
        stored.add(ballot);
      }
      expect(next).toBe(order.length);
      return { stored, orphanRows, goodRows };
    }

    const keep = (keys: string[], ballots: Set<string>) =>
      keys.filter((key) => ballots.has(key.split("|").slice(0, 2).join("|")));

    it("imports a noisy ncvhis file: ballots equal the participation truth, spoiled rows rejected, a re-import adds nothing", async () => {
      const population = createSyntheticPopulation({ seed: 4403, voters: 700, precinctsPerCounty: 5 });
      const registered = await registerClean(population, "nc-voter");
      const summary = await once("ncvhis-noisy", () =>
        writeVoterFile(join(dir, "ncvhis-noisy.txt"), {
          population,
          layout: "nc-history",
          noise: { badRows: 0.02, duplicates: 0.03, blankLines: 0.02, trailingSpaces: 0.05 },
          columnOrder: "shuffled",
          relabeledBallots: 0,
        }),
      );
      expect(summary.badRows.length).toBeGreaterThan(5);
      const truth = await historyTruth("nc-history", population, summary, registered);
      expect(truth.orphanRows).toEqual([]);

      const result = await importVoterFile(precinct, summary.path, { maxErrors: 10_000 });
      expect(result).toMatchObject({
        layout: "nc-history",
        kind: "history",
        read: summary.rows,
        inserted: truth.stored.size,
        updated: 0,
        unchanged: truth.goodRows - truth.stored.size,
        rejected: summary.badRows.length,
        skipped: 0,
      });
      expectBalanced(result);
      expect(result.errors.map(({ row, field }) => ({ row, field }))).toEqual(
        expectedErrors("nc-history", summary),
      );

      const expected = keep(
        expectedBallots(population, population.voters(), { party: "ballotOrVoter" }),
        truth.stored,
      );
      expect(expected.length).toBe(truth.stored.size);
      expect(await storedBallots(precinct)).toEqual(expected);
      const elections = await precinct.storage.db
        .selectFrom("election")
        .select(["date", "type", "name", "jurisdiction"])
        .where("organizationId", "=", precinct.organization.id)
        .orderBy("date")
        .execute();
      const dates = new Set(expected.map((key) => key.split("|")[1]));
      expect(elections).toEqual(
        population.elections
          .filter((election) => dates.has(election.date))
          .map(({ date, type, name }) => ({ date, type, name, jurisdiction: "NC" })),
      );

      const again = await importVoterFile(precinct, summary.path, { maxErrors: 10_000 });
      expect(again).toMatchObject({
        inserted: 0,
        updated: 0,
        unchanged: truth.goodRows,
        rejected: summary.badRows.length,
      });
      expect(await storedBallots(precinct)).toEqual(expected);
      expect(await countRows(precinct, "election")).toBe(elections.length);
    });

    it("folds ncvhis ballots listed under an old and a new method label into one, and rejects ballots of unregistered voters by row", async () => {
      const population = createSyntheticPopulation({ seed: 4404, voters: 700, precinctsPerCounty: 5 });
      // The last voters are not in the registration file: their ballots have no voter to land on.
      const registered = await registerClean(population, "nc-voter", { end: 690 });
      const summary = await once("ncvhis-relabelled", () =>
        writeVoterFile(join(dir, "ncvhis-relabelled.txt"), {
          population,
          layout: "nc-history",
          relabeledBallots: 0.2,
        }),
      );
      const truth = await historyTruth("nc-history", population, summary, registered);
      expect(summary.duplicateRows.length).toBeGreaterThan(100);
      expect(truth.orphanRows.length).toBeGreaterThan(5);
      expect(truth.orphanRows.length).toBeLessThan(100);

      const result = await importVoterFile(precinct, summary.path);
      expect(result).toMatchObject({
        read: summary.rows,
        inserted: truth.stored.size,
        updated: 0,
        unchanged: truth.goodRows - truth.stored.size,
        rejected: truth.orphanRows.length,
        skipped: 0,
      });
      expectBalanced(result);
      expect([...result.errors].sort((a, b) => a.row - b.row)).toEqual(
        truth.orphanRows.map((row) => ({
          row,
          field: "ncid",
          reason: expect.stringMatching(
            /^no NC voter with id "[A-Z]{2}\d{6}": import the registration file first$/u,
          ),
        })),
      );
      const expected = keep(
        expectedBallots(population, population.voters({ end: 690 }), { party: "ballotOrVoter" }),
        truth.stored,
      );
      expect(expected.length).toBe(truth.stored.size);
      expect(await storedBallots(precinct)).toEqual(expected);

      const again = await importVoterFile(precinct, summary.path);
      expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: truth.goodRows });
      expect(await storedBallots(precinct)).toEqual(expected);
    });

    // Every ballot without a voter is listed by its data row, up to `maxErrors`, on both databases (a
    // regression test: PostgreSQL once listed 100 and padded the rest with row 0).
    it("names every ballot without a voter by its row, up to maxErrors", async () => {
      const population = createSyntheticPopulation({ seed: 4404, voters: 700, precinctsPerCounty: 5 });
      const registered = await registerClean(population, "nc-voter", { end: 600 });
      const summary = await once("ncvhis-relabelled", () =>
        writeVoterFile(join(dir, "ncvhis-relabelled.txt"), {
          population,
          layout: "nc-history",
          relabeledBallots: 0.2,
        }),
      );
      const truth = await historyTruth("nc-history", population, summary, registered);
      expect(truth.orphanRows.length).toBeGreaterThan(100);
      const result = await importVoterFile(precinct, summary.path, { maxErrors: 10_000 });
      expect(result.rejected).toBe(truth.orphanRows.length);
      expect(result.errors.map((error) => error.row).sort((a, b) => a - b)).toEqual(truth.orphanRows);
    });

    it("imports a noisy California vph file after its vrd file: ballots equal the participation truth", async () => {
      const population = createSyntheticPopulation({
        seed: 4405,
        voters: 700,
        state: "CA",
        precinctsPerCounty: 5,
      });
      const registered = await registerClean(population, "ca-vrd");
      const summary = await once("ca-vph-noisy", () =>
        writeVoterFile(join(dir, "ca-vph-noisy.txt"), {
          population,
          layout: "ca-vph",
          noise: { badRows: 0.02, duplicates: 0.03, blankLines: 0.02, trailingSpaces: 0.05, seed: 3 },
          columnOrder: "shuffled",
        }),
      );
      expect(summary.badRows.length).toBeGreaterThan(5);
      const truth = await historyTruth("ca-vph", population, summary, registered);

      const result = await importVoterFile(precinct, summary.path, { maxErrors: 10_000 });
      expect(result).toMatchObject({
        layout: "ca-vph",
        kind: "history",
        read: summary.rows,
        inserted: truth.stored.size,
        updated: 0,
        unchanged: truth.goodRows - truth.stored.size,
        rejected: summary.badRows.length,
        skipped: 0,
        warnings: {},
      });
      expect(result.errors.map(({ row, field }) => ({ row, field }))).toEqual(
        expectedErrors("ca-vph", summary),
      );
      const expected = keep(
        expectedBallots(population, population.voters(), { party: "ballot" }),
        truth.stored,
      );
      expect(expected.length).toBe(truth.stored.size);
      const stored = await storedBallots(precinct);
      expect(stored).toEqual(expected);
      // Every method and election type of the calendar made it through the codes.
      expect(new Set(stored.map((key) => key.split("|")[3]))).toEqual(
        new Set(["mail", "in_person", "early"]),
      );
      expect(new Set(stored.map((key) => key.split("|")[2]))).toEqual(
        new Set(population.elections.map((election) => election.type)),
      );

      const again = await importVoterFile(precinct, summary.path);
      expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: truth.goodRows });
      expect(await storedBallots(precinct)).toEqual(expected);
    });
  });

  describe("weekly refresh", () => {
    const week1 = createSyntheticPopulation({ seed: 4406, voters: 1_500, precinctsPerCounty: 5 });
    const refresh = nextWeek(week1, {
      seed: 12,
      moved: 0.03,
      removed: 0.02,
      statusChanges: 0.03,
      newRegistrants: 40,
    });
    const week2 = refresh.population;
    const files = () =>
      once("weeks", async () => ({
        week1: await writeVoterFile(join(dir, "week1.txt"), { population: week1, layout: "nc-voter" }),
        // A week later the state also reordered its columns; blank lines and padding are harmless.
        week2: await writeVoterFile(join(dir, "week2.txt"), {
          population: week2,
          layout: "nc-voter",
          columnOrder: "shuffled",
          noise: { blankLines: 0.02, trailingSpaces: 0.05 },
        }),
      }));

    it("updates movers and status changes with the change logged, marks missing voters removed, adds new registrants, and a re-run is a no-op", async () => {
      const { moved, removed, statusChanged, added } = refresh;
      expect(moved.length).toBeGreaterThan(20);
      expect(removed.length).toBeGreaterThan(10);
      expect(statusChanged.length).toBeGreaterThan(20);
      expect(added).toHaveLength(40);
      const { week1: file1, week2: file2 } = await files();

      const first = await importVoterFile(precinct, file1.path, { removeMissing: "state" });
      expect(first).toMatchObject({ inserted: week1.size, removed: 0, rejected: 0 });
      const before = await storedVoters(precinct);
      expect(mismatches("nc-voter", before, week1.voters())).toEqual([]);

      const started = new Date().toISOString();
      const result = await importVoterFile(precinct, file2.path, { removeMissing: "state" });
      const changed = moved.length + statusChanged.length;
      expect(result).toMatchObject({
        read: file2.voters,
        inserted: added.length,
        updated: changed,
        unchanged: file2.voters - added.length - changed,
        rejected: 0,
        removed: removed.length,
      });
      expectBalanced(result);

      const after = await storedVoters(precinct);
      // Nobody is deleted: removed voters keep their row.
      expect(after.size).toBe(week1.size + added.length);
      expect(await countRows(precinct, "voter")).toBe(week1.size + added.length);
      // Everyone in the new file is exactly as the file says.
      expect(mismatches("nc-voter", after, week2.voters())).toEqual([]);

      const kinds = new Map<number, string>();
      for (const index of moved) kinds.set(index, "moved");
      for (const index of statusChanged) kinds.set(index, "status");
      for (const index of removed) kinds.set(index, "removed");
      for (const index of added) kinds.set(index, "added");
      const log = new Map(
        (await changesOf(precinct, result.importId)).map((change) => [change.stateVoterId, change]),
      );
      expect(log.size).toBe(changed + removed.length);

      for (let index = 0; index < week2.size; index++) {
        const kind = kinds.get(index);
        const voter = index < week1.size ? week1.voterAt(index) : week2.voterAt(index);
        const id = voter.stateVoterId;
        const now = after.get(id);
        const then = before.get(id);
        expect(now, id).toBeDefined();
        if (kind === undefined) {
          // Untouched: the very same row, not even its updatedAt changed, and nothing logged.
          expect(now, id).toEqual(then);
          expect(log.has(id), id).toBe(false);
        } else if (kind === "removed") {
          expect(now, id).toMatchObject({
            ...then,
            status: "removed",
            removedAt: expect.any(String),
            updatedAt: expect.any(String),
          });
          expect((now?.removedAt ?? "") >= started.slice(0, 19), id).toBe(true);
          expect(log.get(id), id).toMatchObject({
            kind: "removed",
            changes: { status: [then?.status, "removed"], removedAt: [null, expect.any(String)] },
          });
        } else if (kind === "added") {
          expect(then, id).toBeUndefined();
          expect(now).toMatchObject({ status: "active", statusReason: "UNVERIFIED NEW", removedAt: null });
          expect(log.has(id), id).toBe(false);
        } else if (kind === "moved") {
          const change = log.get(id);
          expect(change?.kind, id).toBe("updated");
          const next = week2.voterAt(index);
          const fields = Object.keys(change?.changes ?? {});
          expect(fields, id).toContain("residentialAddress");
          const allowed = ["residentialAddress", "mailingAddress", "precinct", "county", "districts"];
          expect(
            fields.filter((field) => !allowed.includes(field)),
            id,
          ).toEqual([]);
          const [old, fresh] = (change?.changes.residentialAddress ?? []) as [
            Voter["residentialAddress"],
            Voter["residentialAddress"],
          ];
          // The log holds the stored JSON; the Voter model adds defaults (primary, status) to it.
          expect(then?.residentialAddress, id).toMatchObject(old ?? {});
          expect(fresh?.postalCode, id).toBe(next.residence.zip);
          expect(now?.residentialAddress, id).toMatchObject(fresh ?? {});
          expect(now?.mailingAddress, id).toBeNull();
          expect("mailingAddress" in (change?.changes ?? {}), id).toBe(voter.mailing !== null);
          expect("precinct" in (change?.changes ?? {}), id).toBe(next.precinctCode !== voter.precinctCode);
        } else {
          const change = log.get(id);
          const next = week2.voterAt(index);
          expect(change, id).toMatchObject({
            kind: "updated",
            changes: {
              status: [voter.status, next.status],
              statusReason: [voter.statusReason, next.statusReason],
            },
          });
          expect(Object.keys(change?.changes ?? {}).sort(), id).toEqual(["status", "statusReason"]);
          expect(now, id).toMatchObject({ status: next.status, removedAt: null });
        }
      }

      // The same week again changes nothing and logs nothing.
      const rerun = await importVoterFile(precinct, file2.path, { removeMissing: "state" });
      expect(rerun).toMatchObject({
        read: file2.voters,
        inserted: 0,
        updated: 0,
        unchanged: file2.voters,
        removed: 0,
        rejected: 0,
      });
      expect(await changesOf(precinct, rerun.importId)).toEqual([]);
      expect(await storedVoters(precinct)).toEqual(after);
    });
  });

  describe("progress", () => {
    it("reports growing progress that ends at 100% with rows equal to read", async () => {
      const population = createSyntheticPopulation({ seed: 4407, voters: 2_500, precinctsPerCounty: 5 });
      const summary = await once("progress", () =>
        writeVoterFile(join(dir, "progress.txt"), {
          population,
          layout: "nc-voter",
          noise: { badRows: 0.01, blankLines: 0.05, seed: 8 },
        }),
      );
      const progress: ImportProgress[] = [];
      const result = await importVoterFile(precinct, summary.path, {
        onProgress: (p) => progress.push({ ...p }),
      });
      const size = statSync(summary.path).size;
      expect(result.read).toBe(summary.rows);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.at(-1)).toMatchObject({
        rows: result.read,
        percent: 100,
        bytes: size,
        totalBytes: size,
      });
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]!.rows).toBeGreaterThanOrEqual(progress[i - 1]!.rows);
        expect(progress[i]!.percent!).toBeGreaterThanOrEqual(progress[i - 1]!.percent!);
        expect(progress[i]!.elapsedMs).toBeGreaterThanOrEqual(progress[i - 1]!.elapsedMs);
      }
      for (const p of progress) {
        expect(p.percent).toBeGreaterThan(0);
        expect(p.percent).toBeLessThanOrEqual(100);
        expect(p.rowsPerSecond).toBeGreaterThanOrEqual(0);
      }

      // A history import reports the same way; a stream has no size, so no percent.
      const history = await once("progress-history", () =>
        writeVoterFile(join(dir, "progress-history.txt"), { population, layout: "nc-history" }),
      );
      const streamed: ImportProgress[] = [];
      const fromStream = await importVoterFile(precinct, createReadStream(history.path), {
        source: "ncvhis.txt",
        onProgress: (p) => streamed.push({ ...p }),
      });
      expect(fromStream.read).toBe(history.rows);
      expect(streamed.at(-1)).toMatchObject({
        rows: history.rows,
        percent: null,
        totalBytes: null,
        bytes: statSync(history.path).size,
      });
    });
  });
});

describe("the truth this file relies on", () => {
  it("pairs every row of a noisy registration file with its voter", async () => {
    for (const c of REGISTRATION_CASES) {
      const { summary, truth } = await registrationFile(c);
      expect(truth.stored.size + truth.lost.length).toBe(summary.voters);
      expect(truth.lost).toHaveLength(summary.badRows.length);
    }
  });
});
