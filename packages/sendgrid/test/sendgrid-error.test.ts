import { InvalidInputError, PrecinctError, ProviderError } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { mapSendGridError } from "../src/index.js";

/** What `@sendgrid/client` rejects with for an HTTP error: its `ResponseError` (status in `code`). */
function responseError(status: number, body: unknown, headers: Record<string, string> = {}): Error {
  const error = new Error("Bad Request") as Error & { code: number; response: unknown };
  error.code = status;
  error.response = { headers, body };
  return error;
}

describe("mapSendGridError", () => {
  it("names every field SendGrid lists for a 400, and marks recipient-only errors invalid_recipient", () => {
    const error = mapSendGridError(
      responseError(400, {
        errors: [
          {
            message: "Does not contain a valid address.",
            field: "personalizations.0.to.0.email",
            help: "https://…",
          },
          { message: "Does not contain a valid address.", field: "personalizations.2.to.0.email" },
        ],
      }),
      "send",
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe("invalid_recipient");
    expect(error.isRetryable).toBe(false);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain("(field personalizations.0.to.0.email)");
    expect(error.message).toContain("(field personalizations.2.to.0.email)");
    expect(error.details.field).toBe("personalizations.0.to.0.email");
    expect(error.details.errors).toHaveLength(2);
  });

  it("keeps code provider when an error concerns shared content, and reads a string body", () => {
    const error = mapSendGridError(
      responseError(
        400,
        JSON.stringify({
          errors: [{ message: "The from email does not contain a valid address.", field: "from.email" }],
        }),
      ),
      "send",
    );
    expect(error.code).toBe("provider");
    expect(error.message).toContain("field from.email");
  });

  it("reads Retry-After (seconds or a date) before X-RateLimit-Reset for a 429", () => {
    const now = () => Date.parse("2026-05-01T12:00:00Z");
    const seconds = mapSendGridError(responseError(429, {}, { "retry-after": "12" }), "send", now);
    expect(seconds).toMatchObject({ code: "rate_limited", isRetryable: true });
    expect(seconds.details.retryAfterMs).toBe(12_000);
    const date = mapSendGridError(
      responseError(429, {}, { "Retry-After": "Fri, 01 May 2026 12:00:05 GMT" }),
      "send",
      now,
    );
    expect(date.details.retryAfterMs).toBe(5_000);
    const reset = mapSendGridError(
      responseError(429, {}, { "x-ratelimit-reset": String(now() / 1000 + 42) }),
      "send",
      now,
    );
    expect(reset.details.retryAfterMs).toBe(42_000);
    expect(mapSendGridError(responseError(429, {}), "send", now).details.retryAfterMs).toBeUndefined();
  });

  it("treats an axios error without a response and Node socket errors as retryable", () => {
    const axiosError = Object.assign(new Error("timeout of 30000ms exceeded"), {
      isAxiosError: true,
      code: "ECONNABORTED",
    });
    expect(mapSendGridError(axiosError, "send")).toMatchObject({ isRetryable: true, code: "provider" });
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(mapSendGridError(reset, "suppressions").message).toContain(
      "No response from SendGrid while reading suppressions",
    );
  });

  it("reads an axios error carrying a response", () => {
    const error = Object.assign(new Error("Request failed with status code 502"), {
      isAxiosError: true,
      response: { status: 502, data: { errors: [{ message: "bad gateway", field: null }] }, headers: {} },
    });
    expect(mapSendGridError(error, "send")).toMatchObject({ statusCode: 502, isRetryable: true });
  });

  it("wraps anything else as a permanent provider error, keeping the cause, and passes PrecinctErrors through", () => {
    const thrown = new Error("String expected for `subject`");
    const mapped = mapSendGridError(thrown, "send");
    expect(mapped).toMatchObject({ code: "provider", isRetryable: false });
    expect(mapped.message).toContain("Unexpected error from the SendGrid SDK");
    expect(mapped.cause).toBe(thrown);
    const own = new InvalidInputError({ field: "messages", value: 0, reason: "empty" });
    expect(mapSendGridError(own, "send")).toBe(own);
    expect(PrecinctError.isInstance(mapSendGridError("a string", "send"))).toBe(true);
  });
});
