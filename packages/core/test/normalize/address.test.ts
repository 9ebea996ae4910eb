import { describe, expect, it } from "vitest";
import {
  addressMatchKey,
  isUsStateCode,
  normalizePostalAddress,
  normalizeZipCode,
  US_STATES,
  usStateCode,
  zip5,
} from "../../src/normalize/index.js";
import { expectInvalid } from "./expect-invalid.js";

/** The normalized first street line of a US address. */
const line = (text: string) => normalizePostalAddress({ addressLines: [text] }).addressLines[0];

describe("normalizePostalAddress", () => {
  it("normalizes a whole US address", () => {
    expect(
      normalizePostalAddress({
        addressLines: ["123 north main street", "apartment 4b"],
        locality: "RALEIGH",
        region: "north carolina",
        postalCode: "276011234",
      }),
    ).toEqual({
      addressLines: ["123 N Main St", "Apt 4B"],
      locality: "Raleigh",
      region: "NC",
      postalCode: "27601-1234",
      country: "US",
    });
  });

  it.each([
    ["123 Main Street", "123 Main St"],
    ["123 OAK AVENUE", "123 Oak Ave"],
    ["123 oak av", "123 Oak Ave"],
    ["9 Mill Road", "9 Mill Rd"],
    ["9 ELM DRIVE", "9 Elm Dr"],
    ["9 Elm Lane", "9 Elm Ln"],
    ["9 OCEAN BOULEVARD", "9 Ocean Blvd"],
    ["9 Elm Court", "9 Elm Ct"],
    ["9 Elm Circle", "9 Elm Cir"],
    ["9 Elm Place", "9 Elm Pl"],
    ["9 Blue Ridge Parkway", "9 Blue Ridge Pkwy"],
    ["9 Coastal Highway", "9 Coastal Hwy"],
    ["9 Elm Terrace", "9 Elm Ter"],
    ["9 Pine Trail", "9 Pine Trl"],
    ["9 Pine Way", "9 Pine Way"],
    ["9 Pine Square", "9 Pine Sq"],
    ["9 Pine Crossing", "9 Pine Xing"],
    ["9 Pine Expressway", "9 Pine Expy"],
    ["9 Pine Heights", "9 Pine Hts"],
    ["9 Pine Turnpike", "9 Pine Tpke"],
    ["9 Pine Center", "9 Pine Ctr"],
    ["9 Pine Alley", "9 Pine Aly"],
    ["9 Pine Plaza", "9 Pine Plz"],
    ["9 Pine Point", "9 Pine Pt"],
    ["9 Pine Ridge", "9 Pine Rdg"],
    ["9 Pine Cove", "9 Pine Cv"],
    ["9 Pine Loop", "9 Pine Loop"],
  ])("abbreviates the street suffix: %j → %j", (input, expected) => {
    expect(line(input)).toBe(expected);
  });

  it.each([
    ["123 North Main Street", "123 N Main St"],
    ["123 Main Street Southwest", "123 Main St SW"],
    ["456 NORTHEAST 5TH AVENUE", "456 NE 5th Ave"],
    ["123 North Street", "123 North St"],
    ["123 West Avenue North", "123 West Ave N"],
  ])("abbreviates directionals but not a street named after one: %j → %j", (input, expected) => {
    expect(line(input)).toBe(expected);
  });

  it("abbreviates only the last word of the street name", () => {
    expect(line("123 Court Street")).toBe("123 Court St");
    expect(line("10 AVENUE B")).toBe("10 Avenue B");
  });

  it.each([
    ["123 Main St Apartment 4b", "123 Main St Apt 4B"],
    ["123 Main St Apt. #4B", "123 Main St Apt 4B"],
    ["123 Main St, Suite 200", "123 Main St Ste 200"],
    ["123 Main St STE200", "123 Main St Ste 200"],
    ["123 Main St #4B", "123 Main St # 4B"],
    ["123 Main St # 4B", "123 Main St # 4B"],
    ["123 Main St Unit 7", "123 Main St Unit 7"],
    ["123 Main St Building C", "123 Main St Bldg C"],
    ["123 Main St Rear", "123 Main St Rear"],
    ["123 Main St Lower", "123 Main St Lowr"],
  ])("standardizes unit designators: %j → %j", (input, expected) => {
    expect(line(input)).toBe(expected);
  });

  it("does not take street-name words for units", () => {
    expect(line("12 PARKING LOT ROAD")).toBe("12 Parking Lot Rd");
    expect(line("12 S FRONT ST")).toBe("12 S Front St");
  });

  it("normalizes a unit on its own line", () => {
    expect(normalizePostalAddress({ addressLines: ["123 Main St", "suite 200"] }).addressLines).toEqual([
      "123 Main St",
      "Ste 200",
    ]);
    expect(normalizePostalAddress({ addressLines: ["123 Main St", "#4b"] }).addressLines).toEqual([
      "123 Main St",
      "# 4B",
    ]);
  });

  it("standardizes PO boxes", () => {
    expect(line("P.O. Box 123")).toBe("PO Box 123");
    expect(line("post office box 77")).toBe("PO Box 77");
    expect(line("POB 9")).toBe("PO Box 9");
  });

  it("title-cases all-caps lines but keeps a person's mixed casing", () => {
    expect(line("100 MCDOWELL ST")).toBe("100 McDowell St");
    expect(line("123 1/2 CAMINO DE LA ROSA")).toBe("123 1/2 Camino de la Rosa");
    expect(line("123 MacArthur Boulevard")).toBe("123 MacArthur Blvd");
    expect(line("789 MARTIN LUTHER KING JR BLVD")).toBe("789 Martin Luther King Jr Blvd");
  });

  it("drops blank lines and collapses whitespace", () => {
    expect(normalizePostalAddress({ addressLines: ["  123   Main   St ", "", " , "] }).addressLines).toEqual([
      "123 Main St",
    ]);
  });

  it("title-cases the city", () => {
    expect(normalizePostalAddress({ addressLines: [], locality: "WINSTON-SALEM" }).locality).toBe(
      "Winston-Salem",
    );
    expect(normalizePostalAddress({ addressLines: [], locality: "mclean" }).locality).toBe("McLean");
  });

  it("restores the leading zero of New England ZIP codes", () => {
    const address = normalizePostalAddress({
      addressLines: ["1 Beacon St"],
      region: "MA",
      postalCode: "2108",
    });
    expect(address.postalCode).toBe("02108");
  });

  it("normalizes a partial address as far as it goes", () => {
    expect(
      normalizePostalAddress({ addressLines: [], locality: "durham", region: "nc", postalCode: null }),
    ).toEqual({
      addressLines: [],
      locality: "Durham",
      region: "NC",
      country: "US",
    });
  });

  it("accepts names of the United States as country US", () => {
    for (const country of ["us", "USA", "U.S.A.", "United States"]) {
      expect(normalizePostalAddress({ addressLines: [], country }).country).toBe("US");
    }
  });

  it("only cleans up addresses outside the US", () => {
    expect(
      normalizePostalAddress({
        addressLines: ["10 DOWNING STREET"],
        locality: "london",
        postalCode: "sw1a 2aa",
        country: "gb",
      }),
    ).toEqual({
      addressLines: ["10 Downing Street"],
      locality: "London",
      postalCode: "SW1A 2AA",
      country: "GB",
    });
  });

  it("rejects an unknown state, naming the field", () => {
    expectInvalid(
      () =>
        normalizePostalAddress(
          { addressLines: ["1 Main St"], region: "Narnia" },
          { field: "postalAddresses.0" },
        ),
      "postalAddresses.0.region",
      "Narnia",
    );
  });

  it("rejects an invalid ZIP code, naming the field", () => {
    expectInvalid(
      () => normalizePostalAddress({ addressLines: ["1 Main St"], region: "NC", postalCode: "2760" }),
      "address.postalCode",
      "2760",
    );
  });

  it("rejects a country that is not a 2-letter code", () => {
    expectInvalid(
      () => normalizePostalAddress({ addressLines: [], country: "Freedonia" }),
      "address.country",
      "Freedonia",
    );
  });

  it("rejects address lines that are not strings", () => {
    expectInvalid(
      () => normalizePostalAddress({ addressLines: ["1 Main St", 5 as unknown as string] }),
      "address.addressLines.1",
      5,
    );
    expectInvalid(
      () => normalizePostalAddress({ addressLines: "1 Main St" as unknown as string[] }),
      "address.addressLines",
      "1 Main St",
    );
  });
});

describe("addressMatchKey", () => {
  it("gives one key for the same door written differently", () => {
    const keys = [
      { addressLines: ["123 North Main Street, Apt. 4B"], postalCode: "27601-1234" },
      { addressLines: ["123 N MAIN ST", "UNIT 4B"], postalCode: "27601" },
      { addressLines: ["123 n. main st. #4b"], postalCode: "276011234" },
    ].map((address) => addressMatchKey(address));
    expect(keys).toEqual([
      "123 n main st apt 4b|27601",
      "123 n main st apt 4b|27601",
      "123 n main st apt 4b|27601",
    ]);
  });

  it("tells different units and ZIP codes apart", () => {
    const base = addressMatchKey({ addressLines: ["123 Main St Apt 4B"], postalCode: "27601" });
    expect(addressMatchKey({ addressLines: ["123 Main St Apt 4C"], postalCode: "27601" })).not.toBe(base);
    expect(addressMatchKey({ addressLines: ["123 Main St Apt 4B"], postalCode: "27603" })).not.toBe(base);
  });

  it("works without a postal code and strips accents", () => {
    expect(addressMatchKey({ addressLines: ["12 Calle Peñasco"] })).toBe("12 calle penasco|");
  });
});

describe("normalizeZipCode and zip5", () => {
  it.each([
    ["27601", "27601"],
    ["27601-1234", "27601-1234"],
    ["276011234", "27601-1234"],
    [" 27601 1234 ", "27601-1234"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeZipCode(input)).toBe(expected);
  });

  it("pads 4-digit ZIPs only in states whose ZIPs start with 0", () => {
    expect(normalizeZipCode("2108", { region: "MA" })).toBe("02108");
    expect(normalizeZipCode("6103", { region: "CT" })).toBe("06103");
    expect(normalizeZipCode("21081234", { region: "MA" })).toBe("02108-1234");
    expectInvalid(() => normalizeZipCode("2760", { region: "NC" }), "postalCode", "2760");
    expectInvalid(() => normalizeZipCode("2108"), "postalCode", "2108");
  });

  it.each(["2760", "276012", "2760112345", "ABCDE", "27601-12", "00000", ""])("rejects %j", (input) => {
    expectInvalid(() => normalizeZipCode(input), "postalCode", input);
  });

  it("returns the first five digits", () => {
    expect(zip5("27601-1234")).toBe("27601");
    expect(zip5("276011234")).toBe("27601");
    expect(zip5("27601")).toBe("27601");
    expectInvalid(() => zip5("nope", { field: "zip" }), "zip", "nope");
  });
});

describe("US states", () => {
  it("has the 50 states, DC, and the inhabited territories", () => {
    const entries = Object.values(US_STATES);
    expect(entries.filter((state) => state.kind === "state")).toHaveLength(50);
    expect(US_STATES.DC.kind).toBe("district");
    for (const code of ["PR", "GU", "VI", "AS", "MP"] as const)
      expect(US_STATES[code].kind).toBe("territory");
  });

  it.each([
    ["NC", "NC"],
    ["nc", "NC"],
    ["N.C.", "NC"],
    ["north carolina", "NC"],
    ["  North   Carolina ", "NC"],
    ["District of Columbia", "DC"],
    ["Washington, D.C.", "DC"],
    ["puerto rico", "PR"],
    ["Calif.", "CA"],
    ["W. Va.", "WV"],
  ])("usStateCode(%j) → %j", (input, expected) => {
    expect(usStateCode(input)).toBe(expected);
  });

  it("rejects what is not a US state", () => {
    expectInvalid(() => usStateCode("Ontario"), "region", "Ontario");
    expectInvalid(() => usStateCode("XX", { field: "state" }), "state", "XX");
    expectInvalid(() => usStateCode(""), "region", "");
  });

  it("checks codes exactly", () => {
    expect(isUsStateCode("NC")).toBe(true);
    expect(isUsStateCode("nc")).toBe(false);
    expect(isUsStateCode("toString")).toBe(false);
    expect(isUsStateCode(27)).toBe(false);
  });
});

describe("street line cache", () => {
  it("normalizes a line the same whatever its house number, cached or not", () => {
    const rests = [
      "N MAIN ST",
      "north main street apt 4b",
      "MAIN ST #12",
      "1ST AVE",
      "W 5TH ST STE 200",
      "OAK  RIDGE RD.",
      "PO BOX 12",
    ];
    for (const rest of rests) {
      const first = normalizePostalAddress({ addressLines: [`123 ${rest}`] }).addressLines[0];
      const second = normalizePostalAddress({ addressLines: [`4567 ${rest}`] }).addressLines[0];
      expect(second).toBe(first?.replace(/^123/, "4567"));
    }
    expect(normalizePostalAddress({ addressLines: ["123 N MAIN ST APT 4B"] }).addressLines).toEqual([
      "123 N Main St Apt 4B",
    ]);
  });
});
