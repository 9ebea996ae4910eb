import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct, type Precinct } from "@precinct/core";
import { createTwilioImitation, startTwilioImitationServer } from "@precinct/testing/http";
import { createTwilio } from "@precinct/twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ACCOUNT_SID = `AC${"d".repeat(32)}`;
const AUTH_TOKEN = "router-test-token";
const PUBLIC = "https://organize.example.org";

/**
 * The webhook router with the real Twilio transport: Twilio-signed requests (signed over the PUBLIC url,
 * as Twilio does behind a proxy) are handled; forged ones get 403 and change nothing; retries are
 * handled once; inbound messages are answered with TwiML.
 */
describe("webhook router with the Twilio transport", () => {
  const dir = mkdtempSync(join(tmpdir(), "precinct-twilio-router-"));
  const imitation = createTwilioImitation({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    webhookUrl: `${PUBLIC}/webhooks/sms/inbound`,
  });
  let server: Awaited<ReturnType<typeof startTwilioImitationServer>>;
  let p: Precinct;

  // A Wednesday noon in North Carolina, so quiet hours never hold the sends up.
  const offset = new Date("2026-11-18T17:00:00.000Z").getTime() - Date.now();
  beforeAll(async () => {
    server = await startTwilioImitationServer(imitation, { port: 0 });
    const sms = createTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: server.url }).sms({
      from: "+15550100000",
    });
    p = await createPrecinct({
      database: join(dir, "router.db"),
      organization: { name: "Router", slug: "router" },
      plugins: { sms },
      clock: () => new Date(Date.now() + offset),
    });
  });
  afterAll(async () => {
    await p.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the local server would receive: the same headers and body at its own (private) address. */
  const local = (webhook: { request: Request; rawBody: string; url: string }) => {
    const url = new URL(webhook.url);
    return new Request(`http://127.0.0.1:8787${url.pathname}${url.search}`, {
      method: "POST",
      headers: webhook.request.headers,
      body: webhook.rawBody,
    });
  };

  it("refuses a forged or unsigned inbound webhook with 403 and records nothing", async () => {
    const router = p.webhooks({ publicUrl: PUBLIC });
    const forged = imitation.inboundWebhook({ from: "+19192640199", body: "START" }, { forged: true });
    expect((await router.handle(local(forged))).status).toBe(403);
    const unsigned = new Request("http://127.0.0.1:8787/webhooks/sms/inbound", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "From=%2B19192640199&To=%2B15550100000&Body=START&MessageSid=SM123",
    });
    expect((await router.handle(unsigned)).status).toBe(403);
    expect(await p.messages.count({ direction: "inbound" })).toBe(0);
    expect((await p.consent.status("sms", "+19192640199")).status).toBe("unknown");
  });

  it("verifies against the public URL, handles a STOP once, and answers Twilio with TwiML", async () => {
    const router = p.webhooks({ publicUrl: PUBLIC });
    const stop = imitation.inboundWebhook({ from: "+19192640198", body: "STOP" });
    const first = await router.handle(local(stop));
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/xml/);
    expect(await first.text()).toContain("<Response");
    expect((await router.handle(local(stop))).status).toBe(200);
    expect(await p.consent.isOptedOut("sms", "+19192640198")).toBe(true);
    expect((await p.consent.history("sms", "+19192640198")).filter((e) => e.kind === "opt_out")).toHaveLength(
      1,
    );
    // Without publicUrl the router checks the URL it saw (127.0.0.1), which Twilio did not sign.
    const naive = p.webhooks();
    const again = imitation.inboundWebhook({ from: "+19192640197", body: "STOP" });
    expect((await naive.handle(local(again))).status).toBe(403);
  });

  it("applies Twilio status callbacks forward only", async () => {
    const list = await p.lists.create({ name: "one" });
    const { person } = await p.people.upsert({
      givenName: "Stat",
      familyName: "Us",
      phoneNumbers: [{ number: "+19192640196", primary: true }],
    });
    await p.lists.addMembers(list.id, [person.id]);
    const campaign = await p.campaigns.create({
      name: "s",
      channel: "sms",
      audience: { listId: list.id },
      template: { body: "Hello" },
    });
    await p.campaigns.launch(campaign.id);
    const router = p.webhooks({ publicUrl: PUBLIC });
    const batch = await p.p2p.requestBatch(campaign.id, person.id, { size: 1 });
    const sent = await p.p2p.send(person.id, batch.contacts[0]!.outboxId);
    expect(sent.state).toBe("sent");
    const sid = imitation.sent.at(-1)!.sid;
    const delivered = imitation.statusWebhook({
      messageSid: sid,
      status: "delivered",
      url: `${PUBLIC}/webhooks/sms/status`,
    });
    const late = imitation.statusWebhook({
      messageSid: sid,
      status: "sent",
      url: `${PUBLIC}/webhooks/sms/status`,
    });
    expect((await router.handle(local(delivered))).status).toBe(200);
    expect((await router.handle(local(late))).status).toBe(200);
    const [message] = await p.messages.list({ where: { providerId: sid } });
    expect(message?.status).toBe("delivered");
  });
});
