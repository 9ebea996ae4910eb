/**
 * Quiet hours: when a text may reach a recipient, by the law of the recipient's state and the
 * organization's own policy, on the recipient's clock. Pure functions over data; no storage.
 *
 * 1. {@link locateRecipient} places the recipient (address, else area code, else unknown).
 * 2. {@link sendingWindow} intersects the federal floor, the state's rule and the policy.
 * 3. {@link checkQuietHours} / {@link nextAllowedTime} answer "now?" and "when?".
 *
 * @module
 */

export { AREA_CODE_LOCATIONS, type AreaCodeLocation, areaCodeLocation } from "./area-codes.js";
export {
  JUNETEENTH_SINCE,
  MLK_DAY_SINCE,
  type UsFederalHoliday,
  usFederalHolidayOn,
  usFederalHolidays,
} from "./holidays.js";
export {
  type LocateRecipientOptions,
  locateRecipient,
  type RecipientLocation,
  type RecipientLocationInput,
  type RecipientLocationSource,
} from "./locate.js";
export {
  parseQuietHoursPolicy,
  type QuietHoursPolicyInput,
  QuietHoursPolicySchema,
  type QuietHoursRuleOverride,
} from "./policy.js";
export {
  STATE_TIME_ZONES,
  ZIP_TIME_ZONE_OVERRIDES,
  type ZipTimeZoneOverride,
  zipState,
} from "./postal-zones.js";
export { FEDERAL_RULE_KEY, QUIET_HOURS_RULES, type QuietHoursRule } from "./rules.js";
export {
  checkQuietHours,
  nextAllowedTime,
  type QuietHoursCheck,
  type QuietHoursReason,
  type SendingWindow,
  sendingWindow,
} from "./window.js";
export { isValidTimeZone, type LocalDate } from "./zoned-time.js";
