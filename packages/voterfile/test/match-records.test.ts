import type { Precinct } from "@precinct/core";
import { beforeAll, describe, expect, it } from "vitest";
import { type MatchResult, matchRecords } from "../src/match/match-records.js";
import type { PersonLike } from "../src/match/person-like.js";
import { addVoter, collect, forEachDatabase } from "./match-support.js";

/**
 * One organization with households built to trip a matcher: a nickname, a family with twins sharing a
 * birth date, phone and address, a Jr./Sr. pair, namesakes in two towns, movers.
 */
forEachDatabase("matchRecords", (db) => {
  let precinct: Precinct;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    precinct = await db().client();
    const add = async (label: string, voter: Parameters<typeof addVoter>[1]) => {
      const stored = await addVoter(precinct, voter);
      ids[label] = stored.id;
      ids[`${label}:svid`] = stored.stateVoterId;
    };
    await add("william", {
      givenName: "WILLIAM",
      additionalName: "ROBERT",
      familyName: "OKAFOR",
      birthYear: 1980,
      street: "12 OAK ST",
      zip: "27601",
      phone: "+19195550101",
    });
    await add("grace", {
      givenName: "GRACE",
      familyName: "OKAFOR",
      birthYear: 1982,
      street: "12 OAK ST",
      zip: "27601",
      phone: "+19195550101",
    });
    // Twins: same birth date, address and phone; only the first name tells them apart.
    await add("jordan", {
      givenName: "JORDAN",
      familyName: "LINDQVIST",
      birthdate: "1999-07-04",
      street: "400 ELM AVE",
      unit: "APT 3",
      zip: "27605",
      phone: "+19195550202",
    });
    await add("taylor", {
      givenName: "TAYLOR",
      familyName: "LINDQVIST",
      birthdate: "1999-07-04",
      street: "400 ELM AVE",
      unit: "APT 3",
      zip: "27605",
      phone: "+19195550202",
    });
    // Father and son with one name at one address.
    await add("senior", {
      givenName: "MARCUS",
      familyName: "BRANNIGAN",
      honorificSuffix: "SR",
      birthYear: 1955,
      street: "7 PINE RD",
      zip: "27607",
    });
    await add("junior", {
      givenName: "MARCUS",
      familyName: "BRANNIGAN",
      honorificSuffix: "JR",
      birthYear: 1984,
      street: "7 PINE RD",
      zip: "27607",
    });
    // Namesakes in two towns, same birth year.
    await add("pat1", {
      givenName: "PATRICIA",
      familyName: "QUESADA",
      birthYear: 1970,
      street: "1 MAIN ST",
      zip: "27610",
    });
    await add("pat2", {
      givenName: "PATRICIA",
      familyName: "QUESADA",
      birthYear: 1970,
      street: "9 HILL DR",
      zip: "28202",
    });
    // A voter file with full birth dates (Ohio-like), for the name + birth date rule and movers.
    await add("nunez", {
      state: "OH",
      givenName: "JOSÉ",
      familyName: "NÚÑEZ",
      birthdate: "1975-11-30",
      street: "55 LAKE VIEW BLVD",
      zip: "43215",
    });
    await add("hyphen", {
      givenName: "ELENA",
      familyName: "GARCIA-LOPEZ",
      birthYear: 1990,
      street: "300 BIRCH LN",
      zip: "27603",
    });
    await add("ncid", { stateVoterId: "BX998877", givenName: "ROSA", familyName: "PARKS", birthYear: 1913 });
    await add("filler", {
      givenName: "ALEXANDER",
      familyName: "HAMILTON",
      birthYear: 1957,
      street: "1 WALL ST",
      zip: "27601",
    });
  });

  const one = async (person: PersonLike, options = {}): Promise<MatchResult> => {
    const [result] = await collect(matchRecords(precinct, [person], options));
    return result!;
  };

  describe("deterministic rules", () => {
    it("links by state voter id, whatever the names say", async () => {
      const result = await one({
        givenName: "R",
        familyName: "Parks-Smith",
        identifiers: ["ncsbe:BX998877"],
      });
      expect(result.decision).toBe("linked");
      expect(result.best).toMatchObject({ voterId: ids.ncid, rule: "state_voter_id", score: 1 });
    });

    it("links an identical name with the same birth date (accents stripped), at any address", async () => {
      const result = await one({
        givenName: "Jose",
        familyName: "Nunez",
        birthdate: "11/30/1975",
        addressLines: ["9 Somewhere Else Rd"],
        postalCode: "44101",
      });
      expect(result.decision).toBe("linked");
      expect(result.best).toMatchObject({ voterId: ids.nunez, rule: "name_birthdate" });
    });

    it("links an identical name at the same street address and ZIP, apartment spelled differently", async () => {
      const exact = await one({
        givenName: "Grace",
        familyName: "Okafor",
        addressLines: ["12 Oak Street"],
        postalCode: "27601",
      });
      expect(exact.decision).toBe("linked");
      expect(exact.best).toMatchObject({ voterId: ids.grace, rule: "name_street_zip" });
    });
  });

  describe("fuzzy evidence", () => {
    it("auto-links a nickname with the same birth year and address", async () => {
      const result = await one({
        givenName: "Bill",
        familyName: "Okafor",
        birthYear: 1980,
        addressLines: ["12 Oak St"],
        postalCode: "27601",
      });
      expect(result.decision).toBe("linked");
      expect(result.best!.voterId).toBe(ids.william);
      expect(result.best!.reasons).toContain("given_name:nickname");
      expect(result.confidence).toBeGreaterThanOrEqual(0.9);
    });

    it("links through a typo in the first name and one in the last name", async () => {
      const given = await one({
        givenName: "Wiliam",
        familyName: "Okafor",
        birthYear: 1980,
        addressLines: ["12 Oak St"],
        postalCode: "27601",
      });
      expect(given.decision).toBe("linked");
      expect(given.best!.reasons).toContain("given_name:typo");
      const family = await one({
        givenName: "William",
        familyName: "Okafro",
        birthYear: 1980,
        addressLines: ["12 Oak St"],
        postalCode: "27601",
      });
      expect(family.decision).toBe("linked");
      expect(family.best!.voterId).toBe(ids.william);
      expect(family.best!.reasons).toContain("family_name:typo");
    });

    it("links transposed first and last names", async () => {
      const result = await one({
        givenName: "Okafor",
        familyName: "William",
        birthYear: 1980,
        addressLines: ["12 Oak St"],
        postalCode: "27601",
      });
      expect(result.decision).toBe("linked");
      expect(result.best!.voterId).toBe(ids.william);
      expect(result.best!.reasons).toContain("names:transposed");
    });

    it("links a mover by name and birth year alone when the name is rare", async () => {
      const result = await one({
        givenName: "Elena",
        familyName: "Garcia-Lopez",
        birthdate: "1990-02-01",
        addressLines: ["88 New Pl"],
        postalCode: "27516",
      });
      expect(result.decision).toBe("linked");
      expect(result.best!.voterId).toBe(ids.hyphen);
      expect(result.best!.reasons).toEqual(
        expect.arrayContaining(["address:zip_differs", "birth:year_same"]),
      );
    });

    it("finds one part of a hyphenated surname", async () => {
      const result = await one({
        givenName: "Elena",
        familyName: "Garcia",
        birthYear: 1990,
        addressLines: ["300 Birch Lane"],
        postalCode: "27603",
      });
      expect(result.decision).toBe("linked");
      expect(result.best!.reasons).toContain("family_name:partial");
    });

    it("compares a birth year with a full birth date", async () => {
      const result = await one({
        givenName: "Jose",
        familyName: "Nunez",
        birthYear: 1975,
        addressLines: ["55 Lake View Blvd"],
        postalCode: "43215",
      });
      expect(result.best!.voterId).toBe(ids.nunez);
      expect(result.best!.reasons).toContain("birth:year_same");
      expect(result.decision).toBe("linked");
    });

    it("treats a contradicting birth year as strong evidence against", async () => {
      const result = await one({
        givenName: "William",
        familyName: "Okafor",
        birthYear: 1950,
        addressLines: ["12 Oak St"],
        postalCode: "27601",
      });
      expect(result.decision).not.toBe("linked");
      expect(result.candidates[0]!.reasons).toContain("birth:differs");
    });
  });

  describe("households", () => {
    it("tells twins apart by first name and never links the sibling", async () => {
      const jordan = await one({
        givenName: "Jordan",
        familyName: "Lindqvist",
        birthdate: "1999-07-04",
        addressLines: ["400 Elm Ave #3"],
        postalCode: "27605",
        phone: "919-555-0202",
      });
      expect(jordan.decision).toBe("linked");
      expect(jordan.best!.voterId).toBe(ids.jordan);
      const taylor = jordan.candidates.find((candidate) => candidate.voterId === ids.taylor);
      expect(taylor!.score).toBeLessThan(0.7);
    });

    it("scores an unregistered household member (same surname, address, phone, birth year) below review", async () => {
      const result = await one({
        givenName: "Casey",
        familyName: "Lindqvist",
        birthYear: 1999,
        addressLines: ["400 Elm Ave", "Apt 3"],
        postalCode: "27605",
        phone: "(919) 555-0202",
      });
      expect(result.decision).toBe("unmatched");
      for (const candidate of result.candidates) expect(candidate.score).toBeLessThan(0.7);
    });

    it("keeps Jr. and Sr. apart by birth year, and sends the pair to review without one", async () => {
      const junior = await one({
        givenName: "Marcus",
        familyName: "Brannigan",
        birthYear: 1984,
        addressLines: ["7 Pine Rd"],
        postalCode: "27607",
      });
      expect(junior.decision).toBe("linked");
      expect(junior.best!.voterId).toBe(ids.junior);
      const senior = junior.candidates.find((candidate) => candidate.voterId === ids.senior);
      expect(senior!.score).toBeLessThan(0.7);

      const unknown = await one({
        givenName: "Marcus",
        familyName: "Brannigan",
        addressLines: ["7 Pine Rd"],
        postalCode: "27607",
      });
      expect(unknown.decision).toBe("review");
      expect(unknown.notes.join(" ")).toMatch(/ambiguous/);
    });
  });

  describe("ambiguity and thresholds", () => {
    it("sends two equally good candidates to review instead of linking either", async () => {
      const result = await one({ givenName: "Patricia", familyName: "Quesada", birthYear: 1970 });
      expect(result.decision).toBe("review");
      expect(
        result.candidates
          .slice(0, 2)
          .map((candidate) => candidate.voterId)
          .sort(),
      ).toEqual([ids.pat1, ids.pat2].sort());
      expect(result.confidence).toBeLessThan(0.6);
    });

    it("moves decisions with the thresholds", async () => {
      const person = {
        givenName: "Bill",
        familyName: "Okafor",
        addressLines: ["12 Oak St"],
        postalCode: "27601",
      };
      const score = (await one(person)).best!.score;
      expect((await one(person, { autoLinkAt: Math.min(1, score + 0.001) })).decision).toBe("review");
      expect((await one(person, { autoLinkAt: 1, reviewAt: Math.min(1, score + 0.001) })).decision).toBe(
        "unmatched",
      );
      await expect(one(person, { autoLinkAt: 0.5, reviewAt: 0.8 })).rejects.toThrow(/reviewAt/);
    });

    it("leaves people who are not in the file unmatched and reports unreadable values", async () => {
      const result = await one({
        givenName: "Zelda",
        familyName: "Fitzgerald",
        birthYear: 1900,
        postalCode: "ABCDE",
        phone: "12",
      });
      expect(result.decision).toBe("unmatched");
      expect(result.best).toBeNull();
      expect(result.warnings.join(" ")).toMatch(/ZIP/);
      expect(result.warnings.join(" ")).toMatch(/phone/);
    });

    it("keeps input order and objects, with any iterable", async () => {
      async function* people() {
        yield {
          tag: 1,
          givenName: "Grace",
          familyName: "Okafor",
          addressLines: ["12 Oak St"],
          postalCode: "27601",
        };
        yield { tag: 2, givenName: "Nobody" };
      }
      const results = await collect(matchRecords(precinct, people(), { chunkSize: 1 }));
      expect(results.map((result) => result.input.tag)).toEqual([1, 2]);
      expect(results.map((result) => result.decision)).toEqual(["linked", "unmatched"]);
    });
  });

  it("never sees another organization's voters", async () => {
    const other = await db().client();
    const result = await collect(
      matchRecords(other, [
        { givenName: "Grace", familyName: "Okafor", addressLines: ["12 Oak St"], postalCode: "27601" },
      ]),
    );
    expect(result[0]!.decision).toBe("unmatched");
    expect(result[0]!.candidates).toEqual([]);
  });
});
