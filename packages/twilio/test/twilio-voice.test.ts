import { createHash } from "node:crypto";
import {
  ConfigError,
  InvalidInputError,
  NotFoundError,
  PrecinctError,
  ProviderError,
  type WebhookRequest,
} from "@precinct/core";
import { parseXmlMarkup, type XmlElement } from "@precinct/testing/conformance";
import {
  createTwilioImitation,
  encodeTwilioForm,
  signTwilioWebhook,
  type TwilioParams,
  twilioHandlers,
} from "@precinct/testing/http";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTwilio,
  isUncertainCallError,
  mapTwilioVoiceError,
  ringTimeout,
  type TwilioVoiceOptions,
  type TwilioVoiceTransport,
} from "../src/index.js";

const accountSid = `AC${"f6".repeat(16)}`;
const authToken = "voice-unit-auth-token";
const CALLER = "+15550100000";
const VOTER = "+19195550123";
const ANSWER = "https://organize.example.org/webhooks/twilio/voice/answer";
const STATUS = "https://organize.example.org/webhooks/twilio/voice/status";
const AMD = "https://organize.example.org/webhooks/twilio/voice/amd";
const CALLS_URL = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Calls.json`;

// A clock the tests move, so Twilio's timestamps are known to the second.
let clock = new Date("2026-10-20T22:15:00.000Z");
const imitation = createTwilioImitation({
  accountSid,
  authToken,
  now: () => clock,
  webhookUrl: STATUS,
  callErrors: { "+442071838750": 21215, "+19005550100": 21216 },
});
const server = setupServer(...twilioHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => {
  server.resetHandlers();
  imitation.reset();
  clock = new Date("2026-10-20T22:15:00.000Z");
});
afterAll(() => server.close());

const voice = (options: TwilioVoiceOptions = { statusCallbackUrl: STATUS }): TwilioVoiceTransport =>
  createTwilio({ accountSid, authToken }).voice(options);
let keys = 0;
const outbound = (extra: Record<string, unknown> = {}) => ({
  to: VOTER,
  from: CALLER,
  answerUrl: ANSWER,
  idempotencyKey: `attempt-${++keys}`,
  ...extra,
});
const rejection = async (promise: Promise<unknown>): Promise<PrecinctError> => {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(PrecinctError.isInstance(error), String(error)).toBe(true);
  return error as PrecinctError;
};
const twiml = (body: string): XmlElement => {
  const root = parseXmlMarkup(body);
  expect(root.name).toBe("Response");
  return root;
};
const only = (element: XmlElement | undefined, name: string): XmlElement => {
  expect(element?.children.map((c) => c.name)).toEqual([name]);
  return element!.children[0]!;
};
const webhook = (url: string, params: TwilioParams, signature?: string): WebhookRequest => {
  const rawBody = encodeTwilioForm(params);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (signature !== undefined) headers["X-Twilio-Signature"] = signature;
  return { request: new Request(url, { method: "POST", headers, body: rawBody }), rawBody, url };
};

describe("call", () => {
  it("posts To, From, Url, the status callback with its four events and the timeout; returns Twilio's sid", async () => {
    const result = await voice().call(outbound({ timeoutSeconds: 25, metadata: { campaign: "gotv" } }));
    const [call] = imitation.calls;
    expect(call?.params).toEqual({
      To: VOTER,
      From: CALLER,
      Url: ANSWER,
      Method: "POST",
      StatusCallback: STATUS,
      StatusCallbackMethod: "POST",
      StatusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
      Timeout: "25",
    });
    // No idempotency key, no metadata: Twilio's Calls API takes neither.
    expect(result).toEqual({ providerId: call?.sid, status: "queued" });
    expect(result.providerId).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it("prefers the call's own status callback, and sends none when there is none at all", async () => {
    await voice().call(outbound({ statusCallbackUrl: "https://organize.example.org/this-call" }));
    await voice({}).call(outbound());
    expect(imitation.calls[0]?.params.StatusCallback).toBe("https://organize.example.org/this-call");
    expect(imitation.calls[1]?.params).not.toHaveProperty("StatusCallback");
    expect(imitation.calls[1]?.params).not.toHaveProperty("StatusCallbackEvent");
  });

  it("calls a browser volunteer as client:<identity>", async () => {
    await voice().call(outbound({ to: "client:volunteer_0042" }));
    expect(imitation.calls[0]?.params.To).toBe("client:volunteer_0042");
  });

  it("falls back to the default caller id when from is blank, and refuses when there is none", async () => {
    await voice({ from: CALLER, statusCallbackUrl: STATUS }).call(outbound({ from: " " }));
    expect(imitation.calls[0]?.params.From).toBe(CALLER);
    const error = await rejection(voice().call(outbound({ from: "" })));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("from");
  });

  it.each([
    ["to", { to: "919-555-0123" }],
    ["to", { to: "client:volunteer-42" }],
    ["from", { from: "Precinct" }],
    ["answerUrl", { answerUrl: "/relative/answer" }],
    ["statusCallbackUrl", { statusCallbackUrl: "ftp://organize.example.org/status" }],
  ])("refuses a bad %s as invalid input, without a request", async (field, extra) => {
    const error = await rejection(voice().call(outbound(extra)));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect(imitation.requests).toHaveLength(0);
  });

  it("refuses a ring timeout under 15 s (FCC), lowers one over 600 s, and drops fractions", async () => {
    for (const timeoutSeconds of [14, 14.99, 0, -1, Number.NaN]) {
      const error = await rejection(voice().call(outbound({ timeoutSeconds })));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toMatch(/at least 15 seconds/);
    }
    expect(imitation.requests).toHaveLength(0);
    const transport = voice();
    await transport.call(outbound({ timeoutSeconds: 15 }));
    await transport.call(outbound({ timeoutSeconds: 20.7 }));
    await transport.call(outbound({ timeoutSeconds: 3600 }));
    expect(imitation.calls.map((c) => c.params.Timeout)).toEqual(["15", "20", "600"]);
    expect(ringTimeout(undefined)).toBeUndefined();
  });

  it("uses the transport's default ring timeout, and refuses a default under 15 s at configuration", async () => {
    await voice({ statusCallbackUrl: STATUS, timeoutSeconds: 30 }).call(outbound());
    expect(imitation.calls[0]?.params.Timeout).toBe("30");
    expect(() => voice({ timeoutSeconds: 10 })).toThrow(ConfigError);
    expect(() => voice({ timeoutSeconds: 10 })).toThrow(/timeoutSeconds.*at least 15 seconds/);
  });

  it("returns the status Twilio reports", async () => {
    server.use(
      http.post(CALLS_URL, () =>
        HttpResponse.json({ sid: `CA${"1".repeat(32)}`, status: "initiated" }, { status: 201 }),
      ),
    );
    expect(await voice().call(outbound())).toEqual({
      providerId: `CA${"1".repeat(32)}`,
      status: "initiated",
    });
  });

  it("treats an answer without a call sid as uncertain, not as success or a retryable failure", async () => {
    server.use(http.post(CALLS_URL, () => HttpResponse.json({ status: "queued" }, { status: 201 })));
    const error = await rejection(voice().call(outbound()));
    expect(error.isRetryable).toBe(false);
    expect(isUncertainCallError(error)).toBe(true);
  });

  it("rejects with the signal's reason when aborted while Twilio is answering", async () => {
    server.use(
      http.post(CALLS_URL, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return HttpResponse.json({ sid: `CA${"2".repeat(32)}` }, { status: 201 });
      }),
    );
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("volunteer left")), 30);
    await expect(voice().call(outbound(), { signal: controller.signal })).rejects.toThrow("volunteer left");
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe("answering-machine detection", () => {
  it("asks for asynchronous detection, posting the result to the status callback by default", async () => {
    await voice().call(outbound({ machineDetection: "enable" }));
    await voice().call(outbound({ machineDetection: "detect_message_end" }));
    expect(imitation.calls[0]?.params).toMatchObject({
      MachineDetection: "Enable",
      AsyncAmd: "true",
      AsyncAmdStatusCallback: STATUS,
      AsyncAmdStatusCallbackMethod: "POST",
    });
    expect(imitation.calls[1]?.params.MachineDetection).toBe("DetectMessageEnd");
  });

  it("posts AMD results to amdStatusCallbackUrl when configured, with Twilio's detection timeout", async () => {
    await voice({
      statusCallbackUrl: STATUS,
      amdStatusCallbackUrl: AMD,
      machineDetection: "detect_message_end",
      machineDetectionTimeoutSeconds: 8,
    }).call(outbound());
    expect(imitation.calls[0]?.params).toMatchObject({
      MachineDetection: "DetectMessageEnd",
      MachineDetectionTimeout: "8",
      AsyncAmdStatusCallback: AMD,
      StatusCallback: STATUS,
    });
  });

  it("with asyncAmd: false, asks for synchronous detection (AnsweredBy comes with the answer URL)", async () => {
    await voice({ asyncAmd: false }).call(outbound({ machineDetection: "enable" }));
    const params = imitation.calls[0]?.params ?? {};
    expect(params.MachineDetection).toBe("Enable");
    expect(Object.keys(params).filter((name) => name.startsWith("AsyncAmd"))).toEqual([]);
  });

  it("sends no detection parameters when neither the call nor the transport asks", async () => {
    await voice().call(outbound());
    expect(Object.keys(imitation.calls[0]?.params ?? {}).some((n) => n.includes("MachineDetection"))).toBe(
      false,
    );
  });

  it("refuses asynchronous detection with nowhere to post the result, without a request", async () => {
    const error = await rejection(voice({}).call(outbound({ machineDetection: "enable" })));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("statusCallbackUrl");
    expect(imitation.requests).toHaveLength(0);
  });

  it("refuses an unknown detection mode", async () => {
    const error = await rejection(voice().call(outbound({ machineDetection: "always" })));
    expect((error as InvalidInputError).field).toBe("machineDetection");
  });
});

describe("conference", () => {
  it("add dials a contact into the room by friendly name with the Participants API", async () => {
    const name = "phonebank 12 / volunteer 7?";
    const transport = voice({
      statusCallbackUrl: STATUS,
      amdStatusCallbackUrl: AMD,
      earlyMedia: true,
      conferenceBeep: "onEnter",
    });
    const result = await transport.conference.add({
      conferenceName: name,
      to: VOTER,
      from: CALLER,
      timeoutSeconds: 20,
      machineDetection: "enable",
      idempotencyKey: "add-1",
    });
    const [call] = imitation.calls;
    expect(result).toEqual({ providerId: call?.sid, status: "queued" });
    expect(call?.params).toEqual({
      From: CALLER,
      To: VOTER,
      StatusCallback: STATUS,
      StatusCallbackMethod: "POST",
      StatusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
      Timeout: "20",
      MachineDetection: "Enable",
      AmdStatusCallback: AMD,
      AmdStatusCallbackMethod: "POST",
      EarlyMedia: "true",
      Beep: "onEnter",
    });
    // The name travels percent-encoded in the path ("/" and "?" would break it) and arrives intact.
    const request = imitation.requests.find((r) => r.operation === "participants.create");
    expect(new URL(request?.url ?? "").pathname).toBe(
      `/2010-04-01/Accounts/${accountSid}/Conferences/${encodeURIComponent(name)}/Participants.json`,
    );
    expect(imitation.conferences.get(name)?.callSids).toEqual([result.providerId]);
  });

  it("add refuses a short ring timeout and a too-long room name, without a request", async () => {
    const base = { to: VOTER, from: CALLER, idempotencyKey: "add-2" };
    const short = await rejection(
      voice().conference.add({ ...base, conferenceName: "room", timeoutSeconds: 12 }),
    );
    expect(short).toBeInstanceOf(InvalidInputError);
    const long = await rejection(voice().conference.add({ ...base, conferenceName: "x".repeat(129) }));
    expect((long as InvalidInputError).field).toBe("conferenceName");
    expect(imitation.requests).toHaveLength(0);
  });

  it("join moves a live call into the room with <Dial><Conference> TwiML", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound({ to: "client:volunteer_7" }));
    imitation.setCallStatus(providerId, "in-progress");
    await transport.conference.join({
      conferenceName: "session <7> & co",
      providerId,
      startConferenceOnEnter: true,
      endConferenceOnExit: true,
    });
    const [call] = imitation.calls;
    expect(call?.updates).toHaveLength(1);
    const conference = only(only(twiml(call?.twiml ?? ""), "Dial"), "Conference");
    expect(conference).toEqual({
      name: "Conference",
      attributes: { startConferenceOnEnter: "true", endConferenceOnExit: "true" },
      children: [],
      text: "session <7> & co",
    });
    expect(imitation.conferences.get("session <7> & co")?.callSids).toEqual([providerId]);
  });

  it("join on a call that has ended fails as call_ended, not retryable", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    imitation.setCallStatus(providerId, "completed");
    const error = await rejection(transport.conference.join({ conferenceName: "room", providerId }));
    expect(error).toMatchObject({ code: "provider", isRetryable: false, providerCode: 21220 });
    expect(error.details.failureReason).toBe("call_ended");
  });
});

describe("hangup and redirect", () => {
  it("hangs up with Status=completed; an ended call is not an error", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    imitation.setCallStatus(providerId, "in-progress");
    await transport.hangup(providerId);
    expect(imitation.calls[0]?.updates).toEqual([{ Status: "completed" }]);
    expect(imitation.calls[0]?.resource.status).toBe("completed");
    await expect(transport.hangup(providerId)).resolves.toBeUndefined();
  });

  it("stops a call that is still ringing", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    imitation.setCallStatus(providerId, "ringing");
    await transport.hangup(providerId);
    expect(imitation.calls[0]?.resource.status).toBe("canceled");
  });

  it("hangup of an unknown call is NotFoundError; a malformed id is invalid input, without a request", async () => {
    await expect(voice().hangup(`CA${"9".repeat(32)}`)).rejects.toBeInstanceOf(NotFoundError);
    const requests = imitation.requests.length;
    await expect(voice().hangup("not-a-sid")).rejects.toBeInstanceOf(InvalidInputError);
    expect(imitation.requests).toHaveLength(requests);
  });

  it("a network error while hanging up is retryable (hanging up twice is harmless)", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    imitation.failNext({ operation: "calls.update", networkError: true });
    const error = await rejection(transport.hangup(providerId));
    expect(error.isRetryable).toBe(true);
    expect(isUncertainCallError(error)).toBe(false);
  });

  it("redirect drops a voicemail on a live call: <Say> in the voter's language, then <Hangup/>", async () => {
    const transport = voice({ statusCallbackUrl: STATUS, sayVoice: "Polly.Lupe" });
    const { providerId } = await transport.call(outbound({ machineDetection: "detect_message_end" }));
    imitation.setCallStatus(providerId, "in-progress", { answeredBy: "machine_end_beep" });
    const text = "Hola, le llama Precinct Action: vote el 3 de noviembre & traiga su ID.";
    await transport.redirect(providerId, { action: "say", text, language: "es-US" });
    const root = twiml(imitation.calls[0]?.twiml ?? "");
    expect(root.children.map((c) => c.name)).toEqual(["Say", "Hangup"]);
    expect(root.children[0]).toMatchObject({ attributes: { language: "es-US", voice: "Polly.Lupe" }, text });
  });

  it("redirect on a call that has ended fails as call_ended", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    imitation.setCallStatus(providerId, "no-answer");
    const error = await rejection(transport.redirect(providerId, { action: "hangup" }));
    expect(error.details.failureReason).toBe("call_ended");
  });
});

describe("answerInstructions (TwiML from twilio's VoiceResponse)", () => {
  const render = (
    input: Parameters<TwilioVoiceTransport["answerInstructions"]>[0],
    options?: TwilioVoiceOptions,
  ) => voice(options).answerInstructions(input);

  it("conference → <Dial><Conference> with the room flags", () => {
    const out = render({
      action: "conference",
      conferenceName: "volunteer-7",
      startConferenceOnEnter: false,
      endConferenceOnExit: false,
      beep: false,
    });
    expect(out.contentType).toBe("application/xml; charset=utf-8");
    expect(out.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const conference = only(only(twiml(out.body), "Dial"), "Conference");
    expect(conference).toMatchObject({
      attributes: { startConferenceOnEnter: "false", endConferenceOnExit: "false", beep: "false" },
      text: "volunteer-7",
    });
  });

  it("dial → <Dial callerId timeout><Number>, with the transport's caller id when none is given", () => {
    const explicit = only(
      twiml(render({ action: "dial", to: VOTER, callerId: "+15550100001", timeoutSeconds: 20 }).body),
      "Dial",
    );
    expect(explicit.attributes).toEqual({ callerId: "+15550100001", timeout: "20" });
    expect(only(explicit, "Number").text).toBe(VOTER);
    // Without a callerId Twilio would show the volunteer's own number: the default caller id stands in.
    const fallback = only(twiml(render({ action: "dial", to: VOTER }, { from: CALLER }).body), "Dial");
    expect(fallback.attributes).toEqual({ callerId: CALLER });
    const client = only(twiml(render({ action: "dial", to: "client:volunteer_9" }).body), "Dial");
    expect(only(client, "Client").text).toBe("volunteer_9");
  });

  it("say → <Say language> then <Hangup/>, XML-escaped", () => {
    const text = `Polls close at 7 <sharp> & bring "ID" — it's on Nov. 3`;
    const out = render({ action: "say", text, language: "en-US" });
    expect(out.body).toContain("&lt;sharp&gt; &amp; bring");
    expect(out.body).not.toContain("<sharp>");
    const root = twiml(out.body);
    expect(root.children.map((c) => c.name)).toEqual(["Say", "Hangup"]);
    expect(root.children[0]).toEqual({ name: "Say", attributes: { language: "en-US" }, children: [], text });
  });

  it("play → <Play> then <Hangup/>, the URL's & escaped", () => {
    const audioUrl = "https://cdn.example.org/vm.mp3?campaign=7&lang=es";
    const out = render({ action: "play", audioUrl });
    expect(out.body).toContain("campaign=7&amp;lang=es");
    const root = twiml(out.body);
    expect(root.children.map((c) => c.name)).toEqual(["Play", "Hangup"]);
    expect(root.children[0]?.text).toBe(audioUrl);
  });

  it("hangup → <Hangup/>", () => {
    expect(only(twiml(render({ action: "hangup" }).body), "Hangup")).toEqual({
      name: "Hangup",
      attributes: {},
      children: [],
      text: "",
    });
  });

  it.each([
    ["text", { action: "say", text: "  " }],
    ["text", { action: "say", text: "x".repeat(4097) }],
    ["language", { action: "say", text: "Hi", language: "english please" }],
    ["audioUrl", { action: "play", audioUrl: "voicemail.mp3" }],
    ["to", { action: "dial", to: "555-0123" }],
    ["timeoutSeconds", { action: "dial", to: VOTER, timeoutSeconds: 5 }],
    ["conferenceName", { action: "conference", conferenceName: "" }],
    ["action", { action: "record" }],
  ])("refuses bad input (%s) as InvalidInputError", (field, input) => {
    const attempt = () => render(input as Parameters<TwilioVoiceTransport["answerInstructions"]>[0]);
    expect(attempt).toThrow(InvalidInputError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidInputError).field).toBe(field);
    }
  });

  it("refuses text XML cannot carry (a control character) as InvalidInputError, not a raw SDK error", () => {
    expect(() => render({ action: "say", text: "bell \u0007 here" })).toThrow(InvalidInputError);
  });
});

describe("parseStatus", () => {
  it("reads CallSid, CallStatus, CallDuration and Timestamp from a status callback", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    clock = new Date("2026-10-20T22:16:41.000Z");
    const request = imitation.callStatusWebhook({
      callSid: providerId,
      status: "completed",
      durationSeconds: 97,
    });
    expect(transport.verifyWebhook(request)).toBe(true);
    const update = transport.parseStatus(request);
    expect(update).toEqual({
      providerId,
      status: "completed",
      durationSeconds: 97,
      occurredAt: new Date("2026-10-20T22:16:41.000Z"),
      raw: request.params,
    });
  });

  it("reads AnsweredBy from a status callback (synchronous detection)", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    const update = transport.parseStatus(
      imitation.callStatusWebhook({ callSid: providerId, status: "in-progress", answeredBy: "human" }),
    );
    expect(update).toMatchObject({ status: "in-progress", answeredBy: "human" });
    expect(update).not.toHaveProperty("durationSeconds");
  });

  it("reads the asynchronous AMD callback (no CallStatus) as in-progress with AnsweredBy", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound({ machineDetection: "detect_message_end" }));
    const request = imitation.amdWebhook({
      callSid: providerId,
      answeredBy: "machine_end_beep",
      detectionMs: 3100,
    });
    expect(request.url).toBe(STATUS);
    expect(request.params).not.toHaveProperty("CallStatus");
    expect(transport.verifyWebhook(request)).toBe(true);
    expect(transport.parseStatus(request)).toMatchObject({
      providerId,
      status: "in-progress",
      answeredBy: "machine_end_beep",
      raw: { MachineDetectionDuration: "3100" },
    });
  });

  it("reads an AnsweredBy value Twilio may add later as unknown rather than dropping the callback", () => {
    const update = voice().parseStatus(
      webhook(STATUS, { CallSid: `CA${"3".repeat(32)}`, AnsweredBy: "machine_maybe" }),
    );
    expect(update).toMatchObject({ status: "in-progress", answeredBy: "unknown" });
  });

  it("refuses a callback that is not a call-status or AMD webhook", () => {
    const sid = `CA${"4".repeat(32)}`;
    expect(() => voice().parseStatus(webhook(STATUS, { CallStatus: "ringing" }))).toThrow(/CallSid/);
    expect(() => voice().parseStatus(webhook(STATUS, { CallSid: sid, CallStatus: "answered" }))).toThrow(
      InvalidInputError,
    );
    expect(() => voice().parseStatus(webhook(STATUS, { CallSid: sid }))).toThrow(/CallStatus/);
    // An SMS status callback is not a call's.
    expect(() =>
      voice().parseStatus(webhook(STATUS, { MessageSid: `SM${"5".repeat(32)}`, MessageStatus: "delivered" })),
    ).toThrow(InvalidInputError);
  });

  it("leaves out a duration or timestamp it cannot read", () => {
    const update = voice().parseStatus(
      webhook(STATUS, {
        CallSid: `CA${"6".repeat(32)}`,
        CallStatus: "completed",
        CallDuration: "n/a",
        Timestamp: "soon",
      }),
    );
    expect(update).not.toHaveProperty("durationSeconds");
    expect(update).not.toHaveProperty("occurredAt");
  });
});

describe("verifyWebhook", () => {
  it("passes the DOMAIN.md test vector (token 12345)", () => {
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = {
      CallSid: "CA1234567890ABCDE",
      Caller: "+14158675310",
      Digits: "1234",
      From: "+14158675310",
      To: "+18005551212",
    };
    expect(signTwilioWebhook("12345", url, params)).toBe("GvWf1cFY/Q7PnoempGyD5oXAezc=");
    const transport = createTwilio({ accountSid, authToken: "12345" }).voice();
    expect(transport.verifyWebhook(webhook(url, params, "GvWf1cFY/Q7PnoempGyD5oXAezc="))).toBe(true);
    expect(
      transport.verifyWebhook(webhook(url, { ...params, Digits: "9999" }, "GvWf1cFY/Q7PnoempGyD5oXAezc=")),
    ).toBe(false);
    expect(transport.verifyWebhook(webhook(url, params))).toBe(false);
    expect(transport.verifyWebhook(webhook(url, params, ""))).toBe(false);
  });

  it("refuses forged, tampered, re-addressed and unsigned callbacks from the imitation", async () => {
    const transport = voice();
    const { providerId } = await transport.call(outbound());
    const input = { callSid: providerId, status: "completed" as const, durationSeconds: 30 };
    expect(transport.verifyWebhook(imitation.callStatusWebhook(input))).toBe(true);
    for (const forged of ["signature", "body", "url", "missing"] as const) {
      expect(transport.verifyWebhook(imitation.callStatusWebhook(input, { forged })), forged).toBe(false);
    }
    expect(
      transport.verifyWebhook(
        imitation.amdWebhook({ callSid: providerId, answeredBy: "human" }, { forged: true }),
      ),
    ).toBe(false);
  });

  it("checks a JSON body by its bodySHA256", () => {
    const rawBody = JSON.stringify({ CallSid: `CA${"7".repeat(32)}`, CallStatus: "completed" });
    const hash = createHash("sha256").update(rawBody).digest("hex");
    const url = `${STATUS}?bodySHA256=${hash}`;
    const signature = signTwilioWebhook(authToken, url, {});
    const request = (body: string): WebhookRequest => ({
      request: new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Twilio-Signature": signature },
        body,
      }),
      rawBody: body,
      url,
    });
    expect(voice().verifyWebhook(request(rawBody))).toBe(true);
    expect(voice().verifyWebhook(request(rawBody.replace("completed", "busy")))).toBe(false);
  });
});

describe("the imitation posts signed callbacks to the app (playCall)", () => {
  it("a human answers: status events, the answer URL (TwiML back), the async AMD result, completed", async () => {
    const transport = voice();
    const received: { path: string; verified: boolean; update: unknown }[] = [];
    server.use(
      http.post("https://organize.example.org/webhooks/twilio/voice/*", async ({ request }) => {
        const rawBody = await request.text();
        const hook: WebhookRequest = { request, rawBody, url: request.url };
        const verified = transport.verifyWebhook(hook);
        const update = transport.parseStatus(hook);
        received.push({ path: new URL(request.url).pathname, verified, update });
        if (request.url === ANSWER) {
          const answer = transport.answerInstructions({
            action: "conference",
            conferenceName: "volunteer-7",
          });
          return new HttpResponse(answer.body, { headers: { "content-type": answer.contentType } });
        }
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { providerId } = await transport.call(outbound({ machineDetection: "enable" }));
    const posted = await imitation.playCall(providerId, {
      result: "answered",
      answeredBy: "human",
      durationSeconds: 64,
    });
    expect(posted.map((p) => [p.kind, p.webhook.params.CallStatus ?? p.webhook.params.AnsweredBy])).toEqual([
      ["status", "initiated"],
      ["status", "ringing"],
      ["status", "in-progress"],
      ["answer", "in-progress"],
      ["amd", "human"],
      ["status", "completed"],
    ]);
    expect(received.every((r) => r.verified)).toBe(true);
    expect(received.map((r) => r.update)).toEqual([
      expect.objectContaining({ providerId, status: "initiated" }),
      expect.objectContaining({ providerId, status: "ringing" }),
      expect.objectContaining({ providerId, status: "in-progress" }),
      expect.objectContaining({ providerId, status: "in-progress" }),
      expect.objectContaining({ providerId, status: "in-progress", answeredBy: "human" }),
      expect.objectContaining({ providerId, status: "completed", durationSeconds: 64 }),
    ]);
    const answer = posted.find((p) => p.kind === "answer");
    expect(only(only(twiml(answer?.body ?? ""), "Dial"), "Conference").text).toBe("volunteer-7");
    expect(imitation.calls[0]?.resource).toMatchObject({
      status: "completed",
      answered_by: "human",
      duration: "64",
    });
  });

  it("with synchronous detection, AnsweredBy arrives with the answer request (the voicemail-drop path)", async () => {
    const transport = voice({ statusCallbackUrl: STATUS, asyncAmd: false });
    server.use(
      http.post("https://organize.example.org/webhooks/twilio/voice/*", async ({ request }) => {
        const rawBody = await request.text();
        const update = transport.parseStatus({ request, rawBody, url: request.url });
        if (request.url !== ANSWER) return new HttpResponse(null, { status: 204 });
        // What the dialer's answer route does: a machine gets the message, a human the volunteer.
        const answer = update.answeredBy?.startsWith("machine_end")
          ? transport.answerInstructions({ action: "say", text: "Sorry we missed you. Vote on Tuesday!" })
          : transport.answerInstructions({ action: "conference", conferenceName: "volunteer-7" });
        return new HttpResponse(answer.body, { headers: { "content-type": answer.contentType } });
      }),
    );
    const { providerId } = await transport.call(outbound({ machineDetection: "detect_message_end" }));
    const posted = await imitation.playCall(providerId, {
      result: "answered",
      answeredBy: "machine_end_beep",
    });
    expect(posted.some((p) => p.kind === "amd")).toBe(false);
    const answer = posted.find((p) => p.kind === "answer");
    expect(answer?.webhook.params.AnsweredBy).toBe("machine_end_beep");
    expect(twiml(answer?.body ?? "").children.map((c) => c.name)).toEqual(["Say", "Hangup"]);
  });

  it("busy and no-answer end with their final status only after the subscribed events", async () => {
    const transport = voice();
    server.use(http.post(STATUS, () => new HttpResponse(null, { status: 204 })));
    const busy = await transport.call(outbound());
    const noAnswer = await transport.call(outbound());
    const statuses = async (sid: string, result: "busy" | "no-answer") =>
      (await imitation.playCall(sid, { result })).map((p) => transport.parseStatus(p.webhook).status);
    expect(await statuses(busy.providerId, "busy")).toEqual(["initiated", "busy"]);
    expect(await statuses(noAnswer.providerId, "no-answer")).toEqual(["initiated", "ringing", "no-answer"]);
  });
});

describe("error mapping", () => {
  it.each([
    { code: 21211, error: "invalid_recipient", reason: "invalid_recipient" },
    { code: 21214, error: "invalid_recipient", reason: "invalid_recipient" },
    { code: 13223, error: "invalid_recipient", reason: "invalid_recipient" },
    { code: 21215, error: "provider", reason: "not_permitted" },
    { code: 21216, error: "provider", reason: "not_permitted" },
    { code: 21210, error: "provider", reason: "invalid_caller_id" },
    { code: 21212, error: "provider", reason: "invalid_caller_id" },
    { code: 21205, error: "provider", reason: "provider" },
  ])("Twilio $code → $error ($reason), permanent", async ({ code, error: expected, reason }) => {
    imitation.failNext({ code, operation: "calls.create" });
    const error = await rejection(voice().call(outbound()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: expected, isRetryable: false, providerCode: code, statusCode: 400 });
    expect(error.details).toMatchObject({ failureReason: reason, operation: "call" });
    expect(error.message).toContain("placing a call");
    expect(PrecinctError.isInstance(error.cause)).toBe(false);
  });

  it("says how to fix a Geo Permissions refusal, for an account that may not call the destination", async () => {
    const error = await rejection(voice().call(outbound({ to: "+442071838750" })));
    expect(error).toMatchObject({ providerCode: 21215, isRetryable: false });
    expect(error.message).toMatch(/Geo Permissions/);
    const blocked = await rejection(
      voice().conference.add({ conferenceName: "r", to: "+19005550100", from: CALLER, idempotencyKey: "b" }),
    );
    expect(blocked.details.failureReason).toBe("not_permitted");
    expect(imitation.calls).toHaveLength(0);
  });

  it.each([
    [{ status: 429 }, "rate_limited"],
    [{ code: 20429 }, "rate_limited"],
    [{ status: 500 }, "provider"],
    [{ status: 503 }, "provider"],
  ])("%o → %s, retryable", async (failure, code) => {
    imitation.failNext({ ...failure, operation: "calls.create" });
    const error = await rejection(voice().call(outbound()));
    expect(error).toMatchObject({ code, isRetryable: true });
    expect(isUncertainCallError(error)).toBe(false);
  });

  it("a dropped answer after Twilio placed the call is uncertain: not retryable, and findCall finds the call", async () => {
    const transport = voice();
    const since = new Date(clock.getTime() - 300);
    imitation.failNext({ operation: "calls.create", dropResponse: true });
    const error = await rejection(transport.call(outbound()));
    expect(imitation.calls).toHaveLength(1); // Twilio has it; we cannot know
    expect(error).toMatchObject({ code: "provider", isRetryable: false, statusCode: undefined });
    expect(error.details).toMatchObject({ failureReason: "uncertain", uncertain: true, operation: "call" });
    expect(isUncertainCallError(error)).toBe(true);
    expect(error.message).toMatch(/do not redial automatically/);
    expect(await transport.findCall({ to: VOTER, from: CALLER }, since)).toEqual({
      providerId: imitation.calls[0]?.sid,
      status: "queued",
    });
    const list = imitation.requests.find((r) => r.operation === "calls.list");
    expect(list?.params).toMatchObject({ To: VOTER, From: CALLER });
  });

  it("a network error on a call or conference add is uncertain too (the request may have arrived)", async () => {
    imitation.failNext({ operation: "calls.create", networkError: true });
    expect(isUncertainCallError(await rejection(voice().call(outbound())))).toBe(true);
    imitation.failNext({ operation: "participants.create", networkError: true });
    const add = await rejection(
      voice().conference.add({ conferenceName: "r", to: VOTER, from: CALLER, idempotencyKey: "n" }),
    );
    expect(add).toMatchObject({
      isRetryable: false,
      details: { failureReason: "uncertain", operation: "conference.add" },
    });
  });

  it("a 504 on a call is uncertain; a 504 on a hangup is retryable", async () => {
    imitation.failNext({ status: 504, operation: "calls.create" });
    expect(isUncertainCallError(await rejection(voice().call(outbound())))).toBe(true);
    const { providerId } = await voice().call(outbound());
    imitation.failNext({ status: 504, operation: "calls.update" });
    expect(await rejection(voice().hangup(providerId))).toMatchObject({ isRetryable: true });
  });

  it("a connection that was never made (refused, DNS) is retryable even for a call", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]) {
      const error = mapTwilioVoiceError(
        Object.assign(new Error(`connect ${code}`), { isAxiosError: true, code }),
        "call",
      );
      expect(error, code).toMatchObject({ isRetryable: true, details: { failureReason: "provider" } });
    }
    const reset = mapTwilioVoiceError(
      Object.assign(new Error("socket hang up"), { isAxiosError: true, code: "ECONNRESET" }),
      "call",
    );
    expect(isUncertainCallError(reset)).toBe(true);
    const timeout = mapTwilioVoiceError(
      Object.assign(new Error("timeout of 30000ms exceeded"), { isAxiosError: true, code: "ECONNABORTED" }),
      "conference.add",
    );
    expect(isUncertainCallError(timeout)).toBe(true);
    expect(mapTwilioVoiceError(new ConfigError("x"), "call")).toBeInstanceOf(ConfigError);
  });

  it("wrong credentials (401) → provider, not retryable, with a hint", async () => {
    const error = await rejection(createTwilio({ accountSid, authToken: "wrong" }).voice().call(outbound()));
    expect(error).toMatchObject({ code: "provider", isRetryable: false, statusCode: 401 });
    expect(error.message).toMatch(/auth token/);
  });
});

describe("findCall", () => {
  it("returns the earliest outbound call to the number since the given time, or null", async () => {
    const transport = voice();
    await transport.call(outbound({ to: "+19195550188" }));
    clock = new Date(clock.getTime() + 60_000);
    const since = new Date(clock.getTime());
    expect(await transport.findCall({ to: VOTER, from: CALLER }, since)).toBeNull();
    const first = await transport.call(outbound());
    clock = new Date(clock.getTime() + 5_000);
    await transport.call(outbound());
    expect(await transport.findCall({ to: VOTER, from: CALLER }, since)).toEqual({
      providerId: first.providerId,
      status: "queued",
    });
  });
});

describe("configuration", () => {
  it("refuses unknown or malformed options with a ConfigError naming them", () => {
    expect(() => voice({ statusCallback: STATUS } as TwilioVoiceOptions)).toThrow(
      /unknown setting `statusCallback`/,
    );
    expect(() => voice({ amdStatusCallbackUrl: "not a url" })).toThrow(/amdStatusCallbackUrl/);
    expect(() => voice({ from: "Precinct" })).toThrow(/from/);
    expect(() => voice({ machineDetectionTimeoutSeconds: 90 })).toThrow(ConfigError);
  });

  it("needs the auth token to verify webhooks", () => {
    const apiKey = `SK${"a".repeat(32)}`;
    expect(() => createTwilio({ accountSid, apiKey, apiSecret: "secret" }).voice()).toThrow(
      /TWILIO_AUTH_TOKEN/,
    );
  });

  it("is a VoiceTransport v1 with every capability", () => {
    const transport = voice();
    expect(transport).toMatchObject({
      specificationVersion: "v1",
      provider: "twilio",
      machineDetection: true,
    });
    expect(typeof transport.conference.add).toBe("function");
    expect(typeof transport.hangup).toBe("function");
  });
});
