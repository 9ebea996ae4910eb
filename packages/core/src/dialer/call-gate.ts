/**
 * The dialer's compliance gate, run when the call list is built and again immediately before every dial:
 * the organization's do-not-call list (voice opt-outs), the phone bank's consent policy, numbers known to
 * be wrong or disconnected, the campaign's schedule, quiet hours in the recipient's local time, and the
 * per-24-hours call caps of states that have one (Florida, Maryland, Oklahoma). Unlike texting, landlines
 * may be called.
 *
 * @module
 */
import type { OutreachContext } from "../outreach/context.js";
import { checkQuietHours, type RecipientLocation, sendingWindow } from "../outreach/quiet-hours/index.js";
import type { Campaign } from "../spec/model/outreach.js";
import type { ContactBlockReason } from "./types.js";

/** The gate's verdict on one dial. */
export type CallGateDecision =
  | { readonly verdict: "call" }
  | { readonly verdict: "block"; readonly reason: ContactBlockReason }
  | {
      readonly verdict: "wait";
      /** `quiet_hours`, `sunday`, `holiday`, `schedule` (the phone bank has not started) or `frequency_cap`. */
      readonly reason: string;
      readonly until: Date;
    }
  | { readonly verdict: "ended" };

/** What the gate needs to know about a contact. */
export interface CallGateSubject {
  readonly phone: string;
  readonly personId: string | null;
  readonly region: string | null;
  readonly timeZone: string | null;
}

/**
 * A call must start at least this long before the recipient's window closes: the provider may queue it
 * for a few seconds, and a call that starts at 20:59:59.9 in the dialer may ring at 21:00:01.
 */
const WINDOW_MARGIN_MS = 60_000;

/** @internal Where a contact is for quiet hours, as stored on the call list. */
export function contactLocation(ctx: OutreachContext, subject: CallGateSubject): RecipientLocation {
  const timeZone = subject.timeZone ?? ctx.organization().timeZone;
  return subject.region
    ? { state: subject.region, timeZone, source: "address" }
    : { state: null, timeZone, source: "unknown" };
}

/** @internal The consent verdict of the call list and the gate. */
export function voiceConsentVerdict(
  policy: Campaign["policy"],
  status: "opted_in" | "opted_out" | "unknown",
): ContactBlockReason | null {
  if (status === "opted_out") return "do_not_call";
  if (policy.consent === "opt_in_required" && status !== "opted_in") return "no_consent";
  return null;
}

/**
 * @internal Numbers that must not be called for these people: disconnected for anyone, or marked a wrong
 * number on the person it was listed for.
 */
export async function unreachableNumbers(
  ctx: OutreachContext,
  subjects: readonly { readonly phone: string; readonly personId: string | null }[],
): Promise<Set<string>> {
  const unreachable = new Set<string>();
  const numbers = [...new Set(subjects.map((s) => s.phone))];
  for (let start = 0; start < numbers.length; start += 500) {
    const chunk = numbers.slice(start, start + 500);
    const rows = await ctx.db
      .selectFrom("personPhone")
      .select(["number", "personId", "status"])
      .where("organizationId", "=", ctx.organizationId)
      .where("number", "in", chunk)
      .where("status", "in", ["wrong_number", "disconnected"])
      .execute();
    const owners = new Map<string, Set<string | null>>();
    for (const subject of subjects) {
      const set = owners.get(subject.phone) ?? new Set();
      set.add(subject.personId);
      owners.set(subject.phone, set);
    }
    for (const row of rows) {
      if (row.status === "disconnected" || owners.get(row.number)?.has(row.personId)) {
        unreachable.add(row.number);
      }
    }
  }
  return unreachable;
}

/** @internal The gate immediately before a dial. */
export async function callGate(
  ctx: OutreachContext,
  campaign: Pick<Campaign, "policy" | "schedule">,
  subject: CallGateSubject,
  now: Date,
): Promise<CallGateDecision> {
  // A do-not-call request handled by this process while the ledger query below is in flight still wins.
  if (ctx.fence.blocks("voice", subject.phone)) return { verdict: "block", reason: "do_not_call" };
  const [status] = await ctx.consent.statuses("voice", [subject.phone]);
  const refusal = voiceConsentVerdict(campaign.policy, status?.status ?? "unknown");
  if (refusal) return { verdict: "block", reason: refusal };
  if ((await unreachableNumbers(ctx, [subject])).size > 0) {
    return { verdict: "block", reason: "unreachable_number" };
  }
  const timed = timing(ctx, campaign, subject, now);
  if (timed.verdict !== "call") return timed;
  const cap = sendingWindow(
    contactLocation(ctx, subject),
    campaign.policy.quietHours ?? undefined,
  ).maxPerPersonPer24h;
  if (cap !== undefined) {
    // Calls placed to this number by any phone bank of the organization in the last 24 hours.
    const since = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
    const recent = await ctx.db
      .selectFrom("call")
      .select("startedAt")
      .where("organizationId", "=", ctx.organizationId)
      .where("to", "=", subject.phone)
      .where("leg", "=", "contact")
      .where("startedAt", ">=", since)
      .orderBy("startedAt", "desc")
      .limit(cap)
      .execute();
    if (recent.length >= cap) {
      const oldest = recent[recent.length - 1]!.startedAt!;
      return {
        verdict: "wait",
        reason: "frequency_cap",
        until: new Date(new Date(oldest).getTime() + 24 * 3600 * 1000 + 1000),
      };
    }
  }
  return timed;
}

/** @internal Schedule and quiet hours alone (no storage), for the call list and the gate. */
export function timing(
  ctx: OutreachContext,
  campaign: Pick<Campaign, "policy" | "schedule">,
  subject: CallGateSubject,
  now: Date,
): CallGateDecision {
  const { startAt, endAt } = campaign.schedule;
  if (endAt && new Date(endAt) <= now) return { verdict: "ended" };
  if (startAt && new Date(startAt) > now) {
    return { verdict: "wait", reason: "schedule", until: new Date(startAt) };
  }
  const location = contactLocation(ctx, subject);
  const policy = campaign.policy.quietHours ?? undefined;
  const check = checkQuietHours(now, location, policy);
  if (!check.allowed) return { verdict: "wait", reason: check.reason, until: check.nextAllowedAt };
  if (check.windowEndsAt.getTime() - now.getTime() < WINDOW_MARGIN_MS) {
    const after = new Date(check.windowEndsAt.getTime() + 1000);
    const next = checkQuietHours(after, location, policy);
    return { verdict: "wait", reason: "quiet_hours", until: next.allowed ? after : next.nextAllowedAt };
  }
  return { verdict: "call" };
}
