import { ConfigError } from "@precinct/core";
import { createTwilioImitation, twilioHandlers } from "@precinct/testing/http";
import { setupServer } from "msw/node";
import Twilio from "twilio";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTwilio, type TwilioProviderSettings } from "../src/index.js";

const accountSid = `AC${"f6".repeat(16)}`;
const authToken = "provider-auth-token";
const apiKey = `SK${"a7".repeat(16)}`;
const apiSecret = "provider-api-secret";
const SENDER = "+15550100000";
const SERVICE = `MG${"b8".repeat(16)}`;

const imitation = createTwilioImitation({ accountSid, authToken, apiKeys: { [apiKey]: apiSecret } });
const server = setupServer(...twilioHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());
beforeEach(() => {
  // Whatever the machine has, these tests decide what the environment holds.
  for (const name of [
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_SECRET",
    "TWILIO_PHONE_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
  ]) {
    vi.stubEnv(name, "");
  }
});
afterEach(() => {
  vi.unstubAllEnvs();
  imitation.reset();
});

const configError = (run: () => unknown): ConfigError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
};
const hello = { to: "+19195550123", body: "Hello from the field office", idempotencyKey: "k1" };

describe("credentials", () => {
  it("names TWILIO_ACCOUNT_SID when no account sid is given or set", () => {
    const error = configError(() => createTwilio({ authToken }));
    expect(error.message).toContain("TWILIO_ACCOUNT_SID");
    expect(error.details).toMatchObject({ setting: "accountSid", variable: "TWILIO_ACCOUNT_SID" });
  });

  it("names TWILIO_AUTH_TOKEN when no auth token is given or set", () => {
    const error = configError(() => createTwilio({ accountSid }));
    expect(error.message).toContain("TWILIO_AUTH_TOKEN");
  });

  it("reads TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN from the environment", async () => {
    vi.stubEnv("TWILIO_ACCOUNT_SID", accountSid);
    vi.stubEnv("TWILIO_AUTH_TOKEN", authToken);
    const provider = createTwilio();
    expect(provider.accountSid).toBe(accountSid);
    await provider.sms({ from: SENDER }).send(hello);
    expect(imitation.sent).toHaveLength(1);
  });

  it("reports a malformed TWILIO_ACCOUNT_SID by its variable name", () => {
    vi.stubEnv("TWILIO_ACCOUNT_SID", "AC-not-a-sid");
    vi.stubEnv("TWILIO_AUTH_TOKEN", authToken);
    expect(configError(() => createTwilio()).message).toContain("TWILIO_ACCOUNT_SID");
  });

  it("rejects a malformed accountSid and unknown settings, naming them (and never echoing secrets)", () => {
    const malformed = configError(() => createTwilio({ accountSid: "AC123", authToken: "s3cret-token" }));
    expect(malformed.message).toContain("accountSid");
    expect(malformed.message).not.toContain("s3cret-token");
    const unknown = configError(() =>
      createTwilio({ accountSid, authToken, region: "au1" } as TwilioProviderSettings),
    );
    expect(unknown.message).toContain("`region`");
  });

  it("authenticates with an API key and secret, keeping the auth token for webhooks", async () => {
    const sms = createTwilio({ accountSid, apiKey, apiSecret, authToken }).sms({ from: SENDER });
    await sms.send(hello);
    expect(imitation.sent).toHaveLength(1);
    expect(sms.verifyWebhook(imitation.inboundWebhook({ from: "+19195550123", body: "hi" }))).toBe(true);
  });

  it("reads the API secret from TWILIO_API_SECRET and refuses a wrong one at the first request", async () => {
    vi.stubEnv("TWILIO_API_SECRET", "wrong-secret");
    const sms = createTwilio({ accountSid, apiKey, authToken }).sms({ from: SENDER });
    await expect(sms.send(hello)).rejects.toMatchObject({ code: "provider", statusCode: 401 });
  });

  it("without an auth token, an API-key provider cannot make an SMS transport (webhooks need it)", () => {
    const provider = createTwilio({ accountSid, apiKey, apiSecret });
    const error = configError(() => provider.sms({ from: SENDER }));
    expect(error.message).toContain("TWILIO_AUTH_TOKEN");
    expect(configError(() => createTwilio({ accountSid, apiSecret, authToken })).message).toContain("apiKey");
  });
});

describe("an injected client", () => {
  it("is used as is, with its account and auth token", async () => {
    const client = Twilio(accountSid, authToken);
    const provider = createTwilio({ client });
    expect(provider.client).toBe(client);
    expect(provider.accountSid).toBe(accountSid);
    const sms = provider.sms({ from: SENDER });
    await sms.send(hello);
    expect(imitation.sent).toHaveLength(1);
    expect(sms.verifyWebhook(imitation.inboundWebhook({ from: "+19195550123", body: "hi" }))).toBe(true);
  });

  it("cannot be combined with baseUrl", () => {
    const error = configError(() =>
      createTwilio({ client: Twilio(accountSid, authToken), baseUrl: "http://127.0.0.1:1" }),
    );
    expect(error.message).toContain("baseUrl");
  });
});

describe("sms options", () => {
  it("require a default sender, naming the options and the variables", () => {
    const error = configError(() => createTwilio({ accountSid, authToken }).sms());
    expect(error.message).toContain("from");
    expect(error.message).toContain("TWILIO_PHONE_NUMBER");
    expect(error.message).toContain("TWILIO_MESSAGING_SERVICE_SID");
  });

  it("fall back to TWILIO_MESSAGING_SERVICE_SID, then TWILIO_PHONE_NUMBER", async () => {
    vi.stubEnv("TWILIO_PHONE_NUMBER", SENDER);
    await createTwilio({ accountSid, authToken }).sms().send(hello);
    expect(imitation.sent[0]?.params).toMatchObject({ From: SENDER });
    vi.stubEnv("TWILIO_MESSAGING_SERVICE_SID", SERVICE);
    await createTwilio({ accountSid, authToken }).sms().send(hello);
    expect(imitation.sent[1]?.params).toMatchObject({ MessagingServiceSid: SERVICE });
    expect(imitation.sent[1]?.params).not.toHaveProperty("From");
  });

  it("are strict: unknown options and malformed values are ConfigErrors naming them", () => {
    const provider = createTwilio({ accountSid, authToken });
    expect(configError(() => provider.sms({ from: SENDER, lookups: true } as never)).message).toContain(
      "`lookups`",
    );
    expect(configError(() => provider.sms({ from: "919-555-0123" })).message).toContain("`from`");
    expect(configError(() => provider.sms({ messagingServiceSid: "MG1" })).message).toContain(
      "messagingServiceSid",
    );
    expect(
      configError(() => provider.sms({ from: SENDER, statusCallbackUrl: "not a url" })).message,
    ).toContain("statusCallbackUrl");
  });

  it("default handlesKeywords to true (Twilio Advanced Opt-Out) and allow turning it off", () => {
    const provider = createTwilio({ accountSid, authToken });
    expect(provider.sms({ from: SENDER }).handlesKeywords).toBe(true);
    expect(provider.sms({ from: SENDER, handlesKeywords: false }).handlesKeywords).toBe(false);
    expect(provider.sms({ from: SENDER }).dedupesByIdempotencyKey).toBe(false);
  });

  it("accept short codes and alphanumeric sender ids as from", () => {
    const provider = createTwilio({ accountSid, authToken });
    expect(() => provider.sms({ from: "55555" })).not.toThrow();
    expect(() => provider.sms({ from: "VoteNC" })).not.toThrow();
  });
});
