/**
 * Normalization: one canonical form for every phone number, email address, name, postal address and date
 * that enters Precinct, so that deduplication, matching and compliance checks compare like with like.
 *
 * Every normalizer throws `InvalidInputError` (code `invalid_input`) naming the field and the value;
 * pass `{ field: "phoneNumbers.0.number" }` to have errors point at the caller's own path.
 *
 * @module
 */

export {
  addressMatchKey,
  type NormalizedPostalAddress,
  normalizePostalAddress,
  type PostalAddressInput,
} from "./address.js";
export { NAME_PARTICLES } from "./casing.js";
export { birthYearOf, normalizeDate, normalizeTimestamp } from "./date.js";
export { normalizeEmail, tryNormalizeEmail } from "./email.js";
export type { FieldOptions } from "./input.js";
export {
  type NormalizedPersonName,
  nameMatchKey,
  normalizeNamePart,
  normalizePersonName,
  type PersonNameInput,
} from "./name.js";
export { NICKNAME_GROUPS } from "./nickname-table.js";
export { areNicknameEquivalent, nicknameGroup } from "./nicknames.js";
export {
  normalizePhone,
  type PhoneOptions,
  phoneAreaCode,
  phoneCountry,
  tryNormalizePhone,
} from "./phone.js";
export { normalizeZipCode, type ZipCodeOptions, zip5 } from "./postal-code.js";
export {
  isUsStateCode,
  US_STATES,
  type UsStateCode,
  type UsStateInfo,
  type UsStateKind,
  usStateCode,
} from "./us-states.js";
