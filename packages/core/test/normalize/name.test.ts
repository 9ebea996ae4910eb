import { describe, expect, it } from "vitest";
import { nameMatchKey, normalizeNamePart, normalizePersonName } from "../../src/normalize/index.js";
import { expectInvalid } from "./expect-invalid.js";

describe("normalizeNamePart", () => {
  it.each([
    ["JOHN", "John"],
    ["john", "John"],
    ["  MARY   ANN ", "Mary Ann"],
    ["MCDONALD", "McDonald"],
    ["mcdonald", "McDonald"],
    ["MACK", "Mack"],
    ["MACHADO", "Machado"],
    ["O'BRIEN", "O'Brien"],
    ["o’neil", "O'Neil"],
    ["D'ANGELO", "D'Angelo"],
    ["SMITH-JONES", "Smith-Jones"],
    ["smith - jones", "Smith-Jones"],
    ["MCDONALD-SMITH", "McDonald-Smith"],
    ["MARIA DE LA CRUZ", "Maria de la Cruz"],
    ["DE LA CRUZ", "De la Cruz"],
    ["LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"],
    ["VAN BUREN", "Van Buren"],
    ["ANA DA SILVA", "Ana da Silva"],
    ["JUAN DEL RIO", "Juan del Rio"],
    ["NÚÑEZ", "Núñez"],
    ["josé", "José"],
    ["J.R.", "J.R."],
  ])("%j → %j", (input, expected) => {
    expect(normalizeNamePart(input)).toBe(expected);
  });

  it("keeps the casing of mixed-case input, which a person chose", () => {
    expect(normalizeNamePart("DeShawn")).toBe("DeShawn");
    expect(normalizeNamePart("MacArthur")).toBe("MacArthur");
    expect(normalizeNamePart("van der Berg")).toBe("van der Berg");
    expect(normalizeNamePart("  LaToya   Smith ")).toBe("LaToya Smith");
  });

  it("composes decomposed accents (NFC)", () => {
    const decomposed = "Jose\u0301";
    expect(normalizeNamePart(decomposed)).toBe("José");
    expect(normalizeNamePart(decomposed)).toHaveLength(4);
  });

  it("returns an empty string for blank input", () => {
    expect(normalizeNamePart("   ")).toBe("");
  });

  it("rejects non-strings, naming the field", () => {
    expectInvalid(() => normalizeNamePart(42 as unknown as string), "name", 42);
    expectInvalid(
      () => normalizeNamePart(null as unknown as string, { field: "givenName" }),
      "givenName",
      null,
    );
  });
});

describe("normalizePersonName", () => {
  it("normalizes every part of an ALL-CAPS voter-file name", () => {
    expect(normalizePersonName({ givenName: "JOSÉ", additionalName: "LUIS", familyName: "NÚÑEZ" })).toEqual({
      givenName: "José",
      additionalName: "Luis",
      familyName: "Núñez",
    });
  });

  it.each([
    ["SMITH JR", "Smith", "Jr."],
    ["Smith, Jr.", "Smith", "Jr."],
    ["SMITH SR", "Smith", "Sr."],
    ["SMITH II", "Smith", "II"],
    ["SMITH III", "Smith", "III"],
    ["SMITH IV", "Smith", "IV"],
    ["SMITH V", "Smith", "V"],
    ["O'BRIEN 3RD", "O'Brien", "III"],
  ])("moves the suffix of family name %j to honorificSuffix", (familyName, family, suffix) => {
    expect(normalizePersonName({ givenName: "JOHN", familyName })).toEqual({
      givenName: "John",
      familyName: family,
      honorificSuffix: suffix,
    });
  });

  it("moves a suffix at the end of the given name", () => {
    expect(normalizePersonName({ givenName: "ROBERT JR", familyName: "LEE" })).toEqual({
      givenName: "Robert",
      familyName: "Lee",
      honorificSuffix: "Jr.",
    });
  });

  it("reads a trailing V on a given name as an initial, not a suffix", () => {
    expect(normalizePersonName({ givenName: "MARY V", familyName: "SMITH" })).toEqual({
      givenName: "Mary V",
      familyName: "Smith",
    });
  });

  it("normalizes a suffix column", () => {
    expect(
      normalizePersonName({ givenName: "JOHN", familyName: "SMITH", suffix: "JR" }).honorificSuffix,
    ).toBe("Jr.");
    expect(normalizePersonName({ familyName: "SMITH", suffix: "3rd" }).honorificSuffix).toBe("III");
    expect(normalizePersonName({ familyName: "SMITH", suffix: "esq" }).honorificSuffix).toBe("Esq.");
  });

  it("does not double a suffix given both in the column and in the family name", () => {
    expect(normalizePersonName({ givenName: "JOHN", familyName: "SMITH JR", suffix: "JR." })).toEqual({
      givenName: "John",
      familyName: "Smith",
      honorificSuffix: "Jr.",
    });
  });

  it("is idempotent", () => {
    const once = normalizePersonName({ givenName: "MARIA", familyName: "DE LA CRUZ-MCKAY III" });
    expect(once).toEqual({ givenName: "Maria", familyName: "De la Cruz-McKay", honorificSuffix: "III" });
    expect(normalizePersonName(once)).toEqual(once);
  });

  it("drops blank parts, placeholders and the NMN middle name", () => {
    expect(
      normalizePersonName({ givenName: "  ", familyName: "DOE", additionalName: "NMN", suffix: null }),
    ).toEqual({ familyName: "Doe" });
    expect(normalizePersonName({ givenName: "PAT", additionalName: "." })).toEqual({ givenName: "Pat" });
    expect(normalizePersonName({})).toEqual({});
  });

  it("names the part in errors", () => {
    expectInvalid(() => normalizePersonName({ givenName: 7 as unknown as string }), "name.givenName", 7);
    expectInvalid(
      () => normalizePersonName({ familyName: ["DOE"] as unknown as string }, { field: "person" }),
      "person.familyName",
      ["DOE"],
    );
  });
});

describe("nameMatchKey", () => {
  it.each([
    ["Núñez", "nunez"],
    ["NÚÑEZ", "nunez"],
    ["O'Brien", "obrien"],
    ["O’Brien", "obrien"],
    ["Smith-Jones", "smithjones"],
    ["De La Cruz", "delacruz"],
    ["St. John", "stjohn"],
    ["Øster", "oster"],
    ["Strauß", "strauss"],
    ["  ", ""],
  ])("%j → %j", (input, expected) => {
    expect(nameMatchKey(input)).toBe(expected);
  });

  it("gives one key for differently cased and accented spellings", () => {
    expect(nameMatchKey("JOSE")).toBe(nameMatchKey("José"));
    expect(nameMatchKey("Jose\u0301")).toBe("jose");
  });
});
