/**
 * The SendGrid {@link EmailTransportV1}: sends batches through `@sendgrid/mail` with up to 1000
 * personalizations per request, verifies the Signed Event Webhook with `@sendgrid/eventwebhook`, parses
 * events, and streams the suppression lists through `@sendgrid/client`.
 *
 * @module
 */

import { randomUUID } from "node:crypto";
import {
  type EmailEvent,
  type EmailMessageResult,
  type EmailSendResult,
  type EmailTransportV1,
  InvalidInputError,
  type NamedEmailAddress,
  type OperationOptions,
  type OutboundEmail,
  type OutboundEmailBatch,
  type PrecinctError,
  ProviderError,
  type Suppression,
  type SuppressionReason,
  tryNormalizeEmail,
  type WebhookRequest,
} from "@precinct/core";
import type { MailDataRequired, MailService } from "@sendgrid/mail";
import {
  isRecipientField,
  mapSendGridError,
  type SendGridFieldError,
  sendGridHttpFailure,
} from "./sendgrid-error.js";
import {
  createEventWebhookVerifier,
  PRECINCT_MESSAGE_ID_ARG,
  parseSendGridEvents,
  SENDGRID_EVENT_FIELDS,
} from "./sendgrid-events.js";
import type { ResolvedSendGridEmailOptions, SendGridClient } from "./sendgrid-options.js";

/** SendGrid's limit: personalizations (and recipients) per `/v3/mail/send` request. */
export const SENDGRID_MAX_PERSONALIZATIONS = 1000;

/** SendGrid's limit on the custom args, and on the substitutions, of one personalization, in bytes. */
export const SENDGRID_MAX_PERSONALIZATION_BYTES = 10_000;

/** SendGrid's limit on categories per message. */
export const SENDGRID_MAX_CATEGORIES = 10;

/** The page size used for the suppression lists (SendGrid's maximum). */
const SUPPRESSION_PAGE_SIZE = 500;

/** How many times one request is resent without the personalizations SendGrid named in a 400. */
const MAX_ISOLATION_ROUNDS = 3;

/** Headers SendGrid refuses in `headers` (it sets them itself). Lowercase. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "x-sg-id",
  "x-sg-eid",
  "received",
  "dkim-signature",
  "content-type",
  "content-transfer-encoding",
  "to",
  "from",
  "subject",
  "reply-to",
  "cc",
  "bcc",
]);

/** An RFC 7230 header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The suppression list endpoints, by the reason Precinct calls them. */
const SUPPRESSION_PATHS: Readonly<Record<Exclude<SuppressionReason, "group_unsubscribe">, string>> = {
  bounce: "/v3/suppression/bounces",
  block: "/v3/suppression/blocks",
  spamreport: "/v3/suppression/spam_reports",
  unsubscribe: "/v3/suppression/unsubscribes",
  invalid: "/v3/suppression/invalid_emails",
};

/** The SendGrid email transport: {@link EmailTransportV1} with every optional capability SendGrid offers. */
export interface SendGridEmailTransport extends EmailTransportV1 {
  /** Always `sendgrid`. */
  readonly provider: "sendgrid";
  /** 1000: SendGrid's personalizations per request. */
  readonly maxBatchSize: number;
  /**
   * True: messages may carry `substitutions` (tags in a shared subject/body replaced per recipient by
   * SendGrid), so personalized mail still goes 1000 recipients per request.
   */
  readonly supportsSubstitutions: true;
  /**
   * Sends a batch in as few `/v3/mail/send` requests as possible: messages with the same sender,
   * reply-to, HTML, text and categories share one request, one personalization each, carrying the
   * recipient, the subject when it differs, the message's headers (`List-Unsubscribe`, ...), its
   * `substitutions`, and its `customArgs` plus {@link PRECINCT_MESSAGE_ID_ARG} = `idempotencyKey`.
   *
   * - Every accepted message's `providerId` is the request's `X-Message-Id`, shared by the messages of one
   *   request; events carry it as the prefix of `sg_message_id`, and the message's own id in
   *   `customArgs.precinct_message_id`.
   * - A message SendGrid would refuse (a malformed address, no content, a reserved header, custom args or
   *   substitutions over 10,000 bytes, more than 10 categories) comes back `rejected` with an
   *   `InvalidInputError` naming the field, without a request.
   * - When SendGrid answers 400 naming personalizations, those messages come back `rejected` and the
   *   request is sent again without them (up to three times). A 400 or 413 about the shared content
   *   rejects that request's messages.
   * - A failure of the whole request (401, 403, 429, 5xx, no response) throws, retryable or not, when no
   *   message of the batch has been accepted yet; after that, the remaining messages come back `rejected`
   *   with that error, so only they are retried.
   *
   * @throws {@link InvalidInputError} for an empty batch or more than {@link SendGridEmailTransport.maxBatchSize} messages.
   */
  send(batch: OutboundEmailBatch, options?: OperationOptions): Promise<EmailSendResult>;
  /** Parses SendGrid's Event Webhook body. See {@link parseSendGridEvents}. */
  parseEvents(request: WebhookRequest): EmailEvent[];
  /**
   * Checks `X-Twilio-Email-Event-Webhook-Signature` (ECDSA P-256, SHA-256) over
   * `X-Twilio-Email-Event-Webhook-Timestamp` + the exact raw body with `@sendgrid/eventwebhook`. False
   * when a header is missing, the timestamp is older than `maxEventAgeSeconds` or more than 60 s ahead,
   * or the signature does not match. Present only when an `eventWebhookPublicKey` is configured.
   */
  verifyWebhook?(request: WebhookRequest): boolean;
  /**
   * Streams the configured suppression lists (bounces, blocks, spam reports, global unsubscribes,
   * invalid emails, then unsubscribe-group suppressions), 500 per page, those created at or after `since`
   * (to the second) when given.
   */
  suppressions(since?: Date, options?: OperationOptions): AsyncIterable<Suppression>;
}

/** @internal What `provider.email()` hands the transport. */
export interface SendGridEmailContext {
  /** A `MailService` of its own (never the SDK's shared singleton). */
  readonly mail: MailService;
  /** The client `mail` sends through, for the other endpoints. */
  readonly client: SendGridClient;
  readonly options: ResolvedSendGridEmailOptions;
}

interface Entry {
  /** The message's position in the batch. */
  readonly index: number;
  readonly message: OutboundEmail;
  /** `html`/`text` when non-empty. */
  readonly html: string | undefined;
  readonly text: string | undefined;
}

/** Messages that can share one request: same sender, reply-to, content and categories. */
interface Group {
  readonly entries: Entry[];
}

/** @internal Creates the transport; use `createSendGrid(settings).email(options)`. */
export function createSendGridEmailTransport(context: SendGridEmailContext): SendGridEmailTransport {
  const { mail, client, options } = context;
  const verifier =
    options.eventWebhookPublicKey === undefined
      ? undefined
      : createEventWebhookVerifier(options.eventWebhookPublicKey, options.maxEventAgeSeconds, options.now);

  const mailData = (entries: readonly Entry[]): MailDataRequired => {
    const first = entries[0]!;
    const { from, replyTo, categories } = first.message;
    const subject = first.message.subject;
    return {
      from: address(from),
      ...(replyTo !== undefined ? { replyTo: address(replyTo) } : {}),
      subject,
      // The SDK puts text/plain before text/html, the order SendGrid requires.
      ...(first.text !== undefined ? { text: first.text } : {}),
      ...(first.html !== undefined ? { html: first.html } : {}),
      personalizations: entries.map(({ message }) => ({
        to: [address(message.to)],
        ...(message.subject !== subject ? { subject: message.subject } : {}),
        ...(message.headers !== undefined && Object.keys(message.headers).length > 0
          ? { headers: { ...message.headers } }
          : {}),
        customArgs: { ...message.customArgs, [PRECINCT_MESSAGE_ID_ARG]: message.idempotencyKey },
        ...(message.substitutions !== undefined && Object.keys(message.substitutions).length > 0
          ? { substitutions: { ...message.substitutions } }
          : {}),
      })),
      ...(categories !== undefined && categories.length > 0 ? { categories: [...categories] } : {}),
      ...(options.asmGroupId !== undefined ? { asm: { groupId: options.asmGroupId } } : {}),
      ...(options.ipPoolName !== undefined ? { ipPoolName: options.ipPoolName } : {}),
      ...(options.sandboxMode ? { mailSettings: { sandboxMode: { enable: true } } } : {}),
      // Substitution keys are the literal tags (`-givenName-`, `{{givenName}}`): no wrapping.
      substitutionWrappers: ["", ""],
      hideWarnings: true,
    } as MailDataRequired;
  };

  /**
   * Sends one group, resending without the personalizations a 400 names. Writes a result for every entry,
   * or throws a whole-request failure (leaving the unsent entries without results). True when some
   * message was accepted.
   */
  const sendGroup = async (
    group: Group,
    results: (EmailMessageResult | undefined)[],
    signal: AbortSignal | undefined,
  ): Promise<boolean> => {
    let pending = group.entries;
    for (let round = 0; pending.length > 0; round++) {
      let response: Awaited<ReturnType<MailService["send"]>>;
      try {
        const data = mailData(pending);
        response = await withSignal(signal, () => mail.send(data));
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const mapped = mapSendGridError(error, "send");
        const http = sendGridHttpFailure(error);
        if (http === undefined ? mapped.isRetryable : isRequestLevel(http.status)) throw mapped;
        // A refusal of this request's content: isolate the personalizations SendGrid names, if it names only those.
        const culprits = http === undefined ? undefined : personalizationErrors(http.errors, pending.length);
        if (culprits === undefined || round >= MAX_ISOLATION_ROUNDS) {
          for (const entry of pending) results[entry.index] = rejected(entry, mapped);
          return false;
        }
        for (const [position, errors] of culprits) {
          const entry = pending[position]!;
          results[entry.index] = rejected(entry, personalizationError(entry, errors, http!.status, error));
        }
        pending = pending.filter((_, position) => !culprits.has(position));
        continue;
      }
      const header = response[0]?.headers?.["x-message-id"] as unknown;
      const providerId =
        typeof header === "string" && header !== ""
          ? header
          : // Sandbox mode answers 200 without an id; nothing was sent, so a local id is honest.
            `${options.sandboxMode ? "sandbox" : "unknown"}-${randomUUID()}`;
      for (const entry of pending) {
        results[entry.index] = {
          status: "accepted",
          idempotencyKey: entry.message.idempotencyKey,
          providerId,
        };
      }
      return true;
    }
    return false;
  };

  const transport: SendGridEmailTransport = {
    specificationVersion: "v1",
    provider: "sendgrid",
    maxBatchSize: SENDGRID_MAX_PERSONALIZATIONS,
    supportsSubstitutions: true,

    async send(batch, operation) {
      const signal = operation?.signal;
      signal?.throwIfAborted();
      const messages = (batch as OutboundEmailBatch | undefined)?.messages;
      if (!Array.isArray(messages) || messages.length === 0) {
        throw new InvalidInputError({
          field: "messages",
          value: messages,
          reason: "must be a non-empty array",
        });
      }
      if (messages.length > SENDGRID_MAX_PERSONALIZATIONS) {
        throw new InvalidInputError({
          field: "messages",
          value: `${messages.length} messages`,
          reason: `SendGrid takes at most ${SENDGRID_MAX_PERSONALIZATIONS} per batch (maxBatchSize); split the batch`,
        });
      }
      const results: (EmailMessageResult | undefined)[] = new Array(messages.length);
      const groups = groupMessages(messages, results);
      let accepted = false;
      for (let g = 0; g < groups.length; g++) {
        try {
          if (await sendGroup(groups[g]!, results, signal)) accepted = true;
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          // Nothing went out: the caller may retry the whole batch.
          if (!accepted) throw error;
          // Part of the batch went out: the rest is reported with this error, so only it is retried.
          for (const rest of groups.slice(g)) {
            for (const entry of rest.entries) {
              results[entry.index] ??= rejected(entry, error as PrecinctError);
            }
          }
          break;
        }
      }
      return { results: results as EmailMessageResult[] };
    },

    parseEvents(request) {
      return parseSendGridEvents(request.rawBody);
    },

    async *suppressions(since, operation) {
      const signal = operation?.signal;
      const startTime = since === undefined ? undefined : Math.floor(since.getTime() / 1000);
      const get = async (url: string, qs?: Record<string, number>): Promise<unknown> => {
        signal?.throwIfAborted();
        try {
          const [, body] = await withSignal(signal, () =>
            client.request({ method: "GET", url, ...(qs !== undefined ? { qs } : {}) }),
          );
          return body;
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw mapSendGridError(error, "suppressions");
        }
      };
      for (const reason of options.suppressionLists) {
        if (reason === "group_unsubscribe") {
          // One unpaginated list across every unsubscribe group; filtered here, SendGrid takes no dates.
          const rows = asRows(await get("/v3/asm/suppressions"), "/v3/asm/suppressions");
          for (const row of rows) {
            const suppression = groupSuppression(row);
            if (suppression === undefined) continue;
            if (startTime !== undefined && suppression.createdAt.getTime() < startTime * 1000) continue;
            yield suppression;
          }
          continue;
        }
        const path = SUPPRESSION_PATHS[reason];
        for (let offset = 0; ; offset += SUPPRESSION_PAGE_SIZE) {
          const qs = {
            limit: SUPPRESSION_PAGE_SIZE,
            offset,
            ...(startTime !== undefined ? { start_time: startTime } : {}),
          };
          const rows = asRows(await get(path, qs), path);
          for (const row of rows) {
            const suppression = listSuppression(row, reason);
            if (suppression !== undefined) yield suppression;
          }
          if (rows.length < SUPPRESSION_PAGE_SIZE) break;
        }
      }
    },
  };

  if (verifier !== undefined) transport.verifyWebhook = (request) => verifier.verify(request);
  return transport;
}

/**
 * Validates every message (a rejection goes into `results`) and groups the valid ones by what one
 * request must share. Groups keep the batch order of their first message.
 */
function groupMessages(
  messages: readonly OutboundEmail[],
  results: (EmailMessageResult | undefined)[],
): Group[] {
  const groups: Group[] = [];
  // Candidates by a cheap signature; content is compared exactly within it (usually one shared string).
  const buckets = new Map<string, Group[]>();
  const keys = new Map<string, number>();
  const validAddresses = new Map<string, boolean>();
  const isAddress = (email: unknown): boolean => {
    if (typeof email !== "string") return false;
    let valid = validAddresses.get(email);
    if (valid === undefined) {
      valid = tryNormalizeEmail(email) !== undefined;
      validAddresses.set(email, valid);
    }
    return valid;
  };

  messages.forEach((message, index) => {
    const problem = invalidMessage(message, index, isAddress, keys);
    if (problem !== undefined) {
      results[index] = {
        status: "rejected",
        idempotencyKey: typeof message?.idempotencyKey === "string" ? message.idempotencyKey : "",
        error: problem,
      };
      return;
    }
    const html = nonEmpty(message.html);
    const text = nonEmpty(message.text);
    const entry: Entry = { index, message, html, text };
    const categories = message.categories ?? [];
    const signature = [
      message.from.email,
      message.from.name ?? "",
      message.replyTo?.email ?? "",
      message.replyTo?.name ?? "",
      categories.join("\u0001"),
      html?.length ?? -1,
      text?.length ?? -1,
    ].join("\u0000");
    let bucket = buckets.get(signature);
    if (bucket === undefined) {
      bucket = [];
      buckets.set(signature, bucket);
    }
    const group = bucket.find((candidate) => {
      const head = candidate.entries[0]!;
      return head.html === html && head.text === text;
    });
    if (group !== undefined) group.entries.push(entry);
    else {
      const created: Group = { entries: [entry] };
      bucket.push(created);
      groups.push(created);
    }
  });
  return groups;
}

/** What SendGrid would refuse about one message, checked before any request so one bad row fails alone. */
function invalidMessage(
  message: OutboundEmail,
  index: number,
  isAddress: (email: unknown) => boolean,
  keys: Map<string, number>,
): InvalidInputError | undefined {
  const at = `messages.${index}`;
  const invalid = (field: string, value: unknown, reason: string) =>
    new InvalidInputError({ field: `${at}.${field}`, value, reason });
  if (typeof message !== "object" || message === null) {
    return new InvalidInputError({ field: at, value: message, reason: "must be an OutboundEmail object" });
  }
  const key = message.idempotencyKey;
  if (typeof key !== "string" || key === "")
    return invalid("idempotencyKey", key, "must be a non-empty string");
  const earlier = keys.get(key);
  if (earlier !== undefined) {
    return invalid(
      "idempotencyKey",
      key,
      `repeats messages.${earlier}'s key: one message per key in a batch`,
    );
  }
  keys.set(key, index);
  for (const field of ["to", "from", "replyTo"] as const) {
    const value = message[field];
    if (value === undefined && field === "replyTo") continue;
    if (!isAddress(value?.email)) {
      return invalid(`${field}.email`, value?.email, "is not a valid email address");
    }
    if (value?.name !== undefined && typeof value.name !== "string") {
      return invalid(`${field}.name`, value.name, "must be a string");
    }
  }
  if (typeof message.subject !== "string" || message.subject.trim() === "") {
    return invalid("subject", message.subject, "must be a non-empty string");
  }
  for (const field of ["html", "text"] as const) {
    const value = message[field];
    if (value !== undefined && typeof value !== "string") return invalid(field, value, "must be a string");
  }
  if (nonEmpty(message.html) === undefined && nonEmpty(message.text) === undefined) {
    return invalid("html", message.html, "html or text is required (SendGrid refuses empty content)");
  }
  if (message.headers !== undefined) {
    for (const [name, value] of Object.entries(message.headers)) {
      if (!HEADER_NAME.test(name)) return invalid(`headers.${name}`, name, "is not a valid header name");
      if (RESERVED_HEADERS.has(name.toLowerCase())) {
        return invalid(`headers.${name}`, value, "is set by SendGrid and may not be given");
      }
      if (typeof value !== "string" || /[\r\n]/.test(value)) {
        return invalid(`headers.${name}`, value, "must be a single-line string");
      }
    }
  }
  if (message.customArgs !== undefined) {
    for (const [name, value] of Object.entries(message.customArgs)) {
      if (typeof value !== "string") return invalid(`customArgs.${name}`, value, "must be a string");
      if (name === PRECINCT_MESSAGE_ID_ARG && value !== key) {
        return invalid(`customArgs.${name}`, value, "is reserved for the message's idempotencyKey");
      }
      if (name !== PRECINCT_MESSAGE_ID_ARG && SENDGRID_EVENT_FIELDS.has(name)) {
        return invalid(
          `customArgs.${name}`,
          value,
          "is a field SendGrid sets on events: it would not come back",
        );
      }
    }
    const size = oversize({ ...message.customArgs, [PRECINCT_MESSAGE_ID_ARG]: key });
    if (size !== undefined) {
      return invalid(
        "customArgs",
        `${size} bytes`,
        `SendGrid takes at most ${SENDGRID_MAX_PERSONALIZATION_BYTES} bytes`,
      );
    }
  }
  if (message.categories !== undefined) {
    if (!Array.isArray(message.categories) || message.categories.length > SENDGRID_MAX_CATEGORIES) {
      return invalid("categories", message.categories, `must be at most ${SENDGRID_MAX_CATEGORIES} strings`);
    }
    for (const [i, category] of message.categories.entries()) {
      if (typeof category !== "string" || category === "" || category.length > 255) {
        return invalid(`categories.${i}`, category, "must be 1 to 255 characters");
      }
    }
  }
  if (message.substitutions !== undefined) {
    for (const [tag, value] of Object.entries(message.substitutions)) {
      if (tag === "") return invalid("substitutions", tag, "tags must be non-empty");
      if (typeof value !== "string") return invalid(`substitutions.${tag}`, value, "must be a string");
    }
    const size = oversize(message.substitutions);
    if (size !== undefined) {
      return invalid(
        "substitutions",
        `${size} bytes`,
        `SendGrid takes at most ${SENDGRID_MAX_PERSONALIZATION_BYTES} bytes per recipient`,
      );
    }
  }
  return undefined;
}

/** 401, 403, 404, 405, 429 and 5xx concern the request (credentials, endpoint, rate, SendGrid), not its content. */
function isRequestLevel(status: number): boolean {
  return (
    status === 401 || status === 403 || status === 404 || status === 405 || status === 429 || status >= 500
  );
}

/**
 * SendGrid's errors grouped by the personalization they name (`personalizations.3.…` → 3), or undefined
 * when any error concerns something else (the shared content), so isolating would not help.
 */
function personalizationErrors(
  errors: readonly SendGridFieldError[],
  count: number,
): Map<number, SendGridFieldError[]> | undefined {
  if (errors.length === 0) return undefined;
  const byPosition = new Map<number, SendGridFieldError[]>();
  for (const error of errors) {
    const match = error.field === null ? null : /^personalizations\.(\d+)(\.|$)/.exec(error.field);
    const position = match === null ? Number.NaN : Number(match[1]);
    if (!(position >= 0 && position < count)) return undefined;
    const list = byPosition.get(position) ?? [];
    list.push(error);
    byPosition.set(position, list);
  }
  return byPosition;
}

function personalizationError(
  entry: Entry,
  errors: readonly SendGridFieldError[],
  status: number,
  cause: unknown,
): ProviderError {
  const described = errors.map((e) => `${e.message.replace(/[.\s]+$/, "")} (field ${e.field})`).join("; ");
  return new ProviderError({
    provider: "sendgrid",
    code: errors.every((e) => isRecipientField(e.field)) ? "invalid_recipient" : "provider",
    message: `SendGrid refused messages.${entry.index} of the batch: ${described} (HTTP ${status}).`,
    isRetryable: false,
    statusCode: status,
    details: {
      operation: "send",
      messageIndex: entry.index,
      field: errors[0]?.field ?? null,
      errors: errors.map((e) => ({ ...e })),
    },
    cause,
  });
}

function rejected(entry: Entry, error: PrecinctError): EmailMessageResult {
  return { status: "rejected", idempotencyKey: entry.message.idempotencyKey, error };
}

function address(value: NamedEmailAddress): { email: string; name?: string } {
  return value.name !== undefined && value.name !== ""
    ? { email: value.email, name: value.name }
    : { email: value.email };
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The JSON size of `record` in UTF-8 bytes when it exceeds SendGrid's per-personalization limit, else
 * undefined. An upper bound comes first (JSON escaping takes at most 6 bytes per UTF-16 unit), so the
 * common small record is never stringified.
 */
function oversize(record: Readonly<Record<string, string>>): number | undefined {
  let bound = 2;
  for (const [key, value] of Object.entries(record)) bound += (key.length + String(value).length) * 6 + 6;
  if (bound <= SENDGRID_MAX_PERSONALIZATION_BYTES) return undefined;
  const size = Buffer.byteLength(JSON.stringify(record), "utf8");
  return size > SENDGRID_MAX_PERSONALIZATION_BYTES ? size : undefined;
}

function asRows(body: unknown, path: string): readonly unknown[] {
  if (Array.isArray(body)) return body;
  throw new ProviderError({
    provider: "sendgrid",
    message: `SendGrid answered GET ${path} with something other than a JSON array.`,
    details: { operation: "suppressions", path },
  });
}

function listSuppression(row: unknown, reason: SuppressionReason): Suppression | undefined {
  if (typeof row !== "object" || row === null) return undefined;
  const { email, created } = row as { email?: unknown; created?: unknown };
  if (typeof email !== "string" || email.trim() === "") return undefined;
  const createdAt = unixDate(created);
  return createdAt === undefined ? undefined : { email: email.trim().toLowerCase(), reason, createdAt };
}

function groupSuppression(row: unknown): Suppression | undefined {
  if (typeof row !== "object" || row === null) return undefined;
  const { email, group_id: groupId, created_at: created } = row as Record<string, unknown>;
  if (typeof email !== "string" || email.trim() === "") return undefined;
  if (typeof groupId !== "number" && typeof groupId !== "string") return undefined;
  const createdAt = unixDate(created);
  if (createdAt === undefined) return undefined;
  return {
    email: email.trim().toLowerCase(),
    reason: "group_unsubscribe",
    createdAt,
    groupId: String(groupId),
  };
}

function unixDate(value: unknown): Date | undefined {
  const seconds = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0
    ? new Date(seconds * 1000)
    : undefined;
}

/**
 * Runs one SDK call so that `signal` cancels it: the returned promise rejects with `signal.reason` as soon
 * as the signal aborts. The SDK takes no signal, so the HTTP request itself runs to its end (or timeout).
 */
function withSignal<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  if (signal === undefined) return call();
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
