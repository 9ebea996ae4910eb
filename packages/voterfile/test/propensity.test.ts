import type { Precinct } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { computeTurnoutPropensity, newAndInfrequentVoters } from "../src/propensity/index.js";

// Synthetic voters only.

type Votes = string[];

/** Creates elections by key (`g2024` = general of 2024-11-05, `p2024` = primary of 2024-03-05). */
async function elections(p: Precinct) {
  const ids: Record<string, string> = {};
  for (const [key, date, type] of [
    ["g2018", "2018-11-06", "general"],
    ["g2020", "2020-11-03", "general"],
    ["g2022", "2022-11-08", "general"],
    ["g2024", "2024-11-05", "general"],
    ["p2022", "2022-03-08", "primary"],
    ["p2024", "2024-03-05", "primary"],
  ] as const) {
    ids[key] = (await p.voters.election({ date, type })).id;
  }
  return ids;
}

async function voter(
  p: Precinct,
  ids: Record<string, string>,
  name: string,
  fields: { registrationDate?: string; status?: "active" | "inactive" | "removed" | "denied" },
  votes: Votes,
) {
  const { voter } = await p.voters.upsert({
    state: "NC",
    stateVoterId: name,
    givenName: name,
    status: "active",
    ...fields,
  });
  for (const key of votes) await p.voters.recordVote({ voterId: voter.id, electionId: ids[key]! });
  return voter.id;
}

async function scores(p: Precinct): Promise<Record<string, number | null>> {
  const rows = await p.storage.db
    .selectFrom("voter")
    .select(["givenName", "turnoutPropensity"])
    .where("organizationId", "=", p.organization.id)
    .execute();
  return Object.fromEntries(rows.map((row) => [row.givenName, row.turnoutPropensity]));
}

forEachDatabase("turnout propensity", (db) => {
  it("matches hand-computed scores: decay, eligibility, the Beta prior", async () => {
    const p = await db().client();
    const ids = await elections(p);
    // Generals newest first weigh 1, 0.8, 0.64, 0.512 (decay 0.8); the 4 elections total 2.952.
    await voter(p, ids, "Always", { registrationDate: "2010-01-01" }, ["g2018", "g2020", "g2022", "g2024"]);
    await voter(p, ids, "Never", { registrationDate: "2010-01-01" }, []);
    // Registered 2021: eligible for 2022 and 2024 only (1.8); voted 2024 (1).
    await voter(p, ids, "Recent", { registrationDate: "2021-01-01" }, ["g2024"]);
    // Registered after the last general: eligible for nothing, gets the mean.
    await voter(p, ids, "New", { registrationDate: "2025-01-01" }, []);
    // No registration date: eligible for all four; voted 2020 (0.64).
    await voter(p, ids, "Undated", {}, ["g2020"]);
    // Re-registered 2023 but voted 2022 and 2024: the 2022 ballot proves eligibility (1.8 of 1.8).
    await voter(p, ids, "Moved", { registrationDate: "2023-01-01" }, ["g2022", "g2024"]);
    // Registered on election day 2024: not eligible for it ("registered before election day"), nor for any
    // earlier election.
    await voter(p, ids, "SameDay", { registrationDate: "2024-11-05" }, []);
    // A primary ballot does not count unless primaries are asked for.
    await voter(p, ids, "Primary", { registrationDate: "2025-01-01" }, ["p2024"]);

    const summary = await computeTurnoutPropensity(p);
    expect(summary.elections.map((e) => [e.date, e.weight])).toEqual([
      ["2024-11-05", 1],
      ["2022-11-08", 0.8],
      ["2020-11-03", 0.64],
      ["2018-11-06", 0.512],
    ]);
    // Σ voted = 2.952 + 1 + 0.64 + 1.8 = 6.392; Σ eligible = 2.952·3 + 1.8 + 1.8 = 12.456.
    const mean = 6.392 / 12.456;
    expect(summary.mean).toBeCloseTo(mean, 12);
    expect(summary).toMatchObject({ voters: 8, changed: 8, withoutHistory: 3, priorStrength: 2 });

    const m = 2;
    const expected = {
      Always: (2.952 + m * mean) / (2.952 + m),
      Never: (0 + m * mean) / (2.952 + m),
      Recent: (1 + m * mean) / (1.8 + m),
      New: mean,
      Undated: (0.64 + m * mean) / (2.952 + m),
      Moved: (1.8 + m * mean) / (1.8 + m),
      SameDay: mean,
      Primary: mean,
    };
    const actual = await scores(p);
    for (const [name, score] of Object.entries(expected)) expect(actual[name], name).toBeCloseTo(score, 12);
    // Literal values, for a reader checking by hand: μ = 6.392 / 12.456 = 0.513166…, m·μ = 1.026333
    expect(actual.New).toBeCloseTo(0.513166, 6);
    expect(actual.Always).toBeCloseTo(0.803379, 6); // (2.952 + 1.026333) / 4.952
    expect(actual.Never).toBeCloseTo(0.207256, 6); // 1.026333 / 4.952

    // Scores are usable in segments at once.
    expect(await p.segments.count({ turnoutPropensity: { min: 0.7 } })).toBe(2); // Always 0.80, Moved 0.74
    // Re-running without changes rewrites nothing.
    expect((await computeTurnoutPropensity(p)).changed).toBe(0);
  });

  it("counts primaries at a lower weight when asked, and honours generals, decay, prior strength and asOf", async () => {
    const p = await db().client();
    const ids = await elections(p);
    await voter(p, ids, "A", { registrationDate: "2010-01-01" }, ["g2024", "p2024"]);
    await voter(p, ids, "B", { registrationDate: "2010-01-01" }, ["g2022"]);

    const withPrimaries = await computeTurnoutPropensity(p, {
      generals: 2,
      primaries: { last: 1, weight: 0.5 },
      decay: 0.5,
      priorStrength: 1,
    });
    expect(withPrimaries.elections.map((e) => [e.type, e.date, e.weight])).toEqual([
      ["general", "2024-11-05", 1],
      ["general", "2022-11-08", 0.5],
      ["primary", "2024-03-05", 0.5],
    ]);
    // Each voter: eligible 2.0. A voted 1.5, B 0.5 → μ = 0.5; score = (voted + 0.5) / 3.
    expect(withPrimaries.mean).toBeCloseTo(0.5, 12);
    let actual = await scores(p);
    expect(actual.A).toBeCloseTo(2 / 3, 12);
    expect(actual.B).toBeCloseTo(1 / 3, 12);

    // As of mid-2024 the 2024 general has not happened: the last two generals are 2022 and 2020.
    const asOf = await computeTurnoutPropensity(p, {
      generals: 2,
      decay: 0.5,
      priorStrength: 1,
      asOf: "2024-06-01",
    });
    expect(asOf.elections.map((e) => e.date)).toEqual(["2022-11-08", "2020-11-03"]);
    // Eligible 1.5 each; A voted 0, B voted 1 → μ = 1/3.
    actual = await scores(p);
    expect(actual.A).toBeCloseTo((0 + 1 / 3) / 2.5, 12);
    expect(actual.B).toBeCloseTo((1 + 1 / 3) / 2.5, 12);
  });

  it("without elections scores are cleared, and options are checked", async () => {
    const p = await db().client();
    await p.voters.upsert({ state: "NC", stateVoterId: "Z", givenName: "Z" });
    const summary = await computeTurnoutPropensity(p);
    expect(summary).toMatchObject({ elections: [], voters: 1, mean: null });
    expect((await scores(p)).Z).toBeNull();
    await expect(computeTurnoutPropensity(p, { decay: 0 })).rejects.toMatchObject({ field: "options.decay" });
    await expect(computeTurnoutPropensity(p, { priorStrength: 0 })).rejects.toMatchObject({
      field: "options.priorStrength",
    });
    await expect(computeTurnoutPropensity(p, { generals: 2.5 })).rejects.toMatchObject({
      field: "options.generals",
    });
    await expect(computeTurnoutPropensity(p, { asOf: "2024-13-01" })).rejects.toMatchObject({
      field: "options.asOf",
    });
    await expect(computeTurnoutPropensity(p, { weights: 1 } as never)).rejects.toMatchObject({
      field: "options.weights",
    });
  });

  it("scores only the client's organization, from its own elections", async () => {
    const p = await db().client();
    const other = await db().client();
    const ids = await elections(p);
    const otherIds = await elections(other);
    await voter(p, ids, "Mine", { registrationDate: "2010-01-01" }, ["g2024"]);
    await voter(other, otherIds, "Theirs", { registrationDate: "2010-01-01" }, [
      "g2018",
      "g2020",
      "g2022",
      "g2024",
    ]);
    await computeTurnoutPropensity(p);
    expect((await scores(other)).Theirs).toBeNull();
    // μ comes from "Mine" alone: 1 / 2.952.
    expect((await computeTurnoutPropensity(p)).mean).toBeCloseTo(1 / 2.952, 12);
  });

  describe("newAndInfrequentVoters", () => {
    it("selects exactly new registrants and infrequent voters with an active or inactive status", async () => {
      const p = await db().client();
      const ids = await elections(p);
      const today = new Date().toISOString().slice(0, 10);
      const all = ["g2018", "g2020", "g2022", "g2024"];
      await voter(p, ids, "Regular", { registrationDate: "2010-01-01" }, all);
      await voter(p, ids, "TwoOfFour", { registrationDate: "2010-01-01" }, ["g2018", "g2024"]);
      await voter(p, ids, "OneOfFour", { registrationDate: "2010-01-01" }, ["g2022", "p2024", "p2022"]);
      await voter(p, ids, "NoneOfFour", { registrationDate: "2010-01-01" }, []);
      await voter(p, ids, "InactiveOne", { registrationDate: "2010-01-01", status: "inactive" }, ["g2024"]);
      await voter(p, ids, "RemovedNone", { registrationDate: "2010-01-01", status: "removed" }, []);
      await voter(p, ids, "DeniedNone", { registrationDate: "2010-01-01", status: "denied" }, []);
      // Registered since the last general (2024-11-05); re-registrations may carry older ballots.
      await voter(p, ids, "NewSinceGeneral", { registrationDate: "2025-03-01" }, ["g2020", "g2022", "g2024"]);
      await voter(p, ids, "NewThisMonth", { registrationDate: today }, ["g2020", "g2022", "g2024"]);
      await voter(p, ids, "ElectionDay", { registrationDate: "2024-11-05" }, []);
      await voter(p, ids, "UndatedTwo", {}, ["g2022", "g2024"]);

      const names = async (filter: ReturnType<typeof newAndInfrequentVoters>) => {
        const out: string[] = [];
        for await (const member of p.segments.members(filter, { fields: ["givenName"] }))
          out.push(member.givenName!);
        return out.sort();
      };
      expect(await names(newAndInfrequentVoters())).toEqual([
        "ElectionDay",
        "InactiveOne",
        "NewSinceGeneral",
        "NewThisMonth",
        "NoneOfFour",
        "OneOfFour",
      ]);
      // "New" as the last three months instead of since the last general.
      expect(await names(newAndInfrequentVoters({ months: 3 }))).toEqual([
        "ElectionDay",
        "InactiveOne",
        "NewThisMonth",
        "NoneOfFour",
        "OneOfFour",
      ]);
      // Voted in none of the last two generals (2022, 2024), or new.
      expect(await names(newAndInfrequentVoters({ lastGenerals: 2, atMost: 0 }))).toEqual([
        "ElectionDay",
        "NewSinceGeneral",
        "NewThisMonth",
        "NoneOfFour",
      ]);
      // It saves and reloads like any filter.
      const saved = await p.segments.create({ name: "New and infrequent", filter: newAndInfrequentVoters() });
      expect(await p.segments.count(saved.id)).toBe(6);
    });

    it("is a plain filter and checks its options", () => {
      expect(newAndInfrequentVoters()).toEqual({
        status: ["active", "inactive"],
        any: [
          { registeredSince: { lastElection: "general" } },
          { voted: { type: "general", last: 4, atMost: 1 } },
        ],
      });
      expect(() => newAndInfrequentVoters({ months: 0 })).toThrow(/months/);
      expect(() => newAndInfrequentVoters({ atMost: -1 })).toThrow(/atMost/);
    });
  });
});
