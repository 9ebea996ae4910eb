/**
 * `createSendGrid(settings)`: one SendGrid account (API key, SDK client) from which transports are made.
 *
 * @module
 */

import { MailService } from "@sendgrid/mail";
import { createSendGridEmailTransport, type SendGridEmailTransport } from "./sendgrid-email.js";
import {
  parseEmailOptions,
  parseSettings,
  type SendGridClient,
  type SendGridEmailOptions,
  type SendGridProviderSettings,
} from "./sendgrid-options.js";

/** A SendGrid account, ready to make transports. */
export interface SendGridProvider {
  /**
   * The `@sendgrid/client` `Client` every request goes through: this provider's own, never the SDK's
   * shared default, so two providers (two accounts, a test and a real one) never share settings.
   */
  readonly client: SendGridClient;
  /**
   * An email transport (`EmailTransport` v1) sending through this account.
   *
   * @throws {@link ConfigError} for invalid options or an `eventWebhookPublicKey` that is not a key.
   */
  email(options?: SendGridEmailOptions): SendGridEmailTransport;
}

/**
 * Creates a SendGrid provider from explicit settings or the environment (`SENDGRID_API_KEY`).
 *
 * @throws {@link ConfigError} naming the setting or environment variable that is missing or malformed.
 *
 * @example
 * ```ts
 * import { createSendGrid } from "@precinct/sendgrid";
 *
 * const sendgrid = createSendGrid(); // SENDGRID_API_KEY from the environment
 * const email = sendgrid.email({
 *   eventWebhookPublicKey: process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY,
 *   asmGroupId: 21,
 * });
 * const precinct = await createPrecinct({ plugins: { email } });
 * ```
 */
export function createSendGrid(settings: SendGridProviderSettings = {}): SendGridProvider {
  const env = process.env;
  const parsed = parseSettings(settings, env);
  // A MailService of our own builds a Client of its own: the SDK's default export is a process-wide
  // singleton whose API key and base URL any other code could change.
  const mail = new MailService();
  const client = (mail as unknown as { readonly client: SendGridClient }).client;
  client.setApiKey(parsed.apiKey);
  // After setApiKey, which resets the base URL to SendGrid's.
  if (parsed.baseUrl !== undefined) client.setDefaultRequest("baseUrl", parsed.baseUrl);
  mail.setTimeout(parsed.timeoutMs);

  return {
    client,
    email(options) {
      return createSendGridEmailTransport({ mail, client, options: parseEmailOptions(options, env) });
    },
  };
}
