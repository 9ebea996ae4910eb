/**
 * `@precinct/twilio` — Twilio adapters for Precinct, on the official twilio SDK.
 *
 * - {@link createTwilio} makes a provider from credentials (or the environment, or your own SDK client).
 * - `provider.sms(options)` is an `SmsTransport` (v1): sends with Twilio's Messages API, maps Twilio's
 *   errors to `ProviderError` (21610 → `opted_out`, 429 → `rate_limited`, ...), verifies
 *   `X-Twilio-Signature`, parses inbound and status webhooks, looks up line types, and finds a message
 *   again after a crash.
 * - `provider.voice(options)` is a `VoiceTransport` (v1) for phone banks: calls with status callbacks and
 *   asynchronous answering-machine detection, conference rooms, TwiML answer instructions (voicemail
 *   drops included), hang-up and redirect, verified webhooks. Twilio has no idempotency for calls: a lost
 *   answer is an `uncertain` error (see {@link isUncertainCallError}), never a retryable one.
 * - `provider.voiceAccessToken(input)` signs tokens for volunteers calling from the browser.
 *
 * @packageDocumentation
 */
export type { VoiceAccessToken, VoiceAccessTokenInput } from "./twilio-access-token.js";
export {
  isUncertainCallError,
  mapTwilioError,
  mapTwilioVoiceError,
  TWILIO_CALL_FAILURE_REASONS,
  TWILIO_FAILURE_REASONS,
  type TwilioCallFailureReason,
  type TwilioOperationName,
  type TwilioVoiceOperationName,
  twilioCallFailureReason,
  twilioFailureReason,
} from "./twilio-error.js";
export type { TwilioClient, TwilioProviderSettings, TwilioSmsOptions } from "./twilio-options.js";
export { createTwilio, type TwilioProvider } from "./twilio-provider.js";
export { clampValidityPeriod, TWILIO_VALIDITY_PERIOD, type TwilioSmsTransport } from "./twilio-sms.js";
export {
  ringTimeout,
  TWILIO_RING_TIMEOUT,
  TWILIO_STATUS_CALLBACK_EVENTS,
  type TwilioVoiceOptions,
  type TwilioVoiceTransport,
} from "./twilio-voice.js";
