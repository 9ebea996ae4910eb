/**
 * The Precinct walkthrough, on the embedded SQLite default:
 *
 * 1. import a small (synthetic) county voter file,
 * 2. build a segment: active voters in three precincts with a phone,
 * 3. run a peer-to-peer text campaign that asks a question, against the fake carrier from
 *    `@precinct/testing` (nothing real is sent), with replies scripted the way real people answer —
 *    STOP, YES, a question back — coming in through the signed-webhook router,
 * 4. print the results: sent, delivered, blocked by reason, replies, opt-outs.
 *
 * Run it with `pnpm demo` from the repository root. It writes `precinct-demo.db` in this folder and
 * removes it first, so every run starts clean. Every name, number and address is made up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct } from "@precinct/core";
import { createFakeSms, createSyntheticPopulation, writeVoterFile } from "@precinct/testing";
import { importVoterFile } from "@precinct/voterfile";

const DATABASE = new URL("../precinct-demo.db", import.meta.url).pathname;
for (const suffix of ["", "-wal", "-shm"]) rmSync(DATABASE + suffix, { force: true });

// A fixed Tuesday afternoon in North Carolina, so quiet hours never hold the demo up whenever it runs.
// Leave `clock` out in real use: the engine then waits for each recipient's own sending window.
let now = new Date("2026-10-20T18:00:00.000Z");
const clock = () => new Date(now.getTime());

// 1. A synthetic county of 2,000 voters, written as an NC `ncvoter` file.
const population = createSyntheticPopulation({ seed: 7, voters: 2_000, counties: 1, precinctsPerCounty: 8 });
const dir = mkdtempSync(join(tmpdir(), "precinct-demo-"));
const file = await writeVoterFile(join(dir, "ncvoter.txt"), { population, layout: "nc-voter" });

// The fake carrier knows each number's line type, as a real carrier lookup would.
const lineTypes: Record<string, "mobile" | "landline" | "voip"> = {};
for (const voter of population.voters()) {
  if (voter.phone && voter.lineType) lineTypes[`+1${voter.phone}`] = voter.lineType;
}
const sms = createFakeSms({
  now: clock,
  lineTypes,
  webhookUrl: "https://organize.example.org/webhooks/sms/inbound",
});

const precinct = await createPrecinct({
  database: DATABASE,
  organization: { name: "Eastside Neighbors United", slug: "eastside-neighbors" },
  plugins: { sms },
  clock,
  // The fake carrier has no rate limit; a real number keeps the default (about one text a second).
  dispatcher: { rateLimits: false },
});
await precinct.updateOrganization({
  helpText: "Eastside Neighbors United: volunteers texting about the election. Reply STOP to opt out.",
});
console.log(`Precinct walkthrough — ${precinct.organization.name} on ${precinct.storage.description}\n`);

const imported = await importVoterFile(precinct, file.path);
console.log(
  `1. Voter file: read ${imported.read}, inserted ${imported.inserted}, rejected ${imported.rejected}`,
);

// 2. The segment.
const precincts = population.precincts.slice(0, 3).map((p) => p.code);
const segment = await precinct.segments.create({
  name: "Active voters with a phone, first three precincts",
  filter: { precinct: precincts, status: ["active"], phone: {} },
});
console.log(`2. Segment "${segment.name}": ${await precinct.segments.count(segment.id)} voters`);

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
console.log(
  `3. Campaign "${campaign.name}": ${estimate.audience} in the audience, ${estimate.segmentsPerMessage} segment(s) (${estimate.encoding}) each, at most $${estimate.estimatedCost.amount}`,
);
const [preview] = await precinct.campaigns.preview(campaign.id, { limit: 1 });
console.log(`   Preview: "${preview?.body}"`);
const launched = await precinct.campaigns.launch(campaign.id);
console.log(
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
const router = precinct.webhooks({ publicUrl: "https://organize.example.org" });
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
      new Request(request.url, { method: "POST", headers: request.request.headers, body: request.rawBody }),
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
const refused = await router.handle(
  new Request(forged.url, { method: "POST", headers: forged.request.headers, body: forged.rawBody }),
);
console.log(
  `   A forged "START" webhook was answered ${refused.status}; that number is still ${(await precinct.consent.status("sms", optedOutEarlier ?? "+19195550100")).status}.`,
);

// The texter answers the questions in the inbox with a canned response; opt-out confirmations go out.
now = new Date(now.getTime() + 60_000);
for (const item of await precinct.p2p.inbox(texter.id)) {
  await precinct.p2p.reply(texter.id, item.conversation.id, { cannedResponse: "hours" });
}
await precinct.dispatcher({ rateLimits: false }).drain();

// 4. Results.
const report = await precinct.campaigns.report(campaign.id);
const answers = await precinct.surveyResponses.list({ where: { questionId: question.id }, limit: 10_000 });
console.log("\n4. Results");
console.table({
  "sent (first messages and replies)": report.sent,
  delivered: report.statuses.delivered ?? 0,
  undelivered: report.statuses.undelivered ?? 0,
  ...Object.fromEntries(
    Object.entries(report.blocked).map(([reason, count]) => [`blocked: ${reason}`, count]),
  ),
  replies: report.replies,
  "opt-outs": report.optOuts,
  '"yes" answers recorded': answers.filter((a) => a.value === "yes").length,
  "segments billed": report.segments,
});

await precinct.close();
rmSync(dir, { recursive: true, force: true });
