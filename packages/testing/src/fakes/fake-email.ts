/**
 * An honest in-memory {@link EmailTransportV1}: records batches, simulates per-message rejections and
 * provider events (with SendGrid-like suppression behaviour), and signs its event webhooks.
 *
 * @module
 */

import {
  type EmailEvent,
  type EmailEventType,
  type EmailMessageResult,
  type EmailSendResult,
  type EmailTransportV1,
  InvalidInputError,
  NotFoundError,
  type OperationOptions,
  type OutboundEmail,
  type OutboundEmailBatch,
  type Suppression,
  type SuppressionReason,
  type WebhookRequest,
} from "@precinct/core";
import { FailureInjector, type FakeFailureControls, type FakeFailureInput } from "./failures.js";
import { idSequence, requireDate, requirePositiveInteger, requireString, throwIfAborted } from "./util.js";
import { createSignedJsonWebhook, DEFAULT_FAKE_WEBHOOK_SECRET, verifyFakeWebhook } from "./webhooks.js";

/** Options for {@link createFakeEmail}. */
export interface FakeEmailOptions {
  /** The provider name the fake reports. Default `fake-email`. */
  readonly provider?: string;
  /** The largest batch `send()` accepts. Default 1000 (SendGrid's limit). */
  readonly maxBatchSize?: number;
  /** The secret webhooks are signed with. Default {@link DEFAULT_FAKE_WEBHOOK_SECRET}. */
  readonly webhookSecret?: string;
  /** The URL the fake's webhooks claim to be posted to. Default `https://precinct.test/webhooks/email`. */
  readonly webhookUrl?: string;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** An email the fake accepted. */
export interface SentEmail {
  /** The fake provider id (`EMfake000001`). */
  readonly providerId: string;
  /** The message as given. */
  readonly message: OutboundEmail;
  /** When it was accepted. */
  readonly sentAt: Date;
}

/** Input for {@link FakeEmailTransport.emit}: the event to simulate and what it is about. */
export interface FakeEmailEventInput {
  /** The event type. */
  readonly type: EmailEventType;
  /** The sent message it concerns; its recipient and `customArgs` are used. */
  readonly providerId?: string;
  /** The address it concerns, when not about a sent message. */
  readonly email?: string;
  /** For `bounce`: `bounce` (default) or `blocked`. */
  readonly bounceType?: "bounce" | "blocked";
  /** For `click`: the link. Default `https://example.org/`. */
  readonly url?: string;
  /** For group events: the group id. Default `1`. */
  readonly groupId?: string;
  /** For bounces, drops and deferrals: the reason. */
  readonly reason?: string;
}

/** The fake email transport: the contract, with every optional capability, plus inspection and control. */
export interface FakeEmailTransport extends EmailTransportV1, FakeFailureControls<OutboundEmailBatch> {
  /** The largest batch accepted. */
  readonly maxBatchSize: number;
  /** Every batch `send()` accepted as a request (whole-request failures are not recorded). */
  readonly batches: readonly OutboundEmailBatch[];
  /** Every message accepted, in order. Idempotent repeats are not recorded twice. */
  readonly sent: readonly SentEmail[];
  /** Every event the fake produced (through {@link FakeEmailTransport.emit} or a send to a suppressed address). */
  readonly events: readonly EmailEvent[];
  /** The suppression list. */
  readonly suppressionList: readonly Suppression[];
  /** Parses the fake's signed JSON event webhook. */
  parseEvents(request: WebhookRequest): Promise<EmailEvent[]>;
  /** Checks the `x-fake-signature` HMAC of the raw body. */
  verifyWebhook(request: WebhookRequest): boolean;
  /** Streams suppressions created at or after `since`. */
  suppressions(since?: Date, options?: OperationOptions): AsyncIterable<Suppression>;
  /**
   * Makes messages matching `predicate` come back `rejected` with `failure` (the rest of the batch is
   * accepted). Returns a function that removes the rule.
   */
  rejectWhen(predicate: (message: OutboundEmail) => boolean, failure: FakeFailureInput): () => void;
  /**
   * Simulates a provider event. `bounce` (type `bounce`), `spamreport`, `unsubscribe` and
   * `group_unsubscribe` also suppress the address, as SendGrid does; `group_resubscribe` lifts a group
   * suppression. Throws `NotFoundError` for an unknown `providerId`.
   */
  emit(input: FakeEmailEventInput): EmailEvent;
  /** Adds an address to the suppression list; later sends to it are accepted then `dropped`. */
  suppress(email: string, reason: SuppressionReason, options?: { readonly groupId?: string }): Suppression;
  /** A signed event webhook carrying `events`, or a forged one with `{ forged: true }`. */
  eventsRequest(events: readonly EmailEvent[], options?: { readonly forged?: boolean }): WebhookRequest;
  /** Forgets everything; ids restart at 000001. */
  reset(): void;
}

/**
 * Creates a fake email transport. Sends to a suppressed address are accepted and then produce a `dropped`
 * event, as with SendGrid; messages with neither `html` nor `text` are rejected with `invalid_input`.
 *
 * @example
 * ```ts
 * const email = createFakeEmail();
 * const { results } = await email.send({ messages: [{ to: { email: "ana@example.org" }, from: { email: "team@example.org" }, subject: "Hi", text: "…", idempotencyKey: "e1" }] });
 * email.emit({ type: "open", providerId: email.sent[0]!.providerId });
 * ```
 */
export function createFakeEmail(options: FakeEmailOptions = {}): FakeEmailTransport {
  const provider = options.provider ?? "fake-email";
  const maxBatchSize = requirePositiveInteger("maxBatchSize", options.maxBatchSize ?? 1000);
  const secret = options.webhookSecret ?? DEFAULT_FAKE_WEBHOOK_SECRET;
  const webhookUrl = options.webhookUrl ?? "https://precinct.test/webhooks/email";
  const now = options.now ?? (() => new Date());

  const messageIds = idSequence("EMfake");
  const eventIds = idSequence("EVfake");
  const failures = new FailureInjector<OutboundEmailBatch>(provider);
  const rejections = new FailureInjector<OutboundEmail>(provider);
  const batches: OutboundEmailBatch[] = [];
  const sent: SentEmail[] = [];
  const byId = new Map<string, SentEmail>();
  const byKey = new Map<string, string>();
  const events: EmailEvent[] = [];
  const suppressionList: Suppression[] = [];

  const isSuppressed = (email: string) =>
    suppressionList.some((s) => s.email === email.toLowerCase() && s.reason !== "group_unsubscribe");

  const suppress = (
    email: string,
    reason: SuppressionReason,
    extra: { groupId?: string } = {},
  ): Suppression => {
    const suppression: Suppression = {
      email: email.toLowerCase(),
      reason,
      createdAt: now(),
      ...(extra.groupId !== undefined ? { groupId: extra.groupId } : {}),
    };
    suppressionList.push(suppression);
    return suppression;
  };

  const emit = (input: FakeEmailEventInput): EmailEvent => {
    const message = input.providerId === undefined ? undefined : byId.get(input.providerId);
    if (input.providerId !== undefined && message === undefined)
      throw new NotFoundError("Email", input.providerId);
    const email = requireString("email", input.email ?? message?.message.to.email);
    const base = {
      eventId: eventIds.next(),
      ...(input.providerId !== undefined ? { providerId: input.providerId } : {}),
      email,
      occurredAt: now(),
      ...(message?.message.customArgs ? { customArgs: message.message.customArgs } : {}),
    };
    let event: EmailEvent;
    switch (input.type) {
      case "bounce": {
        const bounceType = input.bounceType ?? "bounce";
        event = {
          ...base,
          type: "bounce",
          bounceType,
          ...(input.reason ? { reason: input.reason } : {}),
          raw: {},
        };
        if (bounceType === "bounce") suppress(email, "bounce");
        break;
      }
      case "dropped":
      case "deferred":
        event = { ...base, type: input.type, ...(input.reason ? { reason: input.reason } : {}), raw: {} };
        break;
      case "click":
        event = { ...base, type: "click", url: input.url ?? "https://example.org/", raw: {} };
        break;
      case "group_unsubscribe":
      case "group_resubscribe": {
        const groupId = input.groupId ?? "1";
        event = { ...base, type: input.type, groupId, raw: {} };
        if (input.type === "group_unsubscribe") suppress(email, "group_unsubscribe", { groupId });
        else {
          const index = suppressionList.findIndex(
            (s) =>
              s.email === email.toLowerCase() && s.reason === "group_unsubscribe" && s.groupId === groupId,
          );
          if (index >= 0) suppressionList.splice(index, 1);
        }
        break;
      }
      default:
        event = { ...base, type: input.type, raw: {} };
        if (input.type === "spamreport" || input.type === "unsubscribe") suppress(email, input.type);
    }
    event = { ...event, raw: toWire(event) };
    events.push(event);
    return event;
  };

  const fake: FakeEmailTransport = {
    specificationVersion: "v1",
    provider,
    maxBatchSize,
    batches,
    sent,
    events,
    suppressionList,

    async send(batch: OutboundEmailBatch, sendOptions) {
      throwIfAborted(sendOptions?.signal);
      if (!Array.isArray(batch?.messages) || batch.messages.length === 0) {
        throw new InvalidInputError({
          field: "messages",
          value: batch?.messages,
          reason: "must be a non-empty array",
        });
      }
      if (batch.messages.length > maxBatchSize) {
        throw new InvalidInputError({
          field: "messages",
          value: `${batch.messages.length} messages`,
          reason: `at most ${maxBatchSize} per batch`,
        });
      }
      const error = failures.take(batch);
      if (error !== undefined) throw error;
      batches.push(batch);

      const results: EmailMessageResult[] = batch.messages.map((message): EmailMessageResult => {
        const idempotencyKey = message.idempotencyKey;
        const previous = byKey.get(idempotencyKey);
        if (previous !== undefined) return { status: "accepted", idempotencyKey, providerId: previous };
        if (message.html === undefined && message.text === undefined) {
          const invalid = new InvalidInputError({
            field: "html",
            value: undefined,
            reason: "html or text is required",
          });
          return { status: "rejected", idempotencyKey, error: invalid };
        }
        const rejected = rejections.take(message);
        if (rejected !== undefined) return { status: "rejected", idempotencyKey, error: rejected };
        const record: SentEmail = { providerId: messageIds.next(), message, sentAt: now() };
        sent.push(record);
        byId.set(record.providerId, record);
        byKey.set(idempotencyKey, record.providerId);
        if (isSuppressed(message.to.email)) {
          emit({ type: "dropped", providerId: record.providerId, reason: "Unsubscribed Address" });
        }
        return { status: "accepted", idempotencyKey, providerId: record.providerId };
      });
      return { results } satisfies EmailSendResult;
    },

    async parseEvents(request) {
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody);
      } catch (cause) {
        throw new InvalidInputError({ field: "body", value: request.rawBody, reason: "not JSON", cause });
      }
      if (!Array.isArray(body))
        throw new InvalidInputError({ field: "body", value: body, reason: "not an array" });
      return body.map((item: unknown, index) => fromWire(item, `[${index}]`));
    },

    verifyWebhook(request) {
      return verifyFakeWebhook(request, secret);
    },

    async *suppressions(since, suppressionOptions) {
      throwIfAborted(suppressionOptions?.signal);
      for (const suppression of [...suppressionList]) {
        if (since === undefined || suppression.createdAt >= since) yield suppression;
      }
    },

    failNext: (failure, failOptions) => failures.failNext(failure, failOptions),
    failWhen: (predicate, failure) => failures.failWhen(predicate, failure),
    rejectWhen: (predicate, failure) => rejections.failWhen(predicate, failure),
    emit,
    suppress: (email, reason, suppressOptions = {}) => suppress(email, reason, suppressOptions),

    eventsRequest(list, requestOptions = {}) {
      return createSignedJsonWebhook(webhookUrl, list.map(toWire), secret, requestOptions.forged);
    },

    reset() {
      batches.length = 0;
      sent.length = 0;
      byId.clear();
      byKey.clear();
      events.length = 0;
      suppressionList.length = 0;
      failures.reset();
      rejections.reset();
      messageIds.reset();
      eventIds.reset();
    },
  };
  return fake;
}

const EVENT_TYPES: ReadonlySet<string> = new Set<EmailEventType>([
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
]);

/** The fake's webhook wire format: the event without `raw`, with `occurredAt` as ISO text. */
function toWire(event: EmailEvent): Record<string, unknown> {
  const { raw: _raw, occurredAt, ...rest } = event;
  return { ...rest, occurredAt: occurredAt.toISOString() };
}

function fromWire(item: unknown, path: string): EmailEvent {
  if (typeof item !== "object" || item === null) {
    throw new InvalidInputError({ field: path, value: item, reason: "not an event object" });
  }
  const raw = item as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== "string") {
      throw new InvalidInputError({ field: `${path}.${name}`, value, reason: "must be a string" });
    }
    return value;
  };
  const type = text("type");
  if (type === undefined || !EVENT_TYPES.has(type)) {
    throw new InvalidInputError({ field: `${path}.type`, value: type, reason: "unknown email event type" });
  }
  const customArgs = raw.customArgs;
  const providerId = text("providerId");
  const base = {
    eventId: requireString(`${path}.eventId`, text("eventId")),
    ...(providerId !== undefined ? { providerId } : {}),
    email: requireString(`${path}.email`, text("email")),
    occurredAt: requireDate(`${path}.occurredAt`, text("occurredAt")),
    ...(typeof customArgs === "object" && customArgs !== null
      ? { customArgs: customArgs as Record<string, string> }
      : {}),
    raw,
  };
  const reason = text("reason");
  const withReason = reason !== undefined ? { reason } : {};
  switch (type as EmailEventType) {
    case "bounce": {
      const bounceType = text("bounceType");
      if (bounceType !== "bounce" && bounceType !== "blocked") {
        throw new InvalidInputError({
          field: `${path}.bounceType`,
          value: bounceType,
          reason: "bounce or blocked",
        });
      }
      return { ...base, type: "bounce", bounceType, ...withReason };
    }
    case "dropped":
    case "deferred":
      return { ...base, type: type as "dropped" | "deferred", ...withReason };
    case "click":
      return { ...base, type: "click", url: requireString(`${path}.url`, text("url")) };
    case "group_unsubscribe":
    case "group_resubscribe":
      return {
        ...base,
        type: type as "group_unsubscribe" | "group_resubscribe",
        groupId: requireString(`${path}.groupId`, text("groupId")),
      };
    default:
      return { ...base, type: type as "processed" | "delivered" | "open" | "spamreport" | "unsubscribe" };
  }
}
