/**
 * Maps what the twilio SDK throws (a `RestException` with Twilio's error code, an axios network error, a
 * parameter check) to Precinct's `ProviderError`, so engines act on a stable `code`, `isRetryable` and
 * `details.failureReason` without knowing Twilio's numbers. The SDK's error stays as `cause`.
 *
 * @module
 */

import { PrecinctError, ProviderError, type SmsFailureReason } from "@precinct/core";

/**
 * Twilio error codes with a meaning the engine acts on (see DOMAIN.md, "Texting compliance"). The same
 * codes come back when a send is refused (REST error) and in a status callback's `ErrorCode`.
 *
 * | code | meaning | reason |
 * |---|---|---|
 * | 21610 | recipient replied STOP | `opted_out` |
 * | 21211 | invalid 'To' number | `invalid_recipient` |
 * | 21614 | 'To' is not a mobile number | `not_sms_capable` |
 * | 21635 | 'To' is a landline | `not_sms_capable` |
 * | 30003 | unreachable handset | `unreachable` |
 * | 30005 | unknown handset (the number no longer exists) | `invalid_recipient` |
 * | 30006 | landline or unreachable carrier | `not_sms_capable` |
 * | 30007 | carrier filtering | `carrier_filtered` |
 * | 30034 | sender not registered for 10DLC | `provider` |
 */
export const TWILIO_FAILURE_REASONS: Readonly<Record<string, SmsFailureReason>> = {
  "21610": "opted_out",
  "21211": "invalid_recipient",
  "21614": "not_sms_capable",
  "21635": "not_sms_capable",
  "30003": "unreachable",
  "30005": "invalid_recipient",
  "30006": "not_sms_capable",
  "30007": "carrier_filtered",
  "30034": "provider",
};

/**
 * The {@link SmsFailureReason} for a Twilio error code, `provider` for any other code, or `undefined`
 * when there is no code (absent, empty or `0`).
 */
export function twilioFailureReason(code: string | number | null | undefined): SmsFailureReason | undefined {
  if (code === null || code === undefined) return undefined;
  const key = String(code).trim();
  if (key === "" || key === "0") return undefined;
  return TWILIO_FAILURE_REASONS[key] ?? "provider";
}

/** What the adapter was doing when the error happened, for the message. */
export type TwilioOperationName = "send" | "lookup" | "findSent";

const OPERATION_TEXT: Readonly<Record<TwilioOperationName, string>> = {
  send: "sending a message (POST /Messages.json)",
  lookup: "looking up a line type (Lookup v2)",
  findSent: "listing sent messages (GET /Messages.json)",
};

/**
 * Maps any error thrown while calling Twilio to a {@link PrecinctError}:
 *
 * - 21610 → `opted_out`; 21211, 21614, 21635, 30005, 30006 → `invalid_recipient`; 30003, 30007, 30034 and
 *   other 4xx → `provider`; none of these is retryable.
 * - HTTP 429 → `rate_limited`, retryable.
 * - 5xx, and network errors where no response arrived (connection refused or reset, DNS, timeout) →
 *   `provider`, retryable.
 * - Anything else (an SDK parameter check, an unexpected exception) → `provider`, not retryable.
 *
 * `providerCode` is Twilio's code, `statusCode` the HTTP status; for sends, `details.failureReason` holds
 * the {@link SmsFailureReason}. A `PrecinctError` passes through unchanged.
 */
export function mapTwilioError(error: unknown, operation: TwilioOperationName): PrecinctError {
  if (PrecinctError.isInstance(error)) return error;
  const what = OPERATION_TEXT[operation];
  const withReason = (reason: SmsFailureReason): Record<string, unknown> =>
    operation === "send" ? { failureReason: reason, operation } : { operation };

  const http = httpFailure(error);
  if (http !== undefined) {
    const { status, code, message, moreInfo } = http;
    const providerCode = code;
    const suffix = `(Twilio ${code ?? "error"}, HTTP ${status})`;
    const details = (reason: SmsFailureReason) => ({
      ...withReason(reason),
      ...(moreInfo !== undefined ? { moreInfo } : {}),
    });
    if (status === 429) {
      return new ProviderError({
        provider: "twilio",
        code: "rate_limited",
        message: `Twilio rate-limited ${what}: ${message} ${suffix}. Retry later.`,
        isRetryable: true,
        statusCode: status,
        providerCode,
        details: details("provider"),
        cause: error,
      });
    }
    if (status >= 500) {
      return new ProviderError({
        provider: "twilio",
        message: `Twilio failed ${what}: ${message} ${suffix}. Retry later.`,
        isRetryable: true,
        statusCode: status,
        providerCode,
        details: details("provider"),
        cause: error,
      });
    }
    const reason = twilioFailureReason(code) ?? "provider";
    const errorCode =
      reason === "opted_out"
        ? "opted_out"
        : reason === "invalid_recipient" || reason === "not_sms_capable"
          ? "invalid_recipient"
          : "provider";
    const hint =
      status === 401 || code === 20003
        ? " Check the account sid and auth token (or API key and secret)."
        : "";
    return new ProviderError({
      provider: "twilio",
      code: errorCode,
      message: `Twilio refused ${what}: ${message} ${suffix}.${hint}`,
      isRetryable: false,
      statusCode: status,
      providerCode,
      details: details(reason),
      cause: error,
    });
  }

  if (isNetworkError(error)) {
    const detail = error instanceof Error && error.message !== "" ? error.message : "no response";
    return new ProviderError({
      provider: "twilio",
      message: `No response from Twilio while ${what}: ${detail}. Retry later.`,
      isRetryable: true,
      details: withReason("provider"),
      cause: error,
    });
  }

  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError({
    provider: "twilio",
    message: `Unexpected error from the twilio SDK while ${what}: ${detail}`,
    isRetryable: false,
    details: withReason("provider"),
    cause: error,
  });
}

interface HttpFailure {
  readonly status: number;
  readonly code: number | undefined;
  readonly message: string;
  readonly moreInfo: string | undefined;
}

/**
 * Reads a Twilio HTTP error: the SDK's `RestException` (`status`, `code`, `message`, `moreInfo`) or
 * `TwilioServiceException` (RFC 9457: `status`, `code`, `title`, `detail`), or an axios error carrying an
 * HTTP response. Duck-typed, because an injected client may come from another copy of the SDK.
 */
function httpFailure(error: unknown): HttpFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  let record = error as Record<string, unknown>;
  if (record.isAxiosError === true) {
    // Only a custom httpClient rejects on an HTTP status; the SDK's own resolves and throws RestException.
    const response = record.response as Record<string, unknown> | undefined | null;
    if (typeof response !== "object" || response === null || typeof response.status !== "number")
      return undefined;
    const data = typeof response.data === "object" && response.data !== null ? response.data : {};
    record = { ...(data as Record<string, unknown>), status: response.status };
  }
  const status = record.status;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599)
    return undefined;
  const code = typeof record.code === "number" && record.code !== 0 ? record.code : undefined;
  const text =
    (typeof record.detail === "string" && record.detail) ||
    (typeof record.message === "string" && record.message) ||
    (typeof record.title === "string" && record.title) ||
    `HTTP ${status}`;
  const moreInfo =
    typeof record.moreInfo === "string"
      ? record.moreInfo
      : typeof record.more_info === "string"
        ? record.more_info
        : undefined;
  return { status, code, message: text.replace(/[.\s]+$/, ""), moreInfo };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_NETWORK",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** True when no HTTP response arrived: an axios error without a response, or a Node socket error code. */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const record = error as Record<string, unknown>;
  if (record.isAxiosError === true) return record.response === undefined || record.response === null;
  return typeof record.code === "string" && NETWORK_CODES.has(record.code);
}
