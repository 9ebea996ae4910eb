/**
 * Settings of {@link createTwilio} and options of `provider.sms()`, validated with strict zod schemas: an
 * unknown or malformed setting is a `ConfigError` naming it, never a surprise at the first send.
 *
 * @module
 */

import { ConfigError } from "@precinct/core";
import type Twilio from "twilio";
import { type ZodType, z } from "zod";

/** An instance of the official twilio SDK client (`twilio(accountSid, authToken)`). */
export type TwilioClient = Twilio.Twilio;

/** @internal The parameters of the SDK's `messages.create`: plain data (strings, numbers, arrays). */
export type TwilioMessageCreateParams = Parameters<TwilioClient["messages"]["create"]>[0];

/** Settings for {@link createTwilio}. Every field is optional when the environment provides it. */
export interface TwilioProviderSettings {
  /** The account sid (`AC…`). Default: `process.env.TWILIO_ACCOUNT_SID`. */
  readonly accountSid?: string;
  /**
   * The account's auth token. It authenticates API requests (unless an API key is given) and is the key
   * Twilio signs webhooks with, so verifying webhooks always needs it. Default:
   * `process.env.TWILIO_AUTH_TOKEN`.
   */
  readonly authToken?: string;
  /** An API key sid (`SK…`) to authenticate API requests with instead of the auth token. */
  readonly apiKey?: string;
  /** The API key's secret. Default: `process.env.TWILIO_API_SECRET` when `apiKey` is given. */
  readonly apiSecret?: string;
  /**
   * A twilio SDK client to use as is (your own retries, edge, region or proxy). Credentials then come
   * from the client; `authToken` is still needed to verify webhooks when the client uses an API key.
   */
  readonly client?: TwilioClient;
  /**
   * Send every API request to this origin instead of `https://api.twilio.com` and
   * `https://lookups.twilio.com` (paths are kept): a test server, a benchmark imitation or a proxy.
   * Cannot be combined with `client`.
   */
  readonly baseUrl?: string;
}

/** Options for `provider.sms()`: the defaults every message falls back to. */
export interface TwilioSmsOptions {
  /**
   * The default sender: an E.164 number, a short code or an alphanumeric sender id. A message's own `from`
   * wins. Default: `process.env.TWILIO_PHONE_NUMBER` when no Messaging Service is configured either.
   */
  readonly from?: string;
  /**
   * The Messaging Service (`MG…`) that picks a sender from its pool. With `from` as well, Twilio sends
   * from that number of the pool. Default: `process.env.TWILIO_MESSAGING_SERVICE_SID`.
   */
  readonly messagingServiceSid?: string;
  /** The public URL Twilio posts status callbacks to, unless a message names its own. */
  readonly statusCallbackUrl?: string;
  /**
   * Offer `lookup()` (Lookup v2 line type intelligence), so the engine can skip landlines before sending.
   * Twilio bills each lookup, so it is off unless asked for. Default false.
   */
  readonly lookup?: boolean;
  /**
   * Whether Twilio answers STOP/START/HELP itself (Advanced Opt-Out, on by default on Twilio numbers and
   * Messaging Services), so the engine must not send a second reply. Default true.
   */
  readonly handlesKeywords?: boolean;
  /**
   * How many seconds before `since` a message may have been created and still be found by `findSent()`:
   * Twilio's timestamps have whole seconds and its clock is not ours. Default 5.
   */
  readonly findSentToleranceSeconds?: number;
  /**
   * Make `send()`'s `messages.create` calls on a worker thread with its own SDK client. The SDK's work per
   * message (building the request, the HTTP client, parsing the answer: about 0.2–0.3 ms of CPU) then runs
   * beside the engine's (the dispatcher, the compliance gate, the database) instead of after it, which
   * leaves the calling thread free for webhooks and the engine. On the two-core benchmark machine a
   * 50,000-text drain took 19.7–21.9 s with the thread and 27.2 s without (the handover costs CPU too);
   * more cores help more. Sends behave the same: validation, error mapping and the answer's parsing stay on
   * the calling thread. The worker starts when the transport is created, so loading the SDK on it overlaps
   * the campaign's launch. Default false.
   *
   * Needs credentials (settings or environment), not an injected `client`: a client cannot move to
   * another thread. Requests made on the worker are not seen by msw handlers of the main thread; test
   * against a real socket (`startTwilioImitationServer` from `@precinct/testing/http`) instead. Release the
   * thread with the transport's `close()`, or let it be: it keeps no process alive while idle.
   */
  readonly sendThread?: boolean;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const SHORT_CODE = /^\d{3,8}$/;
// Alphanumeric sender ids: up to 11 letters, digits and spaces, at least one letter.
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const settingsSchema = z.strictObject({
  accountSid: z
    .string()
    .trim()
    .regex(
      ACCOUNT_SID,
      "must be AC followed by 32 hexadecimal digits (the Account SID in the Twilio Console)",
    )
    .optional(),
  authToken: nonEmpty.optional(),
  apiKey: z.string().trim().regex(API_KEY_SID, "must be SK followed by 32 hexadecimal digits").optional(),
  apiSecret: nonEmpty.optional(),
  client: z
    .custom<TwilioClient>(
      (value) => typeof value === "object" && value !== null && "messages" in value && "lookups" in value,
      "must be a twilio SDK client, as returned by twilio(accountSid, authToken)",
    )
    .optional(),
  baseUrl: httpUrl.optional(),
});

const smsOptionsSchema = z.strictObject({
  from: z
    .string()
    .trim()
    .refine(
      (from) => E164.test(from) || SHORT_CODE.test(from) || ALPHANUMERIC_SENDER.test(from),
      "must be an E.164 number (+19195550123), a short code or an alphanumeric sender id",
    )
    .optional(),
  messagingServiceSid: z
    .string()
    .trim()
    .regex(SERVICE_SID, "must be MG followed by 32 hexadecimal digits (a Messaging Service SID)")
    .optional(),
  statusCallbackUrl: httpUrl.optional(),
  lookup: z.boolean().default(false),
  handlesKeywords: z.boolean().default(true),
  findSentToleranceSeconds: z.number().int().min(0).max(3600).default(5),
  sendThread: z.boolean().default(false),
});

/** {@link TwilioSmsOptions} after validation and defaults. */
export type ResolvedTwilioSmsOptions = z.output<typeof smsOptionsSchema>;

/** Credentials resolved from settings and environment. */
export interface ResolvedTwilioCredentials {
  readonly accountSid: string;
  /** The Basic-auth user: the account sid, or the API key sid. */
  readonly username: string;
  /** The Basic-auth password: the auth token, or the API key secret. */
  readonly password: string;
  /** The auth token, for webhook signatures; absent when only an API key was given. */
  readonly authToken: string | undefined;
}

/** @internal Validates {@link TwilioProviderSettings}. */
export function parseSettings(settings: unknown): z.output<typeof settingsSchema> {
  const parsed = parse(settingsSchema, settings ?? {}, "createTwilio settings");
  if (parsed.client !== undefined && parsed.baseUrl !== undefined) {
    throw new ConfigError(
      "createTwilio settings: give either `client` or `baseUrl`, not both; point your own client at another origin with its httpClient.",
      { details: { setting: "baseUrl" } },
    );
  }
  return parsed;
}

/**
 * @internal Resolves credentials for building a client: settings first, then the environment, with an
 * error naming the variable to set.
 */
export function resolveCredentials(
  settings: z.output<typeof settingsSchema>,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedTwilioCredentials {
  const accountSid = settings.accountSid ?? fromEnv(env, "TWILIO_ACCOUNT_SID", "accountSid");
  if (!ACCOUNT_SID.test(accountSid)) {
    throw new ConfigError(
      "TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits (the Account SID in the Twilio Console).",
      { details: { setting: "accountSid", variable: "TWILIO_ACCOUNT_SID" } },
    );
  }
  const authToken = settings.authToken ?? nonBlank(env.TWILIO_AUTH_TOKEN);
  if (settings.apiKey !== undefined) {
    const apiSecret = settings.apiSecret ?? fromEnv(env, "TWILIO_API_SECRET", "apiSecret");
    return { accountSid, username: settings.apiKey, password: apiSecret, authToken };
  }
  if (settings.apiSecret !== undefined) {
    throw new ConfigError("createTwilio settings: `apiSecret` needs `apiKey` (the SK… sid it belongs to).", {
      details: { setting: "apiKey" },
    });
  }
  const token = authToken ?? fromEnv(env, "TWILIO_AUTH_TOKEN", "authToken");
  return { accountSid, username: accountSid, password: token, authToken: token };
}

/**
 * @internal The auth token to verify webhooks with when a client was injected: the setting, else the
 * client's own password when it authenticates with the auth token (not with an API key), else the
 * environment.
 */
export function injectedClientAuthToken(
  settings: z.output<typeof settingsSchema>,
  client: TwilioClient,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const own = client.username === client.accountSid ? client.password : undefined;
  return settings.authToken ?? nonBlank(own) ?? nonBlank(env.TWILIO_AUTH_TOKEN);
}

/** @internal Validates {@link TwilioSmsOptions}, filling the sender from the environment. */
export function parseSmsOptions(
  options: unknown,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedTwilioSmsOptions {
  const parsed = parse(smsOptionsSchema, options ?? {}, "twilio sms options");
  if (parsed.from !== undefined || parsed.messagingServiceSid !== undefined) return parsed;
  const service = nonBlank(env.TWILIO_MESSAGING_SERVICE_SID);
  const from = nonBlank(env.TWILIO_PHONE_NUMBER);
  if (service === undefined && from === undefined) {
    throw new ConfigError(
      "twilio sms options: a default sender is required. Pass `from` (a Twilio number) or `messagingServiceSid`, or set TWILIO_PHONE_NUMBER or TWILIO_MESSAGING_SERVICE_SID.",
      { details: { setting: "from", variables: ["TWILIO_PHONE_NUMBER", "TWILIO_MESSAGING_SERVICE_SID"] } },
    );
  }
  // Re-validate so a malformed environment value is reported like a malformed option.
  return parse(
    smsOptionsSchema,
    {
      ...(options as object | undefined),
      ...(service !== undefined ? { messagingServiceSid: service } : { from }),
    },
    service !== undefined ? "TWILIO_MESSAGING_SERVICE_SID" : "TWILIO_PHONE_NUMBER",
  );
}

function parse<T extends ZodType>(schema: T, value: unknown, label: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const where = path === "" ? label : `${label}: \`${path}\``;
  const reason =
    issue?.code === "unrecognized_keys"
      ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(", ")}`
      : (issue?.message ?? "is invalid");
  throw new ConfigError(`${where} ${reason}.`, { details: { setting: path || label }, cause: result.error });
}

function fromEnv(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  setting: string,
): string {
  const value = nonBlank(env[variable]);
  if (value === undefined) {
    throw new ConfigError(
      `Twilio ${setting} is missing: pass createTwilio({ ${setting} }) or set the ${variable} environment variable.`,
      { details: { setting, variable } },
    );
  }
  return value;
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
