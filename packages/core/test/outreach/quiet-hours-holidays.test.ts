import { describe, expect, it } from "vitest";
import { usFederalHolidayOn, usFederalHolidays } from "../../src/outreach/quiet-hours/index.js";
import { expectInvalid } from "../normalize/expect-invalid.js";

const weekday = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay();
const byName = (year: number) => new Map(usFederalHolidays(year).map((holiday) => [holiday.name, holiday]));

describe("usFederalHolidays", () => {
  // Dates as published by OPM for each year.
  it.each([
    [2024, "2024-01-15", "2024-05-27", "2024-11-28", "2024-09-02", "2024-10-14"],
    [2025, "2025-01-20", "2025-05-26", "2025-11-27", "2025-09-01", "2025-10-13"],
    [2026, "2026-01-19", "2026-05-25", "2026-11-26", "2026-09-07", "2026-10-12"],
    [2027, "2027-01-18", "2027-05-31", "2027-11-25", "2027-09-06", "2027-10-11"],
    [2030, "2030-01-21", "2030-05-27", "2030-11-28", "2030-09-02", "2030-10-14"],
  ])(
    "%i: MLK Day, Memorial Day, Thanksgiving, Labor Day, Columbus Day",
    (year, mlk, memorial, thanks, labor, columbus) => {
      const holidays = byName(year);
      expect(holidays.get("Birthday of Martin Luther King, Jr.")?.observed).toBe(mlk);
      expect(holidays.get("Memorial Day")?.observed).toBe(memorial);
      expect(holidays.get("Thanksgiving Day")?.observed).toBe(thanks);
      expect(holidays.get("Labor Day")?.observed).toBe(labor);
      expect(holidays.get("Columbus Day")?.observed).toBe(columbus);
    },
  );

  it("moves a Saturday holiday to the Friday before and a Sunday holiday to the Monday after", () => {
    expect(byName(2026).get("Independence Day")).toEqual({
      name: "Independence Day",
      date: "2026-07-04",
      observed: "2026-07-03",
    });
    expect(byName(2027).get("Independence Day")?.observed).toBe("2027-07-05");
    expect(byName(2022).get("Christmas Day")?.observed).toBe("2022-12-26");
    expect(byName(2021).get("Christmas Day")?.observed).toBe("2021-12-24");
    // New Year's Day 2022 fell on a Saturday: observed Friday 2021-12-31.
    expect(byName(2022).get("New Year's Day")).toMatchObject({ date: "2022-01-01", observed: "2021-12-31" });
  });

  it("includes Juneteenth from 2021 (first observed Friday 2021-06-18), not before", () => {
    expect(byName(2021).get("Juneteenth National Independence Day")?.observed).toBe("2021-06-18");
    expect(byName(2026).get("Juneteenth National Independence Day")?.observed).toBe("2026-06-19");
    expect(byName(2027).get("Juneteenth National Independence Day")?.observed).toBe("2027-06-18");
    expect(byName(2020).has("Juneteenth National Independence Day")).toBe(false);
    expect(usFederalHolidays(2020)).toHaveLength(10);
    expect(usFederalHolidays(2021)).toHaveLength(11);
  });

  it("includes Martin Luther King Jr. Day from 1986", () => {
    expect(byName(1986).get("Birthday of Martin Luther King, Jr.")?.observed).toBe("1986-01-20");
    expect(byName(1985).has("Birthday of Martin Luther King, Jr.")).toBe(false);
  });

  it("always observes on a weekday, and floating holidays on their weekday, for many years", () => {
    for (let year = 1990; year <= 2060; year++) {
      const holidays = usFederalHolidays(year);
      const dates = holidays.map((holiday) => holiday.date);
      expect(dates).toEqual([...dates].sort());
      for (const holiday of holidays) {
        expect([1, 2, 3, 4, 5]).toContain(weekday(holiday.observed));
        const gap = (Date.parse(holiday.observed) - Date.parse(holiday.date)) / 86_400_000;
        expect([-1, 0, 1]).toContain(gap);
      }
      const named = byName(year);
      expect(weekday(named.get("Thanksgiving Day")!.date)).toBe(4);
      const thanksgivingDay = Number(named.get("Thanksgiving Day")!.date.slice(8));
      expect(thanksgivingDay).toBeGreaterThanOrEqual(22);
      expect(thanksgivingDay).toBeLessThanOrEqual(28);
      const memorial = named.get("Memorial Day")!.date;
      expect(weekday(memorial)).toBe(1);
      expect(Number(memorial.slice(8))).toBeGreaterThan(24);
      const washington = Number(named.get("Washington's Birthday")!.date.slice(8));
      expect(washington).toBeGreaterThanOrEqual(15);
      expect(washington).toBeLessThanOrEqual(21);
    }
  });

  it("rejects years that are not integers from 1 to 9999", () => {
    expectInvalid(() => usFederalHolidays(2026.5), "year", 2026.5);
    expectInvalid(() => usFederalHolidays(0), "year", 0);
    expectInvalid(() => usFederalHolidays(Number.NaN), "year", Number.NaN);
  });
});

describe("usFederalHolidayOn", () => {
  it("finds a holiday on its own date and on its observed date", () => {
    expect(usFederalHolidayOn("2026-07-04")?.name).toBe("Independence Day");
    expect(usFederalHolidayOn("2026-07-03")?.name).toBe("Independence Day");
    expect(usFederalHolidayOn({ year: 2026, month: 11, day: 26 })?.name).toBe("Thanksgiving Day");
  });

  it("finds next year's New Year's Day observed on December 31", () => {
    expect(usFederalHolidayOn("2021-12-31")?.name).toBe("New Year's Day");
    expect(usFederalHolidayOn("2026-12-31")).toBeUndefined();
  });

  it("returns undefined on ordinary days", () => {
    expect(usFederalHolidayOn("2026-07-06")).toBeUndefined();
    expect(usFederalHolidayOn("2020-06-19")).toBeUndefined();
  });

  it("rejects text that is not YYYY-MM-DD", () => {
    expectInvalid(() => usFederalHolidayOn("7/4/2026"), "date", "7/4/2026");
  });
});
