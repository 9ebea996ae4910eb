/**
 * Access tokens for volunteers who phone-bank from the browser with Twilio's Voice JavaScript SDK: a JWT
 * signed with an API key's secret, carrying a `VoiceGrant` (the TwiML App that places their outgoing
 * calls, and whether the dialer may ring them as `client:<identity>`).
 *
 * @module
 */

import { ConfigError, InvalidInputError } from "@precinct/core";
import Twilio from "twilio";

/** Input for `provider.voiceAccessToken()`. */
export interface VoiceAccessTokenInput {
  /**
   * Who the browser is, as Twilio sees it: letters, digits and underscores (Twilio's Voice SDK fails calls
   * for other characters). The dialer rings this volunteer as `client:<identity>`. Use an opaque id (a
   * volunteer or session id), not a name or email: the identity appears in Twilio's logs.
   */
  readonly identity: string;
  /** The TwiML App (`AP…`) whose Voice URL answers the browser's outgoing calls. */
  readonly outgoingApplicationSid: string;
  /** Lifetime in seconds, 60 to 86,400 (Twilio's maximum, 24 h). Default 3,600. */
  readonly ttlSeconds?: number;
  /**
   * Let calls to `client:<identity>` ring this browser: needed when the dialer calls the volunteer into
   * their conference. Default false.
   */
  readonly incomingAllow?: boolean;
  /**
   * Parameters Twilio passes to the TwiML App's Voice URL with each outgoing call (a session id, ...).
   * Never personal data: they travel inside the token.
   */
  readonly outgoingApplicationParams?: Readonly<Record<string, string>>;
}

/** A signed access token for the Voice JavaScript SDK. */
export interface VoiceAccessToken {
  /** The JWT to hand to `new Device(token)` in the browser. */
  readonly token: string;
  /** The identity it was issued to. */
  readonly identity: string;
  /** When it stops working; refresh before then (the SDK emits `tokenWillExpire`). */
  readonly expiresAt: Date;
}

/** @internal The credentials a token is signed with. */
export interface AccessTokenCredentials {
  readonly accountSid: string;
  readonly apiKey: string | undefined;
  readonly apiSecret: string | undefined;
}

const IDENTITY = /^[A-Za-z0-9_]{1,256}$/;
const APPLICATION_SID = /^AP[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
const TTL = { min: 60, max: 86_400, default: 3600 } as const;

/**
 * @internal Signs a Voice access token with the API key and secret. Use
 * `createTwilio(settings).voiceAccessToken(input)`.
 *
 * @throws {@link ConfigError} when no API key and secret are configured (the auth token cannot sign
 *   access tokens); {@link InvalidInputError} for a bad identity, application sid, lifetime or parameter.
 */
export function createVoiceAccessToken(
  credentials: AccessTokenCredentials,
  input: VoiceAccessTokenInput,
): VoiceAccessToken {
  const { accountSid, apiKey, apiSecret } = credentials;
  if (apiKey === undefined || apiSecret === undefined) {
    throw new ConfigError(
      "Twilio voice access tokens are signed with an API key: pass createTwilio({ apiKey, apiSecret }) or set TWILIO_API_KEY and TWILIO_API_SECRET (create a Standard API key in the Twilio Console; the auth token cannot sign access tokens).",
      {
        details: {
          setting: apiKey === undefined ? "apiKey" : "apiSecret",
          variables: ["TWILIO_API_KEY", "TWILIO_API_SECRET"],
        },
      },
    );
  }
  if (!API_KEY_SID.test(apiKey)) {
    throw new ConfigError("Twilio apiKey must be SK followed by 32 hexadecimal digits.", {
      details: { setting: "apiKey", variable: "TWILIO_API_KEY" },
    });
  }
  if (typeof input !== "object" || input === null) {
    throw new InvalidInputError({ field: "input", value: input, reason: "must be an object" });
  }
  if (typeof input.identity !== "string" || !IDENTITY.test(input.identity)) {
    throw new InvalidInputError({
      field: "identity",
      value: input.identity,
      reason:
        "must be 1 to 256 letters, digits or underscores (Twilio's Voice SDK fails calls for other characters)",
    });
  }
  if (
    typeof input.outgoingApplicationSid !== "string" ||
    !APPLICATION_SID.test(input.outgoingApplicationSid)
  ) {
    throw new InvalidInputError({
      field: "outgoingApplicationSid",
      value: input.outgoingApplicationSid,
      reason: "must be a TwiML App sid: AP followed by 32 hexadecimal digits",
    });
  }
  const ttl = input.ttlSeconds ?? TTL.default;
  if (!Number.isInteger(ttl) || ttl < TTL.min || ttl > TTL.max) {
    throw new InvalidInputError({
      field: "ttlSeconds",
      value: input.ttlSeconds,
      reason: `must be a whole number of seconds from ${TTL.min} to ${TTL.max} (Twilio's maximum, 24 h)`,
    });
  }
  const params = input.outgoingApplicationParams;
  if (params !== undefined) {
    for (const [name, value] of Object.entries(params)) {
      if (typeof value !== "string") {
        throw new InvalidInputError({
          field: `outgoingApplicationParams.${name}`,
          value,
          reason: "must be a string",
        });
      }
    }
  }

  const token = new Twilio.jwt.AccessToken(accountSid, apiKey, apiSecret, { identity: input.identity, ttl });
  token.addGrant(
    new Twilio.jwt.AccessToken.VoiceGrant({
      outgoingApplicationSid: input.outgoingApplicationSid,
      incomingAllow: input.incomingAllow ?? false,
      ...(params !== undefined ? { outgoingApplicationParams: { ...params } } : {}),
    }),
  );
  const jwt = token.toJwt();
  return { token: jwt, identity: input.identity, expiresAt: new Date(expiry(jwt) * 1000) };
}

/** The `exp` claim the SDK signed (seconds since the epoch), read back rather than recomputed. */
function expiry(jwt: string): number {
  const payload = jwt.split(".")[1] ?? "";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
  if (typeof claims.exp !== "number") throw new Error("twilio's AccessToken produced a JWT without exp");
  return claims.exp;
}
