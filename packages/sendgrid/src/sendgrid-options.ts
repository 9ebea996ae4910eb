/**
 * Settings of {@link createSendGrid} and options of `provider.email()`, validated with strict zod schemas:
 * an unknown or malformed setting is a `ConfigError` naming it, never a surprise at the first send.
 *
 * @module
 */

import { ConfigError, type SuppressionReason } from "@precinct/core";
import { EventWebhook } from "@sendgrid/eventwebhook";
import type { MailService } from "@sendgrid/mail";
import { type ZodType, z } from "zod";

/**
 * An instance of the official `@sendgrid/client` `Client` (what `@sendgrid/mail`'s `MailService` sends
 * through). Typed through `@sendgrid/mail`, which depends on it.
 */
export type SendGridClient = Parameters<MailService["setClient"]>[0];

/** Settings for {@link createSendGrid}. */
export interface SendGridProviderSettings {
  /**
   * The API key (`SG.…`), with the Mail Send scope (and Suppressions read access for `suppressions()`).
   * Default: `process.env.SENDGRID_API_KEY`.
   */
  readonly apiKey?: string;
  /**
   * Send every API request to this origin instead of `https://api.sendgrid.com` (paths are kept): a test
   * server, a benchmark imitation or a proxy. Also the way to reach the EU region
   * (`https://api.eu.sendgrid.com`).
   */
  readonly baseUrl?: string;
  /** Give up on a request after this many milliseconds (a retryable error). Default 30,000. */
  readonly timeoutMs?: number;
}

/** Options for `provider.email()`: how every message is sent and how webhooks are checked. */
export interface SendGridEmailOptions {
  /**
   * SendGrid's sandbox mode (`mail_settings.sandbox_mode`): SendGrid validates every request and answers
   * 200 without sending anything. For trying a campaign end to end. Default false.
   */
  readonly sandboxMode?: boolean;
  /**
   * The Signed Event Webhook's verification key, as the SendGrid console shows it (Settings → Mail
   * Settings → Event Webhook → Signature verification: base64 DER, or PEM). With it the transport offers
   * `verifyWebhook()`; without it, it does not, and the webhook router refuses unsigned event posts unless
   * told to trust them. Default: `process.env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY`.
   */
  readonly eventWebhookPublicKey?: string;
  /**
   * Refuse a webhook whose signed timestamp is older than this many seconds (a replay). Default 600.
   * Timestamps more than 60 s in the future are refused too.
   */
  readonly maxEventAgeSeconds?: number;
  /**
   * The unsubscribe group (ASM group id) every message belongs to: recipients can leave that topic
   * instead of all mail, and SendGrid honours the group's suppressions. Default: none (global
   * unsubscribes only).
   */
  readonly asmGroupId?: number;
  /** The dedicated IP pool to send from. Default: the account's default. */
  readonly ipPoolName?: string;
  /**
   * Which suppression lists `suppressions()` reads. Default all of them: `bounce`, `block`, `spamreport`,
   * `unsubscribe`, `invalid` and `group_unsubscribe`.
   */
  readonly suppressionLists?: readonly SuppressionReason[];
  /**
   * The clock webhook timestamps are compared with. Default `() => new Date()`. Inject one in tests.
   */
  readonly now?: () => Date;
}

/** Every list `suppressions()` can read, in the order it reads them. */
export const SENDGRID_SUPPRESSION_LISTS: readonly SuppressionReason[] = [
  "bounce",
  "block",
  "spamreport",
  "unsubscribe",
  "invalid",
  "group_unsubscribe",
];

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");

const settingsSchema = z.strictObject({
  apiKey: z
    .string()
    .trim()
    .regex(/^SG\.\S+$/, "must be a SendGrid API key (SG.…, from Settings → API Keys)")
    .optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  timeoutMs: z.number().int().positive().max(600_000).default(30_000),
});

const emailOptionsSchema = z.strictObject({
  sandboxMode: z.boolean().default(false),
  eventWebhookPublicKey: nonEmpty.optional(),
  maxEventAgeSeconds: z.number().int().positive().max(86_400).default(600),
  asmGroupId: z.number().int().positive().optional(),
  ipPoolName: z
    .string()
    .trim()
    .min(2, "must be 2 to 64 characters")
    .max(64, "must be 2 to 64 characters")
    .optional(),
  suppressionLists: z
    .array(z.enum(["bounce", "block", "spamreport", "unsubscribe", "invalid", "group_unsubscribe"]))
    .min(1, "must name at least one list")
    .optional(),
  now: z
    .custom<() => Date>((value) => typeof value === "function", "must be a function returning a Date")
    .optional(),
});

/** {@link SendGridProviderSettings} after validation and defaults. */
export type ResolvedSendGridSettings = z.output<typeof settingsSchema> & { readonly apiKey: string };

/** {@link SendGridEmailOptions} after validation and defaults. */
export type ResolvedSendGridEmailOptions = Omit<
  z.output<typeof emailOptionsSchema>,
  "now" | "suppressionLists"
> & {
  readonly now: () => Date;
  readonly suppressionLists: readonly SuppressionReason[];
};

/** @internal Validates {@link SendGridProviderSettings}, filling the API key from the environment. */
export function parseSettings(
  settings: unknown,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedSendGridSettings {
  const parsed = parse(settingsSchema, settings ?? {}, "createSendGrid settings");
  if (parsed.apiKey !== undefined) return { ...parsed, apiKey: parsed.apiKey };
  const fromEnv = nonBlank(env.SENDGRID_API_KEY);
  if (fromEnv === undefined) {
    throw new ConfigError(
      "SendGrid apiKey is missing: pass createSendGrid({ apiKey }) or set the SENDGRID_API_KEY environment variable.",
      { details: { setting: "apiKey", variable: "SENDGRID_API_KEY" } },
    );
  }
  // Re-validate so a malformed environment value is reported like a malformed setting.
  const checked = parse(
    settingsSchema,
    { ...(settings as object | undefined), apiKey: fromEnv },
    "SENDGRID_API_KEY",
  );
  return { ...checked, apiKey: fromEnv };
}

/**
 * @internal Validates {@link SendGridEmailOptions}, filling the webhook key from the environment and
 * checking that it is a P-256 public key the SDK can verify with.
 */
export function parseEmailOptions(
  options: unknown,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedSendGridEmailOptions {
  const parsed = parse(emailOptionsSchema, options ?? {}, "sendgrid email options");
  const fromEnv = parsed.eventWebhookPublicKey === undefined;
  const publicKey = parsed.eventWebhookPublicKey ?? nonBlank(env.SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY);
  if (publicKey !== undefined) {
    try {
      new EventWebhook().convertPublicKeyToECDSA(publicKey);
    } catch (cause) {
      const where = fromEnv
        ? "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY"
        : "sendgrid email options: `eventWebhookPublicKey`";
      throw new ConfigError(
        `${where} is not an ECDSA public key: paste the verification key from the SendGrid console (Mail Settings → Event Webhook → Signature verification).`,
        { details: { setting: "eventWebhookPublicKey" }, cause },
      );
    }
  }
  return {
    ...parsed,
    ...(publicKey !== undefined ? { eventWebhookPublicKey: publicKey } : {}),
    now: parsed.now ?? (() => new Date()),
    suppressionLists: parsed.suppressionLists ?? SENDGRID_SUPPRESSION_LISTS,
  };
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
  // Never echo the value: it may be the API key.
  throw new ConfigError(`${where} ${reason}.`, { details: { setting: path || label }, cause: result.error });
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
