import { addressMatchKey, nameMatchKey } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { decide, type MatchCandidate } from "../src/match/decide.js";
import type { PersonLike } from "../src/match/person-like.js";
import { scoreCandidate } from "../src/match/score.js";
import { editDistance, isLikelyTypo, jaroWinkler } from "../src/match/similarity.js";
import type { MatchStats } from "../src/match/stats.js";
import type { MatchVoter } from "../src/match/subject.js";

let counter = 0;

/** A candidate voter row, keys computed as the importer computes them. */
function voter(v: {
  given: string;
  family: string;
  middle?: string;
  suffix?: string;
  year?: number;
  date?: string;
  street?: string;
  zip?: string;
  phone?: string;
  state?: string;
  id?: string;
}): MatchVoter {
  counter++;
  const key = v.street ? addressMatchKey({ addressLines: [v.street] }).split("|")[0]! : null;
  return {
    id: `v${counter}`,
    state: v.state ?? "NC",
    stateVoterId: v.id ?? `ID${counter}`,
    personId: null,
    givenName: v.given,
    familyName: v.family,
    additionalName: v.middle ?? null,
    honorificSuffix: v.suffix ?? null,
    givenKey: nameMatchKey(v.given),
    familyKey: nameMatchKey(v.family),
    birthYear: v.year ?? (v.date ? Number(v.date.slice(0, 4)) : null),
    birthdate: v.date ?? null,
    zip5: v.zip ?? null,
    streetKey: key,
    phone: v.phone ?? null,
    removedAt: null,
  };
}

const home = { addressLines: ["12 Oak Street"], postalCode: "27601" };
const william = voter({
  given: "WILLIAM",
  middle: "ROBERT",
  family: "OKAFOR",
  year: 1980,
  street: "12 OAK ST",
  zip: "27601",
  phone: "+19195550101",
});

describe("string similarity", () => {
  it("computes Jaro–Winkler and Damerau–Levenshtein", () => {
    expect(jaroWinkler("martha", "marhta")).toBeCloseTo(0.961, 3);
    expect(jaroWinkler("dixon", "dicksonx")).toBeCloseTo(0.813, 3);
    expect(jaroWinkler("same", "same")).toBe(1);
    expect(jaroWinkler("", "abc")).toBe(0);
    expect(editDistance("smith", "smiht")).toBe(1);
    expect(editDistance("smith", "smyth")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("kitten", "sitting", 1)).toBe(2);
  });

  it("calls one keystroke a typo, not a short or distant name", () => {
    expect(isLikelyTypo("wiliam", "william")).toBe(true);
    expect(isLikelyTypo("okafro", "okafor")).toBe(true);
    expect(isLikelyTypo("christopher", "christohpre")).toBe(true);
    expect(isLikelyTypo("le", "lee")).toBe(true);
    expect(isLikelyTypo("al", "ai")).toBe(false);
    expect(isLikelyTypo("a", "b")).toBe(false);
    expect(isLikelyTypo("smith", "jones")).toBe(false);
    expect(isLikelyTypo("smith", "smith")).toBe(false);
  });
});

describe("scoreCandidate", () => {
  it("auto-links a nickname with the same birth year and address", () => {
    const result = scoreCandidate(
      { givenName: "Bill", familyName: "Okafor", birthYear: 1980, ...home },
      william,
    );
    expect(result.score).toBeGreaterThanOrEqual(0.9);
    expect(result.rule).toBe("fuzzy");
    expect(result.reasons).toEqual(
      expect.arrayContaining(["given_name:nickname", "family_name:exact", "birth:year_same", "address:same"]),
    );
  });

  it("scores a household member with the same surname, address, phone and birth year below review", () => {
    const person: PersonLike = {
      givenName: "Grace",
      familyName: "Okafor",
      birthYear: 1980,
      phone: "919-555-0101",
      ...home,
    };
    const result = scoreCandidate(person, william);
    expect(result.score).toBeLessThan(0.7);
    expect(result.reasons).toContain("given_name:differs");
  });

  it("scores a twin (same birth date, address and phone, other first name) below review", () => {
    const twin = voter({
      given: "JORDAN",
      family: "LEE",
      date: "1999-07-04",
      street: "4 ELM AVE",
      zip: "27605",
      phone: "+19195550202",
    });
    const person = {
      givenName: "Taylor",
      familyName: "Lee",
      birthdate: "1999-07-04",
      phone: "9195550202",
      addressLines: ["4 Elm Ave"],
      postalCode: "27605",
    };
    expect(scoreCandidate(person, twin).score).toBeLessThan(0.7);
  });

  it("scores the same name at the same address with another birth year below review (Jr./Sr.)", () => {
    const result = scoreCandidate(
      { givenName: "William", familyName: "Okafor", birthYear: 2005, ...home },
      william,
    );
    expect(result.score).toBeLessThan(0.7);
    expect(result.reasons).toContain("birth:differs");
    expect(result.rule).toBe("fuzzy");
    const suffixes = scoreCandidate(
      { givenName: "William", familyName: "Okafor Jr", ...home },
      { ...william, honorificSuffix: "SR" },
    );
    expect(suffixes.reasons).toContain("suffix:differs");
    expect(suffixes.score).toBeLessThan(0.7);
  });

  it("applies the deterministic rules first", () => {
    expect(
      scoreCandidate(
        { givenName: "Someone", identifiers: [`ncsbe:${william.stateVoterId.toLowerCase()}`] },
        william,
      ),
    ).toMatchObject({
      score: 1,
      rule: "state_voter_id",
    });
    expect(scoreCandidate({ givenName: "WILLIAM", familyName: "okafor", ...home }, william)).toMatchObject({
      rule: "name_street_zip",
    });
    const dated = voter({
      given: "ANA",
      family: "NÚÑEZ",
      date: "1975-11-30",
      street: "1 LAKE DR",
      zip: "43215",
      state: "OH",
    });
    const byDate = scoreCandidate({ givenName: "Ana", familyName: "Nunez", birthdate: "11/30/1975" }, dated);
    expect(byDate.rule).toBe("name_birthdate");
    expect(byDate.score).toBeGreaterThanOrEqual(0.99);
    // A contradicting middle initial stops the rule.
    expect(
      scoreCandidate({ givenName: "William", additionalName: "T", familyName: "Okafor", ...home }, william)
        .rule,
    ).toBe("fuzzy");
  });

  it("reads transposed names, typos, middle names used as first names and apartment variants", () => {
    expect(
      scoreCandidate({ givenName: "Okafor", familyName: "William", birthYear: 1980, ...home }, william)
        .reasons,
    ).toContain("names:transposed");
    expect(
      scoreCandidate({ givenName: "Willaim", familyName: "Okafor", birthYear: 1980, ...home }, william)
        .reasons,
    ).toContain("given_name:typo");
    expect(
      scoreCandidate({ givenName: "Robert", familyName: "Okafor", birthYear: 1980, ...home }, william)
        .reasons,
    ).toContain("given_name:middle");
    const flat = voter({
      given: "ANA",
      family: "RUIZ",
      year: 1990,
      street: "300 BIRCH LN APT 4B",
      zip: "27603",
    });
    const variant = scoreCandidate(
      {
        givenName: "Ana",
        familyName: "Ruiz",
        birthYear: 1990,
        addressLines: ["300 Birch Lane #4B"],
        postalCode: "27603",
      },
      flat,
    );
    expect(variant.reasons).toContain("address:same");
    const noUnit = scoreCandidate(
      {
        givenName: "Ana",
        familyName: "Ruiz",
        birthYear: 1990,
        addressLines: ["300 Birch Lane"],
        postalCode: "27603",
      },
      flat,
    );
    expect(noUnit.reasons).toContain("address:unit_variant");
    expect(noUnit.score).toBeGreaterThanOrEqual(0.9);
  });

  it("weighs a common name less than a rare one", () => {
    const stats: MatchStats = {
      voters: 1_000_000,
      givenCounts: new Map([
        ["james", 27_000],
        ["yesenia", 150],
      ]),
      familyCounts: new Map([
        ["smith", 25_000],
        ["pham", 800],
      ]),
      zipCounts: new Map(),
    };
    const mover = { birthYear: 1980, addressLines: ["9 New St"], postalCode: "28202" };
    const common = scoreCandidate(
      { givenName: "James", familyName: "Smith", ...mover },
      voter({ given: "JAMES", family: "SMITH", year: 1980, street: "1 A ST", zip: "27601" }),
      { stats },
    );
    const rare = scoreCandidate(
      { givenName: "Yesenia", familyName: "Pham", ...mover },
      voter({ given: "YESENIA", family: "PHAM", year: 1980, street: "1 A ST", zip: "27601" }),
      { stats },
    );
    expect(common.score).toBeLessThan(0.7);
    expect(rare.score).toBeGreaterThanOrEqual(0.9);
  });

  it("accepts a stored Voter as well as a candidate row, and ignores values it cannot read", () => {
    const result = scoreCandidate(
      {
        givenName: "Bill",
        familyName: "Okafor",
        birthYear: "1980",
        phone: "not a phone",
        postalCode: "ABC",
        addressLines: ["12 Oak St"],
      },
      {
        ...william,
        stateVoterId: "X1",
        organizationId: "o",
        createdAt: "",
        updatedAt: "",
        countyVoterId: null,
        county: null,
        status: "active",
        statusReason: null,
        registrationDate: null,
        party: null,
        gender: null,
        race: null,
        ethnicity: null,
        residentialAddress: {
          addressLines: ["12 OAK ST"],
          locality: null,
          region: "NC",
          postalCode: "27601",
          country: "US",
          primary: true,
          addressType: "home",
          status: "unknown",
        },
        mailingAddress: null,
        precinct: null,
        districts: {},
        turnoutPropensity: null,
      } as never,
    );
    expect(result.reasons).toContain("given_name:nickname");
  });
});

describe("decide", () => {
  const candidate = (score: number, rule: MatchCandidate["rule"] = "fuzzy"): MatchCandidate => {
    counter++;
    return {
      voterId: `v${counter}`,
      state: "NC",
      stateVoterId: `S${counter}`,
      personId: null,
      score,
      rule,
      reasons: [],
    };
  };

  it("links a clear winner, reviews a close call, leaves the rest unmatched", () => {
    expect(decide([candidate(0.99), candidate(0.2)]).decision).toBe("linked");
    const close = decide([candidate(0.97), candidate(0.95)]);
    expect(close.decision).toBe("review");
    expect(close.notes[0]).toMatch(/ambiguous: 2 candidates/);
    expect(decide([candidate(0.8)]).decision).toBe("review");
    expect(decide([candidate(0.5)])).toMatchObject({ decision: "unmatched", best: null });
    expect(decide([])).toMatchObject({ decision: "unmatched", best: null, confidence: 0 });
  });

  it("links a state voter id on its own, and reviews two", () => {
    expect(decide([candidate(1, "state_voter_id"), candidate(0.99)]).decision).toBe("linked");
    expect(decide([candidate(1, "state_voter_id"), candidate(1, "state_voter_id")]).decision).toBe("review");
  });

  it("checks the thresholds", () => {
    expect(decide([candidate(0.85)], { autoLinkAt: 0.8 }).decision).toBe("linked");
    expect(decide([candidate(0.85)], { autoLinkAt: 0.95, reviewAt: 0.9 }).decision).toBe("unmatched");
    expect(() => decide([], { autoLinkAt: 1.5 })).toThrow(/autoLinkAt/);
    expect(() => decide([], { autoLinkAt: 0.6, reviewAt: 0.7 })).toThrow(/reviewAt/);
  });
});
