import { createHash } from "node:crypto";
import {
  InvalidInputError,
  PrecinctError,
  ProviderError,
  smsSegments,
  type WebhookRequest,
} from "@precinct/core";
import {
  createTwilioImitation,
  encodeTwilioForm,
  signTwilioWebhook,
  type TwilioParams,
  twilioHandlers,
} from "@precinct/testing/http";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import Twilio from "twilio";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clampValidityPeriod, createTwilio, type TwilioSmsOptions } from "../src/index.js";

const accountSid = `AC${"b2".repeat(16)}`;
const authToken = "unit-auth-token";
const SENDER = "+15550100000";
const VOTER = "+19195550123";
const SERVICE = `MG${"c3".repeat(16)}`;
const OTHER_SERVICE = `MG${"d4".repeat(16)}`;
const MESSAGES_URL = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages.json`;

// A clock the tests move, so Twilio's date_created is known to the second.
let clock = new Date("2026-03-02T15:00:00.000Z");
const imitation = createTwilioImitation({
  accountSid,
  authToken,
  now: () => clock,
  lineTypes: {
    "+19195550101": "landline",
    "+19195550102": "fixedVoip",
    "+19195550103": "nonFixedVoip",
    "+19195550104": "tollFree",
    "+19195550105": { type: null, carrierName: null },
  },
});
const server = setupServer(...twilioHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => {
  server.resetHandlers();
  imitation.reset();
  clock = new Date("2026-03-02T15:00:00.000Z");
});
afterAll(() => server.close());

const sms = (options: TwilioSmsOptions = { from: SENDER }) =>
  createTwilio({ accountSid, authToken }).sms(options);
let keys = 0;
const message = (body: string, extra: Record<string, unknown> = {}) => ({
  to: VOTER,
  body,
  idempotencyKey: `key-${++keys}`,
  ...extra,
});
const rejection = async (promise: Promise<unknown>): Promise<ProviderError> => {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
};
const webhook = (url: string, params: TwilioParams, signature?: string): WebhookRequest => {
  const rawBody = encodeTwilioForm(params);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (signature !== undefined) headers["X-Twilio-Signature"] = signature;
  return { request: new Request(url, { method: "POST", headers, body: rawBody }), rawBody, url };
};

describe("send", () => {
  it("posts To, From, Body and the default StatusCallback, and returns Twilio's sid, status and segments", async () => {
    const transport = sms({ from: SENDER, statusCallbackUrl: "https://organize.example.org/twilio/status" });
    const result = await transport.send(message("Early voting starts Thursday."));
    const [sent] = imitation.sent;
    expect(sent?.params).toEqual({
      To: VOTER,
      From: SENDER,
      Body: "Early voting starts Thursday.",
      StatusCallback: "https://organize.example.org/twilio/status",
    });
    expect(result).toEqual({ providerId: sent?.sid, status: "queued", segments: 1 });
    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("prefers the message's own statusCallbackUrl and sender", async () => {
    const transport = sms({ from: SENDER, statusCallbackUrl: "https://organize.example.org/default" });
    await transport.send(
      message("Hi", { from: "+15550100009", statusCallbackUrl: "https://organize.example.org/this-one" }),
    );
    expect(imitation.sent[0]?.params).toMatchObject({
      From: "+15550100009",
      StatusCallback: "https://organize.example.org/this-one",
    });
  });

  it("sends through a Messaging Service without From, and reports Twilio's accepted status", async () => {
    const result = await sms({ messagingServiceSid: SERVICE }).send(message("Pooled"));
    const params = imitation.sent[0]?.params;
    expect(params?.MessagingServiceSid).toBe(SERVICE);
    expect(params).not.toHaveProperty("From");
    expect(result.status).toBe("accepted");
  });

  it("sends both From and MessagingServiceSid when both are configured (a chosen number of the pool)", async () => {
    await sms({ from: SENDER, messagingServiceSid: SERVICE }).send(message("Both"));
    expect(imitation.sent[0]?.params).toMatchObject({ From: SENDER, MessagingServiceSid: SERVICE });
  });

  it("clamps validityPeriodSeconds to Twilio's 1–36,000 whole seconds", async () => {
    const transport = sms();
    await transport.send(message("a", { validityPeriodSeconds: 600 }));
    await transport.send(message("b", { validityPeriodSeconds: 86_400 }));
    await transport.send(message("c", { validityPeriodSeconds: 90.9 }));
    await transport.send(message("d", { validityPeriodSeconds: 0.25 }));
    expect(imitation.sent.map((m) => m.params.ValidityPeriod)).toEqual(["600", "36000", "90", "1"]);
    expect(clampValidityPeriod(36_000)).toBe(36_000);
    expect(() => clampValidityPeriod(0)).toThrow(InvalidInputError);
    expect(() => clampValidityPeriod(-5)).toThrow(InvalidInputError);
    expect(() => clampValidityPeriod(Number.NaN)).toThrow(/validityPeriodSeconds/);
  });

  it("rejects a non-positive validity period before calling Twilio", async () => {
    await expect(sms().send(message("x", { validityPeriodSeconds: 0 }))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(imitation.requests).toHaveLength(0);
  });

  it("attaches media as repeated MediaUrl parameters, without an empty Body", async () => {
    const media = ["https://cdn.example.org/flyer.jpg", "https://cdn.example.org/map.png"];
    await sms().send(message("", { mediaUrls: media }));
    const params = imitation.sent[0]?.params;
    expect(params?.MediaUrl).toEqual(media);
    expect(params).not.toHaveProperty("Body");
    expect(imitation.sent[0]?.resource.num_media).toBe("2");
  });

  it("refuses more than 10 media as invalid input, without a request", async () => {
    const media = Array.from({ length: 11 }, (_, i) => `https://cdn.example.org/${i}.jpg`);
    const error = await sms()
      .send(message("Too many", { mediaUrls: media }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("mediaUrls");
    expect(imitation.requests).toHaveLength(0);
  });

  it("uses Twilio's num_segments when it reports one, and counts locally when it does not", async () => {
    const body = "Short body";
    server.use(
      http.post(MESSAGES_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        const reported = form.get("To") === VOTER ? "3" : "0";
        return HttpResponse.json(
          { sid: `SM${"e5".repeat(16)}`, status: "queued", num_segments: reported },
          { status: 201 },
        );
      }),
    );
    expect((await sms().send(message(body))).segments).toBe(3);
    const fallback = await sms().send({ ...message(body), to: "+19195550199" });
    expect(fallback.segments).toBe(smsSegments(body).segments);
  });

  it("treats an answer without a message sid as a provider error that may have been taken", async () => {
    server.use(
      http.post(MESSAGES_URL, () =>
        HttpResponse.json({ status: "queued", num_segments: "1" }, { status: 201 }),
      ),
    );
    const error = await sms()
      .send(message("No sid"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/without a message sid/);
    expect((error as ProviderError).details).toMatchObject({ operation: "send" });
  });

  it("rejects with the signal's reason when aborted before the call, without a request", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    controller.abort(reason);
    await expect(sms().send(message("never"), { signal: controller.signal })).rejects.toBe(reason);
    expect(imitation.requests).toHaveLength(0);
  });

  it("rejects with the signal's reason when aborted while Twilio is answering", async () => {
    server.use(
      http.post(MESSAGES_URL, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return HttpResponse.json({ sid: "SMlate" }, { status: 201 });
      }),
    );
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("stop")), 30);
    await expect(sms().send(message("slow"), { signal: controller.signal })).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe("error mapping", () => {
  const cases = [
    { code: 21610, error: "opted_out", reason: "opted_out" },
    { code: 21211, error: "invalid_recipient", reason: "invalid_recipient" },
    { code: 21614, error: "invalid_recipient", reason: "not_sms_capable" },
    { code: 21635, error: "invalid_recipient", reason: "not_sms_capable" },
    { code: 30003, error: "provider", reason: "unreachable" },
    { code: 30005, error: "invalid_recipient", reason: "invalid_recipient" },
    { code: 30006, error: "invalid_recipient", reason: "not_sms_capable" },
    { code: 30007, error: "provider", reason: "carrier_filtered" },
    { code: 30034, error: "provider", reason: "provider" },
    { code: 21408, error: "provider", reason: "provider" },
  ] as const;

  it.each(cases)("Twilio $code (HTTP 400) → $error, failureReason $reason, not retryable", async (c) => {
    imitation.failNext({ code: c.code, status: 400 });
    const error = await rejection(sms().send(message("Refused")));
    expect(error.code).toBe(c.error);
    expect(error.details.failureReason).toBe(c.reason);
    expect(error.isRetryable).toBe(false);
    expect(error.providerCode).toBe(c.code);
    expect(error.statusCode).toBe(400);
    expect(error.provider).toBe("twilio");
    // The SDK's own error is kept as the cause, never thrown as is.
    expect(error.cause).toBeInstanceOf(Twilio.RestException);
    expect(error.message).toContain(String(c.code));
  });

  it("HTTP 429 → rate_limited, retryable", async () => {
    imitation.failNext({ status: 429 });
    const error = await rejection(sms().send(message("Slow down")));
    expect(error).toMatchObject({
      code: "rate_limited",
      isRetryable: true,
      statusCode: 429,
      providerCode: 20429,
    });
  });

  it.each([500, 502, 503])("HTTP %i → provider, retryable", async (status) => {
    imitation.failNext({ status });
    const error = await rejection(sms().send(message("Server trouble")));
    expect(error).toMatchObject({ code: "provider", isRetryable: true, statusCode: status });
  });

  it("a network error (no response) → provider, retryable, no status", async () => {
    imitation.failNext({ networkError: true });
    const error = await rejection(sms().send(message("Lost")));
    expect(error).toMatchObject({ code: "provider", isRetryable: true, statusCode: undefined });
    expect(PrecinctError.isInstance(error.cause)).toBe(false);
    expect(imitation.sent).toHaveLength(0);
  });

  it("wrong credentials (401, 20003) → provider, not retryable, with a hint", async () => {
    const error = await rejection(
      createTwilio({ accountSid, authToken: "wrong-token" }).sms({ from: SENDER }).send(message("Hi")),
    );
    expect(error).toMatchObject({
      code: "provider",
      isRetryable: false,
      statusCode: 401,
      providerCode: 20003,
    });
    expect(error.message).toMatch(/auth token/);
  });

  it("recovers: the send after a failure goes through", async () => {
    const transport = sms();
    imitation.failNext({ code: 21610 });
    await rejection(transport.send(message("first")));
    await expect(transport.send(message("second"))).resolves.toMatchObject({ status: "queued" });
  });
});

describe("verifyWebhook", () => {
  // DOMAIN.md "Webhook security": Twilio's published test vector.
  const vectorUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const vectorParams = {
    CallSid: "CA1234567890ABCDE",
    Caller: "+14158675310",
    Digits: "1234",
    From: "+14158675310",
    To: "+18005551212",
  };
  const vectorSignature = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
  const transport = () => createTwilio({ accountSid, authToken: "12345" }).sms({ from: SENDER });

  it("accepts the DOMAIN.md test vector", () => {
    expect(transport().verifyWebhook(webhook(vectorUrl, vectorParams, vectorSignature))).toBe(true);
  });

  it("rejects a tampered parameter", () => {
    const tampered = { ...vectorParams, Digits: "1235" };
    expect(transport().verifyWebhook(webhook(vectorUrl, tampered, vectorSignature))).toBe(false);
  });

  it("rejects the right body posted to another URL", () => {
    const otherUrl = "https://mycompany.com/myapp.php?foo=1&bar=3";
    expect(transport().verifyWebhook(webhook(otherUrl, vectorParams, vectorSignature))).toBe(false);
  });

  it("rejects a request without X-Twilio-Signature", () => {
    expect(transport().verifyWebhook(webhook(vectorUrl, vectorParams))).toBe(false);
  });

  it("rejects a signature made with another auth token", () => {
    const forged = signTwilioWebhook("not-12345", vectorUrl, vectorParams);
    expect(transport().verifyWebhook(webhook(vectorUrl, vectorParams, forged))).toBe(false);
  });

  it("checks the body hash of a JSON webhook signed with bodySHA256", () => {
    const rawBody = JSON.stringify({ event: "delivered", sid: "SM123" });
    const hash = createHash("sha256").update(rawBody).digest("hex");
    const url = `https://organize.example.org/twilio/json?bodySHA256=${hash}`;
    const signature = signTwilioWebhook("12345", url, {});
    const request = (body: string): WebhookRequest => ({
      request: new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Twilio-Signature": signature },
        body,
      }),
      rawBody: body,
      url,
    });
    expect(transport().verifyWebhook(request(rawBody))).toBe(true);
    expect(transport().verifyWebhook(request(rawBody.replace("delivered", "failed")))).toBe(false);
  });

  it("accepts the imitation's signed webhooks and rejects each kind of forgery", () => {
    const verify = sms().verifyWebhook;
    expect(verify(imitation.inboundWebhook({ from: VOTER, body: "YES" }))).toBe(true);
    for (const forged of ["signature", "body", "url", "missing"] as const) {
      expect(verify(imitation.inboundWebhook({ from: VOTER, body: "YES" }, { forged })), forged).toBe(false);
    }
  });
});

describe("parseInbound", () => {
  it("reads MessageSid, From, To and Body, and keeps the raw form", () => {
    const signed = imitation.inboundWebhook({ from: VOTER, to: SENDER, body: "stop texting me" });
    const inbound = sms().parseInbound(signed);
    expect(inbound).toMatchObject({
      providerId: signed.params.MessageSid,
      from: VOTER,
      to: SENDER,
      body: "stop texting me",
    });
    expect(inbound.receivedAt).toBeInstanceOf(Date);
    expect(inbound.raw).toMatchObject({ AccountSid: accountSid, SmsStatus: "received" });
    expect(inbound).not.toHaveProperty("mediaUrls");
  });

  it("collects MediaUrl0..N of an MMS", () => {
    const media = ["https://api.twilio.com/media/1", "https://api.twilio.com/media/2"];
    const inbound = sms().parseInbound(imitation.inboundWebhook({ from: VOTER, body: "", mediaUrls: media }));
    expect(inbound.mediaUrls).toEqual(media);
    expect(inbound.body).toBe("");
  });

  it("falls back to SmsSid", () => {
    const request = webhook("https://x.test/in", { SmsSid: "SMold", From: VOTER, To: SENDER, Body: "hi" });
    expect(sms().parseInbound(request).providerId).toBe("SMold");
  });

  it.each(["From", "To", "Body", "MessageSid"])("throws InvalidInputError naming a missing %s", (field) => {
    const params: Record<string, string> = { MessageSid: "SM1", From: VOTER, To: SENDER, Body: "hi" };
    delete params[field];
    const error = (() => {
      try {
        sms().parseInbound(webhook("https://x.test/in", params));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
  });

  it("refuses a status callback", () => {
    const status = imitation.statusWebhook({ messageSid: "SM1", status: "delivered" });
    expect(() => sms().parseInbound(status)).toThrow(/MessageStatus/);
  });
});

describe("parseStatus", () => {
  it("reads MessageSid and MessageStatus", async () => {
    const { providerId } = await sms().send(message("Track me"));
    const update = sms().parseStatus(
      imitation.statusWebhook({ messageSid: providerId, status: "delivered" }),
    );
    expect(update).toMatchObject({ providerId, status: "delivered" });
    expect(update).not.toHaveProperty("errorCode");
    expect(update.raw).toMatchObject({ MessageSid: providerId, To: VOTER, From: SENDER });
  });

  it.each([
    [30007, "undelivered", "carrier_filtered"],
    [30003, "undelivered", "unreachable"],
    [30006, "failed", "not_sms_capable"],
    [21610, "failed", "opted_out"],
    [30034, "failed", "provider"],
    [30008, "failed", "provider"],
  ] as const)("maps ErrorCode %i on %s to failureReason %s", (code, status, reason) => {
    const update = sms().parseStatus(imitation.statusWebhook({ messageSid: "SM9", status, errorCode: code }));
    expect(update).toMatchObject({ status, errorCode: String(code), failureReason: reason });
  });

  it("ignores ErrorCode 0 and reads Twilio's partially_delivered as delivered", () => {
    const request = webhook("https://x.test/s", {
      MessageSid: "SM2",
      MessageStatus: "partially_delivered",
      ErrorCode: "0",
    });
    const update = sms().parseStatus(request);
    expect(update.status).toBe("delivered");
    expect(update).not.toHaveProperty("failureReason");
  });

  it("throws InvalidInputError for an unknown status, a missing sid, or an inbound message", () => {
    const transport = sms();
    expect(() =>
      transport.parseStatus(webhook("https://x.test/s", { MessageSid: "SM3", MessageStatus: "bogus" })),
    ).toThrow(InvalidInputError);
    try {
      transport.parseStatus(webhook("https://x.test/s", { MessageStatus: "sent" }));
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidInputError).field).toBe("MessageSid");
    }
    try {
      transport.parseStatus(imitation.inboundWebhook({ from: VOTER, body: "hello" }));
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidInputError).field).toBe("MessageStatus");
    }
  });
});

describe("webhookAcknowledgement", () => {
  it("answers an inbound message with empty TwiML and a status callback with nothing", () => {
    const transport = sms();
    expect(transport.webhookAcknowledgement("inbound")).toEqual({
      contentType: "text/xml; charset=utf-8",
      body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    });
    expect(transport.webhookAcknowledgement("status")).toEqual({
      contentType: "text/plain; charset=utf-8",
      body: "",
    });
  });
});

describe("lookup", () => {
  const lookup = (phone: string) => sms({ from: SENDER, lookup: true }).lookup!(phone);

  it("is absent unless enabled (Twilio bills every lookup)", () => {
    expect(sms().lookup).toBeUndefined();
    expect(typeof sms({ from: SENDER, lookup: true }).lookup).toBe("function");
  });

  it("asks Lookup v2 for line_type_intelligence and reports mobile with the carrier", async () => {
    await expect(lookup(VOTER)).resolves.toEqual({ lineType: "mobile", carrier: "Imitation Wireless" });
    const [request] = imitation.requests;
    expect(request?.operation).toBe("lookup");
    expect(request?.params).toMatchObject({ Fields: "line_type_intelligence" });
  });

  it.each([
    ["+19195550101", "landline"],
    ["+19195550102", "voip"],
    ["+19195550103", "voip"],
    ["+19195550104", "unknown"],
  ])("maps %s to %s", async (phone, lineType) => {
    expect((await lookup(phone)).lineType).toBe(lineType);
  });

  it("reports unknown without a carrier when Twilio cannot tell", async () => {
    await expect(lookup("+19195550105")).resolves.toEqual({ lineType: "unknown" });
  });

  it("maps an invalid number to invalid_recipient, and Twilio errors like sends", async () => {
    await expect(lookup("12345")).rejects.toMatchObject({ code: "invalid_recipient", isRetryable: false });
    imitation.failNext({ status: 503, operation: "lookup" });
    await expect(lookup(VOTER)).rejects.toMatchObject({
      code: "provider",
      isRetryable: true,
      statusCode: 503,
    });
  });
});

describe("findSent", () => {
  const tick = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };

  it("finds a message Twilio took although the response was lost, even while it is still queued", async () => {
    const transport = sms();
    const since = new Date(clock.getTime() - 200); // handed over 200 ms before Twilio's (whole-second) clock
    const lost = message("Your polling place is the Main St library.");
    imitation.failNext({ operation: "messages.create", dropResponse: true });
    const error = await rejection(transport.send(lost));
    expect(error.isRetryable).toBe(true);
    expect(imitation.sent).toHaveLength(1); // Twilio has it; we do not know
    const found = await transport.findSent(lost, since);
    expect(found).toEqual({ providerId: imitation.sent[0]?.sid, status: "queued", segments: 1 });
    // The list request filtered by recipient and sender, never by DateSent (null while queued).
    const list = imitation.requests.find((r) => r.operation === "messages.list");
    expect(list?.params).toMatchObject({ To: VOTER, From: SENDER });
    expect(Object.keys(list?.params ?? {}).some((name) => name.startsWith("DateSent"))).toBe(false);
  });

  it("reports the current status of a message that has moved on", async () => {
    const transport = sms();
    const since = new Date(clock);
    const sent = message("Thanks for volunteering!");
    const { providerId } = await transport.send(sent);
    imitation.setStatus(providerId, "delivered");
    await expect(transport.findSent(sent, since)).resolves.toMatchObject({ providerId, status: "delivered" });
  });

  it("returns null for another body, another sender, or a message older than since", async () => {
    const transport = sms();
    const since = new Date(clock);
    await transport.send(message("Rally at noon"));
    await expect(transport.findSent(message("Rally at one"), since)).resolves.toBeNull();
    await expect(
      transport.findSent(message("Rally at noon", { from: "+15550100009" }), since),
    ).resolves.toBeNull();
    await expect(
      transport.findSent(message("Rally at noon"), new Date(clock.getTime() + 60_000)),
    ).resolves.toBeNull();
  });

  it("allows findSentToleranceSeconds of clock difference before since", async () => {
    const body = "Doors open at 6";
    await sms().send(message(body));
    const created = clock.getTime();
    const transport = (tolerance: number) => sms({ from: SENDER, findSentToleranceSeconds: tolerance });
    await expect(transport(5).findSent(message(body), new Date(created + 4_700))).resolves.not.toBeNull();
    await expect(transport(5).findSent(message(body), new Date(created + 6_000))).resolves.toBeNull();
    await expect(transport(0).findSent(message(body), new Date(created + 900))).resolves.not.toBeNull();
  });

  it("pages through the list and returns the earliest match at or after since", async () => {
    const transport = sms();
    const since = new Date(clock);
    const target = message("The one we lost");
    const first = await transport.send(target);
    tick(1);
    await transport.send(target); // a later duplicate: the first is the one to record
    for (let i = 0; i < 120; i++) {
      tick(1);
      await transport.send(message(`Other news ${i}`));
    }
    await expect(transport.findSent(target, since)).resolves.toMatchObject({ providerId: first.providerId });
    const lists = imitation.requests.filter((r) => r.operation === "messages.list");
    expect(lists).toHaveLength(2);
    expect(lists[1]?.params.PageToken).toMatch(/^PASM/);
  });

  it("with a Messaging Service and no sender, matches only that service's messages", async () => {
    const since = new Date(clock);
    const body = "Pooled reminder";
    await sms({ messagingServiceSid: OTHER_SERVICE }).send(message(body));
    const transport = sms({ messagingServiceSid: SERVICE });
    await expect(transport.findSent(message(body), since)).resolves.toBeNull();
    const { providerId } = await transport.send(message(body));
    await expect(transport.findSent(message(body), since)).resolves.toMatchObject({
      providerId,
      status: "accepted",
    });
  });

  it("maps a failing list like any Twilio error", async () => {
    imitation.failNext({ status: 429, operation: "messages.list" });
    await expect(sms().findSent(message("x"), new Date(clock))).rejects.toMatchObject({
      code: "rate_limited",
      isRetryable: true,
    });
  });
});
