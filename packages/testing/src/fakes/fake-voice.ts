/**
 * An honest in-memory {@link VoiceTransportV1} whose calls end answered, busy, unanswered or at a machine
 * according to a seeded distribution, so dialer tests are realistic and reproducible.
 *
 * @module
 */

import {
  type AnsweredBy,
  type AnswerInstructions,
  type AnswerInstructionsInput,
  type CallResult,
  type CallStatus,
  type CallStatusUpdate,
  ConfigError,
  InvalidInputError,
  NotFoundError,
  type OperationOptions,
  type OutboundCall,
  ProviderError,
  type VoiceConference,
  type VoiceTransportV1,
  type WebhookRequest,
} from "@precinct/core";
import { FailureInjector, type FakeFailureControls } from "./failures.js";
import { mulberry32 } from "./random.js";
import { idSequence, parseDate, requireE164, requireString, throwIfAborted } from "./util.js";
import {
  createSignedFormWebhook,
  DEFAULT_FAKE_WEBHOOK_SECRET,
  parseForm,
  verifyFakeWebhook,
} from "./webhooks.js";

/** How a fake call ends. */
export type FakeCallOutcome = "answered" | "machine" | "busy" | "no-answer" | "failed";

/** Relative weights of {@link FakeCallOutcome}s; they need not sum to 1. */
export type FakeCallDistribution = Readonly<Partial<Record<FakeCallOutcome, number>>>;

/** The default distribution, roughly a volunteer phone bank on a weekday evening. */
export const DEFAULT_CALL_DISTRIBUTION: FakeCallDistribution = {
  answered: 0.3,
  machine: 0.25,
  "no-answer": 0.35,
  busy: 0.05,
  failed: 0.05,
};

/** Options for {@link createFakeVoice}. */
export interface FakeVoiceOptions {
  /** The provider name the fake reports. Default `fake-voice`. */
  readonly provider?: string;
  /** The PRNG seed. The same seed and calls give the same outcomes. Default 1. */
  readonly seed?: number;
  /** Outcome weights. Default {@link DEFAULT_CALL_DISTRIBUTION}. */
  readonly outcomes?: FakeCallDistribution;
  /** Whether the fake reports `answeredBy` when a call asks for machine detection. Default true. */
  readonly machineDetection?: boolean;
  /** Whether the fake offers conference control. Default true. */
  readonly conference?: boolean;
  /**
   * Whether the fake offers `redirect` (new instructions for a live call). Default true; false makes a
   * transport that can only hang up, to test what the dialer does without the capability.
   */
  readonly redirect?: boolean;
  /** The secret webhooks are signed with. Default {@link DEFAULT_FAKE_WEBHOOK_SECRET}. */
  readonly webhookSecret?: string;
  /** The URL the fake's webhooks claim to be posted to. Default `https://precinct.test/webhooks/voice`. */
  readonly webhookUrl?: string;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** A call the fake placed. */
export interface FakeCall {
  /** The fake provider id (`CAfake000001`). */
  readonly providerId: string;
  /** The request as given (for conference adds, converted to an {@link OutboundCall}). */
  readonly params: OutboundCall;
  /** How the call ends, drawn when it was placed. */
  readonly outcome: FakeCallOutcome;
  /** Who answered, when the call asked for machine detection and the fake offers it. */
  readonly answeredBy?: AnsweredBy;
  /** The call's length in seconds if it connects. */
  readonly durationSeconds: number;
  /** The conference it was added to or joined, if any. */
  readonly conferenceName?: string;
  /** The current status. */
  readonly status: CallStatus;
}

/** A live call given new instructions with `redirect()` (the voicemail drop after asynchronous detection). */
export interface FakeRedirect {
  /** The call's provider id. */
  readonly providerId: string;
  /** The instructions it was given. */
  readonly input: AnswerInstructionsInput;
  /** The markup they were rendered as (the fake's XML dialect, as `answerInstructions` renders it). */
  readonly output: AnswerInstructions;
}

/** The fake voice transport: the contract, with every optional capability, plus inspection and control. */
export interface FakeVoiceTransport extends VoiceTransportV1, FakeFailureControls<OutboundCall> {
  /** Whether machine detection is offered. */
  readonly machineDetection: boolean;
  /** Every call placed, in order. Idempotent repeats are not recorded twice. */
  readonly calls: readonly FakeCall[];
  /** Conference rooms and the provider ids of the calls in each. */
  readonly conferences: ReadonlyMap<string, readonly string[]>;
  /** Every `answerInstructions()` input and output, in order. */
  readonly instructions: readonly {
    readonly input: AnswerInstructionsInput;
    readonly output: AnswerInstructions;
  }[];
  /**
   * Every `redirect()` that took effect, in order. A redirected call leaves its conference room (it now
   * runs the new instructions) and keeps its outcome: {@link FakeVoiceTransport.progress} still plays it.
   */
  readonly redirects: readonly FakeRedirect[];
  /** Status updates produced by {@link FakeVoiceTransport.progress}, in order. */
  readonly statusUpdates: readonly CallStatusUpdate[];
  /** Ends a call. Throws `NotFoundError` for an unknown id. */
  hangup(providerId: string, options?: OperationOptions): Promise<void>;
  /** Parses the fake's signed form-encoded call-status webhook. */
  parseStatus(request: WebhookRequest): Promise<CallStatusUpdate>;
  /** Checks the `x-fake-signature` HMAC of the raw body. */
  verifyWebhook(request: WebhookRequest): boolean;
  /**
   * Plays a call out: returns the status callbacks its outcome produces (`initiated`, `ringing`,
   * `in-progress`, `completed`, or `busy` / `no-answer` / `failed`), records them and sets the final status.
   * A call already hung up or played out produces no further updates.
   */
  progress(providerId: string): CallStatusUpdate[];
  /** A signed call-status webhook for `update`, or a forged one with `{ forged: true }`. */
  statusRequest(
    update: Omit<CallStatusUpdate, "raw" | "occurredAt"> & { readonly occurredAt?: Date },
    options?: { readonly forged?: boolean },
  ): WebhookRequest;
  /** Forgets every call; the PRNG and ids restart from the seed. */
  reset(): void;
}

/**
 * Creates a fake voice transport. Each call's outcome is drawn from `outcomes` with {@link mulberry32}
 * seeded by `seed`, so the n-th call of a test always ends the same way. `answerInstructions` renders a
 * small XML dialect (`application/xml`) that tests can assert on.
 *
 * @example
 * ```ts
 * const voice = createFakeVoice({ seed: 7, outcomes: { answered: 1 } });
 * const { providerId } = await voice.call({ to: "+19195550123", from: "+15550100000", answerUrl: "https://x.test/answer", idempotencyKey: "c1" });
 * voice.progress(providerId).map((u) => u.status); // ["initiated", "ringing", "in-progress", "completed"]
 * ```
 */
export function createFakeVoice(options: FakeVoiceOptions = {}): FakeVoiceTransport {
  const provider = options.provider ?? "fake-voice";
  const seed = options.seed ?? 1;
  const machineDetection = options.machineDetection ?? true;
  const secret = options.webhookSecret ?? DEFAULT_FAKE_WEBHOOK_SECRET;
  const webhookUrl = options.webhookUrl ?? "https://precinct.test/webhooks/voice";
  const now = options.now ?? (() => new Date());
  const weights = normalizeDistribution(options.outcomes ?? DEFAULT_CALL_DISTRIBUTION);

  let random = mulberry32(seed);
  const ids = idSequence("CAfake");
  const failures = new FailureInjector<OutboundCall>(provider);
  const calls: FakeCall[] = [];
  const byId = new Map<string, number>();
  const byKey = new Map<string, CallResult>();
  const finished = new Set<string>();
  const conferences = new Map<string, string[]>();
  const instructions: { input: AnswerInstructionsInput; output: AnswerInstructions }[] = [];
  const redirects: FakeRedirect[] = [];
  const statusUpdates: CallStatusUpdate[] = [];

  const get = (providerId: string): FakeCall => {
    const index = byId.get(providerId);
    const call = index === undefined ? undefined : calls[index];
    if (index === undefined || call === undefined) throw new NotFoundError("Call", providerId);
    return call;
  };
  const update = (providerId: string, change: Partial<FakeCall>): void => {
    const index = byId.get(providerId);
    const call = index === undefined ? undefined : calls[index];
    if (index !== undefined && call !== undefined) calls[index] = { ...call, ...change };
  };
  const joinRoom = (conferenceName: string, providerId: string): void => {
    const room = conferences.get(conferenceName) ?? [];
    if (!room.includes(providerId)) room.push(providerId);
    conferences.set(conferenceName, room);
  };

  const place = async (
    params: OutboundCall,
    signal?: AbortSignal,
    conferenceName?: string,
  ): Promise<CallResult> => {
    throwIfAborted(signal);
    const key = requireString("idempotencyKey", params.idempotencyKey);
    requireE164("to", params.to);
    requireE164("from", params.from);
    const timeout = params.timeoutSeconds;
    // The FCC expects a call to ring at least 15 s before it is abandoned; a real transport refuses less.
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 15)) {
      throw new InvalidInputError({
        field: "timeoutSeconds",
        value: timeout,
        reason: "must be at least 15 seconds (the FCC's minimum ring time)",
      });
    }
    const previous = byKey.get(key);
    if (previous !== undefined) return { ...previous };
    const error = failures.take(params);
    if (error !== undefined) throw error;

    const outcome = draw(weights, random());
    const durationSeconds = 20 + Math.floor(random() * 280);
    const detects = machineDetection && params.machineDetection !== undefined;
    let answeredBy: AnsweredBy | undefined;
    if (detects && outcome === "answered") answeredBy = "human";
    if (detects && outcome === "machine") {
      answeredBy = params.machineDetection === "detect_message_end" ? "machine_end_beep" : "machine_start";
    }
    const call: FakeCall = {
      providerId: ids.next(),
      params,
      outcome,
      ...(answeredBy !== undefined ? { answeredBy } : {}),
      durationSeconds,
      ...(conferenceName !== undefined ? { conferenceName } : {}),
      status: "queued",
    };
    byId.set(call.providerId, calls.length);
    calls.push(call);
    if (conferenceName !== undefined) joinRoom(conferenceName, call.providerId);
    const result: CallResult = { providerId: call.providerId, status: "queued" };
    byKey.set(key, result);
    return { ...result };
  };

  const statusFor = (
    call: FakeCall,
    status: CallStatus,
    extra: Partial<CallStatusUpdate> = {},
  ): CallStatusUpdate => {
    const base = { providerId: call.providerId, status, occurredAt: now(), ...extra };
    return { ...base, raw: { ...base, occurredAt: base.occurredAt.toISOString() } };
  };

  const conference: VoiceConference = {
    async join(input, joinOptions) {
      throwIfAborted(joinOptions?.signal);
      const call = get(input.providerId);
      joinRoom(requireString("conferenceName", input.conferenceName), call.providerId);
      update(call.providerId, { conferenceName: input.conferenceName });
    },
    add(input, addOptions) {
      const params: OutboundCall = {
        to: input.to,
        from: input.from,
        answerUrl: `${webhookUrl}/conference/${encodeURIComponent(input.conferenceName)}`,
        idempotencyKey: input.idempotencyKey,
        ...(input.statusCallbackUrl !== undefined ? { statusCallbackUrl: input.statusCallbackUrl } : {}),
        ...(input.timeoutSeconds !== undefined ? { timeoutSeconds: input.timeoutSeconds } : {}),
        ...(input.machineDetection !== undefined ? { machineDetection: input.machineDetection } : {}),
      };
      return place(params, addOptions?.signal, requireString("conferenceName", input.conferenceName));
    },
  };

  const redirect = async (
    providerId: string,
    input: AnswerInstructionsInput,
    redirectOptions?: OperationOptions,
  ): Promise<void> => {
    throwIfAborted(redirectOptions?.signal);
    const call = get(providerId);
    // Like Twilio (21220): a call that has ended cannot be given new instructions.
    if (finished.has(providerId)) {
      throw new ProviderError({
        provider,
        message: `${provider}: call ${providerId} has ended (${call.status}) and cannot be redirected.`,
        isRetryable: false,
        statusCode: 400,
        details: { failureReason: "call_ended" },
      });
    }
    const output: AnswerInstructions = { contentType: "application/xml", body: renderInstructions(input) };
    if (call.conferenceName !== undefined) {
      const room = conferences.get(call.conferenceName)?.filter((id) => id !== providerId) ?? [];
      if (room.length > 0) conferences.set(call.conferenceName, room);
      else conferences.delete(call.conferenceName);
      const index = byId.get(providerId)!;
      const { conferenceName: _left, ...rest } = call;
      calls[index] = rest;
    }
    redirects.push({ providerId, input, output });
  };

  const fake: FakeVoiceTransport = {
    specificationVersion: "v1",
    provider,
    machineDetection,
    calls,
    conferences,
    instructions,
    redirects,
    statusUpdates,

    call: (params, callOptions) => place(params, callOptions?.signal),

    answerInstructions(input) {
      const output: AnswerInstructions = { contentType: "application/xml", body: renderInstructions(input) };
      instructions.push({ input, output });
      return output;
    },

    async hangup(providerId, hangupOptions) {
      throwIfAborted(hangupOptions?.signal);
      const call = get(providerId);
      if (finished.has(providerId)) return;
      finished.add(providerId);
      update(providerId, { status: call.status === "in-progress" ? "completed" : "canceled" });
    },

    async parseStatus(request) {
      const form = parseForm(request.rawBody);
      if (form.Type !== "call-status") {
        throw new InvalidInputError({ field: "Type", value: form.Type, reason: "not a call-status webhook" });
      }
      const status = form.CallStatus as CallStatus;
      if (!CALL_STATUS_SET.has(status)) {
        throw new InvalidInputError({
          field: "CallStatus",
          value: form.CallStatus,
          reason: "unknown call status",
        });
      }
      const answeredBy = form.AnsweredBy as AnsweredBy | undefined;
      if (answeredBy !== undefined && !ANSWERED_BY_SET.has(answeredBy)) {
        throw new InvalidInputError({ field: "AnsweredBy", value: answeredBy, reason: "unknown AnsweredBy" });
      }
      const occurredAt = parseDate("OccurredAt", form.OccurredAt);
      return {
        providerId: requireString("CallId", form.CallId),
        status,
        ...(answeredBy !== undefined ? { answeredBy } : {}),
        ...(form.Duration !== undefined ? { durationSeconds: Number(form.Duration) } : {}),
        ...(occurredAt ? { occurredAt } : {}),
        raw: form,
      };
    },

    verifyWebhook(request) {
      return verifyFakeWebhook(request, secret);
    },

    ...(options.conference === false ? {} : { conference }),
    ...(options.redirect === false ? {} : { redirect }),

    failNext: (failure, failOptions) => failures.failNext(failure, failOptions),
    failWhen: (predicate, failure) => failures.failWhen(predicate, failure),

    progress(providerId) {
      const call = get(providerId);
      if (finished.has(providerId)) return [];
      finished.add(providerId);
      const updates: CallStatusUpdate[] = [];
      const push = (status: CallStatus, extra: Partial<CallStatusUpdate> = {}) =>
        updates.push(statusFor(call, status, extra));
      const answered = call.answeredBy !== undefined ? { answeredBy: call.answeredBy } : {};
      switch (call.outcome) {
        case "failed":
          push("failed");
          break;
        case "busy":
          push("initiated");
          push("busy");
          break;
        case "no-answer":
          push("initiated");
          push("ringing");
          push("no-answer");
          break;
        default:
          push("initiated");
          push("ringing");
          push("in-progress", answered);
          push("completed", { ...answered, durationSeconds: call.durationSeconds });
      }
      statusUpdates.push(...updates);
      const last = updates[updates.length - 1];
      if (last !== undefined) update(providerId, { status: last.status });
      return updates;
    },

    statusRequest(input, requestOptions = {}) {
      return createSignedFormWebhook(
        webhookUrl,
        {
          Type: "call-status",
          CallId: input.providerId,
          CallStatus: input.status,
          AnsweredBy: input.answeredBy,
          Duration: input.durationSeconds === undefined ? undefined : String(input.durationSeconds),
          OccurredAt: (input.occurredAt ?? now()).toISOString(),
        },
        secret,
        requestOptions.forged,
      );
    },

    reset() {
      random = mulberry32(seed);
      ids.reset();
      calls.length = 0;
      byId.clear();
      byKey.clear();
      finished.clear();
      conferences.clear();
      instructions.length = 0;
      redirects.length = 0;
      statusUpdates.length = 0;
      failures.reset();
    },
  };
  return fake;
}

const CALL_STATUS_SET: ReadonlySet<string> = new Set<CallStatus>([
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

const ANSWERED_BY_SET: ReadonlySet<string> = new Set<AnsweredBy>([
  "human",
  "machine_start",
  "machine_end_beep",
  "machine_end_silence",
  "machine_end_other",
  "fax",
  "unknown",
]);

const OUTCOMES: readonly FakeCallOutcome[] = ["answered", "machine", "busy", "no-answer", "failed"];

function normalizeDistribution(distribution: FakeCallDistribution): [FakeCallOutcome, number][] {
  const entries = OUTCOMES.map((outcome): [FakeCallOutcome, number] => [outcome, distribution[outcome] ?? 0]);
  for (const [outcome, weight] of entries) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new ConfigError(
        `createFakeVoice: outcome weight for "${outcome}" must be a non-negative number.`,
      );
    }
  }
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (total <= 0) throw new ConfigError("createFakeVoice: outcome weights must not all be zero.");
  return entries.filter(([, weight]) => weight > 0).map(([outcome, weight]) => [outcome, weight / total]);
}

function draw(weights: readonly [FakeCallOutcome, number][], r: number): FakeCallOutcome {
  let cumulative = 0;
  for (const [outcome, weight] of weights) {
    cumulative += weight;
    if (r < cumulative) return outcome;
  }
  // Floating-point sums can fall a hair short of 1.
  return weights[weights.length - 1]![0];
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function attrs(values: Readonly<Record<string, string | number | boolean | undefined>>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join("");
}

function renderInstructions(input: AnswerInstructionsInput): string {
  let verb: string;
  switch (input.action) {
    case "conference":
      verb = `<Conference${attrs({
        startConferenceOnEnter: input.startConferenceOnEnter,
        endConferenceOnExit: input.endConferenceOnExit,
        beep: input.beep,
      })}>${escapeXml(input.conferenceName)}</Conference>`;
      break;
    case "dial":
      verb = `<Dial${attrs({ callerId: input.callerId, timeout: input.timeoutSeconds })}>${escapeXml(input.to)}</Dial>`;
      break;
    case "say":
      verb = `<Say${attrs({ language: input.language })}>${escapeXml(input.text)}</Say><Hangup/>`;
      break;
    case "play":
      verb = `<Play>${escapeXml(input.audioUrl)}</Play><Hangup/>`;
      break;
    case "hangup":
      verb = "<Hangup/>";
      break;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verb}</Response>`;
}
