import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createPrecinct, PrecinctError } from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";

forEachDatabase("storage", (db) => {
  it("migrations are recorded and re-opening runs none again", async () => {
    const { rows } = await sql<{ name: string }>`select name from precinct_migration order by name`.execute(
      db().root.storage.db,
    );
    expect(rows.map((row) => row.name)).toEqual([
      "0001_initial",
      "0002_voter_files",
      "0003_outreach",
      "0004_phonebank",
      "0005_email",
      "0006_parked_statuses",
    ]);
    const again = await createPrecinct({ database: db().url });
    const after = await sql<{ name: string }>`select name from precinct_migration`.execute(again.storage.db);
    expect(after.rows).toHaveLength(6);
    await again.close();
  });

  it("people round-trip every field", async () => {
    const p = await db().client();
    const household = await p.households.create({ name: "The Afolabi household" });
    const { person } = await p.people.upsert({
      givenName: "  ADEBAYO ",
      familyName: "AFOLABI JR",
      additionalName: "t",
      honorificPrefix: "Dr.",
      birthdate: "1979-02-28",
      gender: "male",
      languageSpoken: "yo",
      householdId: household.id,
      emailAddresses: [{ address: "ade@example.org", addressType: "work", status: "active" }],
      phoneNumbers: [{ number: "+1 (984) 555-2368", numberType: "mobile", lineType: "mobile" }],
      postalAddresses: [
        {
          addressLines: ["1200 west main street", "suite 4"],
          locality: "durham",
          region: "nc",
          postalCode: "277011234",
        },
      ],
      identifiers: ["ncsbe:CX9"],
      customFields: { ward: 3, captain: true },
      tags: ["tenant-union", "spanish"],
    });
    const loaded = await p.people.require(person.id);
    expect(loaded).toEqual(person);
    expect(loaded).toMatchObject({
      givenName: "Adebayo",
      familyName: "Afolabi",
      honorificSuffix: "Jr.",
      birthdate: "1979-02-28",
      birthYear: 1979,
      householdId: household.id,
      identifiers: ["ncsbe:CX9"],
      customFields: { ward: 3, captain: true },
      tags: ["spanish", "tenant-union"],
    });
    expect(loaded.emailAddresses).toEqual([
      { address: "ade@example.org", primary: true, addressType: "work", status: "active" },
    ]);
    expect(loaded.phoneNumbers[0]).toMatchObject({
      number: "+19845552368",
      primary: true,
      numberType: "mobile",
    });
    expect(loaded.postalAddresses[0]).toMatchObject({
      region: "NC",
      postalCode: "27701-1234",
      primary: true,
    });
    expect(loaded.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("lists people in pages and finds them by email, phone and identifier", async () => {
    const p = await db().client();
    for (let i = 0; i < 5; i++) {
      await p.people.upsert({
        givenName: `Person${i}`,
        familyName: "Page",
        emailAddresses: [{ address: `p${i}@example.org` }],
      });
    }
    const page1 = await p.people.list({ limit: 3 });
    const page2 = await p.people.list({ limit: 3, offset: 3 });
    expect(page1).toHaveLength(3);
    expect(page2).toHaveLength(2);
    expect(new Set([...page1, ...page2].map((person) => person.id)).size).toBe(5);
    expect((await p.people.findByEmail("P3@example.org"))[0]?.givenName).toBe("Person3");
    await p.people.upsert({ emailAddresses: [{ address: "p4@example.org" }], identifiers: ["van:42"] });
    expect((await p.people.findByIdentifier("van:42"))?.givenName).toBe("Person4");
    expect(await p.people.findByIdentifier("van:43")).toBeNull();
  });

  it("tags can be added and removed; tags are per organization", async () => {
    const p = await db().client();
    const { person } = await p.people.upsert({ givenName: "Tia", familyName: "Moss" });
    await p.people.addTags(person.id, ["host", "driver"]);
    expect((await p.people.removeTags(person.id, ["host"])).tags).toEqual(["driver"]);
    expect((await p.tags.list()).map((tag) => tag.name).sort()).toEqual(["driver", "host"]);
  });

  describe("consent ledger", () => {
    it("derives the current status from the latest event; re-subscribing is a new event", async () => {
      const p = await db().client();
      expect((await p.consent.status("sms", "919-264-0134")).status).toBe("unknown");
      await p.consent.record({
        channel: "sms",
        contactPoint: "(919) 264-0134",
        kind: "opt_in",
        source: "form",
      });
      await p.consent.record({
        channel: "sms",
        contactPoint: "+19192640134",
        kind: "opt_out",
        source: "keyword",
        rawText: "stop texting me",
      });
      expect(await p.consent.isOptedOut("sms", "919 264 0134")).toBe(true);
      expect((await p.consent.status("email", "x@example.org")).status).toBe("unknown");
      await p.consent.record({
        channel: "sms",
        contactPoint: "+19192640134",
        kind: "opt_in",
        source: "keyword",
        rawText: "START",
      });
      const history = await p.consent.history("sms", "+19192640134");
      expect(history.map((event) => event.kind)).toEqual(["opt_in", "opt_out", "opt_in"]);
      expect(history[1]?.rawText).toBe("stop texting me");
      expect((await p.consent.status("sms", "+19192640134")).status).toBe("opted_in");
    });

    it("orders by when the event happened, not when it was recorded", async () => {
      const p = await db().client();
      await p.consent.record({
        channel: "email",
        contactPoint: "late@example.org",
        kind: "opt_out",
        source: "provider_report",
        occurredAt: "2026-03-02T10:00:00Z",
      });
      await p.consent.record({
        channel: "email",
        contactPoint: "late@example.org",
        kind: "opt_in",
        source: "import",
        occurredAt: "2026-03-01T10:00:00Z",
      });
      expect((await p.consent.status("email", "LATE@example.org")).status).toBe("opted_out");
    });

    it("the database refuses to update or delete a ledger entry", async () => {
      const p = await db().client();
      await p.consent.record({
        channel: "sms",
        contactPoint: "+19192640199",
        kind: "opt_out",
        source: "keyword",
      });
      await expect(sql`delete from consent_event`.execute(p.storage.db)).rejects.toThrow(/append-only/);
      await expect(sql`update consent_event set kind = 'opt_in'`.execute(p.storage.db)).rejects.toThrow(
        /append-only/,
      );
      expect(await p.consent.isOptedOut("sms", "+19192640199")).toBe(true);
    });

    it("an opt-out outlives the person record", async () => {
      const p = await db().client();
      const { person } = await p.people.upsert({
        givenName: "Gone",
        familyName: "Person",
        phoneNumbers: [{ number: "919-264-0177" }],
      });
      await p.consent.record({
        personId: person.id,
        channel: "sms",
        contactPoint: "919-264-0177",
        kind: "opt_out",
        source: "keyword",
      });
      expect(await p.people.delete(person.id)).toBe(true);
      expect(await p.consent.isOptedOut("sms", "919-264-0177")).toBe(true);
      expect(await p.consent.forPerson(person.id)).toHaveLength(1);
    });

    it("statuses() answers many contact points in one call, in order", async () => {
      const p = await db().client();
      await p.consent.record({
        channel: "sms",
        contactPoint: "+19192640101",
        kind: "opt_out",
        source: "keyword",
      });
      await p.consent.record({
        channel: "sms",
        contactPoint: "+19192640102",
        kind: "opt_in",
        source: "form",
      });
      const statuses = await p.consent.statuses("sms", ["+19192640102", "+19192640103", "+19192640101"]);
      expect(statuses.map((s) => s.status)).toEqual(["opted_in", "unknown", "opted_out"]);
    });

    it("statuses() reads the latest event by time, then by sequence, whatever order they were recorded in", async () => {
      const p = await db().client();
      const record = (kind: "opt_in" | "opt_out", occurredAt: string, contactPoint = "+19192640111") =>
        p.consent.record({ channel: "sms", contactPoint, kind, source: "manual", occurredAt });
      await record("opt_in", "2026-03-01T12:00:00.000Z");
      await record("opt_out", "2026-05-01T12:00:00.000Z");
      // Recorded later but backdated: not the latest.
      await record("opt_in", "2026-04-01T12:00:00.000Z");
      // Two events at one instant: the one recorded second is the latest.
      await record("opt_out", "2026-06-01T12:00:00.000Z", "+19192640112");
      await record("opt_in", "2026-06-01T12:00:00.000Z", "+19192640112");
      const statuses = await p.consent.statuses("sms", ["+19192640111", "+19192640112"]);
      expect(statuses.map((s) => s.status)).toEqual(["opted_out", "opted_in"]);
      for (const status of statuses) {
        expect(status.lastEvent).toEqual((await p.consent.history("sms", status.contactPoint)).at(-1));
      }
    });

    it("currentStatuses() agrees with statuses() on a ledger of backdated, tied and missing events", async () => {
      const p = await db().client();
      const record = (kind: "opt_in" | "opt_out", occurredAt: string, contactPoint: string) =>
        p.consent.record({ channel: "sms", contactPoint, kind, source: "manual", occurredAt });
      await record("opt_in", "2026-03-01T12:00:00.000Z", "+19192640121");
      await record("opt_out", "2026-05-01T12:00:00.000Z", "+19192640121");
      await record("opt_in", "2026-04-01T12:00:00.000Z", "+19192640121");
      await record("opt_out", "2026-06-01T12:00:00.000Z", "+19192640122");
      await record("opt_in", "2026-06-01T12:00:00.000Z", "+19192640122");
      await record("opt_out", "2026-06-01T12:00:00.000Z", "+19192640123");
      // The same number on another channel does not count for SMS.
      await p.consent.record({
        channel: "voice",
        contactPoint: "+19192640124",
        kind: "opt_out",
        source: "manual",
      });
      // More than one statement's worth of points, with repeats.
      const points = [
        ...Array.from({ length: 1_200 }, (_, i) => `+1919555${String(i).padStart(4, "0")}`),
        "+19192640121",
        "+19192640122",
        "+19192640123",
        "+19192640124",
        "+19192640121",
      ];
      const current = await p.consent.currentStatuses("sms", points);
      const statuses = await p.consent.statuses("sms", points);
      expect(statuses.map((s) => current.get(s.contactPoint))).toEqual(statuses.map((s) => s.status));
      expect(current.size).toBe(1_204);
      expect(
        [...["+19192640121", "+19192640122", "+19192640123", "+19192640124"]].map((c) => current.get(c)),
      ).toEqual(["opted_out", "opted_in", "opted_out", "unknown"]);
      expect(await p.consent.currentStatuses("sms", [])).toEqual(new Map());
    });

    it("rejects a malformed contact point naming the field", async () => {
      const p = await db().client();
      await expect(
        p.consent.record({ channel: "email", contactPoint: "nope", kind: "opt_out", source: "manual" }),
      ).rejects.toMatchObject({
        code: "invalid_input",
        field: "contactPoint",
      });
    });
  });

  describe("plain entities", () => {
    it("create, get, update, list, count and delete", async () => {
      const p = await db().client();
      const petition = await p.petitions.create({ title: "Fund the bus line", target: "County commission" });
      expect(petition).toMatchObject({ title: "Fund the bus line", description: null, identifiers: [] });
      const updated = await p.petitions.update(petition.id, { description: "Route 5 every 15 minutes" });
      expect(updated.description).toBe("Route 5 every 15 minutes");
      expect(updated.title).toBe("Fund the bus line");
      const { person } = await p.people.upsert({ givenName: "Signer", familyName: "One" });
      const signature = await p.signatures.create({
        petitionId: petition.id,
        personId: person.id,
        signedAt: new Date().toISOString(),
      });
      expect(await p.signatures.count({ petitionId: petition.id })).toBe(1);
      await expect(
        p.signatures.create({
          petitionId: petition.id,
          personId: person.id,
          signedAt: new Date().toISOString(),
        }),
      ).rejects.toThrow();
      expect(await p.signatures.delete(signature.id)).toBe(true);
      expect(await p.signatures.get(signature.id)).toBeNull();
    });

    it("JSON fields round-trip (campaign policy, event location, volunteer turf)", async () => {
      const p = await db().client();
      const list = await p.lists.create({ name: "Early voters" });
      const campaign = await p.campaigns.create({
        name: "Early vote reminders",
        channel: "sms",
        audience: { listId: list.id },
        template: { body: "Hi {{givenName|friend}}, early voting starts Thursday!" },
        policy: {
          consent: "opt_in_required",
          frequencyCapPer24h: 1,
          quietHours: { start: "09:00", end: "20:00" },
        },
      });
      expect(await p.campaigns.require(campaign.id)).toEqual(campaign);
      expect(campaign.mode).toBe("p2p");
      const { person } = await p.people.upsert({ givenName: "Cap", familyName: "Tain" });
      const role = await p.volunteers.create({
        personId: person.id,
        ladderStage: "leader",
        turf: ["DUR-12", "DUR-14"],
        skills: ["spanish"],
      });
      expect((await p.volunteers.require(role.id)).turf).toEqual(["DUR-12", "DUR-14"]);
      const event = await p.events.create({
        title: "Canvass launch",
        startDate: "2026-10-03T14:00:00.000Z",
        location: { addressLines: ["1 Union Sq"], locality: "Durham", region: "NC", postalCode: "27701" },
      });
      expect((await p.events.require(event.id)).location?.locality).toBe("Durham");
    });

    it("invalid entity input is refused naming the field", async () => {
      const p = await db().client();
      await expect(p.campaigns.create({ name: "x", channel: "fax" as never })).rejects.toMatchObject({
        code: "invalid_input",
        field: "channel",
      });
      await expect(
        p.donations.create({ amount: -5, receivedAt: new Date().toISOString() }),
      ).rejects.toMatchObject({ field: "amount" });
    });

    it("lists hold members of the same organization", async () => {
      const p = await db().client();
      const list = await p.lists.create({ name: "Saturday sign-in" });
      const a = await p.people.upsert({ givenName: "A", familyName: "One" });
      const b = await p.people.upsert({ givenName: "B", familyName: "Two" });
      expect(await p.lists.addMembers(list.id, [a.person.id, b.person.id, a.person.id])).toBe(2);
      expect(await p.lists.addMembers(list.id, [a.person.id])).toBe(0);
      expect((await p.lists.memberIds(list.id)).sort()).toEqual([a.person.id, b.person.id].sort());
      expect(await p.lists.removeMembers(list.id, [a.person.id])).toBe(1);
    });
  });

  describe("voters", () => {
    it("upserts by state voter id and reports changes; removal marks, never deletes", async () => {
      const p = await db().client();
      const base = {
        state: "nc",
        stateVoterId: "AA12345",
        givenName: "Ruth",
        familyName: "Bell",
        status: "active" as const,
        precinct: "DUR-12",
        districts: { congressional: "4" },
      };
      expect((await p.voters.upsert(base)).status).toBe("inserted");
      expect((await p.voters.upsert(base)).status).toBe("unchanged");
      const moved = await p.voters.upsert({ ...base, precinct: "DUR-14" });
      expect(moved).toMatchObject({ status: "updated", changedFields: ["precinct"] });
      const removed = await p.voters.markRemoved(moved.voter.id);
      expect(removed.status).toBe("removed");
      expect(await p.voters.count()).toBe(1);
      const election = await p.voters.election({ date: "2024-11-05", type: "general", jurisdiction: "NC" });
      expect((await p.voters.election({ date: "2024-11-05", type: "general", jurisdiction: "NC" })).id).toBe(
        election.id,
      );
      await p.voters.recordVote({ voterId: moved.voter.id, electionId: election.id, method: "early" });
      await p.voters.recordVote({ voterId: moved.voter.id, electionId: election.id, method: "early" });
      const history = await p.voters.history(moved.voter.id);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        method: "early",
        election: { date: "2024-11-05", type: "general" },
      });
      const { person } = await p.people.upsert({ givenName: "Ruth", familyName: "Bell" });
      expect((await p.voters.link(moved.voter.id, person.id)).personId).toBe(person.id);
    });
  });

  describe("organization isolation", () => {
    it("a client bound to A cannot read or change B's rows", async () => {
      const a = await db().client();
      const b = await db().client();
      const bob = await b.people.upsert({
        givenName: "Bob",
        familyName: "B",
        emailAddresses: [{ address: "bob@example.org" }],
        identifiers: ["crm:B1"],
      });
      const bList = await b.lists.create({ name: "B list" });
      const bPetition = await b.petitions.create({ title: "B petition" });
      await b.consent.record({
        channel: "email",
        contactPoint: "bob@example.org",
        kind: "opt_out",
        source: "unsubscribe_link",
      });

      // Reads see nothing.
      expect(await a.people.get(bob.person.id)).toBeNull();
      expect(await a.people.findByEmail("bob@example.org")).toEqual([]);
      expect(await a.people.findByIdentifier("crm:B1")).toBeNull();
      expect(await a.people.count()).toBe(0);
      expect(await a.lists.get(bList.id)).toBeNull();
      expect(await a.petitions.list()).toEqual([]);
      expect((await a.consent.status("email", "bob@example.org")).status).toBe("unknown");

      // Upserting the same data in A creates A's own person; B's is untouched.
      const inA = await a.people.upsert({
        givenName: "Robert",
        familyName: "B",
        emailAddresses: [{ address: "bob@example.org" }],
        identifiers: ["crm:B1"],
      });
      expect(inA.status).toBe("created");
      expect((await b.people.require(bob.person.id)).givenName).toBe("Bob");

      // Writes to B's rows fail.
      await expect(a.petitions.update(bPetition.id, { title: "hijacked" })).rejects.toMatchObject({
        code: "not_found",
      });
      expect(await a.petitions.delete(bPetition.id)).toBe(false);
      expect(await a.people.delete(bob.person.id)).toBe(false);
      await expect(a.people.addTags(bob.person.id, ["x"])).rejects.toMatchObject({ code: "not_found" });
      await expect(
        a.signatures.create({
          petitionId: bPetition.id,
          personId: inA.person.id,
          signedAt: new Date().toISOString(),
        }),
      ).rejects.toMatchObject({ code: "not_found" });
      const aList = await a.lists.create({ name: "A list" });
      await expect(a.lists.addMembers(aList.id, [bob.person.id])).rejects.toMatchObject({
        code: "not_found",
      });
      await expect(
        a.consent.record({
          personId: bob.person.id,
          channel: "sms",
          contactPoint: "+19192640100",
          kind: "opt_in",
          source: "form",
        }),
      ).rejects.toMatchObject({ code: "not_found" });
      await expect(
        a.people.upsert({ givenName: "X", householdId: (await b.households.create({})).id }),
      ).rejects.toMatchObject({ code: "not_found" });
      expect((await b.petitions.require(bPetition.id)).title).toBe("B petition");
    });

    it("chapters point at their parent and are their own tenants", async () => {
      const parent = await db().client();
      const chapter = await parent.chapters.create({ name: "Chapel Hill chapter", slug: `ch-${Date.now()}` });
      expect(chapter.parentId).toBe(parent.organization.id);
      expect((await parent.chapters.list()).map((c) => c.id)).toEqual([chapter.id]);
      const chapterClient = await parent.forOrganization(chapter.slug);
      await chapterClient.people.upsert({ givenName: "Only", familyName: "Chapter" });
      expect(await parent.people.count()).toBe(0);
    });
  });

  it("events fire after commits; a failing listener does not undo the change", async () => {
    const p = await db().client();
    const seen: string[] = [];
    const off = p.bus.on("person.created", ({ person }) => {
      seen.push(person.givenName ?? "");
      throw new Error("listener bug");
    });
    p.bus.on("consent.revoked", ({ event }) => {
      seen.push(event.contactPoint);
    });
    const original = console.error;
    console.error = () => {};
    try {
      await p.people.upsert({ givenName: "Eve", familyName: "Nt" });
    } finally {
      console.error = original;
    }
    await p.consent.record({
      channel: "sms",
      contactPoint: "+19192640111",
      kind: "opt_out",
      source: "keyword",
    });
    off();
    expect(seen).toEqual(["Eve", "+19192640111"]);
    expect(await p.people.count()).toBe(1);
  });
});

describe("createPrecinct", () => {
  it("accepts plugins with a supported specificationVersion and refuses others, naming the plugin", async () => {
    const sms = {
      specificationVersion: "v1" as const,
      provider: "test",
      send: async () => ({ providerId: "SM1", status: "queued" as const, segments: 1 }),
    };
    const p = await createPrecinct({ database: ":memory:", plugins: { sms } });
    expect(p.plugins.sms?.provider).toBe("test");
    await p.close();
    const error = await createPrecinct({
      database: ":memory:",
      plugins: { sms: { ...sms, specificationVersion: "v9" } as never },
    }).catch((e: unknown) => e);
    expect(PrecinctError.hasCode(error, "unsupported_specification")).toBe(true);
    expect((error as Error).message).toMatch(/v9/);
  });

  it("refuses an unknown organization slug with a clear message", async () => {
    await expect(createPrecinct({ database: ":memory:", organization: "nope" })).rejects.toThrow(
      /No organization with id or slug "nope"/,
    );
  });

  it("a closed client refuses further calls with code `closed`", async () => {
    const p = await createPrecinct({ database: ":memory:" });
    await p.close();
    await p.close();
    await expect(p.people.count()).rejects.toSatisfy((error: unknown) =>
      PrecinctError.hasCode(error, "closed"),
    );
  });

  it("opens ./precinct.db in WAL mode when no database is given", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "precinct-default-"));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const p = await createPrecinct();
      expect(p.storage.description).toBe("sqlite:./precinct.db");
      expect(p.organization.slug).toBe("default");
      // Raw results pass through the camelCase mapping too.
      const { rows } = await sql<{ journalMode: string }>`pragma journal_mode`.execute(p.storage.db);
      expect(rows[0]?.journalMode).toBe("wal");
      await p.close();
      const { existsSync } = await import("node:fs");
      expect(existsSync(join(dir, "precinct.db"))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it("reports an unreachable PostgreSQL server as a config error without the password", async () => {
    const error = await createPrecinct({ database: "postgres://user:secret@127.0.0.1:1/none" }).catch(
      (e: unknown) => e,
    );
    expect(PrecinctError.hasCode(error, "invalid_config")).toBe(true);
    expect((error as Error).message).not.toContain("secret");
  });
});
