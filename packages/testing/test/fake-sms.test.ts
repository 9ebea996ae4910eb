import {
  type InboundSms,
  InvalidInputError,
  NotFoundError,
  PrecinctError,
  ProviderError,
  validatePlugin,
} from "@precinct/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFakeSms, FAKE_SIGNATURE_HEADER, signFakeWebhook } from "../src/index.js";

const TO = "+19195550123";
const send = (body: string, key: string, to = TO) => ({ to, body, idempotencyKey: key });

describe("createFakeSms", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("implements the SmsTransport v1 contract", () => {
    const sms = createFakeSms();
    expect(() => validatePlugin("SmsTransport", sms)).not.toThrow();
    expect(sms.specificationVersion).toBe("v1");
  });

  it("records sends with deterministic ids and computed segments", async () => {
    const sms = createFakeSms();
    const a = await sms.send(send("Hello", "k1"));
    const b = await sms.send({ ...send(`Vote 🗳️ ${"x".repeat(70)}`, "k2"), from: "+15550109999" });
    expect(a).toEqual({ providerId: "SMfake000001", status: "queued", segments: 1 });
    expect(b.providerId).toBe("SMfake000002");
    expect(sms.sent).toHaveLength(2);
    expect(sms.sent[0]).toMatchObject({ from: "+15550100000", segments: { encoding: "GSM-7", segments: 1 } });
    expect(sms.sent[1]).toMatchObject({ from: "+15550109999", segments: { encoding: "UCS-2", segments: 2 } });
  });

  it("does not send twice for one idempotency key", async () => {
    const sms = createFakeSms();
    const first = await sms.send(send("Once", "same"));
    const again = await sms.send(send("Once", "same"));
    expect(again).toEqual(first);
    expect(sms.sent).toHaveLength(1);
  });

  it("validates input and maps a malformed number like the provider would", async () => {
    const sms = createFakeSms();
    await expect(sms.send(send("x", ""))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(sms.send(send("", "k"))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(sms.send(send("x", "k", "919-555-0123"))).rejects.toMatchObject({
      code: "invalid_recipient",
      providerCode: 21211,
    });
    expect(sms.failures).toHaveLength(1);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const sms = createFakeSms();
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(sms.send(send("x", "k"), { signal: controller.signal })).rejects.toThrow("stop");
    expect(sms.sent).toHaveLength(0);
  });

  describe("failure injection", () => {
    it("maps failNext codes to ProviderErrors with stable codes and retryability", async () => {
      const sms = createFakeSms();
      sms.failNext("opted_out");
      sms.failNext("rate_limited", { times: 2 });
      const optedOut = await sms.send(send("a", "1")).catch((e: unknown) => e);
      expect(optedOut).toBeInstanceOf(ProviderError);
      expect(optedOut).toMatchObject({
        code: "opted_out",
        isRetryable: false,
        providerCode: 21610,
        provider: "fake",
      });
      for (const key of ["2", "3"]) {
        await expect(sms.send(send("a", key))).rejects.toMatchObject({
          code: "rate_limited",
          isRetryable: true,
          statusCode: 429,
        });
      }
      await expect(sms.send(send("a", "4"))).resolves.toMatchObject({ status: "queued" });
      expect(sms.failures.map((f) => f.error.code)).toEqual(["opted_out", "rate_limited", "rate_limited"]);
    });

    it("lets a failed send be retried with the same key", async () => {
      const sms = createFakeSms();
      sms.failNext("server_error");
      await expect(sms.send(send("a", "retry-me"))).rejects.toMatchObject({ isRetryable: true });
      await expect(sms.send(send("a", "retry-me"))).resolves.toMatchObject({ providerId: "SMfake000001" });
    });

    it("fails matching sends until the rule is removed", async () => {
      const sms = createFakeSms();
      const stop = sms.failWhen((m) => m.to === "+15550001111", "not_sms_capable");
      await expect(sms.send(send("a", "1", "+15550001111"))).rejects.toMatchObject({ providerCode: 21614 });
      await expect(sms.send(send("a", "2"))).resolves.toBeDefined();
      stop();
      await expect(sms.send(send("a", "3", "+15550001111"))).resolves.toBeDefined();
    });

    it("wraps a raw error so it never leaks, and passes a PrecinctError through", async () => {
      const sms = createFakeSms();
      const raw = new TypeError("socket hang up");
      sms.failNext(raw);
      const error = await sms.send(send("a", "1")).catch((e: unknown) => e);
      expect(PrecinctError.isInstance(error)).toBe(true);
      expect((error as Error).cause).toBe(raw);
      const own = new ProviderError({
        provider: "fake",
        message: "custom",
        code: "rate_limited",
        isRetryable: true,
      });
      sms.failNext(own);
      await expect(sms.send(send("a", "2"))).rejects.toBe(own);
    });
  });

  describe("scripted replies", () => {
    it("replies at once to messages for a number and lets the inbox be drained", async () => {
      const sms = createFakeSms();
      const heard: InboundSms[] = [];
      sms.onInbound((m) => heard.push(m));
      sms.scriptReply({ to: TO, reply: "STOP" });
      await sms.send(send("Hi", "1"));
      await sms.send(send("Hi", "2", "+15550002222"));
      expect(sms.inbox).toHaveLength(1);
      expect(sms.inbox[0]).toMatchObject({ from: TO, to: "+15550100000", body: "STOP" });
      expect(heard).toHaveLength(1);
      expect(sms.drainInbox()).toHaveLength(1);
      expect(sms.inbox).toHaveLength(0);
    });

    it("replies through a function, once, or after a delay", async () => {
      vi.useFakeTimers();
      const sms = createFakeSms();
      sms.scriptReply((m) => (m.body.includes("?") ? "Yes, count me in" : undefined));
      sms.scriptReply({ to: TO, reply: "late", afterMs: 5_000, once: true });
      await sms.send(send("Can you volunteer?", "1"));
      await sms.send(send("Thanks", "2"));
      expect(sms.inbox.map((m) => m.body)).toEqual(["Yes, count me in"]);
      const idle = sms.idle();
      await vi.advanceTimersByTimeAsync(5_000);
      await idle;
      expect(sms.inbox.map((m) => m.body)).toEqual(["Yes, count me in", "late"]);
    });

    it("blocks a number that texted STOP when the provider handles keywords, until START", async () => {
      const sms = createFakeSms({ handlesKeywords: true });
      expect(sms.handlesKeywords).toBe(true);
      sms.receive({ from: TO, body: "  stop " });
      expect(sms.optedOut.has(TO)).toBe(true);
      await expect(sms.send(send("Hi", "1"))).rejects.toMatchObject({
        code: "opted_out",
        providerCode: 21610,
      });
      sms.receive({ from: TO, body: "START" });
      await expect(sms.send(send("Hi", "2"))).resolves.toBeDefined();
    });

    it("leaves keywords to the engine when the provider does not handle them", async () => {
      const sms = createFakeSms();
      sms.receive({ from: TO, body: "STOP" });
      await expect(sms.send(send("Hi", "1"))).resolves.toBeDefined();
    });
  });

  describe("status updates", () => {
    it("produces status updates and never moves a message backwards", async () => {
      const sms = createFakeSms();
      const heard: string[] = [];
      sms.onStatus((u) => heard.push(u.status));
      const { providerId } = await sms.send(send("Hi", "1"));
      sms.deliver(providerId, "delivered");
      const late = sms.deliver(providerId, "sent");
      expect(late).toMatchObject({ providerId, status: "sent" });
      expect(sms.sent[0]?.status).toBe("delivered");
      expect(heard).toEqual(["delivered", "sent"]);
      expect(sms.statusUpdates).toHaveLength(2);
      const failed = sms.deliver(providerId, "failed", {
        errorCode: "30007",
        failureReason: "carrier_filtered",
      });
      expect(failed).toMatchObject({ errorCode: "30007", failureReason: "carrier_filtered" });
      expect(() => sms.deliver("SMnope", "delivered")).toThrow(NotFoundError);
    });
  });

  describe("webhooks", () => {
    it("signs, verifies and parses inbound webhooks", async () => {
      const sms = createFakeSms({ webhookSecret: "s3cret" });
      const request = sms.inboundRequest({ from: TO, body: "Yes! 🙌", providerId: "SMin1" });
      expect(request.request.headers.get(FAKE_SIGNATURE_HEADER)).toBe(
        signFakeWebhook(request.rawBody, "s3cret"),
      );
      expect(sms.verifyWebhook(request)).toBe(true);
      await expect(sms.parseInbound(request)).resolves.toMatchObject({
        providerId: "SMin1",
        from: TO,
        to: "+15550100000",
        body: "Yes! 🙌",
      });
    });

    it("rejects forged, tampered and unsigned requests", () => {
      const sms = createFakeSms();
      const forged = sms.inboundRequest({ from: TO, body: "STOP" }, { forged: true });
      expect(sms.verifyWebhook(forged)).toBe(false);
      const valid = sms.inboundRequest({ from: TO, body: "STOP" });
      expect(sms.verifyWebhook({ ...valid, rawBody: valid.rawBody.replace("STOP", "START") })).toBe(false);
      const unsigned = { ...valid, request: new Request(valid.url, { method: "POST", body: valid.rawBody }) };
      expect(sms.verifyWebhook(unsigned)).toBe(false);
      expect(createFakeSms({ webhookSecret: "other" }).verifyWebhook(valid)).toBe(false);
    });

    it("parses status webhooks and refuses the wrong kind of payload", async () => {
      const sms = createFakeSms();
      const at = new Date("2025-05-01T12:00:00Z");
      const status = sms.statusRequest({
        providerId: "SM1",
        status: "undelivered",
        errorCode: "30003",
        occurredAt: at,
      });
      await expect(sms.parseStatus(status)).resolves.toMatchObject({
        providerId: "SM1",
        status: "undelivered",
        errorCode: "30003",
        occurredAt: at,
      });
      await expect(sms.parseInbound(status)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(sms.parseStatus(sms.inboundRequest({ from: TO, body: "x" }))).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });
  });

  it("looks up configured line types", async () => {
    const sms = createFakeSms({ lineTypes: { "+19195550000": "landline" } });
    await expect(sms.lookup("+19195550000")).resolves.toMatchObject({ lineType: "landline" });
    await expect(sms.lookup(TO)).resolves.toMatchObject({ lineType: "mobile" });
    await expect(sms.lookup("555")).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("resets everything, ids included", async () => {
    const sms = createFakeSms();
    sms.scriptReply({ reply: "hi" });
    sms.failWhen(() => false, "rejected");
    await sms.send(send("Hi", "1"));
    sms.reset();
    expect(sms.sent).toHaveLength(0);
    expect(sms.inbox).toHaveLength(0);
    await expect(sms.send(send("Hi", "1"))).resolves.toMatchObject({ providerId: "SMfake000001" });
    expect(sms.inbox).toHaveLength(0);
  });
});
