import { describe, expect, it } from "vitest";
import { US_STATES } from "../../src/normalize/us-states.js";
import {
  checkQuietHours,
  locateRecipient,
  nextAllowedTime,
  parseQuietHoursPolicy,
  QUIET_HOURS_RULES,
  type QuietHoursCheck,
  type RecipientLocation,
  STATE_TIME_ZONES,
  sendingWindow,
} from "../../src/outreach/quiet-hours/index.js";
import { ConfigError, PrecinctError } from "../../src/spec/errors.js";
import type { QuietHoursPolicy } from "../../src/spec/model/outreach.js";
import { expectInvalid } from "../normalize/expect-invalid.js";

/** The UTC offset of `zone` at `instant`, in minutes, read with Intl's `longOffset` ("GMT-05:00"). */
function offsetMinutes(zone: string, instant: number): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(instant)
    .find((part) => part.type === "timeZoneName")!.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match === null ? 0 : (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/**
 * The instant at which a clock in `zone` reads `local` ("2026-01-14 09:59"), computed independently of
 * the module under test. Only for times away from daylight-saving changes; DST tests spell out UTC.
 */
function at(local: string, zone: string): Date {
  const wall = Date.parse(`${local.replace(" ", "T")}:00Z`);
  const guess = wall - offsetMinutes(zone, wall) * 60_000;
  return new Date(wall - offsetMinutes(zone, guess) * 60_000);
}

const minus = (date: Date, ms: number) => new Date(date.getTime() - ms);

function expectBlocked(check: QuietHoursCheck, reason: string, next: Date | string): void {
  expect(check).toEqual({ allowed: false, reason, nextAllowedAt: new Date(next) });
}

function expectAllowed(check: QuietHoursCheck, windowEndsAt: Date | string): void {
  expect(check).toEqual({ allowed: true, windowEndsAt: new Date(windowEndsAt) });
}

const address = (state: string, timeZone = STATE_TIME_ZONES[state as keyof typeof STATE_TIME_ZONES]!) =>
  ({ state, timeZone, source: "address" }) as const satisfies RecipientLocation;

const NC = address("NC");
const FALLBACK = { fallbackTimeZone: "America/New_York" };

// The law as DOMAIN.md states it, written out here so the data in QUIET_HOURS_RULES is checked against
// it rather than against itself: [start, end, noSundays, noHolidays, cap per 24 h].
const LAW: Record<string, [string, string, boolean, boolean, number | undefined]> = {
  FL: ["08:00", "20:00", false, false, 3],
  OK: ["08:00", "20:00", false, false, 3],
  MD: ["08:00", "20:00", false, false, 3],
  WA: ["08:00", "20:00", false, false, undefined],
  AL: ["08:00", "20:00", true, true, undefined],
  LA: ["08:00", "20:00", true, true, undefined],
  CT: ["09:00", "20:00", false, false, undefined],
  KY: ["10:00", "21:00", false, false, undefined],
};
const FEDERAL: [string, string, boolean, boolean, number | undefined] = [
  "08:00",
  "21:00",
  false,
  false,
  undefined,
];
const FIFTY_AND_DC = Object.entries(US_STATES)
  .filter(([, info]) => info.kind === "state" || info.kind === "district")
  .map(([code]) => code);

describe("QUIET_HOURS_RULES", () => {
  it("holds the federal floor and a cited rule for each stricter state", () => {
    expect(Object.keys(QUIET_HOURS_RULES).sort()).toEqual(["US", ...Object.keys(LAW)].sort());
    expect(QUIET_HOURS_RULES.US).toMatchObject({ start: "08:00", end: "21:00" });
    expect(QUIET_HOURS_RULES.US!.source).toContain("64.1200(c)(1)");
    for (const [key, rule] of Object.entries(QUIET_HOURS_RULES)) {
      expect(rule.start, key).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(rule.end, key).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(rule.source.length, key).toBeGreaterThan(10);
    }
  });

  it("cannot be changed at run time", () => {
    expect(Object.isFrozen(QUIET_HOURS_RULES)).toBe(true);
    expect(Object.isFrozen(QUIET_HOURS_RULES.FL)).toBe(true);
  });
});

describe("each state's window", () => {
  // Wednesday 2026-01-14: no holiday, no daylight-saving change.
  it.each(FIFTY_AND_DC)("%s", (state) => {
    const [start, end, noSundays, noHolidays, cap] = LAW[state] ?? FEDERAL;
    const location = address(state);
    const window = sendingWindow(location);
    expect(window).toMatchObject({ start, end, noSundays, noHolidays, maxPerPersonPer24h: cap, state });

    const zone = location.timeZone;
    const opens = at(`2026-01-14 ${start}`, zone);
    const closes = at(`2026-01-14 ${end}`, zone);
    expectBlocked(checkQuietHours(minus(opens, 60_000), location), "quiet_hours", opens);
    expectAllowed(checkQuietHours(opens, location), closes);
    expectAllowed(checkQuietHours(minus(closes, 1), location), closes);
    expectBlocked(checkQuietHours(closes, location), "quiet_hours", at(`2026-01-15 ${start}`, zone));
  });

  it("applies the federal floor alone in territories", () => {
    expect(sendingWindow(address("PR"))).toMatchObject({ start: "08:00", end: "21:00", noSundays: false });
  });

  it("reads a stored state code in any case, or the state's name", () => {
    expect(sendingWindow({ state: "fl", timeZone: "America/New_York", source: "address" })).toMatchObject({
      state: "FL",
      end: "20:00",
    });
    expect(
      sendingWindow({ state: "Florida", timeZone: "America/New_York", source: "address" }),
    ).toMatchObject({
      state: "FL",
      end: "20:00",
    });
  });

  it("treats a stored state it does not recognise as unknown, not as the federal floor", () => {
    expect(sendingWindow({ state: "ZZ", timeZone: "America/New_York", source: "address" })).toMatchObject({
      state: null,
      start: "10:00",
      end: "20:00",
    });
  });
});

describe("checkQuietHours: the cases organizers ask about", () => {
  it("blocks a Florida number at 20:30 local until 08:00 the next morning", () => {
    const miami = locateRecipient({ phone: "+13055550123" }, FALLBACK);
    expect(miami).toMatchObject({ state: "FL", source: "area_code" });
    // Monday 2026-03-09, 20:30 EDT.
    expectBlocked(
      checkQuietHours(new Date("2026-03-09T20:30:00-04:00"), miami),
      "quiet_hours",
      "2026-03-10T08:00:00-04:00",
    );
    // A Panhandle number is on Central time: 20:30 Eastern is 19:30 there, still open.
    const pensacola = locateRecipient({ phone: "+18505550123" }, FALLBACK);
    expectAllowed(
      checkQuietHours(new Date("2026-03-09T20:30:00-04:00"), pensacola),
      "2026-03-09T20:00:00-05:00",
    );
  });

  it("blocks Connecticut at 08:30 until 09:00", () => {
    const hartford = locateRecipient({ region: "CT", postalCode: "06103" }, FALLBACK);
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T08:30:00-04:00"), hartford),
      "quiet_hours",
      "2026-03-10T09:00:00-04:00",
    );
  });

  it("blocks Kentucky at 09:59 and allows it at 10:00", () => {
    const louisville = locateRecipient({ region: "KY", postalCode: "40202" }, FALLBACK);
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T09:59:00-04:00"), louisville),
      "quiet_hours",
      "2026-03-10T10:00:00-04:00",
    );
    expectAllowed(
      checkQuietHours(new Date("2026-03-10T10:00:00-04:00"), louisville),
      "2026-03-10T21:00:00-04:00",
    );
    // Bowling Green is on Central time: 10:00 there is 11:00 in Louisville.
    const bowlingGreen = locateRecipient({ region: "KY", postalCode: "42101" }, FALLBACK);
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T10:30:00-04:00"), bowlingGreen),
      "quiet_hours",
      "2026-03-10T10:00:00-05:00",
    );
  });

  it("blocks Alabama on a Sunday until Monday 08:00", () => {
    const birmingham = address("AL");
    expectBlocked(
      checkQuietHours(new Date("2026-03-15T12:00:00-05:00"), birmingham),
      "sunday",
      "2026-03-16T08:00:00-05:00",
    );
    // Florida has no Sunday ban.
    expectAllowed(
      checkQuietHours(new Date("2026-03-15T12:00:00-04:00"), address("FL")),
      "2026-03-15T20:00:00-04:00",
    );
  });

  it("blocks Alabama on July 4th and on the Friday it is observed, until the next open day", () => {
    const birmingham = address("AL");
    // 2025-07-04 is a Friday: open again Saturday 08:00.
    expectBlocked(
      checkQuietHours(new Date("2025-07-04T12:00:00-05:00"), birmingham),
      "holiday",
      "2025-07-05T08:00:00-05:00",
    );
    // 2026-07-04 is a Saturday, observed Friday the 3rd; Sunday the 5th is closed too: Monday 08:00.
    for (const now of ["2026-07-03T12:00:00-05:00", "2026-07-04T09:00:00-05:00"]) {
      expectBlocked(checkQuietHours(new Date(now), birmingham), "holiday", "2026-07-06T08:00:00-05:00");
    }
    expectBlocked(
      checkQuietHours(new Date("2026-07-05T09:00:00-05:00"), birmingham),
      "sunday",
      "2026-07-06T08:00:00-05:00",
    );
    // After hours on Thursday the 2nd, the next opening skips the holiday weekend.
    expectBlocked(
      checkQuietHours(new Date("2026-07-02T20:30:00-05:00"), birmingham),
      "quiet_hours",
      "2026-07-06T08:00:00-05:00",
    );
    // North Carolina has no holiday ban.
    expectAllowed(checkQuietHours(new Date("2026-07-03T12:00:00-04:00"), NC), "2026-07-03T21:00:00-04:00");
  });

  it("skips Christmas on a Sunday and the Monday it is observed", () => {
    expectBlocked(
      checkQuietHours(new Date("2022-12-24T20:30:00-06:00"), address("AL")),
      "quiet_hours",
      "2022-12-27T08:00:00-06:00",
    );
  });

  it("blocks Louisiana on Thanksgiving", () => {
    expectBlocked(
      checkQuietHours(new Date("2026-11-26T12:00:00-06:00"), address("LA")),
      "holiday",
      "2026-11-27T08:00:00-06:00",
    );
  });

  it("treats the end of the window as exclusive, to the millisecond", () => {
    expectAllowed(
      checkQuietHours(new Date("2026-03-10T20:59:59.999-04:00"), NC),
      "2026-03-10T21:00:00-04:00",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T21:00:00-04:00"), NC),
      "quiet_hours",
      "2026-03-11T08:00:00-04:00",
    );
  });
});

describe("policies only tighten", () => {
  it("applies an organization's 10:00–19:00", () => {
    const policy = { start: "10:00", end: "19:00" };
    expect(sendingWindow(NC, policy)).toMatchObject({ start: "10:00", end: "19:00" });
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T09:59:00-04:00"), NC, policy),
      "quiet_hours",
      "2026-03-10T10:00:00-04:00",
    );
    expectAllowed(
      checkQuietHours(new Date("2026-03-10T18:59:00-04:00"), NC, policy),
      "2026-03-10T19:00:00-04:00",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T19:00:00-04:00"), NC, policy),
      "quiet_hours",
      "2026-03-11T10:00:00-04:00",
    );
  });

  it("keeps the law when a policy asks for 07:00–22:00", () => {
    const policy = { start: "07:00", end: "22:00" };
    expect(sendingWindow(NC, policy)).toMatchObject({ start: "08:00", end: "21:00" });
    expect(sendingWindow(address("KY"), policy)).toMatchObject({ start: "10:00", end: "21:00" });
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T07:30:00-04:00"), NC, policy),
      "quiet_hours",
      "2026-03-10T08:00:00-04:00",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T21:30:00-04:00"), NC, policy),
      "quiet_hours",
      "2026-03-11T08:00:00-04:00",
    );
  });

  it("applies per-state tightening to that state only", () => {
    const policy = { states: { FL: { end: "19:00" } } };
    expect(sendingWindow(address("FL"), policy)).toMatchObject({ start: "08:00", end: "19:00" });
    expect(sendingWindow(NC, policy)).toMatchObject({ start: "08:00", end: "21:00" });
  });

  it("adds Sunday and holiday bans, and cannot lift a state's", () => {
    // With a holiday ban alone, the July 4th weekend reopens on Sunday the 5th (Friday observed,
    // Saturday the day itself).
    expectBlocked(
      checkQuietHours(new Date("2026-03-15T12:00:00-04:00"), NC, { noSundays: true }),
      "sunday",
      "2026-03-16T08:00:00-04:00",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-07-03T12:00:00-04:00"), NC, { noHolidays: true }),
      "holiday",
      "2026-07-05T08:00:00-04:00",
    );
    expect(sendingWindow(address("AL"), { noSundays: false, noHolidays: false })).toMatchObject({
      noSundays: true,
      noHolidays: true,
    });
  });

  it("takes the smallest cap", () => {
    expect(sendingWindow(address("FL")).maxPerPersonPer24h).toBe(3);
    expect(sendingWindow(address("FL"), { maxPerPersonPer24h: 5 }).maxPerPersonPer24h).toBe(3);
    expect(sendingWindow(address("FL"), { maxPerPersonPer24h: 2 }).maxPerPersonPer24h).toBe(2);
    expect(sendingWindow(NC).maxPerPersonPer24h).toBeUndefined();
    expect(sendingWindow(NC, { maxPerPersonPer24h: 4 }).maxPerPersonPer24h).toBe(4);
    expect(sendingWindow(NC, { states: { NC: { maxPerPersonPer24h: 1 } } }).maxPerPersonPer24h).toBe(1);
  });

  it("names the laws and the policy that shaped the window", () => {
    expect(sendingWindow(address("FL")).sources).toEqual([
      QUIET_HOURS_RULES.US!.source,
      QUIET_HOURS_RULES.FL!.source,
    ]);
    expect(sendingWindow(NC, { end: "19:00" }).sources).toEqual([QUIET_HOURS_RULES.US!.source, "policy"]);
  });

  it("accepts the campaign model's QuietHoursPolicy as it is stored", () => {
    const stored: QuietHoursPolicy = { start: "09:30", states: { CT: { end: "19:30" } } };
    expect(sendingWindow(address("CT"), stored)).toMatchObject({ start: "09:30", end: "19:30" });
  });

  it("rejects invalid policies, naming the field", () => {
    expectInvalid(() => sendingWindow(NC, { start: "7pm" }), "policy.start", "7pm");
    expectInvalid(() => checkQuietHours(new Date(), NC, { end: "24:00" }), "policy.end", "24:00");
    expectInvalid(() => sendingWindow(NC, { start: "10:00", end: "09:00" }), "policy.end", "09:00");
    expectInvalid(() => sendingWindow(NC, { states: { FL: { start: "8" } } }), "policy.states.FL.start", "8");
    expectInvalid(
      () => sendingWindow(NC, { states: { Florida: { end: "19:00" } } }),
      "policy.states.Florida",
      "Florida",
    );
    expectInvalid(() => sendingWindow(NC, { maxPerPersonPer24h: 0 }), "policy.maxPerPersonPer24h", 0);
    expectInvalid(
      () => parseQuietHoursPolicy({ quietStart: "09:00" }, "campaign.quietHours"),
      "campaign.quietHours.quietStart",
      "09:00",
    );
  });

  it("returns a valid policy unchanged", () => {
    const policy = {
      start: "09:00",
      end: "20:00",
      noSundays: true,
      states: { FL: { maxPerPersonPer24h: 2 } },
    };
    expect(parseQuietHoursPolicy(policy)).toEqual(policy);
  });

  it("refuses a policy that leaves no time to send in a state", () => {
    let thrown: unknown;
    try {
      sendingWindow(address("FL"), { start: "20:30" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(PrecinctError.hasCode(thrown, "invalid_config")).toBe(true);
    expect((thrown as Error).message).toContain("in FL");
    // The same policy still leaves half an hour where the federal floor alone applies.
    expect(sendingWindow(NC, { start: "20:30" })).toMatchObject({ start: "20:30", end: "21:00" });
  });
});

describe("unknown location: the strictest rule of all states", () => {
  const unknown = locateRecipient({ phone: "+18885550123" }, { fallbackTimeZone: "America/Chicago" });

  it("intersects every state's rule, in the fallback zone", () => {
    expect(unknown).toEqual({ state: null, timeZone: "America/Chicago", source: "unknown" });
    expect(sendingWindow(unknown)).toMatchObject({
      start: "10:00",
      end: "20:00",
      noSundays: true,
      noHolidays: true,
      maxPerPersonPer24h: 3,
      timeZone: "America/Chicago",
      state: null,
    });
  });

  it("opens at 10:00 and closes at 20:00, not on Sundays", () => {
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T09:30:00-05:00"), unknown),
      "quiet_hours",
      "2026-03-10T10:00:00-05:00",
    );
    expectAllowed(
      checkQuietHours(new Date("2026-03-10T19:59:00-05:00"), unknown),
      "2026-03-10T20:00:00-05:00",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-03-10T20:00:00-05:00"), unknown),
      "quiet_hours",
      "2026-03-11T10:00:00-05:00",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-03-15T12:00:00-05:00"), unknown),
      "sunday",
      "2026-03-16T10:00:00-05:00",
    );
  });

  it("applies every per-state rule of the policy too", () => {
    expect(
      sendingWindow(unknown, { states: { WA: { end: "19:00" }, TX: { start: "11:00" } } }),
    ).toMatchObject({
      start: "11:00",
      end: "19:00",
    });
  });

  it("treats a location without a state as unknown, whatever its source says", () => {
    expect(sendingWindow({ state: null, timeZone: "America/Denver", source: "address" })).toMatchObject({
      start: "10:00",
      end: "20:00",
    });
  });
});

describe("daylight-saving changes", () => {
  it("opens at 08:00 local on the spring-forward day in New York", () => {
    // 2026-03-08: 02:00 EST → 03:00 EDT. 08:00 is 12:00Z that day but was 13:00Z the day before.
    expectBlocked(
      checkQuietHours(new Date("2026-03-08T11:59:00Z"), NC),
      "quiet_hours",
      "2026-03-08T12:00:00Z",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-03-08T02:30:00Z"), NC),
      "quiet_hours",
      "2026-03-08T12:00:00Z",
    );
    expectAllowed(checkQuietHours(new Date("2026-03-08T12:00:00Z"), NC), "2026-03-09T01:00:00Z");
    expectAllowed(checkQuietHours(new Date("2026-03-07T13:00:00Z"), NC), "2026-03-08T02:00:00Z");
  });

  it("opens at 08:00 local on the fall-back day in New York", () => {
    // 2026-11-01: 02:00 EDT → 01:00 EST. 08:00 is 13:00Z that day, 12:00Z the day before.
    expectBlocked(
      checkQuietHours(new Date("2026-11-01T12:30:00Z"), NC),
      "quiet_hours",
      "2026-11-01T13:00:00Z",
    );
    expectBlocked(
      checkQuietHours(new Date("2026-11-01T01:30:00Z"), NC),
      "quiet_hours",
      "2026-11-01T13:00:00Z",
    );
    expectAllowed(checkQuietHours(new Date("2026-11-01T13:00:00Z"), NC), "2026-11-02T02:00:00Z");
    expectAllowed(checkQuietHours(new Date("2026-10-31T12:00:00Z"), NC), "2026-11-01T01:00:00Z");
  });

  it("keeps Phoenix on one offset all year, unlike Denver", () => {
    const phoenix = locateRecipient({ phone: "+16025550123" }, FALLBACK);
    const denver = locateRecipient({ phone: "+13035550123" }, FALLBACK);
    expect(phoenix.timeZone).toBe("America/Phoenix");
    for (const day of ["2026-01-15", "2026-03-08", "2026-07-15", "2026-11-01"]) {
      expectBlocked(
        checkQuietHours(new Date(`${day}T14:59:00Z`), phoenix),
        "quiet_hours",
        `${day}T15:00:00Z`,
      );
    }
    expectAllowed(checkQuietHours(new Date("2026-07-15T15:00:00Z"), phoenix), "2026-07-16T04:00:00Z");
    // In July, 14:30Z is 08:30 in Denver (MDT) but 07:30 in Phoenix (MST).
    expect(checkQuietHours(new Date("2026-07-15T14:30:00Z"), denver).allowed).toBe(true);
    expect(checkQuietHours(new Date("2026-07-15T14:30:00Z"), phoenix).allowed).toBe(false);
  });

  it("keeps Honolulu on one offset all year", () => {
    const honolulu = locateRecipient({ phone: "+18085550123" }, FALLBACK);
    for (const day of ["2026-03-08", "2026-11-01"]) {
      expectBlocked(
        checkQuietHours(new Date(`${day}T17:59:00Z`), honolulu),
        "quiet_hours",
        `${day}T18:00:00Z`,
      );
    }
    expectAllowed(checkQuietHours(new Date("2026-11-01T18:00:00Z"), honolulu), "2026-11-02T07:00:00Z");
  });
});

describe("nextAllowedTime", () => {
  it("is now when the window is open, and the next opening when it is not", () => {
    const now = new Date("2026-03-10T12:34:56.789-04:00");
    const next = nextAllowedTime(now, NC);
    expect(next.getTime()).toBe(now.getTime());
    expect(next).not.toBe(now);
    expect(nextAllowedTime(new Date("2026-03-10T22:00:00-04:00"), NC)).toEqual(
      new Date("2026-03-11T08:00:00-04:00"),
    );
    expect(nextAllowedTime(new Date("2026-03-15T12:00:00-05:00"), address("AL"))).toEqual(
      new Date("2026-03-16T08:00:00-05:00"),
    );
  });
});

describe("input errors", () => {
  it("rejects an invalid now and an invalid location", () => {
    expectInvalid(() => checkQuietHours(new Date(Number.NaN), NC), "now", new Date(Number.NaN));
    expectInvalid(
      () => checkQuietHours(new Date(), { state: "NC", timeZone: "Eastern", source: "address" }),
      "location.timeZone",
      "Eastern",
    );
    expectInvalid(
      () => sendingWindow({ state: "NC", timeZone: "America/New_York", source: "gps" as never }),
      "location.source",
      "gps",
    );
  });
});
