import { describe, expect, it } from "vitest";
import { normalizeEmail, tryNormalizeEmail } from "../../src/normalize/index.js";
import { expectInvalid } from "./expect-invalid.js";

describe("normalizeEmail", () => {
  it("trims and lowercases the whole address", () => {
    expect(normalizeEmail("  Pat.Doe@Example.ORG ")).toBe("pat.doe@example.org");
    expect(normalizeEmail("PAT+VOLUNTEER@EXAMPLE.COM")).toBe("pat+volunteer@example.com");
  });

  it("keeps provider-specific forms as they are (no Gmail dot or +tag folding)", () => {
    expect(normalizeEmail("pat.doe+rally@gmail.com")).toBe("pat.doe+rally@gmail.com");
  });

  it.each(["o'brien@example.org", "first_last@sub.example.co.uk", "a-b@example-mail.org"])(
    "accepts %j",
    (input) => {
      expect(normalizeEmail(input)).toBe(input);
    },
  );

  it.each([
    "pat",
    "pat@",
    "@example.org",
    "pat@example",
    "pat doe@example.org",
    "pat..doe@example.org",
    ".pat@example.org",
    "pat@@example.org",
    "pat@example..org",
  ])("rejects %j", (input) => {
    const error = expectInvalid(() => normalizeEmail(input), "email", input);
    expect(error.message).toContain("is not a valid email address");
  });

  it("rejects blank input and non-strings", () => {
    expectInvalid(() => normalizeEmail("   "), "email", "   ");
    expectInvalid(() => normalizeEmail(undefined as unknown as string), "email", undefined);
  });

  it("rejects addresses longer than SMTP allows", () => {
    const long = `${"a".repeat(64)}@${"b".repeat(186)}.org`;
    expectInvalid(() => normalizeEmail(long), "email", long);
  });

  it("uses the caller's field name", () => {
    expectInvalid(
      () => normalizeEmail("nope", { field: "emailAddresses.2.address" }),
      "emailAddresses.2.address",
      "nope",
    );
  });
});

describe("tryNormalizeEmail", () => {
  it("returns the normalized address or undefined", () => {
    expect(tryNormalizeEmail(" Pat@Example.org")).toBe("pat@example.org");
    expect(tryNormalizeEmail("nope")).toBeUndefined();
    expect(tryNormalizeEmail("")).toBeUndefined();
    expect(tryNormalizeEmail(null)).toBeUndefined();
    expect(tryNormalizeEmail(undefined)).toBeUndefined();
  });
});
