import { createHmac, timingSafeEqual } from "node:crypto";
import { ConfigError, InvalidInputError } from "@precinct/core";
import Twilio from "twilio";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTwilio, type VoiceAccessTokenInput } from "../src/index.js";

const accountSid = `AC${"1a".repeat(16)}`;
const authToken = "token-test-auth-token";
const apiKey = `SK${"2b".repeat(16)}`;
const apiSecret = "token-test-api-secret";
const app = `AP${"3c".repeat(16)}`;

/** Decodes a JWT and checks its HS256 signature with `secret`, independently of the twilio SDK. */
function decode(jwt: string, secret: string) {
  const [header, payload, signature] = jwt.split(".");
  expect(signature).toBeDefined();
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature ?? "", "base64url");
  const valid = given.length === expected.length && timingSafeEqual(given, expected);
  return {
    valid,
    header: JSON.parse(Buffer.from(header ?? "", "base64url").toString("utf8")) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    > & {
      grants: Record<string, unknown>;
      iat: number;
      exp: number;
    },
  };
}

const input = (extra: Partial<VoiceAccessTokenInput> = {}): VoiceAccessTokenInput => ({
  identity: "volunteer_0042",
  outgoingApplicationSid: app,
  ...extra,
});

beforeEach(() => {
  for (const name of ["TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]) {
    vi.stubEnv(name, "");
  }
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("voiceAccessToken", () => {
  it("signs an HS256 JWT with the API key secret, carrying the identity and a VoiceGrant", () => {
    const before = Math.floor(Date.now() / 1000);
    const token = createTwilio({ accountSid, authToken, apiKey, apiSecret }).voiceAccessToken(
      input({ ttlSeconds: 1800, incomingAllow: true, outgoingApplicationParams: { session: "s_17" } }),
    );
    const { valid, header, claims } = decode(token.token, apiSecret);
    expect(valid).toBe(true);
    expect(decode(token.token, "another-secret").valid).toBe(false);
    expect(decode(token.token, authToken).valid).toBe(false);
    expect(header).toMatchObject({ alg: "HS256", typ: "JWT", cty: "twilio-fpa;v=1" });
    expect(claims).toMatchObject({ iss: apiKey, sub: accountSid });
    expect(claims.grants).toEqual({
      identity: "volunteer_0042",
      voice: {
        incoming: { allow: true },
        outgoing: { application_sid: app, params: { session: "s_17" } },
      },
    });
    expect(claims.exp - claims.iat).toBe(1800);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(token.identity).toBe("volunteer_0042");
    expect(token.expiresAt.getTime()).toBe(claims.exp * 1000);
  });

  it("defaults to one hour and no incoming calls", () => {
    const token = createTwilio({ accountSid, authToken, apiKey, apiSecret }).voiceAccessToken(input());
    const { claims } = decode(token.token, apiSecret);
    expect(claims.exp - claims.iat).toBe(3600);
    // Twilio's grant leaves `incoming` out unless it is allowed.
    expect(claims.grants.voice).toEqual({ outgoing: { application_sid: app } });
  });

  it("takes the key and secret from TWILIO_API_KEY / TWILIO_API_SECRET, or from a client built with an API key", () => {
    vi.stubEnv("TWILIO_API_KEY", apiKey);
    vi.stubEnv("TWILIO_API_SECRET", apiSecret);
    const fromEnv = createTwilio({ accountSid, authToken }).voiceAccessToken(input());
    expect(decode(fromEnv.token, apiSecret).claims.iss).toBe(apiKey);
    vi.stubEnv("TWILIO_API_KEY", "");
    vi.stubEnv("TWILIO_API_SECRET", "");

    const client = Twilio(apiKey, apiSecret, { accountSid });
    const fromClient = createTwilio({ client, authToken }).voiceAccessToken(input());
    expect(decode(fromClient.token, apiSecret)).toMatchObject({
      valid: true,
      claims: { iss: apiKey, sub: accountSid },
    });
  });

  it("is a ConfigError without an API key and secret (the auth token cannot sign access tokens)", () => {
    const twilio = createTwilio({ accountSid, authToken });
    expect(() => twilio.voiceAccessToken(input())).toThrow(ConfigError);
    expect(() => twilio.voiceAccessToken(input())).toThrow(/TWILIO_API_KEY and TWILIO_API_SECRET/);
    vi.stubEnv("TWILIO_API_KEY", apiKey);
    expect(() => createTwilio({ accountSid, authToken }).voiceAccessToken(input())).toThrow(ConfigError);
    vi.stubEnv("TWILIO_API_KEY", "SK-not-a-key");
    vi.stubEnv("TWILIO_API_SECRET", apiSecret);
    expect(() => createTwilio({ accountSid, authToken }).voiceAccessToken(input())).toThrow(
      /SK followed by 32/,
    );
  });

  it.each([
    ["identity", { identity: "volunteer-42" }],
    ["identity", { identity: "Jordan Lee" }],
    ["identity", { identity: "" }],
    ["outgoingApplicationSid", { outgoingApplicationSid: "AP123" }],
    ["ttlSeconds", { ttlSeconds: 30 }],
    ["ttlSeconds", { ttlSeconds: 90_000 }],
    ["ttlSeconds", { ttlSeconds: 600.5 }],
    [
      "outgoingApplicationParams.session",
      { outgoingApplicationParams: { session: 17 as unknown as string } },
    ],
  ])("refuses a bad %s as InvalidInputError", (field, extra) => {
    const twilio = createTwilio({ accountSid, authToken, apiKey, apiSecret });
    let error: unknown;
    try {
      twilio.voiceAccessToken(input(extra));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
  });
});
