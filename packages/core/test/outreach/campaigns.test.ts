import { describe, expect, it } from "vitest";
import { InvalidInputError, PrecinctError } from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";
import { outreachClients, peopleList, TestClock } from "./support.js";

forEachDatabase("campaigns", (db) => {
  const client = outreachClients(db);

  it("refuses an unknown merge field when the campaign is created, naming it and where", async () => {
    const { p } = await client();
    const { listId } = await peopleList(p, [{ givenName: "Ana", phone: "+19192640101" }]);
    const error = await p.campaigns
      .create({
        name: "Bad",
        channel: "sms",
        mode: "p2p",
        audience: { listId },
        template: { body: "Hi {{firstName}}!" },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("template.body");
    expect((error as Error).message).toContain("firstName");
    expect((error as Error).message).toContain("givenName");
    expect(await p.campaigns.list()).toHaveLength(0);
  });

  it("requires an opt-in policy for blasts and an existing audience", async () => {
    const { p } = await client();
    const { listId } = await peopleList(p, [{ givenName: "Ana", phone: "+19192640101" }]);
    await expect(
      p.campaigns.create({
        name: "Blast",
        channel: "sms",
        mode: "blast",
        audience: { listId },
        template: { body: "Hi" },
        policy: { consent: "not_opted_out" },
      }),
    ).rejects.toMatchObject({ code: "invalid_input", details: { field: "policy.consent" } });
    const blast = await p.campaigns.create({
      name: "Blast",
      channel: "sms",
      mode: "blast",
      audience: { listId },
      template: { body: "Hi" },
    });
    expect(blast.policy.consent).toBe("opt_in_required");
    await expect(
      p.campaigns.create({
        name: "Nobody",
        channel: "sms",
        audience: { listId: "no-such-list" },
        template: { body: "Hi" },
      }),
    ).rejects.toMatchObject({ details: { field: "audience.listId" } });
    await expect(
      p.campaigns.create({
        name: "Canned",
        channel: "sms",
        audience: { listId },
        template: { body: "Hi" },
        script: { cannedResponses: [{ key: "a", title: "A", body: "{{nope}}" }] },
      }),
    ).rejects.toMatchObject({ details: { field: "script.cannedResponses.0.body" } });
  });

  it("checks quiet hours when the campaign is created, not when its first text is due", async () => {
    const { p } = await client();
    const { listId } = await peopleList(p, [{ givenName: "Ana", phone: "+19192640101" }]);
    const base = { name: "Q", channel: "sms" as const, audience: { listId }, template: { body: "Hi" } };
    await expect(
      p.campaigns.create({ ...base, policy: { quietHours: { start: "19:00", end: "10:00" } } }),
    ).rejects.toMatchObject({ code: "invalid_input", details: { field: "policy.quietHours.end" } });
    // Valid times, but after Florida's 20:00 end: nothing could ever be sent there.
    await expect(
      p.campaigns.create({ ...base, policy: { quietHours: { start: "20:30", end: "20:45" } } }),
    ).rejects.toMatchObject({ code: "invalid_input", details: { field: "policy.quietHours" } });
    const fine = await p.campaigns.create({
      ...base,
      policy: { quietHours: { start: "10:00", end: "19:00" } },
    });
    expect(fine.policy.quietHours).toEqual({ start: "10:00", end: "19:00" });
  });

  it("estimates segments and cost, and previews rendered messages with fallbacks", async () => {
    const { p } = await client();
    const { listId } = await peopleList(p, [
      { givenName: "Ana", familyName: "Alvarez", phone: "+19192640101" },
      { familyName: "Nobody", phone: "+19192640102" },
    ]);
    const campaign = await p.campaigns.create({
      name: "Reminder",
      channel: "sms",
      audience: { listId },
      template: { body: "Hi {{givenName|friend}}, it's {{organization}}. Early voting starts Thursday!" },
    });
    const estimate = await p.campaigns.estimate(campaign.id);
    expect(estimate).toMatchObject({
      audience: 2,
      encoding: "GSM-7",
      segmentsPerMessage: 1,
      estimatedSegments: 2,
    });
    expect(estimate.estimatedCost.amount).toBeCloseTo(0.02, 2);
    const preview = await p.campaigns.preview(campaign.id);
    expect(preview.map((m) => m.body).sort()).toEqual([
      "Hi Ana, it's Durham Neighbors. Early voting starts Thursday!",
      "Hi friend, it's Durham Neighbors. Early voting starts Thursday!",
    ]);
    const emoji = await p.campaigns.create({
      name: "Emoji",
      channel: "sms",
      audience: { listId },
      template: { body: "Vote 🗳️ {{givenName|friend}}" },
    });
    expect((await p.campaigns.estimate(emoji.id)).encoding).toBe("UCS-2");
  });

  it("gates the audience at launch: every refusal is recorded with its reason", async () => {
    const { p } = await client();
    const people = await peopleList(p, [
      { givenName: "Ana", phone: "+19192640101", region: "NC" },
      { givenName: "Ben", phone: "+19192640102", region: "NC" },
      { givenName: "Cy", phone: "+19192640103", region: "NC", lineType: "landline" },
      { givenName: "Dee", familyName: "Shared", phone: "+19192640104", region: "NC" },
      { givenName: "Eli", familyName: "Shared2", phone: "+19192640104", region: "NC" },
      { familyName: "Noname", phone: "+19192640106", region: "NC" },
      { givenName: "Fay" },
    ]);
    await p.consent.record({
      channel: "sms",
      contactPoint: "+19192640102",
      kind: "opt_out",
      source: "keyword",
    });
    const campaign = await p.campaigns.create({
      name: "P2P",
      channel: "sms",
      mode: "p2p",
      audience: { listId: people.listId },
      template: { body: "Hi {{givenName}}, can we count on your vote?" },
    });
    const launched = await p.campaigns.launch(campaign.id);
    expect(launched).toMatchObject({
      audience: 7,
      queued: 2,
      noPhone: 1,
      blocked: { opted_out: 1, landline: 1, duplicate_phone: 1, missing_merge_field: 1 },
    });
    const blocked = await p.outbox.list({ campaignId: campaign.id, state: "blocked" });
    expect(blocked.map((row) => row.reason?.split(":")[0]).sort()).toEqual([
      "duplicate_phone",
      "landline",
      "missing_merge_field",
      "opted_out",
    ]);
    // Relaunching is refused; the outbox holds exactly one row per phone for the first step.
    await expect(p.campaigns.launch(campaign.id)).rejects.toBeInstanceOf(PrecinctError);
    const report = await p.campaigns.report(campaign.id);
    expect(report.outbox).toMatchObject({ unassigned: 2, blocked: 4 });
    expect(report.campaign.status).toBe("running");
  });

  it("postpones recipients outside their quiet hours to their next window, by their own state", async () => {
    // 00:30 UTC Thursday = 19:30 Wednesday in New York (allowed federally, not in Florida: 8–20 only until 20:00
    // — still allowed) … use 01:30 UTC = 20:30 in New York/Miami: Florida's window closed, the federal one open.
    const clock = new TestClock("2026-11-19T01:30:00.000Z");
    const { p } = await client({ clock });
    const { listId } = await peopleList(p, [
      { givenName: "Nia", phone: "+19192640101", region: "NC" },
      { givenName: "Flo", phone: "+13055550102", region: "FL" },
      { givenName: "Sam", phone: "+12125550103", region: "CA" },
    ]);
    await p.consent.record({ channel: "sms", contactPoint: "+19192640101", kind: "opt_in", source: "form" });
    await p.consent.record({ channel: "sms", contactPoint: "+13055550102", kind: "opt_in", source: "form" });
    await p.consent.record({ channel: "sms", contactPoint: "+12125550103", kind: "opt_in", source: "form" });
    const campaign = await p.campaigns.create({
      name: "Evening",
      channel: "sms",
      mode: "blast",
      audience: { listId },
      template: { body: "Hi {{givenName}}" },
    });
    const launched = await p.campaigns.launch(campaign.id);
    expect(launched).toMatchObject({ queued: 2, waiting: 1 });
    const [waiting] = await p.outbox.list({ campaignId: campaign.id, state: "waiting" });
    expect(waiting?.contactPoint).toBe("+13055550102");
    // Florida's next window opens at 08:00 local, 13:00 UTC.
    expect(waiting?.sendAfter).toBe("2026-11-19T13:00:00.000Z");
  });

  it("pauses, resumes and cancels; a launched campaign cannot be edited or deleted", async () => {
    const { p } = await client();
    const { listId } = await peopleList(p, [{ givenName: "Ana", phone: "+19192640101" }]);
    const campaign = await p.campaigns.create({
      name: "C",
      channel: "sms",
      audience: { listId },
      template: { body: "Hi" },
    });
    const edited = await p.campaigns.update(campaign.id, { template: { body: "Hello {{givenName|there}}" } });
    expect(edited.template.body).toBe("Hello {{givenName|there}}");
    await expect(p.campaigns.update(campaign.id, { template: { body: "{{bogus}}" } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await p.campaigns.launch(campaign.id);
    await expect(p.campaigns.update(campaign.id, { name: "x" })).rejects.toMatchObject({ code: "conflict" });
    await expect(p.campaigns.delete(campaign.id)).rejects.toMatchObject({ code: "conflict" });
    expect((await p.campaigns.pause(campaign.id)).status).toBe("paused");
    expect((await p.campaigns.resume(campaign.id)).status).toBe("running");
    expect((await p.campaigns.cancel(campaign.id)).status).toBe("canceled");
    expect(await p.outbox.counts({ campaignId: campaign.id })).toEqual({ canceled: 1 });
  });
});

describe("campaign merge fields", () => {
  it("lists every merge field with a description", async () => {
    const { MERGE_FIELDS } = await import("../../src/index.js");
    expect(Object.keys(MERGE_FIELDS)).toContain("givenName");
    for (const description of Object.values(MERGE_FIELDS)) expect(description.length).toBeGreaterThan(10);
  });
});
