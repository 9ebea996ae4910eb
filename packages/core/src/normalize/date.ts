/**
 * Calendar dates (`YYYY-MM-DD`) and instants (ISO-8601 UTC).
 *
 * @module
 */

import { type FieldOptions, fail } from "./input.js";

/** `2024-03-05`, `2024-3-5`, or an ISO date-time whose date part is taken as written. */
const ISO_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/iu;
/** US order: `03/05/2024`, `3/5/2024`, `3-5-2024`. */
const US_DATE = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/u;
/** Compact: `20240305`. */
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/u;
/** An ISO-8601 date-time; the offset is optional. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/iu;
/** The end of an RFC 2822 / HTTP date, which must name its zone: `GMT`, `UTC`, `+0000`. */
const EXPLICIT_ZONE = /(?:\b(?:GMT|UTC|UT|Z)|[+-]\d{4})$/iu;

/**
 * Normalizes a calendar date (a birth date, a registration date) to `YYYY-MM-DD`.
 *
 * Accepts `2024-03-05`, `2024-3-5`, an ISO date-time (its date part, as written, so no time zone can move
 * the day), US order `03/05/2024` / `3/5/2024` / `3-5-2024` (month first, as US voter files write it),
 * compact `20240305`, and `Date` objects (their UTC calendar day: `new Date("2024-03-05")` is midnight UTC).
 * Two-digit years are rejected: `03/05/24` could be 1924 or 2024, and a birth date must not guess.
 *
 * @param input - The date as written, or a `Date`.
 * @param options - `field` (default `"date"`).
 * @returns The date as `YYYY-MM-DD`.
 * @throws {@link InvalidInputError} when `input` is in no accepted format or names a day that does not exist
 *   (`2023-02-29`, `04/31/2024`).
 * @example
 * ```ts
 * normalizeDate("3/5/2024"); // "2024-03-05"
 * normalizeDate("20240305"); // "2024-03-05"
 * ```
 */
export function normalizeDate(input: string | Date, options: FieldOptions = {}): string {
  const field = options.field ?? "date";
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) fail(field, input, "is an invalid Date");
    return input.toISOString().slice(0, 10);
  }
  if (typeof input !== "string") fail(field, input, "must be a string or a Date");
  const text = input.trim();
  const iso = ISO_DATE.exec(text) ?? COMPACT_DATE.exec(text);
  if (iso !== null) return formatDate(Number(iso[1]), Number(iso[2]), Number(iso[3]), field, input);
  const us = US_DATE.exec(text);
  if (us !== null) return formatDate(Number(us[3]), Number(us[1]), Number(us[2]), field, input);
  return fail(field, input, "is not a date (use YYYY-MM-DD or MM/DD/YYYY)");
}

/**
 * Normalizes an instant to an ISO-8601 UTC string with milliseconds: `2024-03-05T12:00:00.000Z`, the one
 * form Precinct stores and compares (it sorts as text).
 *
 * Accepts `Date` objects, epoch milliseconds, ISO-8601 strings (`2024-03-05T07:00:00-05:00`; a date alone
 * is midnight UTC; a date-time without an offset is taken as UTC, so the result never depends on the
 * server's time zone) and RFC 2822 / HTTP dates that name their zone (`Tue, 05 Mar 2024 12:00:00 GMT`).
 *
 * @param input - The instant.
 * @param options - `field` (default `"timestamp"`).
 * @returns The instant as `YYYY-MM-DDTHH:mm:ss.sssZ`.
 * @throws {@link InvalidInputError} when `input` is not a valid instant in an accepted form.
 */
export function normalizeTimestamp(input: string | Date | number, options: FieldOptions = {}): string {
  const field = options.field ?? "timestamp";
  let time: number;
  if (input instanceof Date) {
    time = input.getTime();
  } else if (typeof input === "number") {
    time = input;
  } else if (typeof input === "string") {
    time = parseTimestamp(input.trim(), field, input);
  } else {
    return fail(field, input, "must be a string, a number or a Date");
  }
  // Date accepts ±8.64e15 ms; beyond that (or NaN) toISOString would throw a RangeError.
  if (!Number.isFinite(time) || Math.abs(time) > 8.64e15) fail(field, input, "is not a valid point in time");
  return new Date(time).toISOString();
}

/**
 * The year of a birth date: a full date in any form {@link normalizeDate} accepts, or a bare 4-digit year
 * (`"1980"`), since some voter files (North Carolina's) publish only the birth year.
 *
 * @param date - The birth date or year.
 * @param options - `field` (default `"birthDate"`).
 * @returns The year, e.g. `1980`.
 * @throws {@link InvalidInputError} when `date` is not a valid date or year.
 */
export function birthYearOf(date: string | Date, options: FieldOptions = {}): number {
  const field = options.field ?? "birthDate";
  if (typeof date === "string" && /^\s*\d{4}\s*$/u.test(date)) return Number(date.trim());
  return Number(normalizeDate(date, { field }).slice(0, 4));
}

function parseTimestamp(text: string, field: string, input: unknown): number {
  const iso = ISO_DATE_TIME.exec(text);
  if (iso !== null) {
    const [, year, month, day, hour = "00", minute = "00", second = "00", fraction = "", zone = "Z"] = iso;
    // Date.parse rolls 2023-02-30 over to March 2nd; check the calendar ourselves.
    formatDate(Number(year), Number(month), Number(day), field, input);
    if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
      fail(field, input, "has a time of day that does not exist");
    }
    const offset = zone.toUpperCase() === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
    // Milliseconds: Date.parse is only specified for exactly three fractional digits.
    const millis = fraction === "" ? "" : `.${fraction.slice(1, 4).padEnd(3, "0")}`;
    return Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${millis}${offset}`);
  }
  if (EXPLICIT_ZONE.test(text)) return Date.parse(text);
  return fail(field, input, "is not an ISO-8601 timestamp or a date with an explicit time zone");
}

/** Checks the calendar (leap years included) and formats `YYYY-MM-DD`. */
function formatDate(year: number, month: number, day: number, field: string, input: unknown): string {
  if (month < 1 || month > 12) fail(field, input, "has no such month");
  if (day < 1 || day > daysInMonth(year, month)) fail(field, input, "is a day that does not exist");
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
