import { type EmailEvent, InvalidInputError, type WebhookRequest } from "@precinct/core";
import { createSendGridImitation, type SendGridEventInput, sendGridHandlers } from "@precinct/testing/http";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createSendGrid,
  PRECINCT_MESSAGE_ID_ARG,
  parseSendGridEvents,
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
} from "../src/index.js";

const apiKey = "SG.event-tests.secret";
const imitation = createSendGridImitation({ apiKey });
const server = setupServer(...sendGridHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());
beforeEach(() => imitation.reset());

function webhookRequest(rawBody: string, headers: Record<string, string>): WebhookRequest {
  const url = "https://organize.example.org/webhooks/sendgrid/events";
  return { request: new Request(url, { method: "POST", headers, body: rawBody }), rawBody, url };
}

// SendGrid's own published test vector (the @sendgrid/eventwebhook test suite): a genuine signature, with
// the trailing CRLF SendGrid's body carries.
const VECTOR = {
  publicKey:
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
  signature:
    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
  timestamp: "1600112502",
  body: `${JSON.stringify([
    {
      email: "hello@world.com",
      event: "dropped",
      reason: "Bounced Address",
      sg_event_id: "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
      sg_message_id: "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
      "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
      timestamp: 1600112492,
    },
  ])}\r\n`,
};

describe("verifyWebhook", () => {
  const vectorTransport = (nowSeconds: number) =>
    createSendGrid({ apiKey }).email({
      eventWebhookPublicKey: VECTOR.publicKey,
      now: () => new Date(nowSeconds * 1000),
    });
  const vectorRequest = (overrides: { body?: string; signature?: string; timestamp?: string } = {}) =>
    webhookRequest(overrides.body ?? VECTOR.body, {
      "content-type": "application/json",
      [SENDGRID_SIGNATURE_HEADER]: overrides.signature ?? VECTOR.signature,
      [SENDGRID_TIMESTAMP_HEADER]: overrides.timestamp ?? VECTOR.timestamp,
    });

  it("accepts SendGrid's published test vector at its time, on the exact raw body", () => {
    const transport = vectorTransport(1600112502 + 5);
    expect(transport.verifyWebhook!(vectorRequest())).toBe(true);
    // The parsed events of that genuine body:
    const [event] = transport.parseEvents(vectorRequest());
    expect(event).toMatchObject({
      type: "dropped",
      reason: "Bounced Address",
      providerId: "LRzXl_NHStOGhQ4kofSm_A",
      eventId: "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
    });
  });

  it("refuses the vector re-serialized (no trailing CRLF, or pretty-printed)", () => {
    const transport = vectorTransport(1600112502);
    const parsed: unknown = JSON.parse(VECTOR.body);
    expect(transport.verifyWebhook!(vectorRequest({ body: JSON.stringify(parsed) }))).toBe(false);
    expect(transport.verifyWebhook!(vectorRequest({ body: JSON.stringify(parsed, null, 2) }))).toBe(false);
  });

  it("refuses the vector with another timestamp, a stale one, or one from the future", () => {
    expect(vectorTransport(1600112502).verifyWebhook!(vectorRequest({ timestamp: "1600112503" }))).toBe(
      false,
    );
    // Ten minutes and one second later: a replay.
    expect(vectorTransport(1600112502 + 601).verifyWebhook!(vectorRequest())).toBe(false);
    expect(vectorTransport(1600112502 + 600).verifyWebhook!(vectorRequest())).toBe(true);
    // A signed timestamp more than a minute ahead of our clock.
    expect(vectorTransport(1600112502 - 61).verifyWebhook!(vectorRequest())).toBe(false);
  });

  it("honours maxEventAgeSeconds", () => {
    const transport = createSendGrid({ apiKey }).email({
      eventWebhookPublicKey: VECTOR.publicKey,
      maxEventAgeSeconds: 30,
      now: () => new Date((1600112502 + 31) * 1000),
    });
    expect(transport.verifyWebhook!(vectorRequest())).toBe(false);
  });

  it("refuses a missing, empty or malformed signature or timestamp", () => {
    const transport = vectorTransport(1600112502);
    expect(transport.verifyWebhook!(vectorRequest({ signature: "" }))).toBe(false);
    expect(transport.verifyWebhook!(vectorRequest({ signature: "bm90IGEgc2lnbmF0dXJl" }))).toBe(false);
    expect(transport.verifyWebhook!(vectorRequest({ timestamp: "soon" }))).toBe(false);
    expect(
      transport.verifyWebhook!(webhookRequest(VECTOR.body, { "content-type": "application/json" })),
    ).toBe(false);
  });

  it("accepts the imitation's signed webhooks and refuses each kind of forgery", async () => {
    const transport = createSendGrid({ apiKey }).email({
      eventWebhookPublicKey: imitation.eventWebhookPublicKey,
    });
    const events: SendGridEventInput[] = [
      { event: "delivered", email: "voter.1@example.org", sgMessageId: "abc.def" },
    ];
    expect(transport.verifyWebhook!(imitation.eventWebhook(events))).toBe(true);
    for (const forged of ["signature", "body", "reserialized", "stale", "future", "missing"] as const) {
      expect(transport.verifyWebhook!(imitation.eventWebhook(events, { forged })), forged).toBe(false);
    }
  });

  it("is absent without a verification key, so the router cannot trust unsigned events by accident", () => {
    const saved = process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY;
    delete process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY;
    try {
      const transport = createSendGrid({ apiKey }).email();
      expect(transport.verifyWebhook).toBeUndefined();
      expect(typeof transport.parseEvents).toBe("function");
    } finally {
      if (saved !== undefined) process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY = saved;
    }
  });
});

describe("parseEvents", () => {
  it("ties events of a real send to their messages: X-Message-Id and precinct_message_id", async () => {
    const transport = createSendGrid({ apiKey }).email({
      eventWebhookPublicKey: imitation.eventWebhookPublicKey,
    });
    const messages = [1, 2].map((i) => ({
      to: { email: `voter.${i}@example.org` },
      from: { email: "organizers@example.org" },
      subject: "Rally on Saturday",
      text: "Rally on Saturday at noon.",
      customArgs: { campaign_id: "rally-2026" },
      categories: ["rally-2026"],
      idempotencyKey: `outbox-${i}`,
    }));
    const { results } = await transport.send({ messages });
    const sent = imitation.messages;
    const webhook = imitation.eventWebhook([
      imitation.event(sent[0]!, "processed"),
      imitation.event(sent[1]!, "delivered"),
      imitation.event(sent[1]!, "open"),
    ]);
    expect(transport.verifyWebhook!(webhook)).toBe(true);
    const events = transport.parseEvents(webhook);
    expect(events.map((e) => [e.type, e.email, e.customArgs?.[PRECINCT_MESSAGE_ID_ARG]])).toEqual([
      ["processed", "voter.1@example.org", "outbox-1"],
      ["delivered", "voter.2@example.org", "outbox-2"],
      ["open", "voter.2@example.org", "outbox-2"],
    ]);
    for (const [i, event] of events.entries()) {
      const result = results[i === 0 ? 0 : 1]!;
      expect(result.status === "accepted" && event.providerId === result.providerId).toBe(true);
      // Only the custom args come back as customArgs: not SendGrid's own fields, nor the category.
      expect(event.customArgs).toEqual({
        campaign_id: "rally-2026",
        [PRECINCT_MESSAGE_ID_ARG]: `outbox-${i === 0 ? 1 : 2}`,
      });
    }
  });

  it("maps every event type with its type-specific fields", () => {
    const email = "voter.9@example.org";
    const at = new Date("2026-10-20T14:03:07Z");
    const inputs: SendGridEventInput[] = [
      { event: "processed", email, timestamp: at },
      { event: "dropped", email, reason: "Unsubscribed Address" },
      { event: "delivered", email },
      { event: "deferred", email, response: "451 4.3.0 Mailbox temporarily unavailable" },
      { event: "bounce", email, bounceType: "bounce", reason: "550 5.1.1 No such user" },
      { event: "bounce", email, bounceType: "blocked", reason: "421 4.7.0 Rate limited" },
      { event: "open", email },
      { event: "click", email, url: "https://organize.example.org/rsvp" },
      { event: "spamreport", email },
      { event: "unsubscribe", email },
      { event: "group_unsubscribe", email, asmGroupId: 4242 },
      { event: "group_resubscribe", email, asmGroupId: 4242 },
    ];
    const webhook = imitation.eventWebhook(inputs.map((e) => ({ ...e, sgMessageId: "Xmsg123.filter-1.0" })));
    const events: EmailEvent[] = parseSendGridEvents(webhook.rawBody);
    expect(events.map((e) => e.type)).toEqual(inputs.map((e) => e.event));
    expect(events[0]!.occurredAt).toEqual(at);
    expect(events.every((e) => e.providerId === "Xmsg123" && e.email === email)).toBe(true);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events[1]).toMatchObject({ type: "dropped", reason: "Unsubscribed Address" });
    expect(events[3]).toMatchObject({
      type: "deferred",
      reason: "451 4.3.0 Mailbox temporarily unavailable",
    });
    expect(events[4]).toMatchObject({
      type: "bounce",
      bounceType: "bounce",
      reason: "550 5.1.1 No such user",
    });
    expect(events[5]).toMatchObject({ type: "bounce", bounceType: "blocked" });
    expect(events[7]).toMatchObject({ type: "click", url: "https://organize.example.org/rsvp" });
    expect(events[10]).toMatchObject({ type: "group_unsubscribe", groupId: "4242" });
    expect(events[11]).toMatchObject({ type: "group_resubscribe", groupId: "4242" });
    expect(events[0]!.raw).toEqual(webhook.events[0]);
    expect(events[0]!.customArgs).toBeUndefined();
  });

  it("treats a bounce without a type as a hard bounce, and skips event types it does not know", () => {
    const events = parseSendGridEvents(
      JSON.stringify([
        { email: "a@example.org", event: "bounce", sg_event_id: "e1", timestamp: 1700000000 },
        { email: "a@example.org", event: "account_status_change", sg_event_id: "e2", timestamp: 1700000000 },
      ]),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "bounce", bounceType: "bounce" });
    expect(events[0]!.providerId).toBeUndefined();
  });

  const valid = { email: "a@example.org", event: "delivered", sg_event_id: "e1", timestamp: 1700000000 };
  it.each([
    ["not JSON", "[{", "body"],
    ["not an array", JSON.stringify(valid), "body"],
    ["an event that is not an object", JSON.stringify([valid, "delivered"]), "[1]"],
    ["no event type", JSON.stringify([valid, { ...valid, event: undefined }]), "[1].event"],
    ["no sg_event_id", JSON.stringify([valid, { ...valid, sg_event_id: undefined }]), "[1].sg_event_id"],
    ["no email", JSON.stringify([{ ...valid, email: "" }]), "[0].email"],
    ["a bad timestamp", JSON.stringify([valid, { ...valid, timestamp: "yesterday" }]), "[1].timestamp"],
    ["an unknown bounce type", JSON.stringify([{ ...valid, event: "bounce", type: "soft" }]), "[0].type"],
    ["a click without url", JSON.stringify([valid, valid, { ...valid, event: "click" }]), "[2].url"],
    [
      "a group event without group",
      JSON.stringify([{ ...valid, event: "group_unsubscribe" }]),
      "[0].asm_group_id",
    ],
  ])("refuses %s with an InvalidInputError naming the field", (_, body, field) => {
    let caught: unknown;
    try {
      parseSendGridEvents(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).field).toBe(field);
  });
});
