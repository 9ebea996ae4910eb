/**
 * Maps what `@sendgrid/mail` and `@sendgrid/client` throw (a `ResponseError` carrying SendGrid's
 * `{ errors: [{ message, field, help }] }`, an axios network error, a helper's parameter check) to
 * Precinct's `ProviderError`, so engines act on a stable `code` and `isRetryable` without knowing
 * SendGrid's statuses. The SDK's error stays as `cause`.
 *
 * @module
 */

import { hasNetworkErrorCode, PrecinctError, ProviderError } from "@precinct/core";

/** One entry of SendGrid's error body. */
export interface SendGridFieldError {
  /** What is wrong (`Does not contain a valid address.`). */
  readonly message: string;
  /** The JSON path of the offending field (`personalizations.0.to.0.email`), or null for the whole request. */
  readonly field: string | null;
  /** A link or hint SendGrid adds, when it does. */
  readonly help?: string | null;
}

/** What the adapter was doing when the error happened, for the message. */
export type SendGridOperationName = "send" | "suppressions";

const OPERATION_TEXT: Readonly<Record<SendGridOperationName, string>> = {
  send: "sending mail (POST /v3/mail/send)",
  suppressions: "reading suppressions (GET /v3/suppression, /v3/asm/suppressions)",
};

/** An HTTP failure read from the SDK's `ResponseError`. */
export interface SendGridHttpFailure {
  /** The HTTP status. */
  readonly status: number;
  /** SendGrid's `errors[]`, empty when the body had none. */
  readonly errors: readonly SendGridFieldError[];
  /** The response headers, lowercased names. */
  readonly header: (name: string) => string | undefined;
}

/**
 * Maps any error thrown while calling SendGrid to a {@link PrecinctError}:
 *
 * - 400 → `provider` (`invalid_recipient` when every error is about a recipient address), not retryable;
 *   the message names SendGrid's `field` and `message`, `details.errors` holds them all.
 * - 401 / 403 → `provider`, not retryable, with a hint about the API key or its scopes.
 * - 413 (request too large) and other 4xx → `provider`, not retryable.
 * - 429 → `rate_limited`, retryable, with `details.retryAfterMs` from `Retry-After` or
 *   `X-RateLimit-Reset` when SendGrid sends one.
 * - 5xx, and network errors where no response arrived (refused, reset, timeout, DNS) → `provider`,
 *   retryable.
 * - Anything else (a helper's parameter check, an unexpected exception) → `provider`, not retryable.
 *
 * `statusCode` is the HTTP status. A `PrecinctError` passes through unchanged.
 *
 * @param error - What the SDK threw.
 * @param operation - What the adapter was doing, for the message.
 * @param now - The clock, to turn `X-RateLimit-Reset` into a delay. Default `Date.now`.
 */
export function mapSendGridError(
  error: unknown,
  operation: SendGridOperationName,
  now: () => number = Date.now,
): PrecinctError {
  if (PrecinctError.isInstance(error)) return error;
  const what = OPERATION_TEXT[operation];
  const http = sendGridHttpFailure(error);
  if (http !== undefined) {
    const { status, errors } = http;
    const summary = describeErrors(errors, status);
    const details: Record<string, unknown> = { operation, errors: errors.map((e) => ({ ...e })) };
    const firstField = errors.find((e) => e.field !== null)?.field;
    if (firstField !== undefined) details.field = firstField;
    if (status === 429) {
      const retryAfterMs = retryAfter(http, now);
      return new ProviderError({
        provider: "sendgrid",
        code: "rate_limited",
        message: `SendGrid rate-limited ${what}: ${summary}. Retry later.`,
        isRetryable: true,
        statusCode: status,
        details: { ...details, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
        cause: error,
      });
    }
    if (status >= 500) {
      return new ProviderError({
        provider: "sendgrid",
        message: `SendGrid failed ${what}: ${summary}. Retry later.`,
        isRetryable: true,
        statusCode: status,
        details,
        cause: error,
      });
    }
    const hint =
      status === 401
        ? " Check the API key (createSendGrid({ apiKey }) or SENDGRID_API_KEY)."
        : status === 403
          ? ` The API key lacks the permission (scope) for this: give it ${operation === "send" ? "Mail Send" : "Suppressions read"} access in Settings → API Keys.`
          : status === 413
            ? " The request is too large: send fewer or smaller messages per batch."
            : "";
    const recipientOnly = errors.length > 0 && errors.every((e) => isRecipientField(e.field));
    return new ProviderError({
      provider: "sendgrid",
      code: recipientOnly ? "invalid_recipient" : "provider",
      message: `SendGrid refused ${what}: ${summary}.${hint}`,
      isRetryable: false,
      statusCode: status,
      details,
      cause: error,
    });
  }

  if (isNetworkError(error)) {
    const detail = error instanceof Error && error.message !== "" ? error.message : "no response";
    return new ProviderError({
      provider: "sendgrid",
      message: `No response from SendGrid while ${what}: ${detail}. Retry later.`,
      isRetryable: true,
      details: { operation },
      cause: error,
    });
  }

  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError({
    provider: "sendgrid",
    message: `Unexpected error from the SendGrid SDK while ${what}: ${detail}`,
    isRetryable: false,
    details: { operation },
    cause: error,
  });
}

/**
 * Reads an HTTP failure from the SDK's `ResponseError` (`code` = HTTP status, `response.body`,
 * `response.headers`) or an axios error carrying a response. Duck-typed, because an injected client may
 * come from another copy of the SDK. `undefined` when `error` carries no HTTP response.
 */
export function sendGridHttpFailure(error: unknown): SendGridHttpFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as Record<string, unknown>;
  const response = record.response;
  if (typeof response !== "object" || response === null) return undefined;
  const res = response as Record<string, unknown>;
  // ResponseError: `code` is the status; an axios error: `response.status`.
  const status = typeof res.status === "number" ? res.status : record.code;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599)
    return undefined;
  const body = "body" in res ? res.body : res.data;
  return { status, errors: fieldErrors(body), header: headerReader(res.headers) };
}

/** True when a SendGrid error `field` points at a recipient address (`personalizations.3.to.0.email`). */
export function isRecipientField(field: string | null): boolean {
  return field !== null && /^personalizations\.\d+\.(to|cc|bcc)(\.\d+(\.email)?)?$/.test(field);
}

function fieldErrors(body: unknown): SendGridFieldError[] {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() === "" ? [] : [{ message: body.trim().slice(0, 500), field: null }];
    }
  }
  if (typeof value !== "object" || value === null) return [];
  const errors = (value as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((entry): SendGridFieldError[] => {
    if (typeof entry !== "object" || entry === null) return [];
    const e = entry as Record<string, unknown>;
    const message = typeof e.message === "string" && e.message !== "" ? e.message : "error";
    const field = typeof e.field === "string" && e.field !== "" ? e.field : null;
    const help = typeof e.help === "string" ? e.help : null;
    return [{ message, field, ...(help !== null ? { help } : {}) }];
  });
}

function describeErrors(errors: readonly SendGridFieldError[], status: number): string {
  if (errors.length === 0) return `HTTP ${status}`;
  const shown = errors.slice(0, 3).map((e) => {
    const message = e.message.replace(/[.\s]+$/, "");
    return e.field === null ? message : `${message} (field ${e.field})`;
  });
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : "";
  return `${shown.join("; ")}${more} (HTTP ${status})`;
}

/** Milliseconds to wait: `Retry-After` (seconds or an HTTP date), else `X-RateLimit-Reset` (unix seconds). */
function retryAfter(http: SendGridHttpFailure, now: () => number): number | undefined {
  const given = http.header("retry-after");
  if (given !== undefined) {
    const seconds = Number(given);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const date = Date.parse(given);
    if (!Number.isNaN(date)) return Math.max(0, date - now());
  }
  const reset = Number(http.header("x-ratelimit-reset"));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now());
  return undefined;
}

function headerReader(headers: unknown): (name: string) => string | undefined {
  if (typeof headers !== "object" || headers === null) return () => undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === "function" && !(headers instanceof Map)) {
    // Web `Headers`, or axios' `AxiosHeaders`.
    return (name) => {
      const value: unknown = get.call(headers, name);
      return value === null || value === undefined ? undefined : String(value);
    };
  }
  const record = headers as Record<string, unknown>;
  return (name) => {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : record[key];
    return value === undefined || value === null ? undefined : String(value);
  };
}

/** True when no HTTP response arrived: an axios error without a response, or a Node socket error code. */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const record = error as Record<string, unknown>;
  if (record.isAxiosError === true) return record.response === undefined || record.response === null;
  return hasNetworkErrorCode(error);
}
