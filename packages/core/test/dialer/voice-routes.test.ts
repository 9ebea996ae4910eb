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
