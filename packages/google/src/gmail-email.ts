/**
 * The Gmail {@link EmailTransportV1}: builds an RFC 5322 message per email and sends it with googleapis'
 * `users.messages.send` as the authenticated mailbox.
 *
 * Gmail has no signed event webhook and no suppressions API, so the transport offers neither
 * `verifyWebhook`/`parseEvents` nor `suppressions`: bounces arrive as mail (delivery status notifications)
 * in the sending mailbox, and replies to `List-Unsubscribe` go to the one-click URL in the message.
 *
 * @module
 */

import {
  type EmailMessageResult,
  type EmailSendResult,
  type EmailTransportV1,
  InvalidInputError,
  type OperationOptions,
  type OutboundEmailBatch,
  PrecinctError,
  ProviderError,
} from "@precinct/core";
import { GmailSentMessage } from "./gmail-api.js";
import { isMessageRejection, mapGmailError } from "./gmail-error.js";
import { buildMimeMessage, toBase64Url } from "./gmail-mime.js";
import type { GmailClient } from "./google-client.js";
import type { GoogleAuthClient, ResolvedGmailOptions } from "./google-options.js";

/** The Gmail email transport: {@link EmailTransportV1} with `send` only. */
export interface GmailEmailTransport extends EmailTransportV1 {
  /** Always `gmail`. */
  readonly provider: "gmail";
  /** The most messages one `send()` takes (option `maxBatchSize`, default 1). */
  readonly maxBatchSize: number;
  /** The mailbox a service account sends as; `undefined` with OAuth2 or an injected client. */
  readonly mailbox: string | undefined;
  /**
   * Always true: a message's `substitutions` are applied to its subject, HTML and text before it is
   * built. Gmail takes one message per request either way, so this only spares the engine a rendering path.
   */
  readonly supportsSubstitutions: true;
  /**
   * Sends each message of the batch with its own `users.messages.send` request, one after another, in
   * order. Each message is built as RFC 5322 (see {@link buildMimeMessage}); `from` must be the mailbox or
   * one of its verified send-as aliases, or Gmail rewrites it to the mailbox's address.
   *
   * Per-message results:
   * - `accepted` with Gmail's message id as `providerId`;
   * - `rejected` with an `InvalidInputError` when the message cannot be built safely (header injection, a
   *   malformed address, no body), without a request;
   * - `rejected` with a `ProviderError` when Gmail refuses that message (HTTP 400: `invalid_recipient`
   *   for "Invalid To header", else `provider`).
   *
   * A failure of the request itself (auth, rate limit, 5xx, network) throws the mapped `ProviderError`
   * when no message of the batch was accepted yet. After one was, throwing would make a retry send it
   * twice, so the batch stops instead: the failing message and the ones not yet sent come back
   * `rejected` with that error, whose `isRetryable` says whether they may be sent again.
   *
   * @throws {@link InvalidInputError} for an empty batch or one larger than `maxBatchSize`.
   * @throws {@link ProviderError} for a request failure before any message was accepted.
   */
  send(batch: OutboundEmailBatch, options?: OperationOptions): Promise<EmailSendResult>;
}

/** @internal What `provider.gmail()` hands the transport. */
export interface GmailTransportContext {
  /** The googleapis Gmail client. */
  readonly gmail: GmailClient;
  /** The auth client `gmail` uses, to fetch the token ahead of a cancellable send. */
  readonly auth: GoogleAuthClient;
  /** Where to send Gmail API calls instead of `https://gmail.googleapis.com/`. */
  readonly rootUrl: string | undefined;
  /** The validated `gmail()` options. */
  readonly options: ResolvedGmailOptions;
}

/** @internal Creates the transport; use `createGoogle(settings).gmail(options)`. */
export function createGmailTransport(context: GmailTransportContext): GmailEmailTransport {
  const { gmail, auth, rootUrl, options } = context;
  const clock = options.clock ?? (() => new Date());

  const sendOne = async (raw: string, signal: AbortSignal | undefined): Promise<string> => {
    // Retries are the dispatcher's job: it knows the message's history and the campaign's pace. The signal
    // is not handed to gaxios: its node-fetch turns the abort of a request with a body into an uncaught
    // stream error, which would crash the process. `withSignal` stops the waiting instead.
    if (signal !== undefined) {
      // Get the token first, so an abort while it is being fetched stops before the message goes out.
      await withSignal(signal, () => auth.getRequestHeaders());
      signal.throwIfAborted();
    }
    const response = await withSignal(signal, () =>
      gmail.users.messages.send(
        { userId: "me", requestBody: { raw } },
        { retry: false, ...(rootUrl !== undefined ? { rootUrl } : {}) },
      ),
    );
    const parsed = GmailSentMessage.safeParse(response.data);
    if (!parsed.success) {
      throw new ProviderError({
        provider: "gmail",
        message:
          "Gmail answered the send without a message id; the message may or may not have gone out. Check the mailbox's Sent folder before sending it again.",
        isRetryable: false,
        statusCode: response.status,
        details: { operation: "send" },
        cause: parsed.error,
      });
    }
    return parsed.data.id;
  };

  return {
    specificationVersion: "v1",
    provider: "gmail",
    maxBatchSize: options.maxBatchSize,
    mailbox: options.mailbox,
    supportsSubstitutions: true,

    async send(batch, operation) {
      const signal = operation?.signal;
      signal?.throwIfAborted();
      const messages = batch?.messages;
      if (!Array.isArray(messages) || messages.length === 0) {
        throw new InvalidInputError({
          field: "messages",
          value: messages,
          reason: "must be a non-empty array",
        });
      }
      if (messages.length > options.maxBatchSize) {
        throw new InvalidInputError({
          field: "messages",
          value: `${messages.length} messages`,
          reason: `at most ${options.maxBatchSize} per batch (maxBatchSize)`,
        });
      }

      const results: EmailMessageResult[] = [];
      let accepted = 0;
      for (const [index, message] of messages.entries()) {
        const idempotencyKey = message.idempotencyKey;
        let raw: string;
        try {
          raw = toBase64Url(
            buildMimeMessage(message, {
              date: clock(),
              ...(options.messageIdDomain !== undefined ? { messageIdDomain: options.messageIdDomain } : {}),
            }),
          );
        } catch (error) {
          if (!PrecinctError.isInstance(error)) throw error;
          results.push({ status: "rejected", idempotencyKey, error });
          continue;
        }
        try {
          const providerId = await sendOne(raw, signal);
          results.push({ status: "accepted", idempotencyKey, providerId });
          accepted += 1;
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          const mapped = mapGmailError(error, "send");
          if (isMessageRejection(mapped)) {
            results.push({ status: "rejected", idempotencyKey, error: mapped });
            continue;
          }
          if (accepted === 0) throw mapped;
          for (const unsent of messages.slice(index)) {
            results.push({ status: "rejected", idempotencyKey: unsent.idempotencyKey, error: mapped });
          }
          break;
        }
      }
      return { results };
    },
  };
}

/**
 * Runs one SDK call so that `signal` cancels it: the promise rejects with `signal.reason` as soon as the
 * signal aborts, also while the auth client is still fetching a token. A request already on the wire is
 * left to finish and its outcome ignored (Gmail may have taken the message anyway).
 */
function withSignal<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  if (signal === undefined) return call();
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    call()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", onAbort));
  });
}
