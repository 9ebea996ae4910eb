/**
 * The published conformance suite for {@link EmailTransport} adapters. First-party adapters run it; third
 * parties call it from their own test file with a harness for their vendor's HTTP API (msw, a sandbox).
 *
 * @module
 */

import {
  type Awaitable,
  type EmailEvent,
  type EmailEventType,
  type EmailMessageResult,
  type EmailTransport,
  type NamedEmailAddress,
  type OutboundEmail,
  PrecinctError,
  type Suppression,
  type SuppressionReason,
  validatePlugin,
  type WebhookRequest,
} from "@precinct/core";
import { describe, expect, it } from "vitest";

/**
 * An event the harness must encode in its provider's webhook format (and sign), so the suite can check
 * what `parseEvents` makes of it.
 */
export interface ConformanceEmailEvent {
  /** The event type. */
  readonly type: EmailEventType;
  /** The recipient. */
  readonly email: string;
  /** The provider's message id the event refers to (SendGrid: put it before the `.` of `sg_message_id`). */
  readonly providerId: string;
  /** When it happened, in whole seconds. */
  readonly occurredAt: Date;
  /** Custom args the message was sent with, echoed on the event. */
  readonly customArgs: Readonly<Record<string, string>>;
  /** For `bounce`: `bounce` or `blocked`. */
  readonly bounceType?: "bounce" | "blocked";
  /** For `click`: the link. */
  readonly url?: string;
  /** For group events: the unsubscribe group id. */
  readonly groupId?: string;
  /** For bounces, drops and deferrals: the reason. */
  readonly reason?: string;
}

/** One message as the provider received it (substitutions applied), for the pass-through checks. */
export interface ConformanceReceivedEmail {
  /** The recipient's address. */
  readonly to: string;
  /** The subject. */
  readonly subject: string;
  /** The HTML part. */
  readonly html?: string;
  /** The text part. */
  readonly text?: string;
  /** The message's headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The custom args the provider will echo on events. */
  readonly customArgs?: Readonly<Record<string, string>>;
  /** The categories/tags. */
  readonly categories?: readonly string[];
}

/**
 * What the harness provides so the suite can observe and steer the adapter. Every hook is called after
 * `create()` within the same test, so a hook may refer to the transport (or mock server) just created.
 */
export interface EmailTransportConformanceCases {
  /** The domain of test recipients (`conformance.<n>@<domain>`). Default `example.org`. */
  readonly recipientDomain?: string;
  /** The sender of test messages. Default `{ email: "organizers@example.org", name: "Conformance Suite" }`. */
  readonly sender?: NamedEmailAddress;
  /** Arranges for the next provider request to fail as a whole, permanently (e.g. a revoked API key). */
  readonly triggerPermanentFailure: () => Awaitable<void>;
  /** Arranges for the next provider request to fail as a whole, retryably (e.g. HTTP 429 or 503). */
  readonly triggerRetryableFailure: () => Awaitable<void>;
  /** How many messages reached the provider so far. Lets the suite check that refused batches send nothing. */
  readonly sentCount?: () => Awaitable<number>;
  /** True when the adapter sends a message only once per `idempotencyKey` (checked with `sentCount`). */
  readonly dedupesByIdempotencyKey?: boolean;
  /**
   * What the provider received so far, oldest first. Lets the suite check that subject, content, headers
   * (`List-Unsubscribe`), custom args, categories and substitutions reach the provider per recipient.
   */
  readonly received?: () => Awaitable<readonly ConformanceReceivedEmail[]>;
  /** Arranges for the provider to refuse messages to `email` while accepting the rest of their batch. */
  readonly refuseRecipient?: (email: string) => Awaitable<void>;
  /**
   * A correctly signed event webhook carrying `events` in the provider's format. Required when the
   * transport has `parseEvents`.
   */
  readonly eventsRequest?: (events: readonly ConformanceEmailEvent[]) => Awaitable<WebhookRequest>;
  /** The same webhook with a wrong signature. Required when the transport has `verifyWebhook`. */
  readonly forgedEventsRequest?: (events: readonly ConformanceEmailEvent[]) => Awaitable<WebhookRequest>;
  /** A correctly signed webhook whose signed timestamp is too old (a replay). Checked when given. */
  readonly staleEventsRequest?: (events: readonly ConformanceEmailEvent[]) => Awaitable<WebhookRequest>;
  /** The event types the provider reports. Default: all eleven. */
  readonly eventTypes?: readonly EmailEventType[];
  /** Puts `email` on the provider's `reason` suppression list. Required when the transport has `suppressions`. */
  readonly suppress?: (email: string, reason: SuppressionReason, groupId?: string) => Awaitable<void>;
  /** The suppression lists to check. Default `bounce`, `spamreport`, `unsubscribe`. */
  readonly suppressionReasons?: readonly SuppressionReason[];
}

/** Options for {@link runEmailTransportConformance}. */
export interface EmailTransportConformanceOptions {
  /** The adapter's name, shown in test titles. */
  readonly name: string;
  /** Creates a fresh transport; called once per test. */
  readonly create: () => EmailTransport | Promise<EmailTransport>;
  /** The harness hooks. */
  readonly cases: EmailTransportConformanceCases;
}

const ALL_EVENT_TYPES: readonly EmailEventType[] = [
  "processed",
  "dropped",
  "delivered",
  "deferred",
  "bounce",
  "open",
  "click",
  "spamreport",
  "unsubscribe",
  "group_unsubscribe",
  "group_resubscribe",
];
/** Batches larger than this are not built by the suite (it would be slow, not more telling). */
const LARGEST_TESTED_BATCH = 1000;
let counter = 0;

/**
 * Registers the `EmailTransport` v1 conformance tests with vitest. Call it at the top level of a test file.
 *
 * It checks: the contract fields and shape; that `send()` returns one result per message, in order, each
 * echoing its `idempotencyKey` (accepted ones with a non-empty `providerId`); that a full batch of
 * `maxBatchSize` goes through and a larger one is refused without sending; that a message without
 * content is rejected on its own while the rest of its batch is sent; that whole-request failures
 * surface as `PrecinctError` with the right `isRetryable` and no raw vendor error leaks; that an aborted
 * signal rejects with its reason. With the matching hooks it also checks per-recipient pass-through of
 * headers, custom args, categories and substitutions, provider-side refusal of one recipient, and
 * idempotency. For each optional capability the transport has, it checks that `parseEvents` maps every
 * event type, `verifyWebhook` accepts a genuine webhook and refuses a forged, tampered, re-serialized or
 * stale one, and `suppressions` streams each list and honours `since`. A capability (or hook) that is
 * absent is reported as a skipped test; to see which capabilities exist, `create()` is also called once
 * while vitest collects the tests.
 *
 * @example
 * ```ts
 * // my-adapter.conformance.test.ts
 * import { runEmailTransportConformance } from "@precinct/testing/conformance";
 *
 * runEmailTransportConformance({
 *   name: "mailgun",
 *   create: () => mailgun({ apiKey: "test", fetch: server.fetch }),
 *   cases: {
 *     triggerPermanentFailure: () => server.failNextSend(401),
 *     triggerRetryableFailure: () => server.failNextSend(503),
 *     received: () => server.messages(),
 *     eventsRequest: (events) => server.signedEvents(events),
 *     forgedEventsRequest: (events) => server.signedEvents(events, { key: "wrong" }),
 *   },
 * });
 * ```
 */
export function runEmailTransportConformance(options: EmailTransportConformanceOptions): void {
  const { cases } = options;
  const domain = cases.recipientDomain ?? "example.org";
  const sender = cases.sender ?? { email: "organizers@example.org", name: "Conformance Suite" };
  const recipient = (n: number) => `conformance.${n}@${domain}`;
  const message = (overrides: Partial<OutboundEmail> = {}): OutboundEmail => {
    const n = ++counter;
    return {
      to: { email: recipient(n), name: `Test Voter ${n}` },
      from: sender,
      subject: "Early voting starts Thursday",
      text: "Early voting starts Thursday at the Main St library.",
      html: "<p>Early voting starts Thursday at the Main St library.</p>",
      idempotencyKey: `conformance-${Date.now()}-${n}`,
      ...overrides,
    };
  };
  const rejection = async (promise: Promise<unknown>, what = "send()"): Promise<unknown> => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error(`expected ${what} to reject, but it resolved`);
  };
  const required = <T>(hook: T | undefined, name: string, capability: string): T => {
    if (hook === undefined) {
      throw new Error(`The transport has \`${capability}\`: supply cases.${name} so the suite can check it.`);
    }
    return hook;
  };
  const expectAccepted = (result: EmailMessageResult | undefined, key: string) => {
    expect(result, `no result for ${key}`).toBeDefined();
    expect(result!.idempotencyKey).toBe(key);
    if (result!.status !== "accepted") {
      throw new Error(`expected ${key} to be accepted, got rejected: ${result!.error.message}`);
    }
    expect(typeof result!.providerId).toBe("string");
    expect(result!.providerId).not.toBe("");
  };
  const expectRejected = (result: EmailMessageResult | undefined, key: string) => {
    expect(result, `no result for ${key}`).toBeDefined();
    expect(result!.idempotencyKey).toBe(key);
    expect(result!.status).toBe("rejected");
    if (result!.status === "rejected") {
      expect(PrecinctError.isInstance(result!.error), `got ${String(result!.error)}`).toBe(true);
      expect(result!.error.isRetryable).toBe(false);
      expect(result!.error.message).not.toBe("");
    }
  };
  const receivedFor = async (email: string): Promise<ConformanceReceivedEmail | undefined> => {
    const all = await cases.received!();
    return [...all].reverse().find((m) => m.to.toLowerCase() === email.toLowerCase());
  };

  describe(`EmailTransport conformance: ${options.name}`, async () => {
    const probe = await options.create();
    const maxBatchSize = probe.maxBatchSize ?? 1;
    const supportsSubstitutions =
      (probe as { readonly supportsSubstitutions?: unknown }).supportsSubstitutions === true;

    describe("contract", () => {
      it('declares specificationVersion "v1" and a provider name', async () => {
        const transport = await options.create();
        expect(transport.specificationVersion).toBe("v1");
        expect(typeof transport.provider).toBe("string");
        expect(transport.provider.trim()).not.toBe("");
      });

      it("has the required members, and optional ones of the right type", async () => {
        const transport = await options.create();
        expect(() => validatePlugin("EmailTransport", transport)).not.toThrow();
        if (transport.maxBatchSize !== undefined) {
          expect(Number.isInteger(transport.maxBatchSize) && transport.maxBatchSize > 0).toBe(true);
        }
      });
    });

    describe("send", () => {
      it("sends one message and echoes its idempotencyKey with a providerId", async () => {
        const transport = await options.create();
        const one = message();
        const { results } = await transport.send({ messages: [one] });
        expect(results).toHaveLength(1);
        expectAccepted(results[0], one.idempotencyKey);
      });

      it("returns one result per message, in the batch's order", async () => {
        const transport = await options.create();
        const batch = Array.from({ length: Math.min(5, maxBatchSize) }, () => message());
        const { results } = await transport.send({ messages: batch });
        expect(results.map((r) => r.idempotencyKey)).toEqual(batch.map((m) => m.idempotencyKey));
        for (const [i, m] of batch.entries()) expectAccepted(results[i], m.idempotencyKey);
      });

      it(`accepts a full batch of maxBatchSize (${Math.min(maxBatchSize, LARGEST_TESTED_BATCH)}) messages`, async () => {
        const transport = await options.create();
        const before = cases.sentCount === undefined ? undefined : await cases.sentCount();
        const size = Math.min(maxBatchSize, LARGEST_TESTED_BATCH);
        const batch = Array.from({ length: size }, () => message());
        const { results } = await transport.send({ messages: batch });
        expect(results).toHaveLength(size);
        for (const [i, m] of batch.entries()) expectAccepted(results[i], m.idempotencyKey);
        if (before !== undefined) expect(await cases.sentCount!()).toBe(before + size);
      });

      it.skipIf(maxBatchSize > LARGEST_TESTED_BATCH)(
        "refuses a batch over maxBatchSize without sending it, or still answers every message",
        async () => {
          const transport = await options.create();
          const before = cases.sentCount === undefined ? undefined : await cases.sentCount();
          const batch = Array.from({ length: maxBatchSize + 1 }, () => message());
          const outcome = await transport.send({ messages: batch }).then(
            (result) => ({ result }),
            (error: unknown) => ({ error }),
          );
          if ("error" in outcome) {
            expect(PrecinctError.isInstance(outcome.error), `got ${String(outcome.error)}`).toBe(true);
            expect((outcome.error as PrecinctError).isRetryable).toBe(false);
            if (before !== undefined) expect(await cases.sentCount!()).toBe(before);
          } else {
            expect(outcome.result.results.map((r) => r.idempotencyKey)).toEqual(
              batch.map((m) => m.idempotencyKey),
            );
          }
        },
      );

      it("rejects a message without content on its own and sends the rest of its batch", async () => {
        const transport = await options.create();
        const good = [message(), message()];
        const empty = message({ html: undefined, text: undefined });
        if (maxBatchSize >= 3) {
          const { results } = await transport.send({ messages: [good[0]!, empty, good[1]!] });
          expect(results).toHaveLength(3);
          expectAccepted(results[0], good[0]!.idempotencyKey);
          expectRejected(results[1], empty.idempotencyKey);
          expectAccepted(results[2], good[1]!.idempotencyKey);
        } else {
          const { results } = await transport.send({ messages: [empty] });
          expectRejected(results[0], empty.idempotencyKey);
        }
        if (cases.received !== undefined) {
          expect(await receivedFor(empty.to.email)).toBeUndefined();
          if (maxBatchSize >= 3) expect(await receivedFor(good[1]!.to.email)).toBeDefined();
        }
      });

      const refuse = cases.refuseRecipient;
      it.skipIf(refuse === undefined || maxBatchSize < 3)(
        "rejects a recipient the provider refuses and sends the rest of the batch",
        async () => {
          const transport = await options.create();
          const batch = [message(), message(), message()];
          await refuse!(batch[1]!.to.email);
          const { results } = await transport.send({ messages: batch });
          expectAccepted(results[0], batch[0]!.idempotencyKey);
          expectRejected(results[1], batch[1]!.idempotencyKey);
          expectAccepted(results[2], batch[2]!.idempotencyKey);
          if (cases.received !== undefined) {
            expect(await receivedFor(batch[1]!.to.email)).toBeUndefined();
            expect(await receivedFor(batch[2]!.to.email)).toBeDefined();
          }
        },
      );

      const received = cases.received;
      it.skipIf(received === undefined)(
        "passes subject, content, headers, custom args and categories through per recipient",
        async () => {
          const transport = await options.create();
          const batch = [1, 2].map((n) => {
            const base = message({ categories: ["conformance-campaign"] });
            return {
              ...base,
              headers: {
                "List-Unsubscribe": `<https://organize.example.org/u/${base.idempotencyKey}>`,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
              },
              customArgs: { campaign_id: "conformance-campaign", recipient_number: String(n) },
            };
          });
          const sent: OutboundEmail[] = [];
          for (let i = 0; i < batch.length; i += maxBatchSize) {
            const chunk = batch.slice(i, i + maxBatchSize);
            const { results } = await transport.send({ messages: chunk });
            for (const [k, m] of chunk.entries()) expectAccepted(results[k], m.idempotencyKey);
            sent.push(...chunk);
          }
          for (const m of sent) {
            const got = await receivedFor(m.to.email);
            expect(got, `the provider did not receive mail for ${m.to.email}`).toBeDefined();
            expect(got!.subject).toBe(m.subject);
            expect(got!.html).toBe(m.html);
            expect(got!.text).toBe(m.text);
            expect(got!.headers ?? {}).toMatchObject(m.headers!);
            expect(got!.customArgs ?? {}).toMatchObject(m.customArgs!);
            expect(got!.categories ?? []).toEqual(expect.arrayContaining(["conformance-campaign"]));
          }
        },
      );

      it.skipIf(!supportsSubstitutions || received === undefined)(
        "replaces substitution tags per recipient, in subject, HTML and text",
        async () => {
          const transport = await options.create();
          const names = ["Ana", "Bo & Co"];
          const batch = names.map((name) =>
            message({
              subject: "-givenName-, early voting starts Thursday",
              html: "<p>Hi -givenNameHtml-, see you there.</p>",
              text: "Hi -givenName-, see you there.",
              substitutions: { "-givenName-": name, "-givenNameHtml-": name.replace("&", "&amp;") },
            }),
          );
          for (let i = 0; i < batch.length; i += maxBatchSize) {
            const chunk = batch.slice(i, i + maxBatchSize);
            const { results } = await transport.send({ messages: chunk });
            for (const [k, m] of chunk.entries()) expectAccepted(results[k], m.idempotencyKey);
          }
          for (const [i, m] of batch.entries()) {
            const got = await receivedFor(m.to.email);
            expect(got).toBeDefined();
            expect(got!.subject).toBe(`${names[i]}, early voting starts Thursday`);
            expect(got!.html).toBe(`<p>Hi ${names[i]!.replace("&", "&amp;")}, see you there.</p>`);
            expect(got!.text).toBe(`Hi ${names[i]}, see you there.`);
          }
        },
      );

      it.skipIf(cases.dedupesByIdempotencyKey !== true || cases.sentCount === undefined)(
        "does not send twice for one idempotencyKey",
        async () => {
          const transport = await options.create();
          const before = await cases.sentCount!();
          const once = message();
          const first = await transport.send({ messages: [once] });
          const second = await transport.send({ messages: [{ ...once }] });
          expect(await cases.sentCount!()).toBe(before + 1);
          expectAccepted(second.results[0], once.idempotencyKey);
          const [a, b] = [first.results[0], second.results[0]];
          if (a?.status === "accepted" && b?.status === "accepted") expect(b.providerId).toBe(a.providerId);
        },
      );

      it("rejects with the signal's reason when aborted, sending nothing", async () => {
        const transport = await options.create();
        const before = cases.sentCount === undefined ? undefined : await cases.sentCount();
        const reason = new Error("conformance: aborted on purpose");
        const error = await rejection(
          transport.send({ messages: [message()] }, { signal: AbortSignal.abort(reason) }),
        );
        expect(error).toBe(reason);
        if (before !== undefined) expect(await cases.sentCount!()).toBe(before);
      });
    });

    describe("errors", () => {
      it("maps a permanent failure of the request to a PrecinctError that is not retryable", async () => {
        const transport = await options.create();
        await cases.triggerPermanentFailure();
        const error = await rejection(transport.send({ messages: [message()] }));
        expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as PrecinctError).isRetryable).toBe(false);
      });

      it("maps a retryable failure of the request to a PrecinctError that is retryable", async () => {
        const transport = await options.create();
        await cases.triggerRetryableFailure();
        const error = await rejection(transport.send({ messages: [message()] }));
        expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as PrecinctError).isRetryable).toBe(true);
      });

      it("never leaks a raw vendor error, and recovers for the next send", async () => {
        const transport = await options.create();
        for (const trigger of [cases.triggerPermanentFailure, cases.triggerRetryableFailure]) {
          await trigger();
          const error = await rejection(transport.send({ messages: [message()] }));
          expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
          expect((error as PrecinctError).code).toEqual(expect.any(String));
          expect((error as PrecinctError).message).not.toBe("");
          const next = message();
          const { results } = await transport.send({ messages: [next] });
          expectAccepted(results[0], next.idempotencyKey);
        }
      });
    });

    describe("optional capabilities", () => {
      const eventTypes = cases.eventTypes ?? ALL_EVENT_TYPES;
      const occurredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      const specs = (): ConformanceEmailEvent[] => {
        const n = ++counter;
        const customArgs = {
          precinct_message_id: `conformance-message-${n}`,
          campaign_id: "conformance-campaign",
        };
        const base = { email: recipient(n), providerId: `conformanceProvider${n}`, occurredAt, customArgs };
        return eventTypes.flatMap((type): ConformanceEmailEvent[] => {
          switch (type) {
            case "bounce":
              return [
                { ...base, type, bounceType: "bounce", reason: "550 5.1.1 No such user" },
                { ...base, type, bounceType: "blocked", reason: "421 4.7.0 Try again later" },
              ];
            case "click":
              return [{ ...base, type, url: "https://organize.example.org/early-voting" }];
            case "group_unsubscribe":
            case "group_resubscribe":
              return [{ ...base, type, groupId: "7" }];
            case "dropped":
              return [{ ...base, type, reason: "Unsubscribed Address" }];
            default:
              return [{ ...base, type }];
          }
        });
      };

      describe.skipIf(typeof probe.parseEvents !== "function")(
        "parseEvents (when the transport offers it)",
        () => {
          it("parseEvents maps every event type, with ids, dates, custom args and type-specific fields", async () => {
            const transport = await options.create();
            const expected = specs();
            const request = await required(cases.eventsRequest, "eventsRequest", "parseEvents")(expected);
            const events: EmailEvent[] = await transport.parseEvents!(request);
            expect(events).toHaveLength(expected.length);
            expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
            expected.forEach((spec, i) => {
              const event = events[i]!;
              expect(event.type).toBe(spec.type);
              expect(typeof event.eventId).toBe("string");
              expect(event.eventId).not.toBe("");
              expect(event.email.toLowerCase()).toBe(spec.email.toLowerCase());
              expect(event.providerId).toBe(spec.providerId);
              expect(event.occurredAt).toBeInstanceOf(Date);
              expect(event.occurredAt.getTime()).toBe(spec.occurredAt.getTime());
              expect(event.customArgs ?? {}).toMatchObject(spec.customArgs);
              expect(typeof event.raw).toBe("object");
              if (event.type === "bounce") expect(event.bounceType).toBe(spec.bounceType);
              if (event.type === "click") expect(event.url).toBe(spec.url);
              if (event.type === "group_unsubscribe" || event.type === "group_resubscribe") {
                expect(event.groupId).toBe(spec.groupId);
              }
            });
          });

          it("parseEvents refuses a body that is not an event batch with an invalid_input error", async () => {
            const transport = await options.create();
            const url = "https://precinct.test/webhooks/email/events";
            for (const rawBody of ["this is not JSON", '{"not":"a batch"}']) {
              const request = new Request(url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: rawBody,
              });
              const error = await rejection(
                Promise.resolve().then(() => transport.parseEvents!({ request, rawBody, url })),
                "parseEvents()",
              );
              expect(PrecinctError.hasCode(error, "invalid_input"), `got ${String(error)}`).toBe(true);
            }
          });
        },
      );

      describe.skipIf(typeof probe.verifyWebhook !== "function")(
        "verifyWebhook (when the transport offers it)",
        () => {
          const sign = () => required(cases.eventsRequest, "eventsRequest", "verifyWebhook");
          const alter = (request: WebhookRequest, rawBody: string): WebhookRequest => ({
            request: new Request(request.url, {
              method: "POST",
              headers: request.request.headers,
              body: rawBody,
            }),
            rawBody,
            url: request.url,
          });

          it("verifyWebhook accepts a correctly signed webhook and refuses a forged one", async () => {
            const transport = await options.create();
            const events = specs();
            const valid = await sign()(events);
            const forged = await required(
              cases.forgedEventsRequest,
              "forgedEventsRequest",
              "verifyWebhook",
            )(events);
            expect(await transport.verifyWebhook!(valid)).toBe(true);
            expect(await transport.verifyWebhook!(forged)).toBe(false);
          });

          it("verifyWebhook refuses a body changed after signing", async () => {
            const transport = await options.create();
            const events = specs();
            const valid = await sign()(events);
            const email = events[0]!.email;
            const tampered = valid.rawBody.includes(email)
              ? valid.rawBody.replace(email, `x${email}`)
              : `${valid.rawBody} `;
            expect(tampered).not.toBe(valid.rawBody);
            expect(await transport.verifyWebhook!(alter(valid, tampered))).toBe(false);
          });

          it("verifyWebhook refuses re-serialized JSON (signatures cover the exact raw bytes)", async () => {
            const transport = await options.create();
            const valid = await sign()(specs());
            let reserialized: string;
            try {
              reserialized = JSON.stringify(JSON.parse(valid.rawBody), null, 2);
            } catch {
              reserialized = `${valid.rawBody}\n`;
            }
            if (reserialized === valid.rawBody) reserialized = `${reserialized}\n`;
            expect(await transport.verifyWebhook!(alter(valid, reserialized))).toBe(false);
          });

          const stale = cases.staleEventsRequest;
          it.skipIf(stale === undefined)(
            "verifyWebhook refuses a correctly signed webhook with a stale timestamp",
            async () => {
              const transport = await options.create();
              expect(await transport.verifyWebhook!(await stale!(specs()))).toBe(false);
            },
          );
        },
      );

      describe.skipIf(typeof probe.suppressions !== "function")(
        "suppressions (when the transport offers it)",
        () => {
          const reasons = cases.suppressionReasons ?? ["bounce", "spamreport", "unsubscribe"];
          const collect = async (iterable: AsyncIterable<Suppression>): Promise<Suppression[]> => {
            const all: Suppression[] = [];
            for await (const item of iterable) all.push(item);
            return all;
          };

          it(`suppressions streams every list (${reasons.join(", ")}) and honours since`, async () => {
            const transport = await options.create();
            const suppress = required(cases.suppress, "suppress", "suppressions");
            const arranged = reasons.map((reason) => ({ email: recipient(++counter), reason }));
            for (const { email, reason } of arranged) {
              await suppress(email, reason, reason === "group_unsubscribe" ? "7" : undefined);
            }
            const all = await collect(transport.suppressions!());
            for (const { email, reason } of arranged) {
              const found = all.find((s) => s.email.toLowerCase() === email && s.reason === reason);
              expect(found, `${email} on the ${reason} list`).toBeDefined();
              expect(found!.createdAt).toBeInstanceOf(Date);
              expect(Number.isNaN(found!.createdAt.getTime())).toBe(false);
              if (reason === "group_unsubscribe") expect(found!.groupId).toBe("7");
            }
            const recent = await collect(transport.suppressions!(new Date(Date.now() - 3_600_000)));
            for (const { email, reason } of arranged) {
              expect(recent.some((s) => s.email.toLowerCase() === email && s.reason === reason)).toBe(true);
            }
            const future = await collect(transport.suppressions!(new Date(Date.now() + 3_600_000)));
            for (const { email } of arranged) {
              expect(future.some((s) => s.email.toLowerCase() === email)).toBe(false);
            }
          });
        },
      );
    });
  });
}
