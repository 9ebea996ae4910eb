import { generateKeyPairSync } from "node:crypto";
import { ConfigError, type OutboundEmail, validatePlugin } from "@precinct/core";
import {
  createSendGridImitation,
  sendGridHandlers,
  startSendGridImitationServer,
} from "@precinct/testing/http";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSendGrid } from "../src/index.js";

const apiKey = "SG.provider-tests.secret";
const message: OutboundEmail = {
  to: { email: "voter.1@example.org" },
  from: { email: "organizers@example.org" },
  subject: "Canvass this weekend",
  text: "Join us Saturday at 10.",
  idempotencyKey: "outbox-1",
};

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const ENV = ["SENDGRID_API_KEY", "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY"] as const;
const savedEnv = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

describe("settings", () => {
  it("names SENDGRID_API_KEY when no API key is given", () => {
    delete process.env.SENDGRID_API_KEY;
    const error = configError(() => createSendGrid());
    expect(error.message).toContain("SENDGRID_API_KEY");
    expect(error.message).toContain("apiKey");
    expect(error.details).toMatchObject({ setting: "apiKey", variable: "SENDGRID_API_KEY" });
  });

  it("takes the API key from the environment, and reports a malformed one without echoing it", () => {
    process.env.SENDGRID_API_KEY = apiKey;
    expect(() => createSendGrid()).not.toThrow();
    process.env.SENDGRID_API_KEY = "not-a-sendgrid-key";
    const error = configError(() => createSendGrid());
    expect(error.message).toContain("SENDGRID_API_KEY");
    expect(error.message).not.toContain("not-a-sendgrid-key");
  });

  it.each([
    [{ apiKey: "sk-live-123" }, "`apiKey`"],
    [{ apiKey, baseUrl: "ftp://sendgrid.test" }, "`baseUrl`"],
    [{ apiKey, timeoutMs: -1 }, "`timeoutMs`"],
    [{ apiKey, region: "eu" }, "unknown setting `region`"],
  ])("refuses %j naming the setting", (settings, named) => {
    expect(configError(() => createSendGrid(settings as never)).message).toContain(named);
  });

  it.each([
    [{ maxEventAgeSeconds: 0 }, "`maxEventAgeSeconds`"],
    [{ asmGroupId: 1.5 }, "`asmGroupId`"],
    [{ suppressionLists: ["bounces"] }, "`suppressionLists.0`"],
    [{ sandbox: true }, "unknown setting `sandbox`"],
    [{ eventWebhookPublicKey: "bm90IGEga2V5" }, "`eventWebhookPublicKey`"],
  ])("refuses email options %j naming the option", (options, named) => {
    const provider = createSendGrid({ apiKey });
    expect(configError(() => provider.email(options as never)).message).toContain(named);
  });

  it("takes the webhook key from SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY, in base64 DER or PEM", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY = publicKey
      .export({ type: "spki", format: "der" })
      .toString("base64");
    expect(typeof createSendGrid({ apiKey }).email().verifyWebhook).toBe("function");
    process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY = publicKey
      .export({ type: "spki", format: "pem" })
      .toString();
    expect(typeof createSendGrid({ apiKey }).email().verifyWebhook).toBe("function");
    process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY = "garbage";
    expect(configError(() => createSendGrid({ apiKey }).email()).message).toContain(
      "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY",
    );
  });

  it("makes a valid EmailTransport with SendGrid's batch size", () => {
    const email = createSendGrid({ apiKey }).email();
    expect(() => validatePlugin("EmailTransport", email)).not.toThrow();
    expect(email).toMatchObject({ provider: "sendgrid", maxBatchSize: 1000, supportsSubstitutions: true });
  });
});

describe("clients", () => {
  const us = createSendGridImitation({ apiKey });
  const eu = createSendGridImitation({ apiKey: "SG.eu-subuser.secret" });
  const server = setupServer(
    ...sendGridHandlers(us, { origins: ["https://api.sendgrid.com"] }),
    ...sendGridHandlers(eu, { origins: ["https://api.eu.sendgrid.com"] }),
  );
  beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
  afterAll(() => server.close());

  it("gives every provider its own client: keys and base URLs never leak between them", async () => {
    const global = createSendGrid({ apiKey }).email();
    const regional = createSendGrid({
      apiKey: "SG.eu-subuser.secret",
      baseUrl: "https://api.eu.sendgrid.com",
    }).email();
    await regional.send({ messages: [message] });
    await global.send({ messages: [{ ...message, idempotencyKey: "outbox-2" }] });
    expect(us.acceptedCount).toBe(1);
    expect(eu.acceptedCount).toBe(1);
    expect(us.messages[0]!.customArgs.precinct_message_id).toBe("outbox-2");
    expect(eu.messages[0]!.customArgs.precinct_message_id).toBe("outbox-1");
  });
});

// No msw here: a real node:http socket, as benchmarks and child processes use it.
describe("baseUrl", () => {
  it("sends over a real socket to an imitation server given as baseUrl", async () => {
    const imitation = createSendGridImitation({ apiKey });
    const running = await startSendGridImitationServer(imitation);
    try {
      const email = createSendGrid({ apiKey, baseUrl: running.url }).email();
      const { results } = await email.send({ messages: [message] });
      expect(results[0]).toMatchObject({ status: "accepted", idempotencyKey: "outbox-1" });
      expect(imitation.sendRequestCount).toBe(1);
      imitation.suppress("bounced@example.org", "bounce");
      const suppressions = [];
      for await (const s of email.suppressions()) suppressions.push(s);
      expect(suppressions).toMatchObject([{ email: "bounced@example.org", reason: "bounce" }]);
    } finally {
      await running.close();
    }
  });
});
