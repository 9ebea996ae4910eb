/**
 * `@precinct/google` — Google adapters for Precinct, on the official googleapis client.
 *
 * - {@link createGoogle} makes a provider from a service account with domain-wide delegation, an OAuth2
 *   client with a refresh token, your own auth client, or the environment.
 * - `provider.gmail(options)` is an `EmailTransport` (v1): builds RFC 5322 messages (encoded names and
 *   subjects, `List-Unsubscribe` headers, `customArgs` as `X-Precinct-*` headers, a `Message-ID` derived
 *   from the idempotency key, text and HTML parts) and sends them with `users.messages.send`, mapping
 *   Google's errors to `ProviderError` (429 and quota 403s → `rate_limited`, 5xx → retryable, "Invalid To
 *   header" → a rejected `invalid_recipient`).
 *
 * @packageDocumentation
 */
export type { GmailEmailTransport } from "./gmail-email.js";
export { GMAIL_RATE_LIMIT_REASONS, type GmailOperationName, mapGmailError } from "./gmail-error.js";
export {
  buildMimeMessage,
  CATEGORIES_HEADER,
  encodeQuotedPrintable,
  encodeWords,
  IDEMPOTENCY_KEY_HEADER,
  type MimeMessageOptions,
  messageId,
  PRECINCT_HEADER_PREFIX,
  RESERVED_HEADERS,
  toBase64Url,
} from "./gmail-mime.js";
export {
  GMAIL_SEND_SCOPE,
  type GmailOptions,
  type GoogleAuthClient,
  type GoogleOAuth2Credentials,
  type GoogleProviderSettings,
  type GoogleServiceAccountCredentials,
  type GoogleServiceAccountKeyFile,
} from "./google-options.js";
export { createGoogle, type GoogleProvider } from "./google-provider.js";
