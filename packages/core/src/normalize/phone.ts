/**
 * Phone numbers: everything is stored and compared as E.164 (`+19192640134`).
 *
 * We use libphonenumber-js's `max` metadata rather than the default `min`: `min` only checks a number's
 * length, so it lets through numbers that cannot exist (unassigned area codes, bad national ranges), and a
 * phone bank or texting campaign pays for every such number. The extra ~100 kB only matters to browser
 * bundles, and `@precinct/core` runs on the server.
 *
 * @module
 */

import type { CountryCode } from "libphonenumber-js/max";
import { isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { type FieldOptions, fail, requireString } from "./input.js";

/** Options for {@link normalizePhone} and {@link tryNormalizePhone}. */
export interface PhoneOptions extends FieldOptions {
  /**
   * ISO 3166-1 alpha-2 country assumed for numbers written without a `+` country code. Default `"US"`.
   */
  defaultCountry?: CountryCode;
}

/** A NANP number in E.164: `+1`, a 3-digit area code (NPA) and a 7-digit subscriber number. */
const NANP_E164 = /^\+1([2-9]\d{2})[2-9]\d{6}$/u;
/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/u;

/**
 * Normalizes a phone number to E.164.
 *
 * Accepts the usual ways people write numbers: `(919) 264-0134`, `919.264.0134`, `+1 919 264 0134`,
 * `1-919-264-0134`, `tel:+19192640134`, and international numbers with `+` or the US `011` prefix.
 *
 * @param input - The phone number as written.
 * @param options - `defaultCountry` (default `"US"`) and `field` (default `"phone"`).
 * @returns The number in E.164, e.g. `+19192640134`.
 * @throws {@link InvalidInputError} when `input` is empty, not a string, or not a valid number.
 * @example
 * ```ts
 * normalizePhone("(919) 264-0134"); // "+19192640134"
 * normalizePhone("020 7946 0018", { defaultCountry: "GB" }); // "+442079460018"
 * ```
 */
export function normalizePhone(input: string, options: PhoneOptions = {}): string {
  const field = options.field ?? "phone";
  const defaultCountry = options.defaultCountry ?? "US";
  if (!isSupportedCountry(defaultCountry)) {
    fail("defaultCountry", defaultCountry, "is not a supported ISO 3166-1 alpha-2 country code");
  }
  const text = requireString(input, field);
  if (text === "") fail(field, input, "is empty");
  const parsed = parsePhoneNumberFromString(text, { defaultCountry });
  if (parsed === undefined || !parsed.isValid()) fail(field, input, "is not a valid phone number");
  // An extension (`x123`, `ext. 123`) is dropped on purpose: SMS and autodialers cannot use one, and keeping
  // it would make the same line look like two numbers when deduplicating.
  return parsed.number;
}

/**
 * Like {@link normalizePhone}, but returns `undefined` instead of throwing. `null`, `undefined` and blank
 * strings also give `undefined`, which suits optional columns in imports.
 *
 * @param input - The phone number as written, or nothing.
 * @param options - `defaultCountry` (default `"US"`).
 * @returns The number in E.164, or `undefined` when it is missing or invalid.
 */
export function tryNormalizePhone(
  input: string | null | undefined,
  options: PhoneOptions = {},
): string | undefined {
  if (typeof input !== "string" || input.trim() === "") return undefined;
  try {
    return normalizePhone(input, options);
  } catch {
    return undefined;
  }
}

/**
 * The area code (NANP numbering plan area) of a `+1` number, used to guess a recipient's location (and so
 * their quiet hours) when no address is known.
 *
 * Every `+1` number has one: the US, Canada, US territories and the Caribbean share the plan. Non-geographic
 * codes (`800`, `888`, ...) are returned as they are; mapping codes to places is the caller's business.
 *
 * @param e164 - A number in E.164, as returned by {@link normalizePhone}.
 * @param options - `field` (default `"phone"`).
 * @returns The 3-digit area code, e.g. `"919"`, or `undefined` for numbers outside the `+1` plan.
 * @throws {@link InvalidInputError} when `e164` is not in E.164 form.
 */
export function phoneAreaCode(e164: string, options: FieldOptions = {}): string | undefined {
  const number = requireE164(e164, options.field ?? "phone");
  return NANP_E164.exec(number)?.[1];
}

/**
 * The country a number belongs to, from libphonenumber's metadata.
 *
 * @param e164 - A number in E.164, as returned by {@link normalizePhone}.
 * @param options - `field` (default `"phone"`).
 * @returns An ISO 3166-1 alpha-2 code (`"US"`, `"CA"`, `"PR"`, `"GB"`), or `undefined` for non-geographic
 *   numbers and numbers the metadata cannot place.
 * @throws {@link InvalidInputError} when `e164` is not in E.164 form.
 */
export function phoneCountry(e164: string, options: FieldOptions = {}): CountryCode | undefined {
  const number = requireE164(e164, options.field ?? "phone");
  return parsePhoneNumberFromString(number)?.country;
}

function requireE164(value: unknown, field: string): string {
  const text = requireString(value, field);
  if (!E164.test(text)) fail(field, value, "is not an E.164 phone number (like +19192640134)");
  return text;
}
