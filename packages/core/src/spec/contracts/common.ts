/**
 * Types shared by every plugin contract: message statuses and their ordering, the web-standard webhook
 * input, channels, per-call options and push results.
 *
 * @module
 */

import type { PrecinctError } from "../errors.js";

/** A value, or a promise of it. Engines always `await` what a plugin returns, so either is fine. */
export type Awaitable<T> = T | Promise<T>;

/**
 * A phone number in E.164 form: `+`, country code, subscriber number, digits only (`+19195550123`).
 * A plain string alias: core's normalization produces it, adapters pass it through unchanged.
 */
export type E164PhoneNumber = string;

/**
 * A contact channel. Consent, interactions and campaigns are all per channel.
 *
 * - `sms` — text messages (SMS and MMS) to a phone number.
 * - `email` — email to an address.
 * - `voice` — phone calls (phone banks, dialers).
 * - `social` — posts and direct messages on social networks.
 * - `canvass` — door-to-door and in-person contact.
 * - `mail` — postal mail.
 */
export type Channel = "sms" | "email" | "voice" | "social" | "canvass" | "mail";

/** Every {@link Channel}, in a stable order. */
export const CHANNELS: readonly Channel[] = ["sms", "email", "voice", "social", "canvass", "mail"];

/**
 * The lifecycle status of a text message, in the vocabulary carriers and Twilio use.
 *
 * Outbound: `scheduled` → `accepted` → `queued` → `sending` → `sent` → `delivered` | `undelivered` |
 * `failed` (and `read` where the channel reports it); a scheduled message may end `canceled`.
 * Inbound: `receiving` → `received`.
 */
export type MessageStatus =
  | "queued"
  | "accepted"
  | "scheduled"
  | "sending"
  | "sent"
  | "delivered"
  | "undelivered"
  | "failed"
  | "receiving"
  | "received"
  | "read"
  | "canceled";

/** Every {@link MessageStatus}, in lifecycle order. */
export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  "scheduled",
  "accepted",
  "queued",
  "sending",
  "receiving",
  "sent",
  "received",
  "delivered",
  "undelivered",
  "failed",
  "canceled",
  "read",
];

/**
 * The rank of each {@link MessageStatus} in the lifecycle: a status update may only move a message to a
 * higher rank (see {@link isStatusAdvance}). Inbound statuses share ranks with their outbound
 * counterparts (`receiving` with `sending`, `received` with `sent`); one message never mixes the two.
 */
export const MESSAGE_STATUS_ORDER: Readonly<Record<MessageStatus, number>> = {
  scheduled: 0,
  accepted: 1,
  queued: 2,
  sending: 3,
  receiving: 3,
  sent: 4,
  received: 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  read: 6,
};

/**
 * Statuses after which a message never changes, except `delivered` → `read` (a read receipt can only
 * follow a delivery).
 */
export const TERMINAL_MESSAGE_STATUSES: readonly MessageStatus[] = [
  "delivered",
  "undelivered",
  "failed",
  "canceled",
  "read",
];

/** True when `value` is one of the {@link MessageStatus} strings. */
export function isMessageStatus(value: unknown): value is MessageStatus {
  return typeof value === "string" && Object.hasOwn(MESSAGE_STATUS_ORDER, value);
}

/** True when `status` is terminal (see {@link TERMINAL_MESSAGE_STATUSES}). */
export function isTerminalMessageStatus(status: MessageStatus): boolean {
  return TERMINAL_MESSAGE_STATUSES.includes(status);
}

/**
 * Whether a status update from `from` to `to` moves the message forward and should be applied.
 *
 * Status callbacks arrive out of order and are retried, so an engine applies an update only when this
 * returns true: a message never moves backwards (`delivered` then a late `sent` keeps `delivered`), never
 * leaves a terminal status (`failed` then `delivered` keeps `failed`; the one exception is
 * `delivered` → `read`), and a repeated status is not an advance.
 *
 * @param from - The status the message has now.
 * @param to - The status a callback reports.
 */
export function isStatusAdvance(from: MessageStatus, to: MessageStatus): boolean {
  if (from === to) return false;
  if (isTerminalMessageStatus(from)) return from === "delivered" && to === "read";
  return MESSAGE_STATUS_ORDER[to] > MESSAGE_STATUS_ORDER[from];
}

/**
 * An incoming webhook, as the webhook router hands it to a plugin.
 *
 * Signature checks need two things a parsed `Request` no longer has: the **exact raw body** (Twilio signs
 * the form parameters, SendGrid signs the raw bytes; re-serializing JSON or re-encoding a form breaks the
 * signature) and the **public URL** the provider called (behind a proxy or tunnel the server sees a
 * different host than the one the provider signed). The router reads the body once into `rawBody` and
 * reconstructs `url` from its configured public base URL.
 */
export interface WebhookRequest {
  /** The web-standard request. Its body may already be consumed: read {@link WebhookRequest.rawBody}. */
  readonly request: Request;
  /** The request body exactly as received, decoded as UTF-8. Never re-serialized. */
  readonly rawBody: string;
  /** The full public URL the provider called, including the query string. */
  readonly url: string;
}

/** Options every network-bound plugin method accepts. */
export interface OperationOptions {
  /** Cancels the operation. Plugins reject with `signal.reason` when it aborts. */
  readonly signal?: AbortSignal;
}

/** Options for `pull()` on the sync contracts (people, petitions, events). */
export interface PullOptions extends OperationOptions {
  /** A hint for how many records to fetch per page; the plugin may use its provider's maximum instead. */
  readonly pageSize?: number;
}

/** The outcome of pushing one record to an external system, in the order the records were given. */
export type PushItemResult =
  | {
      /** The external system created a new record. */
      readonly status: "created" | "updated";
      /** The record's identifiers in the external system (`"action_network:<uuid>"`), to store locally. */
      readonly identifiers: readonly string[];
    }
  | {
      /** The external system refused this record; the others may still have succeeded. */
      readonly status: "rejected";
      /** Why, mapped to a Precinct error (`invalid_input`, `conflict`, `provider`, ...). */
      readonly error: PrecinctError;
    };

/** The result of a `push()` call: one entry per record given, in the same order. */
export interface PushResult {
  /** One result per pushed record, in input order. */
  readonly results: readonly PushItemResult[];
}
