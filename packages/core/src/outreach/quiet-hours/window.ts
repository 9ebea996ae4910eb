/**
 * The sending window for one recipient and whether a message may go now: the federal floor, the
 * recipient's state rule and the organization's policy, intersected, read on the recipient's clock.
 *
 * @module
 */

import { usStateCode } from "../../normalize/us-states.js";
import { ConfigError, InvalidInputError } from "../../spec/errors.js";
import { usFederalHolidayOn } from "./holidays.js";
import type { RecipientLocation } from "./locate.js";
import { parseQuietHoursPolicy, type QuietHoursPolicyInput, type QuietHoursRuleOverride } from "./policy.js";
import { clockMinutes, FEDERAL_RULE_KEY, QUIET_HOURS_RULES } from "./rules.js";
import {
  addDays,
  instantAt,
  type LocalDate,
  localDateTime,
  requireTimeZone,
  weekdayOf,
} from "./zoned-time.js";

/** The effective rule for one recipient: what the law and the policy allow together. */
export interface SendingWindow {
  /** Earliest local time to send, `HH:MM`. */
  readonly start: string;
  /** Local time sending stops, `HH:MM` (exclusive). */
  readonly end: string;
  /** No messages on Sundays. */
  readonly noSundays: boolean;
  /** No messages on US federal holidays (the holiday itself and the weekday it is observed). */
  readonly noHolidays: boolean;
  /** At most this many messages per person in any 24 hours; `undefined` when nothing caps it. */
  readonly maxPerPersonPer24h: number | undefined;
  /** The zone the window is read in (the recipient's). */
  readonly timeZone: string;
  /** The recipient's state, or `null` when unknown (the strictest rule of all states applied). */
  readonly state: string | null;
  /** Citations of the laws that shaped the window, plus `policy` when the organization's policy applies. */
  readonly sources: readonly string[];
}

/** Why a message may not go now. */
export type QuietHoursReason = "quiet_hours" | "sunday" | "holiday";

/** The verdict of {@link checkQuietHours}. */
export type QuietHoursCheck =
  | {
      readonly allowed: true;
      /**
       * When today's window closes. Give the provider a validity period up to it, so a message stuck in
       * a queue is dropped rather than delivered late at night.
       */
      readonly windowEndsAt: Date;
    }
  | {
      readonly allowed: false;
      /** `quiet_hours` (outside today's hours), `sunday` or `holiday` (the whole day is closed). */
      readonly reason: QuietHoursReason;
      /** The next instant a message may go (the start of the next open window). */
      readonly nextAllowedAt: Date;
    };

type Constraint = QuietHoursRuleOverride & { readonly source: string };

const federal = QUIET_HOURS_RULES[FEDERAL_RULE_KEY]!;
const LOCATION_SOURCES = new Set(["address", "area_code", "unknown"]);

function validLocation(location: RecipientLocation): RecipientLocation {
  if (location === null || typeof location !== "object") {
    throw new InvalidInputError({
      field: "location",
      value: location,
      reason: "must be a RecipientLocation",
    });
  }
  requireTimeZone(location.timeZone, "location.timeZone");
  if (!LOCATION_SOURCES.has(location.source)) {
    throw new InvalidInputError({
      field: "location.source",
      value: location.source,
      reason: "must be address, area_code or unknown",
    });
  }
  return location;
}

/**
 * The USPS code of a stored state (`FL`, `fl`, `Florida`), or `null` when it names no US state: an
 * unrecognised state must not quietly fall back to the federal floor, so it counts as unknown.
 */
function knownState(state: unknown): string | null {
  if (typeof state !== "string") return null;
  try {
    return usStateCode(state, { field: "location.state" });
  } catch {
    return null;
  }
}

/** Later of two `HH:MM` times. */
const later = (a: string, b: string): string => (clockMinutes(b) > clockMinutes(a) ? b : a);
/** Earlier of two `HH:MM` times. */
const earlier = (a: string, b: string): string => (clockMinutes(b) < clockMinutes(a) ? b : a);

/**
 * Policies already validated, by object: the dispatcher asks about the same campaign policy for every
 * message, and validating it each time was most of the cost of a quiet-hours check.
 */
const validated = new WeakMap<object, QuietHoursPolicyInput>();

function parsedPolicy(policy: QuietHoursPolicyInput): QuietHoursPolicyInput {
  const known = validated.get(policy);
  if (known) return known;
  const parsed = parseQuietHoursPolicy(policy);
  validated.set(policy, parsed);
  return parsed;
}

/**
 * The effective sending window for a recipient: the intersection of the federal floor, the state's rule
 * and the policy (latest start, earliest end, any Sunday or holiday ban, smallest cap).
 *
 * A recipient whose location is `unknown` (or whose state is `null` or not a US state) could be anywhere,
 * so the window is
 * the strictest over **all** states' rules and all of the policy's per-state rules (today 10:00–20:00,
 * no Sundays or holidays, 3 a day), read in `location.timeZone`.
 *
 * @param location - From `locateRecipient`.
 * @param policy - The organization's or campaign's policy; validated here.
 * @throws {@link InvalidInputError} when the policy or the location is invalid (naming the field).
 * @throws {@link ConfigError} when the policy leaves no time to send in this recipient's state (a start
 *   at or after the law's end).
 */
export function sendingWindow(
  location: RecipientLocation,
  policy?: QuietHoursPolicyInput | null,
): SendingWindow {
  validLocation(location);
  const parsed = policy === undefined || policy === null ? undefined : parsedPolicy(policy);
  const state = location.source === "unknown" ? null : knownState(location.state);

  const constraints: Constraint[] = [federal];
  if (state !== null) {
    const rule = QUIET_HOURS_RULES[state];
    if (rule !== undefined && state !== FEDERAL_RULE_KEY) constraints.push(rule);
  } else {
    for (const [key, rule] of Object.entries(QUIET_HOURS_RULES)) {
      if (key !== FEDERAL_RULE_KEY) constraints.push(rule);
    }
  }
  if (parsed !== undefined) {
    constraints.push({ ...parsed, source: "policy" });
    for (const [key, rule] of Object.entries(parsed.states ?? {})) {
      if (state === null || key === state) constraints.push({ ...rule, source: `policy.states.${key}` });
    }
  }

  let start = federal.start;
  let end = federal.end;
  let noSundays = false;
  let noHolidays = false;
  let cap: number | undefined;
  const sources: string[] = [];
  for (const constraint of constraints) {
    if (constraint.start !== undefined) start = later(start, constraint.start);
    if (constraint.end !== undefined) end = earlier(end, constraint.end);
    noSundays ||= constraint.noSundays === true;
    noHolidays ||= constraint.noHolidays === true;
    if (constraint.maxPerPersonPer24h !== undefined) {
      cap = Math.min(cap ?? Number.POSITIVE_INFINITY, constraint.maxPerPersonPer24h);
    }
    // Policy sources are named once, not once per state rule.
    const source = constraint.source.startsWith("policy") ? "policy" : constraint.source;
    if (!sources.includes(source)) sources.push(source);
  }
  if (clockMinutes(start) >= clockMinutes(end)) {
    throw new ConfigError(
      `The quiet-hours policy leaves no time to send to recipients ${state === null ? "of unknown location" : `in ${state}`}: ` +
        `the latest start (${start}) is not before the earliest end (${end}).`,
      { details: { state, start, end } },
    );
  }
  return Object.freeze({
    start,
    end,
    noSundays,
    noHolidays,
    maxPerPersonPer24h: cap,
    timeZone: location.timeZone,
    state,
    sources: Object.freeze(sources),
  });
}

/** Why a whole local day is closed, or `undefined` when it is open. */
function closedDay(date: LocalDate, window: SendingWindow): QuietHoursReason | undefined {
  if (window.noSundays && weekdayOf(date) === 0) return "sunday";
  if (window.noHolidays && usFederalHolidayOn(date) !== undefined) return "holiday";
  return undefined;
}

/** The instant the window opens on `date` (local), in the window's zone. */
function opening(date: LocalDate, window: SendingWindow): number {
  const minutes = clockMinutes(window.start);
  return instantAt(date, Math.floor(minutes / 60), minutes % 60, window.timeZone);
}

/** The instant the window closes on `date` (local). */
function closing(date: LocalDate, window: SendingWindow): number {
  const minutes = clockMinutes(window.end);
  return instantAt(date, Math.floor(minutes / 60), minutes % 60, window.timeZone);
}

/** The opening of the first open day on or after `date`. */
function nextOpening(date: LocalDate, window: SendingWindow): number {
  let day = date;
  // Sundays and holidays close at most a few days in a row (Christmas on a Sunday closes Sunday and the
  // observed Monday); a year bounds the loop against any data mistake.
  for (let i = 0; i < 366; i++) {
    if (closedDay(day, window) === undefined) return opening(day, window);
    day = addDays(day, 1);
  }
  throw new ConfigError("The quiet-hours rules leave no day open to send within a year.");
}

/**
 * Whether a message may reach a recipient at `now`, on the recipient's clock.
 *
 * Windows are computed from wall-clock times on each local date, so they follow daylight-saving changes:
 * 08:00 on the spring-forward Sunday is 12:00 UTC in New York, the day before it is 13:00 UTC. Zones
 * without daylight saving (America/Phoenix, Pacific/Honolulu) keep one offset all year.
 *
 * @param now - The instant of sending.
 * @param location - From `locateRecipient`.
 * @param policy - The organization's or campaign's policy (can only tighten the law).
 * @returns `{ allowed: true, windowEndsAt }`, or `{ allowed: false, reason, nextAllowedAt }`.
 * @throws {@link InvalidInputError} when `now` is not a valid Date, or the location or policy is invalid.
 * @throws {@link ConfigError} when the policy leaves no time to send (see {@link sendingWindow}).
 * @example
 * ```ts
 * const location = locateRecipient({ phone: "+13055550123" }, { fallbackTimeZone: "America/New_York" });
 * checkQuietHours(new Date("2026-03-10T00:30:00Z"), location); // 20:30 in Miami
 * // { allowed: false, reason: "quiet_hours", nextAllowedAt: 2026-03-10T12:00:00.000Z }
 * ```
 */
export function checkQuietHours(
  now: Date,
  location: RecipientLocation,
  policy?: QuietHoursPolicyInput | null,
): QuietHoursCheck {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new InvalidInputError({ field: "now", value: now, reason: "must be a valid Date" });
  }
  const window = sendingWindow(location, policy);
  const instant = now.getTime();
  const local = localDateTime(instant, window.timeZone);
  const today: LocalDate = { year: local.year, month: local.month, day: local.day };

  const closed = closedDay(today, window);
  if (closed !== undefined) {
    return {
      allowed: false,
      reason: closed,
      nextAllowedAt: new Date(nextOpening(addDays(today, 1), window)),
    };
  }
  const opens = opening(today, window);
  if (instant < opens) return { allowed: false, reason: "quiet_hours", nextAllowedAt: new Date(opens) };
  const closes = closing(today, window);
  if (instant >= closes) {
    return {
      allowed: false,
      reason: "quiet_hours",
      nextAllowedAt: new Date(nextOpening(addDays(today, 1), window)),
    };
  }
  return { allowed: true, windowEndsAt: new Date(closes) };
}

/**
 * The first instant at or after `now` when a message may reach the recipient: `now` itself when the
 * window is open, else the start of the next open window.
 *
 * @param now - The instant from which to look.
 * @param location - From `locateRecipient`.
 * @param policy - The organization's or campaign's policy.
 * @throws As {@link checkQuietHours}.
 */
export function nextAllowedTime(
  now: Date,
  location: RecipientLocation,
  policy?: QuietHoursPolicyInput | null,
): Date {
  const check = checkQuietHours(now, location, policy);
  return check.allowed ? new Date(now.getTime()) : check.nextAllowedAt;
}
