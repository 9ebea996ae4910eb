/**
 * The `EmailTransport` contract: how Precinct sends bulk, personalized email and learns what happened to it.
 *
 * @module
 */

import type { PrecinctError } from "../errors.js";
import type { Awaitable, OperationOptions, WebhookRequest } from "./common.js";

/** An email address with an optional display name. */
export interface NamedEmailAddress {
  /** The address, trimmed and lowercased by core's normalization. */
  readonly email: string;
  /** A display name (`"Riverside Tenants Union"`). */
  readonly name?: string;
}

/** One personalized email to one recipient. */
export interface OutboundEmail {
  /** The recipient. One per message: consent, suppression and tracking are per address. */
  readonly to: NamedEmailAddress;
  /** The sender. Must be a domain authenticated with the provider (SPF/DKIM/DMARC). */
  readonly from: NamedEmailAddress;
  /** Where replies go, when not to `from`. */
  readonly replyTo?: NamedEmailAddress;
  /** The subject line, already rendered. */
  readonly subject: string;
  /** The HTML part. At least one of `html` and `text` is present. */
  readonly html?: string;
  /** The plain-text part. */
  readonly text?: string;
  /**
   * Per-recipient values for substitution tags in `subject`, `html` and `text`, so that personalized
   * messages can share one body and a transport can send many of them in one provider request (SendGrid:
   * up to 1000 recipients per request with `substitutions`). Each key is a tag exactly as it appears in
   * the content (`-givenName-`, `{{givenName}}`); every occurrence of it is replaced by the value for this
   * recipient only. Values are inserted verbatim: HTML-escape the value of a tag used in `html`, and use a
   * different tag for the same field in `text`. Only pass this to a transport that declares
   * `supportsSubstitutions: true`; for any other, render the content per recipient instead. Absent: the
   * content is final as given.
   */
  readonly substitutions?: Readonly<Record<string, string>>;
  /**
   * Extra headers. Bulk mail carries `List-Unsubscribe: <https://…>` and
   * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (Gmail/Yahoo bulk-sender rules).
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Values the provider echoes back on every event for this message (SendGrid `custom_args`), so events
   * can be tied to our message and campaign without storing provider ids first.
   */
  readonly customArgs?: Readonly<Record<string, string>>;
  /** Provider-side categories/tags for reporting. */
  readonly categories?: readonly string[];
  /** A key unique to this logical message (the outbox row id); retries pass the same key. */
  readonly idempotencyKey: string;
}

/** A batch of emails sent in one provider request. */
export interface OutboundEmailBatch {
  /** The messages, at most the transport's {@link EmailTransportV1.maxBatchSize}. */
  readonly messages: readonly OutboundEmail[];
}

/** What happened to one message of a batch. */
export type EmailMessageResult =
  | {
      /** The provider accepted the message for delivery. */
      readonly status: "accepted";
      /** The message's idempotency key, echoing the input. */
      readonly idempotencyKey: string;
      /** The provider's message id, which its events refer to. */
      readonly providerId: string;
    }
  | {
      /** The provider refused this message; the rest of the batch may have gone out. */
      readonly status: "rejected";
      /** The message's idempotency key, echoing the input. */
      readonly idempotencyKey: string;
      /** Why, mapped to a Precinct error (`invalid_recipient`, `opted_out`, `provider`, ...). */
      readonly error: PrecinctError;
    };

/** The result of sending a batch. A failure of the whole request throws instead. */
export interface EmailSendResult {
  /** One result per message, in the order of {@link OutboundEmailBatch.messages}. */
  readonly results: readonly EmailMessageResult[];
}

/** The kinds of email events, in SendGrid's vocabulary (which most providers map onto). */
export type EmailEventType =
  | "processed"
  | "dropped"
  | "delivered"
  | "deferred"
  | "bounce"
  | "open"
  | "click"
  | "spamreport"
  | "unsubscribe"
  | "group_unsubscribe"
  | "group_resubscribe";

/** Fields every email event carries. */
export interface EmailEventBase {
  /** The provider's event id (SendGrid `sg_event_id`). Webhooks are retried: dedupe on it. */
  readonly eventId: string;
  /** The provider's message id, when the event concerns a message we sent. */
  readonly providerId?: string;
  /** The recipient address the event is about. */
  readonly email: string;
  /** When it happened. */
  readonly occurredAt: Date;
  /** The `customArgs` given at send time, echoed back. */
  readonly customArgs?: Readonly<Record<string, string>>;
  /** The provider's payload for this event, kept for audit. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The message bounced. `blocked` is a temporary refusal by the receiving server, `bounce` a hard bounce. */
export interface EmailBounceEvent extends EmailEventBase {
  /** The event kind. */
  readonly type: "bounce";
  /** `bounce` (permanent: suppress the address) or `blocked` (temporary). */
  readonly bounceType: "bounce" | "blocked";
  /** The receiving server's reason, when given. */
  readonly reason?: string;
}

/** The provider dropped the message (a suppressed address) or is retrying it (`deferred`). */
export interface EmailDropOrDeferEvent extends EmailEventBase {
  /** The event kind. */
  readonly type: "dropped" | "deferred";
  /** The provider's reason, when given. */
  readonly reason?: string;
}

/** A recipient clicked a link. */
export interface EmailClickEvent extends EmailEventBase {
  /** The event kind. */
  readonly type: "click";
  /** The link's target. */
  readonly url: string;
}

/** A recipient left or rejoined one unsubscribe group (a topic list) rather than all mail. */
export interface EmailGroupEvent extends EmailEventBase {
  /** The event kind. */
  readonly type: "group_unsubscribe" | "group_resubscribe";
  /** The provider's unsubscribe-group id. */
  readonly groupId: string;
}

/** Events with no extra fields: processed, delivered, open, spam report, global unsubscribe. */
export interface EmailSimpleEvent extends EmailEventBase {
  /** The event kind. */
  readonly type: "processed" | "delivered" | "open" | "spamreport" | "unsubscribe";
}

/** An email event parsed from a provider webhook. Switch on `type`. */
export type EmailEvent =
  | EmailBounceEvent
  | EmailDropOrDeferEvent
  | EmailClickEvent
  | EmailGroupEvent
  | EmailSimpleEvent;

/** Why the provider will not send to an address. */
export type SuppressionReason =
  | "bounce"
  | "block"
  | "spamreport"
  | "unsubscribe"
  | "group_unsubscribe"
  | "invalid";

/** An address on the provider's suppression lists, to mirror into the consent ledger. */
export interface Suppression {
  /** The suppressed address. */
  readonly email: string;
  /** Which list it is on. */
  readonly reason: SuppressionReason;
  /** When the provider suppressed it. */
  readonly createdAt: Date;
  /** The unsubscribe group, for `group_unsubscribe`. */
  readonly groupId?: string;
}

/**
 * Version 1 of the email transport contract.
 *
 * **Required:** `specificationVersion`, `provider`, `send()`.
 *
 * **Optional capabilities** (the engine checks with `hasCapability()`): `parseEvents` (delivery, bounce,
 * open, click and unsubscribe tracking), `verifyWebhook` (signed event webhooks), `suppressions` (mirror
 * the provider's suppression lists into the consent ledger), `maxBatchSize` (the engine chunks batches to
 * it; default 1 when absent, since one message per request is always safe).
 *
 * **Errors:** a failure of the whole request (auth, rate limit, 5xx) throws a `PrecinctError`
 * (`rate_limited` and 5xx are retryable); per-message refusals come back as `rejected` results.
 *
 * **Versioning:** a breaking change adds `EmailTransportV2` beside this interface; this one stays exported
 * and supported, and {@link EmailTransport} names the union of supported versions.
 */
export interface EmailTransportV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The provider's name, lowercase (`sendgrid`, `gmail`). */
  readonly provider: string;
  /** The most messages one `send()` accepts (SendGrid: 1000). */
  readonly maxBatchSize?: number;
  /**
   * True when the transport honours {@link OutboundEmail.substitutions} per recipient (SendGrid). The engine
   * then sends a campaign's shared content once per request; otherwise it applies the values itself and
   * sends each message fully rendered.
   */
  readonly supportsSubstitutions?: boolean;
  /** Sends a batch in as few provider requests as possible. */
  send(batch: OutboundEmailBatch, options?: OperationOptions): Promise<EmailSendResult>;
  /** Parses an event webhook into events. Called only after {@link EmailTransportV1.verifyWebhook} accepted it. */
  parseEvents?(request: WebhookRequest): Awaitable<EmailEvent[]>;
  /** Checks the provider's signature over the exact raw body; rejects stale timestamps. */
  verifyWebhook?(request: WebhookRequest): Awaitable<boolean>;
  /** Streams the provider's suppressions, those created at or after `since` when given. */
  suppressions?(since?: Date, options?: OperationOptions): AsyncIterable<Suppression>;
}

/** An email transport of any supported contract version. Currently only {@link EmailTransportV1}. */
export type EmailTransport = EmailTransportV1;
