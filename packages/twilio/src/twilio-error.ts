/**
 * Maps what the twilio SDK throws (a `RestException` with Twilio's error code, an axios network error, a
 * parameter check) to Precinct's `ProviderError`, so engines act on a stable `code`, `isRetryable` and
 * `details.failureReason` without knowing Twilio's numbers. The SDK's error stays as `cause`.
 *
 * @module
 */

import { hasNetworkErrorCode, PrecinctError, ProviderError, type SmsFailureReason } from "@precinct/core";

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

/** True when no HTTP response arrived: an axios error without a response, or a Node socket error code. */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const record = error as Record<string, unknown>;
  if (record.isAxiosError === true) return record.response === undefined || record.response === null;
  return hasNetworkErrorCode(error);
}

// ---------------------------------------------------------------------------------------------------------
// Voice

/**
 * Why Twilio refused (or may not have carried out) a voice request, in `details.failureReason`:
 *
 * - `invalid_recipient` — the number is malformed or not a working destination: do not call it again.
 * - `not_permitted` — the account may not call this destination (Geo Permissions, Twilio's blocklist of
 *   high-risk numbers, a trial account's unverified number): fix the account, not the contact.
 * - `invalid_caller_id` — the `from` number is not one the account owns or has verified.
 * - `call_ended` — the call is no longer in progress (redirect or join came too late).
 * - `uncertain` — no answer came back after the request may have reached Twilio: the call may or may not
 *   exist. Twilio has no idempotency for calls, so the dialer must not redial automatically.
 * - `provider` — anything else.
 */
export type TwilioCallFailureReason =
  | "invalid_recipient"
  | "not_permitted"
  | "invalid_caller_id"
  | "call_ended"
  | "uncertain"
  | "provider";

/**
 * Twilio voice error codes with a meaning the dialer acts on.
 *
 * | code | meaning | reason |
 * |---|---|---|
 * | 21211 | invalid 'To' number | `invalid_recipient` |
 * | 21214 | 'To' number cannot be reached | `invalid_recipient` |
 * | 21217 | number does not appear to be valid | `invalid_recipient` |
 * | 21401 | invalid phone number | `invalid_recipient` |
 * | 13223 | `<Dial>`: invalid number format | `invalid_recipient` |
 * | 13224 | `<Dial>`: invalid number (no route) | `invalid_recipient` |
 * | 21215 | Geo Permissions do not allow the call | `not_permitted` |
 * | 21216 | number is blocked (high risk, regulatory, no customer profile) | `not_permitted` |
 * | 21219 | trial account: 'To' number not verified | `not_permitted` |
 * | 13227 | `<Dial>`: no international authorization | `not_permitted` |
 * | 32205 | Geo Permissions block the destination (SIP) | `not_permitted` |
 * | 21210 | 'From' number not verified | `invalid_caller_id` |
 * | 21212 | invalid 'From' number / caller id | `invalid_caller_id` |
 * | 21213 | caller id is required | `invalid_caller_id` |
 * | 13214 | `<Dial>`: invalid caller id | `invalid_caller_id` |
 * | 21220 | invalid call state (the call has ended) | `call_ended` |
 */
export const TWILIO_CALL_FAILURE_REASONS: Readonly<Record<string, TwilioCallFailureReason>> = {
  "21211": "invalid_recipient",
  "21214": "invalid_recipient",
  "21217": "invalid_recipient",
  "21401": "invalid_recipient",
  "13223": "invalid_recipient",
  "13224": "invalid_recipient",
  "21215": "not_permitted",
  "21216": "not_permitted",
  "21219": "not_permitted",
  "13227": "not_permitted",
  "32205": "not_permitted",
  "21210": "invalid_caller_id",
  "21212": "invalid_caller_id",
  "21213": "invalid_caller_id",
  "13214": "invalid_caller_id",
  "21220": "call_ended",
};

/** What the voice transport was doing when the error happened. */
export type TwilioVoiceOperationName =
  | "call"
  | "conference.add"
  | "conference.join"
  | "hangup"
  | "redirect"
  | "findCall";

const VOICE_OPERATION_TEXT: Readonly<Record<TwilioVoiceOperationName, string>> = {
  call: "placing a call (POST /Calls.json)",
  "conference.add": "dialing a contact into a conference (POST /Conferences/{name}/Participants.json)",
  "conference.join": "moving a call into a conference (POST /Calls/{sid}.json)",
  hangup: "hanging up a call (POST /Calls/{sid}.json)",
  redirect: "sending new instructions to a call (POST /Calls/{sid}.json)",
  findCall: "listing calls (GET /Calls.json)",
};

/** Operations that create a call: Twilio takes no idempotency key for them, so a lost answer is uncertain. */
const CREATES_A_CALL: ReadonlySet<TwilioVoiceOperationName> = new Set(["call", "conference.add"]);

/**
 * Network errors raised before a connection to Twilio existed: the request cannot have reached Twilio, so
 * even a call may be retried. Any other network error (reset, timeout, dropped response) happened after
 * the request may have been sent.
 */
const NOT_CONNECTED_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * The {@link TwilioCallFailureReason} for a Twilio error code, `provider` for any other code, or
 * `undefined` when there is no code.
 */
export function twilioCallFailureReason(
  code: string | number | null | undefined,
): TwilioCallFailureReason | undefined {
  if (code === null || code === undefined) return undefined;
  const key = String(code).trim();
  if (key === "" || key === "0") return undefined;
  return TWILIO_CALL_FAILURE_REASONS[key] ?? "provider";
}

/**
 * True when `error` says a call may or may not have been placed (`details.failureReason === "uncertain"`,
 * also flagged `details.uncertain: true`). Such an error is not retryable: redialing could ring the
 * voter twice. Wait for the call's status callback, or look it up with `findCall`, before deciding.
 */
export function isUncertainCallError(error: unknown): error is PrecinctError {
  return PrecinctError.isInstance(error) && error.details.failureReason === "uncertain";
}

/**
 * Maps any error thrown while calling Twilio's voice APIs to a {@link PrecinctError}:
 *
 * - 21211, 21214, 21217, 21401, 13223, 13224 → `invalid_recipient`, not retryable.
 * - 21215, 21216, 21219, 13227, 32205 (Geo Permissions, blocked numbers) → `provider`, not retryable,
 *   `failureReason: "not_permitted"`; 21210, 21212, 21213, 13214 → `invalid_caller_id`; 21220 →
 *   `call_ended`; other 4xx → `provider`, not retryable.
 * - HTTP 429 → `rate_limited`, retryable. 5xx → `provider`, retryable, except a 504 on a request that
 *   creates a call: the gateway gave up waiting, so the call may exist (`uncertain`).
 * - Network errors: before a connection existed (refused, DNS) → retryable; after the request may have
 *   been sent (reset, timeout, dropped answer) → retryable for updates (hanging up twice is harmless), but
 *   **uncertain** for `call` and `conference.add` — not retryable, `details.failureReason: "uncertain"`,
 *   `details.uncertain: true` — because Twilio has no idempotency for calls and a retry could ring the
 *   voter twice.
 *
 * `providerCode` is Twilio's code, `statusCode` the HTTP status. A `PrecinctError` passes through.
 */
export function mapTwilioVoiceError(error: unknown, operation: TwilioVoiceOperationName): PrecinctError {
  if (PrecinctError.isInstance(error)) return error;
  const what = VOICE_OPERATION_TEXT[operation];
  const creates = CREATES_A_CALL.has(operation);
  const uncertain = (detail: string, extra: { statusCode?: number; providerCode?: number } = {}) =>
    new ProviderError({
      provider: "twilio",
      message: `No answer from Twilio while ${what}: ${detail}. The call may or may not have been placed; Twilio has no idempotency for calls, so do not redial automatically: wait for its status callback or look it up (findCall) first.`,
      isRetryable: false,
      ...extra,
      details: { operation, failureReason: "uncertain", uncertain: true },
      cause: error,
    });

  const http = httpFailure(error);
  if (http !== undefined) {
    const { status, code, message, moreInfo } = http;
    const suffix = `(Twilio ${code ?? "error"}, HTTP ${status})`;
    const details = (reason: TwilioCallFailureReason) => ({
      operation,
      failureReason: reason,
      ...(moreInfo !== undefined ? { moreInfo } : {}),
    });
    if (status === 429) {
      return new ProviderError({
        provider: "twilio",
        code: "rate_limited",
        message: `Twilio rate-limited ${what}: ${message} ${suffix}. Retry later.`,
        isRetryable: true,
        statusCode: status,
        providerCode: code,
        details: details("provider"),
        cause: error,
      });
    }
    if (status === 504 && creates) {
      return uncertain(`${message} ${suffix}`, {
        statusCode: status,
        ...(code !== undefined ? { providerCode: code } : {}),
      });
    }
    if (status >= 500) {
      return new ProviderError({
        provider: "twilio",
        message: `Twilio failed ${what}: ${message} ${suffix}. Retry later.`,
        isRetryable: true,
        statusCode: status,
        providerCode: code,
        details: details("provider"),
        cause: error,
      });
    }
    const reason = twilioCallFailureReason(code) ?? "provider";
    const hint =
      status === 401 || code === 20003
        ? " Check the account sid and auth token (or API key and secret)."
        : reason === "not_permitted"
          ? " The account may not call this destination: check Voice Geo Permissions and the account's Trust Hub profile in the Twilio Console; the contact's number may be fine."
          : reason === "invalid_caller_id"
            ? " The caller id must be a Twilio number of this account or a verified outgoing caller id."
            : "";
    return new ProviderError({
      provider: "twilio",
      code: reason === "invalid_recipient" ? "invalid_recipient" : "provider",
      message: `Twilio refused ${what}: ${message} ${suffix}.${hint}`,
      isRetryable: false,
      statusCode: status,
      providerCode: code,
      details: details(reason),
      cause: error,
    });
  }

  if (isNetworkError(error)) {
    const detail = error instanceof Error && error.message !== "" ? error.message : "no response";
    if (creates && !neverConnected(error)) return uncertain(detail);
    return new ProviderError({
      provider: "twilio",
      message: `No response from Twilio while ${what}: ${detail}. Retry later.`,
      isRetryable: true,
      details: { operation, failureReason: "provider" },
      cause: error,
    });
  }

  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError({
    provider: "twilio",
    message: `Unexpected error from the twilio SDK while ${what}: ${detail}`,
    isRetryable: false,
    details: { operation, failureReason: "provider" },
    cause: error,
  });
}

/** True when a network error happened before any connection to Twilio existed. */
function neverConnected(error: unknown): boolean {
  const record = error as Record<string, unknown>;
  const cause = record.cause as Record<string, unknown> | undefined;
  const code = typeof record.code === "string" ? record.code : undefined;
  const causeCode = typeof cause?.code === "string" ? cause.code : undefined;
  return (
    (code !== undefined && NOT_CONNECTED_CODES.has(code)) ||
    (causeCode !== undefined && NOT_CONNECTED_CODES.has(causeCode))
  );
}
