/**
 * `createTwilio(settings)`: one Twilio account (credentials, SDK client) from which transports are made.
 *
 * @module
 */

import { ConfigError } from "@precinct/core";
import Twilio from "twilio";
import {
  createVoiceAccessToken,
  type VoiceAccessToken,
  type VoiceAccessTokenInput,
} from "./twilio-access-token.js";
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
import { SendThread, type SendThreadCredentials, sendThreadAvailable } from "./twilio-send-thread.js";
import { createTwilioSmsTransport, type TwilioSmsTransport } from "./twilio-sms.js";
import {
  createTwilioVoiceTransport,
  parseVoiceOptions,
  type TwilioVoiceOptions,
  type TwilioVoiceTransport,
} from "./twilio-voice.js";

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
  /**
   * A voice transport for phone banks: calls with status callbacks and answering-machine detection,
   * conference rooms, TwiML answer instructions, verified webhooks.
   *
   * @throws {@link ConfigError} for invalid options (a ring timeout under 15 s, ...) or no auth token to
   *   verify webhooks with.
   */
  voice(options?: TwilioVoiceOptions): TwilioVoiceTransport;
  /**
   * Signs an access token for a volunteer calling from the browser with Twilio's Voice JavaScript SDK
   * (a `VoiceGrant` for `outgoingApplicationSid`, optionally letting the dialer ring them).
   *
   * @throws {@link ConfigError} when no API key and secret are configured (`apiKey`/`apiSecret`, or
   *   `TWILIO_API_KEY`/`TWILIO_API_SECRET`, or a client built with an API key); {@link InvalidInputError}
   *   for a bad identity, application sid or lifetime.
   */
  voiceAccessToken(input: VoiceAccessTokenInput): VoiceAccessToken;
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
  /** What a send thread builds its own client from; undefined for an injected client. */
  let threadCredentials: SendThreadCredentials | undefined;
  if (parsed.client !== undefined) {
    client = parsed.client;
    accountSid = client.accountSid;
    // Webhook signatures can only be checked with the auth token, which an API-key client lacks.
    authToken = injectedClientAuthToken(parsed, client, env);
  } else {
    const credentials = resolveCredentials(parsed, env);
    accountSid = credentials.accountSid;
    authToken = credentials.authToken;
    threadCredentials = {
      accountSid: credentials.accountSid,
      username: credentials.username,
      password: credentials.password,
      baseUrl: parsed.baseUrl,
    };
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
      if (!resolved.sendThread) return createTwilioSmsTransport({ client, authToken, options: resolved });
      if (threadCredentials === undefined) {
        throw new ConfigError(
          "twilio sms options: `sendThread` needs credentials (createTwilio({ accountSid, authToken }) or the environment), not an injected `client`: an SDK client cannot move to another thread.",
          { details: { setting: "sendThread" } },
        );
      }
      if (!sendThreadAvailable()) {
        throw new ConfigError(
          "twilio sms options: `sendThread` needs @precinct/twilio's built bundle (dist/index.js) to run on the worker thread.",
          { details: { setting: "sendThread" } },
        );
      }
      const sendThread = new SendThread(threadCredentials);
      // Started now, so its start-up is over by the time a dispatcher has launched a campaign.
      sendThread.warm();
      return createTwilioSmsTransport({ client, authToken, options: resolved, sendThread });
    },
    voice(options) {
      const resolved = parseVoiceOptions(options);
      if (authToken === undefined) {
        throw new ConfigError(
          "Twilio Voice needs the account's auth token to verify webhook signatures: pass createTwilio({ authToken }) (alongside apiKey/apiSecret it is used for webhooks only) or set TWILIO_AUTH_TOKEN.",
          { details: { setting: "authToken", variable: "TWILIO_AUTH_TOKEN" } },
        );
      }
      return createTwilioVoiceTransport({ client, authToken, options: resolved });
    },
    voiceAccessToken(input) {
      return createVoiceAccessToken({ accountSid, ...apiKeyCredentials() }, input);
    },
  };

  /** The API key that signs access tokens: the settings', the environment's, or the injected client's. */
  function apiKeyCredentials(): { apiKey: string | undefined; apiSecret: string | undefined } {
    if (parsed.apiKey !== undefined) {
      return { apiKey: parsed.apiKey, apiSecret: parsed.apiSecret ?? nonBlank(env.TWILIO_API_SECRET) };
    }
    const envKey = nonBlank(env.TWILIO_API_KEY);
    if (envKey !== undefined) return { apiKey: envKey, apiSecret: nonBlank(env.TWILIO_API_SECRET) };
    if (client.username?.startsWith("SK")) return { apiKey: client.username, apiSecret: client.password };
    return { apiKey: undefined, apiSecret: undefined };
  }
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
