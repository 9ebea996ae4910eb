/**
 * The twilio SDK's `RequestClient`, extended with the two things the SDK's methods cannot take per call:
 * an origin rewrite (`baseUrl`: tests, benchmarks, proxies) and cancellation (`OperationOptions.signal`).
 *
 * The SDK's `messages.create(params)` has no place for an `AbortSignal`, so the signal travels in an
 * `AsyncLocalStorage` around the call and an axios request interceptor hands it to the actual request.
 *
 * @internal
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import Twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type * as ResponseModule from "twilio/lib/http/response.js";

const signals = new AsyncLocalStorage<AbortSignal>();

/**
 * A `RequestClient` that sends requests for any `*.twilio.com` host to `baseUrl` (path and query kept) and
 * aborts the HTTP request when the signal of the surrounding {@link callTwilio} aborts.
 */
export class PrecinctRequestClient extends Twilio.RequestClient {
  private readonly base: URL | undefined;

  /**
   * @param baseUrl - The origin (optionally with a path prefix) to send every request to instead of Twilio.
   * @param options - The SDK's `RequestClient` options (timeouts, keep-alive, ...).
   */
  constructor(baseUrl?: string, options?: ConstructorParameters<typeof Twilio.RequestClient>[0]) {
    super(options);
    this.base = baseUrl === undefined ? undefined : new URL(baseUrl);
    this.axios.interceptors.request.use((config) => {
      const signal = signals.getStore();
      if (signal !== undefined) config.signal = signal;
      return config;
    });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<ResponseModule.default<TData>> {
    return super.request({ ...opts, uri: this.rewrite(opts.uri) });
  }

  private rewrite(uri: string): string {
    if (this.base === undefined) return uri;
    const url = new URL(uri);
    if (url.hostname !== "twilio.com" && !url.hostname.endsWith(".twilio.com")) return uri;
    const prefix = this.base.pathname.replace(/\/+$/, "");
    return `${this.base.origin}${prefix}${url.pathname}${url.search}`;
  }
}

/**
 * Runs one SDK call so that `signal` cancels it: the returned promise rejects with `signal.reason` as
 * soon as the signal aborts (whatever client is in use), and with {@link PrecinctRequestClient} the HTTP
 * request itself is aborted too.
 */
export function callTwilio<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  if (signal === undefined) return call();
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = signals.run(signal, call);
    } catch (error) {
      // The SDK checks required parameters synchronously.
      pending = Promise.reject(error);
    }
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
