/**
 * Where a recipient is, for quiet hours: from the postal address when it is usable, else from the phone
 * number's area code, else unknown (the engine then applies the strictest rule of all states).
 *
 * @module
 */

import { isUsStateCode, type UsStateCode, usStateCode } from "../../normalize/us-states.js";
import { InvalidInputError } from "../../spec/errors.js";
import { areaCodeLocation } from "./area-codes.js";
import { addressTimeZone, zipState } from "./postal-zones.js";
import { requireTimeZone } from "./zoned-time.js";

/** How a {@link RecipientLocation} was found. */
export type RecipientLocationSource = "address" | "area_code" | "unknown";

/** Where a recipient is, as quiet hours need it. */
export interface RecipientLocation {
  /** Two-letter state (or DC/territory) code; `null` when unknown. */
  readonly state: string | null;
  /** The IANA zone in which the recipient's local time is read. */
  readonly timeZone: string;
  /**
   * `address` (the postal address), `area_code` (the phone number's area code) or `unknown` (neither was
   * usable: the strictest rule of all states applies, in `timeZone`).
   */
  readonly source: RecipientLocationSource;
}

/** What {@link locateRecipient} looks at. Every field is optional; `null` means "not known". */
export interface RecipientLocationInput {
  /** The address's state: a USPS code (`NC`) or a state name. */
  readonly region?: string | null;
  /** The address's ZIP or ZIP+4 code. */
  readonly postalCode?: string | null;
  /** The phone number in E.164 (`+19195550123`). */
  readonly phone?: string | null;
}

/** Options of {@link locateRecipient}. */
export interface LocateRecipientOptions {
  /**
   * The zone to read local time in when the recipient cannot be placed (usually the organization's).
   * The strictest rule of all states applies in it.
   */
  readonly fallbackTimeZone: string;
}

const E164 = /^\+[1-9]\d{1,14}$/u;
const NANP_GEOGRAPHIC = /^\+1([2-9]\d{2})[2-9]\d{6}$/u;

function stateOfRegion(region: string | null | undefined): UsStateCode | undefined {
  if (typeof region !== "string" || region.trim() === "") return undefined;
  try {
    return usStateCode(region);
  } catch {
    // A foreign region (Ontario) or a typo: the address cannot place the recipient; the phone may.
    return undefined;
  }
}

function zip5Of(postalCode: string | null | undefined): string | undefined {
  if (typeof postalCode !== "string") return undefined;
  const match = /^(\d{5})(?:-?\d{4})?$/u.exec(postalCode.replace(/\s/gu, ""));
  return match === null || match[1] === "00000" ? undefined : match[1];
}

/**
 * Places a recipient for quiet hours. The address wins over the phone: people keep their numbers when
 * they move, so an area code says where someone *was*.
 *
 * - **Address**: `region` names the state; the ZIP refines the zone in states split between zones (a
 *   Pensacola ZIP is Central time, a Tallahassee ZIP Eastern). A ZIP without a region gives the state by
 *   itself. A ZIP that belongs to another state than `region` is ignored (the region is taken as right).
 *   Armed-forces and freely-associated codes (AE, AP, FM, ...) have no US local time and are skipped.
 * - **Area code**: a US geographic area code (see `areaCodeLocation`).
 * - **Unknown**: neither; `timeZone` is `fallbackTimeZone` and `state` is `null`.
 *
 * @param input - The recipient's region, postal code and phone.
 * @param options - `fallbackTimeZone`, an IANA zone.
 * @throws {@link InvalidInputError} when `phone` is present but not E.164 (`phone`), or
 *   `fallbackTimeZone` is not an IANA zone (`fallbackTimeZone`).
 * @example
 * ```ts
 * locateRecipient({ region: "CA", postalCode: "90012", phone: "+12125550123" }, { fallbackTimeZone: "America/New_York" });
 * // { state: "CA", timeZone: "America/Los_Angeles", source: "address" }
 * ```
 */
export function locateRecipient(
  input: RecipientLocationInput,
  options: LocateRecipientOptions,
): RecipientLocation {
  const fallbackTimeZone = requireTimeZone(options?.fallbackTimeZone, "fallbackTimeZone");
  const phone = input.phone ?? undefined;
  if (phone !== undefined && (typeof phone !== "string" || !E164.test(phone))) {
    throw new InvalidInputError({
      field: "phone",
      value: phone,
      reason: "is not an E.164 phone number (like +19195550123)",
    });
  }

  const zip5 = zip5Of(input.postalCode);
  const zipOwner = zip5 === undefined ? undefined : zipState(zip5);
  const state = stateOfRegion(input.region) ?? zipOwner;
  if (state !== undefined && isUsStateCode(state)) {
    const timeZone = addressTimeZone(state, zipOwner === state ? zip5 : undefined);
    if (timeZone !== undefined) return Object.freeze({ state, timeZone, source: "address" });
  }

  const npa = phone === undefined ? undefined : NANP_GEOGRAPHIC.exec(phone)?.[1];
  const byAreaCode = npa === undefined ? undefined : areaCodeLocation(npa);
  if (byAreaCode !== undefined) {
    return Object.freeze({ state: byAreaCode.state, timeZone: byAreaCode.timeZone, source: "area_code" });
  }
  return Object.freeze({ state: null, timeZone: fallbackTimeZone, source: "unknown" });
}
