/**
 * Failure injection shared by the fakes, and the fakes' mapping of simulated vendor failures to
 * Precinct errors (modelled on Twilio's codes).
 *
 * @module
 */

import { PrecinctError, ProviderError } from "@precinct/core";

/**
 * A simulated vendor failure, mapped like a real adapter maps its vendor's errors:
 *
 * | failure | error code | retryable | HTTP | provider code |
 * |---|---|---|---|---|
 * | `opted_out` | `opted_out` | no | 400 | 21610 (recipient replied STOP) |
 * | `invalid_recipient` | `invalid_recipient` | no | 400 | 21211 (invalid number) |
 * | `not_sms_capable` | `invalid_recipient` | no | 400 | 21614 (landline) |
 * | `rejected` | `provider` | no | 400 | `fake_rejected` (any other permanent refusal) |
 * | `rate_limited` | `rate_limited` | yes | 429 | 20429 |
 * | `server_error` | `provider` | yes | 503 | 20503 |
 */
export type FakeFailure =
  | "opted_out"
  | "invalid_recipient"
  | "not_sms_capable"
  | "rejected"
  | "rate_limited"
  | "server_error";

const FAILURES: Readonly<
  Record<
    FakeFailure,
    {
      code: "opted_out" | "invalid_recipient" | "provider" | "rate_limited";
      retryable: boolean;
      status: number;
      providerCode: string | number;
      message: string;
    }
  >
> = {
  opted_out: {
    code: "opted_out",
    retryable: false,
    status: 400,
    providerCode: 21610,
    message: "Attempt to send to unsubscribed recipient",
  },
  invalid_recipient: {
    code: "invalid_recipient",
    retryable: false,
    status: 400,
    providerCode: 21211,
    message: "Invalid 'To' phone number",
  },
  not_sms_capable: {
    code: "invalid_recipient",
    retryable: false,
    status: 400,
    providerCode: 21614,
    message: "'To' number is not a valid mobile number",
  },
  rejected: {
    code: "provider",
    retryable: false,
    status: 400,
    providerCode: "fake_rejected",
    message: "The provider refused the request",
  },
  rate_limited: {
    code: "rate_limited",
    retryable: true,
    status: 429,
    providerCode: 20429,
    message: "Too many requests",
  },
  server_error: {
    code: "provider",
    retryable: true,
    status: 503,
    providerCode: 20503,
    message: "Service unavailable",
  },
};

/** The {@link ProviderError} a fake throws for a simulated {@link FakeFailure}. */
export function fakeProviderError(provider: string, failure: FakeFailure): ProviderError {
  const spec = FAILURES[failure];
  return new ProviderError({
    provider,
    code: spec.code,
    message: `${provider}: ${spec.message} (${spec.providerCode}).`,
    isRetryable: spec.retryable,
    statusCode: spec.status,
    providerCode: spec.providerCode,
    ...(failure === "opted_out" || failure === "invalid_recipient" || failure === "not_sms_capable"
      ? { details: { failureReason: failure } }
      : {}),
  });
}

/**
 * What a fake should fail with: a {@link FakeFailure} name, a `PrecinctError` thrown as is, or any other
 * error, which the fake wraps in a `ProviderError` (as a real adapter must: raw errors never leak).
 */
export type FakeFailureInput = FakeFailure | Error;

/** Failure injection available on every fake that talks to a "provider". */
export interface FakeFailureControls<TInput> {
  /**
   * Makes the next `times` calls (default 1) fail with `failure`. Queued failures are used in order.
   */
  failNext(failure: FakeFailureInput, options?: { readonly times?: number }): void;
  /**
   * Makes every call whose input matches `predicate` fail with `failure` until the returned function is
   * called.
   */
  failWhen(predicate: (input: TInput) => boolean, failure: FakeFailureInput): () => void;
}

/** @internal Keeps queued and conditional failures for one fake. */
export class FailureInjector<TInput> implements FakeFailureControls<TInput> {
  private readonly queue: FakeFailureInput[] = [];
  private readonly rules = new Set<{ predicate: (input: TInput) => boolean; failure: FakeFailureInput }>();

  /** @param provider - The provider name put on the errors. */
  constructor(private readonly provider: string) {}

  /** {@inheritDoc FakeFailureControls.failNext} */
  failNext(failure: FakeFailureInput, options: { readonly times?: number } = {}): void {
    const times = options.times ?? 1;
    for (let i = 0; i < times; i++) this.queue.push(failure);
  }

  /** {@inheritDoc FakeFailureControls.failWhen} */
  failWhen(predicate: (input: TInput) => boolean, failure: FakeFailureInput): () => void {
    const rule = { predicate, failure };
    this.rules.add(rule);
    return () => {
      this.rules.delete(rule);
    };
  }

  /** The error the current call must fail with, if any; consumes a queued failure. */
  take(input: TInput): PrecinctError | undefined {
    const queued = this.queue.shift();
    if (queued !== undefined) return this.toError(queued);
    for (const rule of this.rules) if (rule.predicate(input)) return this.toError(rule.failure);
    return undefined;
  }

  /** Drops every queued failure and rule. */
  reset(): void {
    this.queue.length = 0;
    this.rules.clear();
  }

  private toError(failure: FakeFailureInput): PrecinctError {
    if (typeof failure === "string") return fakeProviderError(this.provider, failure);
    if (PrecinctError.isInstance(failure)) return failure;
    return new ProviderError({
      provider: this.provider,
      message: `${this.provider}: ${failure.message}`,
      cause: failure,
    });
  }
}
