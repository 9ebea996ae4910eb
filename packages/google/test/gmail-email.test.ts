import { InvalidInputError, PrecinctError, ProviderError, validatePlugin } from "@precinct/core";
import { createGmailImitation, gmailHandlers, JWT_BEARER_GRANT } from "@precinct/testing/http";
import gmailModule from "googleapis/build/src/apis/gmail/index.js";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createGoogle, GMAIL_SEND_SCOPE } from "../src/index.js";
import { MAILBOX, outbound, syntheticServiceAccount } from "./helpers.js";

const account = syntheticServiceAccount();
const OAUTH_CLIENT = "1234-precinct.apps.googleusercontent.com";
const VOLUNTEER = "volunteer.sender@example.org";

// The real googleapis client talks HTTP to the Gmail imitation through msw. The imitation checks the
// JWT's RS256 signature against the synthetic account's public key, and knows one OAuth client.
const imitation = createGmailImitation({
  mailboxes: [MAILBOX],
  serviceAccounts: { [account.clientEmail]: account.publicKey },
  oauthClients: {
    [OAUTH_CLIENT]: { clientSecret: "test-client-secret", refreshTokens: { "1//test-refresh": VOLUNTEER } },
  },
});
const server = setupServer(...gmailHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());
beforeEach(() => imitation.reset());

const serviceAccount = { clientEmail: account.clientEmail, privateKey: account.privateKey };
const transport = (options: { maxBatchSize?: number } = {}) =>
  createGoogle({ serviceAccount }).gmail({ mailbox: MAILBOX, ...options });

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe("gmail transport: sending", () => {
  it("is a valid EmailTransport v1 without webhook or suppression capabilities", () => {
    const email = transport();
    expect(() => validatePlugin("EmailTransport", email)).not.toThrow();
    expect(email.specificationVersion).toBe("v1");
    expect(email.provider).toBe("gmail");
    expect(email.maxBatchSize).toBe(1);
    expect(email.mailbox).toBe(MAILBOX);
    expect("verifyWebhook" in email).toBe(false);
    expect("parseEvents" in email).toBe(false);
    expect("suppressions" in email).toBe(false);
  });

  it("sends as the delegated mailbox: a signed JWT with sub = mailbox and only the gmail.send scope", async () => {
    const message = outbound({ to: { email: "ana.rivera@example.org", name: "Ana Rivera-Núñez" } });
    const { results } = await transport().send({ messages: [message] });

    expect(imitation.tokenRequests).toEqual([
      {
        grantType: JWT_BEARER_GRANT,
        issuer: account.clientEmail,
        subject: MAILBOX,
        scope: GMAIL_SEND_SCOPE,
        status: 200,
      },
    ]);
    const [sent] = imitation.messages;
    expect(results).toEqual([
      { status: "accepted", idempotencyKey: message.idempotencyKey, providerId: sent?.id },
    ]);
    expect(sent?.mailbox).toBe(MAILBOX);
    expect(sent?.labelIds).toEqual(["SENT"]);
    const parsed = sent?.parsed;
    expect(parsed?.to).toEqual([{ email: "ana.rivera@example.org", name: "Ana Rivera-Núñez" }]);
    expect(parsed?.from).toEqual([{ email: MAILBOX, name: "Riverside Tenants Union" }]);
    expect(parsed?.subject).toBe("Building meeting Thursday");
    expect(parsed?.messageId).toBe(`<${message.idempotencyKey}@riverside.example.org>`);
    expect(parsed?.header("List-Unsubscribe")).toBe(message.headers?.["List-Unsubscribe"]);
    expect(parsed?.header("List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(parsed?.header("X-Precinct-precinct_message_id")).toBe(message.customArgs?.precinct_message_id);
    expect(parsed?.text).toBe(message.text);
    expect(parsed?.html).toBe(message.html);
  });

  it("reuses the access token until it expires", async () => {
    const email = transport();
    await email.send({ messages: [outbound()] });
    await email.send({ messages: [outbound()] });
    expect(imitation.tokenRequests).toHaveLength(1);
    expect(imitation.messages).toHaveLength(2);
  });

  it("sends a batch one message per request, in order, with one result per message", async () => {
    const messages = [outbound(), outbound(), outbound()];
    const { results } = await transport({ maxBatchSize: 3 }).send({ messages });
    expect(results.map((r) => r.idempotencyKey)).toEqual(messages.map((m) => m.idempotencyKey));
    expect(results.every((r) => r.status === "accepted")).toBe(true);
    expect(imitation.requests.filter((r) => r.operation === "messages.send")).toHaveLength(3);
    expect(imitation.messages.map((m) => m.parsed.to[0]?.email)).toEqual(messages.map((m) => m.to.email));
    const ids = results.map((r) => (r.status === "accepted" ? r.providerId : ""));
    expect(new Set(ids).size).toBe(3);
  });

  it("rejects a message it cannot build safely without a request, and sends the rest", async () => {
    const bad = outbound({ subject: "Hi\r\nBcc: everyone@example.org" });
    const good = outbound();
    const { results } = await transport({ maxBatchSize: 2 }).send({ messages: [bad, good] });
    expect(results[0]?.status).toBe("rejected");
    const error = results[0]?.status === "rejected" ? results[0].error : undefined;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("subject");
    expect(results[1]?.status).toBe("accepted");
    expect(imitation.messages).toHaveLength(1);
    expect(imitation.messages[0]?.parsed.bcc).toEqual([]);
  });

  it("turns Gmail's 400 Invalid To header into a rejected invalid_recipient and keeps going", async () => {
    imitation.failNext({ operation: "messages.send", status: 400, message: "Invalid To header" });
    const messages = [outbound(), outbound()];
    const { results } = await transport({ maxBatchSize: 2 }).send({ messages });
    const [first, second] = results;
    expect(first?.status).toBe("rejected");
    const error = first?.status === "rejected" ? first.error : undefined;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error?.code).toBe("invalid_recipient");
    expect(error?.isRetryable).toBe(false);
    expect(error?.statusCode).toBe(400);
    expect(error?.message).toContain("Invalid To header");
    expect(second?.status).toBe("accepted");
  });

  it("throws for a 400 failed precondition, which concerns the mailbox rather than the message", async () => {
    imitation.failNext({
      operation: "messages.send",
      status: 400,
      reason: "failedPrecondition",
      message: "Precondition check failed.",
    });
    const error = await rejection(
      transport({ maxBatchSize: 2 }).send({ messages: [outbound(), outbound()] }),
    );
    expect([error.code, error.isRetryable, error.details.reason]).toEqual([
      "provider",
      false,
      "failedPrecondition",
    ]);
    expect(imitation.requests.filter((r) => r.operation === "messages.send")).toHaveLength(1);
  });

  it("refuses an empty batch and one larger than maxBatchSize before any request", async () => {
    await expect(transport().send({ messages: [] })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(transport().send({ messages: [outbound(), outbound()] })).rejects.toThrow(
      /at most 1 per batch/,
    );
    expect(imitation.requests).toEqual([]);
  });

  it("aborts with the signal's reason, before or during a request", async () => {
    const controller = new AbortController();
    const reason = new Error("campaign paused");
    controller.abort(reason);
    await expect(transport().send({ messages: [outbound()] }, { signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(imitation.requests).toEqual([]);

    // Aborted while the token is being fetched: the message never goes out, and nothing is left to throw
    // an uncaught error later (vitest fails the run on one).
    const early = new AbortController();
    const racing = transport().send({ messages: [outbound()] }, { signal: early.signal });
    early.abort(reason);
    await expect(racing).rejects.toBe(reason);
    await vi.waitFor(() => expect(imitation.tokenRequests).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(imitation.messages).toEqual([]);

    // Hold the send request until the test lets it go, so the abort lands while it is in flight.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = () => {};
    const inFlight = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server.use(
      http.post("https://gmail.googleapis.com/gmail/v1/users/:user/messages/send", async ({ request }) => {
        arrived();
        await held;
        return imitation.handle(request);
      }),
    );
    try {
      const later = new AbortController();
      const pending = transport().send({ messages: [outbound()] }, { signal: later.signal });
      await inFlight;
      later.abort(reason);
      await expect(pending).rejects.toBe(reason);
    } finally {
      release();
      server.resetHandlers();
    }
  });
});

describe("gmail transport: request failures", () => {
  it("maps 429 to a retryable rate_limited error with Gmail's retry time", async () => {
    const retryAfter = new Date(Date.now() + 120_000);
    imitation.failNext({ operation: "messages.send", status: 429, retryAfter });
    const error = await rejection(transport().send({ messages: [outbound()] }));
    expect(error.code).toBe("rate_limited");
    expect(error.isRetryable).toBe(true);
    expect(error.statusCode).toBe(429);
    expect(error.providerCode).toBe("rateLimitExceeded");
    const wait = Number(error.details.retryAfterMs);
    expect(wait).toBeGreaterThan(100_000);
    expect(wait).toBeLessThanOrEqual(120_000);
  });

  it("maps a 403 userRateLimitExceeded to rate_limited, and other 403s to a permanent error", async () => {
    imitation.failNext({
      operation: "messages.send",
      status: 403,
      reason: "userRateLimitExceeded",
      message: "User Rate Limit Exceeded",
    });
    const limited = await rejection(transport().send({ messages: [outbound()] }));
    expect([limited.code, limited.isRetryable]).toEqual(["rate_limited", true]);
    imitation.failNext({
      operation: "messages.send",
      status: 403,
      reason: "insufficientPermissions",
      message: "Request had insufficient authentication scopes.",
    });
    const forbidden = await rejection(transport().send({ messages: [outbound()] }));
    expect([forbidden.code, forbidden.isRetryable]).toEqual(["provider", false]);
    expect(forbidden.message).toContain(GMAIL_SEND_SCOPE);
  });

  it("maps 5xx and dropped connections to retryable errors", async () => {
    imitation.failNext({ operation: "messages.send", status: 503 });
    const unavailable = await rejection(transport().send({ messages: [outbound()] }));
    expect([unavailable.code, unavailable.isRetryable, unavailable.statusCode]).toEqual([
      "provider",
      true,
      503,
    ]);
    imitation.failNext({ operation: "messages.send", networkError: true });
    const network = await rejection(transport().send({ messages: [outbound()] }));
    expect([network.code, network.isRetryable, network.statusCode]).toEqual(["provider", true, undefined]);
    expect(network.message).toMatch(/No response from Google/);
  });

  it("never leaks the SDK's error: the GaxiosError is the cause", async () => {
    imitation.failNext({ operation: "messages.send", status: 500 });
    const error = await rejection(transport().send({ messages: [outbound()] }));
    expect(PrecinctError.isInstance(error)).toBe(true);
    expect((error.cause as Error).constructor.name).toBe("GaxiosError");
  });

  it("after a message was accepted, a request failure stops the batch and returns the rest as rejected", async () => {
    const messages = [outbound(), outbound(), outbound()];
    // The first send succeeds, the second hits the rate limit; the third is never tried.
    const email = transport({ maxBatchSize: 3 });
    let sends = 0;
    server.events.on("request:start", ({ request }) => {
      if (request.url.endsWith("/messages/send") && ++sends === 2) {
        imitation.failNext({ operation: "messages.send", status: 429 });
      }
    });
    try {
      const { results } = await email.send({ messages });
      expect(results.map((r) => r.status)).toEqual(["accepted", "rejected", "rejected"]);
      for (const result of results.slice(1)) {
        const error = result.status === "rejected" ? result.error : undefined;
        expect([error?.code, error?.isRetryable]).toEqual(["rate_limited", true]);
      }
      expect(imitation.messages).toHaveLength(1);
      expect(imitation.requests.filter((r) => r.operation === "messages.send")).toHaveLength(2);
    } finally {
      server.events.removeAllListeners();
    }
  });

  it("explains a service account without domain-wide delegation (unauthorized_client)", async () => {
    imitation.failNext({
      operation: "token",
      status: 401,
      reason: "unauthorized_client",
      message:
        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
    });
    const error = await rejection(transport().send({ messages: [outbound()] }));
    expect(error.isRetryable).toBe(false);
    expect(error.providerCode).toBe("unauthorized_client");
    expect(error.details.operation).toBe("token");
    expect(error.message).toMatch(/domain-wide delegation/i);
    expect(imitation.messages).toEqual([]);
  });

  it("refuses a mailbox outside the Workspace domain at the token endpoint (invalid_grant)", async () => {
    const email = createGoogle({ serviceAccount }).gmail({ mailbox: "nobody@elsewhere.example.net" });
    const error = await rejection(email.send({ messages: [outbound()] }));
    expect([error.providerCode, error.isRetryable, error.statusCode]).toEqual(["invalid_grant", false, 400]);
    expect(error.message).toContain("Invalid email or User ID");
    expect(imitation.tokenRequests[0]?.subject).toBe("nobody@elsewhere.example.net");
  });

  it("fails the token request when the key does not match the service account (bad signature)", async () => {
    const other = syntheticServiceAccount("impostor");
    const email = createGoogle({
      serviceAccount: { clientEmail: account.clientEmail, privateKey: other.privateKey },
    }).gmail({ mailbox: MAILBOX });
    const error = await rejection(email.send({ messages: [outbound()] }));
    expect(error.providerCode).toBe("invalid_grant");
    expect(error.message).toContain("Invalid JWT Signature");
  });

  it("leaves a brief token endpoint outage to the auth library's retry, and maps a lasting one as retryable", async () => {
    imitation.failNext({ operation: "token", status: 503 });
    const { results } = await transport().send({ messages: [outbound()] });
    expect(results[0]?.status).toBe("accepted");
    expect(imitation.tokenRequests.map((r) => r.status)).toEqual([503, 200]);

    imitation.reset();
    imitation.failNext({ operation: "token", status: 503, times: 10 });
    const error = await rejection(transport().send({ messages: [outbound()] }));
    expect([error.isRetryable, error.statusCode, error.details.operation]).toEqual([true, 503, "token"]);
    expect(imitation.messages).toEqual([]);
  });
});

describe("gmail transport: OAuth2 and injected clients", () => {
  it("sends with an OAuth2 refresh token as the account that granted it", async () => {
    const email = createGoogle({
      oauth2: { clientId: OAUTH_CLIENT, clientSecret: "test-client-secret", refreshToken: "1//test-refresh" },
    }).gmail();
    expect(email.mailbox).toBeUndefined();
    const { results } = await email.send({ messages: [outbound({ from: { email: VOLUNTEER } })] });
    expect(results[0]?.status).toBe("accepted");
    expect(imitation.tokenRequests).toEqual([
      { grantType: "refresh_token", clientId: OAUTH_CLIENT, status: 200 },
    ]);
    expect(imitation.messages[0]?.mailbox).toBe(VOLUNTEER);
  });

  it("reports a revoked refresh token as a permanent error", async () => {
    const email = createGoogle({
      oauth2: { clientId: OAUTH_CLIENT, clientSecret: "test-client-secret", refreshToken: "1//revoked" },
    }).gmail();
    const error = await rejection(email.send({ messages: [outbound()] }));
    expect([error.providerCode, error.isRetryable]).toEqual(["invalid_grant", false]);
    expect(error.message).toMatch(/revoked or expired refresh token/);
  });

  it("uses an injected auth client as is", async () => {
    const client = new gmailModule.auth.OAuth2();
    client.setCredentials({ access_token: imitation.issueAccessToken("desk@riverside.example.org") });
    const email = createGoogle({ authClient: client }).gmail();
    const { results } = await email.send({ messages: [outbound()] });
    expect(results[0]?.status).toBe("accepted");
    expect(imitation.tokenRequests).toEqual([]);
    expect(imitation.messages[0]?.mailbox).toBe("desk@riverside.example.org");
  });

  it("maps Gmail's 401 for a bad access token to a permanent error naming the credentials", async () => {
    const client = new gmailModule.auth.OAuth2();
    client.setCredentials({ access_token: "ya29.not-issued" });
    const error = await rejection(
      createGoogle({ authClient: client })
        .gmail()
        .send({ messages: [outbound()] }),
    );
    expect([error.statusCode, error.isRetryable, error.providerCode]).toEqual([401, false, "authError"]);
    expect(error.message).toMatch(/credentials/);
  });
});
