/**
 * The Precinct walkthrough, on the embedded SQLite default:
 *
 * 1. import a small (synthetic) county voter file,
 * 2. build a segment: active voters in three precincts with a phone,
 * 3. run a peer-to-peer text campaign that asks a question, against the fake carrier from
 *    `@precinct/testing` (nothing real is sent), with replies scripted the way real people answer —
 *    STOP, YES, a question back — coming in through the signed-webhook router,
 * 4. email the voters of that segment who signed up for the newsletter, against the fake email provider,
 *    with what mailbox providers report back — a delivery, an open, a click, a hard bounce, a spam
 *    report, a one-click unsubscribe — coming in through the same router,
 * 5. return the results: sent, delivered, blocked by reason, replies and opt-outs for the texts;
 *    delivered, bounced, complaints, unsubscribes, opens and clicks for the email.
 *
 * `src/main.ts` runs it and prints the results (`pnpm demo`); the test in `test/` runs it and checks them.
 * Every name, number, address and email address is made up.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct } from "@precinct/core";
import { createFakeEmail, createFakeSms, createSyntheticPopulation, writeVoterFile } from "@precinct/testing";
import { importVoterFile } from "@precinct/voterfile";

/** The public URL providers would call; the demo hands its webhooks to the router directly. */
const PUBLIC_URL = "https://organize.example.org";

/** Options of {@link runWalkthrough}. */
export interface WalkthroughOptions {
  /** The SQLite file to write (it should not exist yet). */
  readonly database: string;
  /** Where each step's line goes. Default: `console.log`. */
  readonly log?: (line: string) => void;
}

/** What the text campaign did. */
export interface TextResults {
  /** Texts sent: first messages, canned replies and opt-out confirmations. */
  readonly sent: number;
  /** Reported delivered by the carrier. */
  readonly delivered: number;
  /** Reported undelivered by the carrier. */
  readonly undelivered: number;
  /** Audience members the gate refused, by reason. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Texts received in the campaign's conversations. */
  readonly replies: number;
  /** Opt-outs the campaign caused (STOP, "stop texting me"). */
  readonly optOuts: number;
  /** Survey answers "yes". */
  readonly yesAnswers: number;
  /** Segments billed. */
  readonly segments: number;
  /** The status a forged "START" webhook was answered with. */
  readonly forgedStatus: number;
}

/** What the email campaign did. */
export interface EmailResults {
  /** Emails the provider took. */
  readonly sent: number;
  /** Provider requests they took (the fake takes up to 1000 emails a request, like SendGrid). */
  readonly requests: number;
  /** Reported delivered. */
  readonly delivered: number;
  /** Bounced (the hard bounce's address is suppressed for good). */
  readonly bounced: number;
  /** Audience members the gate refused, by reason. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Spam complaints. */
  readonly complaints: number;
  /** Unsubscribes (the one-click link). */
  readonly unsubscribes: number;
  /** Opens. */
  readonly opens: number;
  /** Clicks. */
  readonly clicks: number;
  /** The status a forged event webhook was answered with. */
  readonly forgedStatus: number;
}

/** The walkthrough's results. */
export interface WalkthroughResults {
  /** The text campaign. */
  readonly text: TextResults;
  /** The email campaign. */
  readonly email: EmailResults;
}

/** Runs the walkthrough on a new SQLite file and returns its results. */
export async function runWalkthrough(options: WalkthroughOptions): Promise<WalkthroughResults> {
  const log = options.log ?? ((line: string) => console.log(line));
  // A fixed Tuesday afternoon in North Carolina, so quiet hours never hold the demo up whenever it runs.
  // Leave `clock` out in real use: the engine then waits for each recipient's own sending window.
  let now = new Date("2026-10-20T18:00:00.000Z");
  const clock = () => new Date(now.getTime());

  // 1. A synthetic county of 2,000 voters, written as an NC `ncvoter` file.
  const population = createSyntheticPopulation({
    seed: 7,
    voters: 2_000,
    counties: 1,
    precinctsPerCounty: 8,
  });

  // The fake carrier knows each number's line type, as a real carrier lookup would.
  const lineTypes: Record<string, "mobile" | "landline" | "voip"> = {};
  for (const voter of population.voters()) {
    if (voter.phone && voter.lineType) lineTypes[`+1${voter.phone}`] = voter.lineType;
  }
  const sms = createFakeSms({
    now: clock,
    lineTypes,
    webhookUrl: `${PUBLIC_URL}/webhooks/sms/inbound`,
  });

  // The fake email provider signs its event webhooks like a real one; nothing leaves this machine.
  const email = createFakeEmail({ now: clock, webhookUrl: `${PUBLIC_URL}/webhooks/email/events` });

  const precinct = await createPrecinct({
    database: options.database,
    organization: { name: "Eastside Neighbors United", slug: "eastside-neighbors" },
    plugins: { sms, email },
    clock,
    // The fake carrier has no rate limit; a real number keeps the default (about one text a second).
    dispatcher: { rateLimits: false },
    // Where one-click unsubscribe links point (the webhook router), the key that signs them, the sender.
    // Read the secret from the environment in real use; this one only signs links in a demo database.
    email: {
      publicUrl: PUBLIC_URL,
      unsubscribeSecret: "demo-only-unsubscribe-secret-0123456789abcdef",
      from: "Eastside Neighbors United <team@example.org>",
    },
  });
  // Bulk email must carry the organization's postal address (made up here).
  await precinct.updateOrganization({
    helpText: "Eastside Neighbors United: volunteers texting about the election. Reply STOP to opt out.",
    postalAddress: "PO Box 1000, Durham, NC 27701",
  });

  const dir = mkdtempSync(join(tmpdir(), "precinct-demo-"));
  try {
    log(`Precinct walkthrough — ${precinct.organization.name} on ${precinct.storage.description}\n`);

    const file = await writeVoterFile(join(dir, "ncvoter.txt"), { population, layout: "nc-voter" });
    const imported = await importVoterFile(precinct, file.path);
    log(`1. Voter file: read ${imported.read}, inserted ${imported.inserted}, rejected ${imported.rejected}`);

    // 2. The segment.
    const precincts = population.precincts.slice(0, 3).map((p) => p.code);
    const segment = await precinct.segments.create({
      name: "Active voters with a phone, first three precincts",
      filter: { precinct: precincts, status: ["active"], phone: {} },
    });
    log(`2. Segment "${segment.name}": ${await precinct.segments.count(segment.id)} voters`);

    // Someone texted STOP to us last month: they stay opted out in every campaign.
    const first = await precinct.segments.members(segment.id, { fields: ["phone"], batchSize: 5 }).next();
    const optedOutEarlier = first.value?.phone;
    if (optedOutEarlier) {
      await precinct.consent.record({
        channel: "sms",
        contactPoint: optedOutEarlier,
        kind: "opt_out",
        source: "keyword",
        rawText: "STOP",
      });
    }

    // 3. A P2P campaign that asks a question, with canned answers for the texter.
    const question = await precinct.surveyQuestions.create({
      prompt: "Can we count on your vote?",
      kind: "single_choice",
      responses: [
        { key: "yes", label: "Yes" },
        { key: "no", label: "No" },
      ],
    });
    const campaign = await precinct.campaigns.create({
      name: "Early vote check-in",
      channel: "sms",
      mode: "p2p",
      audience: { segmentId: segment.id },
      template: {
        body: "Hi {{givenName|neighbor}}, it's {{texterName}} with {{organization}}. Early voting starts Thursday - can we count on your vote? Reply YES or NO. STOP to opt out.",
      },
      policy: { lookupLineTypes: true },
      script: {
        surveyQuestionId: question.id,
        cannedResponses: [
          {
            key: "hours",
            title: "Polling hours",
            body: "Early voting sites are open 8am-7:30pm weekdays. Find yours at vt.ncsbe.gov. Thanks, {{givenName|neighbor}}!",
          },
        ],
      },
    });
    const estimate = await precinct.campaigns.estimate(campaign.id);
    log(
      `3. Campaign "${campaign.name}": ${estimate.audience} in the audience, ${estimate.segmentsPerMessage} segment(s) (${estimate.encoding}) each, at most $${estimate.estimatedCost.amount}`,
    );
    const [preview] = await precinct.campaigns.preview(campaign.id, { limit: 1 });
    log(`   Preview: "${preview?.body}"`);
    const launched = await precinct.campaigns.launch(campaign.id);
    log(
      `   Launched: ${launched.queued} for texters, blocked ${JSON.stringify(launched.blocked)}, ${launched.noPhone} without a phone`,
    );

    // People answer the way people do: some STOP, some YES, some ask a question back.
    let n = 0;
    sms.scriptReply(() => {
      n += 1;
      if (n % 7 === 0) return "STOP";
      if (n % 5 === 0) return "stop texting me please";
      if (n % 3 === 0) return "YES!";
      if (n % 4 === 0) return "What time are the polls open?";
      return undefined;
    });

    // A volunteer texter works through batches, pressing send for each message.
    const texter = (await precinct.people.upsert({ givenName: "Jordan", familyName: "Rivera" })).person;
    const router = precinct.webhooks({ publicUrl: PUBLIC_URL });
    for (;;) {
      const batch = await precinct.p2p.requestBatch(campaign.id, texter.id, { size: 25 });
      if (batch.contacts.length === 0) break;
      for (const contact of batch.contacts) await precinct.p2p.send(texter.id, contact.outboxId);
      now = new Date(now.getTime() + 60_000);
      // Replies and delivery receipts arrive as signed webhooks.
      for (const inbound of sms.drainInbox()) {
        const request = sms.inboundRequest({
          from: inbound.from,
          to: inbound.to,
          body: inbound.body,
          providerId: inbound.providerId,
        });
        await router.handle(
          new Request(request.url, {
            method: "POST",
            headers: request.request.headers,
            body: request.rawBody,
          }),
        );
      }
    }
    for (const sent of sms.sent) {
      const update = sms.statusRequest({
        providerId: sent.providerId,
        status: sent.message.to.endsWith("7") ? "undelivered" : "delivered",
        ...(sent.message.to.endsWith("7") ? { errorCode: "30003" } : {}),
      });
      await router.handle(
        new Request(update.url.replace("/inbound", "/status"), {
          method: "POST",
          headers: update.request.headers,
          body: update.rawBody,
        }),
      );
    }
    // A forged webhook (wrong signature) is refused and changes nothing.
    const forged = sms.inboundRequest(
      { from: optedOutEarlier ?? "+19195550100", body: "START" },
      { forged: true },
    );
    const refusedText = await router.handle(
      new Request(forged.url, { method: "POST", headers: forged.request.headers, body: forged.rawBody }),
    );
    log(
      `   A forged "START" webhook was answered ${refusedText.status}; that number is still ${(await precinct.consent.status("sms", optedOutEarlier ?? "+19195550100")).status}.`,
    );

    // The texter answers the questions in the inbox with a canned response; opt-out confirmations go out.
    now = new Date(now.getTime() + 60_000);
    for (const item of await precinct.p2p.inbox(texter.id)) {
      await precinct.p2p.reply(texter.id, item.conversation.id, { cannedResponse: "hours" });
    }
    await precinct.dispatcher({ rateLimits: false }).drain();

    // 4. Email. Thirty voters of the segment signed up for the newsletter at the door: each becomes a
    // person with a (made-up) address, linked to their voter record. Most opted in; three did not
    // check the box, and one unsubscribed from an earlier newsletter.
    const signUps: string[] = [];
    const taken = new Set<string>();
    for await (const member of precinct.segments.members(segment.id, {
      fields: ["givenName", "familyName"],
      batchSize: 100,
    })) {
      if (member.personId !== null || !member.voterId || !member.givenName || !member.familyName) continue;
      const address = `${letters(member.givenName)}.${letters(member.familyName).slice(0, 1)}@example.org`;
      if (taken.has(address)) continue;
      taken.add(address);
      const { person } = await precinct.people.upsert({
        givenName: member.givenName,
        familyName: member.familyName,
        emailAddresses: [{ address, primary: true }],
      });
      await precinct.voters.link(member.voterId, person.id);
      signUps.push(person.id);
      const i = signUps.length;
      const signedUp = new Date(now.getTime() - 30 * 86_400_000).toISOString();
      if (i % 10 !== 0) {
        await precinct.consent.record({
          channel: "email",
          contactPoint: address,
          kind: "opt_in",
          source: "form",
          occurredAt: signedUp,
        });
      }
      if (i === 7) {
        await precinct.consent.record({
          channel: "email",
          contactPoint: address,
          kind: "opt_out",
          source: "unsubscribe_link",
          occurredAt: new Date(now.getTime() - 7 * 86_400_000).toISOString(),
        });
      }
      if (signUps.length === 30) break;
    }
    const newsletterList = await precinct.lists.create({ name: "Newsletter sign-ups" });
    await precinct.lists.addMembers(newsletterList.id, signUps);

    // One template, merge fields as in texts; the engine appends the footer (organization, postal
    // address, unsubscribe link) and the one-click List-Unsubscribe headers bulk senders need.
    const newsletter = await precinct.campaigns.create({
      name: "Early vote weekend",
      channel: "email",
      mode: "blast",
      audience: { listId: newsletterList.id },
      template: {
        subject: "{{givenName|Neighbor}}, early voting starts Thursday",
        html: '<p>Hi {{givenName|neighbor}},</p><p>Early voting starts Thursday. <a href="https://example.org/early-vote">Find your early voting site</a> and bring a friend.</p>',
        text: "Hi {{givenName|neighbor}},\nEarly voting starts Thursday. Find your early voting site: https://example.org/early-vote",
      },
    });
    const mailed = await precinct.campaigns.launch(newsletter.id);
    await precinct.dispatcher().drain();
    log(
      `4. Email "${newsletter.name}": ${mailed.audience} sign-ups, ${email.sent.length} sent in ${email.batches.length} provider request(s), blocked ${JSON.stringify(mailed.blocked)}`,
    );
    const sample = email.sent[0]?.message;
    if (sample) {
      log(
        `   Subject: "${sample.subject}"; List-Unsubscribe-Post: ${sample.headers?.["List-Unsubscribe-Post"]}`,
      );
    }

    // What the mailbox providers report back, as signed event webhooks: deliveries, an open and a
    // click, a hard bounce (the address is suppressed for good), a spam report.
    now = new Date(now.getTime() + 60_000);
    const [reader, bouncer, complainer, leaver] = email.sent;
    const events = email.sent
      .filter((record) => record !== bouncer)
      .map((record) => email.emit({ type: "delivered", providerId: record.providerId }));
    if (reader) {
      events.push(email.emit({ type: "open", providerId: reader.providerId }));
      events.push(
        email.emit({ type: "click", providerId: reader.providerId, url: "https://example.org/early-vote" }),
      );
    }
    if (bouncer) {
      events.push(
        email.emit({
          type: "bounce",
          bounceType: "bounce",
          providerId: bouncer.providerId,
          reason: "550 5.1.1 user unknown",
        }),
      );
    }
    if (complainer) events.push(email.emit({ type: "spamreport", providerId: complainer.providerId }));
    const post = (webhook: { url: string; request: Request; rawBody: string }) =>
      router.handle(
        new Request(webhook.url, { method: "POST", headers: webhook.request.headers, body: webhook.rawBody }),
      );
    const forgedEvents = await post(email.eventsRequest(events, { forged: true }));
    await post(email.eventsRequest(events));
    // Someone presses "Unsubscribe" in their mail app: it posts List-Unsubscribe=One-Click to the
    // signed link in that email's header.
    const link = leaver?.message.headers?.["List-Unsubscribe"]?.slice(1, -1);
    if (link) {
      await router.handle(
        new Request(link, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
        }),
      );
    }
    log(
      `   A forged event webhook was answered ${forgedEvents.status}; ${events.length} signed events and a one-click unsubscribe were applied.`,
    );

    // 5. Results.
    const report = await precinct.campaigns.report(campaign.id);
    const answers = await precinct.surveyResponses.list({
      where: { questionId: question.id },
      limit: 10_000,
    });
    const mail = await precinct.campaigns.report(newsletter.id);
    const interactions = async (outcome: string) =>
      (await precinct.interactions.list({ where: { campaignId: newsletter.id, outcome }, limit: 10_000 }))
        .length;
    // Each address's latest consent event says why it left, and which campaign it left from.
    const addresses = [...taken];
    const left = (await precinct.consent.statuses("email", addresses)).filter(
      (status) => status.status === "opted_out" && status.lastEvent?.campaignId === newsletter.id,
    );
    const why = (test: (rawText: string) => boolean) =>
      left.filter((status) => test(status.lastEvent?.rawText ?? "")).length;
    return {
      text: {
        sent: report.sent,
        delivered: report.statuses.delivered ?? 0,
        undelivered: report.statuses.undelivered ?? 0,
        blocked: report.blocked,
        replies: report.replies,
        optOuts: report.optOuts,
        yesAnswers: answers.filter((a) => a.value === "yes").length,
        segments: report.segments,
        forgedStatus: refusedText.status,
      },
      email: {
        sent: mail.sent,
        requests: email.batches.length,
        delivered: mail.statuses.delivered ?? 0,
        bounced: mail.statuses.undelivered ?? 0,
        blocked: mail.blocked,
        complaints: why((text) => text === "spam complaint"),
        unsubscribes: why((text) => text !== "spam complaint" && !text.startsWith("hard bounce")),
        opens: await interactions("opened"),
        clicks: await interactions("clicked"),
        forgedStatus: forgedEvents.status,
      },
    };
  } finally {
    await precinct.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lower-case letters of a name, for a made-up address (`María José` → `mariajose`). */
function letters(name: string): string {
  return name
    .normalize("NFD")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}
