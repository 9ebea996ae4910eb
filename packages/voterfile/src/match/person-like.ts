/**
 * What matching accepts as a person: a plain record, as a sign-up sheet row, a CRM export row or a stored
 * person provides it.
 *
 * @module
 */

import type { PostalAddressInput } from "@precinct/core";

/**
 * A person to match against the voter file. Every field is optional and may be messy (any case, accents
 * or not, `(919) 555-0142`, `3/5/1980`); matching normalizes a copy and never throws on a bad value: it
 * ignores the value and says so in the result's `warnings`.
 *
 * Email is accepted so sign-up rows can be passed as they are, but it plays no part: voter files carry
 * no email addresses.
 */
export interface PersonLike {
  /** First name (`Bill`, `José`, `J`). */
  givenName?: string | null;
  /** Last name (`Smith-Jones`, `de la Cruz`, `SMITH JR`: a trailing suffix is recognized). */
  familyName?: string | null;
  /** Middle name(s) or initial. */
  additionalName?: string | null;
  /** Generational suffix: `Jr.`, `Sr.`, `III`. */
  honorificSuffix?: string | null;
  /** Birth date in any form `normalizeDate` accepts (`1980-03-05`, `3/5/1980`) or a `Date`. */
  birthdate?: string | Date | null;
  /** Birth year, when only the year is known. */
  birthYear?: number | string | null;
  /** Email address; not used for matching. */
  email?: string | null;
  /** A phone number in any common US form, or E.164. */
  phone?: string | null;
  /** More phone numbers. */
  phones?: readonly string[] | null;
  /** Street lines of the home address: `["123 N Main St", "Apt 4B"]`. */
  addressLines?: readonly string[] | null;
  /** City of the home address. */
  locality?: string | null;
  /** State of the home address. */
  region?: string | null;
  /** ZIP code of the home address. */
  postalCode?: string | null;
  /** More addresses (a stored person's, for example); each is compared like the home address. */
  addresses?: readonly PostalAddressInput[] | null;
  /**
   * External identifiers as `"system:id"`. A state voter id (`"ncsbe:AA123456"`) links by the
   * `state_voter_id` rule; see {@link DEFAULT_VOTER_ID_SYSTEMS}.
   */
  identifiers?: readonly string[] | null;
}

/**
 * Identifier systems whose ids are state voter ids, and the state each belongs to: `ncsbe` (the North
 * Carolina State Board of Elections `ncid`). Any system named `voter_<state>` (`voter_oh:OH0012345678`) is
 * also read as that state's voter id.
 */
export const DEFAULT_VOTER_ID_SYSTEMS: Readonly<Record<string, string>> = Object.freeze({ ncsbe: "NC" });
