/**
 * The HTTP client Precinct hands the twilio SDK (its documented `httpClient` option). It adds the two things
 * the SDK's methods cannot take per call — an origin rewrite (`baseUrl`: tests, benchmarks, proxies) and
 * cancellation (`OperationOptions.signal`) — and makes the request itself on `node:http`/`node:https`.
 *
 * The SDK's own `RequestClient` sends through axios, whose configuration merging, header objects and
 * transforms cost about as much CPU per text as the rest of the SDK call together (measured in
 * `pnpm bench texting`). A Messages API call needs none of it: a form-encoded POST with Basic auth and a JSON
 * answer. So this client builds that request directly and returns the answer's text, which the SDK parses
 * exactly as it parses axios's (`Version.create`, `RestException` and `TwilioServiceException` all take a
 * string body). What axios did for the stock client and this one does not do itself — following redirects,
 * `HTTP_PROXY`, debug logging, bodies that are not flat forms — goes through the SDK's stock path instead
 * (see {@link PrecinctRequestClient.request}), so nothing the stock client supports is lost.
 *
 * The SDK's `messages.create(params)` has no place for an `AbortSignal`, so the signal travels in an
 * `AsyncLocalStorage` around the call ({@link callTwilio}) and the client hands it to the request.
 *
 * @internal
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
// The modules' own objects, read at call time: request interceptors (msw in tests, APM agents) patch
// `request` on them, which an ESM namespace import would not see.
import http from "node:http";
import https from "node:https";
import Twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type * as ResponseModule from "twilio/lib/http/response.js";

const signals = new AsyncLocalStorage<AbortSignal>();

/** The SDK's defaults, kept: a 30 s timeout and 20 sockets per host. */
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_SOCKETS = 20;

/** The options of the SDK's `RequestClient` constructor. */
type RequestClientOptions = NonNullable<ConstructorParameters<typeof Twilio.RequestClient>[0]>;

/**
 * An answer as the SDK's `Response` holds it, with the body as text. The SDK types a response's body with
 * the request's data type, which no answer has; every reader of it (`Version`, `RestException`,
 * `TwilioServiceException`) accepts text, as it accepts axios's parsed JSON.
 */
class TextResponse<TData> implements ResponseModule.default<TData> {
  constructor(
    readonly statusCode: number,
    readonly body: TData,
    readonly headers: http.IncomingHttpHeaders,
  ) {}

  toString(): string {
    return `HTTP ${this.statusCode} ${String(this.body)}`;
  }
}

/**
 * A request that got no (whole) answer: the connection failed, broke, or timed out. Its `code` is the socket
 * error's own (`ECONNREFUSED`, `ECONNRESET`, ...) or, when the failure carries none, `ERR_NETWORK` (axios's
 * word for the same), so the error mapping reads it as "no response" either way; the original is the `cause`.
 */
class NoResponseError extends Error {
  readonly code: string;

  constructor(cause: unknown) {
    const record = (typeof cause === "object" && cause !== null ? cause : {}) as { code?: unknown };
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "NoResponseError";
    this.code = typeof record.code === "string" && record.code !== "" ? record.code : "ERR_NETWORK";
  }
}

/** An error for a request that got no answer in time, shaped as axios shapes it (`ECONNABORTED`). */
class RequestTimeoutError extends Error {
  readonly code = "ECONNABORTED";

  constructor(ms: number) {
    super(`timeout of ${ms}ms exceeded`);
    this.name = "RequestTimeoutError";
  }
}

/**
 * A `RequestClient` that sends requests for any `*.twilio.com` host to `baseUrl` (path and query kept),
 * aborts the HTTP request when the signal of the surrounding {@link callTwilio} aborts, and makes plain
 * form and JSON requests without axios (see the module notes).
 */
export class PrecinctRequestClient extends Twilio.RequestClient {
  private readonly base: URL | undefined;
  private readonly timeoutMs: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /** Set when the environment names a proxy: every request then takes the SDK's stock path. */
  private readonly proxied: boolean;

  /**
   * @param baseUrl - The origin (optionally with a path prefix) to send every request to instead of Twilio.
   * @param options - The SDK's `RequestClient` options (timeout, keep-alive, socket limits, `ca`); the
   *   requests this client makes itself honour `timeout`, `keepAlive`, `keepAliveMsecs`, `maxSockets`,
   *   `maxTotalSockets`, `maxFreeSockets`, `scheduling` and `ca` (or `TWILIO_CA_BUNDLE`) as the SDK's do,
   *   except that `maxFreeSockets` defaults to `maxSockets` (the SDK's default is 5): idle sockets are kept
   *   for the next wave of sends rather than closed and reopened.
   */
  constructor(baseUrl?: string, options: RequestClientOptions = {}) {
    super(options);
    this.base = baseUrl === undefined ? undefined : new URL(baseUrl);
    this.timeoutMs = options.timeout || DEFAULT_TIMEOUT_MS;
    this.proxied = Boolean(process.env.HTTP_PROXY);
    const ca =
      options.ca ??
      (process.env.TWILIO_CA_BUNDLE !== undefined ? readFileSync(process.env.TWILIO_CA_BUNDLE) : undefined);
    const agentOptions: https.AgentOptions = {
      keepAlive: options.keepAlive !== false,
      ...(options.keepAliveMsecs !== undefined ? { keepAliveMsecs: options.keepAliveMsecs } : {}),
      maxSockets: options.maxSockets || DEFAULT_MAX_SOCKETS,
      ...(options.maxTotalSockets !== undefined ? { maxTotalSockets: options.maxTotalSockets } : {}),
      // Every socket the pool opened stays open while idle (the SDK keeps 5). The dispatcher sends in waves
      // of its concurrency: with 8 in flight and 5 kept, each wave closed 3 connections and opened 3 more,
      // a new TCP and TLS handshake with Twilio every few messages. An idle socket still closes after
      // `timeout`, and never keeps the process alive.
      maxFreeSockets: options.maxFreeSockets || options.maxSockets || DEFAULT_MAX_SOCKETS,
      ...(options.scheduling !== undefined ? { scheduling: options.scheduling } : {}),
      timeout: this.timeoutMs,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent({ ...agentOptions, ...(ca !== undefined ? { ca } : {}) });
    // The stock path (redirects, proxies, debug logs) cancels through axios.
    this.axios.interceptors.request.use((config) => {
      const signal = signals.getStore();
      if (signal !== undefined) config.signal = signal;
      return config;
    });
  }

  /**
   * Makes one request for the SDK. Flat form and JSON requests are made here; a request that asks to follow
   * redirects or to log, one with a body that is not a flat form, and every request while `HTTP_PROXY` is
   * set take the SDK's stock (axios) path, rewritten to `baseUrl` the same way.
   *
   * @param opts - What the SDK asks for: method, URI, credentials or auth strategy, headers, query, body.
   * @returns The answer's status, text and headers; the SDK parses the text.
   */
  override async request<TData>(
    opts: RequestClient.RequestOptions<TData>,
  ): Promise<ResponseModule.default<TData>> {
    const uri = this.rewrite(opts.uri);
    const contentType = opts.headers?.["Content-Type"];
    const body =
      opts.data === undefined || opts.data === null
        ? ""
        : contentType === "application/json"
          ? JSON.stringify(opts.data)
          : contentType === "application/x-www-form-urlencoded"
            ? formEncode(opts.data)
            : undefined;
    const query = opts.params === undefined || opts.params === null ? "" : formEncode(opts.params);
    if (
      this.proxied ||
      opts.allowRedirects ||
      opts.logLevel === "debug" ||
      body === undefined ||
      query === undefined
    ) {
      return super.request({ ...opts, uri });
    }
    const headers: Record<string, string> = { ...opts.headers };
    if (!headers.Connection && !headers.connection) headers.Connection = "keep-alive";
    if (opts.username && opts.password) {
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
    } else if (opts.authStrategy) {
      headers.Authorization = await opts.authStrategy.getAuthString();
    }
    // A request with a body, even an empty one (an update without parameters), says how long it is.
    if (opts.data !== undefined && opts.data !== null)
      headers["Content-Length"] = String(Buffer.byteLength(body));
    const url = new URL(uri);
    if (query !== "") url.search = url.search ? `${url.search}&${query}` : query;
    const answer = await this.send<TData>(url, opts.method.toUpperCase(), headers, body, opts.timeout);
    // The stock client keeps the last answer for callers that inspect it; so does this one.
    this.lastResponse = answer;
    return answer;
  }

  private send<TData>(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string,
    timeout: number | undefined,
  ): Promise<TextResponse<TData>> {
    const ms = timeout || this.timeoutMs;
    const secure = url.protocol === "https:";
    const signal = signals.getStore();
    return new Promise((resolve, reject) => {
      // An abort stays what it is (callTwilio has already answered with the signal's reason); anything else
      // before the answer's end means no answer.
      const fail = (error: unknown) =>
        reject(
          error instanceof RequestTimeoutError || (error instanceof Error && error.name === "AbortError")
            ? error
            : new NoResponseError(error),
        );
      const request = (secure ? https : http).request(
        url,
        {
          method,
          headers,
          agent: secure ? this.httpsAgent : this.httpAgent,
          timeout: ms,
          ...(signal !== undefined ? { signal } : {}),
        },
        (response) => {
          response.setEncoding("utf8");
          let text = "";
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          // The text stands where the SDK's type says TData (see TextResponse).
          response.on("end", () =>
            resolve(new TextResponse(response.statusCode ?? 0, text as unknown as TData, response.headers)),
          );
          response.on("error", fail);
        },
      );
      request.on("timeout", () => request.destroy(new RequestTimeoutError(ms)));
      request.on("error", fail);
      request.end(body === "" ? undefined : body);
    });
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
 * Form-encodes a flat record as the SDK's stock client does (`qs`, `arrayFormat: "repeat"`): an array
 * repeats its key, `undefined` is left out, `null` is an empty value. Returns `undefined` for a nested
 * object, which only the stock path encodes.
 */
function formEncode(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  try {
    return formPairs(data);
  } catch {
    // A lone surrogate, which encodeURIComponent refuses: the stock path decides what to do with it.
    return undefined;
  }
}

/** `qs` (RFC 3986) escapes these; encodeURIComponent leaves them. */
const RESERVED = /[!'()*]/g;

function formComponent(text: string): string {
  return encodeURIComponent(text).replace(RESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function formPairs(data: object): string | undefined {
  const parts: string[] = [];
  const add = (key: string, value: unknown): boolean => {
    if (value === undefined) return true;
    if (value !== null && typeof value === "object") return false;
    const text = value === null ? "" : value instanceof Date ? value.toISOString() : String(value);
    parts.push(`${formComponent(key)}=${formComponent(text)}`);
    return true;
  };
  for (const [key, value] of Object.entries(data)) {
    if (Array.isArray(value)) {
      for (const item of value) if (!add(key, item)) return undefined;
    } else if (!add(key, value)) {
      return undefined;
    }
  }
  return parts.join("&");
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
