/**
 * `createTwilio(settings)`: one Twilio account (credentials, SDK client) from which transports are made.
 *
 * @module
 */

import { ConfigError } from "@precinct/core";
import Twilio from "twilio";
import {
  injectedClientAuthToken,
  parseSettings,
  parseSmsOptions,
  resolveCredentials,
  type TwilioClient,
  type TwilioProviderSettings,
  type TwilioSmsOptions,
} from "./twilio-options.js";
import { PrecinctRequestClient } from "./twilio-request-client.js";
import { createTwilioSmsTransport, type TwilioSmsTransport } from "./twilio-sms.js";

/** A Twilio account, ready to make transports. */
export interface TwilioProvider {
  /** The account sid (`AC…`). */
  readonly accountSid: string;
  /** The twilio SDK client in use: the one given in settings, or the one built from them. */
  readonly client: TwilioClient;
  /**
   * An SMS transport sending from `options.from` and/or `options.messagingServiceSid` (one is required;
   * `TWILIO_PHONE_NUMBER` / `TWILIO_MESSAGING_SERVICE_SID` stand in when both are absent).
   *
   * @throws {@link ConfigError} for invalid options, no default sender, or no auth token to verify
   *   webhooks with.
   */
  sms(options?: TwilioSmsOptions): TwilioSmsTransport;
}

/**
 * Creates a Twilio provider from explicit settings, the environment (`TWILIO_ACCOUNT_SID`,
 * `TWILIO_AUTH_TOKEN`, `TWILIO_API_SECRET`), or an existing SDK client.
 *
 * @throws {@link ConfigError} naming the setting or environment variable that is missing or malformed.
 *
 * @example
 * ```ts
 * import { createTwilio } from "@precinct/twilio";
 *
 * const twilio = createTwilio(); // TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN from the environment
 * const sms = twilio.sms({
 *   messagingServiceSid: "MG…",
 *   statusCallbackUrl: "https://organize.example.org/webhooks/twilio/status",
 * });
 * const precinct = await createPrecinct({ plugins: { sms } });
 * ```
 */
export function createTwilio(settings: TwilioProviderSettings = {}): TwilioProvider {
  const parsed = parseSettings(settings);
  const env = process.env;

  let client: TwilioClient;
  let accountSid: string;
  let authToken: string | undefined;
  if (parsed.client !== undefined) {
    client = parsed.client;
    accountSid = client.accountSid;
    // Webhook signatures can only be checked with the auth token, which an API-key client lacks.
    authToken = injectedClientAuthToken(parsed, client, env);
  } else {
    const credentials = resolveCredentials(parsed, env);
    accountSid = credentials.accountSid;
    authToken = credentials.authToken;
    client = Twilio(credentials.username, credentials.password, {
      accountSid: credentials.accountSid,
      // Retries are the dispatcher's job (it knows the message's idempotency and the campaign's pace).
      autoRetry: false,
      httpClient: new PrecinctRequestClient(parsed.baseUrl),
    });
  }

  return {
    accountSid,
    client,
    sms(options) {
      const resolved = parseSmsOptions(options, env);
      if (authToken === undefined) {
        throw new ConfigError(
          "Twilio SMS needs the account's auth token to verify webhook signatures: pass createTwilio({ authToken }) (alongside apiKey/apiSecret it is used for webhooks only) or set TWILIO_AUTH_TOKEN.",
          { details: { setting: "authToken", variable: "TWILIO_AUTH_TOKEN" } },
        );
      }
      return createTwilioSmsTransport({ client, authToken, options: resolved });
    },
  };
}
