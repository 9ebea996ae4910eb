/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl`: what a recipient's clock reads at an
 * instant, and the instant at which it reads a given time. Quiet hours are defined on the recipient's
 * wall clock, so every check goes through these two conversions.
 *
 * @module
 */

import { InvalidInputError } from "../../spec/errors.js";

/** A calendar date, month 1–12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A wall-clock reading: a calendar date and a time of day. */
export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

const DAY_MS = 86_400_000;

// Building an Intl.DateTimeFormat costs far more than formatting with one; a campaign checks the same
// handful of zones for every recipient.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * True when `timeZone` is an IANA zone this runtime knows (`America/Chicago`, also aliases such as
 * `US/Eastern` and `UTC`, which `Intl.supportedValuesOf` leaves out).
 */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== "string" || timeZone === "") return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** @internal Throws an {@link InvalidInputError} for `field` unless `timeZone` is a known IANA zone. */
export function requireTimeZone(timeZone: unknown, field: string): string {
  if (!isValidTimeZone(timeZone)) {
    throw new InvalidInputError({
      field,
      value: timeZone,
      reason: "is not an IANA time zone (like America/Chicago)",
    });
  }
  return timeZone;
}

/** Milliseconds since the epoch of a wall-clock reading taken as if it were UTC. Handles years 0–99. */
export function wallMs(date: LocalDate, hour = 0, minute = 0, second = 0): number {
  const value = new Date(0);
  value.setUTCFullYear(date.year, date.month - 1, date.day);
  value.setUTCHours(hour, minute, second, 0);
  return value.getTime();
}

/** The date `days` after `date` (negative: before), across month and year ends. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const value = new Date(wallMs(date) + days * DAY_MS);
  return { year: value.getUTCFullYear(), month: value.getUTCMonth() + 1, day: value.getUTCDate() };
}

/** The weekday of a calendar date, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: LocalDate): number {
  return new Date(wallMs(date)).getUTCDay();
}

/** `YYYY-MM-DD`. */
export function formatLocalDate(date: LocalDate): string {
  const year = String(date.year).padStart(4, "0");
  return `${year}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}

/**
 * What a clock in `timeZone` reads at `instant` (milliseconds since the epoch), to the second.
 *
 * @param instant - Milliseconds since the epoch.
 * @param timeZone - An IANA zone, already validated.
 */
export function localDateTime(instant: number, timeZone: string): LocalDateTime {
  const offset = cachedOffset(instant, timeZone);
  if (offset !== undefined) {
    const wall = new Date(Math.floor(instant / 1000) * 1000 + offset);
    const date = { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
    return {
      ...date,
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      weekday: wall.getUTCDay(),
    };
  }
  return formattedDateTime(instant, timeZone);
}

/**
 * Offsets by zone and quarter hour. Formatting with `Intl` costs tens of microseconds, and the gate asks
 * for the same few zones at the same few instants for every recipient of a campaign. Zones change offset
 * only at whole quarter hours (in practice at whole or half hours), so an offset that is the same at both
 * ends of a quarter hour holds throughout it.
 */
const OFFSET_BUCKET_MS = 15 * 60 * 1000;
const offsets = new Map<string, number | null>();

function cachedOffset(instant: number, timeZone: string): number | undefined {
  const bucket = Math.floor(instant / OFFSET_BUCKET_MS);
  const key = `${timeZone}\u0000${bucket}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const start = bucket * OFFSET_BUCKET_MS;
    const first = directOffset(start, timeZone);
    // A change inside this quarter hour: no shortcut, format each instant.
    offset = first === directOffset(start + OFFSET_BUCKET_MS - 1000, timeZone) ? first : null;
    if (offsets.size >= 10_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset ?? undefined;
}

function directOffset(instant: number, timeZone: string): number {
  const local = formattedDateTime(instant, timeZone);
  return wallMs(local, local.hour, local.minute, local.second) - Math.floor(instant / 1000) * 1000;
}

function formattedDateTime(instant: number, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const date = { year: fields.year!, month: fields.month!, day: fields.day! };
  return {
    ...date,
    // Some ICU versions print midnight as 24 even with h23; it is the same day's 00.
    hour: fields.hour === 24 ? 0 : fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
    weekday: weekdayOf(date),
  };
}

/** The zone's offset from UTC at `instant`, in milliseconds (New York in winter: -18,000,000). */
export function offsetAt(instant: number, timeZone: string): number {
  const local = localDateTime(instant, timeZone);
  return wallMs(local, local.hour, local.minute, local.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which a clock in `timeZone` reads `date` at `hour:minute`.
 *
 * Around daylight-saving changes a wall time can occur twice or not at all:
 * - twice (fall back, 01:30 in New York on the first Sunday of November): the earlier instant;
 * - not at all (spring forward, 02:30 on the second Sunday of March): the first valid instant after the
 *   gap, i.e. the moment the clock jumps (03:00 new time). A window that "starts at 02:30" has started by
 *   then, and not a minute earlier.
 *
 * @param date - The local calendar date.
 * @param hour - 0–23.
 * @param minute - 0–59.
 * @param timeZone - An IANA zone, already validated.
 * @returns Milliseconds since the epoch.
 */
export function instantAt(date: LocalDate, hour: number, minute: number, timeZone: string): number {
  const wall = wallMs(date, hour, minute);
  // Every instant whose clock could read `wall` lies within a day of it (offsets stay within ±14 h).
  // Zones change offset a few times a year at most, so the offsets a day either side cover both sides of
  // any change near this date; when they agree there is no change, and the answer is direct.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  if (before === after) return wall - before;
  const offsets = [...new Set([before, offsetAt(wall, timeZone), after])];
  let earliest: number | undefined;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (offsetAt(candidate, timeZone) === offset && (earliest === undefined || candidate < earliest)) {
      earliest = candidate;
    }
  }
  if (earliest !== undefined) return earliest;

  // A gap: the clock jumps from before this wall time to after it. The jump happens somewhere in
  // (wall - largest offset, wall - smallest offset]; find the first instant whose clock reads past `wall`.
  let low = wall - Math.max(...offsets);
  let high = wall - Math.min(...offsets);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (middle + offsetAt(middle, timeZone) > wall) high = middle;
    else low = middle;
  }
  return high;
}
