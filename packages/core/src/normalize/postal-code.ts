/**
 * US ZIP codes: `27601` or ZIP+4 `27601-1234`.
 *
 * @module
 */

import { type FieldOptions, fail, requireString } from "./input.js";
import type { UsStateCode } from "./us-states.js";

/** Options for {@link normalizeZipCode}. */
export interface ZipCodeOptions extends FieldOptions {
  /**
   * The address's state, when known. ZIP codes in these states start with `0`, and spreadsheets that took
   * the column for a number dropped it (`2108` for `02108`); with the state we can put it back safely.
   */
  region?: UsStateCode;
}

const NOT_A_ZIP = "is not a US ZIP code (5 digits, or ZIP+4 like 27601-1234)";

/** States and territories whose ZIP codes start with `0`. */
const LEADING_ZERO_REGIONS: ReadonlySet<string> = new Set(["CT", "MA", "ME", "NH", "NJ", "PR", "RI", "VT"]);

/**
 * Normalizes a US ZIP code to `NNNNN` or `NNNNN-NNNN`. Accepts `27601`, `27601-1234`, `276011234` and
 * `27601 1234`. A 4-digit ZIP (or 8-digit ZIP+4) gets its leading zero back only when `region` is a state
 * whose ZIP codes start with `0` (CT, MA, ME, NH, NJ, PR, RI, VT); anywhere else it is an error, since
 * guessing could put the address in the wrong state.
 *
 * @param value - The ZIP code as written.
 * @param options - `region` and `field` (default `"postalCode"`).
 * @returns The normalized ZIP code.
 * @throws {@link InvalidInputError} when `value` is not a US ZIP code.
 * @example
 * ```ts
 * normalizeZipCode("276011234"); // "27601-1234"
 * normalizeZipCode("2108", { region: "MA" }); // "02108"
 * ```
 */
export function normalizeZipCode(value: string, options: ZipCodeOptions = {}): string {
  const field = options.field ?? "postalCode";
  const match = /^(\d{4,5})(?:-?(\d{4}))?$/u.exec(requireString(value, field).replace(/\s/gu, ""));
  if (match === null) fail(field, value, NOT_A_ZIP);
  let zip = match[1]!;
  const plus4 = match[2];
  if (zip.length === 4) {
    if (!LEADING_ZERO_REGIONS.has(options.region ?? "")) fail(field, value, NOT_A_ZIP);
    zip = `0${zip}`;
  }
  // 00000 is never assigned; it is what empty numeric columns turn into.
  if (zip === "00000") fail(field, value, "is not an assigned US ZIP code");
  return plus4 === undefined ? zip : `${zip}-${plus4}`;
}

/**
 * The 5-digit ZIP of a ZIP or ZIP+4 code, for matching and for vendors that take only ZIP5
 * (`27601-1234` → `27601`).
 *
 * @param postalCode - A ZIP or ZIP+4 code, normalized or not.
 * @param options - `field` (default `"postalCode"`).
 * @returns The first five digits.
 * @throws {@link InvalidInputError} when `postalCode` is not a US ZIP code.
 */
export function zip5(postalCode: string, options: FieldOptions = {}): string {
  return normalizeZipCode(postalCode, options).slice(0, 5);
}
