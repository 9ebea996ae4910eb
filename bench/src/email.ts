/**
 * Target: 100,000 emails through the engine (render, gate, outbox, batched dispatch, message rows) to a
 * local imitation of SendGrid's API use at most 101 HTTP requests and reach ≥ 0.8× the throughput of bare
 * `@sendgrid/mail` calls with the same batching (1,000 personalizations per request) at the same
 * concurrency.
 *
 * Both sides post the same kind of request to the same in-process imitation server: one shared subject,
 * HTML and text with substitution tags, and per personalization the recipient, their substitution values,
 * their `List-Unsubscribe` headers and our custom args. The engine is timed from `campaigns.launch()`
 * through `dispatcher.drain()`. The bare loop runs before and after the engine; the faster run is the
 * baseline. Setup (people with an email address and an opt-in, on one list) is not timed.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct, InvalidInputError, type Precinct } from "@precinct/core";
import { createSendGrid } from "@precinct/sendgrid";
import { createSendGridImitation, startSendGridImitationServer } from "@precinct/testing/http";
import { MailService } from "@sendgrid/mail";
import { emailFloor } from "./email-floor.js";
import { type BenchDatabase, benchDatabase, type EngineDatabase } from "./postgres.js";
import { seedAudience } from "./seed.js";
import { count, population, profilePhase, type Result, report, seconds } from "./util.js";

const API_KEY = "SG.bench-key";
const FROM = "team@organize.example.org";
const PUBLIC_URL = "https://organize.example.org";
const SECRET = "bench-unsubscribe-secret-0123456789abcdef";
const BATCH = 1000;
const SUBJECT = "{{givenName|Neighbor}}, early voting starts Thursday";
const HTML =
  '<p>Hi {{givenName|neighbor}},</p><p>Early voting starts Thursday. Find your polling place at <a href="https://vote.example.org">vote.example.org</a>.</p>';
const TEXT =
  "Hi {{givenName|neighbor}},\nEarly voting starts Thursday. Find your polling place at vote.example.org.";

interface Recipient {
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
}

function recipients(n: number): Recipient[] {
  const people = population(n);
  return Array.from({ length: n }, (_, i) => {
    const voter = people.voterAt(i);
    return { givenName: voter.givenName, familyName: voter.familyName, email: `voter.${i}@example.org` };
  });
}

/** The bare loop: the same batches through `@sendgrid/mail`, `concurrency` requests at a time. */
async function bareLoop(
  serverUrl: string,
  people: readonly Recipient[],
  concurrency: number,
): Promise<number> {
  const mail = new MailService();
  mail.setApiKey(API_KEY);
  // A MailService of its own holds a Client of its own (the SDK's default export is process-wide).
  (
    mail as unknown as { client: { setDefaultRequest(key: string, value: string): void } }
  ).client.setDefaultRequest("baseUrl", serverUrl);
  const subject = "[%pr:0%], early voting starts Thursday";
  const html = `<p>Hi [%pr:1%],</p><p>Early voting starts Thursday.</p><hr><a href="[%pr:unsubscribe%]">Unsubscribe</a>`;
  const text = "Hi [%pr:2%],\nEarly voting starts Thursday.\nUnsubscribe: [%pr:unsubscribe%]";
  const batches: Recipient[][] = [];
  for (let start = 0; start < people.length; start += BATCH) batches.push(people.slice(start, start + BATCH));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const batch = batches[i]!;
        await mail.send({
          from: { email: FROM, name: "Bench Organizers" },
          subject,
          text,
          html,
          personalizations: batch.map((person, j) => {
            const url = `${PUBLIC_URL}/webhooks/email/unsubscribe?t=${randomUUID()}`;
            return {
              to: [{ email: person.email }],
              headers: {
                "List-Unsubscribe": `<${url}>`,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
              },
              customArgs: { precinct_message_id: `bare-${i}-${j}`, precinct_campaign_id: "bare" },
              substitutions: {
                "[%pr:0%]": person.givenName,
                "[%pr:1%]": person.givenName,
                "[%pr:2%]": person.givenName,
                "[%pr:unsubscribe%]": url,
              },
            };
          }),
          categories: ["campaign-bare"],
          substitutionWrappers: ["", ""],
          hideWarnings: true,
        } as never);
      }
    }),
  );
  return performance.now() - started;
}

/** Runs the email throughput comparison. */
export async function benchEmail(
  messages: number,
  concurrency: number,
  database: EngineDatabase = "sqlite",
): Promise<Result> {
  for (const [field, value] of [
    ["--emails", messages],
    ["--concurrency", concurrency],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidInputError({ field, value, reason: "must be a positive whole number" });
    }
  }
  console.log(
    `email ${count(messages)} emails, batches of ${BATCH}, concurrency ${concurrency}, engine on ${database}`,
  );
  const people = recipients(messages);
  const imitation = createSendGridImitation({ apiKey: API_KEY, retainMessages: false });
  const server = await startSendGridImitationServer(imitation, { port: 0 });
  const dir = mkdtempSync(join(tmpdir(), "precinct-bench-email-"));
  let precinct: Precinct | undefined;
  let store: BenchDatabase | undefined;
  try {
    await bareLoop(server.url, people.slice(0, Math.min(2 * BATCH, people.length)), concurrency);
    imitation.reset();
    const baseline = async (when: string): Promise<number> => {
      const ms = await bareLoop(server.url, people, concurrency);
      const accepted = imitation.acceptedCount;
      const requests = imitation.sendRequestCount;
      imitation.reset();
      if (accepted !== messages)
        throw new Error(`bare loop: the imitation accepted ${accepted} of ${messages}`);
      const rate = (messages * 1000) / ms;
      console.log(
        `  baseline  bare @sendgrid/mail, ${when}: ${count(accepted)} emails in ${count(requests)} requests, ${seconds(ms)}, ${count(rate)} emails/s`,
      );
      return rate;
    };
    const bareBefore = await baseline("before the engine");

    const email = createSendGrid({ apiKey: API_KEY, baseUrl: server.url }).email();
    store = await benchDatabase(database, dir, "email");
    precinct = await createPrecinct({
      database: store.database,
      organization: {
        name: "Bench Organizers",
        slug: "bench",
        timeZone: "America/New_York",
        postalAddress: "PO Box 1000, Durham, NC 27701",
      } as never,
      plugins: { email },
      email: { publicUrl: PUBLIC_URL, unsubscribeSecret: SECRET, from: `Bench Organizers <${FROM}>` },
      dispatcher: { rateLimits: false, concurrency },
    });
    const setupStarted = performance.now();
    const listId = await seedAudience(
      precinct,
      "email",
      "Early vote email bench",
      people.map((person) => ({
        givenName: person.givenName,
        familyName: person.familyName,
        contact: person.email,
      })),
    );
    console.log(
      `  setup: ${count(messages)} people with an email opt-in on one list in ${seconds(performance.now() - setupStarted)}`,
    );
    const campaign = await precinct.campaigns.create({
      name: "Early vote email",
      channel: "email",
      mode: "blast",
      audience: { listId },
      template: { subject: SUBJECT, html: HTML, text: TEXT },
    } as never);
    const launchProfile = await profilePhase("launch");
    const started = performance.now();
    const launched = await precinct.campaigns.launch(campaign.id);
    const launchMs = performance.now() - started;
    await launchProfile.stop();
    if (launched.queued !== messages)
      throw new Error(`launch queued ${launched.queued} of ${messages}: ${JSON.stringify(launched)}`);
    const drainProfile = await profilePhase("drain");
    const drainStarted = performance.now();
    const drained = await precinct.dispatcher().drain();
    const drainMs = performance.now() - drainStarted;
    await drainProfile.stop();
    const requests = imitation.sendRequestCount;
    const accepted = imitation.acceptedCount;
    if (drained.sent !== messages || accepted !== messages) {
      throw new Error(
        `drain sent ${drained.sent}, the imitation accepted ${accepted}, of ${messages}: ${JSON.stringify(drained)}`,
      );
    }
    console.log(
      `  engine    launch ${seconds(launchMs)} (render, gate, outbox) + drain ${seconds(drainMs)} (batched dispatch, message rows): ${count(accepted)} emails in ${count(requests)} requests`,
    );
    imitation.reset();
    const bareAfter = await baseline("after the engine");
    const bareRate = Math.max(bareBefore, bareAfter);
    const rate = (messages * 1000) / (launchMs + drainMs);
    const ratio = rate / bareRate;
    const maxRequests = Math.ceil(messages / BATCH) + 1;
    console.log(`  baseline  ${count(bareRate)} emails/s (the faster run)`);
    console.log(
      `  engine    ${count(rate)} emails/s  ${ratio.toFixed(2)}× the bare loop; ${count(requests)} requests (limit ${count(maxRequests)})`,
    );
    await precinct.close();
    precinct = undefined;
    const shell = database === "sqlite" ? "sqlite3" : "psql";
    const bareMs = (messages * 1000) / bareRate;
    let floorNote: string;
    try {
      const floor = await emailFloor(database, store.database, dir);
      const floorRatio = (bareMs / floor.ms).toFixed(2);
      floorNote = `floor (the database writing the rows alone) ${floorRatio}×`;
      console.log(
        `  floor     the database alone (${shell}, no Node) writing this run's rows for each email, one statement each: ${floor.steps
          .map(({ step, ms }) => `${step} ${seconds(ms)}`)
          .join(", ")} = ${seconds(floor.ms)}; the bare loop's ${seconds(bareMs)} over that = ${floorRatio}×`,
      );
    } catch (error) {
      // The floor is context for the ratio, not the target: without the shell the run still reports.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      floorNote = `floor not measured (no ${shell} on PATH)`;
      console.log(`  floor     not measured: the ${shell} shell is not on PATH`);
    }
    return report(
      "email throughput (whole engine) / bare @sendgrid/mail with the same batching",
      ratio,
      `≥ 0.80× and ≤ ${maxRequests} requests`,
      ratio >= 0.8 && requests <= maxRequests,
      `${count(rate)} vs ${count(bareRate)} emails/s; ${count(requests)} HTTP requests for ${count(messages)} emails; ${floorNote}`,
    );
  } finally {
    await precinct?.close();
    await store?.drop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
