/**
 * The law's quiet hours as data: the federal floor and the states that are stricter.
 *
 * Most of these state laws are written for commercial telephone solicitation and several exempt political
 * messages; Precinct applies them to every text anyway, because organizers cannot be expected to know
 * which exemption covers which message, and a text at 20:30 is never worth a complaint. The citations
 * say where each rule comes from (as collected in `DOMAIN.md`); have counsel confirm before relying on
 * them, and change the data here, not the code, when a law changes.
 *
 * @module
 */

/** A quiet-hours rule: when a message may reach the recipient, in the recipient's local time. */
export interface QuietHoursRule {
  /** Earliest local time to send, `HH:MM` (24-hour). */
  readonly start: string;
  /** Local time sending stops, `HH:MM` (exclusive: a rule ending `21:00` allows 20:59, not 21:00). */
  readonly end: string;
  /** No messages on Sundays. */
  readonly noSundays?: boolean;
  /** No messages on US federal holidays (see `usFederalHolidays`). */
  readonly noHolidays?: boolean;
  /**
   * At most this many messages to one person in any 24 hours (the laws say "on the same subject"; the
   * engine counts all of an organization's texts, which is stricter).
   */
  readonly maxPerPersonPer24h?: number;
  /** Where the rule comes from: a short legal citation. */
  readonly source: string;
}

/** The key of the federal floor in {@link QUIET_HOURS_RULES}. */
export const FEDERAL_RULE_KEY = "US";

// Keys in alphabetical order after the federal floor.
const RULES = {
  US: {
    start: "08:00",
    end: "21:00",
    source: "47 CFR 64.1200(c)(1) (TCPA): not before 8 a.m. or after 9 p.m. at the called party's location",
  },
  AL: {
    start: "08:00",
    end: "20:00",
    noSundays: true,
    noHolidays: true,
    source: "Ala. Admin. Code r. 770-X-5-.16 (Alabama PSC): 8 a.m.–8 p.m., not on Sundays or holidays",
  },
  CT: {
    start: "09:00",
    end: "20:00",
    source: "Conn. Gen. Stat. § 42-288a (as amended by P.A. 23-98): 9 a.m.–8 p.m. local time",
  },
  FL: {
    start: "08:00",
    end: "20:00",
    maxPerPersonPer24h: 3,
    source: "Fla. Stat. § 501.616(6): 8 a.m.–8 p.m.; at most 3 calls per 24 hours on the same subject",
  },
  KY: {
    start: "10:00",
    end: "21:00",
    source: "KRS 367.46955(4): not before 10 a.m. or after 9 p.m.",
  },
  LA: {
    start: "08:00",
    end: "20:00",
    noSundays: true,
    noHolidays: true,
    source:
      "La. R.S. 45:844.11 et seq. (Telephone Solicitation Relief Act): 8 a.m.–8 p.m., not on Sundays or holidays",
  },
  MD: {
    start: "08:00",
    end: "20:00",
    maxPerPersonPer24h: 3,
    source:
      "Md. Code, Com. Law § 14-4501 et seq. (Stop the Spam Calls Act of 2023): 8 a.m.–8 p.m.; at most 3 per 24 hours",
  },
  OK: {
    start: "08:00",
    end: "20:00",
    maxPerPersonPer24h: 3,
    source:
      "15 O.S. § 775C.1 et seq. (Telephone Solicitation Act of 2022): 8 a.m.–8 p.m.; at most 3 per 24 hours",
  },
  WA: {
    start: "08:00",
    end: "20:00",
    source: "RCW 80.36.390(2): not before 8 a.m. or after 8 p.m.",
  },
} satisfies Record<string, QuietHoursRule>;

/**
 * Quiet-hours rules: `US` is the federal floor that applies to everyone; the other keys are two-letter
 * state codes with rules stricter than it. A state not listed follows the federal floor alone. The
 * engine always intersects the federal floor, the recipient's state rule and the organization's policy.
 * Frozen: the law does not change at run time.
 */
export const QUIET_HOURS_RULES: Readonly<Record<string, QuietHoursRule>> = Object.freeze(
  Object.fromEntries(Object.entries(RULES).map(([key, rule]) => [key, Object.freeze({ ...rule })])),
);

/** Minutes since midnight of an `HH:MM` time (already validated). */
export function clockMinutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}
