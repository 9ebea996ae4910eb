/**
 * Maps what googleapis throws (a `GaxiosError` carrying Google's JSON error, an OAuth token-endpoint
 * error, or a network failure) to Precinct's `ProviderError`, so engines act on a stable `code`,
 * `isRetryable` and `details.retryAfterMs` without knowing Google's reasons. The SDK's error stays as
 * `cause`.
 *
 * @module
 */

import { hasNetworkErrorCode, PrecinctError, ProviderError } from "@precinct/core";
import { GoogleApiErrorBody, GoogleOAuthErrorBody } from "./gmail-api.js";

/** What the adapter was doing when the error happened, for the message. */
export type GmailOperationName = "send" | "token";

/**
 * Google's `errors[].reason` values that mean "too fast or too much", which Gmail answers with 403 as well
 * as 429 (its per-user rate, the project's quota, the mailbox's daily sending limit).
 */
export const GMAIL_RATE_LIMIT_REASONS: ReadonlySet<string> = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "dailyLimitExceeded",
  "quotaExceeded",
  "limitExceeded",
]);

const OPERATION_TEXT: Readonly<Record<GmailOperationName, string>> = {
  send: "sending a message (users.messages.send)",
  token: "getting an access token (oauth2.googleapis.com/token)",
};

/** Hints for OAuth token-endpoint errors: what to fix, in the organizer's terms. */
const OAUTH_HINTS: Readonly<Record<string, string>> = {
  unauthorized_client:
    " The service account's client id is not authorized for domain-wide delegation with the scope https://www.googleapis.com/auth/gmail.send: add it in the Google Workspace Admin console (Security → API controls → Domain-wide delegation).",
  invalid_grant:
    " The credentials were refused: a revoked or expired refresh token, a deleted service-account key, a mailbox that does not exist in the Workspace domain, or a clock more than a few minutes off.",
  invalid_client: " The OAuth client id or secret is wrong, or the client was deleted.",
  access_denied: " The account did not grant the requested scope.",
  invalid_scope: " The requested scope is not valid for these credentials.",
};

/**
 * Maps any error thrown while calling Google to a {@link PrecinctError}:
 *
 * - HTTP 429, and 403 with a rate-limit reason (`rateLimitExceeded`, `userRateLimitExceeded`,
 *   `dailyLimitExceeded`, `quotaExceeded`) → `rate_limited`, retryable; `details.retryAfterMs` from a
 *   `Retry-After` header or Gmail's "Retry after <time>" message when present.
 * - HTTP 5xx, and network failures where no response arrived → `provider`, retryable.
 * - HTTP 400 about a recipient ("Invalid To header", "Recipient address required") → `invalid_recipient`;
 *   any other 4xx → `provider`; neither is retryable.
 * - OAuth token-endpoint errors (`invalid_grant`, `unauthorized_client`, ...) → `provider`, not retryable
 *   (unless 429/5xx), with a hint about delegation or credentials; `providerCode` is the OAuth error.
 * - Anything else → `provider`, not retryable.
 *
 * `providerCode` is Google's `errors[0].reason` (or the OAuth error), `statusCode` the HTTP status;
 * `details` holds `operation`, `reason` and Google's `status` (`INVALID_ARGUMENT`, ...). A `PrecinctError`
 * passes through unchanged.
 *
 * @param error - What the SDK threw.
 * @param operation - What was being done (`send` or `token`); a token error is recognized by its URL too.
 * @param now - The clock, for `retryAfterMs`. Default `Date.now()`.
 */
export function mapGmailError(
  error: unknown,
  operation: GmailOperationName = "send",
  now: number = Date.now(),
): PrecinctError {
  if (PrecinctError.isInstance(error)) return error;
  const failure = httpFailure(error);
  if (failure !== undefined) {
    const op = failure.tokenEndpoint ? "token" : operation;
    return failure.tokenEndpoint ? tokenError(failure, error) : apiError(failure, op, error, now);
  }
  if (isNetworkError(error)) {
    const detail = error instanceof Error && error.message !== "" ? error.message : "no response";
    return new ProviderError({
      provider: "gmail",
      message: `No response from Google while ${OPERATION_TEXT[operation]}: ${detail}. Retry later.`,
      isRetryable: true,
      details: { operation },
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError({
    provider: "gmail",
    message: `Unexpected error from googleapis while ${OPERATION_TEXT[operation]}: ${detail}`,
    isRetryable: false,
    details: { operation },
    cause: error,
  });
}

/**
 * True when a mapped error concerns one message rather than the request (auth, quota, outage): Gmail
 * refused that message's content or recipient (HTTP 400 other than a failed precondition), so the rest of
 * a batch can still go and the message comes back `rejected`.
 *
 * @internal
 */
export function isMessageRejection(error: PrecinctError): boolean {
  return (
    error.statusCode === 400 &&
    error.details.operation === "send" &&
    error.details.reason !== "failedPrecondition"
  );
}

interface HttpFailure {
  readonly status: number;
  readonly data: unknown;
  readonly headers: Headers | undefined;
  readonly tokenEndpoint: boolean;
}

function apiError(failure: HttpFailure, operation: GmailOperationName, cause: unknown, now: number) {
  const { status } = failure;
  const parsed = GoogleApiErrorBody.safeParse(failure.data);
  const body = parsed.success ? parsed.data.error : undefined;
  const reason = body?.errors?.[0]?.reason ?? undefined;
  const googleStatus = body?.status ?? undefined;
  const text = (body?.message ?? `HTTP ${status}`).replace(/[.\s]+$/, "");
  const what = OPERATION_TEXT[operation];
  const suffix = `(Gmail ${reason ?? googleStatus ?? "error"}, HTTP ${status})`;
  const details: Record<string, unknown> = {
    operation,
    ...(reason !== undefined ? { reason } : {}),
    ...(googleStatus !== undefined ? { status: googleStatus } : {}),
  };
  const common = {
    provider: "gmail",
    statusCode: status,
    cause,
    ...(reason ? { providerCode: reason } : {}),
  };

  const rateLimited =
    status === 429 ||
    (status === 403 &&
      ((reason !== undefined && GMAIL_RATE_LIMIT_REASONS.has(reason)) ||
        googleStatus === "RESOURCE_EXHAUSTED"));
  if (rateLimited) {
    const retryAfterMs = retryAfter(failure.headers, body?.message ?? undefined, now);
    return new ProviderError({
      ...common,
      code: "rate_limited",
      message: `Gmail rate-limited ${what}: ${text} ${suffix}. Retry later.`,
      isRetryable: true,
      details: { ...details, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    });
  }
  if (status >= 500) {
    return new ProviderError({
      ...common,
      message: `Gmail failed ${what}: ${text} ${suffix}. Retry later.`,
      isRetryable: true,
      details,
    });
  }
  const recipient = status === 400 && /\b(to|cc|bcc)\b header|recipient/i.test(text);
  let hint = "";
  if (status === 401) {
    hint = " Check the credentials: the access token was refused.";
  } else if (status === 403 && reason === "insufficientPermissions") {
    hint = " The credentials lack the scope https://www.googleapis.com/auth/gmail.send.";
  } else if (status === 403 && /delegation denied/i.test(text)) {
    hint = " The authenticated account may not send as that mailbox.";
  } else if (status === 400 && reason === "failedPrecondition") {
    hint = " Gmail may not be enabled for this mailbox, or the account cannot send mail.";
  }
  return new ProviderError({
    ...common,
    code: recipient ? "invalid_recipient" : "provider",
    message: `Gmail refused ${what}: ${text} ${suffix}.${hint}`,
    isRetryable: false,
    details,
  });
}

function tokenError(failure: HttpFailure, cause: unknown): ProviderError {
  const { status } = failure;
  const parsed = GoogleOAuthErrorBody.safeParse(failure.data);
  const code = parsed.success ? parsed.data.error : undefined;
  const description = parsed.success ? (parsed.data.error_description ?? undefined) : undefined;
  const text = [code, description].filter((part) => part !== undefined && part !== "").join(": ");
  const retryable = status === 429 || status >= 500;
  return new ProviderError({
    provider: "gmail",
    code: status === 429 ? "rate_limited" : "provider",
    message: `Google refused ${OPERATION_TEXT.token}: ${text || `HTTP ${status}`} (HTTP ${status}).${
      retryable ? " Retry later." : (OAUTH_HINTS[code ?? ""] ?? "")
    }`,
    isRetryable: retryable,
    statusCode: status,
    ...(code !== undefined ? { providerCode: code } : {}),
    details: { operation: "token", ...(code !== undefined ? { reason: code } : {}) },
    cause,
  });
}

/**
 * Reads an HTTP failure from a `GaxiosError` (`response.status`, `response.data`, `config.url`).
 * Duck-typed, because an injected auth client may come with another copy of gaxios.
 */
function httpFailure(error: unknown): HttpFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as Record<string, unknown>;
  const response = record.response as Record<string, unknown> | undefined | null;
  if (typeof response !== "object" || response === null) return undefined;
  const status = response.status;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599)
    return undefined;
  const config = record.config as Record<string, unknown> | undefined;
  const url = config?.url === undefined ? "" : String(config.url);
  const data = response.data;
  // The token endpoint answers `{ error: "invalid_grant" }`; the Gmail API `{ error: { code, ... } }`.
  const oauthShaped =
    typeof data === "object" && data !== null && typeof (data as Record<string, unknown>).error === "string";
  const tokenEndpoint = oauthShaped || /\/token(?:\?|$)/.test(url);
  const headers = response.headers instanceof Headers ? response.headers : undefined;
  return { status, data, headers, tokenEndpoint };
}

/** Milliseconds to wait, from `Retry-After` (seconds or an HTTP date) or Gmail's "Retry after <ISO time>". */
function retryAfter(
  headers: Headers | undefined,
  message: string | undefined,
  now: number,
): number | undefined {
  const header = headers?.get("retry-after")?.trim();
  if (header !== undefined && header !== "") {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const match = message === undefined ? null : /retry after (\S+)/i.exec(message);
  if (match?.[1] !== undefined) {
    const at = Date.parse(match[1]);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}

/**
 * True when no HTTP response arrived: a `GaxiosError` without a response (gaxios wraps fetch's failure),
 * a timeout, or a Node socket error code.
 */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const record = error as Record<string, unknown>;
  if (record.name === "TimeoutError") return true;
  if (hasNetworkErrorCode(error)) return true;
  const isGaxios =
    record.name === "GaxiosError" || (typeof record.config === "object" && record.config !== null);
  return isGaxios && (record.response === undefined || record.response === null);
}
