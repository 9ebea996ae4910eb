import { createPrecinct } from "@precinct/core";
import { createFakeVoice } from "@precinct/testing";
import {
  createTwilioImitation,
  startTwilioImitationServer,
  type TwilioWebhook,
} from "@precinct/testing/http";
import { createTwilio } from "@precinct/twilio";
import { describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { run, SERVE_WEBHOOKS } from "../src/index.js";
import { at, cli, memoryIo, NOON_IN_NC, recipientsList, waitFor } from "./support.js";

const ACCOUNT_SID = `AC${"0f1e2d3c4b5a6978".repeat(2)}`;
const AUTH_TOKEN = "serve-voice-auth-token";
const PUBLIC_URL = "https://organize.example.org";
/** The phone banks' caller id (a 555 test number); the server itself is given no sender. */
const CALLER_ID = "+19195550100";
const VOICEMAIL = "Hi, this is Durham Neighbors about early voting. Call us back at 919 555 0100.";
/** The Twilio account alone: phone banks, no texts. */
const ACCOUNT_ENV = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN };
const VOICE_HOOKS = SERVE_WEBHOOKS.filter((hook) => hook.channel === "voice");

/** Posts a webhook made for the public URL to the local server, as a TLS proxy in front of it would. */
async function deliver(local: string, webhook: TwilioWebhook): Promise<Response> {
  const url = new URL(webhook.url);
  return fetch(`${local}${url.pathname}${url.search}`, {
    method: "POST",
    headers: webhook.request.headers,
    body: webhook.rawBody,
  });
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

describe("precinct serve, phone banks (no database)", () => {
  it("--help lists the voice webhooks under their own heading, with nothing to configure", async () => {
    const help = await cli(["serve", "--help", "--public-url", PUBLIC_URL]);
    expect(help.code).toBe(0);
    expect(VOICE_HOOKS.map((hook) => hook.path)).toEqual([
      "/webhooks/voice/answer",
      "/webhooks/voice/status",
      "/webhooks/voice/amd",
    ]);
    const section = help.stdout.slice(help.stdout.indexOf("Phone banks (Twilio Voice):"));
    for (const hook of VOICE_HOOKS) {
      expect(section).toContain(`POST ${PUBLIC_URL}${hook.path}`);
      expect(hook.configure).toContain("nothing to configure");
    }
    expect(help.stdout).toContain("only phone banks");
    expect((await cli(["--help"])).stdout).toContain("POST /webhooks/voice/answer");
  });

  it("needs the account for phone banks, and names a malformed variable (exit 1)", async () => {
    const noToken = await cli(["serve", "--port", "0"], { env: { TWILIO_ACCOUNT_SID: ACCOUNT_SID } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain("TWILIO_AUTH_TOKEN is not set");
    const badBase = await cli(["serve", "--port", "0"], {
      env: { ...ACCOUNT_ENV, TWILIO_API_BASE_URL: "api.example.org" },
    });
    expect(badBase.code).toBe(1);
    expect(badBase.stderr).toContain("TWILIO_API_BASE_URL");
  });
});

forEachDatabase("precinct serve, phone banks", (db) => {
  it("serves phone banks with the account alone: verified answers put calls in rooms, async AMD drops the voicemail", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const imitation = createTwilioImitation({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const api = await startTwilioImitationServer(imitation);

    // The organizers' app: the SDK on the same database and Twilio account, where volunteers join.
    const app = await createPrecinct({
      database: db().url,
      organization: org,
      clock: NOON_IN_NC,
      plugins: {
        voice: createTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }).voice(),
      },
      phonebanks: { publicUrl: PUBLIC_URL },
    });
    const controller = new AbortController();
    const io = memoryIo({
      env: { ...ACCOUNT_ENV, TWILIO_API_BASE_URL: api.url },
      clock: NOON_IN_NC,
      signal: controller.signal,
    });
    let done: Promise<number> | undefined;
    try {
      const listId = await recipientsList(app, [
        { givenName: "Ana", familyName: "Rivera", phone: "+19195550121" },
        { givenName: "Ben", familyName: "Cole", phone: "+19195550122" },
        { givenName: "Cruz", familyName: "Diaz", phone: "+19195550123" },
      ]);
      const { person: volunteer } = await app.people.upsert({ givenName: "Jordan", familyName: "Caller" });
      const bank = await app.phonebanks.create({
        name: "GOTV calls",
        mode: "power",
        audience: { listId },
        policy: { consent: "not_opted_out" },
        callerId: CALLER_ID,
        settings: { voicemail: { say: VOICEMAIL } },
      });
      await app.phonebanks.launch(bank.campaign.id);

      done = run(["serve", "--port", "0", "--public-url", PUBLIC_URL, "--db", db().url, "--org", org], io);
      const local = await waitFor(() => LISTENING.exec(io.out())?.[1]);
      await waitFor(() => io.out().includes("Press Ctrl-C to stop."));
      // The voice routes at the public URL; no texting routes without a sender, and the banner says so.
      for (const hook of VOICE_HOOKS) expect(io.out()).toContain(`POST ${PUBLIC_URL}${hook.path}`);
      expect(io.out()).not.toContain("/webhooks/sms/");
      expect(io.out()).toContain("Texts: off");
      expect(io.out()).toContain(`Phone banks: calls answered at ${PUBLIC_URL}/webhooks/voice/answer`);
      expect(io.err()).not.toContain("no --public-url");

      // A volunteer joins by phone through the SDK: Twilio is asked to call them, answer URL on the public URL.
      const session = await app.phonebanks.join(bank.campaign.id, volunteer.id, {
        via: "phone",
        phone: "+19195553000",
      });
      expect(imitation.calls).toHaveLength(1);
      const volunteerCall = imitation.calls[0]!;
      expect(volunteerCall.params).toMatchObject({
        To: "+19195553000",
        From: CALLER_ID,
        Url: `${PUBLIC_URL}/webhooks/voice/answer?session=${session.id}`,
      });

      // Forged answers are refused and change nothing.
      for (const forged of ["signature", "body", "url", "missing"] as const) {
        const response = await deliver(local, imitation.answerWebhook(volunteerCall.sid, { forged }));
        expect(response.status, forged).toBe(403);
      }
      expect((await client.phonebanks.session(session.id)).state).toBe("connecting");
      expect(imitation.calls).toHaveLength(1);

      // The signed answer (for the public URL, posted to the local one) puts the volunteer in their room.
      imitation.setCallStatus(volunteerCall.sid, "in-progress");
      const answered = await deliver(local, imitation.answerWebhook(volunteerCall.sid));
      expect(answered.status).toBe(200);
      expect(answered.headers.get("content-type")).toContain("xml");
      const twiml = await answered.text();
      expect(twiml).toMatch(new RegExp(`<Conference[^>]*>${session.conferenceName}</Conference>`));

      // Power mode: the server dialed the first contact through Twilio, its URLs on the public URL, with
      // asynchronous detection that waits for the greeting's end (a voicemail is set).
      await waitFor(() => imitation.calls.length === 2);
      const contactCall = imitation.calls[1]!;
      expect(contactCall.params).toMatchObject({
        From: CALLER_ID,
        MachineDetection: "DetectMessageEnd",
        AsyncAmd: "true",
      });
      expect(String(contactCall.params.Url)).toMatch(
        /^https:\/\/organize\.example\.org\/webhooks\/voice\/answer\?call=/,
      );
      expect(String(contactCall.params.StatusCallback)).toMatch(
        /^https:\/\/organize\.example\.org\/webhooks\/voice\/status\?call=/,
      );

      // Twilio answers before detection is done: the contact goes into the volunteer's room.
      const ringing = await deliver(
        local,
        imitation.callStatusWebhook({ callSid: contactCall.sid, status: "in-progress" }),
      );
      expect(ringing.status).toBe(200);
      const contactAnswer = await deliver(local, imitation.answerWebhook(contactCall.sid));
      expect(await contactAnswer.text()).toContain(`>${session.conferenceName}</Conference>`);
      expect((await client.phonebanks.session(session.id)).state).toBe("talking");

      // Then detection hears the beep: the live call is redirected to the voicemail, not hung up.
      const amd = await deliver(
        local,
        imitation.amdWebhook({ callSid: contactCall.sid, answeredBy: "machine_end_beep" }),
      );
      expect(amd.status).toBe(200);
      const redirected = imitation.calls.find((call) => call.sid === contactCall.sid)!;
      expect(redirected.twiml).toContain(`${VOICEMAIL}</Say>`);
      expect(redirected.updates.map((update) => update.Status)).not.toContain("completed");
      const [record] = await client.calls.list({ where: { providerId: contactCall.sid } });
      expect(record).toMatchObject({ disposition: "voicemail_left", answeredBy: "machine_end_beep" });
      // The volunteer is free again and the next contact is dialed.
      await waitFor(() => imitation.calls.length === 3);
      expect(imitation.calls[2]!.params.To).not.toBe(contactCall.params.To);
    } finally {
      controller.abort();
      const code = await done;
      await app.close();
      await api.close();
      expect(code, io.err()).toBe(0);
    }
    expect(io.out()).toContain("precinct serve: stopped");
  });

  it("gives phone banks their upkeep at start and every few seconds: expired claims are handed back", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const imitation = createTwilioImitation({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const api = await startTwilioImitationServer(imitation);

    // A preview volunteer took a contact at noon, then their browser crashed: the claim holds it.
    const app = await createPrecinct({
      database: db().url,
      organization: org,
      clock: NOON_IN_NC,
      plugins: { voice: createFakeVoice({ now: NOON_IN_NC }) },
      phonebanks: { publicUrl: PUBLIC_URL },
    });
    const listId = await recipientsList(app, [
      { givenName: "Dana", familyName: "Reyes", phone: "+19195550131" },
      { givenName: "Eve", familyName: "Park", phone: "+19195550132" },
    ]);
    const { person: volunteer } = await app.people.upsert({ givenName: "Sam", familyName: "Caller" });
    const { person: second } = await app.people.upsert({ givenName: "Kai", familyName: "Caller" });
    const bank = await app.phonebanks.create({
      name: "Preview calls",
      mode: "preview",
      audience: { listId },
      policy: { consent: "not_opted_out" },
      callerId: CALLER_ID,
    });
    await app.phonebanks.launch(bank.campaign.id);
    const session = await app.phonebanks.join(bank.campaign.id, volunteer.id, {
      via: "phone",
      phone: "+19195553001",
    });
    await app.phonebanks.answer({ sessionId: session.id });
    expect((await app.phonebanks.next(session.id)).status).toBe("contact");
    expect(await app.phonebanks.contacts(bank.campaign.id, { state: "claimed" })).toHaveLength(1);

    // Half an hour later (past the claim's lease) the server starts, texting and phone banks both.
    const controller = new AbortController();
    const io = memoryIo({
      env: { ...ACCOUNT_ENV, TWILIO_FROM_NUMBER: "+15550100000", TWILIO_API_BASE_URL: api.url },
      clock: at("2026-11-18T17:31:00.000Z"),
      signal: controller.signal,
    });
    const done = run(
      ["serve", "--port", "0", "--public-url", PUBLIC_URL, "--db", db().url, "--org", org],
      io,
    );
    const recoveries = () => io.out().split("phone banks: 1 contact recovered").length - 1;
    try {
      // The first upkeep runs at start.
      await waitFor(async () => {
        const ready = await client.phonebanks.contacts(bank.campaign.id, { state: "ready" });
        return ready.length === 2;
      });
      await waitFor(() => recoveries() === 1);

      // Another volunteer takes a contact on the app's (noon) clock, already expired by the server's: the
      // next upkeep, a few seconds on, hands it back too.
      const other = await app.phonebanks.join(bank.campaign.id, second.id, {
        via: "phone",
        phone: "+19195553002",
      });
      await app.phonebanks.answer({ sessionId: other.id });
      expect((await app.phonebanks.next(other.id)).status).toBe("contact");
      expect(await client.phonebanks.contacts(bank.campaign.id, { state: "claimed" })).toHaveLength(1);
      await waitFor(() => recoveries() === 2, 10_000);
      expect(await client.phonebanks.contacts(bank.campaign.id, { state: "ready" })).toHaveLength(2);
      expect(io.out()).toContain("upkeep every 5 s");
      for (const hook of SERVE_WEBHOOKS.filter((h) => h.channel !== "email")) {
        expect(io.out()).toContain(`POST ${PUBLIC_URL}${hook.path}`);
      }
      expect(io.out()).not.toContain("Texts: off");
      expect(io.out()).toContain("Dispatcher: sending queued texts");
    } finally {
      controller.abort();
      const code = await done;
      await app.close();
      await api.close();
      expect(code, io.err()).toBe(0);
    }
    expect(io.err()).not.toContain("upkeep failed");
    expect(io.out()).toContain("precinct serve: stopped");
  });

  it("without a public URL lists the voice routes locally and warns that no call can be placed", async () => {
    const client = await db().client();
    const controller = new AbortController();
    const io = memoryIo({ env: ACCOUNT_ENV, signal: controller.signal });
    const done = run(["serve", "--port", "0", "--db", db().url, "--org", client.organization.slug], io);
    await waitFor(() => io.out().includes("Press Ctrl-C to stop."));
    expect(io.out()).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/voice\/answer/);
    expect(io.out()).toContain("Phone banks: no calls without --public-url");
    expect(io.err()).toContain("phone banks cannot place calls");
    controller.abort();
    expect(await done, io.err()).toBe(0);
  });
});
