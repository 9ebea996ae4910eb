/**
 * An imitation of Twilio's REST API for adapter tests and benchmarks: Programmable Messaging
 * (`/2010-04-01/Accounts/{AccountSid}/Messages.json`), Programmable Voice (`Calls.json`, `Calls/{CallSid}.json`,
 * `Conferences/{name or CF sid}/Participants.json`) and Lookup v2 (`/v2/PhoneNumbers/{number}`), with the
 * JSON field names, status codes and error bodies Twilio returns, HTTP Basic auth, failure injection, and
 * correctly signed (or forged) webhooks. One web-standard `handle(request)` serves msw handlers
 * ({@link twilioHandlers}) and a real socket ({@link startTwilioImitationServer}) alike.
 *
 * It imitates the wire protocol, not Twilio's delivery network: messages and calls stay as created until a
 * test moves them ({@link TwilioImitation.setStatus}, {@link TwilioImitation.statusWebhook},
 * {@link TwilioImitation.setCallStatus}, {@link TwilioImitation.callStatusWebhook},
 * {@link TwilioImitation.playCall}).
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import { smsSegments } from "@precinct/core";
import { type HttpHandler, http } from "msw";
import { type ImitationServer, type ImitationServerOptions, startImitationServer } from "./server.js";
import {
  encodeTwilioForm,
  parseTwilioForm,
  signTwilioWebhook,
  TWILIO_SIGNATURE_HEADER,
  type TwilioParams,
} from "./twilio-signature.js";

/** A message status as Twilio reports it (`partially_delivered` is Twilio's, not Precinct's). */
export type TwilioMessageStatus =
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
  | "canceled"
  | "partially_delivered";

/** A Lookup v2 `line_type_intelligence.type`. */
export type TwilioLineType =
  | "mobile"
  | "landline"
  | "fixedVoip"
  | "nonFixedVoip"
  | "personal"
  | "tollFree"
  | "premium"
  | "sharedCost"
  | "uan"
  | "voicemail"
  | "pager"
  | "unknown";

/** The operations the imitation serves, for failure injection and the request log. */
export type TwilioOperation =
  | "messages.create"
  | "messages.list"
  | "messages.fetch"
  | "lookup"
  | "calls.create"
  | "calls.update"
  | "calls.list"
  | "calls.fetch"
  | "participants.create";

/** A call status as Twilio reports it. */
export type TwilioCallStatus =
  | "queued"
  | "initiated"
  | "ringing"
  | "in-progress"
  | "completed"
  | "busy"
  | "no-answer"
  | "canceled"
  | "failed";

/** Who answered, as Twilio's answering-machine detection reports it. */
export type TwilioAnsweredBy =
  | "human"
  | "machine_start"
  | "machine_end_beep"
  | "machine_end_silence"
  | "machine_end_other"
  | "fax"
  | "unknown";

/** A Call resource exactly as Twilio's REST API returns it (snake_case, RFC 2822 dates, strings). */
export interface TwilioCallResource {
  account_sid: string;
  annotation: string | null;
  answered_by: TwilioAnsweredBy | null;
  api_version: "2010-04-01";
  caller_name: string | null;
  date_created: string;
  date_updated: string;
  direction: "outbound-api" | "inbound";
  duration: string | null;
  end_time: string | null;
  forwarded_from: string | null;
  from: string;
  from_formatted: string;
  group_sid: string | null;
  parent_call_sid: string | null;
  phone_number_sid: string | null;
  price: string | null;
  price_unit: string;
  queue_time: string;
  sid: string;
  start_time: string | null;
  status: TwilioCallStatus;
  subresource_uris: Readonly<Record<string, string>>;
  to: string;
  to_formatted: string;
  trunk_sid: string | null;
  uri: string;
}

/** A call the imitation holds. */
export interface TwilioImitationCall {
  /** The call sid (`CA` + 32 hex digits). */
  readonly sid: string;
  /**
   * Every form parameter it was created with (`To`, `From`, `Url`, `StatusCallback`,
   * `StatusCallbackEvent` as an array, `Timeout`, `MachineDetection`, `AsyncAmd`,
   * `AsyncAmdStatusCallback`, ...; for a conference participant `AmdStatusCallback`, `EarlyMedia`,
   * `Beep`, ...).
   */
  readonly params: TwilioParams;
  /** The resource as `GET .../Calls/{sid}.json` returns it now. */
  readonly resource: Readonly<TwilioCallResource>;
  /** The conference (friendly name) the call is in: added as a participant, or moved there by TwiML. */
  readonly conference: string | undefined;
  /** The TwiML the call was last given with an update (`Twiml`), if any. */
  readonly twiml: string | undefined;
  /** Every update request's form parameters (`Status`, `Twiml`, `Url`, ...), oldest first. */
  readonly updates: readonly TwilioParams[];
}

/** A conference room the imitation holds. */
export interface TwilioImitationConference {
  /** The conference sid (`CF` + 32 hex digits). */
  readonly sid: string;
  /** Its friendly name. */
  readonly friendlyName: string;
  /** The sids of the calls that joined it, in order. */
  readonly callSids: readonly string[];
}

/** Input for {@link TwilioImitation.callStatusWebhook}. */
export interface TwilioCallStatusInput {
  /** The call's sid. A call the imitation holds is advanced to `status` too. */
  readonly callSid: string;
  /** The status to report. */
  readonly status: TwilioCallStatus;
  /** Who answered, as synchronous machine detection reports it with the status. */
  readonly answeredBy?: TwilioAnsweredBy;
  /** The call's length in seconds (`CallDuration`), for final statuses. Default: 0 for final statuses. */
  readonly durationSeconds?: number;
  /** The public URL. Default: the call's `StatusCallback`, else {@link TwilioImitationOptions.webhookUrl}. */
  readonly url?: string;
}

/** Input for {@link TwilioImitation.amdWebhook}. */
export interface TwilioAmdInput {
  /** The call's sid. A call the imitation holds records `answered_by`. */
  readonly callSid: string;
  /** The detection result. */
  readonly answeredBy: TwilioAnsweredBy;
  /** How long detection took, in milliseconds. Default 2400. */
  readonly detectionMs?: number;
  /**
   * The public URL. Default: the call's `AsyncAmdStatusCallback` (or a participant's
   * `AmdStatusCallback`), else its `StatusCallback`, else {@link TwilioImitationOptions.webhookUrl}.
   */
  readonly url?: string;
}

/** How {@link TwilioImitation.playCall} plays a call out. */
export interface TwilioCallOutcome {
  /** How the call ends. */
  readonly result: "answered" | "busy" | "no-answer" | "failed" | "canceled";
  /** Who answered (only for `answered`); sent as the AMD result when the call asked for detection. */
  readonly answeredBy?: TwilioAnsweredBy;
  /** The call's length in seconds once answered. Default 42. */
  readonly durationSeconds?: number;
}

/** One webhook {@link TwilioImitation.playCall} posted, and what the receiving server answered. */
export interface TwilioPostedWebhook {
  /** What was posted: `answer` (to the call's `Url`), `status` or `amd`. */
  readonly kind: "answer" | "status" | "amd";
  /** The signed webhook. */
  readonly webhook: TwilioWebhook;
  /** The receiver's HTTP status. */
  readonly status: number;
  /** The receiver's response body (TwiML, for the answer URL). */
  readonly body: string;
}

/** A Message resource exactly as Twilio's REST API returns it (snake_case, RFC 2822 dates, strings). */
export interface TwilioMessageResource {
  account_sid: string;
  api_version: "2010-04-01";
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: "inbound" | "outbound-api";
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  sid: string;
  status: TwilioMessageStatus;
  subresource_uris: { media: string };
  to: string;
  uri: string;
}

/** A message the imitation holds: the resource as Twilio would return it, and what it was created from. */
export interface TwilioImitationMessage {
  /** The message sid (`SM` + 32 hex digits). */
  readonly sid: string;
  /**
   * Every form parameter received when it was created (`To`, `From`, `MessagingServiceSid`, `Body`,
   * `StatusCallback`, `ValidityPeriod`, `MediaUrl` as an array, ...), or the webhook parameters of an
   * inbound message.
   */
  readonly params: TwilioParams;
  /** The resource as `GET .../Messages/{sid}.json` returns it now. */
  readonly resource: Readonly<TwilioMessageResource>;
}

/** One request the imitation answered. */
export interface TwilioImitationRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The full URL as received. */
  readonly url: string;
  /** The operation it was routed to, or `unknown`. */
  readonly operation: TwilioOperation | "unknown";
  /** Query parameters (GET) or form parameters (POST). */
  readonly params: TwilioParams;
  /** The HTTP status answered, or 0 for a simulated network error. */
  readonly status: number;
}

/** Line type and carrier reported by Lookup for one number. */
export interface TwilioLineTypeSetting {
  /** The line type; `null` when Twilio cannot tell. */
  readonly type: TwilioLineType | null;
  /** The carrier name. Default `Imitation Wireless`. */
  readonly carrierName?: string | null;
}

/** Options for {@link createTwilioImitation}. */
export interface TwilioImitationOptions {
  /** The account sid requests must authenticate as and address (`AC` + 32 hex digits). */
  readonly accountSid: string;
  /** The account's auth token: the Basic-auth password, and the key webhooks are signed with. */
  readonly authToken: string;
  /** API keys also accepted for Basic auth: key sid (`SK...`) → secret. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** Lookup results per E.164 number; other numbers are {@link TwilioImitationOptions.defaultLineType}. */
  readonly lineTypes?: Readonly<Record<string, TwilioLineType | TwilioLineTypeSetting>>;
  /** The line type of numbers not in `lineTypes`. Default `mobile`. */
  readonly defaultLineType?: TwilioLineType;
  /** Messaging Services that exist: sid → the sender pool. Default: any well-formed `MG` sid, no pool. */
  readonly messagingServices?: Readonly<Record<string, readonly string[]>>;
  /** Wait this long before answering each request, like a real network round trip. Default 0. */
  readonly respondDelayMs?: number;
  /**
   * Behave like Twilio Advanced Opt-Out (on by default on Twilio): after an inbound STOP (STOPALL,
   * UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) sends from that sender to that number fail with 21610
   * until the number texts START, UNSTOP or YES. Default true.
   */
  readonly advancedOptOut?: boolean;
  /** Our number used for inbound webhooks without a `to`. Default `+15550100000`. */
  readonly defaultNumber?: string;
  /** The public URL webhooks claim to be posted to. Default `https://precinct.test/webhooks/twilio/sms`. */
  readonly webhookUrl?: string;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * Calls (and conference participants) to these numbers fail with this Twilio error code, as a real
   * account would refuse them: `{ "+442071838750": 21215 }` (Geo Permissions), `21216` (blocked number),
   * `21211` (invalid number). Other numbers are placed.
   */
  readonly callErrors?: Readonly<Record<string, number>>;
}

/** A failure to inject with {@link TwilioImitation.failNext}. */
export interface TwilioFailure {
  /** The HTTP status. Default: Twilio's for `code` (429 for 20429, 5xx for 205xx), else 400. */
  readonly status?: number;
  /** Twilio's error code (`21610`, `20429`, ...). Default: `20000 + status` when a status is given, else 21610. */
  readonly code?: number;
  /** The error message. Default: Twilio's wording for known codes. */
  readonly message?: string;
  /** Fail only this operation. Default: the next request of any operation. */
  readonly operation?: TwilioOperation;
  /** Fail this many matching requests. Default 1. */
  readonly times?: number;
  /** Drop the connection without an HTTP response instead (a network error). */
  readonly networkError?: boolean;
  /**
   * Carry the request out (a message is created) and then drop the connection, so the client cannot know
   * whether it worked: what a timeout or crash in the middle of a send looks like.
   */
  readonly dropResponse?: boolean;
}

/** How to forge a webhook: sign with a wrong token, change a parameter after signing, sign another URL, or omit the header. */
export type TwilioForgery = "signature" | "body" | "url" | "missing";

/** Options for the webhook helpers. */
export interface TwilioWebhookOptions {
  /** Produce a webhook that must fail verification. `true` means `"signature"`. */
  readonly forged?: boolean | TwilioForgery;
}

/** Input for {@link TwilioImitation.inboundWebhook}. */
export interface TwilioInboundInput {
  /** The sender, E.164. */
  readonly from: string;
  /** Our number. Default {@link TwilioImitationOptions.defaultNumber}. */
  readonly to?: string;
  /** The text. */
  readonly body: string;
  /** Attached media URLs (MMS). */
  readonly mediaUrls?: readonly string[];
  /** The Messaging Service the number belongs to, if any. */
  readonly messagingServiceSid?: string;
  /** The public URL the webhook is posted to. Default {@link TwilioImitationOptions.webhookUrl}. */
  readonly url?: string;
}

/** Input for {@link TwilioImitation.statusWebhook}. */
export interface TwilioStatusInput {
  /** The message's sid. A message the imitation holds is advanced to `status` too. */
  readonly messageSid: string;
  /** The status to report. */
  readonly status: TwilioMessageStatus;
  /** Twilio's error code for `failed`/`undelivered` (`30007`, ...). */
  readonly errorCode?: number;
  /** The public URL. Default: the message's `StatusCallback`, else {@link TwilioImitationOptions.webhookUrl}. */
  readonly url?: string;
}

/**
 * A signed webhook as Twilio would post it. It is structurally a `WebhookRequest` (request, raw body,
 * public URL), so it can go straight to a transport's `verifyWebhook`/`parseInbound`/`parseStatus`, or
 * its `request` to a webhook router.
 */
export interface TwilioWebhook {
  /** The web-standard request (form-encoded POST with `X-Twilio-Signature`). */
  readonly request: Request;
  /** The exact body. */
  readonly rawBody: string;
  /** The public URL it was signed for (and posted to). */
  readonly url: string;
  /** The form parameters. */
  readonly params: Readonly<Record<string, string>>;
}

/** The Twilio imitation: a web-standard handler plus inspection and control. */
export interface TwilioImitation {
  /** The account sid it serves. */
  readonly accountSid: string;
  /** The auth token it checks and signs webhooks with. */
  readonly authToken: string;
  /** Answers one REST request, as `api.twilio.com` or `lookups.twilio.com` would. The host is ignored. */
  handle(request: Request): Promise<Response>;
  /** Every message held (created through the API, or received through {@link inboundWebhook}), oldest first. */
  readonly messages: readonly TwilioImitationMessage[];
  /** Outbound messages created through the API, oldest first. */
  readonly sent: readonly TwilioImitationMessage[];
  /** Every request answered, oldest first. */
  readonly requests: readonly TwilioImitationRequest[];
  /** Opt-outs from an inbound STOP, as `"<their number>|<our number>"` pairs (see `advancedOptOut`). */
  readonly optedOut: ReadonlySet<string>;
  /** Makes the next matching request(s) fail; queued failures are used in order. */
  failNext(failure?: TwilioFailure): void;
  /**
   * Moves a held message to `status` (setting `date_sent` once it is sent and `error_code` when given),
   * unless that would move it backwards. Throws for an unknown sid.
   */
  setStatus(sid: string, status: TwilioMessageStatus, options?: { readonly errorCode?: number }): void;
  /**
   * A signed inbound-message webhook (what Twilio posts when someone texts our number); the message is
   * also held, as Twilio lists inbound messages too. A forged webhook is not held.
   */
  inboundWebhook(input: TwilioInboundInput, options?: TwilioWebhookOptions): TwilioWebhook;
  /** A signed status-callback webhook for a message; a held message is advanced to that status. */
  statusWebhook(input: TwilioStatusInput, options?: TwilioWebhookOptions): TwilioWebhook;
  /** Every call held (placed through the Calls API or as a conference participant), oldest first. */
  readonly calls: readonly TwilioImitationCall[];
  /** Conference rooms by friendly name. */
  readonly conferences: ReadonlyMap<string, TwilioImitationConference>;
  /**
   * Moves a held call to `status` unless that would move it backwards or out of a final status (setting
   * `start_time` once it is answered, `end_time` and `duration` when it ends, and `answered_by` when
   * given). Throws for an unknown sid.
   */
  setCallStatus(
    sid: string,
    status: TwilioCallStatus,
    options?: { readonly answeredBy?: TwilioAnsweredBy; readonly durationSeconds?: number },
  ): void;
  /** A signed call-status callback (`CallSid`, `CallStatus`, `AnsweredBy`, `CallDuration`, `Timestamp`, ...). */
  callStatusWebhook(input: TwilioCallStatusInput, options?: TwilioWebhookOptions): TwilioWebhook;
  /** A signed asynchronous AMD result (`CallSid`, `AnsweredBy`, `MachineDetectionDuration`; no status). */
  amdWebhook(input: TwilioAmdInput, options?: TwilioWebhookOptions): TwilioWebhook;
  /**
   * The signed request Twilio posts to a call's answer `Url` when it connects (`CallStatus=in-progress`,
   * and `AnsweredBy` when synchronous detection ran). Throws for an unknown sid or a call without `Url`.
   */
  answerWebhook(
    callSid: string,
    options?: TwilioWebhookOptions & { readonly answeredBy?: TwilioAnsweredBy },
  ): TwilioWebhook;
  /**
   * Plays a held call out as Twilio would, **posting** each signed webhook to its URL with `fetch`: the
   * subscribed status events (`initiated`, `ringing`, `in-progress` for `answered`), the answer URL when
   * answered, the AMD result (to the AMD callback when the call asked for asynchronous detection, else
   * as `AnsweredBy` on its status callbacks), and the final status with `CallDuration`. Resolves with what
   * was posted and answered, in order; a receiver's non-2xx answer does not stop it.
   */
  playCall(
    callSid: string,
    outcome: TwilioCallOutcome,
    options?: { readonly fetch?: (request: Request) => Promise<Response> },
  ): Promise<TwilioPostedWebhook[]>;
  /** Forgets every message, call, conference, request, failure and opt-out. */
  reset(): void;
}

const API_VERSION = "2010-04-01";
const MAX_BODY = 1600;
const MAX_MEDIA = 10;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 50;
const E164 = /^\+[1-9]\d{1,14}$/;
const OPT_OUT = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]);
const OPT_IN = new Set(["START", "UNSTOP", "YES"]);
const STATUS_RANK: Readonly<Record<TwilioMessageStatus, number>> = {
  scheduled: 0,
  accepted: 1,
  queued: 2,
  sending: 3,
  receiving: 3,
  sent: 4,
  received: 4,
  partially_delivered: 5,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  read: 6,
};
const SENT_STATUSES = new Set<TwilioMessageStatus>(["sent", "delivered", "undelivered", "read"]);
const CALL_STATUS_RANK: Readonly<Record<TwilioCallStatus, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  "in-progress": 3,
  completed: 4,
  busy: 4,
  "no-answer": 4,
  canceled: 4,
  failed: 4,
};
const ANSWERED_BY = new Set<string>([
  "human",
  "machine_start",
  "machine_end_beep",
  "machine_end_silence",
  "machine_end_other",
  "fax",
  "unknown",
]);
const CALL_TARGET = /^(\+[1-9]\d{1,14}|client:[A-Za-z0-9_]{1,256}|sip:[^\s@]+@[^\s@]+)$/;
const CALLER = /^(\+[1-9]\d{1,14}|client:[A-Za-z0-9_]{1,256})$/;
/** Twilio's limit on the `Twiml` parameter. */
const MAX_TWIML = 4000;
/** A participant's status for the call's status. */
const PARTICIPANT_STATUS: Readonly<Record<TwilioCallStatus, string>> = {
  queued: "queued",
  initiated: "connecting",
  ringing: "ringing",
  "in-progress": "connected",
  completed: "complete",
  busy: "failed",
  "no-answer": "failed",
  canceled: "failed",
  failed: "failed",
};

/** Twilio's wording and HTTP status for the error codes tests commonly inject. */
const KNOWN_ERRORS: Readonly<Record<number, { status: number; message: string }>> = {
  20003: { status: 401, message: "Authenticate" },
  20404: { status: 404, message: "The requested resource was not found" },
  20429: { status: 429, message: "Too Many Requests" },
  20500: { status: 500, message: "Internal Server Error" },
  20503: { status: 503, message: "Service Unavailable" },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21602: { status: 400, message: "Message body is required." },
  21603: { status: 400, message: "A 'From' phone number is required." },
  21604: { status: 400, message: "A 'To' phone number is required." },
  21610: { status: 400, message: "Attempt to send to unsubscribed recipient" },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
  21617: { status: 400, message: "The concatenated message body exceeds the 1600 character limit." },
  21623: { status: 400, message: "Number of media files exceeds allowed limit." },
  21635: { status: 400, message: "'To' number cannot be a landline" },
  21705: { status: 400, message: "The Messaging Service Sid is invalid." },
  30003: { status: 400, message: "Unreachable destination handset" },
  30005: { status: 400, message: "Unknown destination handset" },
  30006: { status: 400, message: "Landline or unreachable carrier" },
  30007: { status: 400, message: "Message filtered" },
  30034: { status: 400, message: "Message from an unregistered number" },
  13223: { status: 400, message: "Dial: Invalid phone number format" },
  13224: { status: 400, message: "Dial: Invalid phone number" },
  13227: { status: 400, message: "Dial: No International Authorization" },
  20001: { status: 400, message: "Invalid parameter" },
  21201: { status: 400, message: "No 'To' number is specified" },
  21205: { status: 400, message: "Url parameter is not a valid URL" },
  21210: { status: 400, message: "'From' phone number not verified" },
  21212: { status: 400, message: "Invalid 'From' Phone Number" },
  21213: { status: 400, message: "Caller phone number is required" },
  21214: { status: 400, message: "'To' phone number cannot be reached" },
  21215: { status: 400, message: "Geo Permission configuration is not permitting call" },
  21216: { status: 400, message: "Number is blocked" },
  21217: { status: 400, message: "Phone number does not appear to be valid" },
  21220: { status: 400, message: "Invalid call state. Call is not in-progress." },
};

interface HeldMessage {
  readonly sid: string;
  readonly seq: number;
  readonly params: TwilioParams;
  readonly resource: TwilioMessageResource;
  readonly createdAt: Date;
  sentAt: Date | null;
}

interface HeldCall {
  readonly sid: string;
  readonly seq: number;
  readonly params: TwilioParams;
  readonly resource: TwilioCallResource;
  readonly createdAt: Date;
  conference: string | undefined;
  twiml: string | undefined;
  readonly updates: TwilioParams[];
  sequenceNumber: number;
}

interface HeldConference {
  readonly sid: string;
  readonly friendlyName: string;
  readonly callSids: string[];
}

interface QueuedFailure {
  readonly failure: TwilioFailure;
  remaining: number;
}

/**
 * Creates a Twilio REST API imitation.
 *
 * @example
 * ```ts
 * import { setupServer } from "msw/node";
 * import { createTwilioImitation, twilioHandlers } from "@precinct/testing/http";
 *
 * const twilio = createTwilioImitation({ accountSid: "AC" + "0".repeat(32), authToken: "test-token" });
 * const server = setupServer(...twilioHandlers(twilio));
 * server.listen();
 * // ... send through the real twilio SDK ...
 * twilio.sent[0]?.params.Body; // what the SDK posted
 * twilio.failNext({ code: 21610 }); // the next request fails: 400, recipient opted out
 * const webhook = twilio.inboundWebhook({ from: "+19195550123", body: "STOP" }); // signed
 * ```
 */
export function createTwilioImitation(options: TwilioImitationOptions): TwilioImitation {
  const { accountSid, authToken } = options;
  const now = options.now ?? (() => new Date());
  const advancedOptOut = options.advancedOptOut ?? true;
  const defaultNumber = options.defaultNumber ?? "+15550100000";
  const webhookUrl = options.webhookUrl ?? "https://precinct.test/webhooks/twilio/sms";
  const held: HeldMessage[] = [];
  const bySid = new Map<string, HeldMessage>();
  const requests: TwilioImitationRequest[] = [];
  const failures: QueuedFailure[] = [];
  const optedOut = new Set<string>();
  let seq = 0;

  const messagesPath = `/${API_VERSION}/Accounts/${accountSid}/Messages`;
  const accountPath = `/${API_VERSION}/Accounts/${accountSid}`;
  const heldCalls: HeldCall[] = [];
  const callsBySid = new Map<string, HeldCall>();
  const conferences = new Map<string, HeldConference>();

  const nextSid = (prefix: string): string => {
    seq += 1;
    // Deterministic ids make failing tests readable; the prefix keeps Twilio's sid shape.
    return `${prefix}${seq.toString(16).padStart(32, "0")}`;
  };

  const hold = (
    sid: string,
    params: TwilioParams,
    fields: Omit<TwilioMessageResource, "account_sid" | "api_version" | "sid" | "uri" | "subresource_uris">,
    createdAt: Date,
  ): HeldMessage => {
    const message: HeldMessage = {
      sid,
      seq,
      params,
      createdAt,
      sentAt: null,
      resource: {
        account_sid: accountSid,
        api_version: API_VERSION,
        ...fields,
        sid,
        subresource_uris: { media: `${messagesPath}/${sid}/Media.json` },
        uri: `${messagesPath}/${sid}.json`,
      },
    };
    held.push(message);
    bySid.set(sid, message);
    return message;
  };

  const setStatus = (sid: string, status: TwilioMessageStatus, extra: { errorCode?: number } = {}): void => {
    const message = bySid.get(sid);
    if (message === undefined) throw new Error(`The Twilio imitation holds no message ${sid}.`);
    const current = message.resource.status;
    if (current === status || STATUS_RANK[status] < STATUS_RANK[current]) return;
    const at = now();
    message.resource.status = status;
    message.resource.date_updated = rfc2822(at);
    if (SENT_STATUSES.has(status) && message.sentAt === null) {
      message.sentAt = at;
      message.resource.date_sent = rfc2822(at);
    }
    if (extra.errorCode !== undefined) {
      message.resource.error_code = extra.errorCode;
      message.resource.error_message = KNOWN_ERRORS[extra.errorCode]?.message ?? null;
    }
  };

  // An opt-out blocks the number that was texted STOP; through a Messaging Service (no `From`) it blocks
  // the whole service, as Twilio applies Advanced Opt-Out per service. The imitation treats every number
  // as one service there.
  const isOptedOut = (to: string, from: string | undefined): boolean => {
    if (from !== undefined) return optedOut.has(optOutKey(to, from));
    for (const key of optedOut) if (key.startsWith(`${to}|`)) return true;
    return false;
  };

  const takeFailure = (operation: TwilioOperation): TwilioFailure | undefined => {
    const index = failures.findIndex(
      (queued) => queued.failure.operation === undefined || queued.failure.operation === operation,
    );
    if (index === -1) return undefined;
    const queued = failures[index]!;
    queued.remaining -= 1;
    if (queued.remaining <= 0) failures.splice(index, 1);
    return queued.failure;
  };

  const createMessage = (params: Record<string, string | string[]>): Response => {
    const to = single(params.To);
    const from = single(params.From);
    const serviceSid = single(params.MessagingServiceSid);
    const body = single(params.Body) ?? "";
    const media = many(params.MediaUrl);
    if (to === undefined || to === "") return twilioError(21604);
    if (!E164.test(to)) return twilioError(21211, `Invalid 'To' Phone Number: ${to}`);
    if ((from === undefined || from === "") && (serviceSid === undefined || serviceSid === "")) {
      return twilioError(21603);
    }
    if (serviceSid !== undefined && !knownService(options.messagingServices, serviceSid)) {
      return twilioError(21705);
    }
    if (body === "" && media.length === 0) return twilioError(21602);
    if (body.length > MAX_BODY) return twilioError(21617);
    if (media.length > MAX_MEDIA) return twilioError(21623);
    const sender = from ?? options.messagingServices?.[serviceSid ?? ""]?.[0] ?? null;
    if (advancedOptOut && isOptedOut(to, from)) return twilioError(21610);
    const createdAt = now();
    const sid = nextSid("SM");
    const message = hold(
      sid,
      params,
      {
        body,
        date_created: rfc2822(createdAt),
        date_sent: null,
        date_updated: rfc2822(createdAt),
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: sender,
        messaging_service_sid: serviceSid ?? null,
        num_media: String(media.length),
        num_segments: String(smsSegments(body).segments),
        price: null,
        price_unit: "USD",
        // A Messaging Service takes the message first ("accepted") and picks a sender from its pool.
        status: serviceSid !== undefined && from === undefined ? "accepted" : "queued",
        to,
      },
      createdAt,
    );
    return json(201, message.resource);
  };

  const listMessages = (url: URL): Response => {
    const query = url.searchParams;
    const pageSize = clamp(Number(query.get("PageSize") ?? DEFAULT_PAGE_SIZE), 1, MAX_PAGE_SIZE);
    const page = Math.max(0, Math.floor(Number(query.get("Page") ?? 0)) || 0);
    const to = query.get("To");
    const from = query.get("From");
    const sentOn = dateFilter(query.get("DateSent"), "on");
    const sentBefore = dateFilter(query.get("DateSent<"), "before");
    const sentAfter = dateFilter(query.get("DateSent>"), "after");
    const matching = held
      .filter((m) => to === null || m.resource.to === to)
      .filter((m) => from === null || m.resource.from === from)
      // Twilio filters on date_sent, which is null until a message is sent: queued messages never match.
      .filter((m) => sentOn === undefined || (m.sentAt !== null && sentOn(m.sentAt)))
      .filter((m) => sentBefore === undefined || (m.sentAt !== null && sentBefore(m.sentAt)))
      .filter((m) => sentAfter === undefined || (m.sentAt !== null && sentAfter(m.sentAt)))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq);
    const token = query.get("PageToken");
    let start = page * pageSize;
    if (token?.startsWith("PA")) {
      const after = matching.findIndex((m) => m.sid === token.slice(2));
      if (after !== -1) start = after + 1;
    }
    const items = matching.slice(start, start + pageSize);
    const filters = new URLSearchParams();
    for (const name of ["To", "From", "DateSent", "DateSent<", "DateSent>"]) {
      const value = query.get(name);
      if (value !== null) filters.set(name, value);
    }
    const pageUri = (pageNumber: number, pageToken?: string): string => {
      const params = new URLSearchParams(filters);
      params.set("PageSize", String(pageSize));
      params.set("Page", String(pageNumber));
      if (pageToken !== undefined) params.set("PageToken", pageToken);
      return `${messagesPath}.json?${params.toString()}`;
    };
    const last = items.at(-1);
    const hasNext = start + items.length < matching.length && last !== undefined;
    return json(200, {
      end: items.length === 0 ? 0 : start + items.length - 1,
      first_page_uri: pageUri(0),
      messages: items.map((m) => m.resource),
      next_page_uri: hasNext ? pageUri(page + 1, `PA${last.sid}`) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: url.pathname + url.search,
    });
  };

  const lookup = (url: URL, rawNumber: string): Response => {
    const number = decodeURIComponent(rawNumber);
    const fields = (url.searchParams.get("Fields") ?? "").split(",").map((f) => f.trim());
    const valid = E164.test(number);
    const configured = options.lineTypes?.[number];
    const setting: TwilioLineTypeSetting =
      configured === undefined
        ? { type: options.defaultLineType ?? "mobile" }
        : typeof configured === "string"
          ? { type: configured }
          : configured;
    const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
    return json(200, {
      calling_country_code: valid ? (nanp ? "1" : null) : null,
      country_code: valid ? (nanp ? "US" : null) : null,
      phone_number: number,
      national_format: nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : valid ? number : null,
      valid,
      validation_errors: valid ? [] : ["INVALID_BASE_URL"],
      caller_name: null,
      sim_swap: null,
      call_forwarding: null,
      line_status: null,
      line_type_intelligence:
        valid && fields.includes("line_type_intelligence")
          ? {
              error_code: null,
              mobile_country_code: setting.type === "mobile" ? "310" : null,
              mobile_network_code: setting.type === "mobile" ? "456" : null,
              carrier_name: setting.carrierName === undefined ? "Imitation Wireless" : setting.carrierName,
              type: setting.type,
            }
          : null,
      identity_match: null,
      reassigned_number: null,
      sms_pumping_risk: null,
      phone_number_quality_score: null,
      pre_fill: null,
      url: `https://lookups.twilio.com/v2/PhoneNumbers/${encodeURIComponent(number)}`,
    });
  };

  // ----- Voice -----

  const conferenceFor = (nameOrSid: string): HeldConference => {
    const bySid = [...conferences.values()].find((room) => room.sid === nameOrSid);
    if (bySid !== undefined) return bySid;
    let room = conferences.get(nameOrSid);
    if (room === undefined) {
      // Twilio creates a conference the first time a participant is added under a new friendly name.
      room = { sid: nextSid("CF"), friendlyName: nameOrSid, callSids: [] };
      conferences.set(nameOrSid, room);
    }
    return room;
  };

  const joinConference = (call: HeldCall, name: string): void => {
    const room = conferenceFor(name);
    call.conference = room.friendlyName;
    if (!room.callSids.includes(call.sid)) room.callSids.push(call.sid);
  };

  const setCallStatus = (
    sid: string,
    status: TwilioCallStatus,
    extra: { answeredBy?: TwilioAnsweredBy; durationSeconds?: number } = {},
  ): void => {
    const call = callsBySid.get(sid);
    if (call === undefined) throw new Error(`The Twilio imitation holds no call ${sid}.`);
    if (extra.answeredBy !== undefined) call.resource.answered_by = extra.answeredBy;
    const current = call.resource.status;
    if (current === status || CALL_STATUS_RANK[status] <= CALL_STATUS_RANK[current]) return;
    const at = now();
    call.resource.status = status;
    call.resource.date_updated = rfc2822(at);
    if (status === "in-progress" && call.resource.start_time === null) call.resource.start_time = rfc2822(at);
    if (CALL_STATUS_RANK[status] === 4) {
      call.resource.end_time = rfc2822(at);
      const answered = status === "completed" && call.resource.start_time !== null;
      call.resource.duration = String(answered ? (extra.durationSeconds ?? 0) : 0);
    }
  };

  /** Validates what calls and participants share; returns an error response or undefined. */
  const checkCallParams = (params: Record<string, string | string[]>): Response | undefined => {
    const to = single(params.To);
    const from = single(params.From);
    if (to === undefined || to === "") return twilioError(21201);
    if (!CALL_TARGET.test(to)) return twilioError(21211, `Invalid 'To' Phone Number: ${to}`);
    if (from === undefined || from === "") return twilioError(21213);
    if (!CALLER.test(from)) return twilioError(21212, `Invalid 'From' Phone Number: ${from}`);
    const timeout = single(params.Timeout);
    if (timeout !== undefined && !/^\d+$/.test(timeout)) {
      return twilioError(20001, `Timeout must be a whole number of seconds, got ${timeout}`);
    }
    const detection = single(params.MachineDetection);
    if (detection !== undefined && detection !== "Enable" && detection !== "DetectMessageEnd") {
      return twilioError(20001, `MachineDetection must be Enable or DetectMessageEnd, got ${detection}`);
    }
    for (const name of ["StatusCallback", "AsyncAmdStatusCallback", "AmdStatusCallback", "Url"]) {
      const value = single(params[name]);
      if (value !== undefined && !isHttpUrl(value))
        return twilioError(21205, `${name} is not a valid URL: ${value}`);
    }
    for (const event of many(params.StatusCallbackEvent)) {
      if (!["initiated", "ringing", "answered", "completed"].includes(event)) {
        return twilioError(
          20001,
          `StatusCallbackEvent ${event} is not one of initiated, ringing, answered, completed`,
        );
      }
    }
    const refusal = options.callErrors?.[to];
    if (refusal !== undefined) return twilioError(refusal);
    return undefined;
  };

  const holdCall = (params: Record<string, string | string[]>): HeldCall => {
    const createdAt = now();
    const sid = nextSid("CA");
    const to = single(params.To) ?? "";
    const from = single(params.From) ?? "";
    const uri = `${accountPath}/Calls/${sid}.json`;
    const call: HeldCall = {
      sid,
      seq,
      params,
      createdAt,
      conference: undefined,
      twiml: single(params.Twiml),
      updates: [],
      sequenceNumber: 0,
      resource: {
        account_sid: accountSid,
        annotation: null,
        answered_by: null,
        api_version: API_VERSION,
        caller_name: null,
        date_created: rfc2822(createdAt),
        date_updated: rfc2822(createdAt),
        direction: "outbound-api",
        duration: null,
        end_time: null,
        forwarded_from: null,
        from,
        from_formatted: formatNumber(from),
        group_sid: null,
        parent_call_sid: null,
        phone_number_sid: from.startsWith("+") ? nextSid("PN") : null,
        price: null,
        price_unit: "USD",
        queue_time: "0",
        sid,
        start_time: null,
        status: "queued",
        subresource_uris: {
          notifications: `${accountPath}/Calls/${sid}/Notifications.json`,
          recordings: `${accountPath}/Calls/${sid}/Recordings.json`,
          events: `${accountPath}/Calls/${sid}/Events.json`,
        },
        to,
        to_formatted: formatNumber(to),
        trunk_sid: null,
        uri,
      },
    };
    heldCalls.push(call);
    callsBySid.set(sid, call);
    return call;
  };

  const createCall = (params: Record<string, string | string[]>): Response => {
    const invalid = checkCallParams(params);
    if (invalid !== undefined) return invalid;
    const url = single(params.Url);
    const twiml = single(params.Twiml);
    const app = single(params.ApplicationSid);
    if (url === undefined && twiml === undefined && app === undefined) {
      return twilioError(21205, "Url, Twiml or ApplicationSid is required");
    }
    const asyncAmd = single(params.AsyncAmd);
    if (asyncAmd !== undefined && asyncAmd !== "true" && asyncAmd !== "false") {
      return twilioError(20001, `AsyncAmd must be true or false, got ${asyncAmd}`);
    }
    if (twiml !== undefined && twiml.length > MAX_TWIML) {
      return twilioError(20001, `Twiml must be at most ${MAX_TWIML} characters`);
    }
    const call = holdCall(params);
    const room = twiml === undefined ? undefined : conferenceInTwiml(twiml);
    if (room !== undefined) joinConference(call, room);
    return json(201, call.resource);
  };

  const updateCall = (sid: string, params: Record<string, string | string[]>): Response => {
    const call = callsBySid.get(sid);
    if (call === undefined) {
      return twilioError(20404, `The requested resource ${accountPath}/Calls/${sid}.json was not found`);
    }
    const status = single(params.Status);
    const url = single(params.Url);
    const twiml = single(params.Twiml);
    if (status !== undefined && status !== "completed" && status !== "canceled") {
      return twilioError(20001, `Status must be completed or canceled, got ${status}`);
    }
    if (url !== undefined && !isHttpUrl(url)) return twilioError(21205, `Url is not a valid URL: ${url}`);
    if (twiml !== undefined && twiml.length > MAX_TWIML) {
      return twilioError(20001, `Twiml must be at most ${MAX_TWIML} characters`);
    }
    if (status === undefined && url === undefined && twiml === undefined) {
      return twilioError(20001, "Give Status, Url or Twiml");
    }
    // A call that has ended cannot be redirected or hung up again.
    if (CALL_STATUS_RANK[call.resource.status] === 4) return twilioError(21220);
    call.updates.push(params);
    if (twiml !== undefined) {
      call.twiml = twiml;
      const room = conferenceInTwiml(twiml);
      if (room !== undefined) joinConference(call, room);
    }
    if (status === "completed") {
      setCallStatus(sid, call.resource.status === "in-progress" ? "completed" : "canceled");
    } else if (status === "canceled" && call.resource.status !== "in-progress") {
      // Canceling only stops a call that is queued or ringing; one in progress carries on.
      setCallStatus(sid, "canceled");
    }
    return json(200, call.resource);
  };

  const listCalls = (url: URL): Response => {
    const query = url.searchParams;
    const pageSize = clamp(Number(query.get("PageSize") ?? DEFAULT_PAGE_SIZE), 1, MAX_PAGE_SIZE);
    const page = Math.max(0, Math.floor(Number(query.get("Page") ?? 0)) || 0);
    const to = query.get("To");
    const from = query.get("From");
    const status = query.get("Status");
    const matching = heldCalls
      .filter((c) => to === null || c.resource.to === to)
      .filter((c) => from === null || c.resource.from === from)
      .filter((c) => status === null || c.resource.status === status)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq);
    const token = query.get("PageToken");
    let start = page * pageSize;
    if (token?.startsWith("PA")) {
      const after = matching.findIndex((c) => c.sid === token.slice(2));
      if (after !== -1) start = after + 1;
    }
    const items = matching.slice(start, start + pageSize);
    const filters = new URLSearchParams();
    for (const name of ["To", "From", "Status"]) {
      const value = query.get(name);
      if (value !== null) filters.set(name, value);
    }
    const pageUri = (pageNumber: number, pageToken?: string): string => {
      const params = new URLSearchParams(filters);
      params.set("PageSize", String(pageSize));
      params.set("Page", String(pageNumber));
      if (pageToken !== undefined) params.set("PageToken", pageToken);
      return `${accountPath}/Calls.json?${params.toString()}`;
    };
    const last = items.at(-1);
    const hasNext = start + items.length < matching.length && last !== undefined;
    return json(200, {
      calls: items.map((c) => c.resource),
      end: items.length === 0 ? 0 : start + items.length - 1,
      first_page_uri: pageUri(0),
      next_page_uri: hasNext ? pageUri(page + 1, `PA${last.sid}`) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: url.pathname + url.search,
    });
  };

  const addParticipant = (conference: string, params: Record<string, string | string[]>): Response => {
    const invalid = checkCallParams(params);
    if (invalid !== undefined) return invalid;
    for (const name of ["AsyncAmd", "AsyncAmdStatusCallback", "AsyncAmdStatusCallbackMethod"]) {
      // Twilio warns 21263 and ignores them: the Participants API reports AMD to AmdStatusCallback.
      if (params[name] !== undefined)
        return twilioError(20001, `${name} is not a Participants API parameter (use AmdStatusCallback)`);
    }
    const beep = single(params.Beep);
    if (beep !== undefined && !["true", "false", "onEnter", "onExit"].includes(beep)) {
      return twilioError(20001, `Beep must be true, false, onEnter or onExit, got ${beep}`);
    }
    for (const name of ["EarlyMedia", "StartConferenceOnEnter", "EndConferenceOnExit", "Muted"]) {
      const value = single(params[name]);
      if (value !== undefined && value !== "true" && value !== "false") {
        return twilioError(20001, `${name} must be true or false, got ${value}`);
      }
    }
    const call = holdCall(params);
    joinConference(call, conference);
    const room = conferenceFor(conference);
    return json(201, {
      account_sid: accountSid,
      call_sid: call.sid,
      call_sid_to_coach: null,
      coaching: false,
      conference_sid: room.sid,
      date_created: call.resource.date_created,
      date_updated: call.resource.date_updated,
      end_conference_on_exit: single(params.EndConferenceOnExit) === "true",
      hold: false,
      label: single(params.Label) ?? null,
      muted: single(params.Muted) === "true",
      queue_time: "0",
      start_conference_on_enter: single(params.StartConferenceOnEnter) !== "false",
      status: PARTICIPANT_STATUS[call.resource.status],
      uri: `${accountPath}/Conferences/${room.sid}/Participants/${call.sid}.json`,
    });
  };

  const callWebhookParams = (call: HeldCall | undefined, sid: string): Record<string, string> => {
    const to = call?.resource.to ?? "+15005550006";
    const from = call?.resource.from ?? defaultNumber;
    return {
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
      CallSid: sid,
      Called: to,
      Caller: from,
      Direction: call?.resource.direction ?? "outbound-api",
      From: from,
      To: to,
    };
  };

  const callStatusWebhook = (input: TwilioCallStatusInput, forged: TwilioWebhookOptions["forged"]) => {
    const call = callsBySid.get(input.callSid);
    const final = CALL_STATUS_RANK[input.status] === 4;
    const sequence = call === undefined ? 0 : call.sequenceNumber++;
    const duration = final
      ? String(input.status === "completed" ? (input.durationSeconds ?? 0) : 0)
      : undefined;
    const params: Record<string, string> = {
      ...callWebhookParams(call, input.callSid),
      CallStatus: input.status,
      CallbackSource: "call-progress-events",
      SequenceNumber: String(sequence),
      Timestamp: rfc2822(now()),
      ...(input.answeredBy !== undefined ? { AnsweredBy: input.answeredBy } : {}),
      ...(duration !== undefined
        ? { CallDuration: duration, Duration: String(Math.ceil(Number(duration) / 60)) }
        : {}),
    };
    const callback = call === undefined ? undefined : single(call.params.StatusCallback);
    const webhook = sign(input.url ?? callback ?? webhookUrl, params, forged);
    if (call !== undefined && (forged === undefined || forged === false)) {
      setCallStatus(input.callSid, input.status, {
        ...(input.answeredBy !== undefined ? { answeredBy: input.answeredBy } : {}),
        ...(input.durationSeconds !== undefined ? { durationSeconds: input.durationSeconds } : {}),
      });
    }
    return webhook;
  };

  const amdWebhook = (input: TwilioAmdInput, forged: TwilioWebhookOptions["forged"]) => {
    if (!ANSWERED_BY.has(input.answeredBy))
      throw new Error(`Not a Twilio AnsweredBy value: ${input.answeredBy}`);
    const call = callsBySid.get(input.callSid);
    const params: Record<string, string> = {
      AccountSid: accountSid,
      AnsweredBy: input.answeredBy,
      CallSid: input.callSid,
      MachineDetectionDuration: String(input.detectionMs ?? 2400),
    };
    const callback =
      call === undefined
        ? undefined
        : (single(call.params.AsyncAmdStatusCallback) ??
          single(call.params.AmdStatusCallback) ??
          single(call.params.StatusCallback));
    const webhook = sign(input.url ?? callback ?? webhookUrl, params, forged);
    if (call !== undefined && (forged === undefined || forged === false))
      call.resource.answered_by = input.answeredBy;
    return webhook;
  };

  const answerWebhook = (
    callSid: string,
    answerOptions: TwilioWebhookOptions & { readonly answeredBy?: TwilioAnsweredBy } = {},
  ) => {
    const call = callsBySid.get(callSid);
    if (call === undefined) throw new Error(`The Twilio imitation holds no call ${callSid}.`);
    const url = single(call.params.Url);
    if (url === undefined) throw new Error(`Call ${callSid} has no answer Url (a conference participant?).`);
    const params: Record<string, string> = {
      ...callWebhookParams(call, callSid),
      CallStatus: "in-progress",
      ...(answerOptions.answeredBy !== undefined ? { AnsweredBy: answerOptions.answeredBy } : {}),
    };
    return sign(url, params, answerOptions.forged);
  };

  const playCall = async (
    callSid: string,
    outcome: TwilioCallOutcome,
    playOptions: { readonly fetch?: (request: Request) => Promise<Response> } = {},
  ): Promise<TwilioPostedWebhook[]> => {
    const call = callsBySid.get(callSid);
    if (call === undefined) throw new Error(`The Twilio imitation holds no call ${callSid}.`);
    const send = playOptions.fetch ?? ((request: Request) => fetch(request));
    const posted: TwilioPostedWebhook[] = [];
    const post = async (kind: TwilioPostedWebhook["kind"], webhook: TwilioWebhook): Promise<void> => {
      const response = await send(webhook.request);
      posted.push({ kind, webhook, status: response.status, body: await response.text() });
    };
    const hasCallback = single(call.params.StatusCallback) !== undefined;
    const events = new Set(many(call.params.StatusCallbackEvent));
    // Twilio always posts the final status to a StatusCallback; the other events only when subscribed.
    const status = async (value: TwilioCallStatus, event: string, answeredBy?: TwilioAnsweredBy) => {
      const extra = answeredBy !== undefined ? { answeredBy } : {};
      if (hasCallback && (event === "completed" || events.has(event))) {
        await post(
          "status",
          callStatusWebhook(
            {
              callSid,
              status: value,
              ...extra,
              ...(value === "completed" ? { durationSeconds: outcome.durationSeconds ?? 42 } : {}),
            },
            undefined,
          ),
        );
      } else {
        setCallStatus(callSid, value, {
          ...extra,
          ...(value === "completed" ? { durationSeconds: outcome.durationSeconds ?? 42 } : {}),
        });
      }
    };
    const detection = single(call.params.MachineDetection) !== undefined;
    const asynchronous =
      single(call.params.AsyncAmd) === "true" || single(call.params.AmdStatusCallback) !== undefined;
    const answeredBy =
      outcome.result === "answered" && detection ? (outcome.answeredBy ?? "human") : undefined;
    // Synchronous detection reports AnsweredBy on the answer request and the status callbacks after it.
    const syncAnsweredBy = asynchronous ? undefined : answeredBy;

    if (outcome.result === "failed") {
      await status("failed", "completed");
      return posted;
    }
    await status("initiated", "initiated");
    if (outcome.result === "busy") {
      await status("busy", "completed");
      return posted;
    }
    await status("ringing", "ringing");
    if (outcome.result === "no-answer" || outcome.result === "canceled") {
      await status(outcome.result, "completed");
      return posted;
    }
    await status("in-progress", "answered", syncAnsweredBy);
    if (single(call.params.Url) !== undefined) {
      await post(
        "answer",
        answerWebhook(callSid, syncAnsweredBy !== undefined ? { answeredBy: syncAnsweredBy } : {}),
      );
    }
    if (asynchronous && answeredBy !== undefined)
      await post("amd", amdWebhook({ callSid, answeredBy }, undefined));
    await status("completed", "completed", syncAnsweredBy);
    return posted;
  };

  const authenticated = (request: Request): boolean => {
    const header = request.headers.get("authorization");
    if (header === null || !header.startsWith("Basic ")) return false;
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (user === accountSid) return password === authToken;
    return (
      options.apiKeys !== undefined &&
      Object.hasOwn(options.apiKeys, user) &&
      options.apiKeys[user] === password
    );
  };

  const route = (
    method: string,
    url: URL,
  ):
    | { operation: TwilioOperation; run: (params: Record<string, string | string[]>) => Response }
    | Response => {
    const path = url.pathname;
    const account = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/.exec(path);
    if (account !== null) {
      if (account[1] !== accountSid) return twilioError(20003, undefined, 401);
      const sid = account[2];
      if (sid === undefined) {
        if (method === "POST") return { operation: "messages.create", run: createMessage };
        if (method === "GET") return { operation: "messages.list", run: () => listMessages(url) };
        return twilioError(20004, "Method not allowed", 405);
      }
      if (method !== "GET") return twilioError(20004, "Method not allowed", 405);
      return {
        operation: "messages.fetch",
        run: () => {
          const message = bySid.get(sid);
          return message === undefined
            ? twilioError(20404, `The requested resource ${path} was not found`)
            : json(200, message.resource);
        },
      };
    }
    const calls = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\/([^/]+))?\.json$/.exec(path);
    if (calls !== null) {
      if (calls[1] !== accountSid) return twilioError(20003, undefined, 401);
      const sid = calls[2];
      if (sid === undefined) {
        if (method === "POST") return { operation: "calls.create", run: createCall };
        if (method === "GET") return { operation: "calls.list", run: () => listCalls(url) };
        return twilioError(20004, "Method not allowed", 405);
      }
      if (method === "POST") return { operation: "calls.update", run: (params) => updateCall(sid, params) };
      if (method !== "GET") return twilioError(20004, "Method not allowed", 405);
      return {
        operation: "calls.fetch",
        run: () => {
          const call = callsBySid.get(sid);
          return call === undefined
            ? twilioError(20404, `The requested resource ${path} was not found`)
            : json(200, call.resource);
        },
      };
    }
    const participants = /^\/2010-04-01\/Accounts\/([^/]+)\/Conferences\/([^/]+)\/Participants\.json$/.exec(
      path,
    );
    if (participants !== null) {
      if (participants[1] !== accountSid) return twilioError(20003, undefined, 401);
      if (method !== "POST") return twilioError(20004, "Method not allowed", 405);
      const conference = decodeURIComponent(participants[2]!);
      return { operation: "participants.create", run: (params) => addParticipant(conference, params) };
    }
    const phone = /^\/v2\/PhoneNumbers\/([^/]+)$/.exec(path);
    if (phone !== null) {
      if (method !== "GET") return twilioError(20004, "Method not allowed", 405);
      return { operation: "lookup", run: () => lookup(url, phone[1]!) };
    }
    return twilioError(20404, `The requested resource ${path} was not found`);
  };

  const handle = async (request: Request): Promise<Response> => {
    if (options.respondDelayMs !== undefined && options.respondDelayMs > 0)
      await sleep(options.respondDelayMs);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const rawBody = method === "GET" || method === "HEAD" ? "" : await request.text();
    const params = method === "GET" ? parseTwilioForm(url.search.slice(1)) : parseTwilioForm(rawBody);
    const log = (operation: TwilioOperation | "unknown", status: number): void => {
      requests.push({ method, url: request.url, operation, params, status });
    };
    if (!authenticated(request)) {
      log("unknown", 401);
      return twilioError(20003, undefined, 401, {
        detail: "Your AccountSid or AuthToken was incorrect.",
      });
    }
    const routed = route(method, url);
    if (routed instanceof Response) {
      log("unknown", routed.status);
      return routed;
    }
    const failure = takeFailure(routed.operation);
    if (failure?.networkError === true) {
      log(routed.operation, 0);
      return Response.error();
    }
    if (failure !== undefined && failure.dropResponse !== true) {
      const response = injectedError(failure);
      log(routed.operation, response.status);
      return response;
    }
    const response = routed.run(params);
    if (failure?.dropResponse === true) {
      log(routed.operation, 0);
      return Response.error();
    }
    log(routed.operation, response.status);
    return response;
  };

  const sign = (url: string, params: Record<string, string>, forged: TwilioWebhookOptions["forged"]) => {
    const forgery: TwilioForgery | undefined = forged === true ? "signature" : forged || undefined;
    const signedUrl = forgery === "url" ? `${url}${url.includes("?") ? "&" : "?"}tampered=1` : url;
    const signature = signTwilioWebhook(
      forgery === "signature" ? `${authToken}-forged` : authToken,
      signedUrl,
      params,
    );
    const sentParams =
      forgery === "body" ? { ...params, Body: `${params.Body ?? ""} (tampered)`, tampered: "1" } : params;
    const rawBody = encodeTwilioForm(sentParams);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "TwilioProxy/1.1",
      "i-twilio-idempotency-token": randomUUID(),
    };
    if (forgery !== "missing") headers[TWILIO_SIGNATURE_HEADER] = signature;
    return {
      request: new Request(url, { method: "POST", headers, body: rawBody }),
      rawBody,
      url,
      params: sentParams,
    };
  };

  return {
    accountSid,
    authToken,
    handle,
    get messages() {
      return held.map(view);
    },
    get sent() {
      return held.filter((m) => m.resource.direction === "outbound-api").map(view);
    },
    get requests() {
      return [...requests];
    },
    get optedOut() {
      return new Set(optedOut);
    },
    failNext(failure = {}) {
      failures.push({ failure, remaining: failure.times ?? 1 });
    },
    setStatus(sid, status, extra = {}) {
      setStatus(sid, status, extra);
    },
    inboundWebhook(input, webhookOptions = {}) {
      const to = input.to ?? defaultNumber;
      const media = input.mediaUrls ?? [];
      const sid = nextSid(media.length > 0 ? "MM" : "SM");
      const params: Record<string, string> = {
        ToCountry: "US",
        ToState: "NC",
        SmsMessageSid: sid,
        NumMedia: String(media.length),
        ToCity: "",
        FromZip: "",
        SmsSid: sid,
        FromState: "NC",
        SmsStatus: "received",
        FromCity: "",
        Body: input.body,
        FromCountry: "US",
        To: to,
        ...(input.messagingServiceSid !== undefined
          ? { MessagingServiceSid: input.messagingServiceSid }
          : {}),
        ToZip: "",
        NumSegments: String(smsSegments(input.body).segments),
        MessageSid: sid,
        AccountSid: accountSid,
        From: input.from,
        ApiVersion: API_VERSION,
      };
      media.forEach((mediaUrl, index) => {
        params[`MediaUrl${index}`] = mediaUrl;
        params[`MediaContentType${index}`] = "image/jpeg";
      });
      const webhook = sign(input.url ?? webhookUrl, params, webhookOptions.forged);
      if (webhookOptions.forged === undefined || webhookOptions.forged === false) {
        const at = now();
        const message = hold(
          sid,
          params,
          {
            body: input.body,
            date_created: rfc2822(at),
            date_sent: rfc2822(at),
            date_updated: rfc2822(at),
            direction: "inbound",
            error_code: null,
            error_message: null,
            from: input.from,
            messaging_service_sid: input.messagingServiceSid ?? null,
            num_media: String(media.length),
            num_segments: params.NumSegments ?? "1",
            price: null,
            price_unit: "USD",
            status: "received",
            to,
          },
          at,
        );
        message.sentAt = at;
        const keyword = input.body.trim().toUpperCase();
        if (advancedOptOut && OPT_OUT.has(keyword)) optedOut.add(optOutKey(input.from, to));
        if (advancedOptOut && OPT_IN.has(keyword)) optedOut.delete(optOutKey(input.from, to));
      }
      return webhook;
    },
    statusWebhook(input, webhookOptions = {}) {
      const message = bySid.get(input.messageSid);
      const params: Record<string, string> = {
        SmsSid: input.messageSid,
        SmsStatus: input.status,
        MessageStatus: input.status,
        To: message?.resource.to ?? "+15005550006",
        ...(message?.resource.messaging_service_sid
          ? { MessagingServiceSid: message.resource.messaging_service_sid }
          : {}),
        MessageSid: input.messageSid,
        AccountSid: accountSid,
        From: message?.resource.from ?? defaultNumber,
        ApiVersion: API_VERSION,
        ...(input.errorCode !== undefined ? { ErrorCode: String(input.errorCode) } : {}),
      };
      const callback = message === undefined ? undefined : single(message.params.StatusCallback);
      const webhook = sign(input.url ?? callback ?? webhookUrl, params, webhookOptions.forged);
      if (message !== undefined && (webhookOptions.forged === undefined || webhookOptions.forged === false)) {
        setStatus(
          input.messageSid,
          input.status,
          input.errorCode === undefined ? {} : { errorCode: input.errorCode },
        );
      }
      return webhook;
    },
    get calls() {
      return heldCalls.map(viewCall);
    },
    get conferences() {
      return new Map(
        [...conferences].map(([name, room]) => [name, { ...room, callSids: [...room.callSids] }] as const),
      );
    },
    setCallStatus(sid, status, extra = {}) {
      setCallStatus(sid, status, extra);
    },
    callStatusWebhook(input, webhookOptions = {}) {
      return callStatusWebhook(input, webhookOptions.forged);
    },
    amdWebhook(input, webhookOptions = {}) {
      return amdWebhook(input, webhookOptions.forged);
    },
    answerWebhook(callSid, answerOptions) {
      return answerWebhook(callSid, answerOptions);
    },
    playCall(callSid, outcome, playOptions) {
      return playCall(callSid, outcome, playOptions);
    },
    reset() {
      held.length = 0;
      bySid.clear();
      heldCalls.length = 0;
      callsBySid.clear();
      conferences.clear();
      requests.length = 0;
      failures.length = 0;
      optedOut.clear();
      seq = 0;
    },
  };
}

/**
 * msw request handlers that route every request to `https://api.twilio.com` and
 * `https://lookups.twilio.com` (or the `origins` given) to the imitation.
 *
 * @example
 * ```ts
 * const server = setupServer(...twilioHandlers(imitation));
 * beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
 * afterAll(() => server.close());
 * ```
 */
export function twilioHandlers(
  imitation: TwilioImitation,
  options: { readonly origins?: readonly string[] } = {},
): HttpHandler[] {
  const origins = options.origins ?? ["https://api.twilio.com", "https://lookups.twilio.com"];
  return origins.map((origin) =>
    http.all(`${origin.replace(/\/+$/, "")}/*`, ({ request }) => imitation.handle(request)),
  );
}

/**
 * Serves the imitation over a real socket (`node:http`, keep-alive), for adapters pointed at it with a base
 * URL, benchmarks, and tests where the code under test runs in another process. Requests for both
 * `api.twilio.com` and `lookups.twilio.com` paths go to the one origin.
 *
 * @example
 * ```ts
 * const server = await startTwilioImitationServer(imitation);
 * const sms = createTwilio({ accountSid, authToken, baseUrl: server.url }).sms({ from: "+15550100000" });
 * // ...
 * await server.close();
 * ```
 */
export function startTwilioImitationServer(
  imitation: TwilioImitation,
  options: ImitationServerOptions = {},
): Promise<ImitationServer> {
  return startImitationServer((request) => imitation.handle(request), options);
}

/**
 * A Twilio error response: `{ code, message, more_info, status }` with the HTTP status, as Twilio's REST
 * API answers. The status defaults to Twilio's for known codes, else 400.
 */
export function twilioErrorResponse(code: number, message?: string, status?: number): Response {
  return twilioError(code, message, status);
}

function twilioError(
  code: number,
  message?: string,
  status?: number,
  extra: Readonly<Record<string, unknown>> = {},
): Response {
  const known = KNOWN_ERRORS[code];
  const httpStatus = status ?? known?.status ?? 400;
  const response = json(httpStatus, {
    code,
    message: message ?? known?.message ?? "Twilio imitation error",
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status: httpStatus,
    ...extra,
  });
  if (httpStatus === 401) response.headers.set("www-authenticate", 'Basic realm="Twilio API"');
  return response;
}

function injectedError(failure: TwilioFailure): Response {
  const status =
    failure.status ?? (failure.code !== undefined ? KNOWN_ERRORS[failure.code]?.status : undefined);
  // Twilio's generic codes follow the HTTP status (20429, 20500, 20503); with neither given, an opt-out.
  const code = failure.code ?? (status !== undefined ? 20000 + status : 21610);
  return twilioError(code, failure.message, status);
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "twilio-request-id": `RQ${randomHex()}` },
  });
}

function view(message: HeldMessage): TwilioImitationMessage {
  return { sid: message.sid, params: message.params, resource: { ...message.resource } };
}

function viewCall(call: HeldCall): TwilioImitationCall {
  return {
    sid: call.sid,
    params: call.params,
    resource: { ...call.resource },
    conference: call.conference,
    twiml: call.twiml,
    updates: [...call.updates],
  };
}

/** The conference a TwiML document dials into (`<Dial><Conference>name</Conference></Dial>`), if any. */
function conferenceInTwiml(twiml: string): string | undefined {
  const match = /<Conference\b[^>]*>([^<]*)<\/Conference>/.exec(twiml);
  return match === null ? undefined : decodeXmlText(match[1]!);
}

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[entity] ?? "";
  });
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** Twilio's `to_formatted`/`from_formatted`: `(919) 555-0123` for NANP numbers, else as given. */
function formatNumber(number: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  return nanp === null ? number : `(${nanp[1]}) ${nanp[2]}-${nanp[3]}`;
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.[0];
}

function many(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : value;
}

function knownService(services: TwilioImitationOptions["messagingServices"], sid: string): boolean {
  return services === undefined ? /^MG[0-9a-fA-F]{32}$/.test(sid) : Object.hasOwn(services, sid);
}

function optOutKey(number: string, sender: string): string {
  return `${number}|${sender}`;
}

/** RFC 2822 as Twilio writes it: `Thu, 24 Aug 2023 05:01:45 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

/**
 * A `DateSent` filter. A bare `YYYY-MM-DD` means that whole UTC day (`<`: on or before it, `>`: on or
 * after it); a date-time (what the twilio SDK sends) is compared to the second.
 */
function dateFilter(
  value: string | null,
  kind: "on" | "before" | "after",
): ((date: Date) => boolean) | undefined {
  if (value === null || value === "") return undefined;
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const start = new Date(dayOnly ? `${value}T00:00:00Z` : value).getTime();
  if (Number.isNaN(start)) return () => false;
  const end = dayOnly ? start + 86_400_000 : start + 1000;
  if (kind === "on") return (date) => date.getTime() >= start && date.getTime() < end;
  if (kind === "before") return (date) => date.getTime() < end;
  return (date) => date.getTime() >= start;
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}

function randomHex(): string {
  return randomUUID().replaceAll("-", "");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
