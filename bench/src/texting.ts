import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct, InvalidInputError, type Precinct } from "@precinct/core";
import {
  createTwilioImitation,
  startTwilioImitationServer,
  type TwilioImitation,
} from "@precinct/testing/http";
import { createTwilio, type TwilioSmsTransport } from "@precinct/twilio";
import Twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import { type BenchDatabase, benchDatabase, type EngineDatabase } from "./postgres.js";
import { seedAudience } from "./seed.js";
import { count, population, profilePhase, type Result, report, seconds } from "./util.js";

/** A synthetic account: `AC` + 32 hex digits, as the imitation and the SDK require. */
const ACCOUNT_SID = `AC${"be9c".repeat(8)}`;
const AUTH_TOKEN = "bench-auth-token";
/** Our sending number (a 555 line). */
const SENDER = "+19195550100";
/** Where the webhook router claims to live; status callbacks are signed for its URL. */
const PUBLIC_URL = "https://organize.example.org";
const TEMPLATE =
  "Hi {{givenName|there}}, early voting starts Thursday: find your polling place at vote.example.org. Reply STOP to opt out.";
/** What {@link TEMPLATE} renders to: the baseline posts the same text. */
const render = (givenName: string): string =>
  `Hi ${givenName.trim() || "there"}, early voting starts Thursday: find your polling place at vote.example.org. Reply STOP to opt out.`;
/**
 * A Wednesday at noon in North Carolina (no holiday): the engine's clock runs from here, so quiet hours
 * pass whenever the benchmark is run. Every recipient has an NC area code (Eastern time).
 */
const MIDDAY = Date.parse("2026-11-18T17:00:00.000Z");
/** NC area codes: 10,000 fictitious `555` lines each. */
const AREA_CODES = ["919", "984", "704", "980", "336", "743", "252", "910", "828"];
/** Status callbacks signed ahead of each timed slice (bounds the memory the signed requests take). */
const STATUS_SLICE = 5000;

/** One recipient: a synthetic name and a unique 555 number. */
interface Recipient {
  readonly givenName: string;
  readonly familyName: string;
  readonly phone: string;
}

function recipients(n: number): Recipient[] {
  if (n > AREA_CODES.length * 10_000) {
    throw new InvalidInputError({
      field: "--messages",
      value: n,
      reason: `must be at most ${AREA_CODES.length * 10_000}: one distinct 555 number per recipient`,
    });
  }
  const people = population(n);
  return Array.from({ length: n }, (_, i) => {
    const voter = people.voterAt(i);
    const line = String(i % 10_000).padStart(4, "0");
    return {
      givenName: voter.givenName,
      familyName: voter.familyName,
      phone: `+1${AREA_CODES[Math.floor(i / 10_000)]}555${line}`,
    };
  });
}

/** Runs `total` jobs with `concurrency` workers, each awaiting one job at a time. */
async function workers(total: number, concurrency: number, job: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
}

/**
 * Checks that the imitation holds exactly one message per recipient (nothing twice, nothing dropped), each
 * with the text the bare loop sends, so both sides post the same payloads.
 */
function checkReceived(imitation: TwilioImitation, people: readonly Recipient[], side: string): number {
  const sent = imitation.sent;
  const bodies = new Map(sent.map((message) => [message.params.To, message.params.Body]));
  const missing = people.filter((person) => !bodies.has(person.phone)).length;
  if (sent.length !== people.length || bodies.size !== people.length || missing > 0) {
    throw new Error(
      `${side}: the imitation received ${sent.length} messages for ${bodies.size} distinct numbers; expected exactly one to each of ${people.length} recipients (${missing} never reached)`,
    );
  }
  const wrong = people.find((person) => bodies.get(person.phone) !== render(person.givenName));
  if (wrong) {
    throw new Error(
      `${side}: ${wrong.phone} received ${JSON.stringify(bodies.get(wrong.phone))}, not ${JSON.stringify(render(wrong.givenName))}`,
    );
  }
  return sent.length;
}

/**
 * The twilio SDK's own HTTP client (axios), with nothing changed but the origin: every `*.twilio.com` request
 * goes to the imitation server. This is what a bare script gets from `twilio(accountSid, authToken)`.
 */
class StockClientToServer extends Twilio.RequestClient {
  readonly #origin: string;

  constructor(origin: string) {
    super();
    this.#origin = origin;
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const url = new URL(opts.uri);
    return super.request({ ...opts, uri: `${this.#origin}${url.pathname}${url.search}` });
  }
}

/** Which HTTP client a bare loop's SDK uses: the SDK's stock one, or Precinct's (`createTwilio`). */
type BareClient = "stock" | "precinct";

/**
 * The bare loop: `concurrency` workers, each awaiting `client.messages.create({ to, from, body })` on an SDK
 * client built as a script builds it, with the SDK's stock HTTP client (or, for the informational run,
 * with Precinct's, as `createTwilio` builds it).
 */
async function bareLoop(
  serverUrl: string,
  people: readonly Recipient[],
  concurrency: number,
  http: BareClient = "stock",
): Promise<number> {
  const client =
    http === "stock"
      ? Twilio(ACCOUNT_SID, AUTH_TOKEN, { autoRetry: false, httpClient: new StockClientToServer(serverUrl) })
      : createTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: serverUrl }).client;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await workers(people.length, concurrency, async (i) => {
    const person = people[i]!;
    await client.messages.create({ to: person.phone, from: SENDER, body: render(person.givenName) });
  });
  lastBareCpuMs = cpuMs(cpu);
  return performance.now() - started;
}

/** CPU time of this process (user + system, all threads) since `since`, in ms. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** CPU time of the calling thread alone since `since`, in ms (the send thread's work is not in it). */
function threadCpuMs(since: NodeJS.CpuUsage): number {
  const used = process.threadCpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** The CPU time of the last bare loop: a figure the machine's other load disturbs less than wall time. */
let lastBareCpuMs = 0;

/**
 * Runs the texting throughput comparison. With `sendThread` (the default) the engine's Twilio transport
 * makes its `messages.create` calls on a worker thread (`sms({ sendThread: true })`); the bare loop always
 * calls the SDK on the main thread, as a script would.
 */
export async function benchTexting(
  messages: number,
  concurrency: number,
  database: EngineDatabase = "sqlite",
  options: { readonly sendThread?: boolean } = {},
): Promise<Result> {
  const sendThread = options.sendThread ?? true;
  for (const [field, value] of [
    ["--messages", messages],
    ["--concurrency", concurrency],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidInputError({ field, value, reason: "must be a positive whole number" });
    }
  }
  console.log(
    `texting ${count(messages)} messages, concurrency ${concurrency}, rate limits off, engine on ${database}, Twilio send thread ${sendThread ? "on" : "off"}`,
  );
  const perMessage = (ms: number): string => `${((ms * 1000) / messages).toFixed(0)} µs`;
  const people = recipients(messages);
  const imitation = createTwilioImitation({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  const server = await startTwilioImitationServer(imitation, { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "precinct-bench-texting-"));
  let precinct: Precinct | undefined;
  let store: BenchDatabase | undefined;
  let sms: TwilioSmsTransport | undefined;
  try {
    // Warm the HTTP path (sockets, SDK, JIT) for both sides alike, then forget it.
    for (const http of ["stock", "precinct"] as const)
      await bareLoop(server.url, people.slice(0, Math.min(1000, people.length)), concurrency, http);
    imitation.reset();

    // The baseline runs before and after the engine, and the faster run counts: on a shared machine load
    // comes and goes, and the slower baseline would flatter the engine.
    const baseline = async (when: string, http: BareClient = "stock"): Promise<number> => {
      const ms = await bareLoop(server.url, people, concurrency, http);
      const received = checkReceived(imitation, people, `bare SDK loop (${when})`);
      imitation.reset();
      const rate = (messages * 1000) / ms;
      const label =
        http === "stock"
          ? "baseline  bare messages.create loop, the SDK's own HTTP client"
          : "for scale bare messages.create loop, Precinct's HTTP client (not the target's baseline)";
      console.log(
        `  ${label}, ${when}: ${count(received)} received, ${seconds(ms)}, ${count(rate)} msg/s, CPU ${perMessage(lastBareCpuMs)}`,
      );
      return rate;
    };
    const bareBefore = await baseline("before the engine");

    const offset = MIDDAY - Date.now();
    sms = createTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: server.url }).sms({
      from: SENDER,
      sendThread,
    });
    store = await benchDatabase(database, dir, "texting");
    precinct = await createPrecinct({
      database: store.database,
      organization: { name: "Bench Organizers", slug: "bench", timeZone: "America/New_York" },
      plugins: { sms },
      clock: () => new Date(Date.now() + offset),
      dispatcher: { rateLimits: false, concurrency },
    });
    const setupStarted = performance.now();
    const listId = await seedAudience(
      precinct,
      "sms",
      "Early vote texting bench",
      people.map((person) => ({
        givenName: person.givenName,
        familyName: person.familyName,
        contact: person.phone,
      })),
    );
    console.log(
      `  setup: ${count(messages)} people with a mobile phone and an opt-in on one list in ${seconds(performance.now() - setupStarted)}`,
    );
    const router = precinct.webhooks({ publicUrl: PUBLIC_URL });
    const statusUrl = router.smsStatusUrl;
    if (statusUrl === null) throw new Error("the Twilio transport offers no status webhook route");
    const dispatcher = precinct.dispatcher({ statusCallbackUrl: statusUrl });
    const campaign = await precinct.campaigns.create({
      name: "Early vote reminder",
      channel: "sms",
      mode: "blast",
      sender: SENDER,
      audience: { listId },
      template: { body: TEMPLATE },
    });

    const launchProfile = await profilePhase("launch");
    const started = performance.now();
    const launchCpu = process.cpuUsage();
    const launched = await precinct.campaigns.launch(campaign.id);
    const launchMs = performance.now() - started;
    const launchCpuMs = cpuMs(launchCpu);
    await launchProfile.stop();
    if (launched.queued !== messages) {
      throw new Error(
        `launch queued ${launched.queued} of ${messages} recipients (waiting ${launched.waiting}, blocked ${JSON.stringify(launched.blocked)}, no phone ${launched.noPhone})`,
      );
    }
    const profiling = await profilePhase("drain");
    const drainStarted = performance.now();
    const drainCpu = process.cpuUsage();
    const drainMainCpu = process.threadCpuUsage();
    const drained = await dispatcher.drain();
    const drainMs = performance.now() - drainStarted;
    const drainCpuMs = cpuMs(drainCpu);
    const drainMainCpuMs = threadCpuMs(drainMainCpu);
    await profiling.stop();
    if (drained.sent !== messages) {
      throw new Error(`drain sent ${drained.sent} of ${messages}: ${JSON.stringify(drained)}`);
    }
    const received = checkReceived(imitation, people, "engine");
    console.log(
      `  imitation received ${count(received)} messages from the engine for ${count(messages)} recipients: none twice, none dropped`,
    );
    const sids = imitation.sent.map((message) => message.sid);

    const statusProfile = await profilePhase("status");
    let statusMs = 0;
    let statusCpuMs = 0;
    let refused = 0;
    for (let start = 0; start < sids.length; start += STATUS_SLICE) {
      const webhooks = sids
        .slice(start, start + STATUS_SLICE)
        .map((messageSid) => imitation.statusWebhook({ messageSid, status: "delivered" }));
      const sliceStarted = performance.now();
      const sliceCpu = process.cpuUsage();
      await workers(webhooks.length, concurrency, async (i) => {
        const response = await router.handle(webhooks[i]!.request);
        if (response.status !== 200) refused += 1;
      });
      statusMs += performance.now() - sliceStarted;
      statusCpuMs += cpuMs(sliceCpu);
    }
    await statusProfile.stop();
    if (refused > 0)
      throw new Error(`the webhook router refused ${refused} of ${sids.length} status callbacks`);
    const statuses = (await precinct.campaigns.report(campaign.id)).statuses;
    if (statuses.delivered !== messages) {
      throw new Error(
        `after the status callbacks: ${JSON.stringify(statuses)}; expected ${messages} delivered`,
      );
    }
    console.log(
      `  engine    launch ${seconds(launchMs)} (render, gate, outbox) + drain ${seconds(drainMs)} (dispatch) + ${count(sids.length)} status callbacks ${seconds(statusMs)}`,
    );
    console.log(
      `  engine    CPU per message: launch ${perMessage(launchCpuMs)} + drain ${perMessage(drainCpuMs)} (main thread ${perMessage(drainMainCpuMs)}) + status ${perMessage(statusCpuMs)}`,
    );

    imitation.reset();
    const bareAfter = await baseline("after the engine");
    const bareRate = Math.max(bareBefore, bareAfter);
    // The engine's transport makes its requests with Precinct's HTTP client, not the SDK's axios one (see
    // packages/twilio's README): this run shows what the same loop does with that client, so the engine's own
    // cost is in view beside the target's figure.
    const leanRate = await baseline("after the engine", "precinct");

    const sendMs = launchMs + drainMs;
    const wholeMs = sendMs + statusMs;
    const sendRate = (messages * 1000) / sendMs;
    const wholeRate = (messages * 1000) / wholeMs;
    const sendRatio = sendRate / bareRate;
    const wholeRatio = wholeRate / bareRate;
    console.log(`  baseline  ${count(bareRate)} msg/s (the faster run)`);
    console.log(
      `  for scale the engine makes ${((wholeRate / leanRate) * 100).toFixed(0)}% of the throughput of a bare loop on Precinct's HTTP client (${count(leanRate)} msg/s)`,
    );
    console.log(
      `  launch + dispatch              ${count(sendRate)} msg/s  ${sendRatio.toFixed(2)}× the bare loop`,
    );
    console.log(
      `  launch + dispatch + statuses   ${count(wholeRate)} msg/s  ${wholeRatio.toFixed(2)}× the bare loop  ← the target is judged on this (whole engine, status updates included)`,
    );
    return report(
      "texting throughput (whole engine, with status callbacks) / bare SDK loop",
      wholeRatio,
      "≥ 0.80×",
      wholeRatio >= 0.8,
      `${count(wholeRate)} vs ${count(bareRate)} msg/s at concurrency ${concurrency}, send thread ${sendThread ? "on" : "off"}; without status callbacks ${sendRatio.toFixed(2)}×`,
    );
  } finally {
    await precinct?.close();
    await sms?.close();
    await store?.drop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
