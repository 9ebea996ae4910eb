import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { areNicknameEquivalent, ConfigError, nameMatchKey, tryNormalizePhone } from "@precinct/core";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../src/generate/random.js";
import {
  createSyntheticPopulation,
  generatePeople,
  NC_VOTER_FILE_COLUMNS,
  nextWeek,
  PEOPLE_CSV_HEADER,
  type SyntheticState,
  typo,
  VOTER_FILE_LAYOUTS,
  writePeopleCsv,
  writeVoterFile,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-generate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** A file's data lines split into fields (quotes stripped), blank lines dropped; for tab/quoted NC files. */
function ncRows(path: string): string[][] {
  const [, ...lines] = readFileSync(path, "latin1").split("\r\n");
  return lines
    .filter((line) => line !== "")
    .map((line) =>
      line
        .slice(1, -1)
        .split('"\t"')
        .map((field) => field.trimEnd()),
    );
}

const ID_FORMATS: Record<SyntheticState, RegExp> = {
  NC: /^[A-Z]{2}\d{6}$/u,
  OH: /^OH\d{10}$/u,
  WA: /^[1-9]\d{8}$/u,
  CA: /^CA\d{10}$/u,
};

const AREA_CODES: Record<SyntheticState, string[]> = {
  NC: ["919", "984", "704", "980", "336", "743", "252", "910", "828"],
  OH: ["216", "220", "234", "330", "380", "419", "440", "513", "567", "614", "740", "937"],
  WA: ["206", "253", "360", "425", "509", "564"],
  CA: [],
};

describe("createSyntheticPopulation", () => {
  it("computes each voter from (seed, index) alone: same seed, same voter, in any order and any size", () => {
    const a = createSyntheticPopulation({ seed: 11, voters: 1_000 });
    const b = createSyntheticPopulation({ seed: 11, voters: 50_000 });
    const later = b.voterAt(999);
    expect(a.voterAt(999)).toEqual(later);
    expect(a.voterAt(3)).toEqual(b.voterAt(3));
    expect(a.participation(42)).toEqual(b.participation(42));
    const other = createSyntheticPopulation({ seed: 12, voters: 1_000 });
    expect(other.voterAt(999).stateVoterId).not.toBe(later.stateVoterId);
    expect(() => a.voterAt(1_000)).toThrow(RangeError);
    expect(() => a.voterAt(-1)).toThrow(RangeError);
  });

  it("describes five million voters without materializing them", () => {
    const started = performance.now();
    const population = createSyntheticPopulation({ seed: 5, voters: 5_000_000 });
    const last = population.voterAt(4_999_999);
    expect(population.indexOf(last.stateVoterId)).toBe(4_999_999);
    expect(population.size).toBe(5_000_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it.each(["NC", "OH", "WA", "CA"] as const)(
    "gives %s voters unique, well-formed ids that map back",
    (state) => {
      const population = createSyntheticPopulation({ seed: 21, voters: 60_000, state });
      const ids = new Set<string>();
      for (const voter of population.voters()) {
        expect(voter.stateVoterId).toMatch(ID_FORMATS[state]);
        ids.add(voter.stateVoterId);
      }
      expect(ids.size).toBe(60_000);
      for (const index of [0, 1, 59_999, 31_337]) {
        expect(population.indexOf(population.voterAt(index).stateVoterId)).toBe(index);
      }
      expect(population.indexOf("nonsense")).toBeUndefined();
    },
  );

  it("draws realistic shares: parties, statuses, phones, households, new registrants, names", () => {
    const n = 40_000;
    const population = createSyntheticPopulation({ seed: 3, voters: n, state: "NC" });
    const count = { phone: 0, active: 0, newRegistrant: 0, inHousehold: 0, hyphen: 0, accent: 0, suffix: 0 };
    const parties: Record<string, number> = {};
    const lineTypes: Record<string, number> = {};
    const asOf = Date.parse(population.asOf);
    for (const voter of population.voters()) {
      parties[voter.party ?? ""] = (parties[voter.party ?? ""] ?? 0) + 1;
      if (voter.phone !== null) {
        count.phone++;
        lineTypes[voter.lineType ?? ""] = (lineTypes[voter.lineType ?? ""] ?? 0) + 1;
      }
      if (voter.status === "active") count.active++;
      if (asOf - Date.parse(voter.registrationDate) <= 365 * 86_400_000) count.newRegistrant++;
      if (population.household(voter.index).length > 1) count.inHousehold++;
      if (voter.familyName.includes("-")) count.hyphen++;
      if (/[^\p{ASCII}]/u.test(voter.familyName + voter.givenName)) count.accent++;
      if (voter.suffix !== "") count.suffix++;
      // Everyone is an adult, registered after turning 18 and not after the file's date.
      const age = (asOf - Date.parse(voter.birthdate)) / (365.2425 * 86_400_000);
      expect(age).toBeGreaterThanOrEqual(18);
      expect(age).toBeLessThan(101);
      expect(voter.registrationDate > voter.birthdate).toBe(true);
      expect(voter.registrationDate <= population.asOf).toBe(true);
    }
    const share = (value: number) => value / n;
    expect(share(parties.UNA ?? 0)).toBeCloseTo(0.38, 1);
    expect(share(parties.DEM ?? 0)).toBeCloseTo(0.31, 1);
    expect(share(parties.REP ?? 0)).toBeCloseTo(0.3, 1);
    expect(parties.LIB).toBeGreaterThan(0);
    expect(share(count.phone)).toBeGreaterThan(0.37);
    expect(share(count.phone)).toBeLessThan(0.45);
    expect((lineTypes.mobile ?? 0) / count.phone).toBeCloseTo(0.62, 1);
    expect(lineTypes.landline).toBeGreaterThan(0);
    expect(lineTypes.voip).toBeGreaterThan(0);
    expect(share(count.active)).toBeGreaterThan(0.82);
    expect(share(count.active)).toBeLessThan(0.92);
    expect(share(count.newRegistrant)).toBeGreaterThan(0.07);
    expect(share(count.newRegistrant)).toBeLessThan(0.13);
    expect(share(count.inHousehold)).toBeGreaterThan(0.03);
    expect(share(count.inHousehold)).toBeLessThan(0.1);
    // Quoted formats write values without escaping: no generated value may hold a double quote.
    for (const voter of population.voters({ end: 5_000 })) expect(JSON.stringify(voter)).not.toContain('\\"');
    expect(count.hyphen).toBeGreaterThan(0);
    expect(count.accent).toBeGreaterThan(0);
    expect(count.suffix).toBeGreaterThan(0);
  });

  it.each(["NC", "OH", "WA"] as const)(
    "gives %s voters valid phones with the state's area codes",
    (state) => {
      const population = createSyntheticPopulation({ seed: 8, voters: 5_000, state, phoneRate: 1 });
      for (const voter of population.voters()) {
        const phone = voter.phone ?? "";
        expect(phone).toMatch(/^[2-9]\d{2}[2-9]\d{6}$/u);
        expect(AREA_CODES[state]).toContain(phone.slice(0, 3));
        expect(tryNormalizePhone(phone)).toBe(`+1${phone}`);
      }
      expect(tryNormalizePhone(population.freshPhone(0))).toBeDefined();
    },
  );

  it("puts household members at one address, mostly under one surname, often on one phone", () => {
    const population = createSyntheticPopulation({ seed: 4, voters: 20_000, householdRate: 0.2 });
    let members = 0;
    let sameSurname = 0;
    let samePhone = 0;
    for (const voter of population.voters()) {
      if (voter.household === voter.index) continue;
      members++;
      const head = population.voterAt(voter.household);
      expect(voter.residence).toEqual(head.residence);
      expect(voter.precinct).toBe(head.precinct);
      expect(population.household(voter.index)).toContain(voter.index);
      expect(population.household(voter.index)[0]).toBe(voter.household);
      expect(population.household(voter.index).length).toBeLessThanOrEqual(4);
      if (voter.familyName === head.familyName) sameSurname++;
      if (voter.phone !== null && voter.phone === head.phone) samePhone++;
    }
    expect(members).toBeGreaterThan(2_000);
    expect(sameSurname / members).toBeGreaterThan(0.7);
    expect(samePhone).toBeGreaterThan(members * 0.1);
  });

  it("lists about a dozen elections over eight years, generals on the Tuesday after the first Monday of November", () => {
    const population = createSyntheticPopulation({ seed: 1, voters: 10 });
    const { elections } = population;
    expect(elections).toHaveLength(12);
    expect(new Set(elections.map((e) => e.type))).toEqual(
      new Set(["general", "primary", "municipal", "special"]),
    );
    for (const election of elections) {
      const date = new Date(`${election.date}T00:00:00Z`);
      expect(date.getUTCDay()).toBe(2);
      if (election.type === "general") {
        expect(date.getUTCMonth()).toBe(10);
        expect(date.getUTCDate()).toBeGreaterThanOrEqual(2);
        expect(date.getUTCDate()).toBeLessThanOrEqual(8);
      }
    }
    expect(elections.map((e) => e.date)).toEqual([...elections.map((e) => e.date)].sort());
    expect(elections.at(-1)?.name).toBe("11/05/2024 GENERAL");
    expect(Number(elections[0]?.date.slice(0, 4))).toBeGreaterThanOrEqual(2017);
    const ohio = createSyntheticPopulation({ seed: 1, voters: 10, state: "OH" });
    expect(ohio.elections.at(-1)?.name).toBe("GENERAL-11/05/2024");
  });

  it("gives about four ballots per voter, more for older voters, none before registration", () => {
    const population = createSyntheticPopulation({ seed: 9, voters: 20_000 });
    let ballots = 0;
    const byAge = { young: [0, 0], old: [0, 0] };
    for (const voter of population.voters()) {
      const votes = population.participation(voter.index);
      ballots += votes.length;
      const bucket = voter.birthYear >= 1990 ? byAge.young : voter.birthYear <= 1960 ? byAge.old : undefined;
      if (bucket !== undefined) {
        bucket[0] = (bucket[0] ?? 0) + votes.length;
        bucket[1] = (bucket[1] ?? 0) + 1;
      }
      for (const vote of votes) {
        const election = population.elections[vote.electionIndex];
        expect(election).toBeDefined();
        expect(voter.registrationDate < (election?.date ?? "")).toBe(true);
        expect(vote.party === null).toBe(election?.type !== "primary");
      }
    }
    expect(ballots / 20_000).toBeGreaterThan(3.6);
    expect(ballots / 20_000).toBeLessThan(4.4);
    const mean = ([sum, n]: number[]) => (sum ?? 0) / (n ?? 1);
    expect(mean(byAge.old)).toBeGreaterThan(mean(byAge.young) * 1.5);
  });
});

describe("writeVoterFile", () => {
  const population = createSyntheticPopulation({ seed: 77, voters: 3_000 });
  const noise = {
    badRows: 0.02,
    duplicates: 0.02,
    misspellings: 0.02,
    blankLines: 0.01,
    trailingSpaces: 0.05,
  };

  it("writes byte-identical files for the same seed, and different ones for another", async () => {
    const a = await writeVoterFile(file("a.txt"), { population, layout: "nc-voter", noise });
    const b = await writeVoterFile(file("b.txt"), {
      population: createSyntheticPopulation({ seed: 77, voters: 3_000 }),
      layout: "nc-voter",
      noise,
    });
    expect(sha256(a.path)).toBe(sha256(b.path));
    expect(a).toEqual({ ...b, path: a.path });
    expect(a.bytes).toBe(readFileSync(a.path).length);
    const c = await writeVoterFile(file("c.txt"), {
      population,
      layout: "nc-voter",
      noise: { ...noise, seed: 1 },
    });
    expect(sha256(c.path)).not.toBe(sha256(a.path));
  });

  it("writes the NC layout: tab-delimited, all fields quoted, CRLF, Latin-1, the 67 columns in order", async () => {
    const summary = await writeVoterFile(file("nc.txt"), { population, layout: "nc-voter" });
    const bytes = readFileSync(summary.path);
    const text = bytes.toString("latin1");
    expect(text.split("\r\n")[0]).toBe(NC_VOTER_FILE_COLUMNS.map((c) => `"${c}"`).join("\t"));
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.replaceAll("\r\n", "").includes("\n")).toBe(false);
    const rows = ncRows(summary.path);
    expect(rows).toHaveLength(3_000);
    expect(summary.rows).toBe(3_000);
    for (const [index, row] of rows.entries()) {
      const voter = population.voterAt(index);
      expect(row).toHaveLength(67);
      expect(row[3]).toBe(voter.stateVoterId);
      expect(row[4]).toBe(voter.familyName.toUpperCase());
      expect(row[25]).toMatch(/^\d{2}\/\d{2}\/\d{4}$/u);
    }
    // Accented names are written as single Latin-1 bytes, not UTF-8 sequences.
    const accented = rows.find((row) => /[ÁÉÍÓÚÑÜ]/u.test(`${row[4]}${row[5]}`));
    expect(accented).toBeDefined();
    expect(text.includes("Ã")).toBe(false);
    // Some fields are padded with trailing spaces, as the state's file is.
    expect(text).toMatch(/ {3,}"\t/u);
  });

  it("records bad rows truthfully: exactly those rows are malformed", async () => {
    const summary = await writeVoterFile(file("noisy.txt"), { population, layout: "nc-voter", noise });
    const rows = ncRows(summary.path);
    expect(rows).toHaveLength(summary.rows);
    expect(summary.badRows.length).toBeGreaterThan(20);
    expect(new Set(summary.badRows.map((bad) => bad.kind))).toEqual(
      new Set(["columnCount", "invalidDate", "emptyId"]),
    );
    const bad = new Map(summary.badRows.map((row) => [row.row, row]));
    const seen = new Set<string>();
    for (const [index, fields] of rows.entries()) {
      const number = index + 1;
      const problem = bad.get(number);
      if (problem?.kind === "columnCount") {
        expect(fields).not.toHaveLength(67);
        continue;
      }
      expect(fields).toHaveLength(67);
      const id = fields[3] ?? "";
      const date = fields[25] ?? "";
      if (problem?.kind === "emptyId") {
        expect(id).toBe("");
        continue;
      }
      if (problem?.kind === "invalidDate") {
        expect(date).toBe("13/45/2001");
        continue;
      }
      expect(date).toMatch(/^(0[1-9]|1[0-2])\/(0[1-9]|[12]\d|3[01])\/\d{4}$/u);
      const voterIndex = population.indexOf(id);
      expect(voterIndex).toBeDefined();
      // A good row repeats an earlier voter only when the summary says it is a repeat.
      expect(summary.duplicateRows.includes(number)).toBe(seen.has(id));
      seen.add(id);
    }
    expect(summary.blankLines).toBeGreaterThan(0);
    expect(summary.rows).toBe(3_000 + summary.duplicateRows.length);
  });

  it("records misspelled and changed values with the truth they replace", async () => {
    const summary = await writeVoterFile(file("altered.txt"), { population, layout: "nc-voter", noise });
    const rows = ncRows(summary.path);
    const reasons = new Set(summary.alteredRows.map((a) => a.reason));
    expect(reasons).toEqual(new Set(["misspelling", "changedDuplicate"]));
    for (const altered of summary.alteredRows) {
      const fields = rows[altered.row - 1] ?? [];
      const column = NC_VOTER_FILE_COLUMNS.indexOf(altered.column);
      expect(fields[column]).toBe(altered.written);
      expect(altered.written).not.toBe(altered.truth);
      const voter = population.voterAt(population.indexOf(fields[3] ?? "") ?? -1);
      const truth = {
        first_name: voter.givenName,
        last_name: voter.familyName,
        middle_name: voter.middleName,
      };
      expect(truth[altered.column as keyof typeof truth]?.toUpperCase()).toBe(altered.truth);
    }
  });

  it("writes NC vote history with ballots relabelled under two method names", async () => {
    const summary = await writeVoterFile(file("ncvhis.txt"), {
      population,
      layout: "nc-history",
      relabeledBallots: 0.1,
    });
    const rows = ncRows(summary.path);
    const total = [...population.voters()].reduce(
      (sum, v) => sum + population.participation(v.index).length,
      0,
    );
    expect(summary.rows).toBe(total + summary.duplicateRows.length);
    expect(summary.duplicateRows.length / total).toBeCloseTo(0.1, 1);
    const key = (fields: string[]) => `${fields[10]}|${fields[3]}`;
    for (const row of summary.duplicateRows) {
      const fields = rows[row - 1] ?? [];
      const previous = rows.slice(0, row - 1).findLast((other) => key(other) === key(fields));
      expect(previous).toBeDefined();
      expect(previous?.[5]).not.toBe(fields[5]);
    }
  });

  it("writes every layout of the population's state, and refuses another state's", async () => {
    for (const layout of VOTER_FILE_LAYOUTS) {
      const state = layout.startsWith("oh")
        ? "OH"
        : layout.startsWith("wa")
          ? "WA"
          : layout.startsWith("ca")
            ? "CA"
            : "NC";
      const own = createSyntheticPopulation({ seed: 2, voters: 200, state });
      const summary = await writeVoterFile(file(`${layout}.txt`), { population: own, layout });
      expect(summary.voters).toBe(200);
      expect(summary.rows).toBeGreaterThan(0);
    }
    const ohio = createSyntheticPopulation({ seed: 2, voters: 10, state: "OH" });
    await expect(writeVoterFile(file("wrong.txt"), { population: ohio, layout: "nc-voter" })).rejects.toThrow(
      ConfigError,
    );
    expect(() => createSyntheticPopulation({ seed: 1, voters: -1 })).toThrow(ConfigError);
    expect(() => createSyntheticPopulation({ seed: 1, voters: 10, phoneRate: 2 })).toThrow(ConfigError);
    await expect(
      writeVoterFile(file("bad-noise.txt"), {
        population: ohio,
        layout: "oh-swvf",
        noise: { badRows: -0.1 },
      }),
    ).rejects.toThrow(ConfigError);
  });

  it("shuffles columns on request, keeping each row's values under their header", async () => {
    const standard = await writeVoterFile(file("std.txt"), {
      population,
      layout: "nc-voter",
      range: { end: 50 },
    });
    const shuffled = await writeVoterFile(file("shuf.txt"), {
      population,
      layout: "nc-voter",
      range: { end: 50 },
      columnOrder: "shuffled",
    });
    expect(shuffled.columns).not.toEqual(standard.columns);
    expect([...shuffled.columns].sort()).toEqual([...standard.columns].sort());
    const a = ncRows(standard.path);
    const b = ncRows(shuffled.path);
    for (const [index, row] of a.entries()) {
      const byName = (columns: string[], fields: string[]) =>
        Object.fromEntries(columns.map((c, i) => [c, fields[i]]));
      expect(byName(shuffled.columns, b[index] ?? [])).toEqual(byName(standard.columns, row));
    }
  });
});

describe("nextWeek", () => {
  it("changes exactly the voters it reports, and the files show it", async () => {
    const week1 = createSyntheticPopulation({ seed: 31, voters: 5_000 });
    const refresh = nextWeek(week1, {
      seed: 1,
      moved: 0.02,
      removed: 0.01,
      statusChanges: 0.02,
      newRegistrants: 40,
    });
    const week2 = refresh.population;
    expect(week2.size).toBe(5_040);
    expect(week2.week).toBe(1);
    expect(week2.asOf).toBe("2025-06-09");
    expect(refresh.added).toEqual(Array.from({ length: 40 }, (_, i) => 5_000 + i));
    for (const list of [refresh.moved, refresh.removed, refresh.statusChanged])
      expect(list.length).toBeGreaterThan(20);

    const a = await writeVoterFile(file("week1.txt"), { population: week1, layout: "nc-voter" });
    const b = await writeVoterFile(file("week2.txt"), { population: week2, layout: "nc-voter" });
    const byId = (path: string) => new Map(ncRows(path).map((fields) => [fields[3] ?? "", fields]));
    const before = byId(a.path);
    const after = byId(b.path);
    const id = (index: number) => week1.voterAt(index).stateVoterId;
    const diff = {
      moved: [] as string[],
      removed: [] as string[],
      status: [] as string[],
      added: [] as string[],
    };
    for (const [key, fields] of before) {
      const next = after.get(key);
      if (next === undefined) diff.removed.push(key);
      else if (next[12] !== fields[12]) diff.moved.push(key);
      else if (next[8] !== fields[8]) diff.status.push(key);
      else expect(next).toEqual(fields);
    }
    for (const key of after.keys()) if (!before.has(key)) diff.added.push(key);
    expect(new Set(diff.removed)).toEqual(new Set(refresh.removed.map(id)));
    expect(new Set(diff.moved)).toEqual(new Set(refresh.moved.map(id)));
    expect(new Set(diff.status)).toEqual(new Set(refresh.statusChanged.map(id)));
    expect(new Set(diff.added)).toEqual(new Set(refresh.added.map((i) => week2.voterAt(i).stateVoterId)));
    for (const index of refresh.added) {
      const voter = week2.voterAt(index);
      expect(voter.registrationDate > week1.asOf).toBe(true);
      expect(week2.indexOf(voter.stateVoterId)).toBe(index);
      expect(week2.participation(index)).toEqual([]);
    }
    for (const index of refresh.removed) {
      expect(week2.has(index)).toBe(false);
      expect(week2.indexOf(id(index))).toBeUndefined();
    }
    // Weeks chain.
    const week3 = nextWeek(week2, { seed: 2, removed: 0.01 });
    expect(week3.population.week).toBe(2);
    expect(week3.removed.every((index) => week2.has(index))).toBe(true);
  });
});

describe("generatePeople", () => {
  const population = createSyntheticPopulation({ seed: 55, voters: 30_000, householdRate: 0.1 });

  it("without noise, registered people are their voters exactly, unregistered ones are nobody", () => {
    const people = [...generatePeople(population, { seed: 1, count: 4_000 })];
    const registered = people.filter((p) => p.truth.voterIndex !== null);
    expect(registered.length / people.length).toBeCloseTo(0.85, 1);
    expect(new Set(registered.map((p) => p.truth.voterIndex)).size).toBe(registered.length);
    const phones = new Set([...population.voters()].map((v) => v.phone).filter((p) => p !== null));
    for (const person of people) {
      expect(person.email).toMatch(/^[a-z.]+\d+@example\.(org|com|net)$/u);
      expect(person.truth.noise).toEqual([]);
      const digits = person.phone.replace(/\D/gu, "").replace(/^1(?=\d{10}$)/u, "");
      if (person.truth.voterIndex === null) {
        expect(person.truth.stateVoterId).toBeNull();
        expect(phones.has(digits)).toBe(false);
        continue;
      }
      const voter = population.voterAt(person.truth.voterIndex);
      expect(person.truth.stateVoterId).toBe(voter.stateVoterId);
      expect([person.givenName, person.familyName, person.additionalName]).toEqual([
        voter.givenName,
        voter.familyName,
        voter.middleName,
      ]);
      expect(person.birthdate).toBe(voter.birthdate);
      expect(person.zip).toBe(voter.residence.zip);
      expect(person.street.toUpperCase()).toBe(voter.residence.line1);
      if (voter.phone !== null) expect(digits).toBe(voter.phone);
    }
    expect(emailsUnique(people.map((p) => p.email))).toBe(true);
  });

  it("applies each kind of noise and records it", () => {
    const noise = {
      nicknames: 0.3,
      typos: 0.2,
      transposedNames: 0.05,
      moved: 0.1,
      missingBirthdate: 0.1,
      birthYearOnly: 0.2,
      missingMiddle: 0.3,
      accentsStripped: 0.5,
      apartmentVariants: 0.5,
      sharedHouseholdPhone: 0.5,
    };
    const counts: Record<string, number> = {};
    for (const person of generatePeople(population, { seed: 2, count: 6_000, noise })) {
      const index = person.truth.voterIndex;
      for (const kind of person.truth.noise) counts[kind] = (counts[kind] ?? 0) + 1;
      if (index === null) continue;
      const voter = population.voterAt(index);
      const kinds = new Set(person.truth.noise);
      const [given, family] = kinds.has("transposedNames")
        ? [person.familyName, person.givenName]
        : [person.givenName, person.familyName];
      if (kinds.has("nicknames") && !kinds.has("typos")) {
        expect(areNicknameEquivalent(given, voter.givenName)).toBe(true);
        expect(nameMatchKey(given)).not.toBe(nameMatchKey(voter.givenName));
      }
      if (!kinds.has("typos") && !kinds.has("nicknames")) {
        expect(nameMatchKey(given)).toBe(nameMatchKey(voter.givenName));
        expect(nameMatchKey(family)).toBe(nameMatchKey(voter.familyName));
      }
      if (kinds.has("accentsStripped")) expect(`${given}${family}`).toMatch(/^[\p{ASCII}]*$/u);
      if (kinds.has("moved")) expect(person.street.toUpperCase()).not.toBe(voter.residence.line1);
      if (kinds.has("missingBirthdate")) expect(person.birthdate).toBe("");
      if (kinds.has("birthYearOnly")) expect(person.birthdate).toBe(String(voter.birthYear));
      if (kinds.has("missingMiddle")) expect(person.additionalName).toBe("");
      if (kinds.has("apartmentVariants")) {
        expect(person.street.toUpperCase()).not.toBe(voter.residence.line1);
        expect(person.street.toUpperCase().startsWith(voter.residence.street)).toBe(true);
      }
      if (kinds.has("sharedHouseholdPhone")) {
        const digits = person.phone.replace(/\D/gu, "").slice(-10);
        expect(digits).not.toBe(voter.phone);
        const others = population.household(index).filter((member) => member !== index);
        expect(others.map((member) => population.voterAt(member).phone)).toContain(digits);
      }
    }
    for (const kind of Object.keys(noise)) expect(counts[kind], kind).toBeGreaterThan(10);
  });

  it("streams 100,000 people against a million voters", () => {
    const big = createSyntheticPopulation({ seed: 6, voters: 1_000_000 });
    let registered = 0;
    let last: string | null = null;
    for (const person of generatePeople(big, { seed: 1, count: 100_000 })) {
      if (person.truth.voterIndex !== null) registered++;
      last = person.truth.stateVoterId ?? last;
    }
    expect(registered / 100_000).toBeCloseTo(0.85, 2);
    expect(big.indexOf(last ?? "")).toBeDefined();
  });

  it("writes a people CSV and returns the truth by data row", async () => {
    const people = [...generatePeople(population, { seed: 3, count: 500, noise: { apartmentVariants: 1 } })];
    const summary = await writePeopleCsv(file("people.csv"), people);
    const lines = readFileSync(summary.path, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe(PEOPLE_CSV_HEADER.join(","));
    expect(summary.rows).toBe(500);
    expect(lines).toHaveLength(501);
    // A street with a comma is quoted.
    expect(lines.some((line) => /,"[^",]+, Apartment [^",]+",/u.test(line))).toBe(true);
    for (const [index, person] of people.entries()) {
      expect(summary.truth.get(index + 1)).toEqual(person.truth);
      expect(lines[index + 1]).toContain(person.email);
    }
  });
});

describe("typo", () => {
  it("changes a name by one keystroke, keeping its case", () => {
    const rng = new Rng(1);
    for (const name of ["SMITH", "garcia", "Lee", "O'BRIEN", "AL"]) {
      for (let i = 0; i < 50; i++) {
        const result = typo(name, rng);
        expect(result).not.toBe(name);
        expect(Math.abs(result.length - name.length)).toBeLessThanOrEqual(1);
        if (name === name.toUpperCase()) expect(result).toBe(result.toUpperCase());
      }
    }
  });
});

function emailsUnique(emails: string[]): boolean {
  return new Set(emails).size === emails.length;
}
