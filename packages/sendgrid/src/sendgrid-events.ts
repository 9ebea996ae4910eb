/**
 * SendGrid's Event Webhook: verifying the signature (`@sendgrid/eventwebhook`, ECDSA P-256 over
 * `timestamp + raw body`) and parsing the JSON array of events into Precinct's {@link EmailEvent}s.
 *
 * @module
 */

import { type EmailEvent, type EmailEventType, InvalidInputError, type WebhookRequest } from "@precinct/core";
import { EventWebhook } from "@sendgrid/eventwebhook";

/** The header carrying the base64 DER ECDSA signature of `timestamp + rawBody`. */
export const SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature";
/** The header carrying the unix timestamp (seconds) that was signed with the body. */
export const SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp";

/**
 * The custom arg the transport adds to every message: its `idempotencyKey` (the outbox row id). SendGrid
 * echoes it as a top-level field of every event, so events find their message without provider ids.
 */
export const PRECINCT_MESSAGE_ID_ARG = "precinct_message_id";

/** Webhook timestamps this far in the future are refused (clock skew allowance), in seconds. */
export const SENDGRID_MAX_FUTURE_SKEW_SECONDS = 60;

/**
 * The fields SendGrid itself puts on events. Every other top-level field with a string value is a custom
 * arg echoed back (SendGrid flattens `custom_args` into the event), so custom args must not use these
 * names.
 */
export const SENDGRID_EVENT_FIELDS: ReadonlySet<string> = new Set([
  "email",
  "timestamp",
  "event",
  "smtp-id",
  "sg_event_id",
  "sg_message_id",
  "sg_machine_open",
  "sg_content_type",
  "sg_template_id",
  "sg_template_name",
  "category",
  "reason",
  "status",
  "response",
  "attempt",
  "type",
  "bounce_classification",
  "url",
  "url_offset",
  "useragent",
  "ip",
  "tls",
  "cert_err",
  "pool",
  "asm_group_id",
  "send_at",
  "marketing_campaign_id",
  "marketing_campaign_name",
  "marketing_campaign_version",
  "marketing_campaign_split_id",
  "mc_stats",
  "phase_id",
  "post_type",
  "singlesend_id",
  "singlesend_name",
  "template_id",
  "template_name",
  "template_version_id",
  "template_hash",
  "newsletter",
  "nlvx_campaign_id",
  "nlvx_campaign_split_id",
  "nlvx_user_id",
]);

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

/** @internal A verifier bound to one public key. */
export interface EventWebhookVerifier {
  /** See `SendGridEmailTransport.verifyWebhook`. */
  verify(request: WebhookRequest): boolean;
}

/**
 * @internal Creates a verifier for `publicKey` (base64 DER or PEM, already checked by the options).
 *
 * @param publicKey - The console's verification key.
 * @param maxAgeSeconds - Older signed timestamps are refused.
 * @param now - The clock.
 */
export function createEventWebhookVerifier(
  publicKey: string,
  maxAgeSeconds: number,
  now: () => Date,
): EventWebhookVerifier {
  const webhook = new EventWebhook();
  const key = webhook.convertPublicKeyToECDSA(publicKey);
  return {
    verify(request) {
      const headers = request.request.headers;
      const signature = headers.get(SENDGRID_SIGNATURE_HEADER);
      const timestamp = headers.get(SENDGRID_TIMESTAMP_HEADER);
      if (signature === null || signature === "" || timestamp === null || !/^\d{1,12}$/.test(timestamp)) {
        return false;
      }
      // A valid signature on an old timestamp is a replay; one far in the future is a forged clock.
      const age = now().getTime() / 1000 - Number(timestamp);
      if (age > maxAgeSeconds || age < -SENDGRID_MAX_FUTURE_SKEW_SECONDS) return false;
      try {
        // The exact raw body: re-serialized JSON would not verify.
        return webhook.verifySignature(key, request.rawBody, signature, timestamp) === true;
      } catch {
        // A signature that is not base64 DER cannot be valid.
        return false;
      }
    },
  };
}

/**
 * Parses SendGrid's Event Webhook body (a JSON array of events) into {@link EmailEvent}s:
 *
 * - `eventId` = `sg_event_id` (dedupe on it: SendGrid retries webhooks);
 * - `providerId` = `sg_message_id` up to its first `.`, which is the `X-Message-Id` the send returned;
 * - `customArgs` = every top-level string field that is not one of SendGrid's own
 *   ({@link SENDGRID_EVENT_FIELDS}), which includes {@link PRECINCT_MESSAGE_ID_ARG};
 * - `occurredAt` = `timestamp` (unix seconds);
 * - `bounce` carries `bounceType` from `type` (`bounce` or `blocked`; `bounce` when absent) and
 *   `reason`; `dropped` the `reason`; `deferred` the `response` (or `reason`); `click` the `url`; group
 *   events `groupId` from `asm_group_id`.
 *
 * Event types Precinct does not know (SendGrid adds some over time) are skipped rather than failing the
 * whole delivery, which SendGrid would retry for a day.
 *
 * @throws {@link InvalidInputError} naming the event's index and field when the body is not a JSON array
 *   or a known event lacks a field it needs (`[3].sg_event_id`).
 */
export function parseSendGridEvents(rawBody: string): EmailEvent[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch (cause) {
    throw new InvalidInputError({
      field: "body",
      value: rawBody,
      reason: "is not JSON: not a SendGrid Event Webhook body",
      cause,
    });
  }
  if (!Array.isArray(body)) {
    throw new InvalidInputError({
      field: "body",
      value: body,
      reason: "must be a JSON array of events (SendGrid posts a batch)",
    });
  }
  const events: EmailEvent[] = [];
  body.forEach((item: unknown, index) => {
    const event = parseEvent(item, index);
    if (event !== undefined) events.push(event);
  });
  return events;
}

function parseEvent(item: unknown, index: number): EmailEvent | undefined {
  const at = `[${index}]`;
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new InvalidInputError({ field: at, value: item, reason: "must be an event object" });
  }
  const raw = item as Record<string, unknown>;
  const type = raw.event;
  if (typeof type !== "string" || type === "") {
    throw new InvalidInputError({ field: `${at}.event`, value: type, reason: "must be the event type" });
  }
  if (!EVENT_TYPES.has(type)) return undefined;

  const text = (name: string, required: boolean): string | undefined => {
    const value = raw[name];
    if (value === undefined || value === null || value === "") {
      if (!required) return undefined;
      throw new InvalidInputError({
        field: `${at}.${name}`,
        value,
        reason: `is missing from a ${type} event`,
      });
    }
    if (typeof value !== "string") {
      throw new InvalidInputError({ field: `${at}.${name}`, value, reason: "must be a string" });
    }
    return value;
  };

  const eventId = text("sg_event_id", true)!;
  const email = text("email", true)!;
  const messageId = text("sg_message_id", false);
  const providerId = messageId?.split(".")[0];
  const occurredAt = timestampOf(raw.timestamp, at);
  const customArgs: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "string" && !SENDGRID_EVENT_FIELDS.has(name)) customArgs[name] = value;
  }
  const base = {
    eventId,
    ...(providerId !== undefined && providerId !== "" ? { providerId } : {}),
    email,
    occurredAt,
    ...(Object.keys(customArgs).length > 0 ? { customArgs } : {}),
    raw,
  };

  switch (type as EmailEventType) {
    case "bounce": {
      const bounceType = text("type", false) ?? "bounce";
      if (bounceType !== "bounce" && bounceType !== "blocked") {
        throw new InvalidInputError({
          field: `${at}.type`,
          value: bounceType,
          reason: "must be bounce or blocked",
        });
      }
      const reason = text("reason", false);
      return { ...base, type: "bounce", bounceType, ...(reason !== undefined ? { reason } : {}) };
    }
    case "dropped": {
      const reason = text("reason", false);
      return { ...base, type: "dropped", ...(reason !== undefined ? { reason } : {}) };
    }
    case "deferred": {
      const reason = text("response", false) ?? text("reason", false);
      return { ...base, type: "deferred", ...(reason !== undefined ? { reason } : {}) };
    }
    case "click":
      return { ...base, type: "click", url: text("url", true)! };
    case "group_unsubscribe":
    case "group_resubscribe": {
      const group = raw.asm_group_id;
      const valid =
        (typeof group === "number" && Number.isInteger(group) && group > 0) ||
        (typeof group === "string" && /^\d+$/.test(group));
      if (!valid) {
        throw new InvalidInputError({
          field: `${at}.asm_group_id`,
          value: group,
          reason: `must be the unsubscribe group's id on a ${type} event`,
        });
      }
      return { ...base, type: type as "group_unsubscribe" | "group_resubscribe", groupId: String(group) };
    }
    default:
      return { ...base, type: type as "processed" | "delivered" | "open" | "spamreport" | "unsubscribe" };
  }
}

function timestampOf(value: unknown, at: string): Date {
  const seconds = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidInputError({
      field: `${at}.timestamp`,
      value,
      reason: "must be a unix timestamp in seconds",
    });
  }
  return new Date(seconds * 1000);
}
