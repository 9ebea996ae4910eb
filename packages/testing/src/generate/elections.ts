/**
 * The election calendar of a synthetic state: generals every two years on the Tuesday after the first
 * Monday of November, the state's primaries, odd-year November elections and one special, labelled the way
 * the state's files label them.
 *
 * @module
 */

import type { SyntheticState } from "./states.js";

/** The election types the generator produces (a subset of core's `ElectionType`). */
export type SyntheticElectionType = "general" | "primary" | "municipal" | "special";

/** One election of the calendar. */
export interface SyntheticElection {
  /** Position in `population.elections` (oldest first); what `participation()` refers to. */
  index: number;
  /** Election day, `YYYY-MM-DD`. */
  date: string;
  /** What kind of election it is, as the state's file lets an importer tell. */
  type: SyntheticElectionType;
  /**
   * The state's label: NC `11/05/2024 GENERAL` (`election_desc`), OH `GENERAL-11/05/2024` (the column
   * name), WA and CA `11/05/2024 GENERAL`.
   */
  name: string;
  /** True for the presidential general and primary, which bring out the most voters. */
  presidential: boolean;
  /** The share of registered, eligible voters who vote in it, before each voter's own propensity. */
  turnout: number;
}

/** `YYYY-MM-DD` of a UTC date. */
export function isoDate(date: Date): string {
  return isoDateOfDay(Math.floor(date.getTime() / 86_400_000));
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** The day number (days since 1970-01-01) of a `YYYY-MM-DD` date, by arithmetic (`days_from_civil`). */
export function dayOfIsoDate(iso: string): number {
  const month = Number(iso.slice(5, 7));
  const year = Number(iso.slice(0, 4)) - (month <= 2 ? 1 : 0);
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear =
    Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + Number(iso.slice(8, 10)) - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * `YYYY-MM-DD` of a day number (days since 1970-01-01), by arithmetic rather than through `Date`, which
 * is several times slower and is called twice per voter (Howard Hinnant's `civil_from_days`).
 */
export function isoDateOfDay(day: number): string {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(dayOfMonth)}`;
}

/** `MM/DD/YYYY` of a `YYYY-MM-DD` date, the US order most state files use. */
export function usDate(iso: string): string {
  return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
}

/** The `n`-th (1-based) weekday (`0` Sunday … `6` Saturday) of a month, as `YYYY-MM-DD`. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  return isoDate(new Date(Date.UTC(year, month - 1, day)));
}

/** The Tuesday after the first Monday of a month: US general election day in November. */
function tuesdayAfterFirstMonday(year: number, month: number): string {
  const monday = nthWeekday(year, month, 1, 1);
  return isoDate(new Date(Date.parse(`${monday}T00:00:00Z`) + 86_400_000));
}

function addDays(iso: string, days: number): string {
  return isoDate(new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000));
}

/** The state's primary date in an even year. */
function primaryDate(state: SyntheticState, year: number): string {
  const presidential = year % 4 === 0;
  switch (state) {
    case "NC":
      return presidential ? tuesdayAfterFirstMonday(year, 3) : addDays(tuesdayAfterFirstMonday(year, 5), 7);
    case "OH":
      return presidential ? nthWeekday(year, 3, 2, 3) : tuesdayAfterFirstMonday(year, 5);
    case "WA":
      return nthWeekday(year, 8, 2, 1);
    case "CA":
      return tuesdayAfterFirstMonday(year, presidential ? 3 : 6);
  }
}

/** How the state's files name an election. */
function label(state: SyntheticState, date: string, type: SyntheticElectionType): string {
  const us = usDate(date);
  if (state === "OH") {
    // Ohio calls its odd-year November election a general election.
    const word = type === "municipal" ? "GENERAL" : type.toUpperCase();
    return `${word}-${us}`;
  }
  const words: Record<SyntheticElectionType, string> = {
    general: "GENERAL",
    primary: "PRIMARY",
    municipal: state === "NC" ? "MUNICIPAL GENERAL" : "MUNICIPAL",
    special: state === "NC" ? "SPECIAL GENERAL" : "SPECIAL",
  };
  return `${us} ${words[type]}`;
}

/**
 * The `count` most recent elections held on or before `asOf`, oldest first: per even year a general and
 * a primary, per odd year a November election (municipal, or general in Ohio and Washington, as their
 * files call it), and one special about six years back.
 *
 * @param state - The state.
 * @param asOf - The file's date, `YYYY-MM-DD`.
 * @param count - How many elections (default 12, which spans about eight years).
 * @returns The calendar, indexed oldest first.
 */
export function electionCalendar(state: SyntheticState, asOf: string, count = 12): SyntheticElection[] {
  const lastYear = Number(asOf.slice(0, 4));
  const firstYear = lastYear - Math.max(4, Math.ceil(count * 0.75) + 2);
  const found: Omit<SyntheticElection, "index">[] = [];
  for (let year = firstYear; year <= lastYear; year++) {
    const presidential = year % 4 === 0;
    if (year % 2 === 0) {
      found.push({
        date: tuesdayAfterFirstMonday(year, 11),
        type: "general",
        presidential,
        turnout: presidential ? 0.74 : 0.54,
        name: "",
      });
      found.push({
        date: primaryDate(state, year),
        type: "primary",
        presidential,
        turnout: presidential ? 0.3 : 0.2,
        name: "",
      });
    } else {
      const oddYearGeneral = state === "OH" || state === "WA";
      found.push({
        date: tuesdayAfterFirstMonday(year, 11),
        type: oddYearGeneral ? "general" : "municipal",
        presidential: false,
        turnout: 0.2,
        name: "",
      });
    }
  }
  let specialYear = lastYear - 6;
  if (specialYear % 2 === 0) specialYear -= 1;
  found.push({
    date: nthWeekday(specialYear, state === "OH" ? 8 : 9, 2, 2),
    type: "special",
    presidential: false,
    turnout: 0.12,
    name: "",
  });
  return found
    .filter((election) => election.date <= asOf)
    .sort((a, b) => a.date.localeCompare(b.date))
    .slice(-count)
    .map((election, index) => ({
      ...election,
      index,
      name: label(state, election.date, election.type),
    }));
}
