/**
 * An imitation of SendGrid's v3 REST API for adapter tests and benchmarks: Mail Send
 * (`POST /v3/mail/send`, validated like SendGrid: at most 1000 personalizations, required fields, 400
 * with `errors[]`, 202 with `X-Message-Id`, sandbox mode), the suppression lists
 * (`/v3/suppression/{bounces,blocks,spam_reports,unsubscribes,invalid_emails}` with `limit`/`offset`/
 * `start_time`, `/v3/asm/suppressions`), Bearer-key auth, failure injection, and Event Webhooks signed
 * exactly as SendGrid signs them (ECDSA P-256 over `timestamp + body`, base64 DER), so the real
 * `@sendgrid/eventwebhook` verifies them. One web-standard `handle(request)` serves msw handlers
 * ({@link sendGridHandlers}) and a real socket ({@link startSendGridImitationServer}) alike.
 *
 * It imitates the wire protocol, not SendGrid's delivery network: tests build the events they want with
 * {@link SendGridImitation.event} and {@link SendGridImitation.eventWebhook}.
 *
 * @module
 */

import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type { EmailEventType, SuppressionReason } from "@precinct/core";
import { type HttpHandler, http } from "msw";
import { type ImitationServer, type ImitationServerOptions, startImitationServer } from "./server.js";

/** The header SendGrid signs event webhooks in (base64 DER ECDSA signature). */
export const SENDGRID_EVENT_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature";
/** The header carrying the signed unix timestamp. */
export const SENDGRID_EVENT_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp";

/** The operations the imitation serves, for failure injection and the request log. */
export type SendGridOperation = "mail.send" | "suppressions.list" | "asm.suppressions";

/** One entry of SendGrid's error body. */
export interface SendGridErrorEntry {
  /** What is wrong. */
  readonly message: string;
  /** The JSON path of the offending field, or null. */
  readonly field?: string | null;
  /** A hint or link. */
  readonly help?: string | null;
}

/** Options for {@link createSendGridImitation}. */
export interface SendGridImitationOptions {
  /** The only API key accepted (`Authorization: Bearer …`). Default: any key that starts with `SG.`. */
  readonly apiKey?: string;
  /** Wait this long before answering each request, like a real network round trip. Default 0. */
  readonly respondDelayMs?: number;
  /**
   * Keep every accepted request's body so {@link SendGridImitation.messages} can list what was sent.
   * Turn off for benchmarks: only counts are kept. Default true.
   */
  readonly retainMessages?: boolean;
  /** The public URL event webhooks claim to be posted to. Default `https://precinct.test/webhooks/sendgrid/events`. */
  readonly webhookUrl?: string;
  /** The clock (suppression dates, webhook timestamps). Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** One request the imitation answered. */
export interface SendGridImitationRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The full URL as received. */
  readonly url: string;
  /** The operation it was routed to, or `unknown`. */
  readonly operation: SendGridOperation | "unknown";
  /** The HTTP status answered, or 0 for a simulated network error. */
  readonly status: number;
  /** For `mail.send`: how many personalizations the body had. */
  readonly personalizations?: number;
}

/** An email address as SendGrid's JSON carries it. */
export interface SendGridAddress {
  /** The address. */
  readonly email: string;
  /** The display name. */
  readonly name?: string;
}

/** One message (personalization) SendGrid accepted, as the recipient would get it. */
export interface SendGridImitationMessage {
  /** The request's `X-Message-Id`; null in sandbox mode, which sends nothing. */
  readonly xMessageId: string | null;
  /** What events carry as `sg_message_id`: `<X-Message-Id>.<suffix>`; null in sandbox mode. */
  readonly sgMessageId: string | null;
  /** The recipient (the first `to`; Precinct sends one per personalization). */
  readonly to: SendGridAddress;
  /** The sender. */
  readonly from: SendGridAddress;
  /** The reply-to address, when given. */
  readonly replyTo?: SendGridAddress;
  /** The subject (the personalization's when it has one), substitutions applied. */
  readonly subject: string;
  /** The text/plain content, substitutions applied. */
  readonly text?: string;
  /** The text/html content, substitutions applied. */
  readonly html?: string;
  /** The request's headers merged with the personalization's. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request's custom args merged with the personalization's. */
  readonly customArgs: Readonly<Record<string, string>>;
  /** The substitutions the personalization carried. */
  readonly substitutions: Readonly<Record<string, string>>;
  /** The categories. */
  readonly categories: readonly string[];
  /** `asm.group_id`, when given. */
  readonly asmGroupId?: number;
  /** `ip_pool_name`, when given. */
  readonly ipPoolName?: string;
  /** Sent with `mail_settings.sandbox_mode.enable`. */
  readonly sandbox: boolean;
  /** The suppression list the address was on: SendGrid accepts the request but drops this message. */
  readonly suppressedBy?: SuppressionReason;
}

/** A failure to inject with {@link SendGridImitation.failNext}. */
export interface SendGridFailure {
  /** The HTTP status. Default 500 (400 when `errors` are given). */
  readonly status?: number;
  /** The `errors[]` body. Default: SendGrid's wording for the status. */
  readonly errors?: readonly SendGridErrorEntry[];
  /** Fail only this operation. Default: the next request of any operation. */
  readonly operation?: SendGridOperation;
  /** Fail this many matching requests. Default 1. */
  readonly times?: number;
  /** For 429: `X-RateLimit-Reset` is now plus this many seconds. Default 1. */
  readonly retryAfterSeconds?: number;
  /** Drop the connection without an HTTP response instead (a network error). */
  readonly networkError?: boolean;
  /** Carry the request out (mail is accepted) and then drop the connection: a timeout mid-send. */
  readonly dropResponse?: boolean;
}

/** A suppression the imitation holds. */
export interface SendGridImitationSuppression {
  /** The address. */
  readonly email: string;
  /** The list. */
  readonly reason: SuppressionReason;
  /** When it was added. */
  readonly createdAt: Date;
  /** The unsubscribe group, for `group_unsubscribe`. */
  readonly groupId?: number;
  /** The bounce/block/invalid reason text. */
  readonly detail?: string;
}

/** An event to put in a webhook; {@link SendGridImitation.event} fills one from a sent message. */
export interface SendGridEventInput {
  /** The event type. */
  readonly event: EmailEventType;
  /** The recipient. */
  readonly email: string;
  /** The message's `sg_message_id` (`<X-Message-Id>.<suffix>`). */
  readonly sgMessageId?: string;
  /** When it happened. Default: now. */
  readonly timestamp?: Date;
  /** Custom args, echoed as top-level fields like SendGrid does. */
  readonly customArgs?: Readonly<Record<string, string>>;
  /** For `bounce`: `bounce` (default) or `blocked`. */
  readonly bounceType?: "bounce" | "blocked";
  /** For bounces and drops: the reason. */
  readonly reason?: string;
  /** For `deferred` and `delivered`: the receiving server's response. */
  readonly response?: string;
  /** For `click`: the link. Default `https://example.org/`. */
  readonly url?: string;
  /** For group events: the unsubscribe group. Default 1. */
  readonly asmGroupId?: number;
  /** The message's categories. */
  readonly categories?: readonly string[];
  /** The event id. Default: random, like SendGrid's. */
  readonly sgEventId?: string;
  /** More top-level fields. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * How to spoil a webhook: sign with another key, change the body after signing, sign compact JSON but
 * deliver it re-serialized (pretty-printed), sign an old or future timestamp, or omit the headers.
 */
export type SendGridForgery = "signature" | "body" | "reserialized" | "stale" | "future" | "missing";

/** Options for {@link SendGridImitation.eventWebhook}. */
export interface SendGridWebhookOptions {
  /** Produce a webhook that must fail verification. `true` means `"signature"`. */
  readonly forged?: boolean | SendGridForgery;
  /** The signed timestamp. Default: now (an hour off for `stale`/`future`). */
  readonly timestamp?: Date;
  /** The public URL. Default {@link SendGridImitationOptions.webhookUrl}. */
  readonly url?: string;
}

/**
 * A signed Event Webhook as SendGrid would post it. Structurally a `WebhookRequest` (request, raw body,
 * public URL), so it can go straight to a transport's `verifyWebhook`/`parseEvents`, or its `request` to
 * a webhook router.
 */
export interface SendGridWebhook {
  /** The web-standard request (JSON POST with the signature and timestamp headers). */
  readonly request: Request;
  /** The exact body. */
  readonly rawBody: string;
  /** The public URL it is posted to. */
  readonly url: string;
  /** The events as SendGrid's JSON objects (before any forgery). */
  readonly events: readonly Readonly<Record<string, unknown>>[];
}

/** The SendGrid imitation: a web-standard handler plus inspection and control. */
export interface SendGridImitation {
  /** The verification key of the signed Event Webhook, base64 DER, as the SendGrid console shows it. */
  readonly eventWebhookPublicKey: string;
  /** Answers one REST request, as `api.sendgrid.com` would. The host is ignored. */
  handle(request: Request): Promise<Response>;
  /** Every request answered, oldest first. */
  readonly requests: readonly SendGridImitationRequest[];
  /** How many `POST /v3/mail/send` requests were answered, whatever their status. */
  readonly sendRequestCount: number;
  /** How many messages (personalizations) were accepted, sandbox included. */
  readonly acceptedCount: number;
  /**
   * Every accepted message, oldest first, as the recipient would get it. Empty with
   * `retainMessages: false`.
   */
  readonly messages: readonly SendGridImitationMessage[];
  /** The suppressions held, oldest first. */
  readonly suppressions: readonly SendGridImitationSuppression[];
  /** Makes the next matching request(s) fail; queued failures are used in order. */
  failNext(failure?: SendGridFailure): void;
  /**
   * Makes SendGrid refuse this recipient: a mail send naming it answers 400 with
   * `field: personalizations.N.to.M.email`, like an address SendGrid's validation refuses.
   */
  rejectRecipient(email: string, message?: string): void;
  /** Adds an address to a suppression list (sends to it are accepted, then dropped). */
  suppress(
    email: string,
    reason: SuppressionReason,
    options?: { readonly groupId?: number; readonly createdAt?: Date; readonly detail?: string },
  ): SendGridImitationSuppression;
  /** An event about a sent message: its recipient, `sg_message_id`, custom args, categories and group. */
  event(
    message: SendGridImitationMessage,
    event: EmailEventType,
    extra?: Omit<Partial<SendGridEventInput>, "event">,
  ): SendGridEventInput;
  /** A signed Event Webhook carrying `events` (or a forged one, see {@link SendGridForgery}). */
  eventWebhook(events: readonly SendGridEventInput[], options?: SendGridWebhookOptions): SendGridWebhook;
  /** Forgets every message, request, failure, refused recipient and suppression (the key stays). */
  reset(): void;
}

/** SendGrid's limits, as its validation enforces them. */
const MAX_PERSONALIZATIONS = 1000;
const MAX_RECIPIENTS = 1000;
const MAX_CATEGORIES = 10;
const MAX_PERSONALIZATION_BYTES = 10_000;
const MAX_REQUEST_BYTES = 30 * 1024 * 1024;
const MAX_PAGE_SIZE = 500;
const RESERVED_HEADERS = new Set([
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
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[A-Za-z]{2,}$/;
const LIST_PATHS: Readonly<Record<string, Exclude<SuppressionReason, "group_unsubscribe">>> = {
  bounces: "bounce",
  blocks: "block",
  spam_reports: "spamreport",
  unsubscribes: "unsubscribe",
  invalid_emails: "invalid",
};
const DEFAULT_ERRORS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "The provided authorization grant is invalid, expired, or revoked",
  403: "access forbidden",
  404: "resource not found",
  405: "method not allowed",
  413: "Payload Too Large",
  429: "too many requests",
  500: "internal server error",
  502: "bad gateway",
  503: "service unavailable",
};

interface AcceptedSend {
  readonly xMessageId: string | null;
  readonly body: Record<string, unknown>;
  readonly sandbox: boolean;
  /** The suppression list of each personalization's recipient, at send time. */
  readonly suppressedBy: readonly (SuppressionReason | undefined)[];
}

interface QueuedFailure {
  readonly failure: SendGridFailure;
  remaining: number;
}

/**
 * Creates a SendGrid v3 API imitation with its own Event Webhook key pair.
 *
 * @example
 * ```ts
 * import { setupServer } from "msw/node";
 * import { createSendGridImitation, sendGridHandlers } from "@precinct/testing/http";
 *
 * const sendgrid = createSendGridImitation();
 * const server = setupServer(...sendGridHandlers(sendgrid));
 * server.listen();
 * // ... send through @precinct/sendgrid (eventWebhookPublicKey: sendgrid.eventWebhookPublicKey) ...
 * sendgrid.sendRequestCount; // 1 for up to 1000 messages sharing their content
 * const message = sendgrid.messages[0]!;
 * const webhook = sendgrid.eventWebhook([sendgrid.event(message, "delivered")]); // signed
 * ```
 */
export function createSendGridImitation(options: SendGridImitationOptions = {}): SendGridImitation {
  const now = options.now ?? (() => new Date());
  const retain = options.retainMessages ?? true;
  const webhookUrl = options.webhookUrl ?? "https://precinct.test/webhooks/sendgrid/events";
  const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const publicKey = keys.publicKey.export({ type: "spki", format: "der" }).toString("base64");
  let forgeryKey: KeyObject | undefined;

  const requests: SendGridImitationRequest[] = [];
  const sends: AcceptedSend[] = [];
  const failures: QueuedFailure[] = [];
  const refused = new Map<string, string>();
  const suppressions: SendGridImitationSuppression[] = [];
  let sendRequestCount = 0;
  let acceptedCount = 0;
  let seq = 0;

  const takeFailure = (operation: SendGridOperation): SendGridFailure | undefined => {
    const index = failures.findIndex(
      (f) => f.failure.operation === undefined || f.failure.operation === operation,
    );
    if (index < 0) return undefined;
    const queued = failures[index]!;
    queued.remaining -= 1;
    if (queued.remaining <= 0) failures.splice(index, 1);
    return queued.failure;
  };

  const authenticated = (request: Request): boolean => {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer (.+)$/.exec(header);
    if (match === null) return false;
    return options.apiKey === undefined ? match[1]!.startsWith("SG.") : match[1] === options.apiKey;
  };

  const suppressedBy = (email: string): SuppressionReason | undefined =>
    suppressions.find((s) => s.email === email.toLowerCase() && s.reason !== "group_unsubscribe")?.reason;

  const mailSend = (rawBody: string): { response: Response; personalizations?: number } => {
    if (Buffer.byteLength(rawBody, "utf8") > MAX_REQUEST_BYTES) {
      return { response: errorResponse(413, [{ message: DEFAULT_ERRORS[413]!, field: null }]) };
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return { response: errorResponse(400, [{ message: "Bad Request", field: null, help: null }]) };
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return { response: errorResponse(400, [{ message: "Bad Request", field: null, help: null }]) };
    }
    const mail = body as Record<string, unknown>;
    const personalizations = Array.isArray(mail.personalizations) ? mail.personalizations.length : 0;
    const errors = validateMailSend(mail, refused);
    if (errors.length > 0) return { response: errorResponse(400, errors), personalizations };
    const sandbox =
      isRecord(mail.mail_settings) && isRecord(mail.mail_settings.sandbox_mode)
        ? mail.mail_settings.sandbox_mode.enable === true
        : false;
    const people = mail.personalizations as Record<string, unknown>[];
    acceptedCount += people.length;
    seq += 1;
    const xMessageId = sandbox ? null : messageId(seq);
    if (retain) {
      sends.push({
        xMessageId,
        body: mail,
        sandbox,
        suppressedBy: people.map((p) => suppressedBy(firstTo(p).email)),
      });
    }
    if (sandbox) return { response: new Response(null, { status: 200 }), personalizations };
    return {
      response: new Response(null, { status: 202, headers: { "x-message-id": xMessageId! } }),
      personalizations,
    };
  };

  const listSuppressions = (name: string, url: URL): Response => {
    const reason = LIST_PATHS[name]!;
    const query = url.searchParams;
    const limit = query.has("limit") ? Number(query.get("limit")) : MAX_PAGE_SIZE;
    const offset = query.has("offset") ? Number(query.get("offset")) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      return errorResponse(400, [
        { message: `limit must be between 1 and ${MAX_PAGE_SIZE}`, field: "limit" },
      ]);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      return errorResponse(400, [{ message: "offset must be a non-negative integer", field: "offset" }]);
    }
    const start = query.has("start_time") ? Number(query.get("start_time")) : undefined;
    const end = query.has("end_time") ? Number(query.get("end_time")) : undefined;
    const rows = suppressions
      .filter((s) => s.reason === reason)
      .filter((s) => start === undefined || unix(s.createdAt) >= start)
      .filter((s) => end === undefined || unix(s.createdAt) <= end)
      .slice(offset, offset + limit)
      .map((s) => listRow(s));
    return json(200, rows);
  };

  const route = (method: string, url: URL): SendGridOperation | Response => {
    const path = url.pathname.replace(/\/+$/, "");
    if (path === "/v3/mail/send") return method === "POST" ? "mail.send" : errorResponse(405, undefined);
    const list = /^\/v3\/suppression\/([a-z_]+)$/.exec(path);
    if (list !== null && Object.hasOwn(LIST_PATHS, list[1]!)) {
      return method === "GET" ? "suppressions.list" : errorResponse(405, undefined);
    }
    if (path === "/v3/asm/suppressions")
      return method === "GET" ? "asm.suppressions" : errorResponse(405, undefined);
    return errorResponse(404, undefined);
  };

  const handle = async (request: Request): Promise<Response> => {
    if (options.respondDelayMs !== undefined && options.respondDelayMs > 0)
      await sleep(options.respondDelayMs);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const rawBody = method === "GET" || method === "HEAD" ? "" : await request.text();
    const log = (operation: SendGridOperation | "unknown", status: number, personalizations?: number) => {
      requests.push({
        method,
        url: request.url,
        operation,
        status,
        ...(personalizations !== undefined ? { personalizations } : {}),
      });
    };
    const routed = route(method, url);
    if (routed === "mail.send") sendRequestCount += 1;
    if (!authenticated(request)) {
      log(routed instanceof Response ? "unknown" : routed, 401);
      return errorResponse(401, undefined);
    }
    if (routed instanceof Response) {
      log("unknown", routed.status);
      return routed;
    }
    const failure = takeFailure(routed);
    if (failure?.networkError === true) {
      log(routed, 0);
      return Response.error();
    }
    if (failure !== undefined && failure.dropResponse !== true) {
      const status = failure.status ?? (failure.errors !== undefined ? 400 : 500);
      const response = errorResponse(status, failure.errors);
      if (status === 429) {
        const reset = unix(now()) + (failure.retryAfterSeconds ?? 1);
        response.headers.set("x-ratelimit-limit", "600");
        response.headers.set("x-ratelimit-remaining", "0");
        response.headers.set("x-ratelimit-reset", String(reset));
      }
      log(routed, status);
      return response;
    }
    let response: Response;
    let personalizations: number | undefined;
    if (routed === "mail.send") ({ response, personalizations } = mailSend(rawBody));
    else if (routed === "suppressions.list") response = listSuppressions(url.pathname.split("/")[3]!, url);
    else {
      response = json(
        200,
        suppressions
          .filter((s) => s.reason === "group_unsubscribe")
          .map((s) => ({
            email: s.email,
            group_id: s.groupId ?? 1,
            group_name: `Group ${s.groupId ?? 1}`,
            created_at: unix(s.createdAt),
          })),
      );
    }
    if (failure?.dropResponse === true) {
      log(routed, 0, personalizations);
      return Response.error();
    }
    log(routed, response.status, personalizations);
    return response;
  };

  const toEventObject = (input: SendGridEventInput): Record<string, unknown> => {
    const at = input.timestamp ?? now();
    const id = input.sgMessageId;
    const event: Record<string, unknown> = {
      email: input.email,
      timestamp: unix(at),
      "smtp-id": `<${id ?? randomId(16)}@imitation.sendgrid.test>`,
      event: input.event,
      ...(input.categories !== undefined && input.categories.length > 0
        ? { category: input.categories.length === 1 ? input.categories[0] : [...input.categories] }
        : {}),
      sg_event_id: input.sgEventId ?? randomId(22),
      ...(id !== undefined ? { sg_message_id: id } : {}),
    };
    switch (input.event) {
      case "bounce": {
        const blocked = input.bounceType === "blocked";
        Object.assign(event, {
          type: blocked ? "blocked" : "bounce",
          reason:
            input.reason ??
            (blocked
              ? "421 4.7.0 Try again later, closing connection."
              : "550 5.1.1 The email account that you tried to reach does not exist."),
          status: blocked ? "4.7.0" : "5.1.1",
          bounce_classification: blocked ? "Reputation" : "Invalid Address",
          tls: 1,
        });
        break;
      }
      case "dropped":
        Object.assign(event, { reason: input.reason ?? "Bounced Address", status: "" });
        break;
      case "deferred":
        Object.assign(event, { response: input.response ?? "400 try again later", attempt: "1", tls: 1 });
        break;
      case "delivered":
        Object.assign(event, { response: input.response ?? "250 OK", ip: "203.0.113.25", tls: 1 });
        break;
      case "open":
        Object.assign(event, { useragent: "Mozilla/5.0", ip: "198.51.100.7", sg_machine_open: false });
        break;
      case "click":
        Object.assign(event, {
          url: input.url ?? "https://example.org/",
          url_offset: { index: 0, type: "html" },
          useragent: "Mozilla/5.0",
          ip: "198.51.100.7",
        });
        break;
      case "group_unsubscribe":
      case "group_resubscribe":
        Object.assign(event, {
          asm_group_id: input.asmGroupId ?? 1,
          useragent: "Mozilla/5.0",
          ip: "198.51.100.7",
        });
        break;
      default:
        break;
    }
    Object.assign(event, input.customArgs ?? {}, input.extra ?? {});
    return event;
  };

  const messagesView = (): SendGridImitationMessage[] =>
    sends.flatMap((send) => {
      const people = send.body.personalizations as Record<string, unknown>[];
      return people.map((p, index) => toMessage(send, p, index));
    });

  return {
    eventWebhookPublicKey: publicKey,
    handle,
    get requests() {
      return [...requests];
    },
    get sendRequestCount() {
      return sendRequestCount;
    },
    get acceptedCount() {
      return acceptedCount;
    },
    get messages() {
      return messagesView();
    },
    get suppressions() {
      return [...suppressions];
    },
    failNext(failure = {}) {
      failures.push({ failure, remaining: failure.times ?? 1 });
    },
    rejectRecipient(email, message = "Does not contain a valid address.") {
      refused.set(email.toLowerCase(), message);
    },
    suppress(email, reason, extra = {}) {
      const suppression: SendGridImitationSuppression = {
        email: email.toLowerCase(),
        reason,
        createdAt: extra.createdAt ?? now(),
        ...(extra.groupId !== undefined || reason === "group_unsubscribe"
          ? { groupId: extra.groupId ?? 1 }
          : {}),
        ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
      };
      suppressions.push(suppression);
      return suppression;
    },
    event(message, event, extra = {}) {
      if (message.sgMessageId === null) {
        throw new Error("A message sent in sandbox mode has no events: SendGrid never sent it.");
      }
      return {
        email: message.to.email,
        sgMessageId: message.sgMessageId,
        customArgs: message.customArgs,
        categories: message.categories,
        ...(message.asmGroupId !== undefined ? { asmGroupId: message.asmGroupId } : {}),
        ...extra,
        event,
      };
    },
    eventWebhook(events, webhookOptions = {}) {
      const forgery: SendGridForgery | undefined =
        webhookOptions.forged === true ? "signature" : webhookOptions.forged || undefined;
      const objects = events.map(toEventObject);
      const signedBody = JSON.stringify(objects);
      const offset = forgery === "stale" ? -3600 : forgery === "future" ? 3600 : 0;
      const timestamp = String(unix(webhookOptions.timestamp ?? now()) + offset);
      let key = keys.privateKey;
      if (forgery === "signature") {
        forgeryKey ??= generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
        key = forgeryKey;
      }
      const signature = sign("sha256", Buffer.from(timestamp + signedBody, "utf8"), key).toString("base64");
      let rawBody = signedBody;
      if (forgery === "reserialized") rawBody = JSON.stringify(objects, null, 2);
      if (forgery === "body") {
        rawBody = JSON.stringify(
          objects.map((o, i) => (i === 0 ? { ...o, email: `tampered.${String(o.email)}` } : o)),
        );
      }
      const url = webhookOptions.url ?? webhookUrl;
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "SendGrid Event API",
      };
      if (forgery !== "missing") {
        headers[SENDGRID_EVENT_SIGNATURE_HEADER] = signature;
        headers[SENDGRID_EVENT_TIMESTAMP_HEADER] = timestamp;
      }
      return {
        request: new Request(url, { method: "POST", headers, body: rawBody }),
        rawBody,
        url,
        events: objects,
      };
    },
    reset() {
      requests.length = 0;
      sends.length = 0;
      failures.length = 0;
      refused.clear();
      suppressions.length = 0;
      sendRequestCount = 0;
      acceptedCount = 0;
      seq = 0;
    },
  };
}

/**
 * msw request handlers that route every request to `https://api.sendgrid.com` and
 * `https://api.eu.sendgrid.com` (or the `origins` given) to the imitation.
 *
 * @example
 * ```ts
 * const server = setupServer(...sendGridHandlers(imitation));
 * beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
 * afterAll(() => server.close());
 * ```
 */
export function sendGridHandlers(
  imitation: SendGridImitation,
  options: { readonly origins?: readonly string[] } = {},
): HttpHandler[] {
  const origins = options.origins ?? ["https://api.sendgrid.com", "https://api.eu.sendgrid.com"];
  return origins.map((origin) =>
    http.all(`${origin.replace(/\/+$/, "")}/*`, ({ request }) => imitation.handle(request)),
  );
}

/**
 * Serves the imitation over a real socket (`node:http`, keep-alive), for adapters pointed at it with a base
 * URL, benchmarks, and tests where the code under test runs in another process.
 *
 * @example
 * ```ts
 * const server = await startSendGridImitationServer(imitation);
 * const email = createSendGrid({ apiKey: "SG.test", baseUrl: server.url }).email();
 * // ...
 * await server.close();
 * ```
 */
export function startSendGridImitationServer(
  imitation: SendGridImitation,
  options: ImitationServerOptions = {},
): Promise<ImitationServer> {
  return startImitationServer((request) => imitation.handle(request), options);
}

/**
 * What SendGrid's validation of a `/v3/mail/send` body finds wrong, as its `errors[]`. Empty when the
 * request would be accepted. `refused` maps lowercased addresses to a refusal message.
 */
function validateMailSend(
  mail: Record<string, unknown>,
  refused: ReadonlyMap<string, string>,
): SendGridErrorEntry[] {
  const errors: SendGridErrorEntry[] = [];
  const add = (field: string | null, message: string) => errors.push({ message, field, help: null });
  const checkAddress = (value: unknown, field: string) => {
    if (!isRecord(value) || typeof value.email !== "string" || value.email === "") {
      add(`${field}.email`, "The email address is required.");
    } else if (!EMAIL.test(value.email)) {
      add(`${field}.email`, "Does not contain a valid address.");
    } else if (value.name !== undefined && typeof value.name !== "string") {
      add(`${field}.name`, "The name must be a string.");
    }
  };

  checkAddress(mail.from, "from");
  if (mail.reply_to !== undefined) checkAddress(mail.reply_to, "reply_to");

  const people = mail.personalizations;
  if (!Array.isArray(people) || people.length === 0) {
    add(
      "personalizations",
      "The personalizations field is required and must have at least one personalization.",
    );
  } else if (people.length > MAX_PERSONALIZATIONS) {
    add(
      "personalizations",
      `You may not have more than ${MAX_PERSONALIZATIONS} personalizations per API request.`,
    );
  } else {
    let recipients = 0;
    people.forEach((p: unknown, i) => {
      const at = `personalizations.${i}`;
      if (!isRecord(p)) {
        add(at, "Each personalization must be an object.");
        return;
      }
      if (!Array.isArray(p.to) || p.to.length === 0) {
        add(
          `${at}.to`,
          "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
        );
      } else {
        p.to.forEach((to: unknown, j) => {
          checkAddress(to, `${at}.to.${j}`);
          const email = isRecord(to) && typeof to.email === "string" ? to.email.toLowerCase() : undefined;
          const refusal = email === undefined ? undefined : refused.get(email);
          if (refusal !== undefined) add(`${at}.to.${j}.email`, refusal);
        });
      }
      recipients += (Array.isArray(p.to) ? p.to.length : 0) + (Array.isArray(p.cc) ? p.cc.length : 0);
      recipients += Array.isArray(p.bcc) ? p.bcc.length : 0;
      if (p.subject !== undefined && (typeof p.subject !== "string" || p.subject === "")) {
        add(`${at}.subject`, "The subject must be a string at least one character in length.");
      }
      if (p.headers !== undefined) checkHeaders(p.headers, `${at}.headers`, add);
      if (p.custom_args !== undefined) {
        if (!isRecord(p.custom_args) || !Object.values(p.custom_args).every((v) => typeof v === "string")) {
          add(`${at}.custom_args`, "Custom args must be an object of string values.");
        }
        const merged = {
          ...(isRecord(mail.custom_args) ? mail.custom_args : {}),
          ...(p.custom_args as object),
        };
        if (Buffer.byteLength(JSON.stringify(merged), "utf8") > MAX_PERSONALIZATION_BYTES) {
          add(
            `${at}.custom_args`,
            `The total size of custom arguments may not exceed ${MAX_PERSONALIZATION_BYTES} bytes per personalization object.`,
          );
        }
      }
      if (p.substitutions !== undefined) {
        if (
          !isRecord(p.substitutions) ||
          !Object.values(p.substitutions).every((v) => typeof v === "string")
        ) {
          add(`${at}.substitutions`, "Substitutions must be an object of string values.");
        } else if (Buffer.byteLength(JSON.stringify(p.substitutions), "utf8") > MAX_PERSONALIZATION_BYTES) {
          add(
            `${at}.substitutions`,
            `The total size of substitutions may not exceed ${MAX_PERSONALIZATION_BYTES} bytes per personalization object.`,
          );
        }
      }
    });
    if (recipients > MAX_RECIPIENTS) {
      add(
        "personalizations",
        `The total number of recipients (to, cc and bcc) may not exceed ${MAX_RECIPIENTS}.`,
      );
    }
  }

  const everyHasSubject =
    Array.isArray(people) &&
    people.length > 0 &&
    people.every((p) => isRecord(p) && typeof p.subject === "string");
  if (
    (typeof mail.subject !== "string" || mail.subject === "") &&
    !everyHasSubject &&
    mail.template_id === undefined
  ) {
    add(
      "subject",
      "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
    );
  }

  const content = mail.content;
  if (mail.template_id === undefined) {
    if (!Array.isArray(content) || content.length === 0) {
      add(
        "content",
        "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.",
      );
    } else {
      content.forEach((block: unknown, k) => {
        if (!isRecord(block) || typeof block.type !== "string" || block.type === "") {
          add(`content.${k}.type`, "The content type must be a string at least one character in length.");
        } else if (typeof block.value !== "string" || block.value === "") {
          add(`content.${k}.value`, "The content value must be a string at least one character in length.");
        }
      });
      const types = content.map((block: unknown) => (isRecord(block) ? block.type : undefined));
      const plain = types.indexOf("text/plain");
      if (plain > 0)
        add("content", "If present, text/plain and text/html may only be provided in this order.");
    }
  }

  if (mail.headers !== undefined) checkHeaders(mail.headers, "headers", add);
  if (mail.categories !== undefined) {
    if (!Array.isArray(mail.categories) || mail.categories.length > MAX_CATEGORIES) {
      add("categories", `You may not have more than ${MAX_CATEGORIES} categories per request.`);
    } else if (!mail.categories.every((c) => typeof c === "string" && c.length > 0 && c.length <= 255)) {
      add("categories", "Each category must be a string of 1 to 255 characters.");
    }
  }
  if (mail.asm !== undefined && (!isRecord(mail.asm) || !Number.isInteger(mail.asm.group_id))) {
    add("asm.group_id", "The asm group_id must be an integer.");
  }
  return errors;
}

function checkHeaders(
  headers: unknown,
  field: string,
  add: (field: string | null, message: string) => void,
): void {
  if (!isRecord(headers)) {
    add(field, "Headers must be an object of string values.");
    return;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      add(`${field}.${name}`, `The header ${name} is reserved and may not be set.`);
    } else if (typeof value !== "string") {
      add(`${field}.${name}`, "Header values must be strings.");
    }
  }
}

function toMessage(send: AcceptedSend, p: Record<string, unknown>, index: number): SendGridImitationMessage {
  const mail = send.body;
  const substitutions = (isRecord(p.substitutions) ? p.substitutions : {}) as Record<string, string>;
  const substitute = (value: string): string => {
    let result = value;
    for (const [tag, replacement] of Object.entries(substitutions))
      result = result.split(tag).join(replacement);
    return result;
  };
  const content = Array.isArray(mail.content) ? (mail.content as Record<string, unknown>[]) : [];
  const part = (type: string) => {
    const value = content.find((block) => block.type === type)?.value;
    return typeof value === "string" ? substitute(value) : undefined;
  };
  const text = part("text/plain");
  const html = part("text/html");
  const subject = typeof p.subject === "string" ? p.subject : String(mail.subject ?? "");
  const asm = isRecord(mail.asm) && typeof mail.asm.group_id === "number" ? mail.asm.group_id : undefined;
  const suppressed = send.suppressedBy[index];
  return {
    xMessageId: send.xMessageId,
    sgMessageId: send.xMessageId === null ? null : `${send.xMessageId}.recvd-imitation-${index}-0.0`,
    to: firstTo(p),
    from: address(mail.from),
    ...(mail.reply_to !== undefined ? { replyTo: address(mail.reply_to) } : {}),
    subject: substitute(subject),
    ...(text !== undefined ? { text } : {}),
    ...(html !== undefined ? { html } : {}),
    headers: {
      ...((isRecord(mail.headers) ? mail.headers : {}) as Record<string, string>),
      ...((isRecord(p.headers) ? p.headers : {}) as Record<string, string>),
    },
    customArgs: {
      ...((isRecord(mail.custom_args) ? mail.custom_args : {}) as Record<string, string>),
      ...((isRecord(p.custom_args) ? p.custom_args : {}) as Record<string, string>),
    },
    substitutions: { ...substitutions },
    categories: Array.isArray(mail.categories) ? (mail.categories as string[]) : [],
    ...(asm !== undefined ? { asmGroupId: asm } : {}),
    ...(typeof mail.ip_pool_name === "string" ? { ipPoolName: mail.ip_pool_name } : {}),
    sandbox: send.sandbox,
    ...(suppressed !== undefined ? { suppressedBy: suppressed } : {}),
  };
}

function listRow(s: SendGridImitationSuppression): Record<string, unknown> {
  const created = unix(s.createdAt);
  switch (s.reason) {
    case "bounce":
      return {
        created,
        email: s.email,
        reason: s.detail ?? "550 5.1.1 The email account does not exist.",
        status: "5.1.1",
      };
    case "block":
      return {
        created,
        email: s.email,
        reason: s.detail ?? "421 4.7.0 Blocked by the receiving server.",
        status: "4.7.0",
      };
    case "spamreport":
      return { created, email: s.email, ip: "198.51.100.7" };
    case "invalid":
      return {
        created,
        email: s.email,
        reason: s.detail ?? "Mail domain mentioned in email address is unknown",
      };
    default:
      return { created, email: s.email };
  }
}

function firstTo(p: Record<string, unknown>): SendGridAddress {
  return address(Array.isArray(p.to) ? p.to[0] : undefined);
}

function address(value: unknown): SendGridAddress {
  if (!isRecord(value) || typeof value.email !== "string") return { email: "" };
  return typeof value.name === "string" ? { email: value.email, name: value.name } : { email: value.email };
}

function errorResponse(status: number, errors: readonly SendGridErrorEntry[] | undefined): Response {
  const list = errors ?? [{ message: DEFAULT_ERRORS[status] ?? `HTTP ${status}`, field: null, help: null }];
  return json(status, {
    errors: list.map((e) => ({ field: e.field ?? null, message: e.message, help: e.help ?? null })),
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An `X-Message-Id`: 22 URL-safe characters, no dots (events append `.suffix`). */
function messageId(seq: number): string {
  return `${seq.toString(36).padStart(6, "0")}${randomId(16)}`;
}

function randomId(length: number): string {
  return randomBytes(length).toString("base64url").slice(0, length);
}

function unix(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
