/**
 * An imitation of the Gmail API's send endpoint and Google's OAuth 2.0 token endpoint, for adapter tests
 * and benchmarks: `POST /gmail/v1/users/{userId}/messages/send` (the raw RFC 5322 message is decoded,
 * parsed and recorded) and `POST /token` (the JWT-bearer grant of service accounts, with the delegated
 * `sub` recorded, and the refresh-token grant of OAuth2 clients), with Google's JSON shapes, status codes
 * and error bodies, bearer-token checks and failure injection. One web-standard `handle(request)` serves
 * msw handlers ({@link gmailHandlers}) and a real socket ({@link startGmailImitationServer}) alike.
 *
 * It imitates the wire protocol, not Gmail's delivery: a recorded message is "sent", nothing bounces.
 *
 * @module
 */

import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { type HttpHandler, http } from "msw";
import { type ImitationServer, type ImitationServerOptions, startImitationServer } from "./server.js";

/** The operations the imitation serves, for failure injection and the request log. */
export type GmailOperation = "messages.send" | "token";

/** An address from a parsed header: the address and the decoded display name. */
export interface GmailAddress {
  /** The addr-spec, as written. */
  readonly email: string;
  /** The display name, RFC 2047 words decoded and quotes removed, when there is one. */
  readonly name?: string;
}

/** One header of a parsed message, unfolded. */
export interface GmailHeader {
  /** The field name as written. */
  readonly name: string;
  /** The value as written (unfolded, leading space removed), still RFC 2047 encoded. */
  readonly value: string;
  /** The value with RFC 2047 encoded-words decoded. */
  readonly decoded: string;
}

/** One leaf part of a parsed message's body. */
export interface GmailMessagePart {
  /** The media type, lowercase (`text/plain`). */
  readonly contentType: string;
  /** The `charset` parameter, lowercase, when given. */
  readonly charset: string | undefined;
  /** The `Content-Transfer-Encoding`, lowercase (`quoted-printable`, `base64`, `7bit`). */
  readonly transferEncoding: string;
  /** The encoded body lines as transmitted (for line-length checks), without the part's headers. */
  readonly encodedLines: readonly string[];
  /** The decoded content, line breaks as received (CRLF after quoted-printable decoding). */
  readonly content: string;
}

/** A raw RFC 5322 message, parsed: headers, the main addresses, and decoded body parts. */
export interface ParsedEmailMessage {
  /** Every header in order. */
  readonly headers: readonly GmailHeader[];
  /** The decoded value of the first header called `name` (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** Every value of headers called `name` (case-insensitive), decoded. */
  headerValues(name: string): readonly string[];
  /** `From` addresses. */
  readonly from: readonly GmailAddress[];
  /** `To` addresses. */
  readonly to: readonly GmailAddress[];
  /** `Cc` addresses. */
  readonly cc: readonly GmailAddress[];
  /** `Bcc` addresses. */
  readonly bcc: readonly GmailAddress[];
  /** `Reply-To` addresses. */
  readonly replyTo: readonly GmailAddress[];
  /** The decoded subject. */
  readonly subject: string | undefined;
  /** The `Message-ID`, with its angle brackets. */
  readonly messageId: string | undefined;
  /** The top-level media type, lowercase (`multipart/alternative`, `text/plain`). */
  readonly contentType: string;
  /** The leaf parts, depth first. */
  readonly parts: readonly GmailMessagePart[];
  /** The first `text/plain` part's content, line breaks normalized to `\n`. */
  readonly text: string | undefined;
  /** The first `text/html` part's content, line breaks normalized to `\n`. */
  readonly html: string | undefined;
  /** Every physical line of the message (header and body), for line-length checks. */
  readonly lines: readonly string[];
}

/** A message the imitation accepted through `messages.send`. */
export interface GmailImitationMessage {
  /** Gmail's message id (16 hex digits). */
  readonly id: string;
  /** The thread id: the id of the first message of the thread (a reply joins its parent's thread). */
  readonly threadId: string;
  /** Always `["SENT"]`. */
  readonly labelIds: readonly string[];
  /** The mailbox that sent it (the access token's user). */
  readonly mailbox: string;
  /** The `raw` field exactly as posted (base64url). */
  readonly rawBase64: string;
  /** The decoded RFC 5322 message (UTF-8). */
  readonly raw: string;
  /** The message, parsed. */
  readonly parsed: ParsedEmailMessage;
  /** When it was accepted. */
  readonly sentAt: Date;
}

/** One request to the token endpoint. */
export interface GmailTokenRequest {
  /** `urn:ietf:params:oauth:grant-type:jwt-bearer`, `refresh_token`, or what was sent. */
  readonly grantType: string;
  /** JWT bearer: the assertion's `iss` (the service account's email). */
  readonly issuer?: string;
  /** JWT bearer: the assertion's `sub`, the mailbox impersonated through domain-wide delegation. */
  readonly subject?: string;
  /** JWT bearer: the scopes the assertion asks for. */
  readonly scope?: string;
  /** Refresh token: the OAuth client id. */
  readonly clientId?: string;
  /** The HTTP status answered, 0 for a simulated network error. */
  readonly status: number;
}

/** One request the imitation answered. */
export interface GmailImitationRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The full URL as received. */
  readonly url: string;
  /** The operation it was routed to, or `unknown`. */
  readonly operation: GmailOperation | "unknown";
  /** The HTTP status answered, 0 for a simulated network error. */
  readonly status: number;
}

/** An OAuth client the token endpoint knows, for the refresh-token grant. */
export interface GmailImitationOAuthClient {
  /** The client secret. */
  readonly clientSecret: string;
  /** Refresh tokens it issued: token → the mailbox that granted it. */
  readonly refreshTokens: Readonly<Record<string, string>>;
  /** The scopes the refresh tokens carry. Default `https://www.googleapis.com/auth/gmail.send`. */
  readonly scope?: string;
}

/** Options for {@link createGmailImitation}. */
export interface GmailImitationOptions {
  /**
   * Mailboxes that exist in the Workspace domain. A JWT for another `sub` is refused (`invalid_grant`:
   * "Invalid email or User ID"), as Google does. Default: any mailbox.
   */
  readonly mailboxes?: readonly string[];
  /**
   * Service accounts: client email → public key (PEM or `KeyObject`). When given, an assertion must come
   * from one of them and carry a valid RS256 signature. Default: any well-formed assertion is accepted.
   */
  readonly serviceAccounts?: Readonly<Record<string, string | KeyObject>>;
  /** OAuth clients: client id → secret and refresh tokens. Default: any client, any refresh token. */
  readonly oauthClients?: Readonly<Record<string, GmailImitationOAuthClient>>;
  /** The mailbox of refresh tokens when `oauthClients` is not given. Default `organizer@example.org`. */
  readonly defaultMailbox?: string;
  /** Access-token lifetime in seconds. Default 3599, as Google. */
  readonly accessTokenTtlSeconds?: number;
  /** Wait this long before answering each request, like a real network round trip. Default 0. */
  readonly respondDelayMs?: number;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** A failure to inject with {@link GmailImitation.failNext}. */
export interface GmailFailure {
  /** The HTTP status. Default 500. */
  readonly status?: number;
  /**
   * Google's reason: `errors[0].reason` for the Gmail API (`rateLimitExceeded`, `invalidArgument`,
   * `backendError`, ...), the OAuth `error` for the token endpoint (`invalid_grant`, `unauthorized_client`).
   * Default: Google's usual one for the status.
   */
  readonly reason?: string;
  /** The error message. Default: Google's wording for the status. */
  readonly message?: string;
  /** For a 429: the time in Gmail's "Retry after <time>" message. Default: one minute from now. */
  readonly retryAfter?: Date;
  /** Fail only this operation. Default: the next request of any operation. */
  readonly operation?: GmailOperation;
  /** Fail this many matching requests. Default 1. */
  readonly times?: number;
  /** Drop the connection without an HTTP response instead (a network error). */
  readonly networkError?: boolean;
  /** Carry the request out (the message is recorded), then drop the connection: a timeout after sending. */
  readonly dropResponse?: boolean;
}

/** The Gmail imitation: a web-standard handler plus inspection and control. */
export interface GmailImitation {
  /** Answers one request as `gmail.googleapis.com` or `oauth2.googleapis.com` would. The host is ignored. */
  handle(request: Request): Promise<Response>;
  /** Every message accepted, oldest first. */
  readonly messages: readonly GmailImitationMessage[];
  /** Every token-endpoint request, oldest first. */
  readonly tokenRequests: readonly GmailTokenRequest[];
  /** Every request answered, oldest first. */
  readonly requests: readonly GmailImitationRequest[];
  /** Makes the next matching request(s) fail; queued failures are used in order. */
  failNext(failure?: GmailFailure): void;
  /**
   * Makes every send to `email` (in To, Cc or Bcc) fail with HTTP 400 and `message` (default "Invalid To
   * header"), as Gmail answers for an address it will not take, while other sends go through.
   */
  refuseRecipient(email: string, message?: string): void;
  /**
   * Issues an access token for `mailbox` directly, for tests that inject their own auth client
   * (`new OAuth2Client(); client.setCredentials({ access_token })`).
   */
  issueAccessToken(
    mailbox: string,
    options?: { readonly scope?: string; readonly ttlSeconds?: number },
  ): string;
  /** Forgets every message, token, request and failure. */
  reset(): void;
}

/** Google's OAuth 2.0 token endpoint, which is also the `aud` of service-account assertions. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** The JWT-bearer grant type service accounts use. */
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const SEND_SCOPES = new Set([
  "https://www.googleapis.com/auth/gmail.send",
  "https://www.googleapis.com/auth/gmail.compose",
  "https://www.googleapis.com/auth/gmail.modify",
  "https://mail.google.com/",
]);
const DEFAULT_SCOPE = "https://www.googleapis.com/auth/gmail.send";
const SEND_PATH = /^\/gmail\/v1\/users\/([^/]+)\/messages\/send$/;
const ADDRESS =
  /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const STATUS_TEXT: Readonly<Record<number, { status: string; reason: string; message: string }>> = {
  400: { status: "INVALID_ARGUMENT", reason: "invalidArgument", message: "Bad Request" },
  401: {
    status: "UNAUTHENTICATED",
    reason: "authError",
    message:
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
  },
  403: { status: "PERMISSION_DENIED", reason: "forbidden", message: "Forbidden" },
  404: { status: "NOT_FOUND", reason: "notFound", message: "Requested entity was not found." },
  429: { status: "RESOURCE_EXHAUSTED", reason: "rateLimitExceeded", message: "User-rate limit exceeded." },
  500: { status: "INTERNAL", reason: "backendError", message: "Backend Error" },
  503: { status: "UNAVAILABLE", reason: "backendError", message: "The service is currently unavailable." },
};

interface AccessToken {
  readonly mailbox: string | undefined;
  readonly scope: string;
  readonly expiresAt: number;
}

interface QueuedFailure {
  readonly failure: GmailFailure;
  remaining: number;
}

/**
 * Creates an imitation of Gmail's send endpoint and Google's token endpoint.
 *
 * @example
 * ```ts
 * import { setupServer } from "msw/node";
 * import { createGmailImitation, gmailHandlers } from "@precinct/testing/http";
 *
 * const gmail = createGmailImitation();
 * const server = setupServer(...gmailHandlers(gmail));
 * server.listen();
 * // ... send through googleapis ...
 * gmail.tokenRequests[0]?.subject; // the mailbox a service account impersonated
 * gmail.messages[0]?.parsed.header("List-Unsubscribe");
 * gmail.failNext({ status: 429, operation: "messages.send" });
 * ```
 */
export function createGmailImitation(options: GmailImitationOptions = {}): GmailImitation {
  const now = options.now ?? (() => new Date());
  const ttl = options.accessTokenTtlSeconds ?? 3599;
  const defaultMailbox = options.defaultMailbox ?? "organizer@example.org";
  const mailboxes = options.mailboxes?.map((m) => m.toLowerCase());
  const serviceAccountKeys = new Map<string, KeyObject>(
    Object.entries(options.serviceAccounts ?? {}).map(([email, key]) => [
      email.toLowerCase(),
      typeof key === "string" ? createPublicKey(key) : key,
    ]),
  );
  const messages: GmailImitationMessage[] = [];
  const tokens = new Map<string, AccessToken>();
  const tokenRequests: GmailTokenRequest[] = [];
  const requests: GmailImitationRequest[] = [];
  const failures: QueuedFailure[] = [];
  const refused = new Map<string, string>();
  let seq = 0;
  let tokenSeq = 0;

  const issue = (mailbox: string | undefined, scope: string, seconds = ttl): string => {
    tokenSeq += 1;
    const token = `ya29.imitation-${tokenSeq.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    tokens.set(token, { mailbox, scope, expiresAt: now().getTime() + seconds * 1000 });
    return token;
  };

  const takeFailure = (operation: GmailOperation): GmailFailure | undefined => {
    const index = failures.findIndex(
      (f) => f.failure.operation === undefined || f.failure.operation === operation,
    );
    if (index === -1) return undefined;
    const queued = failures[index] as QueuedFailure;
    queued.remaining -= 1;
    if (queued.remaining <= 0) failures.splice(index, 1);
    return queued.failure;
  };

  const token = (form: URLSearchParams, record: Omit<GmailTokenRequest, "status">): Response => {
    const grantType = record.grantType;
    if (grantType === JWT_BEARER_GRANT) {
      const jwt = decodeJwt(form.get("assertion") ?? "");
      if (jwt === undefined) return oauthError(400, "invalid_grant", "Invalid JWT: malformed assertion.");
      const claims = jwt.payload;
      const { issuer, subject, scope } = record;
      const seconds = now().getTime() / 1000;
      if (jwt.header.alg !== "RS256")
        return oauthError(400, "invalid_grant", "Invalid JWT: the algorithm must be RS256.");
      if (issuer === undefined) return oauthError(400, "invalid_grant", "Invalid JWT: no issuer.");
      if (claims.aud !== GOOGLE_TOKEN_URL) {
        return oauthError(400, "invalid_grant", `Invalid JWT: the audience must be ${GOOGLE_TOKEN_URL}.`);
      }
      if (typeof claims.exp !== "number" || typeof claims.iat !== "number") {
        return oauthError(400, "invalid_grant", "Invalid JWT: iat and exp are required.");
      }
      if (claims.exp <= seconds || claims.iat > seconds + 300 || claims.exp - claims.iat > 3600) {
        return oauthError(
          400,
          "invalid_grant",
          "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        );
      }
      if (scope === undefined || scope.trim() === "") {
        return oauthError(400, "invalid_scope", "Empty or missing scope not allowed.");
      }
      if (serviceAccountKeys.size > 0) {
        const key = serviceAccountKeys.get(issuer.toLowerCase());
        if (key === undefined) return oauthError(401, "invalid_client", "The OAuth client was not found.");
        if (!verify("RSA-SHA256", Buffer.from(jwt.signingInput), key, jwt.signature)) {
          return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
        }
      }
      if (subject !== undefined && mailboxes !== undefined && !mailboxes.includes(subject.toLowerCase())) {
        return oauthError(400, "invalid_grant", "Invalid email or User ID");
      }
      return json(200, { access_token: issue(subject, scope), expires_in: ttl, token_type: "Bearer" });
    }
    if (grantType === "refresh_token") {
      const clientId = record.clientId;
      const refreshToken = form.get("refresh_token") ?? "";
      if (clientId === undefined || refreshToken === "") {
        return oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
      }
      let mailbox = defaultMailbox;
      let scope = DEFAULT_SCOPE;
      if (options.oauthClients !== undefined) {
        const client = Object.hasOwn(options.oauthClients, clientId)
          ? options.oauthClients[clientId]
          : undefined;
        if (client === undefined || client.clientSecret !== form.get("client_secret")) {
          return oauthError(401, "invalid_client", "Unauthorized");
        }
        const owner = Object.hasOwn(client.refreshTokens, refreshToken)
          ? client.refreshTokens[refreshToken]
          : undefined;
        if (owner === undefined) return oauthError(400, "invalid_grant", "Bad Request");
        mailbox = owner;
        scope = client.scope ?? DEFAULT_SCOPE;
      }
      return json(200, { access_token: issue(mailbox, scope), expires_in: ttl, scope, token_type: "Bearer" });
    }
    return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType}`);
  };

  const send = async (request: Request, userId: string): Promise<Response> => {
    const header = request.headers.get("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const access = bearer === undefined ? undefined : tokens.get(bearer);
    if (access === undefined || access.expiresAt <= now().getTime()) {
      return googleError(401, { location: "Authorization" });
    }
    if (!access.scope.split(/\s+/).some((scope) => SEND_SCOPES.has(scope))) {
      return googleError(403, {
        reason: "insufficientPermissions",
        message: "Request had insufficient authentication scopes.",
      });
    }
    if (access.mailbox === undefined) {
      // A service account without delegation has no mailbox: Gmail answers this.
      return googleError(400, {
        reason: "failedPrecondition",
        status: "FAILED_PRECONDITION",
        message: "Precondition check failed.",
      });
    }
    const user = decodeURIComponent(userId);
    if (user !== "me" && user.toLowerCase() !== access.mailbox.toLowerCase()) {
      return googleError(403, { message: `Delegation denied for ${access.mailbox}` });
    }
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return googleError(400, { message: "Invalid JSON payload received." });
    }
    const raw = typeof body === "object" && body !== null ? (body as Record<string, unknown>).raw : undefined;
    if (typeof raw !== "string" || raw === "") {
      return googleError(400, {
        message: "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
      });
    }
    if (!BASE64.test(raw)) {
      return googleError(400, {
        message: `Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed for "${raw.slice(0, 20)}"`,
      });
    }
    const bytes = Buffer.from(raw, "base64url");
    const parsed = parseEmailMessage(bytes);
    for (const [name, list] of [
      ["To", parsed.to],
      ["Cc", parsed.cc],
      ["Bcc", parsed.bcc],
    ] as const) {
      const present = parsed.headerValues(name).length > 0;
      if (present && (list.length === 0 || list.some((address) => !ADDRESS.test(address.email)))) {
        return googleError(400, { message: `Invalid ${name} header` });
      }
    }
    if (parsed.to.length + parsed.cc.length + parsed.bcc.length === 0) {
      return googleError(400, { message: "Recipient address required" });
    }
    for (const address of [...parsed.to, ...parsed.cc, ...parsed.bcc]) {
      const refusal = refused.get(address.email.toLowerCase());
      if (refusal !== undefined) return googleError(400, { message: refusal });
    }
    seq += 1;
    const id = (0x18c0_0000_0000n + BigInt(seq)).toString(16).padStart(16, "0");
    const parent = [parsed.header("In-Reply-To"), ...parsed.headerValues("References")]
      .flatMap((value) => value?.match(/<[^>]+>/g) ?? [])
      .map((ref) => messages.find((m) => m.parsed.messageId === ref && m.mailbox === access.mailbox))
      .find((m) => m !== undefined);
    const message: GmailImitationMessage = {
      id,
      threadId: parent?.threadId ?? id,
      labelIds: ["SENT"],
      mailbox: access.mailbox,
      rawBase64: raw,
      raw: bytes.toString("utf8"),
      parsed,
      sentAt: now(),
    };
    messages.push(message);
    return json(200, { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] });
  };

  const handle = async (request: Request): Promise<Response> => {
    if (options.respondDelayMs !== undefined && options.respondDelayMs > 0)
      await sleep(options.respondDelayMs);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const log = (operation: GmailOperation | "unknown", status: number): void => {
      requests.push({ method, url: request.url, operation, status });
    };
    const sendMatch = SEND_PATH.exec(url.pathname);
    const operation: GmailOperation | undefined =
      sendMatch !== null ? "messages.send" : url.pathname === "/token" ? "token" : undefined;
    if (operation === undefined) {
      log("unknown", 404);
      return googleError(404, { message: `The requested URL ${url.pathname} was not found on this server.` });
    }
    if (method !== "POST") {
      log(operation, 405);
      return googleError(405, {
        reason: "httpMethodNotAllowed",
        status: "INVALID_ARGUMENT",
        message: "Method Not Allowed",
      });
    }
    // The token request is described before anything else, so even a failed one is recorded.
    const form = operation === "token" ? new URLSearchParams(await request.text()) : undefined;
    const tokenRecord = form === undefined ? undefined : describeTokenRequest(form);
    const finish = (response: Response | undefined): Response => {
      const status = response?.status ?? 0;
      log(operation, status);
      if (tokenRecord !== undefined) tokenRequests.push({ ...tokenRecord, status });
      return response ?? Response.error();
    };
    const failure = takeFailure(operation);
    if (failure?.networkError === true) return finish(undefined);
    if (failure !== undefined && failure.dropResponse !== true) {
      return finish(operation === "token" ? injectedTokenError(failure) : injectedApiError(failure, now()));
    }
    const response =
      form !== undefined && tokenRecord !== undefined
        ? token(form, tokenRecord)
        : await send(request, sendMatch?.[1] ?? "me");
    return finish(failure?.dropResponse === true ? undefined : response);
  };

  return {
    handle,
    get messages() {
      return [...messages];
    },
    get tokenRequests() {
      return [...tokenRequests];
    },
    get requests() {
      return [...requests];
    },
    failNext(failure = {}) {
      failures.push({ failure, remaining: failure.times ?? 1 });
    },
    refuseRecipient(email, message = "Invalid To header") {
      refused.set(email.toLowerCase(), message);
    },
    issueAccessToken(mailbox, tokenOptions = {}) {
      return issue(mailbox, tokenOptions.scope ?? DEFAULT_SCOPE, tokenOptions.ttlSeconds ?? ttl);
    },
    reset() {
      messages.length = 0;
      tokens.clear();
      tokenRequests.length = 0;
      requests.length = 0;
      failures.length = 0;
      refused.clear();
      seq = 0;
      tokenSeq = 0;
    },
  };
}

/**
 * msw request handlers that route every request to `https://gmail.googleapis.com` and
 * `https://oauth2.googleapis.com` (or the `origins` given) to the imitation.
 *
 * @example
 * ```ts
 * const server = setupServer(...gmailHandlers(imitation));
 * beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
 * afterAll(() => server.close());
 * ```
 */
export function gmailHandlers(
  imitation: GmailImitation,
  options: { readonly origins?: readonly string[] } = {},
): HttpHandler[] {
  const origins = options.origins ?? ["https://gmail.googleapis.com", "https://oauth2.googleapis.com"];
  return origins.map((origin) =>
    http.all(`${origin.replace(/\/+$/, "")}/*`, ({ request }) => imitation.handle(request)),
  );
}

/**
 * Serves the imitation over a real socket (`node:http`, keep-alive), for an adapter pointed at it with a
 * base URL (both the Gmail API and the token endpoint paths go to the one origin), benchmarks, and tests
 * where the code under test runs in another process.
 *
 * @example
 * ```ts
 * const server = await startGmailImitationServer(imitation);
 * const email = createGoogle({ serviceAccount, baseUrl: server.url }).gmail({ mailbox: "team@example.org" });
 * // ...
 * await server.close();
 * ```
 */
export function startGmailImitationServer(
  imitation: GmailImitation,
  options: ImitationServerOptions = {},
): Promise<ImitationServer> {
  return startImitationServer((request) => imitation.handle(request), options);
}

/**
 * Parses a raw RFC 5322 message (bytes, or text as sent): unfolds and decodes headers (RFC 2047
 * encoded-words), parses address lists, and decodes MIME parts (multipart nesting, quoted-printable,
 * base64, charsets). Lenient, like a receiving client: it never throws for a malformed message.
 */
export function parseEmailMessage(raw: string | Uint8Array): ParsedEmailMessage {
  // One character per byte, so 8-bit content survives until its charset is known.
  const binary =
    typeof raw === "string"
      ? Buffer.from(raw, "utf8").toString("latin1")
      : Buffer.from(raw).toString("latin1");
  const entity = parseEntity(binary);
  const parts: GmailMessagePart[] = [];
  collectParts(entity, parts);
  const headers = entity.headers;
  const values = (name: string) =>
    headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.decoded);
  const addresses = (name: string) =>
    headers
      .filter((h) => h.name.toLowerCase() === name.toLowerCase())
      .flatMap((h) => parseAddressList(h.value));
  const firstOf = (type: string) => {
    const part = parts.find((p) => p.contentType === type);
    return part === undefined ? undefined : part.content.replace(/\r\n/g, "\n");
  };
  return {
    headers,
    header: (name) => values(name)[0],
    headerValues: values,
    from: addresses("From"),
    to: addresses("To"),
    cc: addresses("Cc"),
    bcc: addresses("Bcc"),
    replyTo: addresses("Reply-To"),
    subject: values("Subject")[0],
    messageId: values("Message-ID")[0]?.trim(),
    contentType: entity.contentType,
    parts,
    text: firstOf("text/plain"),
    html: firstOf("text/html"),
    lines: Buffer.from(binary, "latin1").toString("utf8").split(/\r?\n/),
  };
}

/**
 * Decodes RFC 2047 encoded-words (`=?charset?B?…?=`, `=?charset?Q?…?=`) in a header value; whitespace
 * between adjacent encoded-words is dropped, as the RFC says.
 */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g, "$1")
    .replace(
      /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g,
      (word, charset: string, encoding: string, text: string) => {
        const bytes =
          encoding.toUpperCase() === "B"
            ? Buffer.from(text, "base64")
            : Buffer.from(
                text
                  .replace(/_/g, " ")
                  .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
                    String.fromCharCode(Number.parseInt(hex, 16)),
                  ),
                "latin1",
              );
        try {
          return new TextDecoder(charset.split("*")[0]).decode(bytes);
        } catch {
          return word;
        }
      },
    );
}

interface Entity {
  readonly headers: GmailHeader[];
  readonly contentType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly transferEncoding: string;
  readonly body: string;
  readonly children: Entity[];
}

function parseEntity(binary: string): Entity {
  const split = /\r?\n\r?\n/.exec(binary);
  const head = split === null ? binary : binary.slice(0, split.index);
  const body = split === null ? "" : binary.slice(split.index + split[0].length);
  const headers: GmailHeader[] = [];
  for (const line of head.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last !== undefined) {
      // Unfolding removes the line break only; the whitespace stays.
      const value = `${last.value}${line}`;
      headers[headers.length - 1] = { name: last.name, value, decoded: decodeHeader(value) };
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const value = line.slice(colon + 1).replace(/^[ \t]+/, "");
    headers.push({ name: line.slice(0, colon), value, decoded: decodeHeader(value) });
  }
  const typeHeader = headers.find((h) => h.name.toLowerCase() === "content-type")?.value ?? "text/plain";
  const [typePart = "text/plain", ...paramParts] = splitOutsideQuotes(typeHeader, ";");
  const params: Record<string, string> = {};
  for (const param of paramParts) {
    const eq = param.indexOf("=");
    if (eq === -1) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const raw = param.slice(eq + 1).trim();
    params[name] = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
  }
  const contentType = typePart.trim().toLowerCase();
  const transferEncoding = (
    headers.find((h) => h.name.toLowerCase() === "content-transfer-encoding")?.value ?? "7bit"
  )
    .trim()
    .toLowerCase();
  const children: Entity[] = [];
  const boundary = params.boundary;
  if (contentType.startsWith("multipart/") && boundary !== undefined) {
    const lines = body.split(/\r?\n/);
    let current: string[] | undefined;
    for (const line of lines) {
      const trimmed = line.replace(/[ \t]+$/, "");
      if (trimmed === `--${boundary}--`) {
        if (current !== undefined) children.push(parseEntity(current.join("\r\n")));
        current = undefined;
        break;
      }
      if (trimmed === `--${boundary}`) {
        if (current !== undefined) children.push(parseEntity(current.join("\r\n")));
        current = [];
        continue;
      }
      current?.push(line);
    }
    if (current !== undefined) children.push(parseEntity(current.join("\r\n")));
  }
  return { headers, contentType, params, transferEncoding, body, children };
}

function collectParts(entity: Entity, parts: GmailMessagePart[]): void {
  if (entity.children.length > 0) {
    for (const child of entity.children) collectParts(child, parts);
    return;
  }
  let bytes: Buffer;
  if (entity.transferEncoding === "quoted-printable") {
    bytes = Buffer.from(
      entity.body
        .replace(/=\r?\n/g, "")
        .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      "latin1",
    );
  } else if (entity.transferEncoding === "base64") {
    bytes = Buffer.from(entity.body.replace(/\s+/g, ""), "base64");
  } else {
    bytes = Buffer.from(entity.body, "latin1");
  }
  const charset = entity.params.charset?.toLowerCase();
  let content: string;
  try {
    content = new TextDecoder(charset ?? "us-ascii").decode(bytes);
  } catch {
    content = bytes.toString("utf8");
  }
  parts.push({
    contentType: entity.contentType,
    charset,
    transferEncoding: entity.transferEncoding,
    encodedLines: Buffer.from(entity.body, "latin1").toString("utf8").split(/\r?\n/),
    content,
  });
}

function decodeHeader(value: string): string {
  return decodeEncodedWords(Buffer.from(value, "latin1").toString("utf8"));
}

/** Parses `Name <a@b>, "Last, First" <c@d>, e@f` into addresses, decoding display names. */
function parseAddressList(value: string): GmailAddress[] {
  const text = Buffer.from(value, "latin1").toString("utf8");
  const addresses: GmailAddress[] = [];
  for (const item of splitOutsideQuotes(text, ",")) {
    const trimmed = item.trim();
    if (trimmed === "") continue;
    const angle = /^(.*)<([^<>]*)>\s*$/.exec(trimmed);
    if (angle === null) {
      addresses.push({ email: trimmed });
      continue;
    }
    const phrase = (angle[1] ?? "").trim();
    const email = (angle[2] ?? "").trim();
    const name =
      phrase.startsWith('"') && phrase.endsWith('"') && phrase.length >= 2
        ? phrase.slice(1, -1).replace(/\\(.)/g, "$1")
        : decodeEncodedWords(phrase);
    addresses.push(name === "" ? { email } : { email, name });
  }
  return addresses;
}

/** Splits on `separator` outside double quotes and angle brackets. */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (char === "\\" && quoted && i + 1 < value.length) {
      current += char + value[i + 1];
      i += 1;
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === "<") angle += 1;
    else if (!quoted && char === ">") angle = Math.max(0, angle - 1);
    if (char === separator && !quoted && angle === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** What a token request asks for: the grant, and the JWT's claims or the OAuth client. */
function describeTokenRequest(form: URLSearchParams): Omit<GmailTokenRequest, "status"> {
  const grantType = form.get("grant_type") ?? "";
  if (grantType === JWT_BEARER_GRANT) {
    const claims = decodeJwt(form.get("assertion") ?? "")?.payload ?? {};
    return {
      grantType,
      ...(typeof claims.iss === "string" ? { issuer: claims.iss } : {}),
      ...(typeof claims.sub === "string" ? { subject: claims.sub } : {}),
      ...(typeof claims.scope === "string" ? { scope: claims.scope } : {}),
    };
  }
  const clientId = form.get("client_id");
  return { grantType, ...(clientId !== null ? { clientId } : {}) };
}

interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

function decodeJwt(assertion: string): DecodedJwt | undefined {
  const [header, payload, signature, ...rest] = assertion.split(".");
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0)
    return undefined;
  try {
    const decoded = {
      header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as unknown,
      payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown,
    };
    if (typeof decoded.header !== "object" || decoded.header === null) return undefined;
    if (typeof decoded.payload !== "object" || decoded.payload === null) return undefined;
    return {
      header: decoded.header as Record<string, unknown>,
      payload: decoded.payload as Record<string, unknown>,
      signingInput: `${header}.${payload}`,
      signature: Buffer.from(signature, "base64url"),
    };
  } catch {
    return undefined;
  }
}

function googleError(
  code: number,
  extra: {
    readonly reason?: string;
    readonly message?: string;
    readonly status?: string;
    readonly location?: string;
  } = {},
): Response {
  const known = STATUS_TEXT[code];
  const message = extra.message ?? known?.message ?? `HTTP ${code}`;
  const reason = extra.reason ?? known?.reason ?? "unknown";
  return json(code, {
    error: {
      code,
      message,
      errors: [
        {
          message,
          domain:
            reason === "rateLimitExceeded" || reason === "userRateLimitExceeded" ? "usageLimits" : "global",
          reason,
          ...(extra.location !== undefined ? { location: extra.location, locationType: "header" } : {}),
        },
      ],
      status: extra.status ?? known?.status ?? "UNKNOWN",
    },
  });
}

function injectedApiError(failure: GmailFailure, at: Date): Response {
  const status = failure.status ?? 500;
  if (status === 429 && failure.message === undefined) {
    const retryAt = failure.retryAfter ?? new Date(at.getTime() + 60_000);
    return googleError(429, {
      ...(failure.reason !== undefined ? { reason: failure.reason } : {}),
      message: `User-rate limit exceeded.  Retry after ${retryAt.toISOString()} (Mail sending)`,
    });
  }
  return googleError(status, {
    ...(failure.reason !== undefined ? { reason: failure.reason } : {}),
    ...(failure.message !== undefined ? { message: failure.message } : {}),
  });
}

function injectedTokenError(failure: GmailFailure): Response {
  const status = failure.status ?? 500;
  const error =
    failure.reason ??
    (status >= 500 ? "internal_failure" : status === 401 ? "unauthorized_client" : "invalid_grant");
  return oauthError(status, error, failure.message ?? (status >= 500 ? "Internal Failure" : "Bad Request"));
}

function oauthError(status: number, error: string, description: string): Response {
  return json(status, { error, error_description: description });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8" },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
