/**
 * Phone banks: voice campaigns whose volunteers call the people on a call list, in preview, power or
 * predictive mode, recording a result code or survey responses for every call.
 *
 * How a call flows (the transport renders each step in its provider's markup):
 *
 * 1. A volunteer **joins**: the dialer calls their phone (or browser client) with an answer URL that puts
 *    them in a conference room of their own (`precinct-<session id>`).
 * 2. A contact is **claimed** for one session (or, in predictive mode, for the campaign's pacer) with a
 *    conditional UPDATE (`FOR UPDATE SKIP LOCKED` on PostgreSQL): no contact is ever held by two sessions,
 *    in one process or many, and a contact is never claimed while a call to it is still live.
 * 3. The **gate** runs immediately before the dial: do-not-call list, consent, known-bad numbers, schedule
 *    and quiet hours in the recipient's local time. A contact outside its window waits for it.
 * 4. The contact is **dialed** with an answer URL of its own. When it is answered the dialer decides: a
 *    person goes into the volunteer's room; a machine gets the voicemail drop (or a hang-up); a person with
 *    no volunteer free (predictive) hears the recorded message at once and the call counts as abandoned.
 * 5. **Status callbacks** move calls forward only. A call that ends without a conversation gets its result
 *    from the dialer (`no_answer`, `busy`, `machine`, ...); a conversation gets the volunteer's result code
 *    or survey responses. Either way one interaction is written per call, and the contact is retried, called
 *    back or finished.
 *
 * @module
 */
import type { ExpressionBuilder } from "kysely";
import { normalizePhone } from "../normalize/index.js";
import type { CampaignService } from "../outreach/campaigns.js";
import type { OutreachContext } from "../outreach/context.js";
import { MERGE_FIELD_NAMES, mergeValues } from "../outreach/merge-fields.js";
import { type ParsedTemplate, parseTemplate, renderTemplate } from "../outreach/templates/index.js";
import { hasCapability } from "../spec/contracts/plugins.js";
import type {
  AnsweredBy,
  AnswerInstructions,
  AnswerInstructionsInput,
  CallStatusUpdate,
  VoiceTransport,
} from "../spec/contracts/voice-transport.js";
import { ConfigError, InvalidInputError, NotFoundError, PrecinctError } from "../spec/errors.js";
import { E164 } from "../spec/model/common.js";
import type { Campaign, SurveyQuestion } from "../spec/model/outreach.js";
import { fromBool, fromJson, newId, parseInput, toBool, toJson } from "../storage/codec.js";
import type { Database } from "../storage/schema.js";
import { callGate } from "./call-gate.js";
import { buildCallList } from "./call-list.js";
import { parseOutcome } from "./outcomes.js";
import { type AbandonmentStats, adjustRatio, linesToDial } from "./pacing.js";
import { callResults, phoneBankReport } from "./reports.js";
import { CONTACTED, RESULT_CODES, type ResultCode, VOLUNTEER_RESULT_CODES } from "./result-codes.js";
import {
  type CallRow,
  type ContactRow,
  isFinalCallStatus,
  LIVE_CALL_STATUSES,
  type SessionRow,
  statusesBelow,
  toContact,
  toSession,
} from "./rows.js";
import { PhoneBankSettings, type RecordedMessage } from "./settings.js";
import type {
  CallListResult,
  CallOutcomeInput,
  CallResultRow,
  CallSession,
  CallStatusResult,
  ContactState,
  DialResult,
  JoinVia,
  NextContact,
  PhoneBank,
  PhoneBankContact,
  PhoneBankInput,
  PhoneBankOptions,
  PhoneBankReport,
  RecordResult,
  SurveyAnswerInput,
} from "./types.js";

/** Paths of the voice webhooks under the router's base path (see `voiceRoutes`). */
export const VOICE_WEBHOOK_PATHS = {
  /** Answer URL: `?session=<id>` for a volunteer's call, `?call=<id>` for a contact's. */
  answer: "/voice/answer",
  /** Call status callbacks (`?call=<id>` is added for calls the dialer placed). */
  status: "/voice/status",
  /** Asynchronous answering-machine detection results. */
  machineDetection: "/voice/amd",
} as const;

/** The rolling window of the abandonment cap. */
const ABANDONMENT_WINDOW_MS = 30 * 24 * 3600 * 1000;
/** How long a claimed contact waits for its dial (preview: for the volunteer to read and dial). */
const CLAIM_LEASE_MS = 30 * 60 * 1000;
/** How long a dialed contact stays with its call when no final status ever arrives (a lost webhook). */
const DIAL_LEASE_MS = 6 * 3600 * 1000;
/** Contacts tried per `next()` before giving up when each in turn must wait or is blocked. */
const MAX_CLAIMS_PER_NEXT = 50;
/** Statuses of a call not answered yet. */
const RINGING_CALL_STATUSES = ["queued", "initiated", "ringing"] as const;
/** How long pacing trusts its counts before reading them again (the 30-day window moves). */
const PACING_STATS_TTL_MS = 5 * 60_000;
/** Answered calls between two adjustments of a predictive campaign's ratio. */
const RATIO_STEP_ANSWERS = 5;

const MACHINE: ReadonlySet<string> = new Set([
  "machine_start",
  "machine_end_beep",
  "machine_end_silence",
  "machine_end_other",
  "fax",
]);

/** What `#advance` did: dialed (for which session, contact and call), found nothing, or was not its turn. */
type Advanced =
  | { readonly session: SessionRow; readonly contactId: string; readonly callId: string }
  | "empty"
  | null;

interface PacingStats {
  answered: number;
  abandoned: number;
  placed: number;
  readonly loadedAt: number;
}

interface StoredSettings {
  readonly settings: unknown;
  readonly questionIds?: readonly string[];
}

interface LoadedBank extends PhoneBank {
  readonly template: ParsedTemplate | null;
  readonly callerId: string;
}

interface OutcomeDetails {
  readonly volunteerId: string | null;
  readonly notes?: string | null;
  readonly responses?: readonly SurveyAnswerInput[];
  readonly tags?: readonly string[];
  readonly callbackAt?: string;
}

interface WrittenOutcome {
  readonly interactionId: string | null;
  readonly contactState: ContactState;
  readonly nextAttemptAt: string | null;
  readonly optedOut: boolean;
}

/**
 * The phone banks of one organization. Available as `precinct.phonebanks`.
 *
 * @example
 * ```ts
 * const bank = await precinct.phonebanks.create({
 *   name: "GOTV calls",
 *   mode: "power",
 *   audience: { segmentId },
 *   policy: { consent: "not_opted_out" },
 *   callerId: "+19195550100",
 *   script: "Hi {{givenName|there}}, this is {{texterName|a volunteer}} with {{organization}}.",
 *   surveyQuestionIds: [question.id],
 * });
 * await precinct.phonebanks.launch(bank.campaign.id);
 * const session = await precinct.phonebanks.join(bank.campaign.id, volunteer.id, { via: "phone", phone: "+19195550111" });
 * // ... the volunteer answers, contacts are dialed into their room; after each conversation:
 * await precinct.phonebanks.record(session.id, { responses: [{ questionId: question.id, value: "yes" }] });
 * ```
 */
export class PhoneBankService {
  readonly #ctx: OutreachContext;
  readonly #campaigns: CampaignService;
  readonly #callerId: string | null;
  readonly #onError: (error: unknown) => void;
  #publicUrl: URL | null = null;
  #basePath = "/webhooks";
  readonly #banks = new Map<string, LoadedBank>();
  readonly #ratios = new Map<string, { ratio: number; answered: number }>();
  readonly #pacing = new Map<string, Promise<number>>();
  readonly #stats = new Map<string, PacingStats>();

  /** @internal Created by `createPrecinct()`. */
  constructor(ctx: OutreachContext, campaigns: CampaignService, options: PhoneBankOptions = {}) {
    this.#ctx = ctx;
    this.#campaigns = campaigns;
    if (options.callerId !== undefined && !E164.safeParse(options.callerId).success) {
      throw new ConfigError(
        `phonebanks.callerId ${JSON.stringify(options.callerId)} is not an E.164 number such as +19195550100.`,
      );
    }
    this.#callerId = options.callerId ?? null;
    this.#onError =
      options.onError ?? ((error) => console.error("precinct: the dialer's follow-up work failed:", error));
    if (options.publicUrl !== undefined || options.basePath !== undefined) {
      this.configureWebhooks({
        ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
        ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
      });
    }
  }

  /**
   * Sets the public base URL (and path prefix) the voice provider calls back: answer URLs and status
   * callbacks of calls placed from now on are built on it. For servers that learn their public URL at
   * start-up (`precinct serve --public-url`).
   *
   * @throws {@link ConfigError} when the URL is not an absolute http(s) URL.
   */
  configureWebhooks(options: { readonly publicUrl?: string; readonly basePath?: string }): void {
    if (options.publicUrl !== undefined) {
      let url: URL;
      try {
        url = new URL(options.publicUrl);
      } catch (cause) {
        throw new ConfigError(`phonebanks publicUrl ${JSON.stringify(options.publicUrl)} is not a URL.`, {
          cause,
        });
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new ConfigError(`phonebanks publicUrl ${JSON.stringify(options.publicUrl)} is not http(s).`);
      }
      this.#publicUrl = url;
    }
    if (options.basePath !== undefined) {
      this.#basePath = `/${options.basePath.replace(/^\/+|\/+$/g, "")}`;
    }
  }

  /** The webhook URLs calls are placed with, or null before a public URL is configured. */
  webhookUrls(): {
    readonly answer: string;
    readonly status: string;
    readonly machineDetection: string;
  } | null {
    if (!this.#publicUrl) return null;
    const url = (path: string) => new URL(`${this.#basePath}${path}`, this.#publicUrl!).toString();
    return {
      answer: url(VOICE_WEBHOOK_PATHS.answer),
      status: url(VOICE_WEBHOOK_PATHS.status),
      machineDetection: url(VOICE_WEBHOOK_PATHS.machineDetection),
    };
  }

  // ── Phone banks ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates a phone bank: a draft voice campaign plus its dialer settings. Checked now: the mode
   * (predictive only with `allowPredictive: true`), the consent policy (it must be stated), the caller id,
   * the script's merge fields, the survey questions, the audience and the quiet hours.
   *
   * @throws {@link InvalidInputError} naming the field.
   */
  async create(input: PhoneBankInput): Promise<PhoneBank> {
    if (typeof input !== "object" || input === null) {
      throw new InvalidInputError({ field: "input", value: input, reason: "expected a phone bank" });
    }
    const mode = input.mode;
    if (mode !== "preview" && mode !== "power" && mode !== "predictive") {
      throw new InvalidInputError({
        field: "mode",
        value: mode,
        reason: 'a phone bank is "preview", "power" or "predictive"',
      });
    }
    if (mode === "predictive" && input.allowPredictive !== true) {
      throw new InvalidInputError({
        field: "allowPredictive",
        value: input.allowPredictive,
        reason:
          "predictive dialing abandons some answered calls (at most 3% by law); pass allowPredictive: true to use it",
      });
    }
    const consent = input.policy?.consent;
    if (consent !== "opt_in_required" && consent !== "not_opted_out") {
      throw new InvalidInputError({
        field: "policy.consent",
        value: consent,
        reason: 'state the consent calls need: "not_opted_out" or "opt_in_required"',
      });
    }
    const callerId = input.callerId ?? this.#callerId;
    if (!callerId || !E164.safeParse(callerId).success) {
      throw new InvalidInputError({
        field: "callerId",
        value: callerId,
        reason: "a phone bank needs a caller id: an E.164 number the voice account owns",
      });
    }
    const settings = parseInput(PhoneBankSettings, input.settings ?? {}, "settings");
    if (settings.voicemail && !settings.machineDetection) {
      throw new InvalidInputError({
        field: "settings.voicemail",
        value: settings.voicemail,
        reason: "a voicemail drop needs machineDetection: true",
      });
    }
    const script = input.script ?? "";
    if (script.trim() !== "") parseTemplate(script, { knownFields: MERGE_FIELD_NAMES, field: "script" });
    const questionIds = [...(input.surveyQuestionIds ?? [])];
    if (new Set(questionIds).size !== questionIds.length) {
      throw new InvalidInputError({
        field: "surveyQuestionIds",
        value: questionIds,
        reason: "a question may be asked once",
      });
    }
    await this.#questions(questionIds, "surveyQuestionIds");

    const campaign = await this.#campaigns.create({
      name: input.name,
      channel: "voice",
      mode,
      audience: { segmentId: input.audience?.segmentId ?? null, listId: input.audience?.listId ?? null },
      template: script.trim() !== "" ? { body: script } : {},
      schedule: { startAt: input.schedule?.startAt ?? null, endAt: input.schedule?.endAt ?? null },
      policy: {
        consent,
        quietHours: input.policy.quietHours ?? null,
        householdDedupe: true,
        excludeLandlines: false,
      },
      sender: callerId,
      script: { cannedResponses: [], surveyQuestionId: questionIds[0] ?? null },
    });
    const at = this.#ctx.clock().toISOString();
    await this.#ctx.db
      .insertInto("phonebank")
      .values({
        campaignId: campaign.id,
        organizationId: this.#ctx.organizationId,
        settings: toJson({ settings, questionIds } satisfies StoredSettings),
        createdAt: at,
        updatedAt: at,
      })
      .execute();
    if (questionIds.length > 0) {
      // Questions not tied to a campaign yet become this phone bank's; shared ones stay where they are.
      await this.#ctx.db
        .updateTable("surveyQuestion")
        .set({ campaignId: campaign.id, updatedAt: at })
        .where("organizationId", "=", this.#ctx.organizationId)
        .where("id", "in", questionIds)
        .where("campaignId", "is", null)
        .execute();
    }
    return this.require(campaign.id);
  }

  /** The phone bank of this campaign id, or null when there is none. */
  async get(campaignId: string): Promise<PhoneBank | null> {
    const bank = await this.#load(campaignId);
    return bank ? publicBank(bank) : null;
  }

  /** The phone bank of this campaign id; throws `NotFoundError` otherwise. */
  async require(campaignId: string): Promise<PhoneBank> {
    return publicBank(await this.#bank(campaignId));
  }

  /**
   * Builds the call list and starts the phone bank. Each audience member with a phone becomes one contact
   * per number; numbers on the do-not-call list, without a required opt-in, or known to be wrong or
   * disconnected are recorded as blocked with their reason. Landlines stay. Quiet hours are checked before
   * each dial, not here. Idempotent after a crash.
   */
  async launch(campaignId: string): Promise<CallListResult> {
    await this.#bank(campaignId);
    const campaign = await this.#campaigns.require(campaignId);
    if (campaign.status !== "draft" && campaign.status !== "scheduled") {
      throw new PrecinctError({
        code: "conflict",
        message: `Phone bank ${campaignId} is already ${campaign.status}.`,
      });
    }
    // The campaign as it is now: a draft may have been edited since this service last read it.
    const result = await buildCallList(this.#ctx, campaign);
    const at = this.#ctx.clock().toISOString();
    await this.#ctx.db
      .updateTable("campaign")
      .set({ status: "running", launchedAt: at, updatedAt: at })
      .where("id", "=", campaignId)
      .where("organizationId", "=", this.#ctx.organizationId)
      .execute();
    this.#banks.delete(campaignId);
    return result;
  }

  /**
   * Stops the phone bank for good: contacts not finished are canceled, and no more calls are placed.
   * Sessions stay open until volunteers leave.
   */
  async cancel(campaignId: string): Promise<Campaign> {
    await this.#bank(campaignId);
    const campaign = await this.#campaigns.cancel(campaignId);
    const at = this.#ctx.clock().toISOString();
    await this.#ctx.db
      .updateTable("phonebankContact")
      .set({
        state: "canceled",
        reason: "campaign_canceled",
        sessionId: null,
        leaseUntil: null,
        updatedAt: at,
      })
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("campaignId", "=", campaignId)
      .where("state", "in", ["ready", "claimed"])
      .execute();
    this.#banks.delete(campaignId);
    return campaign;
  }

  /** Contacts of a phone bank's call list, optionally in one state, in id order. */
  async contacts(
    campaignId: string,
    options: { readonly state?: ContactState; readonly limit?: number; readonly offset?: number } = {},
  ): Promise<PhoneBankContact[]> {
    let query = this.#ctx.db
      .selectFrom("phonebankContact")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("campaignId", "=", campaignId);
    if (options.state) query = query.where("state", "=", options.state);
    const rows = await query
      .orderBy("id")
      .limit(Math.min(options.limit ?? 100, 10_000))
      .offset(options.offset ?? 0)
      .execute();
    return rows.map(toContact);
  }

  // ── Sessions ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Starts a volunteer's call session: the dialer calls their phone (or browser client) and, when they
   * answer, puts them in a conference room of their own, into which contacts are dialed. In power mode the
   * first contact is dialed as soon as they are in; in predictive mode they wait for the pacer's calls.
   *
   * @throws {@link ConfigError} without a voice transport or a public webhook URL.
   */
  async join(campaignId: string, volunteerId: string, how: JoinVia): Promise<CallSession> {
    const ctx = this.#ctx;
    const bank = await this.#bank(campaignId);
    await this.#requireRunning(campaignId);
    const voice = this.#voice();
    const urls = this.#urls();
    const volunteer = await ctx.db
      .selectFrom("person")
      .select("id")
      .where("id", "=", volunteerId)
      .where("organizationId", "=", ctx.organizationId)
      .executeTakeFirst();
    if (!volunteer) throw new NotFoundError("Person (volunteer)", volunteerId);
    let endpoint: string;
    if (how?.via === "phone") {
      endpoint = normalizePhone(how.phone, { field: "phone", defaultCountry: ctx.defaultCountry as never });
    } else if (how?.via === "browser") {
      const identity = typeof how.identity === "string" ? how.identity.trim() : "";
      if (!identity) {
        throw new InvalidInputError({ field: "identity", value: how.identity, reason: "must not be empty" });
      }
      endpoint = how.address ?? `client:${identity}`;
    } else {
      throw new InvalidInputError({
        field: "via",
        value: (how as { via?: unknown } | undefined)?.via,
        reason: 'join by "phone" (with a phone number) or "browser" (with a client identity)',
      });
    }
    const id = newId();
    const callId = newId();
    const at = ctx.clock().toISOString();
    await ctx.db
      .insertInto("phonebankSession")
      .values({
        id,
        organizationId: ctx.organizationId,
        campaignId,
        volunteerId,
        via: how.via,
        endpoint,
        conferenceName: `precinct-${id}`,
        legCallId: callId,
        state: "connecting",
        contactId: null,
        callId: null,
        readyAt: null,
        joinedAt: at,
        leftAt: null,
        createdAt: at,
        updatedAt: at,
      })
      .execute();
    await this.#insertCall({
      id: callId,
      campaignId,
      personId: volunteerId,
      volunteerId,
      to: endpoint,
      from: bank.callerId,
      attempt: 1,
      leg: "volunteer",
      contactId: null,
      sessionId: id,
      at,
    });
    try {
      const placed = await voice.call({
        to: endpoint,
        from: bank.callerId,
        answerUrl: urls.answer({ session: id }),
        statusCallbackUrl: urls.status({ call: callId }),
        timeoutSeconds: 60,
        idempotencyKey: `session:${id}`,
        metadata: { session: id },
      });
      await this.#placed(callId, placed.providerId, placed.status);
      ctx.bus.emit("call.placed", {
        callId,
        campaignId,
        sessionId: id,
        leg: "volunteer",
        to: endpoint,
        providerId: placed.providerId,
      });
    } catch (error) {
      await this.#failCall(callId, error);
      await this.#setSession(id, { state: "ended", leftAt: at }, null);
      throw error;
    }
    return this.session(id);
  }

  /** A session; throws `NotFoundError` when there is none in this organization. */
  async session(sessionId: string): Promise<CallSession> {
    return toSession(await this.#sessionRow(sessionId));
  }

  /** Sessions of a phone bank, the open ones by default. */
  async sessions(
    campaignId: string,
    options: { readonly includeEnded?: boolean } = {},
  ): Promise<CallSession[]> {
    let query = this.#ctx.db
      .selectFrom("phonebankSession")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("campaignId", "=", campaignId);
    if (!options.includeEnded) query = query.where("state", "<>", "ended");
    return (await query.orderBy("joinedAt").orderBy("id").execute()).map(toSession);
  }

  /**
   * The volunteer's next contact. Preview: the contact and script are handed over and nothing is dialed
   * until {@link PhoneBankService.dial}. Power: the contact is dialed into the volunteer's room at once.
   * Predictive sessions do not ask: the pacer hands them answered calls.
   *
   * @returns `{ status: "contact", next }`, or `{ status: "empty", nextAttemptAt }` when nothing is callable
   * now (contacts wait for their quiet-hours window or retry delay, or the list is done).
   */
  async next(sessionId: string): Promise<DialResult> {
    const session = await this.#sessionRow(sessionId);
    const bank = await this.#bank(session.campaignId);
    const mode = bank.campaign.mode;
    if (session.state === "paused") {
      // Back from a break.
      const back = await this.#casSession(sessionId, ["paused"], { state: "ready" });
      if (back) session.state = "ready";
      if (back && mode === "predictive") {
        await this.pace(session.campaignId);
        return { status: "empty", nextAttemptAt: null };
      }
    }
    if (mode === "predictive") {
      throw new PrecinctError({
        code: "conflict",
        message: `Phone bank ${session.campaignId} is predictive: volunteers are handed answered calls, they do not ask for the next one.`,
      });
    }
    if (session.state === "previewing" && session.contactId) {
      return { status: "contact", next: await this.#present(bank, session, session.contactId, null) };
    }
    if (session.state !== "ready") {
      throw new PrecinctError({
        code: "conflict",
        message: `Session ${sessionId} is ${session.state}; the next contact comes when it is ready.`,
      });
    }
    await this.#requireRunning(session.campaignId);
    if (mode === "power") {
      return (
        (await this.#dialResult(bank, await this.#advance(bank, sessionId))) ??
        this.#empty(session.campaignId)
      );
    }
    const claimed = await this.#claimCallable(bank, sessionId);
    if (!claimed) return this.#empty(session.campaignId);
    const moved = await this.#casSession(sessionId, ["ready"], {
      state: "previewing",
      contactId: claimed.id,
    });
    if (!moved) {
      await this.#release(claimed.id, null);
      throw new PrecinctError({ code: "conflict", message: `Session ${sessionId} changed state meanwhile.` });
    }
    return { status: "contact", next: await this.#present(bank, session, claimed.id, null) };
  }

  /**
   * Preview mode: dials the contact the volunteer is reading, into their room. The gate runs again first:
   * a do-not-call request or the end of the quiet-hours window since `next()` stops the call — the contact
   * is set aside or put back with its time (see `contacts()`), and `dial` answers `empty`.
   */
  async dial(sessionId: string): Promise<DialResult> {
    const session = await this.#sessionRow(sessionId);
    const bank = await this.#bank(session.campaignId);
    if (session.state !== "previewing" || !session.contactId) {
      throw new PrecinctError({
        code: "conflict",
        message: `Session ${sessionId} is ${session.state}; dial() dials the contact a preview session is reading.`,
      });
    }
    await this.#requireRunning(session.campaignId);
    const contact = await this.#contactRow(session.contactId);
    const verdict = await this.#gateClaimed(bank, contact);
    if (verdict !== "call") {
      await this.#casSession(sessionId, ["previewing"], { state: "ready", contactId: null });
      return this.#empty(session.campaignId);
    }
    const placed = await this.#placeCall(bank, contact, session);
    if (!placed) {
      await this.#casSession(sessionId, ["previewing", "dialing"], { state: "ready", contactId: null });
      return this.#empty(session.campaignId);
    }
    return { status: "contact", next: await this.#present(bank, session, contact.id, placed) };
  }

  /**
   * Preview mode: hands the contact back without calling; it comes round again after the retry delay,
   * without using an attempt.
   */
  async skip(sessionId: string): Promise<CallSession> {
    const session = await this.#sessionRow(sessionId);
    if (session.state !== "previewing" || !session.contactId) {
      throw new PrecinctError({
        code: "conflict",
        message: `Session ${sessionId} is ${session.state}; only a contact being previewed can be skipped.`,
      });
    }
    const bank = await this.#bank(session.campaignId);
    const later = new Date(this.#ctx.clock().getTime() + bank.settings.retryDelayMinutes * 60_000);
    await this.#release(session.contactId, later.toISOString());
    await this.#casSession(sessionId, ["previewing"], { state: "ready", contactId: null });
    return this.session(sessionId);
  }

  /**
   * Puts a free volunteer on a break: nothing is dialed for them (power) and no call is handed to them
   * (predictive) until `next()`. A contact being previewed is handed back. During a call, pass
   * `{ next: false }` to `record()` instead.
   */
  async pause(sessionId: string): Promise<CallSession> {
    const session = await this.#sessionRow(sessionId);
    if (session.state === "paused") return toSession(session);
    const paused = await this.#casSession(sessionId, ["ready", "previewing"], {
      state: "paused",
      contactId: null,
    });
    if (!paused) {
      throw new PrecinctError({
        code: "conflict",
        message: `Session ${sessionId} is ${session.state}; a volunteer on a call pauses with record(..., { next: false }).`,
      });
    }
    if (session.state === "previewing" && session.contactId) await this.#release(session.contactId, null);
    return toSession(paused);
  }

  /**
   * Ends a session: the volunteer's call is hung up (when the transport can), a contact being previewed is
   * handed back, and a conversation left without a result is recorded as `incomplete` (retried later).
   */
  async leave(sessionId: string): Promise<CallSession> {
    const ctx = this.#ctx;
    const session = await this.#sessionRow(sessionId);
    if (session.state === "ended") return toSession(session);
    const at = ctx.clock().toISOString();
    await this.#setSession(sessionId, { state: "ended", leftAt: at }, null);
    if (session.state === "previewing" && session.contactId) await this.#release(session.contactId, null);
    if (session.callId) {
      const call = await this.#callById(session.callId);
      if (call && call.disposition === null && call.volunteerId !== null && isFinalCallStatus(call.status)) {
        await this.#finishAttempt(call, "incomplete", { volunteerId: call.volunteerId });
      }
    }
    const voice = ctx.plugins.voice;
    if (voice && hasCapability(voice, "hangup")) {
      // The volunteer's own call, and a contact's call still ringing for them: nobody would take it.
      const legs = [session.legCallId, session.state === "dialing" ? session.callId : null];
      for (const legId of legs) {
        const leg = legId ? await this.#callById(legId) : undefined;
        if (!leg?.providerId || isFinalCallStatus(leg.status) || (leg.leg === "contact" && leg.answeredAt))
          continue;
        try {
          await voice.hangup(leg.providerId);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    return this.session(sessionId);
  }

  /**
   * Records the outcome of a call: a volunteer result code, **or** survey responses (and tags) — never
   * both. One interaction is written; the contact is finished, retried later or called back; a wrong or
   * disconnected number is marked on the person; a refusal or do-not-call request appends a voice opt-out
   * to the consent ledger. In power mode the volunteer's next contact is dialed; with `next: false` (after
   * the call has ended) the volunteer goes on a break instead, until `next()`.
   *
   * @throws {@link InvalidInputError} for both or neither, an unknown code or question, an invalid answer,
   * or a callback time missing or in the past; a `conflict` error when the call already has a result.
   */
  async record(
    sessionId: string,
    outcome: CallOutcomeInput,
    options: { readonly next?: boolean } = {},
  ): Promise<RecordResult> {
    const session = await this.#sessionRow(sessionId);
    const bank = await this.#bank(session.campaignId);
    const parsed = parseOutcome(bank.questions, outcome, this.#ctx.clock());
    const callId = outcome.callId ?? session.callId;
    if (!callId) {
      throw new PrecinctError({
        code: "conflict",
        message: `Session ${sessionId} has no call to record a result for.`,
      });
    }
    const call = await this.#callById(callId);
    if (call?.leg !== "contact" || call.sessionId !== sessionId) {
      throw new PrecinctError({
        code: "forbidden",
        message: `Call ${callId} was not placed for session ${sessionId}.`,
      });
    }
    if (call.disposition !== null) {
      throw new PrecinctError({
        code: "conflict",
        message: `Call ${callId} already has a result (${call.disposition}).`,
      });
    }
    const written = await this.#finishAttempt(call, parsed.code, {
      volunteerId: session.volunteerId,
      notes: outcome.notes ?? null,
      ...(parsed.responses ? { responses: parsed.responses } : {}),
      ...(parsed.tags ? { tags: parsed.tags } : {}),
      ...(parsed.callbackAt ? { callbackAt: parsed.callbackAt } : {}),
    });
    if (!written) {
      const again = await this.#callById(callId);
      throw new PrecinctError({
        code: "conflict",
        message: `Call ${callId} already has a result (${again?.disposition ?? "unknown"}).`,
      });
    }
    let next: DialResult | null = null;
    const current = await this.#callById(callId);
    if (session.callId === callId && current && isFinalCallStatus(current.status)) {
      const pause = options.next === false;
      const freed = await this.#casSession(sessionId, ["talking", "wrap_up"], {
        state: pause ? "paused" : "ready",
        contactId: null,
      });
      if (freed && !pause) next = await this.#afterFree(bank, sessionId, { advance: true, present: true });
    }
    return {
      callId,
      interactionId: written.interactionId,
      outcome: parsed.code,
      contactState: written.contactState,
      nextAttemptAt: written.nextAttemptAt,
      optedOut: written.optedOut,
      next,
    };
  }

  // ── Provider callbacks ───────────────────────────────────────────────────────────────────────────────

  /**
   * What the provider should do with a call that was just answered, rendered by the transport (the answer
   * URL's response). A volunteer's call joins their room. A contact answered by a person joins the
   * volunteer's room; by a machine, it gets the voicemail drop (or is hung up); by a person with no
   * volunteer free, it hears the recorded abandonment message at once and counts as abandoned.
   *
   * @param ref - From the answer URL's query: `session` or `call`.
   * @param info - `answeredBy` when the provider ran machine detection before answering.
   */
  async answer(
    ref: { readonly sessionId?: string | null; readonly callId?: string | null },
    info: { readonly answeredBy?: AnsweredBy | null } = {},
  ): Promise<AnswerInstructions> {
    const voice = this.#voice();
    const decision = await this.#decide(ref, info.answeredBy ?? null);
    const instructions = await voice.answerInstructions(decision.instructions);
    if (decision.followUp) {
      // Dialing the volunteer's first contact, or the pacer's next lines, follows the answer; a failure
      // there must not cost the volunteer their connection.
      try {
        await decision.followUp();
      } catch (error) {
        this.#onError(error);
      }
    }
    return instructions;
  }

  /**
   * Applies a call-status callback, forward only (callbacks arrive out of order and are retried). When a
   * contact's call ends without a conversation, the dialer records its result (`no_answer`, `busy`,
   * `machine`, `voicemail_left`, `abandoned`, `failed`) and frees the volunteer; in power mode it dials their
   * next contact. A machine reported after the call was put through frees the volunteer and gets the
   * voicemail drop (see {@link PhoneBankService.machineDetection}) or is hung up.
   *
   * @param update - From the transport's `parseStatus`.
   * @param ref - `callId` from the status URL's query, used when the provider id is not stored yet.
   */
  async callStatus(
    update: CallStatusUpdate,
    ref: { readonly callId?: string | null } = {},
  ): Promise<CallStatusResult> {
    const ctx = this.#ctx;
    const at = ctx.clock().toISOString();
    const final = isFinalCallStatus(update.status);
    const below = statusesBelow(update.status);
    const patch = (eb: ExpressionBuilder<Database, "call">) => ({
      status: update.status,
      ...(final ? { endedAt: (update.occurredAt ?? ctx.clock()).toISOString() } : {}),
      ...(final && update.durationSeconds !== undefined
        ? { durationSeconds: Math.max(0, Math.round(update.durationSeconds)) }
        : {}),
      ...(update.answeredBy ? { answeredBy: eb.fn.coalesce("answeredBy", eb.val(update.answeredBy)) } : {}),
      updatedAt: at,
    });
    // One statement moves the call forward when the callback is new and in order, the common case.
    let moved = await ctx.db
      .updateTable("call")
      .set(patch)
      .where("organizationId", "=", ctx.organizationId)
      .where("providerId", "=", update.providerId)
      .where("status", "in", below)
      .returningAll()
      .executeTakeFirst();
    if (!moved) {
      const call = await this.#callByProvider(update.providerId, ref.callId ?? null);
      if (!call) return { known: false, applied: false, status: null, result: null };
      if (call.providerId === null) {
        // The callback beat our write of the provider id: the status URL named our call.
        moved = await ctx.db
          .updateTable("call")
          .set((eb) => ({ ...patch(eb), providerId: update.providerId }))
          .where("id", "=", call.id)
          .where("status", "in", below)
          .returningAll()
          .executeTakeFirst();
      }
      if (!moved) {
        if (update.answeredBy && call.answeredBy === null) {
          await this.machineDetection(update, { callId: call.id });
        }
        return {
          known: true,
          applied: false,
          status: call.status as CallStatusResult["status"],
          result: null,
        };
      }
    }
    if (
      update.answeredBy &&
      MACHINE.has(update.answeredBy) &&
      moved.answeredAt !== null &&
      moved.campaignId
    ) {
      // A call counted as answered by a person turns out to be a machine: pacing re-reads its counts.
      this.#stats.delete(moved.campaignId);
    }
    if (
      update.answeredBy &&
      MACHINE.has(update.answeredBy) &&
      moved.volunteerId !== null &&
      moved.disposition === null
    ) {
      // Asynchronous detection says machine for a call already put through.
      if (await this.#machineAfterAnswer(moved)) moved = (await this.#callById(moved.id))!;
    }
    let result: ResultCode | null = null;
    if (final) {
      if (moved.leg === "volunteer") await this.#volunteerLegEnded(moved);
      else result = await this.#contactCallEnded(moved);
    }
    return { known: true, applied: true, status: update.status, result };
  }

  /**
   * Applies an asynchronous answering-machine detection result. A machine on a call already put through to
   * a volunteer frees the volunteer; the call gets the phone bank's voicemail (redirected, when detection
   * heard the greeting end and the transport has `redirect`) and is recorded `voicemail_left`, or else is
   * hung up (when the transport can) and recorded `machine`.
   */
  async machineDetection(
    update: Pick<CallStatusUpdate, "providerId" | "answeredBy">,
    ref: { readonly callId?: string | null } = {},
  ): Promise<{ readonly known: boolean; readonly machine: boolean }> {
    const call = await this.#callByProvider(update.providerId, ref.callId ?? null);
    if (!call || !update.answeredBy) return { known: call !== null, machine: false };
    if (call.answeredBy === null) {
      await this.#ctx.db
        .updateTable("call")
        .set({ answeredBy: update.answeredBy })
        .where("id", "=", call.id)
        .where("answeredBy", "is", null)
        .execute();
    }
    const machine = MACHINE.has(update.answeredBy);
    if (machine && call.campaignId) this.#stats.delete(call.campaignId);
    if (machine)
      await this.#machineAfterAnswer({ ...call, answeredBy: call.answeredBy ?? update.answeredBy });
    return { known: true, machine };
  }

  /**
   * @internal Records a provider webhook's key; false when it was seen before (a retry). The voice routes
   * dedupe by call id and status with it.
   */
  async firstDelivery(key: string): Promise<boolean> {
    const provider = this.#ctx.plugins.voice?.provider ?? "voice";
    const result = await this.#ctx.db
      .insertInto("webhookEvent")
      .values({
        organizationId: this.#ctx.organizationId,
        provider,
        eventKey: key,
        receivedAt: this.#ctx.clock().toISOString(),
      })
      .onConflict((oc) => oc.columns(["organizationId", "provider", "eventKey"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  // ── Background work ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Periodic work for a long-running server (every few seconds): hands back contacts whose claim expired
   * (a crashed process, a preview left open), closes calls whose final status never came, dials for power
   * volunteers left idle while every contact waited (their quiet-hours window has opened since), and paces
   * predictive phone banks. Returns how many calls it placed.
   */
  async tick(): Promise<{ readonly recovered: number; readonly dialed: number }> {
    const ctx = this.#ctx;
    const now = ctx.clock();
    const at = now.toISOString();
    const released = await ctx.db
      .updateTable("phonebankContact")
      .set({ state: "ready", sessionId: null, leaseUntil: null, updatedAt: at })
      .where("organizationId", "=", ctx.organizationId)
      .where("state", "=", "claimed")
      .where("leaseUntil", "<", at)
      .executeTakeFirst();
    let recovered = Number(released.numUpdatedRows);
    // A dialed contact whose call never reported an end (a lost webhook): close the call, retry the contact.
    const stuck = await ctx.db
      .selectFrom("phonebankContact")
      .select(["id", "lastCallId"])
      .where("organizationId", "=", ctx.organizationId)
      .where("state", "=", "dialing")
      .where("leaseUntil", "<", at)
      .limit(500)
      .execute();
    for (const row of stuck) {
      const call = row.lastCallId ? await this.#callById(row.lastCallId) : undefined;
      if (call && call.disposition === null) {
        if (!isFinalCallStatus(call.status)) {
          await ctx.db
            .updateTable("call")
            .set({ status: "failed", errorCode: "no_final_status", endedAt: at, updatedAt: at })
            .where("id", "=", call.id)
            .where("status", "=", call.status)
            .execute();
        }
        await this.#finishAttempt({ ...call, status: "failed" }, "incomplete", {
          volunteerId: call.volunteerId,
        });
        // A volunteer still waiting on that call is free again.
        if (call.sessionId)
          await this.#freeFromCall(await this.#bank(call.campaignId!), call.sessionId, call.id);
        recovered += 1;
      } else {
        await ctx.db
          .updateTable("phonebankContact")
          .set({ state: "ready", sessionId: null, leaseUntil: null, updatedAt: at })
          .where("id", "=", row.id)
          .where("state", "=", "dialing")
          .execute();
        recovered += 1;
      }
    }
    let dialed = 0;
    const campaigns = await ctx.db
      .selectFrom("campaign")
      .select(["id", "mode"])
      .where("organizationId", "=", ctx.organizationId)
      .where("channel", "=", "voice")
      .where("status", "=", "running")
      .execute();
    for (const campaign of campaigns) {
      if (campaign.mode === "predictive") {
        dialed += await this.pace(campaign.id);
      } else if (campaign.mode === "power" && (await this.#anyDue(campaign.id, at))) {
        const idle = await ctx.db
          .selectFrom("phonebankSession")
          .selectAll()
          .where("organizationId", "=", ctx.organizationId)
          .where("campaignId", "=", campaign.id)
          .where("state", "=", "ready")
          .execute();
        const bank = await this.#bank(campaign.id);
        for (const session of idle) {
          const result = await this.#advance(bank, session.id);
          if (result === "empty") break;
          if (result !== null) dialed += 1;
        }
      }
    }
    return { recovered, dialed };
  }

  /**
   * Predictive pacing for one phone bank: dials enough lines that about one is answered per free volunteer,
   * at most `maxRatio` per free volunteer, lowering the ratio while the abandonment rate is above its
   * target, and never dialing a line beyond one per free volunteer unless — even if every such line in
   * flight were answered and abandoned — the 30-day rate would stay within the cap. Returns the lines
   * dialed. Runs by itself after every answer, hang-up and result; call it (or `tick()`) periodically too.
   */
  async pace(campaignId: string): Promise<number> {
    // One pacing pass per campaign at a time in this process: two would both count the same free volunteers.
    const previous = this.#pacing.get(campaignId) ?? Promise.resolve(0);
    const run = previous.catch(() => 0).then(() => this.#pace(campaignId));
    this.#pacing.set(campaignId, run);
    try {
      return await run;
    } finally {
      if (this.#pacing.get(campaignId) === run) this.#pacing.delete(campaignId);
    }
  }

  /** Abandonment of a phone bank over the last 30 days (calls answered by a person, and those abandoned). */
  async abandonment(campaignId: string): Promise<AbandonmentStats> {
    const ctx = this.#ctx;
    const since = new Date(ctx.clock().getTime() - ABANDONMENT_WINDOW_MS).toISOString();
    const row = await ctx.db
      .selectFrom("call")
      .select((eb) => [
        eb.fn.countAll().as("answered"),
        eb.fn
          .sum(eb.case().when("abandoned", "=", toBool(ctx.dialect, true)).then(1).else(0).end())
          .as("abandoned"),
      ])
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", campaignId)
      .where("leg", "=", "contact")
      .where("answeredAt", ">=", since)
      .where((eb) => eb.or([eb("answeredBy", "is", null), eb("answeredBy", "in", ["human", "unknown"])]))
      .executeTakeFirstOrThrow();
    const answered = Number(row.answered);
    const abandoned = Number(row.abandoned ?? 0);
    return { answered, abandoned, rate: answered === 0 ? 0 : abandoned / answered };
  }

  // ── Reports ──────────────────────────────────────────────────────────────────────────────────────────

  /** Where a phone bank stands: contacts by state and result, calls, abandonment, sessions, answers, opt-outs. */
  async report(campaignId: string): Promise<PhoneBankReport> {
    await this.#bank(campaignId);
    const campaign = await this.#campaigns.require(campaignId);
    return phoneBankReport(this.#ctx, campaign, await this.abandonment(campaignId));
  }

  /**
   * Every contact call of a phone bank with its outcome, survey answers and notes, in the order placed —
   * streamed page by page for exports (`precinct phonebank export`).
   */
  async *results(
    campaignId: string,
    options: { readonly pageSize?: number } = {},
  ): AsyncGenerator<CallResultRow> {
    await this.#bank(campaignId);
    yield* callResults(this.#ctx, campaignId, options.pageSize ?? 500);
  }

  // ── Internals: answering ─────────────────────────────────────────────────────────────────────────────

  async #decide(
    ref: { readonly sessionId?: string | null; readonly callId?: string | null },
    answeredBy: AnsweredBy | null,
  ): Promise<{ instructions: AnswerInstructionsInput; followUp?: () => Promise<unknown> }> {
    const hangup: AnswerInstructionsInput = { action: "hangup" };
    if (ref.sessionId) {
      const session = await this.#sessionRowOrNull(ref.sessionId);
      if (!session || session.state === "ended") return { instructions: hangup };
      const instructions: AnswerInstructionsInput = {
        action: "conference",
        conferenceName: session.conferenceName,
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
        beep: false,
      };
      const connected = await this.#casSession(session.id, ["connecting"], { state: "ready" });
      if (!connected) return { instructions };
      const bank = await this.#bank(session.campaignId);
      return {
        instructions,
        followUp: () => this.#afterFree(bank, session.id, { advance: true, present: false }),
      };
    }
    if (!ref.callId) return { instructions: hangup };
    const call = await this.#callById(ref.callId);
    if (call?.leg !== "contact" || isFinalCallStatus(call.status) || call.answeredAt !== null) {
      return { instructions: hangup };
    }
    const bank = await this.#bank(call.campaignId!);
    const settings = bank.settings;
    const at = this.#ctx.clock().toISOString();
    const who = answeredBy ?? (call.answeredBy as AnsweredBy | null);
    const claimedAnswer = await this.#ctx.db
      .updateTable("call")
      .set({ answeredAt: at, answeredBy: who, updatedAt: at })
      .where("id", "=", call.id)
      .where("answeredAt", "is", null)
      .executeTakeFirst();
    // The provider fetched the answer URL twice (a retry): the first answer stands.
    if (Number(claimedAnswer.numUpdatedRows) === 0) return { instructions: hangup };

    if (who && MACHINE.has(who)) {
      const drop = settings.voicemail !== null && who.startsWith("machine_end");
      if (drop) {
        await this.#ctx.db
          .updateTable("call")
          .set({ voicemail: toBool(this.#ctx.dialect, true) })
          .where("id", "=", call.id)
          .execute();
      }
      // The volunteer need not listen to a greeting: free them now (predictive: the line is free again).
      const followUp = call.sessionId
        ? () => this.#freeFromCall(bank, call.sessionId!, call.id)
        : bank.campaign.mode === "predictive"
          ? () => this.pace(call.campaignId!)
          : undefined;
      return {
        instructions: drop ? recorded(settings.voicemail!) : hangup,
        ...(followUp ? { followUp } : {}),
      };
    }

    let session: SessionRow | undefined;
    if (bank.campaign.mode === "predictive") {
      session = await this.#claimFreeSession(call.campaignId!, call.id, call.contactId);
    } else if (call.sessionId) {
      session = await this.#casSession(call.sessionId, ["dialing"], { state: "talking" }, call.id);
    }
    const pace = bank.campaign.mode === "predictive" ? () => this.pace(call.campaignId!) : undefined;
    this.#noteAnswered(call.campaignId!, session === undefined);
    if (!session) {
      await this.#ctx.db
        .updateTable("call")
        .set({ abandoned: toBool(this.#ctx.dialect, true) })
        .where("id", "=", call.id)
        .execute();
      return {
        instructions: recorded(settings.abandonMessage ?? this.#defaultAbandonMessage(bank)),
        ...(pace ? { followUp: pace } : {}),
      };
    }
    await this.#ctx.db
      .updateTable("call")
      .set({ sessionId: session.id, volunteerId: session.volunteerId })
      .where("id", "=", call.id)
      .execute();
    return {
      instructions: {
        action: "conference",
        conferenceName: session.conferenceName,
        startConferenceOnEnter: false,
        endConferenceOnExit: false,
        beep: false,
      },
      ...(pace ? { followUp: pace } : {}),
    };
  }

  /** Keeps the cached pacing counts current with an answer by a person handled here. */
  #noteAnswered(campaignId: string, abandoned: boolean): void {
    const stats = this.#stats.get(campaignId);
    if (!stats) return;
    stats.answered += 1;
    if (abandoned) stats.abandoned += 1;
  }

  #defaultAbandonMessage(bank: LoadedBank): RecordedMessage {
    const organization = this.#ctx.organization().name;
    return {
      say:
        `Hello, this is ${organization}. We called to talk with you, but no one was free to take the call. ` +
        `We are sorry. To be removed from our call list, call ${spokenNumber(bank.callerId)}.`,
    };
  }

  /**
   * A machine answered a call already put through (asynchronous detection): free the volunteer, and either
   * drop the voicemail or hang up. The voicemail is dropped when the phone bank has one, detection heard
   * the greeting end (`machine_end_*`: the message then starts after the beep) and the transport can
   * `redirect` a live call; the call is recorded `voicemail_left`. Otherwise (`machine_start`, no
   * voicemail, no `redirect`, or the redirect failed because the call had ended) it is hung up and recorded
   * `machine`. True when it recorded the result.
   */
  async #machineAfterAnswer(call: CallRow): Promise<boolean> {
    if (call.leg !== "contact" || call.volunteerId === null || call.disposition !== null) return false;
    const ctx = this.#ctx;
    const voice = ctx.plugins.voice;
    const bank = await this.#bank(call.campaignId!);
    const voicemail = bank.settings.voicemail;
    const live = call.providerId !== null && !isFinalCallStatus(call.status);
    let result: "machine" | "voicemail_left" = "machine";
    let hangUp = voice !== undefined && live;
    if (
      voice !== undefined &&
      live &&
      voicemail !== null &&
      call.answeredBy?.startsWith("machine_end") &&
      hasCapability(voice, "redirect")
    ) {
      // One drop per call: of two deliveries racing here (a status callback and the AMD callback), only
      // the one that flips the flag redirects and records; the other leaves the call alone.
      if (!(await this.#markVoicemail(call.id))) return false;
      try {
        await voice.redirect(call.providerId!, recorded(voicemail));
        result = "voicemail_left";
        hangUp = false;
      } catch (error) {
        // Most likely the machine hung up first (the call ended): nothing was left, record a machine. If
        // the call is still up it is hung up below, so no greeting stays in the volunteer's room.
        await ctx.db
          .updateTable("call")
          .set({ voicemail: toBool(ctx.dialect, false) })
          .where("id", "=", call.id)
          .execute();
        this.#onError(error);
      }
    }
    if (hangUp && voice !== undefined && hasCapability(voice, "hangup")) {
      try {
        await voice.hangup(call.providerId!);
      } catch (error) {
        this.#onError(error);
      }
    }
    const written = await this.#finishAttempt(call, result, { volunteerId: null });
    if (written && call.sessionId) {
      const freed = await this.#casSession(
        call.sessionId,
        ["talking", "wrap_up"],
        { state: "ready", contactId: null },
        call.id,
      );
      if (freed) {
        await this.#guard(() => this.#afterFree(bank, call.sessionId!, { advance: true, present: false }));
      }
    }
    return written !== null;
  }

  /** Flags a call as getting the voicemail drop; false when it already was, or already has a result. */
  async #markVoicemail(callId: string): Promise<boolean> {
    const dialect = this.#ctx.dialect;
    const marked = await this.#ctx.db
      .updateTable("call")
      .set({ voicemail: toBool(dialect, true), updatedAt: this.#ctx.clock().toISOString() })
      .where("id", "=", callId)
      .where("disposition", "is", null)
      .where((eb) => eb.or([eb("voicemail", "is", null), eb("voicemail", "=", toBool(dialect, false))]))
      .executeTakeFirst();
    return Number(marked.numUpdatedRows) > 0;
  }

  // ── Internals: call ends ─────────────────────────────────────────────────────────────────────────────

  async #volunteerLegEnded(call: CallRow): Promise<void> {
    if (!call.sessionId) return;
    const session = await this.#sessionRowOrNull(call.sessionId);
    if (session && session.state !== "ended") await this.leave(session.id);
  }

  async #contactCallEnded(call: CallRow): Promise<ResultCode | null> {
    const bank = await this.#bank(call.campaignId!);
    let result: ResultCode | null = null;
    let recorded = call.disposition !== null;
    const connected = call.volunteerId !== null && !fromBool(call.abandoned);
    if (!recorded && !connected) {
      result = systemResult(call);
      recorded = (await this.#finishAttempt(call, result, { volunteerId: null })) !== null || recorded;
    }
    if (call.sessionId) {
      if (recorded || !connected) {
        // The session was dialing this call, or its conversation already has a result: free the volunteer.
        await this.#freeFromCall(bank, call.sessionId, call.id);
      } else if (
        !(await this.#casSession(call.sessionId, ["talking"], { state: "wrap_up" }, call.id)) &&
        !(await this.#sessionOnCall(call.sessionId, call.id))
      ) {
        // Put through, but the volunteer is gone: nobody will record this conversation.
        result = "incomplete";
        await this.#finishAttempt(call, result, { volunteerId: call.volunteerId });
      }
    } else if (!recorded && connected) {
      result = "incomplete";
      await this.#finishAttempt(call, result, { volunteerId: call.volunteerId });
    }
    if (bank.campaign.mode === "predictive") await this.#guard(() => this.pace(bank.campaign.id));
    return result;
  }

  /** True while a session is still on (or wrapping up) this call. */
  async #sessionOnCall(sessionId: string, callId: string): Promise<boolean> {
    const session = await this.#sessionRowOrNull(sessionId);
    return session !== undefined && session.state !== "ended" && session.callId === callId;
  }

  /** A session's call ended or went to a machine: it is free again (power: its next contact is dialed). */
  async #freeFromCall(bank: LoadedBank, sessionId: string, callId: string): Promise<void> {
    const freed = await this.#casSession(
      sessionId,
      ["dialing", "talking", "wrap_up"],
      { state: "ready", contactId: null },
      callId,
    );
    if (freed) await this.#guard(() => this.#afterFree(bank, sessionId, { advance: true, present: false }));
  }

  /**
   * What happens when a session becomes free: power dials its next contact, predictive paces. With
   * `present`, the next contact is returned as the calling screen shows it (a volunteer asked); webhooks
   * skip that work.
   */
  async #afterFree(
    bank: LoadedBank,
    sessionId: string,
    options: { readonly advance: boolean; readonly present: boolean },
  ): Promise<DialResult | null> {
    if (bank.campaign.mode === "power" && options.advance) {
      const dialed = await this.#advance(bank, sessionId);
      return options.present ? this.#dialResult(bank, dialed) : null;
    }
    if (bank.campaign.mode === "predictive") await this.pace(bank.campaign.id);
    return null;
  }

  async #dialResult(bank: LoadedBank, dialed: Advanced): Promise<DialResult | null> {
    if (dialed === null) return null;
    if (dialed === "empty") return this.#empty(bank.campaign.id);
    return {
      status: "contact",
      next: await this.#present(bank, dialed.session, dialed.contactId, dialed.callId),
    };
  }

  // ── Internals: dialing ───────────────────────────────────────────────────────────────────────────────

  /**
   * Power mode: claims the session's next callable contact and dials it. Null when the session was not
   * ready (someone else is dialing for it), `empty` when nothing is callable now.
   */
  async #advance(bank: LoadedBank, sessionId: string): Promise<Advanced> {
    const mine = await this.#casSession(sessionId, ["ready"], { state: "dialing", contactId: null });
    if (!mine) return null;
    for (let tries = 0; tries < 3; tries++) {
      const contact = await this.#claimCallable(bank, sessionId);
      if (!contact) break;
      const callId = await this.#placeCall(bank, contact, mine);
      if (callId) return { session: mine, contactId: contact.id, callId };
    }
    await this.#casSession(sessionId, ["dialing"], { state: "ready", contactId: null });
    return "empty";
  }

  async #pace(campaignId: string): Promise<number> {
    const ctx = this.#ctx;
    const bank = await this.#bank(campaignId);
    if (bank.campaign.mode !== "predictive") return 0;
    const free = Number(
      (
        await ctx.db
          .selectFrom("phonebankSession")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("organizationId", "=", ctx.organizationId)
          .where("campaignId", "=", campaignId)
          .where("state", "=", "ready")
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (free === 0) return 0;
    // Lines still ringing. A call answered a moment ago whose "in-progress" has not arrived yet still counts:
    // that can only make the pacer dial fewer lines, never more.
    const inFlight = Number(
      (
        await ctx.db
          .selectFrom("call")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("organizationId", "=", ctx.organizationId)
          .where("campaignId", "=", campaignId)
          .where("status", "in", RINGING_CALL_STATUSES)
          .where("leg", "=", "contact")
          .executeTakeFirstOrThrow()
      ).n,
    );
    const stats = await this.#pacingStats(campaignId);
    const ratio = this.#ratio(bank, stats);
    const lines = linesToDial({
      freeVolunteers: free,
      linesInFlight: inFlight,
      ratio,
      stats,
      cap: bank.settings.predictive.abandonmentCap,
    });
    let dialed = 0;
    for (let i = 0; i < lines; i++) {
      const contact = await this.#claimCallable(bank, null);
      if (!contact) break;
      if (await this.#placeCall(bank, contact, null)) dialed += 1;
    }
    return dialed;
  }

  /**
   * The campaign's abandonment and dial counts for pacing: read from the database at most every five minutes
   * (the rolling window moves) and kept current in between from this process's own answers and dials,
   * so pacing does not count the whole window on every call. Anything that could lower the true counts
   * (a machine reported after an answer) drops the cache.
   */
  async #pacingStats(campaignId: string): Promise<PacingStats> {
    const now = this.#ctx.clock().getTime();
    const cached = this.#stats.get(campaignId);
    if (cached && now - cached.loadedAt < PACING_STATS_TTL_MS) return cached;
    const ctx = this.#ctx;
    const since = new Date(now - ABANDONMENT_WINDOW_MS).toISOString();
    const stats = await this.abandonment(campaignId);
    const placed = Number(
      (
        await ctx.db
          .selectFrom("call")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("organizationId", "=", ctx.organizationId)
          .where("campaignId", "=", campaignId)
          .where("leg", "=", "contact")
          .where("startedAt", ">=", since)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const fresh: PacingStats = {
      answered: stats.answered,
      abandoned: stats.abandoned,
      placed,
      loadedAt: now,
    };
    this.#stats.set(campaignId, fresh);
    return fresh;
  }

  /** The campaign's current lines-per-volunteer ratio, adjusted every few answered calls. */
  #ratio(bank: LoadedBank, stats: PacingStats): number {
    const predictive = bank.settings.predictive;
    const state = this.#ratios.get(bank.campaign.id) ?? {
      ratio: Math.min(predictive.initialRatio, predictive.maxRatio),
      answered: 0,
    };
    if (stats.answered - state.answered >= RATIO_STEP_ANSWERS || stats.answered < state.answered) {
      state.ratio = adjustRatio(
        state.ratio,
        {
          rate: stats.answered === 0 ? 0 : stats.abandoned / stats.answered,
          answerRate: stats.placed > 0 ? stats.answered / stats.placed : null,
        },
        { maxRatio: predictive.maxRatio, target: predictive.targetAbandonmentRate },
      );
      state.answered = stats.answered;
    }
    this.#ratios.set(bank.campaign.id, state);
    return state.ratio;
  }

  /**
   * Claims the next callable contact (due, not on a live call) for a session (or the pacer, `null`) and
   * runs the gate on it; contacts that must wait are put back with their time, blocked ones are recorded.
   */
  async #claimCallable(bank: LoadedBank, sessionId: string | null): Promise<ContactRow | null> {
    for (let tries = 0; tries < MAX_CLAIMS_PER_NEXT; tries++) {
      const contact = await this.#claim(bank.campaign.id, sessionId);
      if (!contact) return null;
      const verdict = await this.#gateClaimed(bank, contact);
      if (verdict === "call") return contact;
      if (verdict === "ended") return null;
    }
    return null;
  }

  /** The gate on a claimed contact; a refusal is written to the contact (waiting, or blocked). */
  async #gateClaimed(bank: LoadedBank, contact: ContactRow): Promise<"call" | "wait" | "block" | "ended"> {
    const ctx = this.#ctx;
    const now = ctx.clock();
    const decision = await callGate(ctx, bank.campaign, contact, now);
    const at = now.toISOString();
    switch (decision.verdict) {
      case "call":
        return "call";
      case "block":
        await ctx.db
          .updateTable("phonebankContact")
          .set({
            state: "blocked",
            reason: decision.reason,
            sessionId: null,
            leaseUntil: null,
            updatedAt: at,
          })
          .where("id", "=", contact.id)
          .where("state", "=", "claimed")
          .execute();
        return "block";
      case "wait":
        await ctx.db
          .updateTable("phonebankContact")
          .set({
            state: "ready",
            reason: decision.reason,
            nextAttemptAt: decision.until.toISOString(),
            sessionId: null,
            leaseUntil: null,
            updatedAt: at,
          })
          .where("id", "=", contact.id)
          .where("state", "=", "claimed")
          .execute();
        return "wait";
      case "ended":
        await this.#release(contact.id, null);
        return "ended";
    }
  }

  /**
   * The claim: one due, callable contact, atomically, across processes. One UPDATE whose subquery picks the
   * row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent claimers skip each other's rows; SQLite
   * takes its write lock for the whole statement), guarded by `state = 'ready'` so a lost race claims
   * nothing rather than a row someone else holds.
   */
  async #claim(campaignId: string, sessionId: string | null): Promise<ContactRow | null> {
    const ctx = this.#ctx;
    const now = ctx.clock();
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS).toISOString();
    for (let tries = 0; tries < 5; tries++) {
      const claimed = await ctx.db
        .updateTable("phonebankContact")
        .set({ state: "claimed", sessionId, leaseUntil, updatedAt: at })
        .where("id", "=", (eb) => {
          let due = eb
            .selectFrom("phonebankContact as c")
            .select("c.id")
            .where("c.organizationId", "=", ctx.organizationId)
            .where("c.campaignId", "=", campaignId)
            .where("c.state", "=", "ready")
            .where("c.nextAttemptAt", "<=", at)
            .where((inner) => inner.exists(runningCampaign(inner, campaignId, ctx.organizationId)))
            .where((inner) =>
              inner.not(
                inner.exists(
                  inner
                    .selectFrom("call")
                    .select("call.id")
                    .whereRef("call.contactId", "=", "c.id")
                    .where("call.status", "in", LIVE_CALL_STATUSES),
                ),
              ),
            )
            .orderBy("c.nextAttemptAt")
            .orderBy("c.id")
            .limit(1);
          if (ctx.dialect === "postgres") due = due.forUpdate().skipLocked();
          return due;
        })
        .where("state", "=", "ready")
        .returningAll()
        .executeTakeFirst();
      if (claimed) return claimed;
      // Nothing claimed: either nothing is due, or another claimer took the row between our subquery and
      // our write. Only the first needs no retry.
      if (!(await this.#anyDue(campaignId, at))) return null;
    }
    return null;
  }

  /**
   * Dials a claimed contact (into `session`'s room, or for the predictive pacer). The call row is written
   * before the provider is asked, so a crash leaves a record, never an unknown call. Returns the call id,
   * or null when the provider refused the call (its result is recorded).
   */
  async #placeCall(
    bank: LoadedBank,
    contact: ContactRow,
    session: SessionRow | null,
  ): Promise<string | null> {
    const ctx = this.#ctx;
    const voice = this.#voice();
    const urls = this.#urls();
    const now = ctx.clock();
    const at = now.toISOString();
    const callId = newId();
    const attempt = Number(contact.attempts) + 1;
    const taken = await ctx.db
      .updateTable("phonebankContact")
      .set({
        state: "dialing",
        attempts: attempt,
        lastCallId: callId,
        reason: null,
        sessionId: session?.id ?? null,
        leaseUntil: new Date(now.getTime() + DIAL_LEASE_MS).toISOString(),
        updatedAt: at,
      })
      .where("id", "=", contact.id)
      .where("state", "=", "claimed")
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0) return null;
    await this.#insertCall({
      id: callId,
      campaignId: bank.campaign.id,
      personId: contact.personId,
      volunteerId: null,
      to: contact.phone,
      from: bank.callerId,
      attempt,
      leg: "contact",
      contactId: contact.id,
      sessionId: session?.id ?? null,
      at,
    });
    if (session) {
      await ctx.db
        .updateTable("phonebankSession")
        .set({ state: "dialing", contactId: contact.id, callId, updatedAt: at })
        .where("id", "=", session.id)
        .execute();
    }
    const detect =
      bank.settings.machineDetection && hasCapability(voice, "machineDetection")
        ? bank.settings.voicemail
          ? ("detect_message_end" as const)
          : ("enable" as const)
        : undefined;
    try {
      // No await between this fence check and the provider call: a do-not-call request this process
      // handled after the gate's ledger read still stops the dial.
      if (ctx.fence.blocks("voice", contact.phone)) throw new DoNotCallNow();
      const placed = await voice.call({
        to: contact.phone,
        from: bank.callerId,
        answerUrl: urls.answer({ call: callId }),
        statusCallbackUrl: urls.status({ call: callId }),
        timeoutSeconds: bank.settings.ringTimeoutSeconds,
        ...(detect ? { machineDetection: detect } : {}),
        idempotencyKey: callId,
        metadata: { campaign: bank.campaign.id, call: callId },
      });
      await this.#placed(callId, placed.providerId, placed.status);
      ctx.bus.emit("call.placed", {
        callId,
        campaignId: bank.campaign.id,
        sessionId: session?.id ?? null,
        leg: "contact",
        to: contact.phone,
        providerId: placed.providerId,
      });
      const stats = this.#stats.get(bank.campaign.id);
      if (stats) stats.placed += 1;
      return callId;
    } catch (error) {
      if (isUncertain(error)) {
        // The provider may have placed the call (its answer was lost). Redialing could ring the person
        // twice, so the contact stays with this call: its callbacks (the status URL names our call) settle
        // it, or `tick()` closes it once its lease runs out.
        await ctx.db
          .updateTable("call")
          .set({ errorCode: "uncertain", updatedAt: at })
          .where("id", "=", callId)
          .execute();
        this.#onError(error);
      } else {
        await this.#failCall(callId, error);
        const call = (await this.#callById(callId))!;
        if (error instanceof DoNotCallNow) {
          await ctx.db
            .updateTable("call")
            .set({ disposition: "canceled" })
            .where("id", "=", callId)
            .execute();
          await ctx.db
            .updateTable("phonebankContact")
            .set({
              state: "blocked",
              reason: "do_not_call",
              sessionId: null,
              leaseUntil: null,
              updatedAt: at,
            })
            .where("id", "=", contact.id)
            .execute();
        } else {
          // A number the provider refuses as invalid is a bad number; anything else is a failed attempt.
          const refused =
            PrecinctError.hasCode(error, "invalid_recipient") ||
            (PrecinctError.hasCode(error, "invalid_input") && error.details.field === "to");
          await this.#finishAttempt(call, refused ? "bad_number" : "failed", {
            volunteerId: null,
            notes: PrecinctError.isInstance(error) ? error.message : null,
          });
          if (!refused) this.#onError(error);
        }
      }
      if (session) {
        // The session stays with whoever placed the call (`next`, `dial`, the power loop): they decide.
        await ctx.db
          .updateTable("phonebankSession")
          .set({ contactId: null, updatedAt: at })
          .where("id", "=", session.id)
          .where("callId", "=", callId)
          .execute();
      }
      return null;
    }
  }

  // ── Internals: outcomes ──────────────────────────────────────────────────────────────────────────────

  /**
   * Writes one call's outcome exactly once: the call's disposition (a compare-and-set, so a second writer
   * loses), one interaction, survey answers and tags, the effects on the person's number and consent, and
   * where the contact goes next. Null when the call already had an outcome.
   */
  async #finishAttempt(
    call: CallRow,
    code: ResultCode | typeof CONTACTED,
    details: OutcomeDetails,
  ): Promise<WrittenOutcome | null> {
    const ctx = this.#ctx;
    const at = ctx.clock().toISOString();
    const bank = await this.#bank(call.campaignId!);
    // The call carries the contact's person, attempt and number; only a voter not yet linked to a person
    // needs the contact row (to make the person the interaction belongs to).
    let personId = call.personId;
    if (personId === null && call.contactId) {
      const contact = await this.#contactRowOrNull(call.contactId);
      if (contact) personId = await this.#personFor(contact);
    }
    const interactionId = personId ? newId() : null;
    // The compare-and-set that makes this happen once per call, whoever gets here first.
    const first = await ctx.db
      .updateTable("call")
      .set({
        disposition: code,
        interactionId,
        ...(call.personId === null && personId ? { personId } : {}),
        updatedAt: at,
      })
      .where("id", "=", call.id)
      .where("disposition", "is", null)
      .executeTakeFirst();
    if (Number(first.numUpdatedRows) === 0) return null;
    if (personId && interactionId) {
      await ctx.db
        .insertInto("interaction")
        .values({
          id: interactionId,
          organizationId: ctx.organizationId,
          createdAt: at,
          updatedAt: at,
          personId,
          channel: "voice",
          outcome: code,
          resultCode: code === CONTACTED ? null : code,
          volunteerId: details.volunteerId,
          campaignId: call.campaignId,
          notes: details.notes ?? null,
          occurredAt: at,
        })
        .execute();
      if (details.responses && details.responses.length > 0) {
        await ctx.db
          .insertInto("surveyResponse")
          .values(
            details.responses.map((answer) => ({
              id: newId(),
              organizationId: ctx.organizationId,
              createdAt: at,
              updatedAt: at,
              questionId: answer.questionId,
              personId,
              value: answer.value,
              interactionId,
              respondedAt: at,
            })),
          )
          .execute();
      }
      if (details.tags && details.tags.length > 0) await ctx.people.addTags(personId, details.tags);
    }
    const rule =
      code === CONTACTED
        ? null
        : (RESULT_CODES[code] as { next: string; phoneStatus?: string; optOut?: boolean });
    const phone = call.to;
    if (rule?.phoneStatus === "wrong_number" && personId) {
      await ctx.db
        .updateTable("personPhone")
        .set({ status: "wrong_number" })
        .where("organizationId", "=", ctx.organizationId)
        .where("personId", "=", personId)
        .where("number", "=", phone)
        .execute();
    } else if (rule?.phoneStatus === "disconnected") {
      await ctx.db
        .updateTable("personPhone")
        .set({ status: "disconnected" })
        .where("organizationId", "=", ctx.organizationId)
        .where("number", "=", phone)
        .execute();
    }
    let optedOut = false;
    if (rule?.optOut) {
      // Appended to the ledger, never changed: the organization's do-not-call list is its voice opt-outs.
      await ctx.consent.record({
        channel: "voice",
        contactPoint: phone,
        personId,
        kind: "opt_out",
        source: "call_disposition",
        rawText: `phone bank result: ${code}`,
        campaignId: call.campaignId,
      });
      optedOut = true;
    }
    const written = (outcome: WrittenOutcome): WrittenOutcome => {
      ctx.bus.emit("call.completed", {
        callId: call.id,
        campaignId: call.campaignId,
        personId,
        volunteerId: details.volunteerId,
        to: phone,
        result: code,
        contactState: outcome.contactState,
        optedOut,
        interactionId,
      });
      return outcome;
    };
    if (!call.contactId)
      return written({ interactionId, contactState: "done", nextAttemptAt: null, optedOut });
    const attempts = Number(call.attempt);
    const max = bank.settings.maxAttempts;
    let state: ContactState;
    let nextAttemptAt: string | null = null;
    const next = rule?.next ?? "final";
    if (next === "final") state = "done";
    else if (next === "callback") {
      // A callback the person asked for is honoured once past the retry limit, not more.
      state = attempts >= max + 1 ? "exhausted" : "ready";
      nextAttemptAt = state === "ready" ? (details.callbackAt ?? at) : null;
    } else {
      state = attempts >= max ? "exhausted" : "ready";
      nextAttemptAt =
        state === "ready"
          ? new Date(ctx.clock().getTime() + bank.settings.retryDelayMinutes * 60_000).toISOString()
          : null;
    }
    // Only the contact's latest call decides where it goes (a late outcome of an earlier call does not).
    await ctx.db
      .updateTable("phonebankContact")
      .set({
        state,
        result: code,
        reason: null,
        ...(nextAttemptAt ? { nextAttemptAt } : {}),
        sessionId: null,
        leaseUntil: null,
        ...(call.personId === null && personId ? { personId } : {}),
        updatedAt: at,
      })
      .where("id", "=", call.contactId)
      .where("state", "=", "dialing")
      .where("lastCallId", "=", call.id)
      .execute();
    return written({ interactionId, contactState: state, nextAttemptAt, optedOut });
  }

  /** The person a contact's interactions belong to: theirs, their voter record's, or made from the voter. */
  async #personFor(contact: ContactRow): Promise<string | null> {
    if (contact.personId) return contact.personId;
    if (!contact.voterId) return null;
    const ctx = this.#ctx;
    const voter = await ctx.voters.get(contact.voterId);
    if (!voter) return null;
    let personId = voter.personId;
    if (!personId) {
      const { person } = await ctx.people.upsert({
        givenName: voter.givenName,
        familyName: voter.familyName,
        phoneNumbers: [{ number: contact.phone, primary: true }],
        identifiers: [`voter:${voter.id}`],
      } as never);
      await ctx.voters.link(voter.id, person.id);
      personId = person.id;
    }
    await ctx.db
      .updateTable("phonebankContact")
      .set({ personId })
      .where("id", "=", contact.id)
      .where("personId", "is", null)
      .execute();
    return personId;
  }

  // ── Internals: storage helpers ───────────────────────────────────────────────────────────────────────

  async #bank(campaignId: string): Promise<LoadedBank> {
    const bank = await this.#load(campaignId);
    if (!bank) throw new NotFoundError("Phone bank", campaignId);
    return bank;
  }

  async #load(campaignId: string): Promise<LoadedBank | null> {
    const cached = this.#banks.get(campaignId);
    if (cached) return cached;
    const ctx = this.#ctx;
    const row = await ctx.db
      .selectFrom("phonebank")
      .select(["settings"])
      .where("campaignId", "=", campaignId)
      .where("organizationId", "=", ctx.organizationId)
      .executeTakeFirst();
    if (!row) return null;
    const campaign = await this.#campaigns.get(campaignId);
    if (!campaign) return null;
    const stored = fromJson<StoredSettings>(row.settings, { settings: {} });
    const settings = parseInput(PhoneBankSettings, stored.settings, "settings");
    const questions = await this.#questions(stored.questionIds ?? [], "surveyQuestionIds");
    const body = campaign.template.body;
    const bank: LoadedBank = {
      campaign,
      settings,
      questions,
      template: body ? parseTemplate(body, { knownFields: MERGE_FIELD_NAMES, field: "script" }) : null,
      callerId: campaign.sender ?? this.#callerId ?? "",
    };
    // Settings, script and questions do not change after create; the status is read fresh where it matters.
    this.#banks.set(campaignId, bank);
    return bank;
  }

  async #questions(ids: readonly string[], field: string): Promise<SurveyQuestion[]> {
    if (ids.length === 0) return [];
    const rows = await this.#ctx.db
      .selectFrom("surveyQuestion")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("id", "in", [...ids])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id, index) => {
      const row = byId.get(id);
      if (!row) {
        throw new InvalidInputError({
          field: `${field}.${index}`,
          value: id,
          reason: "no such survey question in this organization",
        });
      }
      return {
        id: row.id,
        organizationId: row.organizationId,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        campaignId: row.campaignId,
        prompt: row.prompt,
        kind: row.kind as SurveyQuestion["kind"],
        responses: fromJson<SurveyQuestion["responses"]>(row.responses, []),
      };
    });
  }

  async #isRunning(campaignId: string): Promise<boolean> {
    const row = await this.#ctx.db
      .selectFrom("campaign")
      .select("status")
      .where("id", "=", campaignId)
      .where("organizationId", "=", this.#ctx.organizationId)
      .executeTakeFirst();
    return row?.status === "running";
  }

  async #requireRunning(campaignId: string): Promise<void> {
    if (!(await this.#isRunning(campaignId))) {
      const campaign = await this.#campaigns.require(campaignId);
      throw new PrecinctError({
        code: "conflict",
        message:
          campaign.status === "draft"
            ? `Phone bank ${campaignId} is a draft; launch it first (phonebanks.launch).`
            : `Phone bank ${campaignId} is ${campaign.status}; calls are placed only while it runs.`,
      });
    }
  }

  #voice(): VoiceTransport {
    const voice = this.#ctx.plugins.voice;
    if (!voice) {
      throw new ConfigError(
        "Phone banks need a voice transport: pass plugins: { voice: … } to createPrecinct() (createFakeVoice() from @precinct/testing places no real calls).",
      );
    }
    return voice;
  }

  #urls(): {
    answer(query: Record<string, string>): string;
    status(query: Record<string, string>): string;
  } {
    const urls = this.webhookUrls();
    if (!urls) {
      throw new ConfigError(
        "Phone banks need the public URL the voice provider calls back: createPrecinct({ phonebanks: { publicUrl } }) or phonebanks.configureWebhooks({ publicUrl }).",
      );
    }
    const withQuery = (base: string, query: Record<string, string>) =>
      `${base}?${new URLSearchParams(query).toString()}`;
    return {
      answer: (query) => withQuery(urls.answer, query),
      status: (query) => withQuery(urls.status, query),
    };
  }

  async #insertCall(input: {
    id: string;
    campaignId: string;
    personId: string | null;
    volunteerId: string | null;
    to: string;
    from: string;
    attempt: number;
    leg: "contact" | "volunteer";
    contactId: string | null;
    sessionId: string | null;
    at: string;
  }): Promise<void> {
    await this.#ctx.db
      .insertInto("call")
      .values({
        id: input.id,
        organizationId: this.#ctx.organizationId,
        createdAt: input.at,
        updatedAt: input.at,
        campaignId: input.campaignId,
        personId: input.personId,
        volunteerId: input.volunteerId,
        to: input.to,
        from: input.from,
        providerId: null,
        status: "queued",
        answeredBy: null,
        disposition: null,
        attempt: input.attempt,
        durationSeconds: null,
        startedAt: input.at,
        endedAt: null,
        leg: input.leg,
        contactId: input.contactId,
        sessionId: input.sessionId,
        answeredAt: null,
        abandoned: toBool(this.#ctx.dialect, false),
        voicemail: toBool(this.#ctx.dialect, false),
        errorCode: null,
        interactionId: null,
      })
      .execute();
  }

  async #placed(callId: string, providerId: string, status: string): Promise<void> {
    const at = this.#ctx.clock().toISOString();
    await this.#ctx.db
      .updateTable("call")
      .set({ providerId, updatedAt: at })
      .where("id", "=", callId)
      .execute();
    // A status callback may have moved the call already; the provider's answer never moves it back.
    if (status !== "queued") {
      await this.#ctx.db
        .updateTable("call")
        .set({ status })
        .where("id", "=", callId)
        .where("status", "=", "queued")
        .execute();
    }
  }

  async #failCall(callId: string, error: unknown): Promise<void> {
    const at = this.#ctx.clock().toISOString();
    const code = PrecinctError.isInstance(error)
      ? String(error.providerCode ?? error.code)
      : error instanceof DoNotCallNow
        ? "do_not_call"
        : "error";
    await this.#ctx.db
      .updateTable("call")
      .set({ status: "failed", errorCode: code, endedAt: at, updatedAt: at })
      .where("id", "=", callId)
      .execute();
  }

  async #callById(id: string): Promise<CallRow | undefined> {
    return this.#ctx.db
      .selectFrom("call")
      .selectAll()
      .where("id", "=", id)
      .where("organizationId", "=", this.#ctx.organizationId)
      .executeTakeFirst();
  }

  async #callByProvider(providerId: string, callId: string | null): Promise<CallRow | null> {
    const byProvider = await this.#ctx.db
      .selectFrom("call")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("providerId", "=", providerId)
      .executeTakeFirst();
    if (byProvider) return byProvider;
    if (!callId) return null;
    // The callback beat our write of the provider id: the status URL named our call.
    const byId = await this.#callById(callId);
    return byId && (byId.providerId === null || byId.providerId === providerId) ? byId : null;
  }

  async #sessionRowOrNull(id: string): Promise<SessionRow | undefined> {
    return this.#ctx.db
      .selectFrom("phonebankSession")
      .selectAll()
      .where("id", "=", id)
      .where("organizationId", "=", this.#ctx.organizationId)
      .executeTakeFirst();
  }

  async #sessionRow(id: string): Promise<SessionRow> {
    const row = await this.#sessionRowOrNull(id);
    if (!row) throw new NotFoundError("Call session", id);
    return row;
  }

  async #contactRowOrNull(id: string): Promise<ContactRow | undefined> {
    return this.#ctx.db
      .selectFrom("phonebankContact")
      .selectAll()
      .where("id", "=", id)
      .where("organizationId", "=", this.#ctx.organizationId)
      .executeTakeFirst();
  }

  async #contactRow(id: string): Promise<ContactRow> {
    const row = await this.#contactRowOrNull(id);
    if (!row) throw new NotFoundError("Phone bank contact", id);
    return row;
  }

  /**
   * Moves a session from one of `from` to `patch` (compare-and-set; with `callId`, only while it is on
   * that call). Returns the updated row, or undefined when the session was elsewhere.
   */
  async #casSession(
    id: string,
    from: readonly string[],
    patch: { state: string; contactId?: string | null },
    callId?: string,
  ): Promise<SessionRow | undefined> {
    const at = this.#ctx.clock().toISOString();
    let query = this.#ctx.db
      .updateTable("phonebankSession")
      .set({ ...patch, ...(patch.state === "ready" ? { readyAt: at } : {}), updatedAt: at })
      .where("id", "=", id)
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("state", "in", [...from]);
    if (callId !== undefined) query = query.where("callId", "=", callId);
    return query.returningAll().executeTakeFirst();
  }

  async #setSession(
    id: string,
    patch: { state: string; leftAt?: string },
    from: string[] | null,
  ): Promise<void> {
    let query = this.#ctx.db
      .updateTable("phonebankSession")
      .set({ ...patch, updatedAt: this.#ctx.clock().toISOString() })
      .where("id", "=", id);
    if (from) query = query.where("state", "in", from);
    await query.execute();
  }

  /** Predictive: hands an answered call to the volunteer who has waited longest, atomically. */
  async #claimFreeSession(
    campaignId: string,
    callId: string,
    contactId: string | null,
  ): Promise<SessionRow | undefined> {
    const ctx = this.#ctx;
    const at = ctx.clock().toISOString();
    for (let tries = 0; tries < 5; tries++) {
      const taken = await ctx.db
        .updateTable("phonebankSession")
        .set({ state: "talking", callId, contactId, updatedAt: at })
        .where("id", "=", (eb) => {
          let free = eb
            .selectFrom("phonebankSession as s")
            .select("s.id")
            .where("s.organizationId", "=", ctx.organizationId)
            .where("s.campaignId", "=", campaignId)
            .where("s.state", "=", "ready")
            .orderBy("s.readyAt")
            .orderBy("s.id")
            .limit(1);
          if (ctx.dialect === "postgres") free = free.forUpdate().skipLocked();
          return free;
        })
        .where("state", "=", "ready")
        .returningAll()
        .executeTakeFirst();
      if (taken) return taken;
      const readySession = await ctx.db
        .selectFrom("phonebankSession")
        .select("id")
        .where("organizationId", "=", ctx.organizationId)
        .where("campaignId", "=", campaignId)
        .where("state", "=", "ready")
        .limit(1)
        .executeTakeFirst();
      if (!readySession) return undefined;
    }
    return undefined;
  }

  /** Hands a claimed contact back to the list (due at `nextAttemptAt`, or when it was due). */
  async #release(contactId: string, nextAttemptAt: string | null): Promise<void> {
    await this.#ctx.db
      .updateTable("phonebankContact")
      .set({
        state: "ready",
        sessionId: null,
        leaseUntil: null,
        ...(nextAttemptAt ? { nextAttemptAt } : {}),
        updatedAt: this.#ctx.clock().toISOString(),
      })
      .where("id", "=", contactId)
      .where("state", "=", "claimed")
      .execute();
  }

  async #present(
    bank: LoadedBank,
    session: SessionRow,
    contactId: string,
    callId: string | null,
  ): Promise<NextContact> {
    const contact = toContact(await this.#contactRow(contactId));
    let script = "";
    if (bank.template) {
      const volunteer = await this.#ctx.db
        .selectFrom("person")
        .select("givenName")
        .where("id", "=", session.volunteerId)
        .executeTakeFirst();
      script = renderTemplate(
        bank.template,
        mergeValues(contact, {
          organization: this.#ctx.organization().name,
          texterName: volunteer?.givenName ?? null,
        }),
      ).text;
    }
    return {
      sessionId: session.id,
      contact,
      script,
      questions: bank.questions,
      resultCodes: VOLUNTEER_RESULT_CODES,
      callId,
    };
  }

  async #empty(campaignId: string): Promise<DialResult> {
    const row = await this.#ctx.db
      .selectFrom("phonebankContact")
      .select("nextAttemptAt")
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("campaignId", "=", campaignId)
      .where("state", "=", "ready")
      .orderBy("nextAttemptAt")
      .limit(1)
      .executeTakeFirst();
    return { status: "empty", nextAttemptAt: row?.nextAttemptAt ?? null };
  }

  /** Whether any contact of the campaign is due now (so idle power sessions have something to dial). */
  async #anyDue(campaignId: string, at: string): Promise<boolean> {
    const row = await this.#ctx.db
      .selectFrom("phonebankContact")
      .select("id")
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("campaignId", "=", campaignId)
      .where("state", "=", "ready")
      .where("nextAttemptAt", "<=", at)
      .where((eb) => eb.exists(runningCampaign(eb, campaignId, this.#ctx.organizationId)))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Runs follow-up work whose failure must not fail the caller (a webhook answer, a recorded result). */
  async #guard(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#onError(error);
    }
  }
}

/** A subquery that finds the campaign when it is running: claims stop the moment it is paused. */
function runningCampaign<DB extends Database, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  campaignId: string,
  organizationId: string,
) {
  const db = eb as unknown as ExpressionBuilder<Database, never>;
  return db
    .selectFrom("campaign")
    .select("campaign.id")
    .where("campaign.id", "=", campaignId)
    .where("campaign.organizationId", "=", organizationId)
    .where("campaign.status", "=", "running");
}

/**
 * True when a transport says a call may or may not have been placed (a lost answer to a request that
 * reached the provider): `details.failureReason: "uncertain"`, as `@precinct/twilio` reports it.
 */
function isUncertain(error: unknown): boolean {
  return PrecinctError.isInstance(error) && error.details.failureReason === "uncertain";
}

/** The fence saw a do-not-call request between the gate and the dial. */
class DoNotCallNow extends Error {}

/** The dialer's result for a call that ended without a conversation. */
function systemResult(call: CallRow): ResultCode {
  if (fromBool(call.abandoned)) return "abandoned";
  if (fromBool(call.voicemail)) return "voicemail_left";
  if (call.answeredBy && MACHINE.has(call.answeredBy)) return "machine";
  switch (call.status) {
    case "busy":
      return "busy";
    case "no-answer":
      return "no_answer";
    case "failed":
      return "failed";
    case "canceled":
      return "canceled";
    default:
      // Answered, but the answer URL was never fetched: nobody spoke to them.
      return call.answeredAt === null ? "no_answer" : "incomplete";
  }
}

function recorded(message: RecordedMessage): AnswerInstructionsInput {
  return "say" in message
    ? { action: "say", text: message.say, ...(message.language ? { language: message.language } : {}) }
    : { action: "play", audioUrl: message.play };
}

/** `+19195550100` → `919 555 0100`, so text-to-speech reads a North American number as digits. */
function spokenNumber(e164: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return nanp ? `${nanp[1]} ${nanp[2]} ${nanp[3]}` : e164.replace(/^\+/, "plus ").split("").join(" ");
}

function publicBank(bank: LoadedBank): PhoneBank {
  return { campaign: bank.campaign, settings: bank.settings, questions: bank.questions };
}
