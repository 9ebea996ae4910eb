/**
 * US federal holidays, computed for any year (no table of years to fall out of date).
 *
 * Alabama and Louisiana forbid solicitations "on holidays"; their own statutes point at state legal
 * holidays, which include days that are not federal (Mardi Gras in Louisiana, Confederate Memorial Day
 * in Alabama, ...). Precinct uses the **federal** holidays for both, as `DOMAIN.md` decides: an
 * organization that wants more days off adds them by not scheduling, since a policy cannot list dates.
 *
 * @module
 */

import { InvalidInputError } from "../../spec/errors.js";
import { addDays, formatLocalDate, type LocalDate, weekdayOf } from "./zoned-time.js";

/** One US federal holiday in one year. */
export interface UsFederalHoliday {
  /** The holiday's name in 5 U.S.C. 6103, e.g. `Independence Day`. */
  readonly name: string;
  /** The holiday itself, `YYYY-MM-DD` (July 4th is always `YYYY-07-04`). */
  readonly date: string;
  /**
   * The weekday on which it is observed, `YYYY-MM-DD`: a Saturday holiday is observed the Friday before,
   * a Sunday holiday the Monday after (5 U.S.C. 6103(b), Executive Order 11582). Equal to `date` on a
   * weekday. New Year's Day on a Saturday is observed on December 31 of the year before.
   */
  readonly observed: string;
}

/** The first year Juneteenth was a federal holiday (Pub. L. 117-17, signed 2021-06-17). */
export const JUNETEENTH_SINCE = 2021;
/** The first year Martin Luther King Jr. Day was observed (Pub. L. 98-144). */
export const MLK_DAY_SINCE = 1986;

const MONDAY = 1;
const THURSDAY = 4;

/** The `n`th `weekday` of a month (n = 1…4), or its last one when `n` is -1. */
function nthWeekday(year: number, month: number, weekday: number, n: number): LocalDate {
  if (n === -1) {
    // The day before the 1st of next month (month 13 rolls over into January).
    const last = addDays({ year, month: month + 1, day: 1 }, -1);
    return addDays(last, -((weekdayOf(last) - weekday + 7) % 7));
  }
  const first = { year, month, day: 1 };
  return addDays(first, ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7);
}

/** The weekday a fixed-date holiday is observed on. */
function observedOn(date: LocalDate): LocalDate {
  const weekday = weekdayOf(date);
  if (weekday === 6) return addDays(date, -1);
  if (weekday === 0) return addDays(date, 1);
  return date;
}

/**
 * The US federal holidays (5 U.S.C. 6103(a)) of `year`, in calendar order, each with the date it is
 * observed.
 *
 * The rules are today's for every year, except that Juneteenth appears only from 2021 (the year it was
 * enacted; its first observance was Friday 2021-06-18) and Martin Luther King Jr. Day only from 1986.
 * Earlier changes (Veterans Day on the fourth Monday of October 1971–1977, the Monday holidays before
 * 1971) are not modelled: nobody schedules messages in those years. Inauguration Day, a holiday only for
 * federal employees around Washington, is not included.
 *
 * @param year - A year from 1 to 9999.
 * @throws {@link InvalidInputError} when `year` is not an integer in that range.
 * @example
 * ```ts
 * usFederalHolidays(2026).find((h) => h.name === "Independence Day");
 * // { name: "Independence Day", date: "2026-07-04", observed: "2026-07-03" }
 * ```
 */
export function usFederalHolidays(year: number): readonly UsFederalHoliday[] {
  if (!Number.isInteger(year) || year < 1 || year > 9999) {
    throw new InvalidInputError({ field: "year", value: year, reason: "must be an integer from 1 to 9999" });
  }
  const fixed = (name: string, month: number, day: number): [string, LocalDate, LocalDate] => {
    const date = { year, month, day };
    return [name, date, observedOn(date)];
  };
  const floating = (
    name: string,
    month: number,
    weekday: number,
    n: number,
  ): [string, LocalDate, LocalDate] => {
    const date = nthWeekday(year, month, weekday, n);
    return [name, date, date];
  };
  const holidays: [string, LocalDate, LocalDate][] = [
    fixed("New Year's Day", 1, 1),
    ...(year >= MLK_DAY_SINCE ? [floating("Birthday of Martin Luther King, Jr.", 1, MONDAY, 3)] : []),
    floating("Washington's Birthday", 2, MONDAY, 3),
    floating("Memorial Day", 5, MONDAY, -1),
    ...(year >= JUNETEENTH_SINCE ? [fixed("Juneteenth National Independence Day", 6, 19)] : []),
    fixed("Independence Day", 7, 4),
    floating("Labor Day", 9, MONDAY, 1),
    floating("Columbus Day", 10, MONDAY, 2),
    fixed("Veterans Day", 11, 11),
    floating("Thanksgiving Day", 11, THURSDAY, 4),
    fixed("Christmas Day", 12, 25),
  ];
  return holidays.map(([name, date, observed]) =>
    Object.freeze({ name, date: formatLocalDate(date), observed: formatLocalDate(observed) }),
  );
}

const cache = new Map<number, readonly UsFederalHoliday[]>();

function holidaysOf(year: number): readonly UsFederalHoliday[] {
  let holidays = cache.get(year);
  if (holidays === undefined) {
    holidays = usFederalHolidays(year);
    cache.set(year, holidays);
  }
  return holidays;
}

/**
 * The federal holiday that falls on `date`, either on the day itself or on the day it is observed;
 * `undefined` on other days. Both count because a holiday rule is about the day people have off *and*
 * the calendar day named in the law: July 4th on a Saturday blocks Friday the 3rd and Saturday the 4th.
 *
 * @param date - A local calendar date (the recipient's), `YYYY-MM-DD` or a {@link LocalDate}.
 * @throws {@link InvalidInputError} when `date` is not a `YYYY-MM-DD` date.
 */
export function usFederalHolidayOn(date: string | LocalDate): UsFederalHoliday | undefined {
  const text = typeof date === "string" ? date : formatLocalDate(date);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(text);
  if (match === null) {
    throw new InvalidInputError({ field: "date", value: date, reason: "expected a date as YYYY-MM-DD" });
  }
  const year = Number(match[1]);
  // New Year's Day of next year may be observed on December 31 of this one.
  const candidates =
    year < 9999 ? [...holidaysOf(year), ...holidaysOf(year + 1).slice(0, 1)] : holidaysOf(year);
  return candidates.find((holiday) => holiday.date === text || holiday.observed === text);
}
