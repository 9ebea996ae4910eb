/**
 * An honest in-memory {@link SmsTransportV1}: it records what was sent, scripts replies, injects mapped
 * failures, produces status callbacks and signed webhooks, and never touches the network.
 *
 * @module
 */

import {
  OPT_IN_KEYWORDS as CORE_OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS as CORE_OPT_OUT_KEYWORDS,
  type E164PhoneNumber,
  type InboundSms,
  InvalidInputError,
  isMessageStatus,
  isStatusAdvance,
  type LineType,
  type LineTypeLookup,
  type MessageStatus,
  NotFoundError,
  type OperationOptions,
  type OutboundSms,
  type PrecinctError,
  type SmsFailureReason,
  type SmsSegmentInfo,
  type SmsSendResult,
  type SmsTransportV1,
  type StatusUpdate,
  smsSegments,
  type WebhookRequest,
} from "@precinct/core";
import { FailureInjector, type FakeFailureControls, fakeProviderError } from "./failures.js";
import { idSequence, parseDate, requireE164, requireString, throwIfAborted } from "./util.js";
import {
  createSignedFormWebhook,
  DEFAULT_FAKE_WEBHOOK_SECRET,
  parseForm,
  verifyFakeWebhook,
} from "./webhooks.js";

/** Options for {@link createFakeSms}. */
export interface FakeSmsOptions {
  /** The provider name the fake reports. Default `fake`. */
  readonly provider?: string;
  /** The sender used when a message has no `from`. Default `+15550100000`. */
  readonly defaultFrom?: E164PhoneNumber;
  /** The secret webhooks are signed with. Default {@link DEFAULT_FAKE_WEBHOOK_SECRET}. */
  readonly webhookSecret?: string;
  /** The public URL the fake's webhooks claim to be posted to. Default `https://precinct.test/webhooks/sms`. */
  readonly webhookUrl?: string;
  /**
   * Behave like a provider that answers opt-out keywords itself (Twilio Advanced Opt-Out): after an
   * inbound STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) the number is blocked and sends
   * to it fail with `opted_out` (21610) until it texts START, UNSTOP or YES. Default false.
   */
  readonly handlesKeywords?: boolean;
  /** The status `send()` reports. Default `queued`. */
  readonly acceptedStatus?: MessageStatus;
  /** Line types `lookup()` reports per number; others are `mobile`. */
  readonly lineTypes?: Readonly<Record<string, LineType>>;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** A message the fake accepted. */
export interface SentSms {
  /** The fake provider id (`SMfake000001`). */
  readonly providerId: string;
  /** The message as given to `send()`. */
  readonly message: OutboundSms;
  /** The sender actually used. */
  readonly from: string;
  /** How the body was encoded and split. */
  readonly segments: SmsSegmentInfo;
  /** When it was accepted. */
  readonly sentAt: Date;
  /** The current status: the accepted status, advanced by {@link FakeSmsTransport.deliver}. */
  readonly status: MessageStatus;
}

/** A send the fake refused. */
export interface FailedSms {
  /** The message as given to `send()`. */
  readonly message: OutboundSms;
  /** The mapped error it rejected with. */
  readonly error: PrecinctError;
}

/** A scripted reply: when a message goes to `to` (or to anyone), the recipient answers `reply`. */
export interface ScriptedReply {
  /** Only messages to this number trigger the reply. Absent: every message. */
  readonly to?: E164PhoneNumber;
  /** The reply text, or a function of the sent message returning it (`undefined`: no reply). */
  readonly reply: string | ((message: OutboundSms) => string | undefined);
  /** Deliver the reply this many milliseconds after the send (uses `setTimeout`). Default: at once. */
  readonly afterMs?: number;
  /** Reply only to the first matching message. Default false: every matching message. */
  readonly once?: boolean;
}

/** Input for {@link FakeSmsTransport.receive} and {@link FakeSmsTransport.inboundRequest}. */
export interface FakeInboundInput {
  /** The sender, E.164. */
  readonly from: E164PhoneNumber;
  /** Our number. Default: the fake's default sender. */
  readonly to?: E164PhoneNumber;
  /** The text. */
  readonly body: string;
  /** The provider id. Default: the next fake id. */
  readonly providerId?: string;
  /** When it was received. Default: now. */
  readonly receivedAt?: Date;
}

/** Input for {@link FakeSmsTransport.statusRequest}. */
export interface FakeStatusInput {
  /** The message's provider id. */
  readonly providerId: string;
  /** The status to report. */
  readonly status: MessageStatus;
  /** A provider error code for failed or undelivered messages. */
  readonly errorCode?: string;
  /** When it happened. Default: now. */
  readonly occurredAt?: Date;
}

/** The fake SMS transport: the contract, with every optional capability, plus inspection and control. */
export interface FakeSmsTransport extends SmsTransportV1, FakeFailureControls<OutboundSms> {
  /** Whether the fake answers opt-out keywords itself (see {@link FakeSmsOptions.handlesKeywords}). */
  readonly handlesKeywords: boolean;
  /** Always true: a repeated idempotency key returns the first result and sends nothing. */
  readonly dedupesByIdempotencyKey: boolean;
  /** Messages accepted, in order. Idempotent repeats are not recorded twice. */
  readonly sent: readonly SentSms[];
  /** Sends that failed, in order. */
  readonly failures: readonly FailedSms[];
  /** Inbound messages (scripted replies and {@link FakeSmsTransport.receive}) not yet drained. */
  readonly inbox: readonly InboundSms[];
  /** Status updates produced by {@link FakeSmsTransport.deliver}, in order. */
  readonly statusUpdates: readonly StatusUpdate[];
  /** Numbers blocked after texting an opt-out keyword (only with `handlesKeywords`). */
  readonly optedOut: ReadonlySet<string>;
  /** Parses the fake's signed form-encoded inbound webhook. */
  parseInbound(request: WebhookRequest): Promise<InboundSms>;
  /** Parses the fake's signed form-encoded status webhook. */
  parseStatus(request: WebhookRequest): Promise<StatusUpdate>;
  /** Checks the `x-fake-signature` HMAC of the raw body. */
  verifyWebhook(request: WebhookRequest): boolean;
  /** Reports the configured line type (`mobile` by default). */
  lookup(phone: E164PhoneNumber, options?: OperationOptions): Promise<LineTypeLookup>;
  /** Scripts replies to sent messages. Returns a function that removes the script. */
  scriptReply(script: ScriptedReply | ((message: OutboundSms) => string | undefined)): () => void;
  /** Simulates an unscripted inbound message: adds it to the inbox and notifies listeners. */
  receive(input: FakeInboundInput): InboundSms;
  /** Returns the inbox's messages and empties it. */
  drainInbox(): InboundSms[];
  /** Calls `listener` for every inbound message. Returns a function that unsubscribes. */
  onInbound(listener: (message: InboundSms) => void): () => void;
  /**
   * Produces a status update for a sent message (the status callback the provider would post), applies it
   * when it advances the message, and notifies listeners. Throws `NotFoundError` for an unknown id.
   */
  deliver(
    providerId: string,
    status: MessageStatus,
    options?: { readonly errorCode?: string; readonly failureReason?: SmsFailureReason },
  ): StatusUpdate;
  /** Calls `listener` for every status update. Returns a function that unsubscribes. */
  onStatus(listener: (update: StatusUpdate) => void): () => void;
  /** A signed inbound-message webhook, or a forged one (wrong signature) with `{ forged: true }`. */
  inboundRequest(input: FakeInboundInput, options?: { readonly forged?: boolean }): WebhookRequest;
  /** A signed status webhook, or a forged one with `{ forged: true }`. */
  statusRequest(input: FakeStatusInput, options?: { readonly forged?: boolean }): WebhookRequest;
  /** Resolves once every delayed scripted reply has been delivered. */
  idle(): Promise<void>;
  /** Forgets everything sent and received, scripts, failures and opt-outs; ids restart at 000001. */
  reset(): void;
}

// The keywords a carrier (and Twilio Advanced Opt-Out) answers itself: core's lists, so the two never drift.
const OPT_OUT_KEYWORDS = new Set<string>(CORE_OPT_OUT_KEYWORDS);
const OPT_IN_KEYWORDS = new Set<string>(CORE_OPT_IN_KEYWORDS);

/**
 * Creates a fake SMS transport for tests and demos. Ids are deterministic (`SMfake000001`, ...).
 *
 * @example
 * ```ts
 * const sms = createFakeSms();
 * sms.scriptReply({ to: "+19195550123", reply: "STOP" });
 * await sms.send({ to: "+19195550123", body: "Hi!", idempotencyKey: "msg-1" });
 * sms.sent[0]?.segments.segments; // 1
 * sms.drainInbox(); // [{ from: "+19195550123", body: "STOP", ... }]
 * await sms.send({ to: "+15550000000", body: "x", idempotencyKey: "m2" }); // after sms.failNext("opted_out"): rejects
 * ```
 */
export function createFakeSms(options: FakeSmsOptions = {}): FakeSmsTransport {
  const provider = options.provider ?? "fake";
  const defaultFrom = options.defaultFrom ?? "+15550100000";
  const secret = options.webhookSecret ?? DEFAULT_FAKE_WEBHOOK_SECRET;
  const webhookUrl = options.webhookUrl ?? "https://precinct.test/webhooks/sms";
  const handlesKeywords = options.handlesKeywords ?? false;
  const acceptedStatus = options.acceptedStatus ?? "queued";
  const now = options.now ?? (() => new Date());

  const ids = idSequence("SMfake");
  const failures = new FailureInjector<OutboundSms>(provider);
  const sent: SentSms[] = [];
  const byId = new Map<string, { record: SentSms; index: number }>();
  const byKey = new Map<string, SmsSendResult>();
  const failed: FailedSms[] = [];
  const inbox: InboundSms[] = [];
  const statusUpdates: StatusUpdate[] = [];
  const optedOut = new Set<string>();
  const scripts = new Set<ScriptedReply>();
  const inboundListeners = new Set<(message: InboundSms) => void>();
  const statusListeners = new Set<(update: StatusUpdate) => void>();
  const pending = new Set<{
    timer: ReturnType<typeof setTimeout>;
    done: Promise<void>;
    resolve: () => void;
  }>();

  const receive = (input: FakeInboundInput): InboundSms => {
    const message: InboundSms = {
      providerId: input.providerId ?? ids.next(),
      from: requireE164("from", input.from),
      to: input.to ?? defaultFrom,
      body: input.body,
      receivedAt: input.receivedAt ?? now(),
      raw: { from: input.from, to: input.to ?? defaultFrom, body: input.body },
    };
    if (handlesKeywords) {
      const keyword = input.body.trim().toUpperCase();
      if (OPT_OUT_KEYWORDS.has(keyword)) optedOut.add(message.from);
      if (OPT_IN_KEYWORDS.has(keyword)) optedOut.delete(message.from);
    }
    inbox.push(message);
    for (const listener of inboundListeners) listener(message);
    return message;
  };

  const runScripts = (message: OutboundSms, from: string): void => {
    for (const script of [...scripts]) {
      if (script.to !== undefined && script.to !== message.to) continue;
      const reply = typeof script.reply === "function" ? script.reply(message) : script.reply;
      if (reply === undefined) continue;
      if (script.once) scripts.delete(script);
      const deliverReply = () => receive({ from: message.to, to: from, body: reply });
      if (!script.afterMs) {
        deliverReply();
        continue;
      }
      let resolve: () => void = () => {};
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      const entry = {
        timer: setTimeout(() => {
          pending.delete(entry);
          deliverReply();
          resolve();
        }, script.afterMs),
        done,
        resolve,
      };
      pending.add(entry);
    }
  };

  const fake: FakeSmsTransport = {
    specificationVersion: "v1",
    provider,
    handlesKeywords,
    // A second send with the same key returns the first result: after a crash the engine may resend.
    dedupesByIdempotencyKey: true,
    sent,
    failures: failed,
    inbox,
    statusUpdates,
    optedOut,

    async send(message, sendOptions) {
      throwIfAborted(sendOptions?.signal);
      const key = requireString("idempotencyKey", message.idempotencyKey);
      if (typeof message.body !== "string" || (message.body === "" && !message.mediaUrls?.length)) {
        throw new InvalidInputError({
          field: "body",
          value: message.body,
          reason: "must be text or carry media",
        });
      }
      const previous = byKey.get(key);
      if (previous !== undefined) return { ...previous };

      let error = failures.take(message);
      if (error === undefined && !/^\+[1-9]\d{1,14}$/.test(message.to)) {
        error = fakeProviderError(provider, "invalid_recipient");
      }
      if (error === undefined && optedOut.has(message.to)) error = fakeProviderError(provider, "opted_out");
      if (error !== undefined) {
        failed.push({ message, error });
        throw error;
      }

      const from = message.from ?? defaultFrom;
      const segments = smsSegments(message.body);
      const record: SentSms = {
        providerId: ids.next(),
        message,
        from,
        segments,
        sentAt: now(),
        status: acceptedStatus,
      };
      byId.set(record.providerId, { record, index: sent.length });
      sent.push(record);
      const result: SmsSendResult = {
        providerId: record.providerId,
        status: acceptedStatus,
        segments: segments.segments,
      };
      byKey.set(key, result);
      runScripts(message, from);
      return { ...result };
    },

    async parseInbound(request) {
      const form = parseForm(request.rawBody);
      if (form.Type !== "inbound") {
        throw new InvalidInputError({
          field: "Type",
          value: form.Type,
          reason: "not an inbound-message webhook",
        });
      }
      return {
        providerId: requireString("MessageId", form.MessageId),
        from: requireE164("From", form.From),
        to: requireE164("To", form.To),
        body: form.Body ?? "",
        receivedAt: parseDate("ReceivedAt", form.ReceivedAt, now()),
        raw: form,
      };
    },

    async parseStatus(request) {
      const form = parseForm(request.rawBody);
      if (form.Type !== "status") {
        throw new InvalidInputError({ field: "Type", value: form.Type, reason: "not a status webhook" });
      }
      if (!isMessageStatus(form.Status)) {
        throw new InvalidInputError({
          field: "Status",
          value: form.Status,
          reason: "unknown message status",
        });
      }
      const occurredAt = parseDate("OccurredAt", form.OccurredAt);
      return {
        providerId: requireString("MessageId", form.MessageId),
        status: form.Status,
        ...(form.ErrorCode ? { errorCode: form.ErrorCode } : {}),
        ...(occurredAt ? { occurredAt } : {}),
        raw: form,
      };
    },

    verifyWebhook(request) {
      return verifyFakeWebhook(request, secret);
    },

    async lookup(phone, lookupOptions) {
      throwIfAborted(lookupOptions?.signal);
      requireE164("phone", phone);
      return { lineType: options.lineTypes?.[phone] ?? "mobile", carrier: "Fake Wireless" };
    },

    failNext: (failure, failOptions) => failures.failNext(failure, failOptions),
    failWhen: (predicate, failure) => failures.failWhen(predicate, failure),

    scriptReply(script) {
      const entry: ScriptedReply = typeof script === "function" ? { reply: script } : script;
      scripts.add(entry);
      return () => {
        scripts.delete(entry);
      };
    },

    receive,

    drainInbox() {
      return inbox.splice(0, inbox.length);
    },

    onInbound(listener) {
      inboundListeners.add(listener);
      return () => {
        inboundListeners.delete(listener);
      };
    },

    deliver(providerId, status, deliverOptions = {}) {
      const entry = byId.get(providerId);
      if (entry === undefined) throw new NotFoundError("Message", providerId);
      const update: StatusUpdate = {
        providerId,
        status,
        ...(deliverOptions.errorCode ? { errorCode: deliverOptions.errorCode } : {}),
        ...(deliverOptions.failureReason ? { failureReason: deliverOptions.failureReason } : {}),
        occurredAt: now(),
        raw: { providerId, status, errorCode: deliverOptions.errorCode },
      };
      if (isStatusAdvance(entry.record.status, status)) {
        entry.record = { ...entry.record, status };
        sent[entry.index] = entry.record;
      }
      statusUpdates.push(update);
      for (const listener of statusListeners) listener(update);
      return update;
    },

    onStatus(listener) {
      statusListeners.add(listener);
      return () => {
        statusListeners.delete(listener);
      };
    },

    inboundRequest(input, requestOptions = {}) {
      return createSignedFormWebhook(
        webhookUrl,
        {
          Type: "inbound",
          MessageId: input.providerId ?? ids.next(),
          From: input.from,
          To: input.to ?? defaultFrom,
          Body: input.body,
          ReceivedAt: (input.receivedAt ?? now()).toISOString(),
        },
        secret,
        requestOptions.forged,
      );
    },

    statusRequest(input, requestOptions = {}) {
      return createSignedFormWebhook(
        webhookUrl,
        {
          Type: "status",
          MessageId: input.providerId,
          Status: input.status,
          ErrorCode: input.errorCode,
          OccurredAt: (input.occurredAt ?? now()).toISOString(),
        },
        secret,
        requestOptions.forged,
      );
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending].map((entry) => entry.done));
    },

    reset() {
      for (const entry of pending) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      pending.clear();
      sent.length = 0;
      byId.clear();
      byKey.clear();
      failed.length = 0;
      inbox.length = 0;
      statusUpdates.length = 0;
      optedOut.clear();
      scripts.clear();
      failures.reset();
      ids.reset();
    },
  };
  return fake;
}
