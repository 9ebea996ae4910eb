/**
 * The Twilio {@link VoiceTransportV1}: places calls with the official SDK's `calls.create` (status
 * callbacks, asynchronous answering-machine detection), dials contacts into a volunteer's conference
 * (`conferences(name).participants.create`), moves, redirects and hangs up live calls
 * (`calls(sid).update`), renders answer instructions as TwiML with the SDK's `VoiceResponse`, parses
 * call-status and AMD callbacks, and verifies `X-Twilio-Signature` with the SDK's `validateRequest`.
 *
 * **No idempotency.** Twilio's Calls API takes no idempotency key, so `OutboundCall.idempotencyKey` is not
 * forwarded and a request whose answer was lost may or may not have rung the voter. Such a failure is
 * never reported as retryable: it carries `details.failureReason: "uncertain"` (see
 * `isUncertainCallError`), and the dialer must not redial automatically. `findCall` looks the call up.
 *
 * **Voicemail drop.** With `machineDetection: "detect_message_end"` Twilio reports `AnsweredBy:
 * machine_end_beep | machine_end_silence | machine_end_other` once the greeting has ended, and a `say` or
 * `play` instruction then speaks after the beep. With asynchronous AMD (the default) the result arrives as
 * a callback while the call already runs its answer instructions, so the dialer drops the message with
 * `redirect(callSid, { action: "say" | "play", ... })`; with `asyncAmd: false` Twilio waits for the result
 * before fetching the answer URL and posts `AnsweredBy` with it, so the answer URL itself can return the
 * `say`/`play` instructions (read `AnsweredBy` with `parseStatus`).
 *
 * @module
 */

import {
  type AddToConferenceInput,
  type AnsweredBy,
  type AnswerInstructions,
  type AnswerInstructionsInput,
  type CallResult,
  type CallStatus,
  type CallStatusUpdate,
  ConfigError,
  InvalidInputError,
  type JoinConferenceInput,
  type MachineDetectionMode,
  NotFoundError,
  type OperationOptions,
  type OutboundCall,
  PrecinctError,
  ProviderError,
  type VoiceConference,
  type VoiceTransportV1,
  type WebhookRequest,
} from "@precinct/core";
import Twilio from "twilio";
import { z } from "zod";
import { mapTwilioVoiceError, type TwilioVoiceOperationName } from "./twilio-error.js";
import type { TwilioClient } from "./twilio-options.js";
import { callTwilio } from "./twilio-request-client.js";

/** Options for `provider.voice()`: the defaults every call falls back to. */
export interface TwilioVoiceOptions {
  /**
   * The default caller id (E.164, a Twilio number of the account or a verified caller id). It is the
   * `callerId` of `dial` instructions that name none — without it Twilio would show the calling party's
   * own number, which for a volunteer calling in from a personal phone is that volunteer's number — and it
   * stands in for a call's `from` when that is blank.
   */
  readonly from?: string;
  /** The public URL Twilio posts call-status callbacks to, unless a call names its own. */
  readonly statusCallbackUrl?: string;
  /**
   * Where Twilio posts asynchronous answering-machine-detection results (`AnsweredBy`). Default: the
   * call's status callback URL, so one route receives both; `parseStatus` reads either.
   */
  readonly amdStatusCallbackUrl?: string;
  /**
   * Answering-machine detection for calls that do not ask for it themselves. Default: none (no detection:
   * Twilio bills each detection, and preview dialing does not need it).
   */
  readonly machineDetection?: MachineDetectionMode;
  /**
   * Run answering-machine detection asynchronously (`AsyncAmd=true`), as the default: the call connects at
   * once and the result arrives as a callback. Predictive dialing needs this — a voter who says hello must
   * hear a volunteer (or the recorded message) within 2 seconds. With `false`, Twilio waits for the result
   * before fetching the answer URL and posts `AnsweredBy` with it. Default true.
   */
  readonly asyncAmd?: boolean;
  /** Seconds Twilio may spend detecting a machine (Twilio's `MachineDetectionTimeout`, 3–59). Default Twilio's 30. */
  readonly machineDetectionTimeoutSeconds?: number;
  /**
   * Seconds to ring before giving up, for calls that do not say. The FCC expects at least 15 (DOMAIN.md,
   * "Phone banking"), so less is a `ConfigError`; Twilio's maximum is 600. Default Twilio's 60.
   */
  readonly timeoutSeconds?: number;
  /** The `<Say>` voice (`Polly.Joanna`, `Google.en-US-Standard-C`, ...). Default Twilio's. */
  readonly sayVoice?: string;
  /**
   * Whether a volunteer in the conference hears a contact's call ringing (`EarlyMedia` of
   * `conference.add`). Default Twilio's (true).
   */
  readonly earlyMedia?: boolean;
  /**
   * The conference beep when a contact joins or leaves (`Beep` of `conference.add`): `true`, `false`,
   * `"onEnter"` or `"onExit"`. Default Twilio's (true).
   */
  readonly conferenceBeep?: boolean | "onEnter" | "onExit";
  /**
   * How many seconds before `since` a call may have been created and still be found by `findCall()`:
   * Twilio's timestamps have whole seconds and its clock is not ours. Default 5.
   */
  readonly findCallToleranceSeconds?: number;
}

/** The Twilio voice transport: {@link VoiceTransportV1} with every optional capability, plus Twilio extras. */
export interface TwilioVoiceTransport extends VoiceTransportV1 {
  /** Always `twilio`. */
  readonly provider: "twilio";
  /** Always true: `Enable` and `DetectMessageEnd` are both supported. */
  readonly machineDetection: true;
  /** Conference rooms by friendly name: `join` moves a live call in, `add` dials a contact in. */
  readonly conference: VoiceConference;
  /**
   * Places a call with `calls.create`: `To` (E.164, or `client:<identity>` for a volunteer's browser),
   * `From`, `Url` (the answer URL), `StatusCallback` with events initiated, ringing, answered and
   * completed, `Timeout` (15–600 s; less is an `InvalidInputError`), and with machine detection
   * `MachineDetection` (`Enable` | `DetectMessageEnd`) plus `AsyncAmd=true` and `AsyncAmdStatusCallback`.
   * The `idempotencyKey` and `metadata` are not forwarded: Twilio calls take neither. A lost answer is an
   * `uncertain` error, never a retryable one.
   */
  call(params: OutboundCall, options?: OperationOptions): Promise<CallResult>;
  /**
   * Renders TwiML with the SDK's `VoiceResponse` (`application/xml`): `conference` →
   * `<Dial><Conference>`, `dial` → `<Dial><Number>` (or `<Client>`), `say` → `<Say>` then `<Hangup/>`,
   * `play` → `<Play>` then `<Hangup/>`, `hangup` → `<Hangup/>`. Text is XML-escaped by the SDK.
   */
  answerInstructions(params: AnswerInstructionsInput): AnswerInstructions;
  /**
   * Ends a call (`Status=completed`, which also stops a call still ringing). A call that has already ended
   * is not an error; an unknown sid is a `NotFoundError`.
   */
  hangup(providerId: string, options?: OperationOptions): Promise<void>;
  /**
   * Replaces what a live call is doing with new instructions (`calls(sid).update({ twiml })`): the
   * voicemail drop after an asynchronous AMD result, or the recorded message for an abandoned call (the v1
   * contract's optional `redirect` capability). A call that has ended fails as `call_ended`; an unknown
   * sid is a `NotFoundError`.
   */
  redirect(
    providerId: string,
    instructions: AnswerInstructionsInput,
    options?: OperationOptions,
  ): Promise<void>;
  /**
   * Parses a call-status callback (`CallSid`, `CallStatus`, `AnsweredBy`, `CallDuration`, `Timestamp`),
   * the asynchronous AMD callback (`CallSid`, `AnsweredBy`, no status: reported as `in-progress`, since
   * only an answered call is classified), or the answer URL's own request.
   */
  parseStatus(request: WebhookRequest): CallStatusUpdate;
  /**
   * Checks `X-Twilio-Signature` over the public URL and the form parameters of the raw body (or, when the
   * URL carries `bodySHA256`, over the URL and the body's hash). False when the header is missing.
   */
  verifyWebhook(request: WebhookRequest): boolean;
  /**
   * Finds a call to `call.to` from `call.from`, created at or after `since`, by listing the account's
   * calls: how to settle an `uncertain` failure. Returns the earliest such call, or null. Looks at the
   * most recent 1,000 calls to that number at most.
   */
  findCall(
    call: Pick<OutboundCall, "to" | "from">,
    since: Date,
    options?: OperationOptions,
  ): Promise<CallResult | null>;
}

/** Twilio's ring-timeout bounds for outbound calls, in seconds: the FCC's 15 and Twilio's 600. */
export const TWILIO_RING_TIMEOUT = { min: 15, max: 600 } as const;

/** The call-progress events every call and participant subscribes its status callback to. */
export const TWILIO_STATUS_CALLBACK_EVENTS = ["initiated", "ringing", "answered", "completed"] as const;

/** Twilio's `<Say>` accepts at most this many characters. */
const MAX_SAY_LENGTH = 4096;
/** Twilio's limit on a conference's friendly name. */
const MAX_CONFERENCE_NAME = 128;
const FIND_CALL_SCAN_LIMIT = 1000;
const FIND_CALL_PAGE_SIZE = 100;

const E164 = /^\+[1-9]\d{1,14}$/;
// Twilio Voice SDK identities: letters, digits and underscores only; other characters make calls fail.
const CLIENT = /^client:[A-Za-z0-9_]{1,256}$/;
const SIP = /^sip:[^\s@]+@[^\s@]+$/;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const voiceOptionsSchema = z.strictObject({
  from: z.string().trim().regex(E164, "must be an E.164 number (+19195550123)").optional(),
  statusCallbackUrl: httpUrl.optional(),
  amdStatusCallbackUrl: httpUrl.optional(),
  machineDetection: z.enum(["enable", "detect_message_end"]).optional(),
  asyncAmd: z.boolean().default(true),
  machineDetectionTimeoutSeconds: z.number().int().min(3).max(59).optional(),
  timeoutSeconds: z
    .number()
    .int()
    .min(
      TWILIO_RING_TIMEOUT.min,
      "must be at least 15 seconds: the FCC expects a call to ring at least 15 s before it is abandoned",
    )
    .max(TWILIO_RING_TIMEOUT.max, "must be at most 600 seconds (Twilio's maximum)")
    .optional(),
  sayVoice: z.string().trim().min(1).optional(),
  earlyMedia: z.boolean().optional(),
  conferenceBeep: z.union([z.boolean(), z.enum(["onEnter", "onExit"])]).optional(),
  findCallToleranceSeconds: z.number().int().min(0).max(3600).default(5),
});

/** {@link TwilioVoiceOptions} after validation and defaults. */
export type ResolvedTwilioVoiceOptions = z.output<typeof voiceOptionsSchema>;

/** @internal Validates {@link TwilioVoiceOptions}; a bad option is a `ConfigError` naming it. */
export function parseVoiceOptions(options: unknown): ResolvedTwilioVoiceOptions {
  const result = voiceOptionsSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const where = path === "" ? "twilio voice options" : `twilio voice options: \`${path}\``;
  const reason =
    issue?.code === "unrecognized_keys"
      ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(", ")}`
      : (issue?.message ?? "is invalid");
  throw new ConfigError(`${where} ${reason}.`, {
    details: { setting: path || "options" },
    cause: result.error,
  });
}

/** @internal What `provider.voice()` hands the transport. */
export interface TwilioVoiceContext {
  readonly client: TwilioClient;
  readonly authToken: string;
  readonly options: ResolvedTwilioVoiceOptions;
}

type CallCreateParams = Parameters<TwilioClient["calls"]["create"]>[0];
type ParticipantCreateParams = Parameters<
  ReturnType<TwilioClient["conferences"]>["participants"]["create"]
>[0];
type SayAttributes = NonNullable<Parameters<Twilio.twiml.VoiceResponse["say"]>[0]>;

/** The part of the SDK's list page `findCall` reads. */
interface CallPage {
  readonly instances: readonly unknown[];
  nextPage(): Promise<CallPage> | undefined;
}

// Lenient: Twilio adds fields over time; only what the transport reads is checked.
const sdkDate = z.date().nullish().catch(null);
const TwilioCall = z.looseObject({
  sid: z.string().regex(CALL_SID),
  status: z.string().nullish(),
  to: z.string().nullish(),
  from: z.string().nullish(),
  direction: z.string().nullish(),
  dateCreated: sdkDate,
});
const TwilioParticipant = z.looseObject({
  callSid: z.string().regex(CALL_SID),
  status: z.string().nullish(),
});
const TwilioCallWebhook = z.looseObject({
  CallSid: z.string().min(1),
  CallStatus: z.string().min(1).optional(),
  AnsweredBy: z.string().optional(),
  CallDuration: z.string().optional(),
  Timestamp: z.string().optional(),
});

const CALL_STATUSES: ReadonlySet<string> = new Set<CallStatus>([
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "no-answer",
  "canceled",
  "failed",
]);

const ANSWERED_BY: ReadonlySet<string> = new Set<AnsweredBy>([
  "human",
  "machine_start",
  "machine_end_beep",
  "machine_end_silence",
  "machine_end_other",
  "fax",
  "unknown",
]);

/** A conference participant's status, as the contract's call status. */
const PARTICIPANT_STATUSES: Readonly<Record<string, CallStatus>> = {
  queued: "queued",
  connecting: "initiated",
  ringing: "ringing",
  connected: "in-progress",
  complete: "completed",
  failed: "failed",
};

const MACHINE_DETECTION: Readonly<Record<MachineDetectionMode, string>> = {
  enable: "Enable",
  detect_message_end: "DetectMessageEnd",
};

/** @internal Creates the transport; use `createTwilio(settings).voice(options)`. */
export function createTwilioVoiceTransport(context: TwilioVoiceContext): TwilioVoiceTransport {
  const { client, authToken, options } = context;

  /** Runs one SDK request, mapping its failure; an abort rejects with the signal's reason. */
  const request = async <T>(
    operation: TwilioVoiceOperationName,
    signal: AbortSignal | undefined,
    run: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await callTwilio(signal, run);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw mapTwilioVoiceError(error, operation);
    }
  };

  const machineDetectionParams = (mode: MachineDetectionMode | undefined) => {
    if (mode === undefined) return {};
    const value = MACHINE_DETECTION[mode];
    if (value === undefined) {
      throw new InvalidInputError({
        field: "machineDetection",
        value: mode,
        reason: 'must be "enable" or "detect_message_end"',
      });
    }
    return {
      machineDetection: value,
      ...(options.machineDetectionTimeoutSeconds !== undefined
        ? { machineDetectionTimeout: options.machineDetectionTimeoutSeconds }
        : {}),
    };
  };

  const callParams = (params: OutboundCall): CallCreateParams => {
    const to = callee("to", params.to);
    const from = callerId("from", blankToUndefined(params.from) ?? options.from);
    const url = absoluteUrl("answerUrl", params.answerUrl);
    const statusCallback =
      optionalUrl("statusCallbackUrl", params.statusCallbackUrl) ?? options.statusCallbackUrl;
    const timeout = ringTimeout(params.timeoutSeconds ?? options.timeoutSeconds);
    const mode = params.machineDetection ?? options.machineDetection;
    const amd = machineDetectionParams(mode);
    let asyncAmd: Partial<CallCreateParams> = {};
    if (mode !== undefined && options.asyncAmd) {
      const amdCallback = options.amdStatusCallbackUrl ?? statusCallback;
      if (amdCallback === undefined) {
        throw new InvalidInputError({
          field: "statusCallbackUrl",
          value: params.statusCallbackUrl,
          reason:
            "asynchronous machine detection posts its result to a URL: give the call a statusCallbackUrl or configure the transport's statusCallbackUrl or amdStatusCallbackUrl",
        });
      }
      asyncAmd = {
        asyncAmd: "true",
        asyncAmdStatusCallback: amdCallback,
        asyncAmdStatusCallbackMethod: "POST",
      };
    }
    return {
      to,
      from,
      url,
      method: "POST",
      ...(statusCallback !== undefined
        ? {
            statusCallback,
            statusCallbackMethod: "POST",
            statusCallbackEvent: [...TWILIO_STATUS_CALLBACK_EVENTS],
          }
        : {}),
      ...(timeout !== undefined ? { timeout } : {}),
      ...amd,
      ...asyncAmd,
    };
  };

  const participantParams = (input: AddToConferenceInput): ParticipantCreateParams => {
    const to = callee("to", input.to);
    const from = callerId("from", blankToUndefined(input.from) ?? options.from);
    const statusCallback =
      optionalUrl("statusCallbackUrl", input.statusCallbackUrl) ?? options.statusCallbackUrl;
    const timeout = ringTimeout(input.timeoutSeconds ?? options.timeoutSeconds);
    const mode = input.machineDetection ?? options.machineDetection;
    const amdCallback = mode === undefined ? undefined : (options.amdStatusCallbackUrl ?? statusCallback);
    const beep = options.conferenceBeep;
    return {
      from,
      to,
      ...(statusCallback !== undefined
        ? {
            statusCallback,
            statusCallbackMethod: "POST",
            statusCallbackEvent: [...TWILIO_STATUS_CALLBACK_EVENTS],
          }
        : {}),
      ...(timeout !== undefined ? { timeout } : {}),
      ...machineDetectionParams(mode),
      // The Participants API takes no AsyncAmd* (Twilio warns 21263): it posts AMD results to AmdStatusCallback.
      ...(amdCallback !== undefined
        ? { amdStatusCallback: amdCallback, amdStatusCallbackMethod: "POST" }
        : {}),
      ...(options.earlyMedia !== undefined ? { earlyMedia: options.earlyMedia } : {}),
      ...(beep !== undefined ? { beep: String(beep) } : {}),
    };
  };

  const render = (input: AnswerInstructionsInput): string => {
    if (typeof input !== "object" || input === null) {
      throw new InvalidInputError({
        field: "action",
        value: input,
        reason: "instructions must be an object",
      });
    }
    try {
      return build(input);
    } catch (error) {
      if (PrecinctError.isInstance(error)) throw error;
      // xmlbuilder refuses characters XML cannot carry (control characters); nothing else fails here.
      throw new InvalidInputError({
        field: input.action === "say" ? "text" : "instructions",
        value: input,
        reason: `cannot be written as TwiML: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  };

  const build = (input: AnswerInstructionsInput): string => {
    const response = new Twilio.twiml.VoiceResponse();
    switch (input.action) {
      case "conference": {
        const dial = response.dial();
        dial.conference(
          {
            ...(input.startConferenceOnEnter !== undefined
              ? { startConferenceOnEnter: input.startConferenceOnEnter }
              : {}),
            ...(input.endConferenceOnExit !== undefined
              ? { endConferenceOnExit: input.endConferenceOnExit }
              : {}),
            ...(input.beep !== undefined ? { beep: input.beep ? "true" : "false" } : {}),
          },
          conferenceName(input.conferenceName),
        );
        break;
      }
      case "dial": {
        const to = callee("to", input.to);
        const callerIdValue = input.callerId ?? options.from;
        const timeout = input.timeoutSeconds === undefined ? undefined : ringTimeout(input.timeoutSeconds);
        const dial = response.dial({
          ...(callerIdValue !== undefined ? { callerId: callerId("callerId", callerIdValue) } : {}),
          ...(timeout !== undefined ? { timeout } : {}),
        });
        if (to.startsWith("client:")) dial.client(to.slice("client:".length));
        else if (to.startsWith("sip:")) dial.sip(to);
        else dial.number(to);
        break;
      }
      case "say": {
        response.say(sayAttributes(input.language), sayText(input.text));
        response.hangup();
        break;
      }
      case "play": {
        response.play(absoluteUrl("audioUrl", input.audioUrl));
        response.hangup();
        break;
      }
      case "hangup":
        response.hangup();
        break;
      default:
        throw new InvalidInputError({
          field: "action",
          value: (input as { action?: unknown }).action,
          reason: 'must be "conference", "dial", "say", "play" or "hangup"',
        });
    }
    return response.toString();
  };

  const sayAttributes = (language: string | undefined): SayAttributes => {
    if (language !== undefined && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) {
      throw new InvalidInputError({
        field: "language",
        value: language,
        reason: "must be a BCP 47 tag such as en-US",
      });
    }
    return {
      ...(language !== undefined ? { language: language as SayAttributes["language"] } : {}),
      ...(options.sayVoice !== undefined ? { voice: options.sayVoice as SayAttributes["voice"] } : {}),
    };
  };

  const update = async (
    operation: "conference.join" | "hangup" | "redirect",
    providerId: string,
    params: { twiml: string } | { status: "completed" },
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    const sid = callSid(providerId);
    try {
      await request(operation, signal, () => client.calls(sid).update(params));
    } catch (error) {
      if (signal?.aborted) throw error;
      if (PrecinctError.isInstance(error) && error.statusCode === 404) throw new NotFoundError("Call", sid);
      // Hanging up a call that already ended is done, not failed (it races with the voter hanging up).
      if (
        operation === "hangup" &&
        PrecinctError.isInstance(error) &&
        error.details.failureReason === "call_ended"
      ) {
        return;
      }
      throw error;
    }
  };

  const conference: VoiceConference = {
    async join(input: JoinConferenceInput, operation?: OperationOptions) {
      const twiml = render({
        action: "conference",
        conferenceName: input.conferenceName,
        ...(input.startConferenceOnEnter !== undefined
          ? { startConferenceOnEnter: input.startConferenceOnEnter }
          : {}),
        ...(input.endConferenceOnExit !== undefined
          ? { endConferenceOnExit: input.endConferenceOnExit }
          : {}),
      });
      await update("conference.join", input.providerId, { twiml }, operation?.signal);
    },

    async add(input: AddToConferenceInput, operation?: OperationOptions) {
      const name = conferenceName(input.conferenceName);
      const params = participantParams(input);
      const signal = operation?.signal;
      // The SDK puts the name into the path unencoded; Twilio accepts a friendly name in place of the CF sid.
      const created = await request("conference.add", signal, () =>
        client.conferences(encodeURIComponent(name)).participants.create(params),
      );
      const parsed = TwilioParticipant.safeParse(created);
      if (!parsed.success) throw unreadableAnswer("conference.add", parsed.error);
      return {
        providerId: parsed.data.callSid,
        status: PARTICIPANT_STATUSES[parsed.data.status ?? ""] ?? "queued",
      };
    },
  };

  return {
    specificationVersion: "v1",
    provider: "twilio",
    machineDetection: true,
    conference,

    async call(params, operation) {
      const signal = operation?.signal;
      signal?.throwIfAborted();
      const create = callParams(params);
      const created = await request("call", signal, () => client.calls.create(create));
      const parsed = TwilioCall.safeParse(created);
      if (!parsed.success) throw unreadableAnswer("call", parsed.error);
      return { providerId: parsed.data.sid, status: callStatus(parsed.data.status) };
    },

    answerInstructions(input) {
      return { contentType: "application/xml; charset=utf-8", body: render(input) };
    },

    async hangup(providerId, operation) {
      await update("hangup", providerId, { status: "completed" }, operation?.signal);
    },

    async redirect(providerId, instructions, operation) {
      await update("redirect", providerId, { twiml: render(instructions) }, operation?.signal);
    },

    parseStatus(webhook) {
      const raw = Object.fromEntries(new URLSearchParams(webhook.rawBody));
      const parsed = TwilioCallWebhook.safeParse(raw);
      if (!parsed.success) {
        const field = String(parsed.error.issues[0]?.path[0] ?? "CallSid");
        throw new InvalidInputError({
          field,
          value: raw[field],
          reason: `${raw[field] === undefined ? "is missing" : "is malformed"}: not a Twilio call-status webhook`,
        });
      }
      const form = parsed.data;
      let status: CallStatus;
      if (form.CallStatus !== undefined) {
        if (!CALL_STATUSES.has(form.CallStatus)) {
          throw new InvalidInputError({
            field: "CallStatus",
            value: form.CallStatus,
            reason: "is not a Twilio call status",
          });
        }
        status = form.CallStatus as CallStatus;
      } else if (form.AnsweredBy !== undefined) {
        // The asynchronous AMD callback carries no status; only an answered call gets classified.
        status = "in-progress";
      } else {
        throw new InvalidInputError({
          field: "CallStatus",
          value: undefined,
          reason: "is missing (and so is AnsweredBy): not a Twilio call-status or AMD webhook",
        });
      }
      // A value Twilio adds later is still an answer we cannot classify, not a reason to drop the callback.
      const answeredBy =
        form.AnsweredBy === undefined || form.AnsweredBy === ""
          ? undefined
          : ANSWERED_BY.has(form.AnsweredBy)
            ? (form.AnsweredBy as AnsweredBy)
            : "unknown";
      const duration =
        form.CallDuration !== undefined && /^\d+$/.test(form.CallDuration)
          ? Number(form.CallDuration)
          : Number.NaN;
      const occurredAt = form.Timestamp === undefined ? undefined : new Date(form.Timestamp);
      return {
        providerId: form.CallSid,
        status,
        ...(answeredBy !== undefined ? { answeredBy } : {}),
        ...(Number.isNaN(duration) ? {} : { durationSeconds: duration }),
        ...(occurredAt !== undefined && !Number.isNaN(occurredAt.getTime()) ? { occurredAt } : {}),
        raw,
      };
    },

    verifyWebhook(webhook) {
      const signature = webhook.request.headers.get("x-twilio-signature");
      if (signature === null || signature === "") return false;
      try {
        if (new URL(webhook.url).searchParams.has("bodySHA256")) {
          return Twilio.validateRequestWithBody(authToken, signature, webhook.url, webhook.rawBody);
        }
        return Twilio.validateRequest(authToken, signature, webhook.url, formParams(webhook.rawBody));
      } catch {
        // A malformed URL or body cannot carry a valid signature.
        return false;
      }
    },

    async findCall(call, since, operation) {
      const signal = operation?.signal;
      const to = callee("to", call.to);
      const from = blankToUndefined(call.from) ?? options.from;
      const earliest = Math.floor(since.getTime() / 1000) * 1000 - options.findCallToleranceSeconds * 1000;
      // No StartTime filter: start_time stays null while a call is queued, which is exactly the call an
      // uncertain failure leaves behind. Dates are compared here, on date_created.
      let page: CallPage = await request("findCall", signal, () =>
        client.calls.page({ to, ...(from !== undefined ? { from } : {}), pageSize: FIND_CALL_PAGE_SIZE }),
      );
      let scanned = 0;
      let found: z.output<typeof TwilioCall> | undefined;
      for (;;) {
        for (const instance of page.instances) {
          scanned += 1;
          const candidate = TwilioCall.safeParse(instance);
          if (!candidate.success) continue;
          const c = candidate.data;
          if (c.direction?.startsWith("outbound") === false) continue;
          const created = c.dateCreated?.getTime();
          if (created === undefined || created < earliest) continue;
          if (found === undefined || created < (found.dateCreated?.getTime() ?? Number.POSITIVE_INFINITY)) {
            found = c;
          }
        }
        if (scanned >= FIND_CALL_SCAN_LIMIT) break;
        const next = page.nextPage();
        if (next === undefined) break;
        page = await request("findCall", signal, () => next);
      }
      return found === undefined ? null : { providerId: found.sid, status: callStatus(found.status) };
    },
  };
}

/**
 * A ring timeout Twilio accepts: whole seconds from 15 (the FCC's minimum; less is an
 * `InvalidInputError`, since a call abandoned sooner breaks the rule) up to Twilio's 600 (more is lowered
 * to 600). `undefined` stays undefined (Twilio's default, 60).
 */
export function ringTimeout(seconds: number | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < TWILIO_RING_TIMEOUT.min) {
    throw new InvalidInputError({
      field: "timeoutSeconds",
      value: seconds,
      reason:
        "must be at least 15 seconds: the FCC expects a call to ring at least 15 s before it is abandoned",
    });
  }
  return Math.min(TWILIO_RING_TIMEOUT.max, Math.floor(seconds));
}

function callStatus(status: string | null | undefined): CallStatus {
  return status !== null && status !== undefined && CALL_STATUSES.has(status)
    ? (status as CallStatus)
    : "queued";
}

function unreadableAnswer(operation: TwilioVoiceOperationName, cause: unknown): ProviderError {
  // The request went through but its answer names no call: like a lost answer, the call may exist.
  return new ProviderError({
    provider: "twilio",
    message: `Twilio answered ${operation === "call" ? "a call request" : "a conference add"} without a call sid; the call may or may not have been placed. Do not redial automatically: wait for its status callback or look it up (findCall) first.`,
    isRetryable: false,
    details: { operation, failureReason: "uncertain", uncertain: true },
    cause,
  });
}

function blankToUndefined(value: string | undefined): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Who Twilio may call: an E.164 number, a Voice SDK client (`client:<identity>`) or a SIP address. */
function callee(field: string, value: unknown): string {
  if (typeof value === "string" && (E164.test(value) || CLIENT.test(value) || SIP.test(value))) return value;
  throw new InvalidInputError({
    field,
    value,
    reason:
      "must be an E.164 number such as +19195550123, a browser volunteer as client:<identity> (letters, digits, underscores) or a sip: address",
  });
}

/** A caller id Twilio accepts: an E.164 number, or `client:<identity>` when calling a client. */
function callerId(field: string, value: unknown): string {
  if (typeof value === "string" && (E164.test(value) || CLIENT.test(value))) return value;
  throw new InvalidInputError({
    field,
    value,
    reason:
      value === undefined
        ? "is required: pass it, or configure the transport's default `from`"
        : "must be an E.164 number such as +15550100000 (a Twilio number of the account or a verified caller id)",
  });
}

function callSid(value: unknown): string {
  if (typeof value === "string" && CALL_SID.test(value)) return value;
  throw new InvalidInputError({
    field: "providerId",
    value,
    reason: "must be a Twilio call sid (CA + 32 hex digits)",
  });
}

function absoluteUrl(field: string, value: unknown): string {
  if (typeof value === "string") {
    try {
      const url = new URL(value);
      if (url.protocol === "https:" || url.protocol === "http:") return value;
    } catch {
      // fall through to the error
    }
  }
  throw new InvalidInputError({ field, value, reason: "must be an absolute http(s) URL Twilio can reach" });
}

function optionalUrl(field: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : absoluteUrl(field, value);
}

function conferenceName(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError({ field: "conferenceName", value, reason: "must be a non-empty string" });
  }
  if (value.length > MAX_CONFERENCE_NAME) {
    throw new InvalidInputError({
      field: "conferenceName",
      value,
      reason: `must be at most ${MAX_CONFERENCE_NAME} characters (Twilio's limit)`,
    });
  }
  return value;
}

function sayText(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError({ field: "text", value, reason: "must be a non-empty string" });
  }
  if (value.length > MAX_SAY_LENGTH) {
    throw new InvalidInputError({
      field: "text",
      value,
      reason: `must be at most ${MAX_SAY_LENGTH} characters (Twilio's <Say> limit); record longer messages and use play`,
    });
  }
  return value;
}

/** Parses a form body keeping every value of a repeated name, as the signature covers them all. */
function formParams(rawBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else if (typeof existing === "string") params[name] = [existing, value];
    else existing.push(value);
  }
  return params;
}
