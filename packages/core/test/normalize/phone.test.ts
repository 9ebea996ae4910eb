import { describe, expect, it } from "vitest";
import { normalizePhone, phoneAreaCode, phoneCountry, tryNormalizePhone } from "../../src/normalize/index.js";
import { expectInvalid } from "./expect-invalid.js";

// Synthetic numbers in real area codes (919 Raleigh, 416 Toronto, 787 Puerto Rico); 555-01xx is the
// fictional range, which libphonenumber's metadata treats as valid.
describe("normalizePhone", () => {
  it.each([
    "(919) 264-0134",
    "919.264.0134",
    "919-264-0134",
    "9192640134",
    "+1 919 264 0134",
    "+1 (919) 264-0134",
    "1-919-264-0134",
    "19192640134",
    "+19192640134",
    "tel:+19192640134",
    "  919 264 0134  ",
  ])("normalizes %j to E.164", (input) => {
    expect(normalizePhone(input)).toBe("+19192640134");
  });

  it("accepts the fictional 555-01xx range", () => {
    expect(normalizePhone("(919) 555-0134")).toBe("+19195550134");
  });

  it.each(["(919) 264-0134 x123", "919-264-0134 ext. 55", "919.264.0134;ext=9"])(
    "drops the extension of %j",
    (input) => {
      expect(normalizePhone(input)).toBe("+19192640134");
    },
  );

  it("uses defaultCountry for numbers without a country code", () => {
    expect(normalizePhone("020 7946 0018", { defaultCountry: "GB" })).toBe("+442079460018");
    expect(normalizePhone("+44 20 7946 0018")).toBe("+442079460018");
    expect(normalizePhone("011 44 20 7946 0018")).toBe("+442079460018");
  });

  it("rejects numbers that cannot exist, naming the field and the value", () => {
    const error = expectInvalid(() => normalizePhone("(123) 456-7890"), "phone", "(123) 456-7890");
    expect(error.message).toBe('Invalid phone "(123) 456-7890": is not a valid phone number');
  });

  it("uses the caller's field name", () => {
    expectInvalid(
      () => normalizePhone("919 264 013", { field: "phoneNumbers.0.number" }),
      "phoneNumbers.0.number",
      "919 264 013",
    );
  });

  it.each(["", "   ", "call me", "+", "1-800-FLOWERS"])("rejects %j", (input) => {
    expectInvalid(() => normalizePhone(input), "phone", input);
  });

  it("rejects values that are not strings", () => {
    expectInvalid(() => normalizePhone(9192640134 as unknown as string), "phone", 9192640134);
  });

  it("rejects an unknown default country", () => {
    expectInvalid(
      () => normalizePhone("9192640134", { defaultCountry: "XX" as never }),
      "defaultCountry",
      "XX",
    );
  });
});

describe("tryNormalizePhone", () => {
  it("returns E.164 for valid numbers", () => {
    expect(tryNormalizePhone("919.264.0134")).toBe("+19192640134");
    expect(tryNormalizePhone("020 7946 0018", { defaultCountry: "GB" })).toBe("+442079460018");
  });

  it.each([undefined, null, "", "  ", "not a phone", "(123) 456-7890"])(
    "returns undefined for %j",
    (input) => {
      expect(tryNormalizePhone(input)).toBeUndefined();
    },
  );
});

describe("phoneAreaCode", () => {
  it("returns the area code of +1 numbers", () => {
    expect(phoneAreaCode("+19192640134")).toBe("919");
    expect(phoneAreaCode("+14162640134")).toBe("416");
    expect(phoneAreaCode("+17872640134")).toBe("787");
  });

  it("returns undefined outside the +1 plan", () => {
    expect(phoneAreaCode("+442079460018")).toBeUndefined();
  });

  it("rejects input that is not E.164", () => {
    expectInvalid(() => phoneAreaCode("(919) 264-0134"), "phone", "(919) 264-0134");
    expectInvalid(() => phoneAreaCode("919", { field: "to" }), "to", "919");
  });
});

describe("phoneCountry", () => {
  it("returns the ISO country of a number", () => {
    expect(phoneCountry("+19192640134")).toBe("US");
    expect(phoneCountry("+14162640134")).toBe("CA");
    expect(phoneCountry("+17872640134")).toBe("PR");
    expect(phoneCountry("+442079460018")).toBe("GB");
  });

  it("rejects input that is not E.164", () => {
    expectInvalid(() => phoneCountry("0044 20 7946 0018"), "phone", "0044 20 7946 0018");
  });
});
