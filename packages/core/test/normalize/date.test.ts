import { describe, expect, it } from "vitest";
import { birthYearOf, normalizeDate, normalizeTimestamp } from "../../src/normalize/index.js";
import { expectInvalid } from "./expect-invalid.js";

describe("normalizeDate", () => {
  it.each([
    ["2024-03-05", "2024-03-05"],
    ["2024-3-5", "2024-03-05"],
    ["03/05/2024", "2024-03-05"],
    ["3/5/2024", "2024-03-05"],
    ["3-5-2024", "2024-03-05"],
    ["20240305", "2024-03-05"],
    [" 2024-03-05 ", "2024-03-05"],
    ["2024-02-29", "2024-02-29"],
    ["2000-02-29", "2000-02-29"],
    ["1980-01-02T00:00:00", "1980-01-02"],
    ["2024-03-05T23:30:00-05:00", "2024-03-05"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeDate(input)).toBe(expected);
  });

  it("takes the UTC day of a Date", () => {
    expect(normalizeDate(new Date("2024-03-05"))).toBe("2024-03-05");
    expect(normalizeDate(new Date(Date.UTC(2024, 11, 31, 23, 59)))).toBe("2024-12-31");
  });

  it.each(["2023-02-29", "1900-02-29", "2024-04-31", "04/31/2024", "2024-13-01", "2024-00-10", "20240230"])(
    "rejects the impossible date %j",
    (input) => {
      const error = expectInvalid(() => normalizeDate(input), "date", input);
      expect(error.message).toMatch(/does not exist|no such month/u);
    },
  );

  it.each(["", "03/05/24", "March 5, 2024", "2024/03/05", "yesterday"])("rejects %j", (input) => {
    expectInvalid(() => normalizeDate(input, { field: "birthdate" }), "birthdate", input);
  });

  it("rejects an invalid Date and non-dates", () => {
    const invalid = new Date(Number.NaN);
    expectInvalid(() => normalizeDate(invalid), "date", invalid);
    expectInvalid(() => normalizeDate(20240305 as unknown as string), "date", 20240305);
  });
});

describe("normalizeTimestamp", () => {
  it.each([
    ["2024-03-05T12:00:00Z", "2024-03-05T12:00:00.000Z"],
    ["2024-03-05T12:00:00.5Z", "2024-03-05T12:00:00.500Z"],
    ["2024-03-05T12:00:00.123456Z", "2024-03-05T12:00:00.123Z"],
    ["2024-03-05T07:00:00-05:00", "2024-03-05T12:00:00.000Z"],
    ["2024-03-05T17:30:00+0530", "2024-03-05T12:00:00.000Z"],
    ["2024-03-05T12:00", "2024-03-05T12:00:00.000Z"],
    ["2024-03-05 12:00:00", "2024-03-05T12:00:00.000Z"],
    ["2024-03-05", "2024-03-05T00:00:00.000Z"],
    ["Tue, 05 Mar 2024 12:00:00 GMT", "2024-03-05T12:00:00.000Z"],
    ["Tue, 05 Mar 2024 07:00:00 -0500", "2024-03-05T12:00:00.000Z"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it("accepts Dates and epoch milliseconds", () => {
    expect(normalizeTimestamp(new Date(Date.UTC(2024, 2, 5, 12)))).toBe("2024-03-05T12:00:00.000Z");
    expect(normalizeTimestamp(Date.UTC(2024, 2, 5, 12))).toBe("2024-03-05T12:00:00.000Z");
  });

  it.each(["2023-02-29T00:00:00Z", "2024-03-05T25:00:00Z", "March 5 2024 12:00", "", "soon"])(
    "rejects %j",
    (input) => {
      expectInvalid(() => normalizeTimestamp(input, { field: "occurredAt" }), "occurredAt", input);
    },
  );

  it("rejects invalid Dates and numbers", () => {
    expectInvalid(() => normalizeTimestamp(Number.NaN), "timestamp", Number.NaN);
    expectInvalid(() => normalizeTimestamp(1e20), "timestamp", 1e20);
    const invalid = new Date("nope");
    expectInvalid(() => normalizeTimestamp(invalid), "timestamp", invalid);
  });
});

describe("birthYearOf", () => {
  it("returns the year of a date in any accepted form", () => {
    expect(birthYearOf("1980-01-02")).toBe(1980);
    expect(birthYearOf("01/02/1980")).toBe(1980);
    expect(birthYearOf(new Date("1980-01-02"))).toBe(1980);
  });

  it("accepts a bare year, as some voter files publish", () => {
    expect(birthYearOf("1980")).toBe(1980);
  });

  it("rejects what is not a date", () => {
    expectInvalid(() => birthYearOf("1980-02-30"), "birthDate", "1980-02-30");
    expectInvalid(() => birthYearOf("80", { field: "birthYear" }), "birthYear", "80");
  });
});
