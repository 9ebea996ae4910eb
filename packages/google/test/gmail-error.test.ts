import { InvalidInputError, PrecinctError, ProviderError } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { mapGmailError } from "../src/index.js";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const SEND_URL = new URL("https://gmail.googleapis.com/gmail/v1/users/me/messages/send");

/** The shape of a GaxiosError for an HTTP error from the Gmail API. */
function apiFailure(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) {
  return Object.assign(new Error(String(error.message ?? status)), {
    config: { url: SEND_URL },
    response: { status, data: { error: { code: status, ...error } }, headers: new Headers(headers) },
    status,
  });
}

function mapped(error: unknown): ProviderError {
  const result = mapGmailError(error, "send", NOW);
  expect(result).toBeInstanceOf(ProviderError);
  return result as ProviderError;
}

describe("mapGmailError", () => {
  it("reads the wait from a Retry-After header (seconds or date) or Gmail's message", () => {
    const seconds = mapped(apiFailure(429, { message: "Too many requests" }, { "retry-after": "30" }));
    expect([seconds.code, seconds.isRetryable, seconds.details.retryAfterMs]).toEqual([
      "rate_limited",
      true,
      30_000,
    ]);
    const date = mapped(
      apiFailure(
        429,
        { message: "Too many requests" },
        { "retry-after": new Date(NOW + 90_000).toUTCString() },
      ),
    );
    expect(date.details.retryAfterMs).toBe(90_000);
    const message = mapped(
      apiFailure(429, {
        message: "User-rate limit exceeded.  Retry after 2025-06-01T12:05:00.000Z (Mail sending)",
        errors: [{ reason: "rateLimitExceeded", domain: "usageLimits" }],
      }),
    );
    expect([message.details.retryAfterMs, message.providerCode]).toEqual([300_000, "rateLimitExceeded"]);
    const none = mapped(apiFailure(429, { message: "Too many requests" }));
    expect(none.details.retryAfterMs).toBeUndefined();
  });

  it("treats 403 quota reasons and RESOURCE_EXHAUSTED as rate limits, other 403s as permanent", () => {
    for (const reason of [
      "rateLimitExceeded",
      "userRateLimitExceeded",
      "dailyLimitExceeded",
      "quotaExceeded",
    ]) {
      const error = mapped(apiFailure(403, { message: "Limit", errors: [{ reason }] }));
      expect([error.code, error.isRetryable, error.providerCode]).toEqual(["rate_limited", true, reason]);
    }
    const exhausted = mapped(apiFailure(403, { message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" }));
    expect(exhausted.code).toBe("rate_limited");
    const denied = mapped(
      apiFailure(403, { message: "Delegation denied for organizing@riverside.example.org" }),
    );
    expect([denied.code, denied.isRetryable]).toEqual(["provider", false]);
    expect(denied.message).toMatch(/may not send as that mailbox/);
  });

  it("maps recipient 400s to invalid_recipient and other 400s to provider, neither retryable", () => {
    for (const text of ["Invalid To header", "Invalid Cc header", "Recipient address required"]) {
      const error = mapped(apiFailure(400, { message: text, errors: [{ reason: "invalidArgument" }] }));
      expect([error.code, error.isRetryable, error.statusCode]).toEqual(["invalid_recipient", false, 400]);
    }
    const precondition = mapped(
      apiFailure(400, { message: "Precondition check failed.", errors: [{ reason: "failedPrecondition" }] }),
    );
    expect([precondition.code, precondition.details.reason]).toEqual(["provider", "failedPrecondition"]);
    expect(precondition.message).toMatch(/Gmail may not be enabled/);
  });

  it("maps token-endpoint errors with a hint, recognized by their OAuth shape", () => {
    const tokenFailure = (status: number, error: string, description: string) =>
      Object.assign(new Error(`${error}: ${description}`), {
        config: { url: new URL("https://oauth2.googleapis.com/token") },
        response: { status, data: { error, error_description: description }, headers: new Headers() },
      });
    const delegation = mapped(tokenFailure(401, "unauthorized_client", "Client is unauthorized"));
    expect([delegation.isRetryable, delegation.providerCode, delegation.details.operation]).toEqual([
      false,
      "unauthorized_client",
      "token",
    ]);
    expect(delegation.message).toMatch(/Domain-wide delegation/);
    const client = mapped(tokenFailure(401, "invalid_client", "Unauthorized"));
    expect(client.message).toMatch(/client id or secret/);
    const busy = mapped(tokenFailure(429, "rate_limit_exceeded", "Slow down"));
    expect([busy.code, busy.isRetryable]).toEqual(["rate_limited", true]);
    const down = mapped(tokenFailure(503, "internal_failure", "Internal Failure"));
    expect([down.code, down.isRetryable]).toEqual(["provider", true]);
  });

  it("maps failures without a response as retryable network errors", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(mapped(reset).isRetryable).toBe(true);
    const gaxiosNoResponse = Object.assign(new Error("request failed, reason: Network error"), {
      config: { url: SEND_URL },
    });
    const network = mapped(gaxiosNoResponse);
    expect([network.isRetryable, network.message.startsWith("No response from Google")]).toEqual([
      true,
      true,
    ]);
    const timeout = Object.assign(new Error("The operation timed out"), { name: "TimeoutError" });
    expect(mapped(timeout).isRetryable).toBe(true);
  });

  it("passes a PrecinctError through and maps anything else as a permanent provider error", () => {
    const own = new InvalidInputError({ field: "to.email", value: "x", reason: "bad" });
    expect(mapGmailError(own)).toBe(own);
    const odd = mapped(new TypeError("Cannot read properties of undefined"));
    expect([odd.code, odd.isRetryable, odd.cause instanceof TypeError]).toEqual(["provider", false, true]);
    expect(PrecinctError.isInstance(mapped("a string"))).toBe(true);
  });
});
