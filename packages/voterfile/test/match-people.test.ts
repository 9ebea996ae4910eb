import { NotFoundError, type Precinct, PrecinctError } from "@precinct/core";
import { beforeEach, describe, expect, it } from "vitest";
import { matchPeople } from "../src/match/match-people.js";
import { confirmMatch, rejectMatch, reviewQueue } from "../src/match/review-queue.js";
import { addVoter, forEachDatabase } from "./match-support.js";

forEachDatabase("matchPeople", (db) => {
  let precinct: Precinct;
  const voters: Record<string, string> = {};

  beforeEach(async () => {
    precinct = await db().client();
    const add = async (label: string, voter: Parameters<typeof addVoter>[1]) => {
      voters[label] = (await addVoter(precinct, voter)).id;
    };
    await add("william", {
      givenName: "WILLIAM",
      familyName: "OKAFOR",
      birthYear: 1980,
      street: "12 OAK ST",
      zip: "27601",
    });
    await add("grace", {
      givenName: "GRACE",
      familyName: "OKAFOR",
      birthYear: 1982,
      street: "12 OAK ST",
      zip: "27601",
    });
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
  });

  const person = async (input: Parameters<Precinct["people"]["upsert"]>[0]) =>
    (await precinct.people.upsert(input)).person.id;
  const rows = (personId: string) =>
    precinct.storage.db
      .selectFrom("voterMatch")
      .select(["voterId", "status", "rule", "score"])
      .where("personId", "=", personId)
      .orderBy("voterId")
      .execute();

  it("links sure matches, queues ambiguous ones and leaves strangers alone", async () => {
    const bill = await person({
      givenName: "Bill",
      familyName: "Okafor",
      birthYear: 1980,
      postalAddresses: [{ addressLines: ["12 Oak St"], postalCode: "27601" }],
    });
    const pat = await person({
      givenName: "Pat",
      familyName: "Quesada",
      birthYear: 1970,
      emailAddresses: [{ address: "pat@example.org" }],
    });
    const stranger = await person({ givenName: "Zelda", familyName: "Fitzgerald", birthYear: 1900 });

    const summary = await matchPeople(precinct);
    expect(summary).toEqual({ people: 3, linked: 1, review: 1, unmatched: 1, alreadyLinked: 0 });
    expect((await precinct.voters.get(voters.william!))!.personId).toBe(bill);
    expect(await rows(bill)).toEqual([
      expect.objectContaining({ voterId: voters.william, status: "linked", rule: "fuzzy" }),
    ]);
    expect((await rows(pat)).map((row) => row.status)).toEqual(["review", "review"]);
    expect(await rows(stranger)).toEqual([]);

    const queue = await reviewQueue(precinct);
    expect(queue).toHaveLength(1);
    expect(queue[0]!.person.id).toBe(pat);
    expect(queue[0]!.candidates.map((candidate) => candidate.voter.id).sort()).toEqual(
      [voters.pat1, voters.pat2].sort(),
    );
    expect(queue[0]!.candidates[0]!.reasons).toContain("given_name:nickname");
  });

  it("is idempotent: a re-run keeps links and stores the same rows", async () => {
    const bill = await person({
      givenName: "Bill",
      familyName: "Okafor",
      birthYear: 1980,
      postalAddresses: [{ addressLines: ["12 Oak St"], postalCode: "27601" }],
    });
    const pat = await person({ givenName: "Pat", familyName: "Quesada", birthYear: 1970 });
    await matchPeople(precinct);
    const before = [...(await rows(bill)), ...(await rows(pat))];
    // Without personIds only people without a linked voter are considered; with them, linked people count.
    expect(await matchPeople(precinct)).toEqual({
      people: 1,
      linked: 0,
      review: 1,
      unmatched: 0,
      alreadyLinked: 0,
    });
    expect(await matchPeople(precinct, { personIds: [bill, pat] })).toEqual({
      people: 2,
      linked: 0,
      review: 1,
      unmatched: 0,
      alreadyLinked: 1,
    });
    expect([...(await rows(bill)), ...(await rows(pat))]).toEqual(before);
  });

  it("keeps an existing link even when another voter would score higher", async () => {
    const grace = await person({
      givenName: "Grace",
      familyName: "Okafor",
      postalAddresses: [{ addressLines: ["12 Oak St"], postalCode: "27601" }],
    });
    await precinct.voters.link(voters.pat1!, grace);
    expect(await matchPeople(precinct, { personIds: [grace] })).toMatchObject({
      alreadyLinked: 1,
      linked: 0,
    });
    expect((await precinct.voters.get(voters.grace!))!.personId).toBeNull();
    expect((await precinct.voters.get(voters.pat1!))!.personId).toBe(grace);
  });

  it("sends a voter already linked to someone else to review", async () => {
    const first = await person({
      givenName: "Grace",
      familyName: "Okafor",
      emailAddresses: [{ address: "grace@example.org" }],
    });
    await precinct.voters.link(voters.grace!, first);
    const duplicate = await person({
      givenName: "Grace",
      familyName: "Okafor",
      postalAddresses: [{ addressLines: ["12 Oak St"], postalCode: "27601" }],
    });
    expect(await matchPeople(precinct, { personIds: [duplicate] })).toMatchObject({ review: 1, linked: 0 });
    expect((await precinct.voters.get(voters.grace!))!.personId).toBe(first);
  });

  it("links a voter to one of two duplicate records in one run and queues the other", async () => {
    const address = [{ addressLines: ["12 Oak St"], postalCode: "27601" }];
    const first = await person({
      givenName: "Grace",
      familyName: "Okafor",
      postalAddresses: address,
      identifiers: ["crm:1"],
    });
    const second = await person({
      givenName: "Grace",
      familyName: "Okafor",
      postalAddresses: address,
      identifiers: ["crm:2"],
    });
    expect(first).not.toBe(second);
    expect(await matchPeople(precinct, { personIds: [first, second] })).toMatchObject({
      linked: 1,
      review: 1,
    });
    expect((await precinct.voters.get(voters.grace!))!.personId).toBe(first);
    expect(await rows(second)).toEqual([
      expect.objectContaining({ voterId: voters.grace, status: "review" }),
    ]);
  });

  it("confirms a candidate: links it and rejects the others for good", async () => {
    const pat = await person({ givenName: "Pat", familyName: "Quesada", birthYear: 1970 });
    await matchPeople(precinct);
    const linked = await confirmMatch(precinct, pat, voters.pat2!);
    expect(linked.personId).toBe(pat);
    const decided = await rows(pat);
    expect(decided).toHaveLength(2);
    expect(decided).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ voterId: voters.pat1, status: "rejected" }),
        expect.objectContaining({ voterId: voters.pat2, status: "linked" }),
      ]),
    );
    expect(await reviewQueue(precinct)).toEqual([]);
    expect(await matchPeople(precinct, { personIds: [pat] })).toMatchObject({ alreadyLinked: 1 });
  });

  it("never proposes a rejected pair again, and unlinks a rejected link", async () => {
    const pat = await person({ givenName: "Pat", familyName: "Quesada", birthYear: 1970 });
    await matchPeople(precinct);
    await rejectMatch(precinct, pat, voters.pat1!);
    // With one namesake rejected the other is no longer ambiguous.
    expect(await matchPeople(precinct, { personIds: [pat] })).toMatchObject({ linked: 1 });
    expect((await precinct.voters.get(voters.pat2!))!.personId).toBe(pat);
    expect((await rows(pat)).find((row) => row.voterId === voters.pat1)!.status).toBe("rejected");

    await rejectMatch(precinct, pat, voters.pat2!);
    expect((await precinct.voters.get(voters.pat2!))!.personId).toBeNull();
    expect(await matchPeople(precinct, { personIds: [pat] })).toMatchObject({
      unmatched: 1,
      linked: 0,
      review: 0,
    });
    expect((await rows(pat)).map((row) => row.status)).toEqual(["rejected", "rejected"]);
  });

  it("records a manual decision on a pair matching never proposed", async () => {
    const grace = await person({ givenName: "Grace", familyName: "Okafor" });
    await rejectMatch(precinct, grace, voters.william!);
    expect(await rows(grace)).toEqual([
      expect.objectContaining({ voterId: voters.william, status: "rejected", rule: "manual" }),
    ]);
    await confirmMatch(precinct, grace, voters.grace!);
    expect((await rows(grace)).find((row) => row.voterId === voters.grace)).toMatchObject({
      status: "linked",
      rule: "manual",
      score: 1,
    });
    const other = await person({ givenName: "Someone", familyName: "Else" });
    await expect(confirmMatch(precinct, other, voters.grace!)).rejects.toSatisfy((error) =>
      PrecinctError.hasCode(error, "conflict"),
    );
  });

  describe("organizations", () => {
    it("matches, queues and decides within one organization only", async () => {
      const other = await db().client();
      const stranger = (
        await other.people.upsert({
          givenName: "William",
          familyName: "Okafor",
          birthYear: 1980,
          postalAddresses: [{ addressLines: ["12 Oak St"], postalCode: "27601" }],
        })
      ).person.id;
      expect(await matchPeople(other)).toMatchObject({ people: 1, unmatched: 1 });
      await expect(confirmMatch(other, stranger, voters.william!)).rejects.toBeInstanceOf(NotFoundError);
      await expect(confirmMatch(precinct, stranger, voters.william!)).rejects.toBeInstanceOf(NotFoundError);
      expect(await reviewQueue(other)).toEqual([]);
      expect((await precinct.voters.get(voters.william!))!.personId).toBeNull();
    });
  });
});
