/**
 * The one error root of Precinct. Every error the SDK throws on purpose is a {@link PrecinctError} with a
 * stable `code`; vendor SDK errors are mapped into it by adapters and never leak.
 *
 * @module
 */

const marker = Symbol.for("precinct.error");

/** Stable error codes. New codes may be added in minor versions; existing codes never change meaning. */
export type PrecinctErrorCode =
  | "invalid_input"
  | "invalid_config"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "unsupported_specification"
  | "unsupported_capability"
  | "missing_dependency"
  | "storage"
  | "provider"
  | "rate_limited"
  | "opted_out"
  | "invalid_recipient"
  | "webhook_verification"
  | "closed";

/** Options accepted by {@link PrecinctError}'s constructor. */
export interface PrecinctErrorOptions {
  /** A stable, machine-readable code. */
  code: PrecinctErrorCode;
  /** A message that says what went wrong and where. */
  message: string;
  /** Whether the same operation may succeed if retried later (rate limits, 5xx, network). */
  isRetryable?: boolean;
  /** The underlying error, if any. */
  cause?: unknown;
  /** HTTP status of a provider response, when the error came from one. */
  statusCode?: number;
  /** The provider's own error code (Twilio `21610`, ...), when the error came from a provider. */
  providerCode?: string | number;
  /** Structured details for programs: the field, the row, the value, ... */
  details?: Record<string, unknown>;
}

/**
 * The root class of every error Precinct throws on purpose.
 *
 * Use {@link PrecinctError.isInstance} rather than `instanceof`: it also recognises errors created by a
 * second copy of `@precinct/core` (two versions in one `node_modules`).
 */
export class PrecinctError extends Error {
  /** @internal Cross-copy marker. */
  readonly [marker] = true;
  /** A stable, machine-readable code. */
  readonly code: PrecinctErrorCode;
  /** Whether the same operation may succeed if retried later. */
  readonly isRetryable: boolean;
  /** HTTP status of a provider response, when the error came from one. */
  readonly statusCode: number | undefined;
  /** The provider's own error code, when the error came from a provider. */
  readonly providerCode: string | number | undefined;
  /** Structured details for programs. */
  readonly details: Record<string, unknown>;

  constructor(options: PrecinctErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PrecinctError";
    this.code = options.code;
    this.isRetryable = options.isRetryable ?? false;
    this.statusCode = options.statusCode;
    this.providerCode = options.providerCode;
    this.details = options.details ?? {};
  }

  /** True when `error` is a {@link PrecinctError} from any copy of this package. */
  static isInstance(error: unknown): error is PrecinctError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** True when `error` is a {@link PrecinctError} with the given code. */
  static hasCode(error: unknown, code: PrecinctErrorCode): error is PrecinctError {
    return PrecinctError.isInstance(error) && error.code === code;
  }
}

/** A value failed validation or normalization. `field` and `value` say which and what. */
export class InvalidInputError extends PrecinctError {
  /** The field (dotted path) that was invalid, e.g. `phoneNumbers.0.number`. */
  readonly field: string;
  /** The offending value, as received. */
  readonly value: unknown;

  constructor(options: { field: string; value: unknown; reason: string; cause?: unknown }) {
    super({
      code: "invalid_input",
      message: `Invalid ${options.field} ${formatValue(options.value)}: ${options.reason}`,
      cause: options.cause,
      details: { field: options.field, value: options.value, reason: options.reason },
    });
    this.name = "InvalidInputError";
    this.field = options.field;
    this.value = options.value;
  }
}

/** Configuration given to a factory or to `createPrecinct()` is wrong or incomplete. */
export class ConfigError extends PrecinctError {
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super({ code: "invalid_config", message, ...options });
    this.name = "ConfigError";
  }
}

/** A plugin declares a `specificationVersion` this version of Precinct does not implement. */
export class UnsupportedSpecificationError extends PrecinctError {
  constructor(options: { contract: string; version: unknown; supported: readonly string[] }) {
    super({
      code: "unsupported_specification",
      message: `${options.contract} specificationVersion ${formatValue(options.version)} is not supported; this version of @precinct/core supports ${options.supported.join(", ")}.`,
      details: { ...options },
    });
    this.name = "UnsupportedSpecificationError";
  }
}

/** A provider (vendor API) failed. Adapters map vendor errors into this class. */
export class ProviderError extends PrecinctError {
  /** The provider's name, e.g. `twilio`. */
  readonly provider: string;

  constructor(
    options: Omit<PrecinctErrorOptions, "code"> & {
      provider: string;
      code?: Extract<PrecinctErrorCode, "provider" | "rate_limited" | "opted_out" | "invalid_recipient">;
    },
  ) {
    super({ ...options, code: options.code ?? "provider" });
    this.name = "ProviderError";
    this.provider = options.provider;
  }
}

/** A row or entity was not found within the client's organization. */
export class NotFoundError extends PrecinctError {
  constructor(entity: string, id: string) {
    super({
      code: "not_found",
      message: `${entity} ${id} was not found in this organization.`,
      details: { entity, id },
    });
    this.name = "NotFoundError";
  }
}

/** A database operation failed. */
export class StorageError extends PrecinctError {
  constructor(message: string, cause?: unknown) {
    super({ code: "storage", message, cause });
    this.name = "StorageError";
  }
}

function formatValue(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Node, undici and HTTP-client codes for a request that got no HTTP response. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
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

/**
 * True when `error` carries a socket-level error code (`ECONNRESET`, `ETIMEDOUT`, undici's
 * `UND_ERR_SOCKET`…): the request got no HTTP response, so adapters map it to a retryable error. Each
 * adapter adds its HTTP client's own "no response" shape (an axios or gaxios error without `response`).
 */
export function hasNetworkErrorCode(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { readonly code?: unknown }).code;
  return typeof code === "string" && NETWORK_ERROR_CODES.has(code);
}
