/**
 * Settings of {@link createGoogle} and options of `provider.gmail()`, validated with strict zod schemas:
 * an unknown or malformed setting is a `ConfigError` naming it (never showing a secret), not a surprise
 * at the first send. Credentials come from the settings, else from the environment.
 *
 * @module
 */

import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "@precinct/core";
import type { Auth } from "googleapis";
import { type ZodType, z } from "zod";

/**
 * An auth client from googleapis / google-auth-library that you built yourself (`google.auth.JWT`,
 * `google.auth.OAuth2`, `new GoogleAuth(...)`, workload identity federation, ...). It is used as is.
 */
export type GoogleAuthClient = Auth.OAuth2Client | Auth.GoogleAuth | Auth.BaseExternalAccountClient;

/** A service account's key, as fields (`clientEmail`, `privateKey`). */
export interface GoogleServiceAccountCredentials {
  /** The service account's email, `name@project.iam.gserviceaccount.com`. */
  readonly clientEmail: string;
  /** The PEM private key (`-----BEGIN PRIVATE KEY-----…`). Escaped `\n` sequences are accepted. */
  readonly privateKey: string;
  /** The key's id, sent in the JWT header so Google can pick the key without trying each. */
  readonly privateKeyId?: string;
}

/** A service account's JSON key file as Google Cloud downloads it (only these fields are read). */
export interface GoogleServiceAccountKeyFile {
  /** `service_account`. */
  readonly type?: "service_account";
  /** The service account's email. */
  readonly client_email: string;
  /** The PEM private key. */
  readonly private_key: string;
  /** The key's id. */
  readonly private_key_id?: string;
}

/** An OAuth 2.0 client and a refresh token a user granted it (with the `gmail.send` scope). */
export interface GoogleOAuth2Credentials {
  /** The OAuth client id (`….apps.googleusercontent.com`). */
  readonly clientId: string;
  /** The OAuth client secret. */
  readonly clientSecret: string;
  /** The refresh token the mailbox's owner granted; it must include `https://www.googleapis.com/auth/gmail.send`. */
  readonly refreshToken: string;
}

/**
 * Settings for {@link createGoogle}: exactly one way to authenticate. With none, the environment is read:
 * `GOOGLE_CLIENT_ID` + `GOOGLE_CLIENT_SECRET` + `GOOGLE_REFRESH_TOKEN` (OAuth2), else
 * `GOOGLE_SERVICE_ACCOUNT_KEY` (the key file's JSON), else `GOOGLE_APPLICATION_CREDENTIALS` (a key file's
 * path: a service account, or an `authorized_user` file from `gcloud auth application-default login`).
 */
export interface GoogleProviderSettings {
  /**
   * A service account with domain-wide delegation: it sends as a Workspace mailbox (`gmail({ mailbox })`)
   * without that person's password. Its fields, its parsed JSON key file, or the key file's text.
   */
  readonly serviceAccount?: GoogleServiceAccountCredentials | GoogleServiceAccountKeyFile | string;
  /** The path of a JSON key file (`service_account` or `authorized_user`). */
  readonly keyFile?: string;
  /** An OAuth2 client with a refresh token: sends as the account that granted the token. */
  readonly oauth2?: GoogleOAuth2Credentials;
  /** Your own auth client, used as is (token caching, proxies, other credential types). */
  readonly authClient?: GoogleAuthClient;
  /**
   * Send every Google request to this origin (optionally with a path prefix) instead of
   * `https://gmail.googleapis.com` and `https://oauth2.googleapis.com`: a test server, a benchmark
   * imitation or a proxy. With `authClient`, only Gmail API requests move; token requests are the
   * client's own business.
   */
  readonly baseUrl?: string;
}

/** Options for `provider.gmail()`. */
export interface GmailOptions {
  /**
   * The Workspace mailbox to send as (`organizing@riverside.example.org`). Required with a service
   * account, which impersonates it through domain-wide delegation (the JWT's `subject`); not accepted
   * otherwise, because with OAuth2 the mailbox is the account that granted the refresh token.
   */
  readonly mailbox?: string;
  /**
   * The most messages one `send()` takes. Gmail sends one message per request, so a batch is sent one
   * message after another; 1 (the default) keeps a request failure from splitting a batch. At most 100.
   */
  readonly maxBatchSize?: number;
  /** The domain of generated `Message-ID`s. Default: each message's `from` domain. */
  readonly messageIdDomain?: string;
  /** The clock for the `Date` header. Default `() => new Date()`. */
  readonly clock?: () => Date;
}

/** The scope the transport asks for: sending only, not reading the mailbox. */
export const GMAIL_SEND_SCOPE = "https://www.googleapis.com/auth/gmail.send";

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");
const email = z.email({ error: "must be an email address" });
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const camelKey = z.strictObject({
  clientEmail: email,
  privateKey: nonEmpty,
  privateKeyId: nonEmpty.optional(),
});
// A downloaded key file has many more fields (project_id, token_uri, ...): keep them out of the way.
const snakeKey = z.looseObject({
  type: z.literal("service_account", { error: 'must be "service_account"' }).optional(),
  client_email: email,
  private_key: nonEmpty,
  private_key_id: nonEmpty.optional(),
});

/** Either shape of a service account key, normalized to the fields the JWT client takes. */
const serviceAccountKey = z.union([
  camelKey.transform((key) => ({ ...key, privateKeyId: key.privateKeyId })),
  snakeKey.transform((key) => ({
    clientEmail: key.client_email,
    privateKey: key.private_key,
    privateKeyId: key.private_key_id,
  })),
]);

const settingsSchema = z.strictObject({
  serviceAccount: z.union([nonEmpty, camelKey, snakeKey]).optional(),
  keyFile: nonEmpty.optional(),
  oauth2: z.strictObject({ clientId: nonEmpty, clientSecret: nonEmpty, refreshToken: nonEmpty }).optional(),
  authClient: z
    .custom<GoogleAuthClient>(
      (value) =>
        typeof value === "object" &&
        value !== null &&
        typeof (value as Record<string, unknown>).getRequestHeaders === "function",
      "must be a googleapis auth client (google.auth.JWT, google.auth.OAuth2, GoogleAuth, ...)",
    )
    .optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
});

const gmailOptionsSchema = z.strictObject({
  mailbox: email.optional(),
  maxBatchSize: z.int().min(1).max(100).default(1),
  messageIdDomain: z.string().trim().regex(HOSTNAME, "must be a domain name").optional(),
  clock: z.custom<() => Date>((value) => typeof value === "function", "must be a function").optional(),
});

/** {@link GoogleProviderSettings} after validation. */
export type ParsedGoogleSettings = z.output<typeof settingsSchema>;

/** {@link GmailOptions} after validation and defaults. */
export type ResolvedGmailOptions = z.output<typeof gmailOptionsSchema>;

/** How the provider authenticates, after settings and environment are resolved. */
export type ResolvedGoogleCredentials =
  | {
      readonly kind: "serviceAccount";
      readonly clientEmail: string;
      readonly privateKey: string;
      readonly privateKeyId: string | undefined;
    }
  | {
      readonly kind: "oauth2";
      readonly clientId: string;
      readonly clientSecret: string;
      readonly refreshToken: string;
    }
  | { readonly kind: "authClient"; readonly client: GoogleAuthClient };

type Env = Readonly<Record<string, string | undefined>>;

const OAUTH_VARIABLES = ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_REFRESH_TOKEN"] as const;

/** @internal Validates {@link GoogleProviderSettings}. */
export function parseSettings(settings: unknown): ParsedGoogleSettings {
  const parsed = parse(settingsSchema, settings ?? {}, "createGoogle settings");
  const given = (["serviceAccount", "keyFile", "oauth2", "authClient"] as const).filter(
    (key) => parsed[key] !== undefined,
  );
  if (given.length > 1) {
    throw new ConfigError(
      `createGoogle settings: give one way to authenticate, not ${given.map((key) => `\`${key}\``).join(" and ")}.`,
      { details: { setting: given[1] } },
    );
  }
  return parsed;
}

/**
 * @internal Resolves the credentials: the settings first, then the environment, with a `ConfigError`
 * naming the setting or variable to fix.
 */
export function resolveCredentials(settings: ParsedGoogleSettings, env: Env): ResolvedGoogleCredentials {
  if (settings.authClient !== undefined) return { kind: "authClient", client: settings.authClient };
  if (settings.oauth2 !== undefined) return { kind: "oauth2", ...settings.oauth2 };
  if (settings.serviceAccount !== undefined) {
    return serviceAccount(
      settings.serviceAccount,
      "serviceAccount",
      "createGoogle settings: `serviceAccount`",
    );
  }
  if (settings.keyFile !== undefined) return fromKeyFile(settings.keyFile, "keyFile");

  const oauth = OAUTH_VARIABLES.map((variable) => nonBlank(env[variable]));
  if (oauth.some((value) => value !== undefined)) {
    const missing = OAUTH_VARIABLES.filter((_, index) => oauth[index] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `Google OAuth2 credentials are incomplete: set ${missing.join(" and ")} as well (or pass createGoogle({ oauth2: { clientId, clientSecret, refreshToken } })).`,
        { details: { setting: "oauth2", variables: missing } },
      );
    }
    const [clientId, clientSecret, refreshToken] = oauth as [string, string, string];
    return { kind: "oauth2", clientId, clientSecret, refreshToken };
  }
  const json = nonBlank(env.GOOGLE_SERVICE_ACCOUNT_KEY);
  if (json !== undefined)
    return serviceAccount(json, "GOOGLE_SERVICE_ACCOUNT_KEY", "GOOGLE_SERVICE_ACCOUNT_KEY");
  const path = nonBlank(env.GOOGLE_APPLICATION_CREDENTIALS);
  if (path !== undefined) return fromKeyFile(path, "GOOGLE_APPLICATION_CREDENTIALS");
  throw new ConfigError(
    "Google credentials are missing: pass createGoogle({ serviceAccount }) (domain-wide delegation), createGoogle({ oauth2: { clientId, clientSecret, refreshToken } }), createGoogle({ keyFile }) or createGoogle({ authClient }), or set GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_SERVICE_ACCOUNT_KEY, or GOOGLE_CLIENT_ID + GOOGLE_CLIENT_SECRET + GOOGLE_REFRESH_TOKEN.",
    {
      details: {
        setting: "serviceAccount",
        variables: ["GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_SERVICE_ACCOUNT_KEY", ...OAUTH_VARIABLES],
      },
    },
  );
}

/** @internal Validates {@link GmailOptions} against the credentials in use. */
export function parseGmailOptions(
  options: unknown,
  credentials: ResolvedGoogleCredentials,
): ResolvedGmailOptions {
  const parsed = parse(gmailOptionsSchema, options ?? {}, "gmail options");
  if (credentials.kind === "serviceAccount" && parsed.mailbox === undefined) {
    throw new ConfigError(
      "gmail options: `mailbox` is required with a service account: the Workspace mailbox to send as, which the service account impersonates through domain-wide delegation.",
      { details: { setting: "mailbox" } },
    );
  }
  if (credentials.kind !== "serviceAccount" && parsed.mailbox !== undefined) {
    throw new ConfigError(
      `gmail options: \`mailbox\` applies to service accounts only; with ${
        credentials.kind === "oauth2" ? "OAuth2 credentials" : "an injected authClient"
      } Gmail sends as the account the credentials belong to.`,
      { details: { setting: "mailbox" } },
    );
  }
  return parsed;
}

function serviceAccount(value: unknown, setting: string, label: string): ResolvedGoogleCredentials {
  let key: unknown = value;
  if (typeof value === "string") {
    try {
      key = JSON.parse(value);
    } catch (error) {
      throw new ConfigError(`${label} is not valid JSON: expected a service account's key file contents.`, {
        details: { setting },
        cause: error,
      });
    }
  }
  const fields = parse(serviceAccountKey, key, label);
  // Keys pasted into environment variables often carry literal "\n" sequences instead of line breaks.
  const privateKey = fields.privateKey.includes("\\n")
    ? fields.privateKey.replace(/\\n/g, "\n")
    : fields.privateKey;
  try {
    try {
      createPrivateKey(privateKey);
    } catch {
      // OpenSSL can report an error an earlier, unrelated operation left on its queue (seen after TLS
      // setup in this process); that first failure clears it. A key that is really bad fails again.
      createPrivateKey(privateKey);
    }
  } catch (error) {
    throw new ConfigError(
      `${label}: the private key is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----…" from the service account's JSON key).`,
      { details: { setting: `${setting}.privateKey` }, cause: error },
    );
  }
  return {
    kind: "serviceAccount",
    clientEmail: fields.clientEmail,
    privateKey,
    privateKeyId: fields.privateKeyId,
  };
}

function fromKeyFile(path: string, setting: string): ResolvedGoogleCredentials {
  const label = setting === "keyFile" ? "createGoogle settings: `keyFile`" : setting;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`${label}: cannot read the key file ${JSON.stringify(path)}.`, {
      details: { setting },
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${label}: ${JSON.stringify(path)} is not a JSON key file.`, {
      details: { setting },
      cause: error,
    });
  }
  const type = typeof json === "object" && json !== null ? (json as Record<string, unknown>).type : undefined;
  if (type === "authorized_user") {
    const user = parse(
      z.looseObject({ client_id: nonEmpty, client_secret: nonEmpty, refresh_token: nonEmpty }),
      json,
      `${label} (${JSON.stringify(path)})`,
    );
    return {
      kind: "oauth2",
      clientId: user.client_id,
      clientSecret: user.client_secret,
      refreshToken: user.refresh_token,
    };
  }
  if (type !== "service_account") {
    throw new ConfigError(
      `${label}: ${JSON.stringify(path)} has type ${JSON.stringify(type)}; Gmail sending needs a "service_account" or "authorized_user" key file.`,
      { details: { setting } },
    );
  }
  return serviceAccount(json, setting, `${label} (${JSON.stringify(path)})`);
}

function parse<T extends ZodType>(schema: T, value: unknown, label: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstIssue(result.error.issues);
  const path = issue?.path.map(String).join(".") ?? "";
  const where = path === "" ? label : `${label}: \`${path}\``;
  const reason =
    issue?.code === "unrecognized_keys"
      ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(", ")}`
      : (issue?.message ?? "is invalid");
  // The message names the setting and the rule, never the value: it may be a secret.
  throw new ConfigError(`${where} ${reason}.`, { details: { setting: path || label } });
}

/**
 * The issue to report. For a union (a key as fields, as a key file, or as text), the first issue of the
 * alternative the value came closest to: the one with the fewest issues, ignoring alternatives of
 * another type altogether.
 */
function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const issue = issues[0];
  if (issue?.code !== "invalid_union") return issue;
  const branches = issue.errors
    .filter(
      (branch) => !(branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0),
    )
    .sort((a, b) => a.length - b.length);
  const best = branches[0] === undefined ? undefined : firstIssue(branches[0]);
  return best === undefined ? issue : { ...best, path: [...issue.path, ...best.path] };
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
