import { beforeAll, describe, expect, it } from "vitest";
import {
  InvalidInputError,
  NotFoundError,
  type Precinct,
  PrecinctError,
  parseSegmentFilter as parse,
  type SegmentFilter,
  type SegmentUniverse,
} from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";

// Synthetic voters only. Phone numbers use a real area code with made-up lines.
const PHONE = {
  ana: "+19192640101",
  ben: "+19192640102",
  cy: "+19192640103",
  eve: "+19192640105",
  eveCell: "+19192640106",
};

interface Fixture {
  p: Precinct;
  other: Precinct;
  elections: Record<string, string>;
  listId: string;
  eventId: string;
  petitionId: string;
}

/**
 * Six voters of one organization (and one of another):
 *
 * | voter | precinct | county  | status   | party | born       | registered | generals voted     | phone                  |
 * |-------|----------|---------|----------|-------|------------|------------|--------------------|------------------------|
 * | Ana   | P1       | WAKE    | active   | DEM   | 2000-06-15 | 2016-01-01 | 18 20 22 24 (+ pri) | file, mobile, opted in |
 * | Ben   | P2       | DURHAM  | inactive | REP   | 1950 (yr)  | 2025-02-01 | —                  | file, landline         |
 * | Cy    | P3       | WAKE    | active   | UNA   | 1990-01-01 | 2010-05-05 | 16 18              | person's mobile        |
 * | Dee   | P1       | WAKE    | removed  | DEM   | —          | 2000-01-01 | 20 22              | —                      |
 * | Eve   | P1       | DURHAM  | active   | DEM   | —          | —          | 22 24              | file opted out; cell   |
 * | Fay   | P2       | WAKE    | active   | DEM   | 2008-02-29 | 2024-12-01 | 24                 | —                      |
 *
 * Cy and Eve are linked to people; Hal is a person without a voter record.
 */
async function seed(p: Precinct, other: Precinct): Promise<Fixture> {
  const elections: Record<string, string> = {};
  for (const [key, date, type] of [
    ["g2016", "2016-11-08", "general"],
    ["g2018", "2018-11-06", "general"],
    ["g2020", "2020-11-03", "general"],
    ["g2022", "2022-11-08", "general"],
    ["g2024", "2024-11-05", "general"],
    ["p2024", "2024-03-05", "primary"],
    ["m2023", "2023-10-10", "municipal"],
  ] as const) {
    elections[key] = (await p.voters.election({ date, type })).id;
  }
  const voter = async (
    givenName: string,
    fields: Record<string, unknown>,
    votes: (string | { election: string; party?: string; method?: "early" })[] = [],
  ) => {
    const { voter } = await p.voters.upsert({
      state: "NC",
      stateVoterId: `NC-${givenName}`,
      givenName,
      familyName: "Tester",
      ...fields,
    });
    for (const vote of votes) {
      const { election, ...rest } = typeof vote === "string" ? { election: vote } : vote;
      await p.voters.recordVote({ voterId: voter.id, electionId: elections[election]!, ...rest });
    }
    return voter;
  };
  const ana = await voter(
    "Ana",
    {
      precinct: "P1",
      county: "WAKE",
      status: "active",
      party: "DEM",
      birthdate: "2000-06-15",
      registrationDate: "2016-01-01",
      phone: PHONE.ana,
      residentialAddress: {
        addressLines: ["1 Oak St"],
        locality: "Raleigh",
        region: "NC",
        postalCode: "27601",
      },
      districts: { stateHouse: "36", congressional: "2" },
    },
    ["g2018", "g2020", "g2022", "g2024", { election: "p2024", party: "DEM", method: "early" }],
  );
  await voter("Ben", {
    precinct: "P2",
    county: "DURHAM",
    status: "inactive",
    party: "REP",
    birthYear: 1950,
    registrationDate: "2025-02-01",
    phone: PHONE.ben,
    residentialAddress: { addressLines: ["2 Elm St"], locality: "Durham", region: "NC", postalCode: "27701" },
    districts: { stateHouse: "29" },
  });
  const cy = await voter(
    "Cy",
    {
      precinct: "P3",
      county: "WAKE",
      status: "active",
      party: "UNA",
      birthdate: "1990-01-01",
      registrationDate: "2010-05-05",
    },
    ["g2016", "g2018"],
  );
  const dee = await voter(
    "Dee",
    { precinct: "P1", county: "WAKE", status: "active", party: "DEM", registrationDate: "2000-01-01" },
    ["g2020", "g2022"],
  );
  await p.voters.markRemoved(dee.id);
  const eve = await voter(
    "Eve",
    { precinct: "P1", county: "DURHAM", status: "active", party: "DEM", phone: PHONE.eve },
    ["g2022", "g2024"],
  );
  const fay = await voter(
    "Fay",
    {
      precinct: "P2",
      county: "WAKE",
      status: "active",
      party: "DEM",
      birthdate: "2008-02-29",
      registrationDate: "2024-12-01",
    },
    ["g2024"],
  );
  for (const [id, score] of [
    [ana.id, 0.9],
    [cy.id, 0.3],
    [fay.id, 0.5],
  ] as const) {
    await p.storage.db.updateTable("voter").set({ turnoutPropensity: score }).where("id", "=", id).execute();
  }

  // Line types learned by lookup.
  const stamp = "2026-01-01T00:00:00.000Z";
  await p.storage.db
    .insertInto("phoneLineType")
    .values([
      {
        organizationId: p.organization.id,
        number: PHONE.ana,
        lineType: "mobile",
        source: "lookup",
        checkedAt: stamp,
      },
      {
        organizationId: p.organization.id,
        number: PHONE.ben,
        lineType: "landline",
        source: "lookup",
        checkedAt: stamp,
      },
      {
        organizationId: p.organization.id,
        number: PHONE.eveCell,
        lineType: "mobile",
        source: "lookup",
        checkedAt: stamp,
      },
    ])
    .execute();

  // People.
  const cyPerson = (
    await p.people.upsert({
      givenName: "Cy",
      familyName: "Tester",
      phoneNumbers: [{ number: PHONE.cy, lineType: "mobile" }],
      emailAddresses: [{ address: "cy@example.org" }],
      tags: ["volunteer", "spanish"],
    })
  ).person;
  await p.voters.link(cy.id, cyPerson.id);
  const evePerson = (
    await p.people.upsert({
      givenName: "Eve",
      familyName: "Tester",
      phoneNumbers: [{ number: PHONE.eveCell }],
      emailAddresses: [{ address: "eve@example.org" }],
      tags: ["volunteer"],
    })
  ).person;
  await p.voters.link(eve.id, evePerson.id);
  await p.people.upsert({ givenName: "Hal", familyName: "Nobody", tags: ["volunteer"] });

  // Consent: Ana opted in to texts; Eve's file number opted in, then out; Eve unsubscribed from email.
  await p.consent.record({ channel: "sms", contactPoint: PHONE.ana, kind: "opt_in", source: "form" });
  await p.consent.record({
    channel: "sms",
    contactPoint: PHONE.eve,
    kind: "opt_in",
    source: "form",
    occurredAt: "2025-01-01T00:00:00Z",
  });
  await p.consent.record({
    channel: "sms",
    contactPoint: PHONE.eve,
    kind: "opt_out",
    source: "keyword",
    occurredAt: "2025-02-01T00:00:00Z",
  });
  await p.consent.record({
    channel: "email",
    contactPoint: "eve@example.org",
    kind: "opt_out",
    source: "unsubscribe_link",
  });
  await p.consent.record({
    channel: "email",
    contactPoint: "cy@example.org",
    kind: "opt_in",
    source: "form",
  });

  // Engagement.
  const list = await p.lists.create({ name: "House meeting" });
  await p.lists.addMembers(list.id, [cyPerson.id]);
  const event = await p.events.create({ title: "Canvass launch", startDate: "2025-05-01T14:00:00.000Z" });
  await p.attendances.create({ eventId: event.id, personId: cyPerson.id, status: "attended" });
  await p.attendances.create({ eventId: event.id, personId: evePerson.id, status: "rsvp" });
  const petition = await p.petitions.create({ title: "Fund transit" });
  await p.signatures.create({
    petitionId: petition.id,
    personId: cyPerson.id,
    signedAt: "2025-04-01T12:00:00.000Z",
  });
  await p.interactions.create({
    personId: cyPerson.id,
    channel: "sms",
    outcome: "replied",
    occurredAt: "2025-06-01T18:00:00.000Z",
  });
  await p.interactions.create({
    personId: evePerson.id,
    channel: "canvass",
    outcome: "not_home",
    occurredAt: "2024-10-01T18:00:00.000Z",
  });

  // Another organization's voter in the same precinct, with the same phone as Ana.
  await other.voters.upsert({
    state: "NC",
    stateVoterId: "NC-Gus",
    givenName: "Gus",
    familyName: "Elsewhere",
    precinct: "P1",
    county: "WAKE",
    status: "active",
    party: "DEM",
    phone: PHONE.ana,
  });

  return { p, other, elections, listId: list.id, eventId: event.id, petitionId: petition.id };
}

forEachDatabase("segments", (db) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await seed(await db().client(), await db().client());
  });

  /** Given names of the members, sorted. */
  const names = async (filter: SegmentFilter, universe: SegmentUniverse = "voters") => {
    const out: string[] = [];
    for await (const member of f.p.segments.members(filter, { universe })) out.push(member.givenName ?? "?");
    const count = await f.p.segments.count(filter, { universe });
    expect(count).toBe(out.length);
    return out.sort();
  };

  describe("conditions", () => {
    it("the empty filter means every voter not removed from the rolls", async () => {
      expect(await names({})).toEqual(["Ana", "Ben", "Cy", "Eve", "Fay"]);
    });

    it("geography: county, precinct, zip", async () => {
      expect(await names({ county: ["WAKE"] })).toEqual(["Ana", "Cy", "Fay"]);
      expect(await names({ county: ["Wake"] })).toEqual([]);
      expect(await names({ precinct: ["P1"] })).toEqual(["Ana", "Eve"]);
      expect(await names({ precinct: ["P2", "P3"] })).toEqual(["Ben", "Cy", "Fay"]);
      expect(await names({ zip: ["27601"] })).toEqual(["Ana"]);
      expect(await names({ zip: ["27601", "27701"] })).toEqual(["Ana", "Ben"]);
    });

    it("districts read the JSON column; a missing district never matches", async () => {
      expect(await names({ district: { stateHouse: ["36"] } })).toEqual(["Ana"]);
      expect(await names({ district: { stateHouse: ["36", "29"] } })).toEqual(["Ana", "Ben"]);
      expect(await names({ district: { stateHouse: ["36"], congressional: ["2"] } })).toEqual(["Ana"]);
      expect(await names({ district: { stateHouse: ["29"], congressional: ["2"] } })).toEqual([]);
      expect(await names({ not: { district: { stateHouse: ["36"] } } })).toEqual(["Ben", "Cy", "Eve", "Fay"]);
    });

    it("status; removed voters only when the filter names status removed", async () => {
      expect(await names({ status: ["inactive"] })).toEqual(["Ben"]);
      expect(await names({ status: ["removed"] })).toEqual(["Dee"]);
      expect(await names({ status: ["active", "removed"] })).toEqual(["Ana", "Cy", "Dee", "Eve", "Fay"]);
      expect(await names({ precinct: ["P1"], any: [{ party: ["REP"] }, { status: ["removed"] }] })).toEqual([
        "Dee",
      ]);
    });

    it("party", async () => {
      expect(await names({ party: ["DEM"] })).toEqual(["Ana", "Eve", "Fay"]);
      expect(await names({ party: ["REP", "UNA"] })).toEqual(["Ben", "Cy"]);
    });

    it("age from the birth date (exact, leap day) or the birth year", async () => {
      expect(await names({ age: { min: 18, asOf: "2026-02-28" } })).toEqual(["Ana", "Ben", "Cy"]);
      expect(await names({ age: { min: 18, asOf: "2026-03-01" } })).toEqual(["Ana", "Ben", "Cy", "Fay"]);
      expect(await names({ age: { max: 30, asOf: "2026-03-01" } })).toEqual(["Ana", "Fay"]);
      expect(await names({ age: { min: 25, max: 25, asOf: "2025-06-15" } })).toEqual(["Ana"]);
      expect(await names({ age: { min: 25, max: 25, asOf: "2025-06-14" } })).toEqual([]);
      expect(await names({ age: { min: 76, max: 76, asOf: "2026-01-01" } })).toEqual(["Ben"]);
      // Voters with no birth information have no age.
      expect(await names({ not: { age: { min: 0 } } })).toEqual(["Eve"]);
    });

    it("registration date: since a date, a number of months, or the last election of a type", async () => {
      expect(await names({ registeredSince: "2025-01-01" })).toEqual(["Ben"]);
      expect(await names({ registeredSince: "2024-12-01" })).toEqual(["Ben", "Fay"]);
      expect(await names({ registeredSince: { lastElection: "general" } })).toEqual(["Ben", "Fay"]);
      expect(await names({ registeredSince: { lastElection: "runoff" } })).toEqual([]);
      expect(await names({ registeredSince: { months: 1200 } })).toEqual(["Ana", "Ben", "Cy", "Fay"]);
      expect(await names({ registeredBefore: "2016-01-01" })).toEqual(["Cy"]);
      expect(await names({ registeredBefore: "2016-01-02" })).toEqual(["Ana", "Cy"]);
      // A voter without a registration date is neither new nor old.
      expect(await names({ not: { any: [{ registeredSince: "1900-01-01" }] } })).toEqual(["Eve"]);
    });

    it("voted in at most / at least k of the last n elections of a type", async () => {
      // Last four generals: 2018, 2020, 2022, 2024 (Cy's 2016 ballot is older).
      expect(await names({ voted: { type: "general", last: 4, atMost: 1 } })).toEqual(["Ben", "Cy", "Fay"]);
      expect(await names({ voted: { type: "general", last: 4, atLeast: 2 } })).toEqual(["Ana", "Eve"]);
      expect(await names({ voted: { type: "general", last: 5, atLeast: 2 } })).toEqual(["Ana", "Cy", "Eve"]);
      expect(await names({ voted: { type: "general", last: 2, atLeast: 2 } })).toEqual(["Ana", "Eve"]);
      expect(await names({ voted: { type: "general", last: 4, atLeast: 1, atMost: 2 } })).toEqual([
        "Cy",
        "Eve",
        "Fay",
      ]);
      expect(await names({ voted: { type: "general", last: 1, atLeast: 1, asOf: "2024-01-01" } })).toEqual([
        "Ana",
        "Eve",
      ]);
      expect(await names({ voted: { type: "primary", last: 4, atLeast: 1 } })).toEqual(["Ana"]);
      expect(await names({ voted: { type: "runoff", last: 4, atMost: 0 } })).toEqual([
        "Ana",
        "Ben",
        "Cy",
        "Eve",
        "Fay",
      ]);
      // Two conditions on different windows in one filter get one CTE each.
      expect(
        await names({
          all: [
            { voted: { type: "general", last: 1, atLeast: 1 } },
            { voted: { type: "general", last: 4, atMost: 2 } },
          ],
        }),
      ).toEqual(["Eve", "Fay"]);
    });

    it("voted in a given election, type, window, party ballot or method", async () => {
      expect(await names({ votedIn: { type: "primary" } })).toEqual(["Ana"]);
      expect(await names({ votedIn: { date: "2024-11-05" } })).toEqual(["Ana", "Eve", "Fay"]);
      expect(await names({ votedIn: { electionId: f.elections.g2018! } })).toEqual(["Ana", "Cy"]);
      expect(await names({ votedIn: { type: "primary", party: ["DEM"] } })).toEqual(["Ana"]);
      expect(await names({ votedIn: { type: "primary", party: ["REP"] } })).toEqual([]);
      expect(await names({ votedIn: { method: ["early"] } })).toEqual(["Ana"]);
      expect(await names({ votedIn: { type: "general", since: "2022-01-01" } })).toEqual([
        "Ana",
        "Eve",
        "Fay",
      ]);
      expect(await names({ votedIn: { type: "general", before: "2018-01-01" } })).toEqual(["Cy"]);
      expect(await names({ votedIn: {} })).toEqual(["Ana", "Cy", "Eve", "Fay"]);
      expect(await names({ votedIn: { type: "municipal" } })).toEqual([]);
    });

    it("turnout propensity; unscored voters never match", async () => {
      expect(await names({ turnoutPropensity: { min: 0.4 } })).toEqual(["Ana", "Fay"]);
      expect(await names({ turnoutPropensity: { max: 0.4 } })).toEqual(["Cy"]);
      expect(await names({ turnoutPropensity: { min: 0.5, max: 0.5 } })).toEqual(["Fay"]);
      expect(await names({ not: { turnoutPropensity: { min: 0 } } })).toEqual(["Ben", "Eve"]);
    });

    it("phones: the file's and the person's, line type from either source, consent from the ledger", async () => {
      expect(await names({ phone: {} })).toEqual(["Ana", "Ben", "Cy", "Eve"]);
      expect(await names({ phone: { lineType: "mobile" } })).toEqual(["Ana", "Cy", "Eve"]);
      expect(await names({ phone: { lineType: "landline" } })).toEqual(["Ben"]);
      expect(await names({ phone: { lineType: "unknown" } })).toEqual(["Eve"]);
      expect(await names({ phone: { lineType: ["landline", "unknown"] } })).toEqual(["Ben", "Eve"]);
      expect(await names({ phone: { lineType: "mobile", consent: "optedIn" } })).toEqual(["Ana"]);
      // Eve's file number is opted out, but her cell is not.
      expect(await names({ phone: { lineType: "mobile", consent: "notOptedOut" } })).toEqual([
        "Ana",
        "Cy",
        "Eve",
      ]);
      expect(await names({ phone: { lineType: "unknown", consent: "notOptedOut" } })).toEqual([]);
      expect(await names({ phone: { consent: "optedIn", channel: "voice" } })).toEqual([]);
      expect(await names({ phone: { consent: "notOptedOut", channel: "voice" } })).toEqual([
        "Ana",
        "Ben",
        "Cy",
        "Eve",
      ]);
    });

    it("a later opt-in lifts an opt-out; the latest event wins", async () => {
      const p = await db().client();
      await p.voters.upsert({ state: "NC", stateVoterId: "X1", givenName: "Kim", phone: "+19192640177" });
      const sms = (kind: "opt_in" | "opt_out", occurredAt: string) =>
        p.consent.record({
          channel: "sms",
          contactPoint: "+19192640177",
          kind,
          source: "keyword",
          occurredAt,
        });
      const textable = async () => p.segments.count({ phone: { consent: "notOptedOut" } });
      expect(await textable()).toBe(1);
      await sms("opt_out", "2025-03-01T00:00:00Z");
      expect(await textable()).toBe(0);
      await sms("opt_in", "2025-02-01T00:00:00Z"); // older than the opt-out: still out
      expect(await textable()).toBe(0);
      await sms("opt_in", "2025-04-01T00:00:00Z");
      expect(await textable()).toBe(1);
      expect(await p.segments.count({ phone: { consent: "optedIn" } })).toBe(1);
    });

    it("email: a deliverable address with the consent asked for", async () => {
      expect(await names({ email: {} })).toEqual(["Cy", "Eve"]);
      expect(await names({ email: { consent: "notOptedOut" } })).toEqual(["Cy"]);
      expect(await names({ email: { consent: "optedIn" } })).toEqual(["Cy"]);
    });

    it("not opted out on a channel", async () => {
      expect(await names({ notOptedOut: "sms" })).toEqual(["Ana", "Ben", "Cy", "Fay"]);
      expect(await names({ notOptedOut: "email" })).toEqual(["Ana", "Ben", "Cy", "Fay"]);
      expect(await names({ notOptedOut: "voice" })).toEqual(["Ana", "Ben", "Cy", "Eve", "Fay"]);
    });

    it("tags and lists of the linked person", async () => {
      expect(await names({ tags: { any: ["volunteer"] } })).toEqual(["Cy", "Eve"]);
      expect(await names({ tags: { any: ["spanish", "host"] } })).toEqual(["Cy"]);
      expect(await names({ tags: { all: ["volunteer", "spanish"] } })).toEqual(["Cy"]);
      expect(await names({ tags: { all: ["volunteer", "host"] } })).toEqual([]);
      // Unlinked voters have no tags.
      expect(await names({ not: { tags: { any: ["volunteer"] } } })).toEqual(["Ana", "Ben", "Fay"]);
      expect(await names({ lists: [f.listId] })).toEqual(["Cy"]);
      expect(await names({ lists: ["no-such-list"] })).toEqual([]);
    });

    it("engagement: attended an event, signed a petition", async () => {
      expect(await names({ attendedEvent: {} })).toEqual(["Cy"]);
      expect(await names({ attendedEvent: { eventIds: [f.eventId] } })).toEqual(["Cy"]);
      expect(await names({ attendedEvent: { since: "2025-05-01" } })).toEqual(["Cy"]);
      expect(await names({ attendedEvent: { since: "2025-05-02" } })).toEqual([]);
      expect(await names({ attendedEvent: { before: "2025-05-01T14:00:00Z" } })).toEqual([]);
      expect(await names({ signedPetition: {} })).toEqual(["Cy"]);
      expect(await names({ signedPetition: { petitionIds: [f.petitionId], before: "2025-05-01" } })).toEqual([
        "Cy",
      ]);
      expect(await names({ signedPetition: { since: "2025-05-01" } })).toEqual([]);
      expect(await names({ not: { signedPetition: {} } })).toEqual(["Ana", "Ben", "Eve", "Fay"]);
    });

    it("last contacted before / after, on a channel, or never", async () => {
      expect(await names({ lastContacted: {} })).toEqual(["Cy", "Eve"]);
      expect(await names({ lastContacted: { after: "2025-01-01" } })).toEqual(["Cy"]);
      expect(await names({ lastContacted: { before: "2025-01-01" } })).toEqual(["Eve"]);
      expect(await names({ lastContacted: { after: "2024-01-01", before: "2025-01-01" } })).toEqual(["Eve"]);
      expect(await names({ lastContacted: { channel: "sms" } })).toEqual(["Cy"]);
      expect(await names({ lastContacted: { channel: "canvass", before: "2024-10-01T18:00:00Z" } })).toEqual(
        [],
      );
      expect(await names({ lastContacted: { channel: "canvass", before: "2024-10-01T18:00:01Z" } })).toEqual([
        "Eve",
      ]);
      // Never contacted includes voters with no person record.
      expect(await names({ lastContacted: { never: true } })).toEqual(["Ana", "Ben", "Fay"]);
      expect(await names({ lastContacted: { never: true, channel: "canvass" } })).toEqual([
        "Ana",
        "Ben",
        "Cy",
        "Fay",
      ]);
      // "Not contacted since" = not (contacted after).
      expect(await names({ not: { lastContacted: { after: "2025-01-01" } } })).toEqual([
        "Ana",
        "Ben",
        "Eve",
        "Fay",
      ]);
    });

    it("linked to a person or not", async () => {
      expect(await names({ linked: true })).toEqual(["Cy", "Eve"]);
      expect(await names({ linked: false })).toEqual(["Ana", "Ben", "Fay"]);
    });
  });

  describe("combinators", () => {
    it("several keys in one object must all hold", async () => {
      expect(await names({ county: ["WAKE"], party: ["DEM"] })).toEqual(["Ana", "Fay"]);
    });

    it("all, any, not and nesting", async () => {
      expect(await names({ all: [] })).toEqual(["Ana", "Ben", "Cy", "Eve", "Fay"]);
      expect(await names({ any: [] })).toEqual([]);
      expect(await names({ not: {} })).toEqual([]);
      expect(await names({ any: [{ precinct: ["P3"] }, { party: ["REP"] }] })).toEqual(["Ben", "Cy"]);
      expect(await names({ not: { county: ["WAKE"] } })).toEqual(["Ben", "Eve"]);
      expect(
        await names({
          all: [{ county: ["WAKE"] }, { not: { any: [{ party: ["UNA"] }, { precinct: ["P2"] }] } }],
        }),
      ).toEqual(["Ana"]);
      expect(await names({ not: { not: { party: ["REP"] } } })).toEqual(["Ben"]);
    });

    it("a NULL column never leaks through not: not(condition) is exactly the complement", async () => {
      const everyone = await names({});
      for (const condition of [
        { county: ["WAKE"] },
        { zip: ["27601"] },
        { registeredSince: "2020-01-01" },
        { age: { max: 40, asOf: "2026-01-01" } },
        { phone: { lineType: "mobile", consent: "optedIn" } },
        { email: { consent: "notOptedOut" } },
        { tags: { any: ["volunteer"] } },
        { attendedEvent: {} },
        { lastContacted: { before: "2025-01-01" } },
        { registeredSince: { lastElection: "general" } },
      ] satisfies SegmentFilter[]) {
        const yes = await names(condition);
        const no = await names({ not: condition });
        expect([...yes, ...no].sort(), JSON.stringify(condition)).toEqual(everyone);
      }
    });

    it("the benchmark shape: new or infrequent voters in three precincts with a mobile not opted out", async () => {
      const filter: SegmentFilter = {
        all: [
          { precinct: ["P1", "P2", "P3"] },
          { any: [{ registeredSince: "2025-01-01" }, { voted: { type: "general", last: 4, atMost: 1 } }] },
          { phone: { lineType: "mobile", consent: "notOptedOut" } },
        ],
      };
      expect(await names(filter)).toEqual(["Cy"]);
      const plan = await f.p.segments.explain(filter);
      expect(plan.length).toBeGreaterThan(0);
      const membersPlan = await f.p.segments.explain(filter, { query: "members" });
      expect(membersPlan.length).toBeGreaterThan(0);
      if (db().name === "sqlite") {
        expect(plan).toMatch(/SEARCH v USING INDEX voter_precinct_idx/);
        expect(plan).toMatch(/consent_event_lookup_idx/);
        expect(plan).toMatch(/sqlite_autoindex_vote_history_1/);
        expect(plan).not.toMatch(/SCAN v\b/);
        expect(membersPlan).toMatch(/voter_precinct_idx/);
      } else {
        expect(plan).toMatch(/voter/);
      }
    });
  });

  describe("people universe", () => {
    it("counts people; voter conditions read the person's registration", async () => {
      expect(await names({}, "people")).toEqual(["Cy", "Eve", "Hal"]);
      expect(await names({ tags: { any: ["volunteer"] } }, "people")).toEqual(["Cy", "Eve", "Hal"]);
      expect(await names({ precinct: ["P1"] }, "people")).toEqual(["Eve"]);
      expect(await names({ not: { precinct: ["P1"] } }, "people")).toEqual(["Cy", "Hal"]);
      expect(await names({ voted: { type: "general", last: 4, atMost: 1 } }, "people")).toEqual(["Cy"]);
      expect(await names({ linked: false }, "people")).toEqual(["Hal"]);
      expect(await names({ phone: { lineType: "mobile" } }, "people")).toEqual(["Cy", "Eve"]);
    });

    it("a removed registration counts only when the filter asks for status removed", async () => {
      const p = await db().client();
      const { person } = await p.people.upsert({ givenName: "Ray", familyName: "Moved" });
      const { voter: old } = await p.voters.upsert({ state: "NC", stateVoterId: "R1", precinct: "OLD" });
      await p.voters.link(old.id, person.id);
      await p.voters.markRemoved(old.id);
      expect(await p.segments.count({}, { universe: "people" })).toBe(1);
      expect(await p.segments.count({ precinct: ["OLD"] }, { universe: "people" })).toBe(0);
      expect(await p.segments.count({ status: ["removed"], precinct: ["OLD"] }, { universe: "people" })).toBe(
        1,
      );
      // A current registration wins over the removed one.
      const { voter: current } = await p.voters.upsert({ state: "NC", stateVoterId: "R2", precinct: "NEW" });
      await p.voters.link(current.id, person.id);
      expect(await p.segments.count({ precinct: ["NEW"] }, { universe: "people" })).toBe(1);
      const members = [];
      for await (const member of p.segments.members(
        { any: [{ status: ["removed"] }, {}] },
        { universe: "people" },
      )) {
        members.push(member);
      }
      expect(members.map((member) => member.voterId)).toEqual([current.id]);
    });

    it("streams people without a voter record with a null voter id", async () => {
      const members = [];
      for await (const member of f.p.segments.members({ linked: false }, { universe: "people" }))
        members.push(member);
      expect(members).toHaveLength(1);
      expect(members[0]).toMatchObject({
        voterId: null,
        givenName: "Hal",
        familyName: "Nobody",
        precinct: null,
      });
      expect(members[0]!.personId).toEqual(expect.any(String));
    });
  });

  describe("members", () => {
    it("pages a list of people one member at a time, in the list and out of it, each person once", async () => {
      // Each page after the first seeks list memberships from the cursor: no one is skipped or repeated.
      const p = await db().client();
      const people = [];
      for (const givenName of ["Ida", "Jo", "Kit", "Lu", "Mo"]) {
        people.push((await p.people.upsert({ givenName, familyName: "Pager" })).person);
      }
      const list = await p.lists.create({ name: "Every other one" });
      await p.lists.addMembers(list.id, [people[0]!.id, people[2]!.id, people[4]!.id]);
      const page = async (filter: SegmentFilter) => {
        const ids: string[] = [];
        for await (const member of p.segments.members(filter, { universe: "people", batchSize: 1 }))
          ids.push(member.personId!);
        return ids;
      };
      const sorted = (ids: string[]) => [...ids].sort();
      const inList = await page({ lists: [list.id] });
      expect(inList).toEqual(sorted(inList));
      expect(sorted(inList)).toEqual(sorted([people[0]!.id, people[2]!.id, people[4]!.id]));
      expect(sorted(await page({ not: { lists: [list.id] } }))).toEqual(
        sorted([people[1]!.id, people[3]!.id]),
      );
      expect(sorted(await page({ any: [{ lists: [list.id] }, { linked: false }] }))).toEqual(
        sorted(people.map((person) => person.id)),
      );
    });

    it("returns documented member rows", async () => {
      const rows = [];
      for await (const member of f.p.segments.members({ tags: { all: ["spanish"] } })) rows.push(member);
      expect(rows).toEqual([
        {
          voterId: expect.any(String),
          personId: expect.any(String),
          state: "NC",
          stateVoterId: "NC-Cy",
          givenName: "Cy",
          familyName: "Tester",
          county: "WAKE",
          precinct: "P3",
          zip: null,
          region: "NC",
          party: "UNA",
          status: "active",
          registrationDate: "2010-05-05",
          birthYear: 1990,
          phone: PHONE.cy,
          email: "cy@example.org",
          turnoutPropensity: 0.3,
        },
      ]);
    });

    it("reads only the fields asked for", async () => {
      const rows = [];
      for await (const member of f.p.segments.members({ precinct: ["P1"] }, { fields: ["phone", "zip"] })) {
        rows.push(member);
      }
      expect(rows.map((row) => Object.keys(row).sort())).toEqual([
        ["personId", "phone", "voterId", "zip"],
        ["personId", "phone", "voterId", "zip"],
      ]);
      expect(rows.map((row) => row.phone).sort()).toEqual([PHONE.ana, PHONE.eve]);
    });

    it("streams in keyset batches: every member exactly once, in voter id order", async () => {
      const p = await db().client();
      for (let i = 0; i < 23; i++) {
        await p.voters.upsert({
          state: "NC",
          stateVoterId: `S${i}`,
          givenName: `S${i}`,
          precinct: i % 2 === 0 ? "EVEN" : "ODD",
        });
      }
      for (const batchSize of [1, 4, 11, 23, 1000]) {
        const seen: string[] = [];
        for await (const member of p.segments.members({ precinct: ["EVEN"] }, { batchSize })) {
          seen.push(member.voterId!);
        }
        expect(seen).toHaveLength(12);
        expect(new Set(seen).size).toBe(12);
        expect(seen).toEqual([...seen].sort());
      }
      expect(await p.segments.count({ precinct: ["EVEN"] })).toBe(12);
    });

    it("rejects bad member options", async () => {
      const iterate = async (options: object) => {
        for await (const _ of f.p.segments.members({}, options as never)) break;
      };
      await expect(iterate({ batchSize: 0 })).rejects.toThrow(InvalidInputError);
      await expect(iterate({ fields: ["phone", "ssn"] })).rejects.toMatchObject({ field: "fields.1" });
      await expect(f.p.segments.count({}, { universe: "households" as never })).rejects.toMatchObject({
        field: "universe",
      });
    });
  });

  describe("organizations", () => {
    it("never sees another organization's voters, elections, consent or line types", async () => {
      expect(await names({ precinct: ["P1"] })).toEqual(["Ana", "Eve"]);
      const gus = [];
      for await (const member of f.other.segments.members({ precinct: ["P1"] })) gus.push(member.givenName);
      expect(gus).toEqual(["Gus"]);
      // Gus shares Ana's number, but the line type and the opt-in belong to Ana's organization.
      expect(await f.other.segments.count({ phone: { lineType: "mobile" } })).toBe(0);
      expect(await f.other.segments.count({ phone: { consent: "optedIn" } })).toBe(0);
      expect(await f.other.segments.count({ voted: { type: "general", last: 4, atMost: 0 } })).toBe(1);
      expect(await f.other.segments.count({ votedIn: {} })).toBe(0);
    });

    it("saved segments belong to their organization", async () => {
      const saved = await f.p.segments.create({ name: "P1", filter: { precinct: ["P1"] } });
      expect(await f.other.segments.get(saved.id)).toBeNull();
      await expect(f.other.segments.count(saved.id)).rejects.toThrow(NotFoundError);
      await f.p.segments.delete(saved.id);
    });
  });

  describe("saved segments", () => {
    it("round-trip the filter exactly, as JSON", async () => {
      const filter: SegmentFilter = {
        precinct: ["P1", "P2", "P3"],
        any: [
          { registeredSince: { lastElection: "general" } },
          { voted: { type: "general", last: 4, atMost: 1 } },
        ],
        phone: { lineType: ["mobile"], consent: "notOptedOut" },
        not: { lastContacted: { after: "2025-01-01T00:00:00Z", channel: "sms" } },
        district: { stateHouse: ["36"] },
      };
      const saved = await f.p.segments.create({ name: "Textable new voters", filter });
      expect(saved.filter).toEqual(filter);
      const loaded = await f.p.segments.require(saved.id);
      expect(loaded.filter).toEqual(filter);
      expect(JSON.parse(JSON.stringify(loaded))).toEqual(loaded);
      expect(await f.p.segments.count(saved.id)).toBe(await f.p.segments.count(filter));
      expect((await f.p.segments.list()).map((segment) => segment.id)).toContain(saved.id);

      const updated = await f.p.segments.update(saved.id, {
        filter: { party: ["REP"] },
        description: "changed",
      });
      expect(updated).toMatchObject({
        name: "Textable new voters",
        description: "changed",
        filter: { party: ["REP"] },
      });
      const members = [];
      for await (const member of f.p.segments.members(saved.id)) members.push(member.givenName);
      expect(members).toEqual(["Ben"]);
      expect(await f.p.segments.delete(saved.id)).toBe(true);
      expect(await f.p.segments.get(saved.id)).toBeNull();
    });

    it("a segment without a filter means everyone", async () => {
      const saved = await f.p.segments.create({ name: "Everyone" });
      expect(saved.filter).toEqual({});
      expect(await f.p.segments.count(saved.id)).toBe(5);
      await f.p.segments.delete(saved.id);
    });

    it("validates the filter on save", async () => {
      await expect(
        f.p.segments.create({ name: "Bad", filter: { precint: ["P1"] } as never }),
      ).rejects.toMatchObject({
        code: "invalid_input",
        field: "filter.precint",
      });
      const saved = await f.p.segments.create({ name: "Good", filter: {} });
      await expect(
        f.p.segments.update(saved.id, { filter: { voted: { type: "general", last: 0, atMost: 1 } } }),
      ).rejects.toMatchObject({ field: "filter.voted.last" });
      expect((await f.p.segments.require(saved.id)).filter).toEqual({});
      await f.p.segments.delete(saved.id);
    });
  });

  describe("compile", () => {
    it("binds every value as a parameter", async () => {
      const { sql, parameters } = f.p.segments.compile({
        precinct: ["P1'; drop table voter; --"],
        district: { stateHouse: ["36"] },
      });
      expect(sql).not.toContain("drop table");
      expect(sql).not.toContain("stateHouse");
      expect(parameters).toContain("P1'; drop table voter; --");
      expect(parameters).toContain("stateHouse");
      expect(parameters).toContain(f.p.organization.id);
      expect(sql).toMatch(db().name === "sqlite" ? /\?/ : /\$1/);
      expect(await f.p.segments.count({ precinct: ["P1'; drop table voter; --"] })).toBe(0);
      expect(await f.p.segments.count({})).toBe(5);
    });

    it("compiles the count query on request", () => {
      expect(f.p.segments.compile({}, { query: "count" }).sql).toMatch(/count\(\*\)/);
    });
  });
});

describe("filter validation", () => {
  const invalid = (filter: unknown) => {
    try {
      parse(filter);
    } catch (error) {
      expect(PrecinctError.hasCode(error, "invalid_input")).toBe(true);
      return error as InvalidInputError;
    }
    throw new Error(`accepted ${JSON.stringify(filter)}`);
  };
  it("accepts the documented examples", () => {
    for (const filter of [
      {},
      { county: ["WAKE"], precinct: ["01-01"], zip: ["27601"] },
      { district: { stateHouse: ["36"], congressional: ["4"] } },
      { status: ["active", "inactive"], party: ["DEM"] },
      { age: { min: 18, max: 29, asOf: "2026-11-03" } },
      { registeredSince: "2025-01-01" },
      { registeredSince: { months: 6 } },
      { registeredSince: { lastElection: "general" } },
      { voted: { type: "general", last: 4, atMost: 1 } },
      { votedIn: { type: "primary", date: "2024-03-05", party: ["DEM"] } },
      { turnoutPropensity: { min: 0.2, max: 0.6 } },
      { phone: { lineType: "mobile", consent: "optedIn" } },
      { email: { consent: "notOptedOut" } },
      { notOptedOut: "sms" },
      { tags: { any: ["volunteer"] } },
      { lists: ["list-id"] },
      { attendedEvent: { since: "2025-01-01" } },
      { signedPetition: { petitionIds: ["p"] } },
      { lastContacted: { never: true } },
      { all: [{ any: [{ not: { linked: true } }] }] },
    ]) {
      expect(parse(filter)).toEqual(filter);
    }
  });

  it("names the path of the problem", () => {
    expect(invalid({ precint: ["P1"] })).toMatchObject({ field: "filter.precint" });
    expect(invalid({ precint: ["P1"] }).message).toMatch(
      /is not a segment condition \(conditions: all, any, not, county/,
    );
    expect(invalid({ all: [{}, { phone: { lineType: "cell" } }] })).toMatchObject({
      field: "filter.all.1.phone.lineType",
      value: "cell",
    });
    expect(invalid({ any: [{ not: { phone: { lineType: "mobile", kind: 1 } } }] })).toMatchObject({
      field: "filter.any.0.not.phone.kind",
    });
    expect(invalid({ phone: { kind: 1 } }).message).toMatch(/is not an option here/);
    expect(invalid({ voted: { type: "general", last: 4 } })).toMatchObject({ field: "filter.voted" });
    expect(invalid({ voted: { type: "general", last: 4, atLeast: 5 } })).toMatchObject({
      field: "filter.voted",
    });
    expect(invalid({ voted: { type: "generals", last: 4, atMost: 1 } })).toMatchObject({
      field: "filter.voted.type",
    });
    expect(invalid({ age: { min: "18" } })).toMatchObject({ field: "filter.age.min" });
    expect(invalid({ age: { min: 40, max: 30 } })).toMatchObject({ field: "filter.age" });
    expect(invalid({ any: [{ registeredSince: "2025-02-30" }] })).toMatchObject({
      field: "filter.any.0.registeredSince",
    });
    expect(invalid({ registeredSince: { months: 0 } })).toMatchObject({
      field: "filter.registeredSince.months",
    });
    expect(invalid({ tags: { any: [] } })).toMatchObject({ field: "filter.tags.any" });
    expect(invalid({ tags: { any: ["a"], all: ["b"] } })).toMatchObject({ field: "filter.tags" });
    expect(invalid({ county: "WAKE" })).toMatchObject({ field: "filter.county" });
    expect(invalid({ district: { "state house": ["1"] } })).toMatchObject({
      field: "filter.district.state house",
    });
    expect(invalid({ lastContacted: { never: true, after: "2025-01-01" } })).toMatchObject({
      field: "filter.lastContacted",
    });
    expect(invalid({ lastContacted: { after: "yesterday" } })).toMatchObject({
      field: "filter.lastContacted.after",
    });
    expect(invalid({ status: ["gone"] })).toMatchObject({ field: "filter.status.0" });
    expect(invalid([])).toMatchObject({ field: "filter" });
    expect(invalid(null)).toMatchObject({ field: "filter" });
  });
});
