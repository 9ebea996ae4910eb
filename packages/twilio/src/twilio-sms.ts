/**
 * The Twilio {@link SmsTransportV1}: sends through the official SDK's `messages.create`, verifies
 * `X-Twilio-Signature` with the SDK's `validateRequest`, parses inbound and status webhooks, looks up line
 * types (Lookup v2), and finds a message again after a crash (`findSent`), since Twilio has no
 * idempotency keys.
 *
 * @module
 */

import {
  type E164PhoneNumber,
  type InboundSms,
  InvalidInputError,
  type LineType,
  type LineTypeLookup,
  type MessageStatus,
  type OperationOptions,
  type OutboundSms,
  ProviderError,
  type SmsSendResult,
  type SmsTransportV1,
  type StatusUpdate,
  smsSegments,
  type WebhookAcknowledgement,
  type WebhookRequest,
} from "@precinct/core";
import Twilio from "twilio";
import type { z } from "zod";
import {
  TwilioInboundWebhook,
  TwilioMessage,
  TwilioPhoneNumber,
  TwilioSendReply,
  TwilioStatusWebhook,
} from "./twilio-api.js";
import { mapTwilioError, twilioFailureReason } from "./twilio-error.js";
import type { ResolvedTwilioSmsOptions, TwilioClient, TwilioMessageCreateParams } from "./twilio-options.js";
import { callTwilio } from "./twilio-request-client.js";
import type { SendThread } from "./twilio-send-thread.js";

/** The Twilio SMS transport: {@link SmsTransportV1} with the capabilities Twilio offers. */
export interface TwilioSmsTransport extends SmsTransportV1 {
  /** Always `twilio`. */
  readonly provider: "twilio";
  /** True unless configured otherwise: Twilio Advanced Opt-Out answers STOP/START/HELP itself. */
  readonly handlesKeywords: boolean;
  /** Always false: Twilio's Messages API takes no idempotency key; {@link TwilioSmsTransport.findSent} stands in. */
  readonly dedupesByIdempotencyKey: false;
  /**
   * Sends one message with `messages.create`: `To`, `From` (the message's, else the default) and/or
   * `MessagingServiceSid`, `Body`, `StatusCallback` (the message's, else the default), `ValidityPeriod`
   * (clamped to Twilio's 1–36,000 s) and `MediaUrl` (at most 10). `metadata` is not forwarded: Twilio
   * messages carry no tags.
   */
  send(message: OutboundSms, options?: OperationOptions): Promise<SmsSendResult>;
  /** Parses Twilio's inbound-message webhook (`MessageSid`, `From`, `To`, `Body`, `MediaUrlN`). */
  parseInbound(request: WebhookRequest): InboundSms;
  /** Parses Twilio's status callback (`MessageSid`, `MessageStatus`, `ErrorCode`). */
  parseStatus(request: WebhookRequest): StatusUpdate;
  /**
   * Checks `X-Twilio-Signature` over the public URL and the form parameters of the raw body (or, when the
   * URL carries `bodySHA256`, over the URL and the body's hash). False when the header is missing.
   */
  verifyWebhook(request: WebhookRequest): boolean;
  /**
   * Finds an outbound message to `message.to` (from the same sender when one is known) with the same body,
   * created at or after `since`, by listing the account's Messages. Returns the earliest such message, or
   * null. Looks at the most recent 1,000 messages to that number at most.
   */
  findSent(message: OutboundSms, since: Date, options?: OperationOptions): Promise<SmsSendResult | null>;
  /**
   * What to answer Twilio's webhooks with: an empty TwiML `<Response/>` (`text/xml`) for an inbound
   * message, so Twilio sends no reply of its own and logs no invalid-content warning; an empty body for a
   * status callback, whose answer Twilio ignores.
   */
  webhookAcknowledgement(kind: "inbound" | "status"): WebhookAcknowledgement;
  /**
   * Stops the send thread of a transport made with `sendThread: true` (a send still in flight rejects: its
   * message may or may not have been taken). Later sends reject. Without a send thread there is nothing to
   * release and this resolves at once. The thread never keeps a process alive while no send is in flight,
   * so calling this is optional.
   */
  close(): Promise<void>;
}

/** The empty TwiML document: "handled, send nothing". */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** @internal What `provider.sms()` hands the transport. */
export interface TwilioSmsContext {
  readonly client: TwilioClient;
  readonly authToken: string;
  readonly options: ResolvedTwilioSmsOptions;
  /** Where `send` calls `messages.create` when the transport was made with `sendThread: true`. */
  readonly sendThread?: SendThread;
}

/** The part of the SDK's list page `findSent` reads. */
interface MessagePage {
  readonly instances: readonly unknown[];
  nextPage(): Promise<MessagePage> | undefined;
}

/** Twilio's `ValidityPeriod` bounds, in seconds (the SDK documents 1 to 36,000). */
export const TWILIO_VALIDITY_PERIOD = { min: 1, max: 36_000 } as const;
/** Twilio accepts at most this many `MediaUrl`s per message. */
const MAX_MEDIA = 10;
/** `findSent` pages through at most this many messages to one number. */
const FIND_SENT_SCAN_LIMIT = 1000;
const FIND_SENT_PAGE_SIZE = 100;

const STATUSES: Readonly<Record<string, MessageStatus>> = {
  queued: "queued",
  accepted: "accepted",
  scheduled: "scheduled",
  sending: "sending",
  sent: "sent",
  delivered: "delivered",
  undelivered: "undelivered",
  failed: "failed",
  receiving: "receiving",
  received: "received",
  read: "read",
  canceled: "canceled",
  // Twilio's status for a message only part of whose segments arrived; the recipient did get it.
  partially_delivered: "delivered",
};

const LINE_TYPES: Readonly<Record<string, LineType>> = {
  mobile: "mobile",
  landline: "landline",
  fixedVoip: "voip",
  nonFixedVoip: "voip",
};

/** @internal Creates the transport; use `createTwilio(settings).sms(options)`. */
export function createTwilioSmsTransport(context: TwilioSmsContext): TwilioSmsTransport {
  const { client, authToken, options, sendThread } = context;

  const createParams = (message: OutboundSms): TwilioMessageCreateParams => {
    if (typeof message.to !== "string" || message.to.trim() === "") {
      throw new InvalidInputError({
        field: "to",
        value: message.to,
        reason: "must be an E.164 phone number",
      });
    }
    if (typeof message.body !== "string") {
      throw new InvalidInputError({ field: "body", value: message.body, reason: "must be a string" });
    }
    const media = message.mediaUrls ?? [];
    if (media.length > MAX_MEDIA) {
      throw new InvalidInputError({
        field: "mediaUrls",
        value: media.length,
        reason: `Twilio sends at most ${MAX_MEDIA} media per message`,
      });
    }
    const from = message.from ?? options.from;
    const statusCallback = message.statusCallbackUrl ?? options.statusCallbackUrl;
    return {
      to: message.to,
      ...(from !== undefined ? { from } : {}),
      ...(options.messagingServiceSid !== undefined
        ? { messagingServiceSid: options.messagingServiceSid }
        : {}),
      // An MMS may have no text; Twilio rejects an empty Body only when there is no media either.
      ...(message.body !== "" || media.length === 0 ? { body: message.body } : {}),
      ...(statusCallback !== undefined ? { statusCallback } : {}),
      ...(message.validityPeriodSeconds !== undefined
        ? { validityPeriod: clampValidityPeriod(message.validityPeriodSeconds) }
        : {}),
      ...(media.length > 0 ? { mediaUrl: [...media] } : {}),
    };
  };

  const transport: TwilioSmsTransport = {
    specificationVersion: "v1",
    provider: "twilio",
    handlesKeywords: options.handlesKeywords,
    dedupesByIdempotencyKey: false,

    async send(message, operation) {
      const signal = operation?.signal;
      try {
        const params = createParams(message);
        const created =
          sendThread !== undefined
            ? await sendThread.send(params, signal)
            : await callTwilio(signal, () => client.messages.create(params));
        return sendResult(created, message.body, "send");
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof InvalidInputError) throw error;
        throw mapTwilioError(error, "send");
      }
    },

    parseInbound(request) {
      const raw = parseForm(request.rawBody);
      const status = raw.MessageStatus;
      if (status !== undefined && status !== "received" && status !== "receiving") {
        throw new InvalidInputError({
          field: "MessageStatus",
          value: status,
          reason: "is set: this is a Twilio status callback, not an inbound message",
        });
      }
      const form = parseWebhook(TwilioInboundWebhook, raw, "inbound-message");
      const providerId = form.MessageSid ?? form.SmsSid;
      if (providerId === undefined) throw missing("MessageSid", "inbound-message");
      const count = Number(form.NumMedia ?? "0");
      const mediaUrls: string[] = [];
      for (let i = 0; i < count; i++) {
        const url = raw[`MediaUrl${i}`];
        if (url !== undefined && url !== "") mediaUrls.push(url);
      }
      return {
        providerId,
        from: form.From,
        to: form.To,
        body: form.Body,
        // Twilio's inbound webhook carries no timestamp: it is posted as the message arrives.
        receivedAt: new Date(),
        ...(mediaUrls.length > 0 ? { mediaUrls } : {}),
        raw,
      };
    },

    parseStatus(request) {
      const raw = parseForm(request.rawBody);
      const form = parseWebhook(TwilioStatusWebhook, raw, "status-callback");
      const providerId = form.MessageSid ?? form.SmsSid;
      if (providerId === undefined) throw missing("MessageSid", "status-callback");
      // Inbound messages carry SmsStatus=received too, but never MessageStatus.
      const statusText = form.MessageStatus ?? (raw.Body === undefined ? form.SmsStatus : undefined);
      if (statusText === undefined) throw missing("MessageStatus", "status-callback");
      const status = STATUSES[statusText];
      if (status === undefined) {
        throw new InvalidInputError({
          field: "MessageStatus",
          value: statusText,
          reason: "is not a Twilio message status",
        });
      }
      const errorCode = form.ErrorCode?.trim();
      const failureReason = twilioFailureReason(errorCode);
      return {
        providerId,
        status,
        ...(failureReason !== undefined ? { errorCode, failureReason } : {}),
        raw,
      };
    },

    verifyWebhook(request) {
      const signature = request.request.headers.get("x-twilio-signature");
      if (signature === null || signature === "") return false;
      try {
        if (new URL(request.url).searchParams.has("bodySHA256")) {
          return Twilio.validateRequestWithBody(authToken, signature, request.url, request.rawBody);
        }
        return Twilio.validateRequest(authToken, signature, request.url, parseFormParams(request.rawBody));
      } catch {
        // A malformed URL or body cannot carry a valid signature.
        return false;
      }
    },

    async close() {
      await sendThread?.close();
    },

    webhookAcknowledgement(kind) {
      return kind === "inbound"
        ? { contentType: "text/xml; charset=utf-8", body: EMPTY_TWIML }
        : { contentType: "text/plain; charset=utf-8", body: "" };
    },

    async findSent(message, since, operation) {
      const signal = operation?.signal;
      const from = message.from ?? options.from;
      // Twilio's dates have whole seconds and its own clock: allow a little before `since`.
      const earliest = Math.floor(since.getTime() / 1000) * 1000 - options.findSentToleranceSeconds * 1000;
      try {
        // No DateSent filter: date_sent stays null while a message is queued, so Twilio's date filter would
        // hide exactly the messages a crash leaves behind. Dates are compared here, on date_created.
        let page: MessagePage = await callTwilio(signal, () =>
          client.messages.page({
            to: message.to,
            ...(from !== undefined ? { from } : {}),
            pageSize: FIND_SENT_PAGE_SIZE,
          }),
        );
        let scanned = 0;
        let found: TwilioMessage | undefined;
        for (;;) {
          for (const instance of page.instances) {
            scanned += 1;
            const candidate = TwilioMessage.safeParse(instance);
            if (!candidate.success) continue;
            const m = candidate.data;
            if (m.direction?.startsWith("outbound") === false) continue;
            if (m.body !== message.body) continue;
            if (
              from === undefined &&
              options.messagingServiceSid !== undefined &&
              m.messagingServiceSid !== options.messagingServiceSid
            ) {
              continue;
            }
            const created = m.dateCreated?.getTime();
            if (created === undefined || created < earliest) continue;
            if (found === undefined || created < (found.dateCreated?.getTime() ?? Number.POSITIVE_INFINITY)) {
              found = m;
            }
          }
          if (scanned >= FIND_SENT_SCAN_LIMIT) break;
          const current = page;
          const next = current.nextPage();
          if (next === undefined) break;
          page = await callTwilio(signal, () => next);
        }
        return found === undefined ? null : sendResult(found, message.body, "findSent");
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw mapTwilioError(error, "findSent");
      }
    },
  };

  if (options.lookup) {
    transport.lookup = async (
      phone: E164PhoneNumber,
      operation?: OperationOptions,
    ): Promise<LineTypeLookup> => {
      const signal = operation?.signal;
      try {
        const instance = await callTwilio(signal, () =>
          client.lookups.v2.phoneNumbers(phone).fetch({ fields: "line_type_intelligence" }),
        );
        const parsed = TwilioPhoneNumber.safeParse(instance);
        if (!parsed.success) {
          throw new ProviderError({
            provider: "twilio",
            message: "Twilio Lookup returned a response without the expected fields.",
            details: { operation: "lookup" },
            cause: parsed.error,
          });
        }
        if (parsed.data.valid === false) {
          throw new ProviderError({
            provider: "twilio",
            code: "invalid_recipient",
            message: "Twilio Lookup reports that the number is not a valid phone number.",
            details: { operation: "lookup", failureReason: "invalid_recipient" },
          });
        }
        const intelligence = parsed.data.lineTypeIntelligence;
        const lineType = LINE_TYPES[intelligence?.type ?? ""] ?? "unknown";
        const carrier = intelligence?.carrierName ?? undefined;
        return carrier !== undefined && carrier !== "" ? { lineType, carrier } : { lineType };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw mapTwilioError(error, "lookup");
      }
    };
  }

  return transport;
}

/**
 * Twilio's `ValidityPeriod` for a message's `validityPeriodSeconds`: whole seconds, at least 1 and at most
 * 36,000 (Twilio's maximum, which is also its default). Throws `InvalidInputError` for a value that is not
 * a positive number.
 */
export function clampValidityPeriod(seconds: number): number {
  if (typeof seconds !== "number" || !(seconds > 0)) {
    throw new InvalidInputError({
      field: "validityPeriodSeconds",
      value: seconds,
      reason: "must be a positive number of seconds",
    });
  }
  return Math.min(TWILIO_VALIDITY_PERIOD.max, Math.max(TWILIO_VALIDITY_PERIOD.min, Math.floor(seconds)));
}

function sendResult(instance: unknown, body: string, operation: "send" | "findSent"): SmsSendResult {
  const parsed = TwilioSendReply.safeParse(instance);
  if (!parsed.success) {
    throw new ProviderError({
      provider: "twilio",
      message:
        "Twilio answered without a message sid; the message may or may not have been taken. Check the Twilio Console before sending it again.",
      details: { operation },
      cause: parsed.error,
    });
  }
  const { sid, status, numSegments } = parsed.data;
  const reported = numSegments === null || numSegments === undefined ? Number.NaN : Number(numSegments);
  return {
    providerId: sid,
    // Twilio answers a create with queued (or accepted, through a Messaging Service).
    status: STATUSES[status ?? ""] ?? "queued",
    segments: Number.isInteger(reported) && reported >= 1 ? reported : smsSegments(body).segments,
  };
}

/** Parses a form body into single values (Twilio's webhooks repeat no names). */
function parseForm(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody));
}

/** Parses a form body keeping every value of a repeated name, as the signature covers them all. */
function parseFormParams(rawBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else if (typeof existing === "string") params[name] = [existing, value];
    else existing.push(value);
  }
  return params;
}

function parseWebhook<T extends z.ZodType>(
  schema: T,
  raw: Record<string, string>,
  kind: "inbound-message" | "status-callback",
): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const field = String(result.error.issues[0]?.path[0] ?? "body");
  throw missing(field, kind, raw[field]);
}

function missing(field: string, kind: string, value?: unknown): InvalidInputError {
  return new InvalidInputError({
    field,
    value,
    reason: `${value === undefined ? "is missing" : "is malformed"}: not a Twilio ${kind} webhook`,
  });
}
