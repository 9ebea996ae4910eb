import { createFakeSms } from "@precinct/testing";
import { afterEach, expect, it } from "vitest";
import { type Precinct, ProviderError } from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";
import { outreachClients, peopleList, TestClock } from "./support.js";

forEachDatabase("dispatcher", (db) => {
  const client = outreachClients(db);
  const open: Precinct[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  /** A launched blast to `n` opted-in people in North Carolina. */
  const blast = async (p: Precinct, n: number, body = "Hi {{givenName}}, early voting starts Thursday.") => {
    const phones = Array.from({ length: n }, (_, i) => `+1919264${String(1000 + i).padStart(4, "0")}`);
    const { listId, ids } = await peopleList(
      p,
      phones.map((phone, i) => ({ givenName: `Voter${i}`, familyName: `Family${i}`, phone, region: "NC" })),
    );
    for (const phone of phones)
      await p.consent.record({ channel: "sms", contactPoint: phone, kind: "opt_in", source: "form" });
    const campaign = await p.campaigns.create({
      name: "Blast",
      channel: "sms",
      mode: "blast",
      audience: { listId },
      template: { body },
    });
    await p.campaigns.launch(campaign.id);
    return { campaign, phones, ids };
  };

  it("sends every queued message once, records the message, the interaction and the event", async () => {
    const { p, sms } = await client();
    const { campaign, phones, ids } = await blast(p, 12);
    const events: string[] = [];
    p.bus.on("message.sent", ({ to }) => {
      events.push(to);
    });
    const result = await p.dispatcher().drain();
    expect(result).toMatchObject({ sent: 12, blocked: 0, failed: 0 });
    expect(sms.sent.map((s) => s.message.to).sort()).toEqual([...phones].sort());
    expect(new Set(sms.sent.map((s) => s.message.idempotencyKey)).size).toBe(12);
    expect(events.sort()).toEqual([...phones].sort());
    const report = await p.campaigns.report(campaign.id);
    expect(report).toMatchObject({ sent: 12, segments: 12, outbox: { sent: 12 } });
    const interactions = await p.interactions.list({ where: { personId: ids[0]! } });
    expect(interactions.map((i) => i.outcome)).toEqual(["sent"]);
    // Draining again sends nothing.
    expect((await p.dispatcher().drain()).sent).toBe(0);
    expect(sms.sent).toHaveLength(12);
    expect(await p.campaigns.completeIfDone(campaign.id)).toBe(true);
  });

  it("re-checks consent just before the provider call: an opt-out after launch blocks the send", async () => {
    const { p, sms } = await client();
    const { phones } = await blast(p, 3);
    await p.consent.record({ channel: "sms", contactPoint: phones[1]!, kind: "opt_out", source: "keyword" });
    const result = await p.dispatcher().drain();
    expect(result).toMatchObject({ sent: 2, blocked: 1 });
    expect(sms.sent.map((s) => s.message.to)).not.toContain(phones[1]);
    const [row] = await p.outbox.list({ contactPoint: phones[1]!, state: "blocked" });
    expect(row?.reason).toBe("opted_out");
  });

  it("retries retryable errors with backoff and maps permanent ones (21610 becomes an opt-out)", async () => {
    const clock = new TestClock();
    const { p, sms } = await client({ clock });
    const { phones } = await blast(p, 3);
    sms.failNext("rate_limited");
    sms.failNext("opted_out");
    const first = await p.dispatcher().drain();
    expect(first).toMatchObject({ sent: 1, retried: 1, failed: 1 });
    expect(sms.sent).toHaveLength(1);
    const failedRow = (await p.outbox.list({ state: "failed" }))[0]!;
    expect(failedRow.reason).toBe("provider_opted_out");
    expect(await p.consent.isOptedOut("sms", failedRow.contactPoint)).toBe(true);
    expect((await p.consent.history("sms", failedRow.contactPoint)).at(-1)?.source).toBe("provider_report");
    // The retry waits for its backoff…
    expect((await p.dispatcher().drain()).sent).toBe(0);
    clock.advance(5_000);
    expect((await p.dispatcher().drain()).sent).toBe(1);
    expect(sms.sent.map((s) => s.message.to).sort()).toEqual(
      phones.filter((x) => x !== failedRow.contactPoint).sort(),
    );
  });

  it("pauses a campaign whose failures spike, and sends the rest after a resume", async () => {
    const clock = new TestClock();
    const { p, sms } = await client({
      clock,
      dispatcher: { concurrency: 1, autoPause: { window: 10, minSample: 5, failureRate: 0.5 } },
    });
    const { campaign } = await blast(p, 20);
    const paused: string[] = [];
    p.bus.on("campaign.paused", ({ reason }) => {
      paused.push(reason);
    });
    sms.failNext("rejected", { times: 6 });
    const first = await p.dispatcher().drain();
    const state = await p.campaigns.require(campaign.id);
    expect(state.status).toBe("paused");
    expect(state.pausedReason).toBe("failure_rate");
    expect(paused).toEqual(["failure_rate"]);
    expect(first.failed).toBeGreaterThanOrEqual(5);
    expect(first.failed + first.sent).toBeLessThan(20);
    // Paused: nothing more goes out until someone resumes it.
    expect((await p.dispatcher().drain()).sent).toBe(0);
    await p.campaigns.resume(campaign.id);
    const after = await p.dispatcher().drain();
    // The sixth queued failure may land after the resume.
    expect(first.sent + after.sent + first.failed + after.failed).toBe(20);
    expect(sms.sent).toHaveLength(first.sent + after.sent);
  });

  it("gives up on retryable errors after the attempt limit", async () => {
    const clock = new TestClock();
    const { p, sms } = await client({
      clock,
      dispatcher: { retry: { maxAttempts: 2, baseDelayMs: 10 }, autoPause: false },
    });
    await blast(p, 1);
    sms.failNext("server_error", { times: 5 });
    expect((await p.dispatcher().drain()).retried).toBe(1);
    clock.advance(1000);
    expect((await p.dispatcher().drain()).failed).toBe(1);
    const [row] = await p.outbox.list({ state: "failed" });
    expect(row).toMatchObject({ reason: "retries_exhausted", attempts: 2, errorCode: "20503" });
  });

  it("waits for the recipient's window and sends when it opens, with a validity period inside it", async () => {
    const clock = new TestClock("2026-11-19T02:30:00.000Z"); // 21:30 in North Carolina
    const { p, sms } = await client({ clock });
    await blast(p, 2);
    expect((await p.dispatcher().drain()).sent).toBe(0);
    expect(sms.sent).toHaveLength(0);
    clock.set("2026-11-19T13:00:00.000Z"); // 08:00
    expect((await p.dispatcher().drain()).sent).toBe(2);
    // 13 hours until 21:00 local.
    expect(sms.sent[0]?.message.validityPeriodSeconds).toBe(13 * 3600);
  });

  it("holds the frequency cap per person across campaigns", async () => {
    const clock = new TestClock();
    const { p, sms } = await client({ clock });
    const phone = "+19192645555";
    const { listId } = await peopleList(p, [{ givenName: "Ana", phone, region: "NC" }]);
    await p.consent.record({ channel: "sms", contactPoint: phone, kind: "opt_in", source: "form" });
    for (let i = 0; i < 3; i++) {
      const c = await p.campaigns.create({
        name: `C${i}`,
        channel: "sms",
        mode: "blast",
        audience: { listId },
        template: { body: `Message ${i}` },
        policy: { frequencyCapPer24h: 2 },
      });
      await p.campaigns.launch(c.id);
    }
    const result = await p.dispatcher().drain();
    expect(result).toMatchObject({ sent: 2, waiting: 1 });
    clock.advance(24 * 3600 * 1000 + 5000);
    expect((await p.dispatcher().drain()).sent).toBe(1);
    expect(sms.sent).toHaveLength(3);
  });

  it("after a crash, asks the transport about in-flight messages instead of sending them twice", async () => {
    const clock = new TestClock();
    const { p } = await client({ clock });
    await blast(p, 3);
    // Simulate a dispatcher that claimed the rows and died mid-send: state `sending`, lease running out.
    await p.storage.db
      .updateTable("outbox")
      .set({ state: "sending", leaseUntil: clock.now().toISOString(), claimedAt: clock.now().toISOString() })
      .where("organizationId", "=", p.organization.id)
      .execute();
    clock.advance(1000);

    // A transport that cannot tell: the rows are set aside, never resent.
    const blind = createFakeSms({ now: clock.now });
    const blindTransport = {
      ...blind,
      findSent: undefined,
      dedupesByIdempotencyKey: false,
      send: blind.send.bind(blind),
    };
    const { createPrecinct } = await import("../../src/index.js");
    const blindClient = await createPrecinct({
      database: db().url,
      organization: p.organization.slug,
      plugins: { sms: blindTransport as never },
      clock: clock.now,
      dispatcher: { rateLimits: false },
    });
    open.push(blindClient);
    const blindResult = await blindClient.dispatcher().drain();
    expect(blindResult).toMatchObject({ sent: 0, uncertain: 3 });
    expect(blind.sent).toHaveLength(0);
    expect(await blindClient.outbox.counts()).toEqual({ uncertain: 3 });
  });

  it("after a crash, records what the provider already took and resends only what it never got", async () => {
    const clock = new TestClock();
    const sms = createFakeSms({ now: clock.now });
    const { p } = await client({ clock, sms });
    const { phones } = await blast(p, 2);
    const rows = await p.outbox.list({ state: "pending" });
    // The first row reached the provider before the crash; the second did not.
    const delivered = rows.find((r) => r.contactPoint === phones[0])!;
    const taken = await sms.send({
      to: delivered.contactPoint,
      body: delivered.body,
      idempotencyKey: delivered.id,
    });
    await p.storage.db
      .updateTable("outbox")
      .set({ state: "sending", leaseUntil: clock.now().toISOString(), claimedAt: clock.now().toISOString() })
      .where("organizationId", "=", p.organization.id)
      .execute();
    clock.advance(1000);
    const withFindSent = {
      ...sms,
      send: sms.send.bind(sms),
      dedupesByIdempotencyKey: false,
      findSent: async (message: { to: string; body: string }) => {
        const hit = sms.sent.find((s) => s.message.to === message.to && s.message.body === message.body);
        return hit ? { providerId: hit.providerId, status: "queued" as const, segments: 1 } : null;
      },
    };
    const { createPrecinct } = await import("../../src/index.js");
    const recovering = await createPrecinct({
      database: db().url,
      organization: p.organization.slug,
      plugins: { sms: withFindSent as never },
      clock: clock.now,
      dispatcher: { rateLimits: false },
    });
    open.push(recovering);
    const result = await recovering.dispatcher().drain();
    expect(result.recovered).toBe(2);
    expect(sms.sent.filter((s) => s.message.to === phones[0])).toHaveLength(1);
    expect(sms.sent.filter((s) => s.message.to === phones[1])).toHaveLength(1);
    const recorded = await recovering.messages.list({ where: { providerId: taken.providerId } });
    expect(recorded).toHaveLength(1);
    expect(await recovering.outbox.counts()).toEqual({ sent: 2 });
  });

  it("does not send after the campaign's schedule ends", async () => {
    const clock = new TestClock();
    const { p, sms } = await client({ clock });
    const phones = ["+19192647001", "+19192647002"];
    const { listId } = await peopleList(
      p,
      phones.map((phone, i) => ({ givenName: `End${i}`, phone, region: "NC" })),
    );
    for (const phone of phones)
      await p.consent.record({ channel: "sms", contactPoint: phone, kind: "opt_in", source: "form" });
    const campaign = await p.campaigns.create({
      name: "Until tonight",
      channel: "sms",
      mode: "blast",
      audience: { listId },
      template: { body: "Hi {{givenName}}" },
      schedule: { startAt: null, endAt: "2026-11-18T16:00:00.000Z" },
    });
    await p.campaigns.launch(campaign.id);
    clock.set("2026-11-18T16:00:00.000Z");
    expect((await p.dispatcher().drain()).sent).toBe(0);
    expect(sms.sent).toHaveLength(0);
    const rows = await p.outbox.list({ campaignId: campaign.id });
    expect(rows.map((r) => [r.state, r.reason])).toEqual([
      ["canceled", "campaign_ended"],
      ["canceled", "campaign_ended"],
    ]);
  });

  it("refuses to start without any transport", async () => {
    const { createPrecinct } = await import("../../src/index.js");
    const bare = await createPrecinct({
      database: db().url,
      organization: { name: "Bare", slug: `bare-${Date.now()}` },
    });
    open.push(bare);
    expect(() => bare.dispatcher()).toThrow(
      /needs a transport: pass plugins: \{ sms: … \} and\/or \{ email: … \}/,
    );
    expect(ProviderError).toBeDefined();
  });
});
