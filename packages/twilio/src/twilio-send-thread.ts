/**
 * `messages.create` on a worker thread (`provider.sms({ sendThread: true })`).
 *
 * A send through the twilio SDK costs about 0.3–0.5 ms of CPU (request building, axios, the HTTP client,
 * response parsing), which is more than the engine's own work per message. On the thread that also runs
 * the dispatcher, the gate and the database, the two add up; with the SDK on a worker thread they run side
 * by side on two cores. The handover and a second SDK client cost CPU of their own (about 200 µs a message
 * on the benchmark machine), so throughput gains less than the calling thread saves. The worker holds its own SDK client, built from the same credentials and base URL;
 * the main thread keeps validation, error mapping and the parsing of Twilio's answer, so a send behaves the
 * same either way.
 *
 * Sends are handed over in batches (every send started before the calling code next yields goes in one
 * message); the worker starts them one per turn of its event loop, so each request is on the wire before the
 * next is built, and answers come back in batches (every answer the worker has when it next yields).
 *
 * @internal
 * @module
 */

import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { ownBundleUrl, ProviderError } from "@precinct/core";
import Twilio from "twilio";
import type { TwilioMessageCreateParams } from "./twilio-options.js";
import { callTwilio, PrecinctRequestClient } from "./twilio-request-client.js";

/** Marks a worker started by this module (the bundle is loaded by other workers too). */
const TAG = "precinct-twilio-send-thread";

/** What the worker needs to build its own SDK client. */
export interface SendThreadCredentials {
  /** The account sid (`AC…`). */
  readonly accountSid: string;
  /** The Basic-auth user: the account sid or an API key sid. */
  readonly username: string;
  /** The Basic-auth password: the auth token or the API key's secret. */
  readonly password: string;
  /** The origin every request goes to instead of Twilio's (tests, benchmarks, proxies). */
  readonly baseUrl: string | undefined;
}

/** The fields of Twilio's answer that the transport reads. */
export interface SendThreadReply {
  readonly sid: unknown;
  readonly status: unknown;
  readonly numSegments: unknown;
}

/**
 * An error from the worker, as plain data: the fields `mapTwilioError` reads (the SDK's `RestException`,
 * a Node socket error, an axios error with or without a response).
 */
interface CarriedError {
  readonly name: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

interface Job {
  readonly tag: typeof TAG;
  readonly credentials: SendThreadCredentials;
}

/** One send handed to the worker. */
interface SendRequest {
  readonly id: number;
  readonly params: TwilioMessageCreateParams;
  readonly abortable: boolean;
}

type ToWorker = { readonly sends: readonly SendRequest[] } | { readonly abort: number };

type Answer =
  | { readonly id: number; readonly reply: SendThreadReply }
  | { readonly id: number; readonly error: CarriedError };

/** The module a worker runs, and the flags it needs (tests run the TypeScript sources under tsx). */
export interface SendThreadScript {
  readonly url: URL;
  readonly execArgv?: readonly string[];
}

let script: SendThreadScript | null | undefined;

/**
 * @internal Sets the module send threads run (tests point it at the sources); `undefined` goes back to the
 * package's own bundle.
 */
export function setSendThreadScript(value: SendThreadScript | undefined): void {
  script = value;
}

/** The package's built bundle, when this code is running from it; else null. */
function defaultScript(): SendThreadScript | null {
  const url = ownBundleUrl(import.meta.url, "@precinct/twilio");
  return url === null ? null : { url };
}

/** @internal Whether a send thread can be started here (false when running from sources without a script). */
export function sendThreadAvailable(): boolean {
  if (script === undefined) script = defaultScript();
  return script !== null;
}

interface Pending {
  readonly resolve: (reply: SendThreadReply) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The main thread's side: starts the worker (ahead of the first send with {@link SendThread.warm}, else on
 * it), batches sends to it, and settles each
 * send's promise with the worker's answer. The worker keeps the process alive only while sends are in
 * flight.
 */
export class SendThread {
  readonly #credentials: SendThreadCredentials;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #batch: SendRequest[] = [];
  #closed = false;

  /** @param credentials - What the worker builds its SDK client from. */
  constructor(credentials: SendThreadCredentials) {
    this.#credentials = credentials;
  }

  /**
   * Sends `params` with `messages.create` on the worker. Resolves with Twilio's answer; rejects with an
   * `Error` that carries the SDK's error fields (for `mapTwilioError`), or with `signal.reason`.
   */
  send(params: TwilioMessageCreateParams, signal: AbortSignal | undefined): Promise<SendThreadReply> {
    if (this.#closed) {
      return Promise.reject(
        new ProviderError({
          provider: "twilio",
          message: "The Twilio SMS transport was closed; create a new one to send.",
          isRetryable: false,
          details: { operation: "send", failureReason: "provider" },
        }),
      );
    }
    signal?.throwIfAborted();
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<SendThreadReply>((resolve, reject) => {
      if (signal === undefined) {
        this.#pending.set(id, { resolve, reject });
      } else {
        const onAbort = () => {
          if (!this.#pending.delete(id)) return;
          this.#settled(worker);
          // Not handed over yet: it never will be. Else the worker aborts the request it started.
          const queued = this.#batch.findIndex((send) => send.id === id);
          if (queued >= 0) this.#batch.splice(queued, 1);
          else worker.postMessage({ abort: id } satisfies ToWorker);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        const done = () => signal.removeEventListener("abort", onAbort);
        this.#pending.set(id, {
          resolve: (reply) => {
            done();
            resolve(reply);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        });
      }
      if (this.#pending.size === 1) worker.ref();
      if (this.#batch.length === 0) queueMicrotask(() => this.#flush());
      this.#batch.push({ id, params, abortable: signal !== undefined });
    });
  }

  /**
   * Starts the worker now, ahead of the first send: loading the SDK on it takes a good part of a second, which
   * then overlaps the campaign's launch instead of holding up its first messages. The worker keeps no process
   * alive while no send is in flight. A worker that dies at start-up is replaced at the next send.
   */
  warm(): void {
    if (!this.#closed) this.#start();
  }

  /** Stops the worker. Sends still in flight reject; their messages may or may not have been taken. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#lost(worker, "closed");
    await worker.terminate();
  }

  /**
   * Forgets `worker` and rejects every send in flight on it. An "exit" after an "error" or a close finds
   * another worker, or none, in place: nothing is left to do then.
   */
  #lost(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#batch = [];
    for (const { reject } of pending) {
      // The request may have reached Twilio, which takes no idempotency key: not retryable.
      reject(
        new ProviderError({
          provider: "twilio",
          message: `The Twilio send thread stopped (${reason}) while the message was in flight; it may or may not have been taken. Check the Twilio Console before sending it again.`,
          isRetryable: false,
          details: { operation: "send", failureReason: "provider" },
        }),
      );
    }
  }

  #flush(): void {
    const sends = this.#batch;
    this.#batch = [];
    if (sends.length === 0) return;
    this.#worker?.postMessage({ sends } satisfies ToWorker);
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    if (!sendThreadAvailable()) {
      throw new ProviderError({
        provider: "twilio",
        message:
          "No worker script for the Twilio send thread: sendThread needs @precinct/twilio's built bundle (dist/index.js).",
        isRetryable: false,
        details: { operation: "send", failureReason: "provider" },
      });
    }
    const { url, execArgv } = script as SendThreadScript;
    const worker = new Worker(url, {
      workerData: { tag: TAG, credentials: this.#credentials } satisfies Job,
      ...(execArgv !== undefined ? { execArgv: [...execArgv] } : {}),
    });
    worker.unref();
    worker.on("message", (answers: readonly Answer[]) => {
      for (const answer of answers) {
        const pending = this.#pending.get(answer.id);
        if (pending === undefined) continue;
        this.#pending.delete(answer.id);
        if ("reply" in answer) pending.resolve(answer.reply);
        else pending.reject(revive(answer.error));
      }
      this.#settled(worker);
    });
    worker.on("error", (error) => this.#lost(worker, error.message));
    worker.on("exit", (code) => this.#lost(worker, `exit code ${code}`));
    this.#worker = worker;
    return worker;
  }

  /** Lets the process exit once nothing is in flight. */
  #settled(worker: Worker): void {
    if (this.#pending.size === 0) worker.unref();
  }
}

/** Rebuilds a worker's error so that `mapTwilioError` reads it as it would the original. */
function revive(carried: CarriedError): Error {
  const error = new Error(carried.message);
  error.name = carried.name;
  return Object.assign(error, carried.fields);
}

/** The fields of an error `mapTwilioError` reads, as structured-clonable data. */
function carry(error: unknown): CarriedError {
  if (typeof error !== "object" || error === null) {
    return { name: "Error", message: String(error), fields: {} };
  }
  const record = error as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const key of ["status", "code", "moreInfo", "more_info", "detail", "title", "isAxiosError"]) {
    const value = record[key];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      fields[key] = value;
    }
  }
  if (record.isAxiosError === true) {
    const response = record.response as Record<string, unknown> | null | undefined;
    fields.response =
      typeof response === "object" && response !== null
        ? { status: response.status, data: plainData(response.data) }
        : null;
  }
  const name = typeof record.name === "string" ? record.name : "Error";
  const message = typeof record.message === "string" ? record.message : String(error);
  return { name, message, fields };
}

/** A response body reduced to what survives structured cloning (JSON data). */
function plainData(data: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(data ?? null));
  } catch {
    return null;
  }
}

/** The worker's side: one SDK client, every send started at once, answers batched per turn. */
function runWorker(job: Job): void {
  const port = parentPort;
  if (port === null) return;
  const { credentials } = job;
  const client = Twilio(credentials.username, credentials.password, {
    accountSid: credentials.accountSid,
    autoRetry: false,
    httpClient: new PrecinctRequestClient(credentials.baseUrl),
  });
  const controllers = new Map<number, AbortController>();
  let answers: Answer[] = [];
  const answer = (value: Answer) => {
    if (answers.length === 0) setImmediate(flush);
    answers.push(value);
  };
  const flush = () => {
    const batch = answers;
    answers = [];
    port.postMessage(batch);
  };
  const start = ({ id, params, abortable }: SendRequest) => {
    const controller = abortable ? new AbortController() : undefined;
    if (controller !== undefined) controllers.set(id, controller);
    callTwilio(controller?.signal, () => client.messages.create(params)).then(
      (created) => {
        if (controller !== undefined) controllers.delete(id);
        answer({
          id,
          reply: { sid: created.sid, status: created.status, numSegments: created.numSegments },
        });
      },
      (error: unknown) => {
        if (controller !== undefined) controllers.delete(id);
        answer({ id, error: carry(error) });
      },
    );
  };
  // Sends not started yet, oldest first. One starts per turn of the event loop, so its request is on the
  // wire before the next is built: started all at once, the last of a batch of 8 waited for the other 7 to
  // be built (about 0.1 ms each) while the server — and the engine behind it — had nothing to do.
  const waiting: SendRequest[] = [];
  let pacing = false;
  const next = () => {
    const send = waiting.shift();
    if (send === undefined) {
      pacing = false;
      return;
    }
    start(send);
    setImmediate(next);
  };
  port.on("message", (message: ToWorker) => {
    if ("abort" in message) {
      // The caller was answered when it aborted. A send not started yet never starts.
      const queued = waiting.findIndex((send) => send.id === message.abort);
      if (queued >= 0) waiting.splice(queued, 1);
      else controllers.get(message.abort)?.abort(new Error("aborted by the sender"));
      return;
    }
    waiting.push(...message.sends);
    if (!pacing) {
      pacing = true;
      next();
    }
  });
}

if (!isMainThread && (workerData as Partial<Job> | null)?.tag === TAG) {
  runWorker(workerData as Job);
}
