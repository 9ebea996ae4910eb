import { sql } from "kysely";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import type { Precinct, StatusResult } from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";
import { outreachClients, peopleList } from "./support.js";

const OURS = "+15550100000";

/** A P2P-free blast to the given people, sent, so replies have something to thread onto. */
async function sentCampaign(
  p: Precinct,
  phones: string[],
  options: { question?: boolean; beforeDrain?: () => void } = {},
) {
  const { listId, ids } = await peopleList(
    p,
    phones.map((phone, i) => ({ givenName: `Pat${i}`, familyName: `Reply${i}`, phone, region: "NC" })),
  );
  for (const phone of phones)
    await p.consent.record({ channel: "sms", contactPoint: phone, kind: "opt_in", source: "form" });
  let surveyQuestionId: string | null = null;
  if (options.question) {
    const question = await p.surveyQuestions.create({
      prompt: "Can we count on your vote?",
      kind: "single_choice",
      responses: [
        { key: "yes", label: "Yes" },
        { key: "no", label: "No" },
        { key: "maybe", label: "Maybe" },
      ],
    });
    surveyQuestionId = question.id;
  }
  const campaign = await p.campaigns.create({
    name: "Ask",
    channel: "sms",
    mode: "blast",
    audience: { listId },
    template: { body: "Hi {{givenName}}! Can we count on your vote? Reply YES, NO or MAYBE." },
    script: { surveyQuestionId },
  });
  await p.campaigns.launch(campaign.id);
  options.beforeDrain?.();
  await p.dispatcher().drain();
  return { campaign, ids };
}

forEachDatabase("replies, status callbacks and the webhook router", (db) => {
  const client = outreachClients(db);
  const open: Precinct[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  it("STOP opts out at once, cancels pending texts and queues one confirmation", async () => {
    const { p, sms } = await client();
    const phone = "+19192640111";
    const { campaign, ids } = await sentCampaign(p, [phone]);
    const result = await p.texting.receive(sms.receive({ from: phone, body: "Stop texting me please!" }));
    expect(result).toMatchObject({ handled: true, consent: "opt_out", personId: ids[0] });
    expect(result.classification?.intent).toBe("opt_out");
    expect(await p.consent.isOptedOut("sms", phone)).toBe(true);
    const history = await p.consent.history("sms", phone);
    expect(history.at(-1)).toMatchObject({
      kind: "opt_out",
      source: "keyword",
      rawText: "Stop texting me please!",
      campaignId: campaign.id,
    });
    await p.dispatcher().drain();
    const confirmations = sms.sent.filter(
      (s) => s.message.to === phone && /unsubscribed/.test(s.message.body),
    );
    expect(confirmations).toHaveLength(1);
    const report = await p.campaigns.report(campaign.id);
    expect(report).toMatchObject({ replies: 1, optOuts: 1 });
  });

  it("sends no confirmation of its own when the provider answers keywords itself", async () => {
    const { p, sms } = await client({ smsOptions: { handlesKeywords: true } });
    const phone = "+19192640112";
    await sentCampaign(p, [phone]);
    const before = sms.sent.length;
    const result = await p.texting.receive(sms.receive({ from: phone, body: "STOP" }));
    expect(result).toMatchObject({ consent: "opt_out", autoReply: null });
    // A plain-language revocation is not a provider keyword: we confirm it.
    const other = "+19192640113";
    await sentCampaign(p, [other]);
    const plain = await p.texting.receive(sms.receive({ from: other, body: "please take me off your list" }));
    expect(plain.autoReply).toMatch(/unsubscribed/);
    await p.dispatcher().drain();
    expect(sms.sent.slice(before).filter((s) => s.message.to === phone)).toHaveLength(0);
  });

  it("START opts back in; HELP answers with the organization's help text; YES is an answer unless opted out", async () => {
    const { p, sms } = await client({
      helpText: "Durham Neighbors volunteers. Questions: 919-555-0100. STOP to end.",
    });
    const phone = "+19192640114";
    await sentCampaign(p, [phone], { question: true });
    const yes = await p.texting.receive(sms.receive({ from: phone, body: "Yes!" }));
    expect(yes).toMatchObject({ consent: null, surveyAnswer: "yes" });
    const help = await p.texting.receive(sms.receive({ from: phone, body: "HELP" }));
    expect(help.autoReply).toBe("Durham Neighbors volunteers. Questions: 919-555-0100. STOP to end.");
    await p.texting.receive(sms.receive({ from: phone, body: "STOP" }));
    const back = await p.texting.receive(sms.receive({ from: phone, body: "YES" }));
    expect(back.consent).toBe("opt_in");
    expect(await p.consent.isOptedOut("sms", phone)).toBe(false);
    const start = await p.texting.receive(sms.receive({ from: phone, body: "start" }));
    expect(start.consent).toBe("opt_in");
    const answers = await p.surveyResponses.list();
    expect(answers.map((a) => a.value)).toEqual(["yes"]);
  });

  it("threads replies by (our number, their number) and dedupes provider retries", async () => {
    const { p, sms } = await client();
    const phone = "+19192640115";
    await sentCampaign(p, [phone], { question: true });
    const inbound = sms.receive({ from: phone, to: OURS, body: "Maybe, what time do polls open?" });
    const first = await p.texting.receive(inbound);
    const retry = await p.texting.receive(inbound);
    expect(first.handled).toBe(true);
    expect(retry.handled).toBe(false);
    const second = await p.texting.receive(
      sms.receive({ from: phone, to: OURS, body: "Also, where do I vote?" }),
    );
    expect(second.conversationId).toBe(first.conversationId);
    expect(first.surveyAnswer).toBe("maybe");
    const messages = await p.messages.list({ where: { conversationId: first.conversationId! } });
    expect(messages.filter((m) => m.direction === "inbound")).toHaveLength(2);
  });

  /**
   * Makes every insert into `table` fail until the returned function is called: a storage failure (or a
   * crash) part-way through handling a webhook.
   */
  const failInserts = async (p: Precinct, table: string): Promise<() => Promise<void>> => {
    const { db, dialect } = p.storage;
    if (dialect === "sqlite") {
      await sql
        .raw(
          `CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
        )
        .execute(db);
      return async () => void (await sql.raw(`DROP TRIGGER fail_${table}`).execute(db));
    }
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION fail_insert()`,
      )
      .execute(db);
    return async () => void (await sql.raw(`DROP TRIGGER fail_${table} ON ${table}`).execute(db));
  };

  it("a STOP whose handling failed part-way is handled again when the provider retries, not skipped", async () => {
    const { p, sms } = await client();
    const phone = "+19192640131";
    await sentCampaign(p, [phone]);
    const inbound = sms.receive({ from: phone, body: "STOP" });
    // The interaction is written after the message and the opt-out: the first try dies there.
    const restore = await failInserts(p, "interaction");
    await expect(p.texting.receive(inbound)).rejects.toThrow(/injected failure/);
    await restore();
    const retried = await p.texting.receive(inbound);
    expect(retried).toMatchObject({ handled: true, consent: "opt_out" });
    expect(await p.consent.isOptedOut("sms", phone)).toBe(true);
    // The message the first try stored is kept, not stored twice; a third delivery is a plain retry.
    expect(await p.messages.list({ where: { providerId: inbound.providerId } })).toHaveLength(1);
    expect((await p.texting.receive(inbound)).handled).toBe(false);
  });

  it("a status callback whose write failed leaves no trace, so the provider's retry applies it", async () => {
    const { p, sms } = await client();
    const phone = "+19192640132";
    await sentCampaign(p, [phone]);
    const providerId = sms.sent[0]!.providerId;
    // A carrier-reported landline: the status and the line type commit together or not at all.
    const restore = await failInserts(p, "phone_line_type");
    const update = {
      providerId,
      status: "undelivered" as const,
      errorCode: "30006",
      failureReason: "not_sms_capable" as const,
      raw: {},
    };
    await expect(p.texting.status(update)).rejects.toThrow(/injected failure/);
    const [before] = await p.messages.list({ where: { providerId } });
    expect(before?.status).not.toBe("undelivered");
    await restore();
    expect(await p.texting.status(update)).toMatchObject({
      handled: true,
      applied: true,
      status: "undelivered",
    });
    const [after] = await p.messages.list({ where: { providerId } });
    expect(after?.status).toBe("undelivered");
  });

  it("status callbacks arriving together are applied together, each with its own answer", async () => {
    const { p, sms } = await client();
    const phones = ["+19192640133", "+19192640134", "+19192640135"];
    await sentCampaign(p, phones);
    const ids = sms.sent.map((message) => message.providerId);
    const results = await Promise.all([
      p.texting.status({ providerId: ids[0]!, status: "delivered", raw: {} }),
      p.texting.status({ providerId: ids[1]!, status: "delivered", raw: {} }),
      // The same callback twice in one batch: the second is a retry.
      p.texting.status({ providerId: ids[1]!, status: "delivered", raw: {} }),
      p.texting.status({ providerId: ids[2]!, status: "sent", raw: {} }),
      p.texting.status({ providerId: "SM-unknown", status: "delivered", raw: {} }),
    ]);
    expect(results.map((r) => [r.handled, r.applied, r.status])).toEqual([
      [true, true, "delivered"],
      [true, true, "delivered"],
      [false, false, null],
      [true, true, "sent"],
      [true, false, null],
    ]);
  });

  it("a status callback that beats the dispatcher's write is kept and applied when the message row is written", async () => {
    const { p, sms } = await client();
    const phones = ["+19192640141", "+19192640142"];
    const early: StatusResult[] = [];
    const moves: string[] = [];
    p.bus.on("message.status", ({ to }) => {
      moves.push(to);
    });
    await sentCampaign(p, phones, {
      // A fast provider: its callbacks are handled before the engine has written what it sent (message
      // rows are written in batches after the provider took them).
      beforeDrain: () => {
        const send = sms.send.bind(sms);
        sms.send = async (message) => {
          const result = await send(message);
          early.push(await p.texting.status({ providerId: result.providerId, status: "sent", raw: {} }));
          early.push(await p.texting.status({ providerId: result.providerId, status: "delivered", raw: {} }));
          return result;
        };
      },
    });
    expect(sms.sent).toHaveLength(2);
    expect(early).toHaveLength(4);
    for (const result of early) expect(result).toMatchObject({ handled: true, applied: false, parked: true });
    for (const { providerId } of sms.sent) {
      const [message] = await p.messages.list({ where: { providerId } });
      expect(message?.status).toBe("delivered");
    }
    expect(moves.sort()).toEqual(["delivered", "delivered", "sent", "sent"]);
    const left = await p.storage.db
      .selectFrom("parkedStatus")
      .select("providerId")
      .where("organizationId", "=", p.organization.id)
      .execute();
    expect(left).toEqual([]);
    // Applied once: the provider retrying a callback now gets a repeat.
    expect(
      (await p.texting.status({ providerId: sms.sent[0]!.providerId, status: "delivered", raw: {} })).handled,
    ).toBe(false);
  });

  it("a callback for a message not written is kept across retries; a stale one's carrier opt-out is recorded, not lost", async () => {
    const { p, clock } = await client();
    const phone = "+19192640143";
    const update = {
      providerId: "SM-never-written",
      status: "undelivered" as const,
      errorCode: "21610",
      failureReason: "opted_out" as const,
      raw: { To: phone },
    };
    expect(await p.texting.status(update)).toMatchObject({ handled: true, applied: false, parked: true });
    // Not marked handled: the provider's retry is kept as well (once), not skipped as a repeat.
    expect(await p.texting.status(update)).toMatchObject({ handled: true, parked: true });
    const parked = () =>
      p.storage.db
        .selectFrom("parkedStatus")
        .select(["providerId", "status"])
        .where("organizationId", "=", p.organization.id)
        .orderBy("providerId")
        .execute();
    expect(await parked()).toEqual([{ providerId: "SM-never-written", status: "undelivered" }]);
    expect(await p.consent.isOptedOut("sms", phone)).toBe(false);
    // A week later its message never appeared: the next parked callback drops it, keeping its opt-out.
    clock.advance(8 * 24 * 3600 * 1000);
    await p.texting.status({ providerId: "SM-also-unknown", status: "delivered", raw: {} });
    expect(await parked()).toEqual([{ providerId: "SM-also-unknown", status: "delivered" }]);
    expect(await p.consent.isOptedOut("sms", phone)).toBe(true);
  });

  it("a retried carrier opt-out callback is a repeat: one opt-out, one status move, no table of deliveries", async () => {
    const { p, sms } = await client();
    const phone = "+19192640119";
    await sentCampaign(p, [phone]);
    const providerId = sms.sent[0]!.providerId;
    const moves: string[] = [];
    p.bus.on("message.status", ({ to }) => {
      moves.push(to);
    });
    const update = {
      providerId,
      status: "undelivered" as const,
      errorCode: "21610",
      failureReason: "opted_out" as const,
      raw: {},
    };
    expect(await p.texting.status(update)).toMatchObject({ handled: true, applied: true });
    // Twilio retries when our answer is lost: once in a later batch, once beside another copy.
    expect(await p.texting.status(update)).toMatchObject({ handled: false, applied: false });
    const both = await Promise.all([p.texting.status(update), p.texting.status(update)]);
    expect(both.map((result) => result.handled)).toEqual([false, false]);
    expect((await p.consent.history("sms", phone)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    expect(moves).toEqual(["undelivered"]);
    // The message row is the dedupe record: delivery reports add no rows of their own.
    const events = await p.storage.db
      .selectFrom("webhookEvent")
      .select("eventKey")
      .where("organizationId", "=", p.organization.id)
      .execute();
    expect(events.filter((event) => event.eventKey.startsWith("status:"))).toEqual([]);
  });

  it("applies status callbacks forward only, whatever order they arrive in", async () => {
    const { p, sms } = await client();
    const phone = "+19192640116";
    await sentCampaign(p, [phone]);
    const providerId = sms.sent[0]!.providerId;
    const statuses: string[] = [];
    p.bus.on("message.status", ({ to }) => {
      statuses.push(to);
    });
    expect((await p.texting.status({ providerId, status: "delivered", raw: {} })).applied).toBe(true);
    expect((await p.texting.status({ providerId, status: "sent", raw: {} })).applied).toBe(false);
    expect((await p.texting.status({ providerId, status: "delivered", raw: {} })).handled).toBe(false);
    expect((await p.texting.status({ providerId, status: "failed", raw: {} })).applied).toBe(false);
    const [message] = await p.messages.list({ where: { providerId } });
    expect(message?.status).toBe("delivered");
    expect(statuses).toEqual(["delivered"]);
    // An undelivered report of a landline teaches the line type.
    const other = "+19192640117";
    await sentCampaign(p, [other]);
    const otherId = sms.sent.find((s) => s.message.to === other)!.providerId;
    await p.texting.status({
      providerId: otherId,
      status: "undelivered",
      errorCode: "30006",
      failureReason: "not_sms_capable",
      raw: {},
    });
    const known = await p.storage.db
      .selectFrom("phoneLineType")
      .selectAll()
      .where("number", "=", other)
      .execute();
    expect(known[0]?.lineType).toBe("landline");
  });

  it("callbacks arriving together for several messages are applied in order, each move once", async () => {
    const { p, sms } = await client();
    const phones = ["+19192640141", "+19192640142", "+19192640143"];
    await sentCampaign(p, phones);
    const sid = (phone: string) => sms.sent.find((s) => s.message.to === phone)!.providerId;
    const moves: string[] = [];
    p.bus.on("message.status", ({ providerId, from, to }) => {
      moves.push(
        `${providerId === sid(phones[0]!) ? "a" : providerId === sid(phones[1]!) ? "b" : "c"}:${from}>${to}`,
      );
    });
    // One batch: two moves of the first message, a late `sent` after `delivered` for the second, a retry of
    // one move for the third, and a failure with an error code.
    const results = await Promise.all([
      p.texting.status({ providerId: sid(phones[0]!), status: "sent", raw: {} }),
      p.texting.status({ providerId: sid(phones[1]!), status: "delivered", raw: {} }),
      p.texting.status({ providerId: sid(phones[0]!), status: "delivered", raw: {} }),
      p.texting.status({ providerId: sid(phones[1]!), status: "sent", raw: {} }),
      p.texting.status({ providerId: sid(phones[2]!), status: "undelivered", errorCode: "30003", raw: {} }),
      p.texting.status({ providerId: sid(phones[2]!), status: "undelivered", errorCode: "30003", raw: {} }),
    ]);
    expect(results.map((r) => [r.handled, r.applied])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [true, false],
      [true, true],
      [false, false],
    ]);
    const statuses = Object.fromEntries(
      await Promise.all(
        phones.map(async (phone) => {
          const [message] = await p.messages.list({ where: { providerId: sid(phone) } });
          return [phone, [message?.status, message?.errorCode ?? null]];
        }),
      ),
    );
    expect(statuses).toEqual({
      [phones[0]!]: ["delivered", null],
      [phones[1]!]: ["delivered", null],
      [phones[2]!]: ["undelivered", "30003"],
    });
    expect(moves).toEqual([
      expect.stringMatching(/^a:\w+>sent$/),
      expect.stringMatching(/^b:\w+>delivered$/),
      "a:sent>delivered",
      expect.stringMatching(/^c:\w+>undelivered$/),
    ]);
  });

  it("the router refuses forged webhooks with 403 and changes nothing; verified ones are handled once", async () => {
    const { p, sms } = await client();
    const phone = "+19192640118";
    await sentCampaign(p, [phone]);
    const router = p.webhooks({ publicUrl: "https://organize.example.org" });
    expect(router.routes.map((r) => r.path)).toEqual(["/webhooks/sms/inbound", "/webhooks/sms/status"]);
    expect(router.smsStatusUrl).toBe("https://organize.example.org/webhooks/sms/status");

    const forged = sms.inboundRequest({ from: phone, body: "START" }, { forged: true });
    const refused = await router.handle(
      new Request("http://127.0.0.1:8787/webhooks/sms/inbound", {
        method: "POST",
        headers: forged.request.headers,
        body: forged.rawBody,
      }),
    );
    expect(refused.status).toBe(403);
    expect(await p.messages.list({ where: { direction: "inbound" } })).toHaveLength(0);

    // The fake signs the URL it was told; behind a proxy the router rebuilds it from publicUrl.
    const signedSms = (await import("@precinct/testing")).createFakeSms({
      webhookUrl: "https://organize.example.org/webhooks/sms/inbound",
    });
    const routerFor = (await import("../../src/index.js")).createPrecinct;
    const q = await routerFor({
      database: db().url,
      organization: p.organization.slug,
      plugins: { sms: signedSms },
    });
    open.push(q);
    const qRouter = q.webhooks({ publicUrl: "https://organize.example.org" });
    const valid = signedSms.inboundRequest({ from: phone, body: "STOP", providerId: "SMinbound1" });
    const send = () =>
      qRouter.handle(
        new Request("http://127.0.0.1:8787/webhooks/sms/inbound", {
          method: "POST",
          headers: valid.request.headers,
          body: valid.rawBody,
        }),
      );
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(await q.consent.isOptedOut("sms", phone)).toBe(true);
    expect((await q.consent.history("sms", phone)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    expect((await qRouter.handle(new Request("http://x/webhooks/sms/inbound"))).status).toBe(405);
    expect((await qRouter.handle(new Request("http://x/webhooks/nope", { method: "POST" }))).status).toBe(
      404,
    );
  });
});

forEachDatabase(
  "status callbacks racing another process",
  (db) => {
    const client = outreachClients(db);

    it("a move another process commits between our read and our write is found there, not applied twice", async () => {
      const { p, sms } = await client();
      const phone = "+19192640131";
      await sentCampaign(p, [phone]);
      const providerId = sms.sent[0]!.providerId;
      const moves: string[] = [];
      p.bus.on("message.status", ({ to }) => {
        moves.push(to);
      });
      const other = new pg.Client({ connectionString: db().url });
      await other.connect();
      try {
        // Another process has moved the message and not committed yet: our read still sees the old status.
        await other.query("begin");
        await other.query("update message set status = 'delivered' where provider_id = $1", [providerId]);
        const result = p.texting.status({ providerId, status: "delivered", raw: {} });
        // Our write waits on the other process's row lock; then the other process commits.
        for (let waited = 0; ; waited += 10) {
          const { rows } = await other.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          );
          if (Number(rows[0]!.n) > 0) break;
          if (waited > 10_000) throw new Error("the status write never waited on the other process");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.query("commit");
        // The guarded write finds the status moved, and the locked path finds the callback a repeat.
        expect(await result).toMatchObject({ handled: false, applied: false });
      } finally {
        await other.end();
      }
      expect(moves).toEqual([]);
      const [message] = await p.messages.list({ where: { providerId } });
      expect(message?.status).toBe("delivered");
      // The next move is applied once, by the plain path.
      expect(await p.texting.status({ providerId, status: "read", raw: {} })).toMatchObject({
        handled: true,
        applied: true,
      });
      expect(moves).toEqual(["read"]);
    });
  },
  { only: "postgres" },
);
