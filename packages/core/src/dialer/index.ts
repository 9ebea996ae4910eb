/**
 * The phone-bank dialer: voice campaigns in preview, power or predictive mode, volunteer call sessions,
 * scripts with survey questions and VAN-style result codes, and the pacing that holds the 3% abandonment
 * cap. Start with `precinct.phonebanks`.
 *
 * @module
 */
export type { CallGateDecision, CallGateSubject } from "./call-gate.js";
export {
  type AbandonmentStats,
  adjustRatio,
  linesToDial,
  overdialBudget,
  type PacingInput,
} from "./pacing.js";
export { PhoneBankService, VOICE_WEBHOOK_PATHS } from "./phonebank-service.js";
export {
  CONTACTED,
  isResultCode,
  RESULT_CODES,
  type ResultCode,
  type ResultCodeRule,
  VOLUNTEER_RESULT_CODES,
  type VolunteerResultCode,
} from "./result-codes.js";
export {
  PhoneBankSettings,
  type PhoneBankSettingsInput,
  PredictiveSettings,
  RecordedMessage,
} from "./settings.js";
export type * from "./types.js";
