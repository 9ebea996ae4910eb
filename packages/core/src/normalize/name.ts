/**
 * Person names: whitespace, casing, generational suffixes, and a comparison key.
 *
 * @module
 */

import { smartTitleCase } from "./casing.js";
import { collapseWhitespace, detach, type FieldOptions, fail, requireString } from "./input.js";

/** A person's name as it arrives from a form, a CSV or a voter file. Missing parts: absent or `null`. */
export interface PersonNameInput {
  /** First name. */
  givenName?: string | null;
  /** Last name; may carry a suffix (`SMITH JR`), which is moved to `honorificSuffix`. */
  familyName?: string | null;
  /** Middle name(s) or initial. */
  additionalName?: string | null;
  /** A suffix column (`JR`, `III`, `Esq`), as voter files have. */
  suffix?: string | null;
  /** Same as `suffix`; accepted so that a normalized name can be normalized again unchanged. */
  honorificSuffix?: string | null;
}

/** A normalized person name. Parts that were missing or blank are absent. */
export interface NormalizedPersonName {
  /** First name, e.g. `José`. */
  givenName?: string;
  /** Last name without any suffix, e.g. `O'Brien`, `Smith-Jones`, `de la Cruz`. */
  familyName?: string;
  /** Middle name(s) or initial. */
  additionalName?: string;
  /** Generational or professional suffix: `Jr.`, `Sr.`, `II`, `III`, `IV`, `V`, `Esq.`, ... */
  honorificSuffix?: string;
}

/** Canonical forms of suffixes, keyed by the suffix upper-cased without periods and commas. */
const SUFFIXES: ReadonlyMap<string, string> = new Map([
  ["JR", "Jr."],
  ["JNR", "Jr."],
  ["JUNIOR", "Jr."],
  ["SR", "Sr."],
  ["SNR", "Sr."],
  ["SENIOR", "Sr."],
  ["II", "II"],
  ["2ND", "II"],
  ["III", "III"],
  ["3RD", "III"],
  ["IV", "IV"],
  ["4TH", "IV"],
  ["V", "V"],
  ["5TH", "V"],
  ["VI", "VI"],
  ["6TH", "VI"],
  ["ESQ", "Esq."],
  ["MD", "MD"],
  ["PHD", "PhD"],
]);

/** Suffixes recognized at the end of a name part: generational ones only (`SMITH MD` is too rare). */
const TRAILING_SUFFIXES: ReadonlySet<string> = new Set([
  "JR",
  "JNR",
  "SR",
  "SNR",
  "II",
  "2ND",
  "III",
  "3RD",
  "IV",
  "4TH",
  "V",
]);

/** Voter-file placeholders for "no middle name". */
const NO_MIDDLE_NAME: ReadonlySet<string> = new Set(["NMN", "NMI"]);

/**
 * Normalizes one part of a name: collapses whitespace, trims, joins `Smith - Jones` to `Smith-Jones`, uses a
 * straight apostrophe, composes accents (NFC) and title-cases the part when it is all upper or all lower
 * case. Mixed-case input was cased by a person and keeps its casing.
 *
 * Title casing knows `Mc` (`MCDONALD` → `McDonald`, but `MACK` → `Mack`), one-letter apostrophe prefixes
 * (`O'Brien`, `D'Angelo`), hyphens (`Smith-Jones`) and particles (`de`, `la`, `van`, `von`, `da`, `del`, ...
 * stay lower case unless they come first).
 *
 * @param value - The name part as written.
 * @param options - `field` (default `"name"`).
 * @returns The normalized part; an empty string when `value` is blank.
 * @throws {@link InvalidInputError} when `value` is not a string.
 * @example
 * ```ts
 * normalizeNamePart("  MARIA  DE LA CRUZ "); // "Maria de la Cruz"
 * normalizeNamePart("NÚÑEZ"); // "Núñez"
 * ```
 */
export function normalizeNamePart(value: string, options: FieldOptions = {}): string {
  const cached = NAME_PART_CACHE.get(requireString(value, options.field ?? "name"));
  if (cached !== undefined) return cached;
  const result = normalizeNamePartUncached(value);
  // Names repeat a great deal in a voter file; the cache is bounded so memory stays flat.
  if (NAME_PART_CACHE.size >= CACHE_LIMIT) NAME_PART_CACHE.clear();
  NAME_PART_CACHE.set(detach(value), detach(result));
  return result;
}

const CACHE_LIMIT = 50_000;
const NAME_PART_CACHE = new Map<string, string>();

function normalizeNamePartUncached(value: string): string {
  const text = requireString(value, "name")
    .normalize("NFC")
    // Curly, modifier-letter and backtick apostrophes all mean the same; one form keeps display consistent.
    .replace(/[\u2018\u2019\u02BC`\u00B4]/gu, "'")
    .replace(/\s*-\s*/gu, "-");
  return smartTitleCase(text, { particles: true });
}

/**
 * Normalizes a person's name: each part as {@link normalizeNamePart} does, and a generational suffix at the
 * end of the family, given or middle name (`SMITH JR`, `JOHN III`) moved to `honorificSuffix` as `Jr.`,
 * `Sr.`, `II`, `III`, `IV` or `V`. A suffix column is normalized the same way (`JR` → `Jr.`, `3RD` → `III`).
 *
 * Blank parts, parts without a letter (`.`, `-`) and the middle-name placeholders `NMN` / `NMI` are dropped.
 *
 * @param input - The name parts.
 * @param options - `field` (default `"name"`); errors name the part, e.g. `name.familyName`.
 * @returns The normalized name; absent parts are omitted.
 * @throws {@link InvalidInputError} when a part is present but not a string.
 * @example
 * ```ts
 * normalizePersonName({ givenName: "JOHN", familyName: "O'BRIEN JR" });
 * // { givenName: "John", familyName: "O'Brien", honorificSuffix: "Jr." }
 * ```
 */
export function normalizePersonName(
  input: PersonNameInput,
  options: FieldOptions = {},
): NormalizedPersonName {
  const field = options.field ?? "name";
  if (typeof input !== "object" || input === null) fail(field, input, "must be an object");

  const suffixKey = input.suffix != null ? "suffix" : "honorificSuffix";
  const explicitSuffix = readPart(input[suffixKey], `${field}.${suffixKey}`);
  let suffix = explicitSuffix === undefined ? undefined : canonicalSuffix(explicitSuffix);

  const parts = {
    familyName: readPart(input.familyName, `${field}.familyName`),
    givenName: readPart(input.givenName, `${field}.givenName`),
    additionalName: readPart(input.additionalName, `${field}.additionalName`),
  };
  // Family name first: that is where voter files and forms most often leave the suffix.
  for (const key of ["familyName", "givenName", "additionalName"] as const) {
    const part = parts[key];
    if (part === undefined) continue;
    // A lone trailing "V" after a first or middle name is far more likely an initial than "the fifth".
    const found = trailingSuffix(part, key !== "familyName");
    if (found === undefined || (suffix !== undefined && suffix !== found.suffix)) continue;
    suffix = found.suffix;
    parts[key] = found.rest;
    break;
  }

  const result: NormalizedPersonName = {};
  const givenName = finishPart(parts.givenName, `${field}.givenName`);
  if (givenName !== undefined) result.givenName = givenName;
  const additionalName = finishPart(parts.additionalName, `${field}.additionalName`);
  if (additionalName !== undefined && !NO_MIDDLE_NAME.has(additionalName.toUpperCase())) {
    result.additionalName = additionalName;
  }
  const familyName = finishPart(parts.familyName, `${field}.familyName`);
  if (familyName !== undefined) result.familyName = familyName;
  if (suffix !== undefined) result.honorificSuffix = suffix;
  return result;
}

/**
 * A key for comparing names: lower case, accents and punctuation removed, no spaces.
 * `Núñez` → `nunez`, `O'Brien` → `obrien`, `Smith-Jones` → `smithjones`, `De La Cruz` → `delacruz`.
 *
 * Letters that Unicode does not decompose are folded by hand (`ø` → `o`, `ß` → `ss`, `æ` → `ae`, ...),
 * so a name typed on a US keyboard matches the accented original.
 *
 * @param value - A name or name part.
 * @param options - `field` (default `"name"`).
 * @returns The comparison key; an empty string when `value` has no letters or digits.
 * @throws {@link InvalidInputError} when `value` is not a string.
 */
export function nameMatchKey(value: string, options: FieldOptions = {}): string {
  return requireString(value, options.field ?? "name")
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[øłæœßđðþı]/gu, (letter) => FOLDED_LETTERS[letter] ?? letter)
    .replace(/[^\p{L}\p{N}]/gu, "");
}

const FOLDED_LETTERS: Readonly<Record<string, string>> = {
  ø: "o",
  ł: "l",
  æ: "ae",
  œ: "oe",
  ß: "ss",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
};

/** Reads an optional part: `undefined`/`null` → absent; anything else must be a string. */
function readPart(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = requireString(value, field);
  return text === "" ? undefined : text;
}

function finishPart(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const part = normalizeNamePart(value, { field });
  // "." and "-" fill empty columns in some exports; a name without a letter is no name.
  return /\p{L}/u.test(part) ? part : undefined;
}

function suffixKeyOf(text: string): string {
  return text.replace(/[.,]/gu, "").toUpperCase();
}

function canonicalSuffix(text: string): string {
  return SUFFIXES.get(suffixKeyOf(text)) ?? normalizeNamePart(text);
}

/** Splits `SMITH JR` / `Smith, Jr.` into the name and the canonical suffix; `undefined` if there is none. */
function trailingSuffix(
  text: string,
  isFirstOrMiddle: boolean,
): { rest: string; suffix: string } | undefined {
  const words = collapseWhitespace(text.replace(/,/gu, ", ")).split(" ");
  if (words.length < 2) return undefined;
  const key = suffixKeyOf(words.at(-1)!);
  if (!TRAILING_SUFFIXES.has(key) || (isFirstOrMiddle && key === "V")) return undefined;
  const rest = words.slice(0, -1).join(" ").replace(/,$/u, "");
  return { rest, suffix: SUFFIXES.get(key)! };
}
