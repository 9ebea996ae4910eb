/**
 * `@precinct/sendgrid` — the SendGrid adapter for Precinct, on the official `@sendgrid/mail` and
 * `@sendgrid/eventwebhook` SDKs.
 *
 * - {@link createSendGrid} makes a provider from an API key (or `SENDGRID_API_KEY`).
 * - `provider.email(options)` is an `EmailTransport` (v1): batches of up to 1000 messages per request with
 *   per-recipient headers, custom args and substitutions; SendGrid's errors mapped to `ProviderError`
 *   (400 → permanent, naming the field; 429 → `rate_limited`; 5xx → retryable); the Signed Event Webhook
 *   verified on the exact raw body; events parsed; suppression lists streamed.
 *
 * @packageDocumentation
 */

export {
  SENDGRID_MAX_CATEGORIES,
  SENDGRID_MAX_PERSONALIZATION_BYTES,
  SENDGRID_MAX_PERSONALIZATIONS,
  type SendGridEmailTransport,
} from "./sendgrid-email.js";
export { mapSendGridError, type SendGridFieldError, type SendGridOperationName } from "./sendgrid-error.js";
export {
  PRECINCT_MESSAGE_ID_ARG,
  parseSendGridEvents,
  SENDGRID_EVENT_FIELDS,
  SENDGRID_MAX_FUTURE_SKEW_SECONDS,
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
} from "./sendgrid-events.js";
export {
  SENDGRID_SUPPRESSION_LISTS,
  type SendGridClient,
  type SendGridEmailOptions,
  type SendGridProviderSettings,
} from "./sendgrid-options.js";
export { createSendGrid, type SendGridProvider } from "./sendgrid-provider.js";
