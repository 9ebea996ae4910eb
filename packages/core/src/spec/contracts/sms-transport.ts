/**
 * The `SmsTransport` contract: how Precinct sends and receives text messages through a provider.
 *
 * @module
 */

import type {
  Awaitable,
  E164PhoneNumber,
  MessageStatus,
  OperationOptions,
  WebhookRequest,
} from "./common.js";

/** A text message to send. One recipient per message: consent and threading are per contact point. */
export interface OutboundSms {
  /** The recipient, E.164 (`+19195550123`). */
  readonly to: E164PhoneNumber;
  /**
   * The sender: an E.164 number, short code or alphanumeric sender id. When absent the transport uses its
   * configured default (a Twilio Messaging Service, a default number).
   */
  readonly from?: string;
  /** The text, already rendered. Segment counting follows `smsSegments()`. */
  readonly body: string;
  /**
   * A key unique to this logical message (the outbox row id). A retry of the same message passes the same
   * key; transports whose provider supports idempotency must not send twice for one key.
   */
  readonly idempotencyKey: string;
  /** The public URL the provider should post status callbacks to. */
  readonly statusCallbackUrl?: string;
  /** Drop the message if the provider cannot hand it to the carrier within this many seconds. */
  readonly validityPeriodSeconds?: number;
  /** Public URLs of media to attach (MMS). Transports that cannot send media reject with `invalid_input`. */
  readonly mediaUrls?: readonly string[];
  /** Free-form tags the transport may forward to the provider (campaign id, ...). Never contains PII. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What the provider said when it took a message. */
export interface SmsSendResult {
  /** The provider's message id (Twilio `SM...`). Status callbacks and replies refer to it. */
  readonly providerId: string;
  /** The status the provider reported on acceptance, usually `queued` or `accepted`. */
  readonly status: MessageStatus;
  /** Billed segments, at least 1. Use the provider's figure when it reports one, else `smsSegments()`. */
  readonly segments: number;
}

/** A text message someone sent to one of our numbers. */
export interface InboundSms {
  /** The provider's message id; webhook retries repeat it, so the router dedupes on it. */
  readonly providerId: string;
  /** The sender, E.164. */
  readonly from: E164PhoneNumber;
  /** Our number that received it, E.164 (or the short code). */
  readonly to: E164PhoneNumber;
  /** The text as received. Keyword and opt-out classification is the engine's job, not the transport's. */
  readonly body: string;
  /** When the provider received it (the webhook's arrival time when the provider does not say). */
  readonly receivedAt: Date;
  /** Public URLs of attached media (MMS), if any. */
  readonly mediaUrls?: readonly string[];
  /** The provider's payload as parsed from the webhook, kept for audit. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Why a message failed, mapped from the provider's error code by the adapter so that engines act on it
 * without knowing vendor codes: `opted_out` records an opt-out (Twilio 21610), `invalid_recipient` and
 * `not_sms_capable` mark the number bad (21211, 21614, 21635, 30006), `carrier_filtered` (30007) and
 * `unreachable` (30003) are reported, `provider` is anything else.
 */
export type SmsFailureReason =
  | "opted_out"
  | "invalid_recipient"
  | "not_sms_capable"
  | "carrier_filtered"
  | "unreachable"
  | "provider";

/** A delivery status callback for a message we sent. */
export interface StatusUpdate {
  /** The provider's message id, as returned by `send()`. */
  readonly providerId: string;
  /** The reported status. Apply it only when `isStatusAdvance(current, status)`. */
  readonly status: MessageStatus;
  /** The provider's error code for `undelivered`/`failed` (Twilio `30007`), as a string. */
  readonly errorCode?: string;
  /** The adapter's classification of {@link StatusUpdate.errorCode}. */
  readonly failureReason?: SmsFailureReason;
  /** When the status changed, if the provider says. */
  readonly occurredAt?: Date;
  /** The provider's payload as parsed from the webhook, kept for audit. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The kind of line behind a phone number. Only `mobile` (and some `voip`) numbers can receive texts. */
export type LineType = "mobile" | "landline" | "voip" | "unknown";

/** The result of a line-type lookup. */
export interface LineTypeLookup {
  /** The kind of line. */
  readonly lineType: LineType;
  /** The carrier's name, when the provider reports it. */
  readonly carrier?: string;
}

/**
 * Version 1 of the SMS transport contract.
 *
 * **Required:** `specificationVersion`, `provider`, `send()`.
 *
 * **Optional capabilities** (the engine checks with `hasCapability()` and degrades without them):
 * `parseInbound` (replies and keyword handling), `parseStatus` (delivery tracking), `verifyWebhook`
 * (the router refuses a provider's webhooks without it unless configured to trust the network),
 * `lookup` (skip landlines before sending), `handlesKeywords` (the provider already auto-replies to STOP
 * and friends, so the engine records the opt-out but sends no confirmation of its own), and for crash
 * recovery `dedupesByIdempotencyKey` or `findSent`.
 *
 * **Errors:** every failure is a `PrecinctError`; vendor errors are mapped to `ProviderError` with code
 * `opted_out`, `invalid_recipient`, `rate_limited` (retryable) or `provider` (retryable for 5xx and
 * network errors), and `providerCode` set. Raw SDK errors never leak.
 *
 * **Versioning:** a breaking change adds `SmsTransportV2` beside this interface; `SmsTransportV1` stays
 * exported and supported, and {@link SmsTransport} names the union of supported versions.
 */
export interface SmsTransportV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The provider's name, lowercase (`twilio`, `telnyx`). Used in logs, errors and webhook routes. */
  readonly provider: string;
  /**
   * Hands one message to the provider. Resolves once the provider accepted it (not when delivered);
   * delivery arrives later through {@link SmsTransportV1.parseStatus}.
   */
  send(message: OutboundSms, options?: OperationOptions): Promise<SmsSendResult>;
  /**
   * Parses an inbound-message webhook. Called only after {@link SmsTransportV1.verifyWebhook} accepted the
   * request. Throws `InvalidInputError` when the payload is not an inbound message.
   */
  parseInbound?(request: WebhookRequest): Awaitable<InboundSms>;
  /**
   * Parses a status-callback webhook. Called only after {@link SmsTransportV1.verifyWebhook} accepted the
   * request. Throws `InvalidInputError` when the payload is not a status callback.
   */
  parseStatus?(request: WebhookRequest): Awaitable<StatusUpdate>;
  /** Checks the provider's signature over the raw body and public URL. Returns false for forged requests. */
  verifyWebhook?(request: WebhookRequest): Awaitable<boolean>;
  /** Looks up the line type of a number (E.164), so landlines can be skipped before sending. */
  lookup?(phone: E164PhoneNumber, options?: OperationOptions): Promise<LineTypeLookup>;
  /** True when the provider itself answers STOP/START/HELP, so the engine must not send a second reply. */
  readonly handlesKeywords?: boolean;
  /**
   * True when the provider refuses a second message with the same {@link OutboundSms.idempotencyKey}, so
   * the dispatcher may simply send again a message whose outcome a crash left unknown.
   */
  readonly dedupesByIdempotencyKey?: boolean;
  /**
   * Asks the provider whether it already took `message` (same recipient, sender and body) at or after
   * `since`. The dispatcher calls it after a crash for a message that was handed over but whose outcome
   * was never recorded: a result means "already sent, record it"; `null` means "never arrived, send it".
   * Without this capability (and without {@link SmsTransportV1.dedupesByIdempotencyKey}) such messages are
   * set aside as `uncertain` for a person to decide, never sent twice.
   */
  findSent?(message: OutboundSms, since: Date, options?: OperationOptions): Promise<SmsSendResult | null>;
  /**
   * What the webhook router answers the provider after handling its webhook, when the provider expects
   * something particular (Twilio wants TwiML, `<Response/>`, for an inbound message it should not answer
   * itself). Default: `200` with an empty `text/plain` body.
   */
  webhookAcknowledgement?(kind: "inbound" | "status"): WebhookAcknowledgement;
}

/** The body and content type the router answers a provider's webhook with. */
export interface WebhookAcknowledgement {
  /** `Content-Type` of the answer. */
  readonly contentType: string;
  /** The answer's body. */
  readonly body: string;
}

/** An SMS transport of any supported contract version. Currently only {@link SmsTransportV1}. */
export type SmsTransport = SmsTransportV1;
