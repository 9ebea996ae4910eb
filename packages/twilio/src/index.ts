/**
 * `@precinct/twilio` — Twilio adapters for Precinct, on the official twilio SDK.
 *
 * - {@link createTwilio} makes a provider from credentials (or the environment, or your own SDK client).
 * - `provider.sms(options)` is an `SmsTransport` (v1): sends with Twilio's Messages API, maps Twilio's
 *   errors to `ProviderError` (21610 → `opted_out`, 429 → `rate_limited`, ...), verifies
 *   `X-Twilio-Signature`, parses inbound and status webhooks, looks up line types, and finds a message
 *   again after a crash.
 *
 * @packageDocumentation
 */
export {
  mapTwilioError,
  TWILIO_FAILURE_REASONS,
  type TwilioOperationName,
  twilioFailureReason,
} from "./twilio-error.js";
export type { TwilioClient, TwilioProviderSettings, TwilioSmsOptions } from "./twilio-options.js";
export { createTwilio, type TwilioProvider } from "./twilio-provider.js";
export { clampValidityPeriod, TWILIO_VALIDITY_PERIOD, type TwilioSmsTransport } from "./twilio-sms.js";
