import { describe, expect, it } from "vitest";
import { US_STATES } from "../../src/normalize/us-states.js";
import { AREA_CODE_ROWS, buildAreaCodeTable } from "../../src/outreach/quiet-hours/area-codes.js";
import {
  AREA_CODE_LOCATIONS,
  areaCodeLocation,
  locateRecipient,
  STATE_TIME_ZONES,
  ZIP_TIME_ZONE_OVERRIDES,
  zipState,
} from "../../src/outreach/quiet-hours/index.js";
import { expectInvalid } from "../normalize/expect-invalid.js";

const IANA = new Set(Intl.supportedValuesOf("timeZone"));
const FALLBACK = { fallbackTimeZone: "America/New_York" };
const FIFTY_AND_DC = Object.entries(US_STATES)
  .filter(([, info]) => info.kind === "state" || info.kind === "district")
  .map(([code]) => code);

describe("area-code table", () => {
  it("gives every entry a two-letter state known to USPS and a zone Intl knows", () => {
    expect(AREA_CODE_LOCATIONS.size).toBeGreaterThan(350);
    for (const [code, location] of AREA_CODE_LOCATIONS) {
      expect(code, code).toMatch(/^[2-9]\d{2}$/);
      expect(location.state, code).toMatch(/^[A-Z]{2}$/);
      expect(Object.hasOwn(US_STATES, location.state), code).toBe(true);
      expect(IANA.has(location.timeZone), `${code} ${location.timeZone}`).toBe(true);
    }
  });

  it("lists no area code twice in its source rows, and refuses a table that would", () => {
    const codes = AREA_CODE_ROWS.flatMap(([, , list]) => list.split(" "));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBe(AREA_CODE_LOCATIONS.size);
    expect(() =>
      buildAreaCodeTable([
        ["NC", "America/New_York", "919"],
        ["SC", "America/New_York", "919"],
      ]),
    ).toThrow(/919 is listed twice/);
  });

  it("holds only codes that can be geographic NPAs", () => {
    for (const code of AREA_CODE_LOCATIONS.keys()) {
      // N11 service codes, the reserved X9X expansion codes, 37X/96X and the non-geographic 5XX/8YY/900.
      expect(code.slice(1), code).not.toBe("11");
      expect(code[1], code).not.toBe("9");
      expect(["37", "96"], code).not.toContain(code.slice(0, 2));
      expect(code.startsWith("5") && code[1] === code[2], code).toBe(false);
      expect(code[0] === "8" && code[1] === code[2], code).toBe(false);
      expect(code).not.toBe("900");
    }
  });

  it("covers all 50 states and DC", () => {
    const covered = new Set([...AREA_CODE_LOCATIONS.values()].map((location) => location.state));
    for (const state of FIFTY_AND_DC) expect(covered.has(state as never), state).toBe(true);
  });

  it("puts each code in a zone its state actually spans", () => {
    for (const [code, { state, timeZone }] of AREA_CODE_LOCATIONS) {
      const zones = new Set([
        STATE_TIME_ZONES[state],
        ...ZIP_TIME_ZONE_OVERRIDES.filter((o) => o.state === state).map((o) => o.timeZone),
      ]);
      expect(zones.has(timeZone), `${code} (${state}) ${timeZone}`).toBe(true);
    }
  });

  it.each([
    ["919", "NC", "America/New_York"],
    ["212", "NY", "America/New_York"],
    ["213", "CA", "America/Los_Angeles"],
    ["305", "FL", "America/New_York"],
    ["850", "FL", "America/Chicago"],
    ["448", "FL", "America/Chicago"],
    ["915", "TX", "America/Denver"],
    ["432", "TX", "America/Chicago"],
    ["906", "MI", "America/New_York"],
    ["219", "IN", "America/Chicago"],
    ["812", "IN", "America/New_York"],
    ["270", "KY", "America/Chicago"],
    ["502", "KY", "America/New_York"],
    ["423", "TN", "America/New_York"],
    ["615", "TN", "America/Chicago"],
    ["208", "ID", "America/Denver"],
    ["541", "OR", "America/Los_Angeles"],
    ["308", "NE", "America/Chicago"],
    ["701", "ND", "America/Chicago"],
    ["605", "SD", "America/Chicago"],
    ["620", "KS", "America/Chicago"],
    ["775", "NV", "America/Los_Angeles"],
    ["928", "AZ", "America/Phoenix"],
    ["907", "AK", "America/Anchorage"],
    ["808", "HI", "Pacific/Honolulu"],
    ["202", "DC", "America/New_York"],
    ["787", "PR", "America/Puerto_Rico"],
    ["671", "GU", "Pacific/Guam"],
  ])("%s is %s, %s", (npa, state, timeZone) => {
    expect(areaCodeLocation(npa)).toEqual({ state, timeZone });
  });

  it.each([
    "800",
    "833",
    "844",
    "855",
    "866",
    "877",
    "888",
    "900",
    "500",
    "521",
    "533",
    "544",
    "566",
    "577",
    "588",
    "710",
    "211",
    "911",
    "416", // Toronto
    "876", // Jamaica
    "999",
  ])("%s places nobody", (npa) => {
    expect(areaCodeLocation(npa)).toBeUndefined();
  });

  it("rejects what is not a three-digit code", () => {
    expectInvalid(() => areaCodeLocation("91"), "npa", "91");
    expectInvalid(() => areaCodeLocation("+19195550123"), "npa", "+19195550123");
  });
});

describe("zipState", () => {
  it.each([
    ["02108", "MA"],
    ["05501", "MA"],
    ["06103", "CT"],
    ["10001", "NY"],
    ["20001", "DC"],
    ["20166", "VA"],
    ["27601", "NC"],
    ["32501", "FL"],
    ["73301", "TX"],
    ["73102", "OK"],
    ["88510", "TX"],
    ["96799", "AS"],
    ["96813", "HI"],
    ["96910", "GU"],
    ["96950", "MP"],
    ["99501", "AK"],
    ["00901", "PR"],
    ["00802", "VI"],
  ])("%s is in %s", (zip, state) => {
    expect(zipState(zip)).toBe(state);
  });

  it.each(["09001", "34001", "96201", "96941", "00100"])(
    "%s (military, freely associated or unassigned) has no state",
    (zip) => {
      expect(zipState(zip)).toBeUndefined();
    },
  );
});

describe("locateRecipient", () => {
  it("prefers the address to the phone: a 212 number living in California is on Los Angeles time", () => {
    expect(locateRecipient({ region: "CA", postalCode: "90012", phone: "+12125550123" }, FALLBACK)).toEqual({
      state: "CA",
      timeZone: "America/Los_Angeles",
      source: "address",
    });
  });

  it("uses the area code when there is no address", () => {
    expect(locateRecipient({ phone: "+19195550123" }, FALLBACK)).toEqual({
      state: "NC",
      timeZone: "America/New_York",
      source: "area_code",
    });
    expect(locateRecipient({ region: null, postalCode: null, phone: "+18505550123" }, FALLBACK)).toEqual({
      state: "FL",
      timeZone: "America/Chicago",
      source: "area_code",
    });
  });

  it.each([
    ["FL", "32501", "America/Chicago"], // Pensacola
    ["FL", "32401", "America/Chicago"], // Panama City
    ["FL", "32301", "America/New_York"], // Tallahassee
    ["TX", "79901", "America/Denver"], // El Paso
    ["TX", "79701", "America/Chicago"], // Midland
    ["IN", "46402", "America/Chicago"], // Gary
    ["IN", "47708", "America/Chicago"], // Evansville
    ["IN", "46204", "America/New_York"], // Indianapolis
    ["KY", "42101", "America/Chicago"], // Bowling Green
    ["KY", "40202", "America/New_York"], // Louisville
    ["TN", "37902", "America/New_York"], // Knoxville
    ["TN", "37402", "America/New_York"], // Chattanooga
    ["TN", "37203", "America/Chicago"], // Nashville
    ["MI", "49858", "America/Chicago"], // Menominee
    ["MI", "49855", "America/New_York"], // Marquette
    ["ND", "58601", "America/Denver"], // Dickinson
    ["ND", "58501", "America/Chicago"], // Bismarck
    ["SD", "57701", "America/Denver"], // Rapid City
    ["SD", "57104", "America/Chicago"], // Sioux Falls
    ["NE", "69361", "America/Denver"], // Scottsbluff
    ["NE", "68102", "America/Chicago"], // Omaha
    ["OR", "97914", "America/Denver"], // Ontario
    ["OR", "97201", "America/Los_Angeles"], // Portland
    ["ID", "83814", "America/Los_Angeles"], // Coeur d'Alene
    ["ID", "83702", "America/Denver"], // Boise
    ["AZ", "86515", "America/Denver"], // Window Rock (Navajo Nation)
    ["AZ", "85004", "America/Phoenix"], // Phoenix
    ["NV", "89883", "America/Denver"], // West Wendover
    ["NV", "89101", "America/Los_Angeles"], // Las Vegas
    ["AK", "99501", "America/Anchorage"],
    ["HI", "96813", "Pacific/Honolulu"],
    ["PR", "00901", "America/Puerto_Rico"],
  ])("an address in %s %s is on %s", (region, postalCode, timeZone) => {
    // A phone from elsewhere must not change the answer.
    expect(locateRecipient({ region, postalCode, phone: "+12125550123" }, FALLBACK)).toEqual({
      state: region,
      timeZone,
      source: "address",
    });
  });

  it("uses the state's zone when the address has no ZIP, and reads ZIP+4 codes", () => {
    expect(locateRecipient({ region: "TX" }, FALLBACK)).toMatchObject({ timeZone: "America/Chicago" });
    expect(locateRecipient({ region: "TX", postalCode: "79901-1234" }, FALLBACK)).toMatchObject({
      timeZone: "America/Denver",
    });
  });

  it("accepts state names and lower case", () => {
    expect(locateRecipient({ region: "California" }, FALLBACK)).toMatchObject({
      state: "CA",
      source: "address",
    });
    expect(locateRecipient({ region: "fl", postalCode: "32501" }, FALLBACK)).toMatchObject({
      state: "FL",
      timeZone: "America/Chicago",
    });
  });

  it("takes the state from the ZIP when the address has no region", () => {
    expect(locateRecipient({ postalCode: "79901", phone: "+12125550123" }, FALLBACK)).toEqual({
      state: "TX",
      timeZone: "America/Denver",
      source: "address",
    });
  });

  it("trusts the region over a ZIP of another state", () => {
    expect(locateRecipient({ region: "NY", postalCode: "32501" }, FALLBACK)).toEqual({
      state: "NY",
      timeZone: "America/New_York",
      source: "address",
    });
  });

  it("falls back to the phone when the address has no US local time or no US state", () => {
    expect(
      locateRecipient({ region: "AE", postalCode: "09001", phone: "+19195550123" }, FALLBACK),
    ).toMatchObject({
      state: "NC",
      source: "area_code",
    });
    expect(
      locateRecipient({ region: "Ontario", postalCode: "K1A 0B1", phone: "+19195550123" }, FALLBACK),
    ).toMatchObject({ state: "NC", source: "area_code" });
    expect(
      locateRecipient({ region: "  ", postalCode: "00000", phone: "+19195550123" }, FALLBACK),
    ).toMatchObject({
      source: "area_code",
    });
  });

  it("is unknown, in the fallback zone, when neither the address nor the number places the recipient", () => {
    const unknown = { state: null, timeZone: "America/Chicago", source: "unknown" };
    expect(locateRecipient({}, { fallbackTimeZone: "America/Chicago" })).toEqual(unknown);
    expect(locateRecipient({ phone: "+18005550123" }, { fallbackTimeZone: "America/Chicago" })).toEqual(
      unknown,
    );
    expect(locateRecipient({ phone: "+14165550123" }, { fallbackTimeZone: "America/Chicago" })).toEqual(
      unknown,
    );
    expect(locateRecipient({ phone: "+447700900123" }, { fallbackTimeZone: "America/Chicago" })).toEqual(
      unknown,
    );
  });

  it("rejects a phone that is not E.164 and a fallback zone that is not IANA", () => {
    expectInvalid(() => locateRecipient({ phone: "(919) 555-0123" }, FALLBACK), "phone", "(919) 555-0123");
    expectInvalid(
      () => locateRecipient({ phone: "+19195550123" }, { fallbackTimeZone: "Eastern" }),
      "fallbackTimeZone",
      "Eastern",
    );
  });
});
