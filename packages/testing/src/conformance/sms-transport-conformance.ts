/**
 * The published conformance suite for {@link SmsTransport} adapters. First-party adapters run it; third
 * parties call it from their own test file with a harness for their vendor's HTTP API (msw, a sandbox).
 *
 * @module
 */

import {
  type Awaitable,
  isMessageStatus,
  type MessageStatus,
  PrecinctError,
  type SmsTransport,
  smsSegments,
  validatePlugin,
  type WebhookRequest,
} from "@precinct/core";
import { describe, expect, it } from "vitest";

/**
 * What the harness provides so the suite can observe and steer the adapter. Every hook is called after
 * `create()` within the same test, so a hook may refer to the transport (or mock server) just created.
 */
export interface SmsTransportConformanceCases {
  /** The recipient for test sends, E.164. Default `+15005550006`. */
  readonly recipient?: string;
  /** The sender for test sends. Default: none (the transport's configured default). */
  readonly sender?: string;
  /**
   * How many messages actually reached the provider so far. Supply it when the adapter deduplicates by
   * `idempotencyKey`; without it the suite skips the idempotency check (the capability is absent).
   */
  readonly sentCount?: () => Awaitable<number>;
  /** Arranges for the next send to fail permanently (e.g. Twilio 21610 recipient opted out). */
  readonly triggerPermanentFailure: () => Awaitable<void>;
  /** Arranges for the next send to fail in a retryable way (e.g. HTTP 429 or 503). */
  readonly triggerRetryableFailure: () => Awaitable<void>;
  /** A correctly signed inbound-message webhook. Required when the transport has `parseInbound`. */
  readonly validInboundRequest?: () => Awaitable<WebhookRequest>;
  /** What {@link validInboundRequest} contains, to compare with what `parseInbound` returns. */
  readonly expectedInbound?: { readonly from?: string; readonly to?: string; readonly body?: string };
  /**
   * The same kind of webhook with a wrong or missing signature (or a tampered body). Required when the
   * transport has `verifyWebhook`.
   */
  readonly forgedInboundRequest?: () => Awaitable<WebhookRequest>;
  /** A correctly signed status webhook. Required when the transport has `parseStatus`. */
  readonly validStatusRequest?: () => Awaitable<WebhookRequest>;
  /** What {@link validStatusRequest} contains. */
  readonly expectedStatus?: { readonly providerId?: string; readonly status?: MessageStatus };
  /** The number to look up when the transport has `lookup`. Default: {@link recipient}. */
  readonly lookupNumber?: string;
}

/** Options for {@link runSmsTransportConformance}. */
export interface SmsTransportConformanceOptions {
  /** The adapter's name, shown in test titles. */
  readonly name: string;
  /** Creates a fresh transport; called once per test. */
  readonly create: () => SmsTransport | Promise<SmsTransport>;
  /** The harness hooks. */
  readonly cases: SmsTransportConformanceCases;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const LINE_TYPES = ["mobile", "landline", "voip", "unknown"];
let keyCounter = 0;

/**
 * Registers the `SmsTransport` v1 conformance tests with vitest. Call it at the top level of a test file.
 *
 * It checks: the contract fields and shape; that `send()` returns a non-empty `providerId`, a known
 * status and a segment count matching `smsSegments()` for GSM-7 and UCS-2 bodies; distinct ids per
 * message; no double send for one `idempotencyKey` (when `sentCount` is supplied); that permanent and
 * retryable failures surface as `PrecinctError` with the right `isRetryable` and no raw vendor error
 * leaks; and, for each optional capability the transport has, that `parseInbound`, `parseStatus`,
 * `verifyWebhook` and `lookup` behave. A capability the transport lacks is reported as a skipped test;
 * to see which it has, `create()` is also called once while vitest collects the tests.
 *
 * @example
 * ```ts
 * // my-adapter.conformance.test.ts
 * import { runSmsTransportConformance } from "@precinct/testing";
 *
 * runSmsTransportConformance({
 *   name: "telnyx",
 *   create: () => telnyx({ apiKey: "test", fetch: server.fetch }),
 *   cases: {
 *     triggerPermanentFailure: () => server.failNextSend(400, { code: "40300" }),
 *     triggerRetryableFailure: () => server.failNextSend(429),
 *     sentCount: () => server.requests("/v2/messages").length,
 *     validInboundRequest: () => server.signedInbound({ from: "+15551230000", text: "STOP" }),
 *     forgedInboundRequest: () => server.forgedInbound(),
 *   },
 * });
 * ```
 */
export function runSmsTransportConformance(options: SmsTransportConformanceOptions): void {
  const { cases } = options;
  const recipient = cases.recipient ?? "+15005550006";
  const message = (body: string) => ({
    to: recipient,
    ...(cases.sender !== undefined ? { from: cases.sender } : {}),
    body,
    idempotencyKey: `conformance-${Date.now()}-${++keyCounter}`,
  });
  const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error("expected send() to reject after the harness arranged a failure, but it resolved");
  };
  const required = <T>(hook: T | undefined, name: string, capability: string): T => {
    if (hook === undefined) {
      throw new Error(`The transport has \`${capability}\`: supply cases.${name} so the suite can check it.`);
    }
    return hook;
  };

  describe(`SmsTransport conformance: ${options.name}`, () => {
    describe("contract", () => {
      it('declares specificationVersion "v1" and a provider name', async () => {
        const transport = await options.create();
        expect(transport.specificationVersion).toBe("v1");
        expect(typeof transport.provider).toBe("string");
        expect(transport.provider.trim()).not.toBe("");
      });

      it("has the required members, and optional ones of the right type", async () => {
        const transport = await options.create();
        expect(() => validatePlugin("SmsTransport", transport)).not.toThrow();
      });
    });

    describe("send", () => {
      it("returns a providerId, a known status and GSM-7 segments", async () => {
        const transport = await options.create();
        const body = "Hi from the conformance suite! Reply STOP to opt out.";
        const result = await transport.send(message(body));
        expect(typeof result.providerId).toBe("string");
        expect(result.providerId).not.toBe("");
        expect(isMessageStatus(result.status)).toBe(true);
        expect(result.segments).toBeGreaterThanOrEqual(1);
        expect(result.segments).toBe(smsSegments(body).segments);
      });

      it("counts a long GSM-7 body as several segments", async () => {
        const transport = await options.create();
        const body = `Early voting starts Thursday at the library on Main St. ${"Bring a friend! ".repeat(10)}`;
        expect(smsSegments(body)).toMatchObject({ encoding: "GSM-7", segments: 2 });
        const result = await transport.send(message(body));
        expect(result.segments).toBe(2);
      });

      it("counts UCS-2 segments when the body has an emoji", async () => {
        const transport = await options.create();
        const body = `Thanks for signing up 🎉 ${"See you at the rally. ".repeat(3)}`;
        expect(smsSegments(body)).toMatchObject({ encoding: "UCS-2", segments: 2 });
        const result = await transport.send(message(body));
        expect(result.segments).toBe(2);
      });

      it("returns a distinct providerId for each message", async () => {
        const transport = await options.create();
        const results = [];
        for (let i = 0; i < 3; i++) results.push(await transport.send(message(`Message ${i}`)));
        expect(new Set(results.map((r) => r.providerId)).size).toBe(3);
      });

      const sentCount = cases.sentCount;
      it.skipIf(sentCount === undefined)("does not send twice for one idempotencyKey", async () => {
        const transport = await options.create();
        const before = await sentCount!();
        const first = message("Only once, please.");
        const a = await transport.send(first);
        const second = await transport.send({ ...first }).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        expect(await sentCount!()).toBe(before + 1);
        if ("result" in second) expect(second.result.providerId).toBe(a.providerId);
        else expect(PrecinctError.hasCode(second.error, "conflict")).toBe(true);
      });
    });

    describe("errors", () => {
      it("maps a permanent failure to a PrecinctError that is not retryable", async () => {
        const transport = await options.create();
        await cases.triggerPermanentFailure();
        const error = await rejection(transport.send(message("This one fails for good.")));
        expect(PrecinctError.isInstance(error)).toBe(true);
        expect((error as PrecinctError).isRetryable).toBe(false);
      });

      it("maps a retryable failure to a PrecinctError that is retryable", async () => {
        const transport = await options.create();
        await cases.triggerRetryableFailure();
        const error = await rejection(transport.send(message("This one may work later.")));
        expect(PrecinctError.isInstance(error)).toBe(true);
        expect((error as PrecinctError).isRetryable).toBe(true);
      });

      it("never leaks a raw vendor error, and recovers for the next send", async () => {
        const transport = await options.create();
        for (const trigger of [cases.triggerPermanentFailure, cases.triggerRetryableFailure]) {
          await trigger();
          const error = await rejection(transport.send(message("Failing on purpose.")));
          expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
          expect((error as PrecinctError).code).toEqual(expect.any(String));
          expect((error as PrecinctError).message).not.toBe("");
          const next = await transport.send(message("And this one goes through."));
          expect(next.providerId).not.toBe("");
        }
      });
    });

    describe("optional capabilities", async () => {
      const probe = await options.create();

      it.skipIf(typeof probe.parseInbound !== "function")(
        "parseInbound returns E.164 numbers, the body and a provider id",
        async () => {
          const transport = await options.create();
          const request = await required(cases.validInboundRequest, "validInboundRequest", "parseInbound")();
          const inbound = await transport.parseInbound!(request);
          expect(inbound.from).toMatch(E164);
          expect(inbound.to).toMatch(E164);
          expect(typeof inbound.body).toBe("string");
          expect(inbound.providerId).not.toBe("");
          expect(inbound.receivedAt).toBeInstanceOf(Date);
          expect(Number.isNaN(inbound.receivedAt.getTime())).toBe(false);
          if (cases.expectedInbound) expect(inbound).toMatchObject(cases.expectedInbound);
        },
      );

      it.skipIf(typeof probe.parseStatus !== "function")(
        "parseStatus returns a provider id and a known status",
        async () => {
          const transport = await options.create();
          const request = await required(cases.validStatusRequest, "validStatusRequest", "parseStatus")();
          const update = await transport.parseStatus!(request);
          expect(update.providerId).not.toBe("");
          expect(isMessageStatus(update.status)).toBe(true);
          if (update.occurredAt !== undefined) expect(update.occurredAt).toBeInstanceOf(Date);
          if (cases.expectedStatus) expect(update).toMatchObject(cases.expectedStatus);
        },
      );

      it.skipIf(typeof probe.verifyWebhook !== "function")(
        "verifyWebhook accepts a correctly signed request and rejects a forged one",
        async () => {
          const transport = await options.create();
          const valid = await required(
            cases.validInboundRequest ?? cases.validStatusRequest,
            "validInboundRequest",
            "verifyWebhook",
          )();
          const forged = await required(
            cases.forgedInboundRequest,
            "forgedInboundRequest",
            "verifyWebhook",
          )();
          expect(await transport.verifyWebhook!(valid)).toBe(true);
          expect(await transport.verifyWebhook!(forged)).toBe(false);
        },
      );

      it.skipIf(typeof probe.lookup !== "function")("lookup reports a known line type", async () => {
        const transport = await options.create();
        const result = await transport.lookup!(cases.lookupNumber ?? recipient);
        expect(LINE_TYPES).toContain(result.lineType);
        if (result.carrier !== undefined) expect(typeof result.carrier).toBe("string");
      });

      it.skipIf(probe.handlesKeywords === undefined)("handlesKeywords is a boolean", () => {
        expect(typeof probe.handlesKeywords).toBe("boolean");
      });
    });
  });
}
