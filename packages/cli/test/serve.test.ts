import { createPrecinct } from "@precinct/core";
import {
  createTwilioImitation,
  startTwilioImitationServer,
  type TwilioWebhook,
} from "@precinct/testing/http";
import { describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { run, SERVE_WEBHOOKS } from "../src/index.js";
import { cli, memoryIo, NOON_IN_NC, recipientsList, waitFor } from "./support.js";

const ACCOUNT_SID = `AC${"fedcba9876543210".repeat(2)}`;
const AUTH_TOKEN = "serve-test-auth-token";
const PUBLIC_URL = "https://organize.example.org";
const OUR_NUMBER = "+15550100000";
const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM_NUMBER: OUR_NUMBER,
};

/** Posts a webhook made for the public URL to the local server, as a TLS proxy in front of it would. */
async function deliver(local: string, webhook: TwilioWebhook): Promise<Response> {
  const url = new URL(webhook.url);
  return fetch(`${local}${url.pathname}${url.search}`, {
    method: "POST",
    headers: webhook.request.headers,
    body: webhook.rawBody,
  });
}

describe("precinct serve (no database, no credentials)", () => {
  it("--help lists every webhook, as full URLs when --public-url is given", async () => {
    const plain = await cli(["serve", "--help"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("POST /webhooks/sms/inbound");
    expect(plain.stdout).toContain("POST /webhooks/sms/status");
    expect(plain.stdout).toContain("TWILIO_AUTH_TOKEN");
    const full = await cli(["serve", "--help", "--public-url", `${PUBLIC_URL}/`]);
    expect(full.code).toBe(0);
    for (const hook of SERVE_WEBHOOKS)
      expect(full.stdout).toContain(`${hook.method} ${PUBLIC_URL}${hook.path}`);
    expect(full.stdout).toContain("A message comes in");
    expect((await cli(["--help"])).stdout).toContain("POST /webhooks/sms/inbound");
  });

  it("refuses a bad port (exit 2) and names a missing variable (exit 1)", async () => {
    const port = await cli(["serve", "--port", "http"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain("--port");
    const missing = await cli(["serve", "--port", "0"], {
      env: { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_FROM_NUMBER: OUR_NUMBER },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("TWILIO_AUTH_TOKEN");
  });
});

forEachDatabase("precinct serve", (db) => {
  it("verifies Twilio webhooks over the public URL, sends queued texts with status callbacks, stops on abort", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const imitation = createTwilioImitation({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const api = await startTwilioImitationServer(imitation);

    // A blast launched at noon in North Carolina, waiting for a dispatcher.
    const launcher = await createPrecinct({ database: db().url, organization: org, clock: NOON_IN_NC });
    const listId = await recipientsList(launcher, [
      { givenName: "Ana", familyName: "Rivera", phone: "+19195550121", optedIn: true },
    ]);
    const campaign = await launcher.campaigns.create({
      name: "Served blast",
      channel: "sms",
      mode: "blast",
      audience: { listId },
      template: { body: "Hi {{givenName}}, polls open at 6:30." },
    });
    expect(await launcher.campaigns.launch(campaign.id)).toMatchObject({ queued: 1 });
    await launcher.close();

    const controller = new AbortController();
    const io = memoryIo({
      env: { ...TWILIO_ENV, TWILIO_API_BASE_URL: api.url },
      clock: NOON_IN_NC,
      signal: controller.signal,
    });
    const done = run(
      ["serve", "--port", "0", "--public-url", PUBLIC_URL, "--db", db().url, "--org", org],
      io,
    );
    try {
      const local = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.out())?.[1]);
      // Every texting webhook --help lists is one the router serves, at the public URL; no email ones.
      for (const hook of SERVE_WEBHOOKS.filter((h) => h.channel === "sms")) {
        expect(io.out()).toContain(`POST ${PUBLIC_URL}${hook.path}`);
      }
      expect(io.out()).not.toContain("/webhooks/email/");
      expect(io.out()).toContain(`delivery reports to ${PUBLIC_URL}/webhooks/sms/status`);

      // The background dispatcher sends the queued text through "Twilio", naming the public status URL.
      await waitFor(async () => (await client.outbox.counts({ campaignId: campaign.id })).sent === 1);
      expect(imitation.sent).toHaveLength(1);
      const message = imitation.sent[0]!;
      expect(message.params).toMatchObject({
        To: "+19195550121",
        From: OUR_NUMBER,
        StatusCallback: `${PUBLIC_URL}/webhooks/sms/status`,
      });

      // Twilio reports delivery to the status callback.
      const status = await deliver(
        local,
        imitation.statusWebhook({ messageSid: message.sid, status: "delivered" }),
      );
      expect(status.status).toBe(200);
      expect((await client.campaigns.report(campaign.id)).statuses).toEqual({ delivered: 1 });

      // A forged STOP is refused and changes nothing.
      const inboundUrl = `${PUBLIC_URL}/webhooks/sms/inbound`;
      for (const forged of ["signature", "body", "url", "missing"] as const) {
        const response = await deliver(
          local,
          imitation.inboundWebhook(
            { from: "+19195550121", to: OUR_NUMBER, body: "STOP", url: inboundUrl },
            { forged },
          ),
        );
        expect(response.status, forged).toBe(403);
      }
      expect((await client.consent.status("sms", "+19195550121")).status).toBe("opted_in");

      // Signed for the public URL, posted to the local one: accepted, and the opt-out is in the ledger.
      const stop = await deliver(
        local,
        imitation.inboundWebhook({ from: "+19195550121", to: OUR_NUMBER, body: "STOP", url: inboundUrl }),
      );
      expect(stop.status).toBe(200);
      const consent = await client.consent.status("sms", "+19195550121");
      expect(consent.status).toBe("opted_out");
      expect(consent.lastEvent).toMatchObject({ kind: "opt_out", rawText: "STOP" });
      await waitFor(() => io.out().includes("received opt out from +1919•••0121"));
    } finally {
      controller.abort();
      const code = await done;
      await api.close();
      expect(code, io.err()).toBe(0);
    }
    expect(io.out()).toContain("precinct serve: stopped");
    // Stopped means closed: nothing listens any more.
    const local = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.out())![1]!;
    await expect(fetch(`${local}/webhooks/sms/inbound`, { method: "POST" })).rejects.toThrow();
  });

  it("--no-dispatch only receives webhooks", async () => {
    const client = await db().client();
    const controller = new AbortController();
    const io = memoryIo({ env: TWILIO_ENV, signal: controller.signal });
    const done = run(
      ["serve", "--port", "0", "--no-dispatch", "--db", db().url, "--org", client.organization.slug],
      io,
    );
    await waitFor(() => io.out().includes("Press Ctrl-C to stop."));
    expect(io.out()).toContain("Dispatcher: off (--no-dispatch)");
    // Without --public-url the local URLs are printed, and stderr says what that means.
    expect(io.out()).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/sms\/inbound/);
    expect(io.err()).toContain("no --public-url");
    controller.abort();
    expect(await done).toBe(0);
  });
});
