import type { FakeVoiceOptions } from "@precinct/testing";
import {
  createFakeVoice,
  createSignedFormWebhook,
  createWebhookRequest,
  DEFAULT_FAKE_WEBHOOK_SECRET,
  FAKE_SIGNATURE_HEADER,
} from "@precinct/testing";
import { expect, it } from "vitest";
import type { WebhookRequest } from "../../src/index.js";
import { voiceRoutes } from "../../src/webhooks/voice-routes.js";
import { forEachDatabase } from "../support/databases.js";
import { CALLER_ID, callIdOf, dialerClients, PUBLIC_URL, peopleList, TestClock } from "./support.js";

const EVENING = "2026-11-18T23:00:00.000Z";
/** The voicemail of the phone banks that drop one (synthetic organization, 555 number). */
const VOICEMAIL = "Hi, this is Durham Neighbors calling about early voting. Call us back at 919 555 0100.";

/** A fake-signed form request to `url` (the fake signs the body; the URL is where the router got it). */
function signed(url: string, fields: Record<string, string | undefined>, forged = false): WebhookRequest {
  const made = createSignedFormWebhook(url, fields, DEFAULT_FAKE_WEBHOOK_SECRET, forged);
  return createWebhookRequest({
    url,
    rawBody: made.rawBody,
    headers: { [FAKE_SIGNATURE_HEADER]: made.request.headers.get(FAKE_SIGNATURE_HEADER)! },
  });
}

forEachDatabase("voice webhook routes", (db) => {
  const client = dialerClients(db);

  const setup = async () => {
    const clock = new TestClock(EVENING);
    const made = await client({ clock, voiceOptions: { outcomes: { busy: 1 } } });
    const { p } = made;
    const { listId } = await peopleList(
      p,
      Array.from({ length: 3 }, (_, i) => ({
        givenName: `N${i}`,
        phone: `+1919555${2000 + i}`,
        region: "NC",
      })),
    );
    const volunteer = await peopleList(p, [{ givenName: "Jordan", familyName: "Caller" }]);
    const bank = await p.phonebanks.create({
      name: "Calls",
      mode: "power",
      audience: { listId },
      policy: { consent: "not_opted_out" },
      callerId: CALLER_ID,
    });
    await p.phonebanks.launch(bank.campaign.id);
    const routes = voiceRoutes(p.plugins, p.phonebanks, { publicUrl: PUBLIC_URL });
    const handler = (suffix: string) =>
      routes.find((r) => r.route.path === `/webhooks/voice/${suffix}`)!.handler;
    return { ...made, bank, volunteerId: volunteer.ids[0]!, routes, handler };
  };

  it("lists the answer, status and machine-detection routes with their public URLs", async () => {
    const { routes } = await setup();
    expect(routes.map((r) => [r.route.method, r.route.path, r.route.url])).toEqual([
      ["POST", "/webhooks/voice/answer", `${PUBLIC_URL}/webhooks/voice/answer`],
      ["POST", "/webhooks/voice/status", `${PUBLIC_URL}/webhooks/voice/status`],
      ["POST", "/webhooks/voice/amd", `${PUBLIC_URL}/webhooks/voice/amd`],
    ]);
    expect(voiceRoutes({}, (await setup()).p.phonebanks)).toEqual([]);
  });

  it("answers a volunteer's call with their room, refusing forged requests without changing anything", async () => {
    const { p, voice, bank, volunteerId, handler } = await setup();
    const session = await p.phonebanks.join(bank.campaign.id, volunteerId, {
      via: "phone",
      phone: "+19195553000",
    });
    const url = voice.calls[0]!.params.answerUrl;
    expect(url).toBe(`${PUBLIC_URL}/webhooks/voice/answer?session=${session.id}`);
    const forged = await handler("answer")(signed(url, { CallId: voice.calls[0]!.providerId }, true));
    expect(forged.status).toBe(403);
    const unsigned = await handler("answer")(createWebhookRequest({ url, rawBody: "CallId=x" }));
    expect(unsigned.status).toBe(403);
    expect((await p.phonebanks.session(session.id)).state).toBe("connecting");
    expect(voice.calls).toHaveLength(1);

    const answered = await handler("answer")(signed(url, { CallId: voice.calls[0]!.providerId }));
    expect(answered.status).toBe(200);
    expect(answered.headers.get("content-type")).toBe("application/xml");
    const body = await answered.text();
    expect(body).toContain(
      `<Conference startConferenceOnEnter="true" endConferenceOnExit="true" beep="false">${session.conferenceName}</Conference>`,
    );
    expect((await p.phonebanks.session(session.id)).state).toBe("dialing");
    // Power mode: the first contact was dialed once the volunteer was in.
    expect(voice.calls).toHaveLength(2);
    const missing = await handler("answer")(signed(`${PUBLIC_URL}/webhooks/voice/answer`, {}));
    expect(missing.status).toBe(400);
  });

  it("applies status callbacks once, deduped by call and status; refuses forged ones", async () => {
    const { p, voice, bank, volunteerId, handler } = await setup();
    const session = await p.phonebanks.join(bank.campaign.id, volunteerId, {
      via: "phone",
      phone: "+19195553000",
    });
    await p.phonebanks.answer({ sessionId: session.id });
    const contactCall = voice.calls[1]!;
    const statusUrl = contactCall.params.statusCallbackUrl!;
    expect(statusUrl).toBe(
      `${PUBLIC_URL}/webhooks/voice/status?call=${callIdOf(contactCall.params.answerUrl)}`,
    );
    const busy = { Type: "call-status", CallId: contactCall.providerId, CallStatus: "busy" };
    const forged = await handler("status")(signed(statusUrl, busy, true));
    expect(forged.status).toBe(403);
    expect(await p.interactions.list({ where: { campaignId: bank.campaign.id } })).toHaveLength(0);

    expect((await handler("status")(signed(statusUrl, busy))).status).toBe(200);
    expect((await handler("status")(signed(statusUrl, busy))).status).toBe(200);
    const interactions = await p.interactions.list({ where: { campaignId: bank.campaign.id } });
    expect(interactions.map((i) => i.outcome)).toEqual(["busy"]);
    // The busy line freed the volunteer: power mode dialed the next contact, once.
    expect(voice.calls).toHaveLength(3);
    const bad = await handler("status")(
      signed(statusUrl, { Type: "call-status", CallId: "x", CallStatus: "exploded" }),
    );
    expect(bad.status).toBe(400);
  });

  it("a machine reported after the call was put through is hung up and recorded; unsigned transports need trust", async () => {
    const { p, voice, bank, volunteerId, handler } = await setup();
    const session = await p.phonebanks.join(bank.campaign.id, volunteerId, {
      via: "phone",
      phone: "+19195553000",
    });
    await p.phonebanks.answer({ sessionId: session.id });
    const contactCall = voice.calls[1]!;
    const callId = callIdOf(contactCall.params.answerUrl);
    // The provider answered before detection finished: the contact joins the volunteer's room.
    await p.phonebanks.answer({ callId });
    expect((await p.phonebanks.session(session.id)).state).toBe("talking");
    const amd = await handler("amd")(
      signed(`${PUBLIC_URL}/webhooks/voice/amd?call=${callId}`, {
        Type: "call-status",
        CallId: contactCall.providerId,
        CallStatus: "in-progress",
        AnsweredBy: "machine_start",
      }),
    );
    expect(amd.status).toBe(200);
    const [call] = await p.calls.list({ where: { providerId: contactCall.providerId } });
    expect(call).toMatchObject({ disposition: "machine", answeredBy: "machine_start" });
    // Hung up at the provider (the fake never played this call, so it ends canceled).
    expect(voice.calls.find((c) => c.providerId === contactCall.providerId)?.status).toBe("canceled");
    // Freed and on to the next contact.
    expect(voice.calls).toHaveLength(3);

    const plain = createFakeVoice();
    const { verifyWebhook: _v, ...unsignedVoice } = plain;
    const strict = voiceRoutes({ voice: unsignedVoice as never }, p.phonebanks);
    const trusting = voiceRoutes({ voice: unsignedVoice as never }, p.phonebanks, {
      trustUnsignedWebhooks: true,
    });
    const request = () =>
      createWebhookRequest({
        url: `${PUBLIC_URL}/webhooks/voice/status`,
        rawBody: "Type=call-status&CallId=CAunknown&CallStatus=ringing",
      });
    expect((await strict.find((r) => r.route.path.endsWith("/status"))!.handler(request())).status).toBe(403);
    expect((await trusting.find((r) => r.route.path.endsWith("/status"))!.handler(request())).status).toBe(
      200,
    );
  });
});

forEachDatabase("voicemail drop after asynchronous machine detection", (db) => {
  const client = dialerClients(db);

  /**
   * A power phone bank whose first contact was put through to the volunteer before detection finished
   * (Twilio's default, asynchronous AMD): the answer URL had no AnsweredBy.
   */
  const putThrough = async (
    options: {
      readonly voicemail?: boolean;
      readonly voiceOptions?: FakeVoiceOptions;
      readonly errors?: unknown[];
    } = {},
  ) => {
    const clock = new TestClock(EVENING);
    const errors = options.errors;
    const made = await client({
      clock,
      // Every call reaches a machine, as detection will report it.
      voiceOptions: { outcomes: { machine: 1 }, ...options.voiceOptions },
      ...(errors ? { phonebanks: { onError: (error: unknown) => void errors.push(error) } } : {}),
    });
    const { p, voice } = made;
    const { listId } = await peopleList(
      p,
      Array.from({ length: 3 }, (_, i) => ({
        givenName: `M${i}`,
        phone: `+1919555${2100 + i}`,
        region: "NC",
      })),
    );
    const volunteer = await peopleList(p, [{ givenName: "Riley", familyName: "Caller" }]);
    const bank = await p.phonebanks.create({
      name: "Voicemail calls",
      mode: "power",
      audience: { listId },
      policy: { consent: "not_opted_out" },
      callerId: CALLER_ID,
      settings: {
        machineDetection: true,
        ...(options.voicemail === false ? {} : { voicemail: { say: VOICEMAIL, language: "en-US" } }),
      },
    });
    await p.phonebanks.launch(bank.campaign.id);
    const session = await p.phonebanks.join(bank.campaign.id, volunteer.ids[0]!, {
      via: "phone",
      phone: "+19195553100",
    });
    await p.phonebanks.answer({ sessionId: session.id });
    const contactCall = voice.calls[1]!;
    // The dialer asked for detection that waits for the greeting's end only when a voicemail is set.
    expect(contactCall.params.machineDetection).toBe(
      options.voicemail === false ? "enable" : "detect_message_end",
    );
    const callId = callIdOf(contactCall.params.answerUrl)!;
    await p.phonebanks.answer({ callId }, { answeredBy: null });
    expect((await p.phonebanks.session(session.id)).state).toBe("talking");
    const amd = voiceRoutes(p.plugins, p.phonebanks, { publicUrl: PUBLIC_URL }).find((r) =>
      r.route.path.endsWith("/voice/amd"),
    )!.handler;
    const detect = (answeredBy: string) =>
      amd(
        signed(`${PUBLIC_URL}/webhooks/voice/amd?call=${callId}`, {
          Type: "call-status",
          CallId: contactCall.providerId,
          CallStatus: "in-progress",
          AnsweredBy: answeredBy,
        }),
      );
    return { ...made, bank, session, contactCall, detect };
  };

  const outcomesOf = async (p: Awaited<ReturnType<typeof putThrough>>["p"], campaignId: string) =>
    (await p.interactions.list({ where: { campaignId } })).map((i) => i.outcome);

  it("machine_end_beep with a voicemail: the live call is redirected to it, voicemail_left, volunteer on to the next", async () => {
    const { p, voice, bank, session, contactCall, detect } = await putThrough();
    expect((await detect("machine_end_beep")).status).toBe(200);

    // The call was given the voicemail (not hung up), once.
    expect(voice.redirects).toEqual([
      {
        providerId: contactCall.providerId,
        input: { action: "say", text: VOICEMAIL, language: "en-US" },
        output: expect.objectContaining({ body: expect.stringContaining(VOICEMAIL) }),
      },
    ]);
    expect(voice.calls.find((c) => c.providerId === contactCall.providerId)?.status).toBe("queued");
    const [call] = await p.calls.list({ where: { providerId: contactCall.providerId } });
    expect(call).toMatchObject({ disposition: "voicemail_left", answeredBy: "machine_end_beep" });
    expect(await outcomesOf(p, bank.campaign.id)).toEqual(["voicemail_left"]);

    // The volunteer was freed and power mode dialed the next contact into their room.
    expect(voice.calls).toHaveLength(3);
    const now = await p.phonebanks.session(session.id);
    expect(now.state).toBe("dialing");
    expect(voice.calls[2]!.params.to).not.toBe(contactCall.params.to);

    // A retried callback, or the final status after the message played, changes nothing more.
    expect((await detect("machine_end_beep")).status).toBe(200);
    for (const update of voice.progress(contactCall.providerId)) {
      await p.phonebanks.callStatus(update, { callId: callIdOf(contactCall.params.answerUrl) });
    }
    expect(voice.redirects).toHaveLength(1);
    expect(await outcomesOf(p, bank.campaign.id)).toEqual(["voicemail_left"]);
    expect(voice.calls).toHaveLength(3);
  });

  it("without redirect (or with machine_start, or no voicemail) the machine is hung up and recorded", async () => {
    const cases = [
      {
        title: "no redirect",
        options: { voiceOptions: { redirect: false } },
        answeredBy: "machine_end_beep",
      },
      { title: "machine_start", options: {}, answeredBy: "machine_start" },
      { title: "no voicemail", options: { voicemail: false }, answeredBy: "machine_end_silence" },
    ] as const;
    for (const { title, options, answeredBy } of cases) {
      const { p, voice, bank, session, contactCall, detect } = await putThrough(options);
      expect((await detect(answeredBy)).status, title).toBe(200);
      expect(voice.redirects, title).toHaveLength(0);
      expect(voice.calls.find((c) => c.providerId === contactCall.providerId)?.status, title).toBe(
        "canceled",
      );
      const [call] = await p.calls.list({ where: { providerId: contactCall.providerId } });
      expect(call, title).toMatchObject({ disposition: "machine", answeredBy });
      expect(await outcomesOf(p, bank.campaign.id), title).toEqual(["machine"]);
      expect(voice.calls, title).toHaveLength(3);
      expect((await p.phonebanks.session(session.id)).state, title).toBe("dialing");
    }
  });

  it("a redirect that fails (the machine hung up first) records machine and reports the error", async () => {
    const errors: unknown[] = [];
    const { p, voice, bank, contactCall, detect } = await putThrough({ errors });
    // The call ended at the provider, and its final status has not reached us yet.
    voice.progress(contactCall.providerId);
    expect((await detect("machine_end_other")).status).toBe(200);
    expect(voice.redirects).toHaveLength(0);
    expect(errors).toEqual([expect.objectContaining({ details: { failureReason: "call_ended" } })]);
    const [call] = await p.calls.list({ where: { providerId: contactCall.providerId } });
    expect(call).toMatchObject({ disposition: "machine" });
    expect(await outcomesOf(p, bank.campaign.id)).toEqual(["machine"]);
    expect(voice.calls).toHaveLength(3);
  });
});
