/**
 * The compliance gate: every send, blast or peer-to-peer, passes it twice — when the audience is written
 * to the outbox (so a blocked recipient is recorded with its reason at once) and again immediately before
 * the provider call (consent, quiet hours and caps can change in between).
 *
 * @module
 */
import type { Campaign, CampaignPolicy } from "../spec/model/outreach.js";
import type { OutreachContext } from "./context.js";
import {
  checkQuietHours,
  locateRecipient,
  type RecipientLocation,
  sendingWindow,
} from "./quiet-hours/index.js";

/** Why the gate refused a message for good. Recorded on the outbox row; never silent. */
export type BlockReason =
  /** The contact point's latest consent event is an opt-out. */
  | "opted_out"
  /** The campaign requires an opt-in (blast) and there is none. */
  | "no_consent"
  /** The number is known to be a landline. */
  | "landline"
  /** The number is marked wrong or disconnected. */
  | "unreachable_number"
  /** The recipient has no usable phone number. */
  | "no_phone"
  /** Another recipient of this campaign shares the phone: one message per phone per campaign. */
  | "duplicate_phone"
  | "duplicate_email"
  /** A merge field without a value and without a fallback. */
  | "missing_merge_field"
  /** The campaign was canceled before the message was sent. */
  | "campaign_canceled"
  /** The provider reported the number opted out (Twilio 21610). */
  | "provider_opted_out"
  /** The provider refused the number as invalid or unable to receive texts. */
  | "invalid_number";

/** Why the gate postponed a message. The dispatcher tries again at `until`. */
export type WaitReason = "quiet_hours" | "sunday" | "holiday" | "frequency_cap" | "schedule";

/** The gate's verdict on one message. */
export type GateDecision =
  | {
      readonly verdict: "send";
      /** Seconds until the recipient's sending window closes: the provider should drop it after that. */
      readonly validityPeriodSeconds: number;
      /**
       * The frequency cap that applies, with the sends already counted against it: the dispatcher adds
       * the sends it has in flight before it calls the provider.
       */
      readonly cap?: { readonly limit: number; readonly recent: readonly string[] };
    }
  | { readonly verdict: "block"; readonly reason: BlockReason }
  | { readonly verdict: "wait"; readonly reason: WaitReason; readonly until: Date };

/** One prospective message as the gate sees it. */
export interface GateSubject {
  readonly contactPoint: string;
  readonly personId: string | null;
  readonly region: string | null;
  readonly timeZone: string | null;
}

/** @internal Where a recipient is, for quiet hours, from their address or else their number. */
export function recipientLocation(
  ctx: OutreachContext,
  input: { region?: string | null; postalCode?: string | null; phone: string },
): RecipientLocation {
  return locateRecipient(
    { region: input.region ?? null, postalCode: input.postalCode ?? null, phone: input.phone },
    { fallbackTimeZone: ctx.organization().timeZone },
  );
}

/** @internal The location stored on an outbox row, back as the quiet-hours module wants it. */
export function storedLocation(ctx: OutreachContext, subject: GateSubject): RecipientLocation {
  return subject.region
    ? { state: subject.region, timeZone: subject.timeZone ?? ctx.organization().timeZone, source: "address" }
    : { state: null, timeZone: subject.timeZone ?? ctx.organization().timeZone, source: "unknown" };
}

/** The consent a campaign needs on SMS: blasts need an opt-in, P2P needs no opt-out. */
/** A contact point's consent on a channel, as the ledger's latest event says. */
export type ConsentState = "opted_in" | "opted_out" | "unknown";

/**
 * @internal How long a consent reading taken when rows are claimed stands in for a fresh query just
 * before the send (milliseconds, on the process's monotonic clock).
 */
export const PREFETCH_FRESH_MS = 1000;

export function consentVerdict(
  policy: CampaignPolicy,
  status: "opted_in" | "opted_out" | "unknown",
): BlockReason | null {
  if (status === "opted_out") return "opted_out";
  if (policy.consent === "opt_in_required" && status !== "opted_in") return "no_consent";
  return null;
}

/** @internal The gate. One instance per client. */
export class ComplianceGate {
  readonly #ctx: OutreachContext;
  /** Consent read in bulk when rows are claimed: contact point → status and when it was read. */
  readonly #prefetched = new Map<string, { status: ConsentState; readAt: number }>();

  constructor(ctx: OutreachContext) {
    this.#ctx = ctx;
  }

  /**
   * Quiet hours and the sending window for one recipient now. `wait` when the recipient's local time is
   * outside the window (or a Sunday/holiday where the state forbids them).
   */
  timing(subject: GateSubject, policy: CampaignPolicy, at: Date = this.#ctx.clock()): GateDecision {
    const location = storedLocation(this.#ctx, subject);
    const check = checkQuietHours(at, location, policy.quietHours ?? undefined);
    if (!check.allowed) return { verdict: "wait", reason: check.reason, until: check.nextAllowedAt };
    const seconds = Math.floor((check.windowEndsAt.getTime() - at.getTime()) / 1000);
    // Too little of the window left to be sure it lands inside it: wait for the next one.
    if (seconds < 60) {
      const next = checkQuietHours(
        new Date(check.windowEndsAt.getTime() + 1000),
        location,
        policy.quietHours ?? undefined,
      );
      return {
        verdict: "wait",
        reason: "quiet_hours",
        until: next.allowed ? new Date(check.windowEndsAt.getTime() + 1000) : next.nextAllowedAt,
      };
    }
    return { verdict: "send", validityPeriodSeconds: seconds };
  }

  /**
   * The check immediately before a provider call: consent from the ledger (and this process's fence),
   * quiet hours, and the frequency caps (the campaign's and the state's, per person across the
   * organization). The caller must call the provider without any `await` after it, after re-reading
   * {@link OutreachContext.fence}.
   */
  async final(
    subject: GateSubject,
    campaign: Pick<Campaign, "policy"> | null,
    known?: ConsentState,
  ): Promise<GateDecision> {
    const ctx = this.#ctx;
    if (ctx.fence.blocks("sms", subject.contactPoint)) return { verdict: "block", reason: "opted_out" };
    const status = known ?? (await ctx.consent.statuses("sms", [subject.contactPoint]))[0]!.status;
    const policy = campaign?.policy;
    if (policy) {
      const refusal = consentVerdict(policy, status);
      if (refusal) return { verdict: "block", reason: refusal };
    } else if (status === "opted_out") {
      return { verdict: "block", reason: "opted_out" };
    }
    if (!policy) return { verdict: "send", validityPeriodSeconds: 4 * 3600 };

    const timing = this.timing(subject, policy);
    if (timing.verdict !== "send") return timing;

    const stateCap = sendingWindow(
      storedLocation(ctx, subject),
      policy.quietHours ?? undefined,
    ).maxPerPersonPer24h;
    const caps = [policy.frequencyCapPer24h, stateCap].filter((n): n is number => typeof n === "number");
    if (caps.length > 0) {
      const cap = Math.min(...caps);
      const now = ctx.clock();
      const since = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
      const recent = await this.#recentSends(subject, since);
      const capped = capWait(cap, recent);
      if (capped) return capped;
      return { ...timing, cap: { limit: cap, recent } };
    }
    return timing;
  }

  /** Send times (ascending) of outbound texts to this person or number in the window. */
  /**
   * Reads the consent of claimed rows in one query, so the final check before each send need not query
   * again. A reading is used for {@link PREFETCH_FRESH_MS} only: opt-outs handled by this process reach
   * the send through the fence at once, and those handled by another process are seen within that time.
   */
  async prefetch(subjects: readonly Pick<GateSubject, "contactPoint">[]): Promise<void> {
    if (subjects.length === 0) return;
    const readAt = performance.now();
    if (this.#prefetched.size > 50_000) this.#prefetched.clear();
    const points = [...new Set(subjects.map((subject) => subject.contactPoint))];
    for (const [contactPoint, status] of await this.#ctx.consent.currentStatuses("sms", points)) {
      this.#prefetched.set(contactPoint, { status, readAt });
    }
  }

  /** The prefetched consent of a contact point while it is fresh, and forgets it (one send per reading). */
  prefetched(contactPoint: string): ConsentState | undefined {
    const reading = this.#prefetched.get(contactPoint);
    if (reading === undefined) return undefined;
    this.#prefetched.delete(contactPoint);
    return performance.now() - reading.readAt <= PREFETCH_FRESH_MS ? reading.status : undefined;
  }

  async #recentSends(subject: GateSubject, since: string): Promise<string[]> {
    const { db, organizationId } = this.#ctx;
    const rows = await db
      .selectFrom("message")
      .select("sentAt")
      .where("organizationId", "=", organizationId)
      .where("direction", "=", "outbound")
      .where("channel", "=", "sms")
      .where("sentAt", ">=", since)
      .where((eb) =>
        subject.personId
          ? eb.or([eb("to", "=", subject.contactPoint), eb("personId", "=", subject.personId)])
          : eb("to", "=", subject.contactPoint),
      )
      .orderBy("sentAt")
      .execute();
    return rows.map((row) => row.sentAt).filter((value): value is string => value !== null);
  }

  /**
   * Known line types of many numbers: the person's own record when it says, else a carrier lookup stored
   * in `phone_line_type`. Numbers with no knowledge are absent from the map.
   */
  async lineTypes(numbers: readonly string[]): Promise<Map<string, string>> {
    const { db, organizationId } = this.#ctx;
    const known = new Map<string, string>();
    for (let start = 0; start < numbers.length; start += 500) {
      const chunk = numbers.slice(start, start + 500);
      const looked = await db
        .selectFrom("phoneLineType")
        .select(["number", "lineType"])
        .where("organizationId", "=", organizationId)
        .where("number", "in", chunk)
        .execute();
      for (const row of looked) if (row.lineType !== "unknown") known.set(row.number, row.lineType);
      const own = await db
        .selectFrom("personPhone")
        .select(["number", "lineType", "status"])
        .where("organizationId", "=", organizationId)
        .where("number", "in", chunk)
        .execute();
      for (const row of own) {
        if (row.status === "wrong_number" || row.status === "disconnected")
          known.set(row.number, "unreachable");
        else if (row.lineType !== "unknown" && known.get(row.number) !== "unreachable") {
          known.set(row.number, row.lineType);
        }
      }
    }
    return known;
  }

  /** Remembers a line type learned from the provider (a lookup or a 30006/21614 refusal). */
  async rememberLineType(number: string, lineType: string, source: string): Promise<void> {
    const { db, organizationId } = this.#ctx;
    const checkedAt = this.#ctx.clock().toISOString();
    await db
      .insertInto("phoneLineType")
      .values({ organizationId, number, lineType, source, checkedAt })
      .onConflict((oc) =>
        oc.columns(["organizationId", "number"]).doUpdateSet({ lineType, source, checkedAt }),
      )
      .execute();
  }
}

/**
 * @internal `wait` when `recent` send times (ascending ISO) already fill the cap: free again when the oldest
 * send that counts toward it is 24 hours old.
 */
export function capWait(limit: number, recent: readonly string[]): GateDecision | null {
  if (recent.length < limit) return null;
  const sorted = [...recent].sort();
  const oldest = sorted[sorted.length - limit]!;
  return {
    verdict: "wait",
    reason: "frequency_cap",
    until: new Date(new Date(oldest).getTime() + 24 * 3600 * 1000 + 1000),
  };
}
