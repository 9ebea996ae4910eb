import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  instantAt,
  isValidTimeZone,
  localDateTime,
  offsetAt,
  weekdayOf,
} from "../../src/outreach/quiet-hours/zoned-time.js";

const iso = (ms: number) => new Date(ms).toISOString();

describe("localDateTime", () => {
  it("reads the wall clock of a zone, to the second, with the weekday", () => {
    // 2026-03-10T00:30:15Z is 20:30:15 on Monday the 9th in New York (EDT, UTC-4).
    expect(localDateTime(Date.parse("2026-03-10T00:30:15Z"), "America/New_York")).toEqual({
      year: 2026,
      month: 3,
      day: 9,
      hour: 20,
      minute: 30,
      second: 15,
      weekday: 1,
    });
  });

  it("reads midnight as hour 0, not 24", () => {
    expect(localDateTime(Date.parse("2026-01-15T05:00:00Z"), "America/New_York")).toMatchObject({
      day: 15,
      hour: 0,
      minute: 0,
    });
  });
});

describe("localDateTime's offset cache", () => {
  // An independent oracle: Intl's own reading of the wall clock, formatted fresh every time.
  const oracle = (instant: number, timeZone: string) => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    }).formatToParts(instant);
    const field = (type: string) => parts.find((part) => part.type === type)!.value;
    return {
      year: Number(field("year")),
      month: Number(field("month")),
      day: Number(field("day")),
      hour: Number(field("hour")) % 24,
      minute: Number(field("minute")),
      second: Number(field("second")),
      weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(field("weekday")),
    };
  };
  const zones = [
    "America/New_York",
    "America/Phoenix",
    "Pacific/Honolulu",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Europe/London",
  ];

  it("agrees with Intl at every second around daylight-saving changes", () => {
    // Spring forward and fall back in New York (2026), Lord Howe's half-hour shift, St John's at :30.
    const changes = [
      ["America/New_York", "2026-03-08T07:00:00Z"],
      ["America/New_York", "2026-11-01T06:00:00Z"],
      ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"],
      ["America/St_Johns", "2026-03-08T05:30:00Z"],
    ] as const;
    for (const [zone, at] of changes) {
      const change = Date.parse(at);
      for (let instant = change - 20 * 60_000; instant <= change + 20 * 60_000; instant += 7_000) {
        expect(localDateTime(instant, zone), `${zone} at ${iso(instant)}`).toEqual(oracle(instant, zone));
      }
    }
  });

  it("agrees with Intl for any instant and zone (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("1990-01-01T00:00:00Z"), max: Date.parse("2040-01-01T00:00:00Z") }),
        fc.constantFrom(...zones),
        (instant, zone) => {
          expect(localDateTime(instant, zone)).toEqual(oracle(instant, zone));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("offsetAt", () => {
  it.each([
    ["America/New_York", "2026-01-15T12:00:00Z", -5],
    ["America/New_York", "2026-07-15T12:00:00Z", -4],
    ["America/Phoenix", "2026-01-15T12:00:00Z", -7],
    ["America/Phoenix", "2026-07-15T12:00:00Z", -7],
    ["Pacific/Honolulu", "2026-07-15T12:00:00Z", -10],
    ["Asia/Kolkata", "2026-07-15T12:00:00Z", 5.5],
    ["Australia/Sydney", "2026-01-15T12:00:00Z", 11],
  ])("%s at %s is UTC%+d h", (zone, at, hours) => {
    expect(offsetAt(Date.parse(at), zone)).toBe(hours * 3_600_000);
  });
});

describe("instantAt", () => {
  it("converts an ordinary wall time", () => {
    expect(iso(instantAt({ year: 2026, month: 3, day: 9 }, 8, 0, "America/New_York"))).toBe(
      "2026-03-09T12:00:00.000Z",
    );
    expect(iso(instantAt({ year: 2026, month: 1, day: 9 }, 8, 0, "America/New_York"))).toBe(
      "2026-01-09T13:00:00.000Z",
    );
  });

  it("uses the new offset on the spring-forward day after the jump", () => {
    // 2026-03-08: clocks in New York jump from 02:00 EST to 03:00 EDT.
    expect(iso(instantAt({ year: 2026, month: 3, day: 8 }, 8, 0, "America/New_York"))).toBe(
      "2026-03-08T12:00:00.000Z",
    );
    expect(iso(instantAt({ year: 2026, month: 3, day: 8 }, 1, 59, "America/New_York"))).toBe(
      "2026-03-08T06:59:00.000Z",
    );
  });

  it("moves a wall time inside the spring-forward gap to the first instant after it", () => {
    // 02:30 does not exist on 2026-03-08 in New York; the clock reads 03:00 EDT at 07:00Z.
    expect(iso(instantAt({ year: 2026, month: 3, day: 8 }, 2, 30, "America/New_York"))).toBe(
      "2026-03-08T07:00:00.000Z",
    );
    expect(iso(instantAt({ year: 2026, month: 3, day: 8 }, 2, 0, "America/New_York"))).toBe(
      "2026-03-08T07:00:00.000Z",
    );
    // London 2026-03-29: 01:00 GMT jumps to 02:00 BST at 01:00Z.
    expect(iso(instantAt({ year: 2026, month: 3, day: 29 }, 1, 30, "Europe/London"))).toBe(
      "2026-03-29T01:00:00.000Z",
    );
    // Lord Howe Island moves by half an hour (02:00 → 02:30 local, at 15:30Z the day before).
    expect(iso(instantAt({ year: 2026, month: 10, day: 4 }, 2, 15, "Australia/Lord_Howe"))).toBe(
      "2026-10-03T15:30:00.000Z",
    );
  });

  it("takes the earlier instant of a wall time that occurs twice (fall back)", () => {
    // 2026-11-01: New York's clocks go from 02:00 EDT back to 01:00 EST; 01:30 happens at 05:30Z and 06:30Z.
    expect(iso(instantAt({ year: 2026, month: 11, day: 1 }, 1, 30, "America/New_York"))).toBe(
      "2026-11-01T05:30:00.000Z",
    );
    expect(iso(instantAt({ year: 2026, month: 11, day: 1 }, 8, 0, "America/New_York"))).toBe(
      "2026-11-01T13:00:00.000Z",
    );
  });

  it("keeps one offset all year in zones without daylight saving", () => {
    for (const [month, day] of [
      [3, 8],
      [7, 15],
      [11, 1],
    ] as const) {
      expect(iso(instantAt({ year: 2026, month, day }, 8, 0, "America/Phoenix"))).toBe(
        `2026-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T15:00:00.000Z`,
      );
      expect(iso(instantAt({ year: 2026, month, day }, 8, 0, "Pacific/Honolulu"))).toBe(
        `2026-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T18:00:00.000Z`,
      );
    }
  });

  it("round-trips with localDateTime for any instant and zone (property)", () => {
    const zones = [
      "America/New_York",
      "America/Chicago",
      "America/Denver",
      "America/Phoenix",
      "America/Los_Angeles",
      "America/Anchorage",
      "Pacific/Honolulu",
      "Europe/London",
      "Australia/Lord_Howe",
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse("2000-01-01T00:00:00Z"), max: Date.parse("2040-01-01T00:00:00Z") }),
        fc.constantFrom(...zones),
        (instant, zone) => {
          const minute = Math.floor(instant / 60_000) * 60_000;
          const local = localDateTime(minute, zone);
          const back = instantAt(local, local.hour, local.minute, zone);
          // The wall time exists (we read it off a clock), so it maps to an instant showing the same time:
          // this one, or an earlier one when the time occurs twice.
          expect(back).toBeLessThanOrEqual(minute);
          expect(minute - back).toBeLessThanOrEqual(3_600_000);
          const again = localDateTime(back, zone);
          expect([again.year, again.month, again.day, again.hour, again.minute]).toEqual([
            local.year,
            local.month,
            local.day,
            local.hour,
            local.minute,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("calendar helpers", () => {
  it("adds days across month, year and leap-day boundaries", () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2028, month: 2, day: 28 }, 1)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
  });

  it("knows weekdays", () => {
    expect(weekdayOf({ year: 2026, month: 7, day: 4 })).toBe(6); // a Saturday
    expect(weekdayOf({ year: 2026, month: 3, day: 8 })).toBe(0); // a Sunday
  });

  it("recognises IANA zones, aliases included", () => {
    expect(isValidTimeZone("America/Chicago")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("US/Eastern")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
  });
});
