import { createPrecinct } from "@precinct/core";
import { createFakeEmail } from "@precinct/testing";
import {
  createSendGridImitation,
  createTwilioImitation,
  type SendGridWebhook,
  startSendGridImitationServer,
} from "@precinct/testing/http";
import { describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { run, SERVE_WEBHOOKS } from "../src/index.js";
import { cli, memoryIo, NOON_IN_NC, waitFor } from "./support.js";

const PUBLIC_URL = "https://organize.example.org";
const SECRET = "serve-test-unsubscribe-secret-0123456789abcdef";
const API_KEY = "SG.serve-test.key";
const ADDRESS = "PO Box 1000, Durham, NC 27701";

/** Everything email needs, but the verification key, which comes from the imitation. */
const EMAIL_ENV = {
  SENDGRID_API_KEY: API_KEY,
  PRECINCT_PUBLIC_URL: PUBLIC_URL,
  PRECINCT_UNSUBSCRIBE_SECRET: SECRET,
  PRECINCT_EMAIL_FROM: "Durham Neighbors <team@example.org>",
};

/** Posts a webhook made for the public URL to the local server, as a TLS proxy in front of it would. */
function deliver(local: string, webhook: SendGridWebhook): Promise<Response> {
  const url = new URL(webhook.url);
  return fetch(`${local}${url.pathname}${url.search}`, {
    method: "POST",
    headers: webhook.request.headers,
    body: webhook.rawBody,
  });
}

describe("precinct serve, email (no database)", () => {
  it("--help lists the email event and unsubscribe URLs, in full with PRECINCT_PUBLIC_URL", async () => {
    const plain = await cli(["serve", "--help"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("POST /webhooks/email/events");
    expect(plain.stdout).toContain("POST /webhooks/email/unsubscribe");
    expect(plain.stdout).toContain("GET /webhooks/email/unsubscribe");
    for (const name of [
      "SENDGRID_API_KEY",
      "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY",
      "PRECINCT_UNSUBSCRIBE_SECRET",
    ]) {
      expect(plain.stdout).toContain(name);
    }
    const full = await cli(["serve", "--help"], { env: { PRECINCT_PUBLIC_URL: `${PUBLIC_URL}/` } });
    for (const hook of SERVE_WEBHOOKS) {
      expect(full.stdout).toContain(`${hook.method} ${PUBLIC_URL}${hook.path}`);
    }
    // The overview of every command lists them too.
    expect((await cli(["--help"])).stdout).toContain("/webhooks/email/events");
  });

  it("names what email is missing (exit 1), and what to set when nothing is configured", async () => {
    const imitation = createSendGridImitation({ apiKey: API_KEY });
    const key = imitation.eventWebhookPublicKey;
    const cases: [Record<string, string>, string][] = [
      [{}, "SENDGRID_API_KEY"],
      [EMAIL_ENV, "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY is not set"],
      [{ ...EMAIL_ENV, SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY: "not-a-key" }, "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY"],
      [
        { ...EMAIL_ENV, SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY: key, PRECINCT_PUBLIC_URL: "" },
        "PRECINCT_PUBLIC_URL is not set",
      ],
      [
        { ...EMAIL_ENV, SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY: key, PRECINCT_UNSUBSCRIBE_SECRET: "" },
        "PRECINCT_UNSUBSCRIBE_SECRET is not set",
      ],
    ];
    for (const [env, message] of cases) {
      const result = await cli(["serve", "--port", "0"], { env });
      expect(result.code, JSON.stringify(env)).toBe(1);
      expect(result.stderr).toContain(message);
    }
    expect((await cli(["serve", "--port", "0"], { env: {} })).stderr).toContain("TWILIO_ACCOUNT_SID");
  });
});

forEachDatabase("precinct serve, email", (db) => {
  it("sends queued email through SendGrid, takes signed events and one-click unsubscribes, refuses forgeries", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const imitation = createSendGridImitation({
      apiKey: API_KEY,
      webhookUrl: `${PUBLIC_URL}/webhooks/email/events`,
    });
    const api = await startSendGridImitationServer(imitation);

    // An email campaign launched elsewhere, waiting for a dispatcher.
    const launcher = await createPrecinct({
      database: db().url,
      organization: org,
      plugins: { email: createFakeEmail() },
      email: { publicUrl: PUBLIC_URL, unsubscribeSecret: SECRET },
      clock: NOON_IN_NC,
    });
    await launcher.updateOrganization({ postalAddress: ADDRESS });
    const ids: string[] = [];
    for (const [givenName, address] of [
      ["Ana", "ana.r@example.org"],
      ["Ben", "ben.o@example.org"],
      ["Cruz", "cruz.d@example.org"],
    ] as const) {
      const { person } = await launcher.people.upsert({
        givenName,
        familyName: "Rivera",
        emailAddresses: [{ address, primary: true }],
      });
      ids.push(person.id);
      await launcher.consent.record({
        channel: "email",
        contactPoint: address,
        kind: "opt_in",
        source: "form",
        // Signed up well before the engine's clock and the provider's (whole-second) event times.
        occurredAt: "2026-01-15T12:00:00.000Z",
      });
    }
    const list = await launcher.lists.create({ name: "Newsletter" });
    await launcher.lists.addMembers(list.id, ids);
    const campaign = await launcher.campaigns.create({
      name: "Canvass kickoff",
      channel: "email",
      mode: "blast",
      audience: { listId: list.id },
      template: { subject: "{{givenName}}, the canvass starts Saturday", text: "Hi {{givenName}}!" },
    });
    expect(await launcher.campaigns.launch(campaign.id)).toMatchObject({ queued: 3 });
    await launcher.close();

    const controller = new AbortController();
    const io = memoryIo({
      env: {
        ...EMAIL_ENV,
        SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY: imitation.eventWebhookPublicKey,
        SENDGRID_API_BASE_URL: api.url,
      },
      clock: NOON_IN_NC,
      signal: controller.signal,
    });
    const done = run(["serve", "--port", "0", "--db", db().url, "--org", org], io);
    try {
      const local = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.out())?.[1]);
      await waitFor(() => io.out().includes("Press Ctrl-C to stop."));
      // PRECINCT_PUBLIC_URL stands in for --public-url: the email routes are listed at the public URL.
      for (const hook of SERVE_WEBHOOKS.filter((h) => h.channel === "email")) {
        expect(io.out()).toContain(`${hook.method} ${PUBLIC_URL}${hook.path}`);
      }
      expect(io.out()).not.toContain("/webhooks/sms/");
      expect(io.out()).toContain("email: SendGrid via");
      expect(io.out()).toContain("Dispatcher: sending queued emails");

      // The background dispatcher sends the three emails in one SendGrid request.
      await waitFor(async () => (await client.outbox.counts({ campaignId: campaign.id })).sent === 3);
      expect(imitation.sendRequestCount).toBe(1);
      const to = (email: string) => imitation.messages.find((m) => m.to.email === email)!;
      expect(to("ana.r@example.org").subject).toBe("Ana, the canvass starts Saturday");

      // A forged or stale event webhook is refused and changes nothing.
      const bounce = imitation.event(to("ben.o@example.org"), "bounce", { bounceType: "bounce" });
      for (const forged of ["signature", "body", "reserialized", "stale", "missing"] as const) {
        expect((await deliver(local, imitation.eventWebhook([bounce], { forged }))).status, forged).toBe(403);
      }
      expect(await client.consent.isOptedOut("email", "ben.o@example.org")).toBe(false);

      const signed = imitation.eventWebhook([
        imitation.event(to("ana.r@example.org"), "delivered"),
        bounce,
        imitation.event(to("cruz.d@example.org"), "spamreport"),
        imitation.event(to("ana.r@example.org"), "open"),
      ]);
      expect((await deliver(local, signed)).status).toBe(200);
      // SendGrid retries: the same events again change nothing.
      expect((await deliver(local, signed)).status).toBe(200);
      const report = await client.campaigns.report(campaign.id);
      expect(report.statuses).toEqual({ delivered: 1, undelivered: 1, sent: 1 });
      expect(await client.consent.isOptedOut("email", "ben.o@example.org")).toBe(true);
      expect(await client.consent.isOptedOut("email", "cruz.d@example.org")).toBe(true);
      expect(
        await client.interactions.list({ where: { campaignId: campaign.id, outcome: "opened" } }),
      ).toHaveLength(1);

      // One-click unsubscribe: the GET page changes nothing, the POST opts out, a tampered link is refused.
      const link = new URL(to("ana.r@example.org").headers["List-Unsubscribe"]!.slice(1, -1));
      const localLink = `${local}${link.pathname}${link.search}`;
      const page = await fetch(localLink);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("List-Unsubscribe");
      expect(await client.consent.isOptedOut("email", "ana.r@example.org")).toBe(false);
      const oneClick = () =>
        fetch(localLink, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
        });
      expect((await oneClick()).status).toBe(200);
      expect((await oneClick()).status).toBe(200);
      expect(await client.consent.isOptedOut("email", "ana.r@example.org")).toBe(true);
      const tampered = await fetch(`${localLink}x`, { method: "POST", body: "List-Unsubscribe=One-Click" });
      expect(tampered.status).toBe(403);

      // The log names each email opt-out, addresses masked.
      await waitFor(() => io.out().includes("email opt-out of a•••@example.org: one-click unsubscribe"));
      expect(io.out()).toContain("email opt-out of c•••@example.org: spam complaint");
      expect(io.out()).not.toContain("ana.r@example.org");
    } finally {
      controller.abort();
      const code = await done;
      await api.close();
      expect(code, io.err()).toBe(0);
    }
    expect(io.out()).toContain("precinct serve: stopped");
  });

  it("with Twilio and SendGrid, lists exactly the webhooks --help documents", async () => {
    const client = await db().client();
    const accountSid = `AC${"0123456789abcdef".repeat(2)}`;
    const twilio = createTwilioImitation({ accountSid, authToken: "serve-both-token" });
    const sendgrid = createSendGridImitation({ apiKey: API_KEY });
    const controller = new AbortController();
    const io = memoryIo({
      env: {
        TWILIO_ACCOUNT_SID: accountSid,
        TWILIO_AUTH_TOKEN: "serve-both-token",
        TWILIO_FROM_NUMBER: "+15550100000",
        ...EMAIL_ENV,
        SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY: sendgrid.eventWebhookPublicKey,
      },
      signal: controller.signal,
    });
    expect(twilio.sent).toHaveLength(0);
    const done = run(
      ["serve", "--port", "0", "--no-dispatch", "--db", db().url, "--org", client.organization.slug],
      io,
    );
    await waitFor(() => io.out().includes("Press Ctrl-C to stop."));
    controller.abort();
    expect(await done, io.err()).toBe(0);
    const listed = [...io.out().matchAll(/^ {2}(GET|POST) https:\/\/organize\.example\.org(\S+)/gm)].map(
      (match) => `${match[1]} ${match[2]}`,
    );
    expect(listed.sort()).toEqual(SERVE_WEBHOOKS.map((hook) => `${hook.method} ${hook.path}`).sort());
    expect(io.err()).not.toContain("no --public-url");
  });
});
