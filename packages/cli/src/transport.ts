/**
 * The transports of the commands that send or receive messages: for texts Twilio from environment
 * variables, for phone banks Twilio Voice from the same account variables, for email SendGrid from
 * environment variables, or the fakes of `@precinct/testing` so people can try a campaign without an
 * account. Also the email settings (unsubscribe links, default sender) the engine needs to send email,
 * read from the environment.
 *
 * Every adapter is imported only when asked for: the vendor SDKs are large and most commands never need them.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import {
  ConfigError,
  type EmailSettings,
  type EmailTransport,
  PrecinctError,
  parseEmailSender,
  type SmsTransport,
  type VoiceTransport,
} from "@precinct/core";
import type { FakeEmailTransport, FakeSmsTransport } from "@precinct/testing";

/** The transports `--transport` accepts. */
export const TRANSPORT_NAMES = ["twilio", "fake"] as const;

/** A transport name accepted by `--transport`. */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** The environment variables the Twilio transport reads, with what each holds (for help and README). */
export const TWILIO_VARIABLES: readonly (readonly [name: string, what: string])[] = [
  ["TWILIO_ACCOUNT_SID", "the Account SID (AC…) from the Twilio Console"],
  ["TWILIO_AUTH_TOKEN", "the auth token (API calls and webhook signatures)"],
  ["TWILIO_MESSAGING_SERVICE_SID", "the Messaging Service (MG…) to send from, or"],
  ["TWILIO_FROM_NUMBER", "the Twilio number to send from (E.164; TWILIO_PHONE_NUMBER is read too)"],
  ["TWILIO_API_BASE_URL", "optional: send API requests to this origin instead of Twilio (proxies, tests)"],
];

/** A transport ready for `createPrecinct({ plugins: { sms } })`. */
export interface CliTransport {
  /** Which one it is. */
  readonly name: TransportName;
  /** The transport. */
  readonly sms: SmsTransport;
  /** The fake carrier itself when `name` is `fake`, so a command can report simulated deliveries. */
  readonly fake: FakeSmsTransport | null;
  /** What sends the texts, in a few words for output (`Twilio, Messaging Service MG…`). */
  readonly description: string;
}

/** A voice transport ready for `createPrecinct({ plugins: { voice } })` (phone banks). */
export interface CliVoiceTransport {
  /** The transport. */
  readonly voice: VoiceTransport;
  /** What places the calls, in a few words for output (`Twilio Voice`, `Twilio Voice via http://…`). */
  readonly description: string;
}

/** Whether `value` names a transport `--transport` accepts. */
export function isTransportName(value: string): value is TransportName {
  return (TRANSPORT_NAMES as readonly string[]).includes(value);
}

/**
 * Builds the transport. Twilio reads `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, one of
 * `TWILIO_MESSAGING_SERVICE_SID` / `TWILIO_FROM_NUMBER` (or `TWILIO_PHONE_NUMBER`), and optionally
 * `TWILIO_API_BASE_URL`, from `env` only (never from elsewhere, so what the command uses is what it was given).
 *
 * @throws {@link ConfigError} naming the variable that is missing or malformed.
 */
export async function createTransport(
  name: TransportName,
  env: Readonly<Record<string, string | undefined>>,
  options: {
    /** The engine's clock, for the fake carrier's timestamps. */
    readonly clock?: () => Date;
    /** Whether the command has `--transport fake` to suggest when a variable is missing. */
    readonly offerFake?: boolean;
  } = {},
): Promise<CliTransport> {
  if (name === "fake") {
    const { createFakeSms } = await import("@precinct/testing");
    const fake = createFakeSms(options.clock ? { now: options.clock } : {});
    return { name, sms: fake, fake, description: "the fake carrier (nothing real is sent)" };
  }
  return twilioTransport(env, options.offerFake ? " Or use --transport fake to try without sending." : "");
}

/** The account variables of every Twilio transport: credentials and the optional API origin. */
function twilioAccount(
  env: Readonly<Record<string, string | undefined>>,
  hint: string,
): { readonly accountSid: string; readonly authToken: string; readonly baseUrl: string | undefined } {
  const accountSid = required(env, "TWILIO_ACCOUNT_SID", hint);
  const authToken = required(env, "TWILIO_AUTH_TOKEN", hint);
  return { accountSid, authToken, baseUrl: value(env, "TWILIO_API_BASE_URL") };
}

/**
 * True when `env` names a Twilio sender for texts (`TWILIO_MESSAGING_SERVICE_SID`, `TWILIO_FROM_NUMBER` or
 * `TWILIO_PHONE_NUMBER`): what `precinct serve` needs, beyond the account, to serve texting.
 */
export function hasTwilioSender(env: Readonly<Record<string, string | undefined>>): boolean {
  return ["TWILIO_MESSAGING_SERVICE_SID", "TWILIO_FROM_NUMBER", "TWILIO_PHONE_NUMBER"].some(
    (name) => value(env, name) !== undefined,
  );
}

/**
 * Builds the Twilio voice transport for phone banks from `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and
 * optionally `TWILIO_API_BASE_URL`, read from `env` only. It needs no sender: every phone bank carries its
 * own caller id. Machine detection runs asynchronously (Twilio's default); a voicemail drop is made by
 * redirecting the live call.
 *
 * @throws {@link ConfigError} naming the variable that is missing or malformed.
 */
export async function createVoiceTransport(
  env: Readonly<Record<string, string | undefined>>,
): Promise<CliVoiceTransport> {
  const { accountSid, authToken, baseUrl } = twilioAccount(env, "");
  const { createTwilio } = await import("@precinct/twilio");
  return asVariableError(TWILIO_SETTING_VARIABLES, () => ({
    voice: createTwilio({ accountSid, authToken, ...(baseUrl !== undefined ? { baseUrl } : {}) }).voice(),
    description: `Twilio Voice${baseUrl !== undefined ? ` via ${baseUrl}` : ""}`,
  }));
}

/** The Twilio adapter's settings, by the variable a CLI user sets them with. */
const TWILIO_SETTING_VARIABLES: Readonly<Record<string, string>> = {
  accountSid: "TWILIO_ACCOUNT_SID",
  authToken: "TWILIO_AUTH_TOKEN",
  messagingServiceSid: "TWILIO_MESSAGING_SERVICE_SID",
  baseUrl: "TWILIO_API_BASE_URL",
};

/**
 * Runs `build`, turning an adapter's error about one of its settings into a {@link ConfigError} about the
 * environment variable behind it: the adapter's errors name its settings; a CLI user only knows the variables.
 */
function asVariableError<T>(variables: Readonly<Record<string, string>>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const setting = PrecinctError.isInstance(error) ? error.details.setting : undefined;
    const variable = typeof setting === "string" ? variables[setting] : undefined;
    if (variable === undefined) throw error;
    throw new ConfigError(`${variable}: ${(error as Error).message}`, {
      cause: error,
      details: { variable },
    });
  }
}

async function twilioTransport(
  env: Readonly<Record<string, string | undefined>>,
  hint: string,
): Promise<CliTransport> {
  const { accountSid, authToken, baseUrl } = twilioAccount(env, hint);
  const messagingServiceSid = value(env, "TWILIO_MESSAGING_SERVICE_SID");
  const fromVariable = value(env, "TWILIO_FROM_NUMBER") ? "TWILIO_FROM_NUMBER" : "TWILIO_PHONE_NUMBER";
  const from = value(env, fromVariable);
  if (messagingServiceSid === undefined && from === undefined) {
    throw new ConfigError(
      `TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER is not set: set one to the Messaging Service (MG…) or the Twilio number (E.164) to send from.${hint}`,
      { details: { variables: ["TWILIO_MESSAGING_SERVICE_SID", "TWILIO_FROM_NUMBER"] } },
    );
  }
  const { createTwilio } = await import("@precinct/twilio");
  return asVariableError({ ...TWILIO_SETTING_VARIABLES, from: fromVariable }, () => {
    const sms = createTwilio({ accountSid, authToken, ...(baseUrl !== undefined ? { baseUrl } : {}) }).sms({
      ...(messagingServiceSid !== undefined ? { messagingServiceSid } : {}),
      ...(from !== undefined ? { from } : {}),
    });
    const sender = messagingServiceSid !== undefined ? `Messaging Service ${messagingServiceSid}` : `${from}`;
    return {
      name: "twilio" as const,
      sms,
      fake: null,
      description: `Twilio, ${sender}${baseUrl !== undefined ? ` via ${baseUrl}` : ""}`,
    };
  });
}

function value(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const found = env[name]?.trim();
  return found ? found : undefined;
}

function required(env: Readonly<Record<string, string | undefined>>, name: string, hint: string): string {
  const found = value(env, name);
  if (found === undefined) {
    throw new ConfigError(
      `${name} is not set: the Twilio transport needs ${TWILIO_VARIABLES.find(([n]) => n === name)?.[1]}.${hint}`,
      { details: { variable: name } },
    );
  }
  return found;
}

/** The email transports `--email-transport` accepts. */
export const EMAIL_TRANSPORT_NAMES = ["sendgrid", "fake"] as const;

/** An email transport name accepted by `--email-transport`. */
export type EmailTransportName = (typeof EMAIL_TRANSPORT_NAMES)[number];

/** The environment variables the SendGrid transport reads, with what each holds (for help and README). */
export const SENDGRID_VARIABLES: readonly (readonly [name: string, what: string])[] = [
  ["SENDGRID_API_KEY", "an API key (SG.…) with Mail Send access (Settings → API Keys)"],
  ["SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY", "the Signed Event Webhook's verification key (serve needs it)"],
  ["SENDGRID_API_BASE_URL", "optional: send API requests to this origin instead (EU, tests)"],
];

/** The environment variables of the email settings, with what each holds (for help and README). */
export const EMAIL_VARIABLES: readonly (readonly [name: string, what: string])[] = [
  ["PRECINCT_PUBLIC_URL", 'the public https URL of "precinct serve" (unsubscribe links)'],
  ["PRECINCT_UNSUBSCRIBE_SECRET", "32+ characters that sign unsubscribe links (openssl rand -hex 32)"],
  ["PRECINCT_EMAIL_FROM", 'the default sender, "Name <address>" (--sender wins)'],
];

/** An email transport ready for `createPrecinct({ plugins: { email } })`. */
export interface CliEmailTransport {
  /** Which one it is. */
  readonly name: EmailTransportName;
  /** The transport. */
  readonly email: EmailTransport;
  /** The fake itself when `name` is `fake`, so a command can report simulated deliveries. */
  readonly fake: FakeEmailTransport | null;
  /** What sends the email, in a few words for output (`SendGrid`, `SendGrid via http://…`). */
  readonly description: string;
}

/** Whether `value` names an email transport `--email-transport` accepts. */
export function isEmailTransportName(value: string): value is EmailTransportName {
  return (EMAIL_TRANSPORT_NAMES as readonly string[]).includes(value);
}

/**
 * Builds the email transport. SendGrid reads `SENDGRID_API_KEY` and, when set,
 * `SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY` and `SENDGRID_API_BASE_URL`, from `env`.
 *
 * @throws {@link ConfigError} naming the variable that is missing or malformed.
 */
export async function createEmailTransport(
  name: EmailTransportName,
  env: Readonly<Record<string, string | undefined>>,
  options: {
    /** The engine's clock, for the fake's timestamps. */
    readonly clock?: () => Date;
    /** Whether the command has `--email-transport fake` to suggest when a variable is missing. */
    readonly offerFake?: boolean;
    /** Whether event webhooks will be received (`precinct serve`): then the verification key is required. */
    readonly receivesEvents?: boolean;
  } = {},
): Promise<CliEmailTransport> {
  if (name === "fake") {
    const { createFakeEmail } = await import("@precinct/testing");
    const fake = createFakeEmail(options.clock ? { now: options.clock } : {});
    return { name, email: fake, fake, description: "the fake email provider (nothing real is sent)" };
  }
  const hint = options.offerFake ? " Or use --email-transport fake to try without sending." : "";
  const apiKey = value(env, "SENDGRID_API_KEY");
  if (apiKey === undefined) {
    throw new ConfigError(
      `SENDGRID_API_KEY is not set: the SendGrid transport needs ${what("SENDGRID_API_KEY")}.${hint}`,
      {
        details: { variable: "SENDGRID_API_KEY" },
      },
    );
  }
  const publicKey = value(env, "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY");
  if (publicKey === undefined && options.receivesEvents) {
    throw new ConfigError(
      "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY is not set: without the Signed Event Webhook's verification key every SendGrid event (bounces, spam reports, unsubscribes) would be refused. Turn on Signed Event Webhook in SendGrid (Settings → Mail Settings → Event Webhook) and copy its verification key.",
      { details: { variable: "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY" } },
    );
  }
  const baseUrl = value(env, "SENDGRID_API_BASE_URL");
  // The adapter's errors name its settings; a CLI user only knows the variables.
  const variables: Readonly<Record<string, string>> = {
    apiKey: "SENDGRID_API_KEY",
    baseUrl: "SENDGRID_API_BASE_URL",
    eventWebhookPublicKey: "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY",
  };
  const { createSendGrid } = await import("@precinct/sendgrid");
  const email = asVariableError(variables, () =>
    createSendGrid({ apiKey, ...(baseUrl !== undefined ? { baseUrl } : {}) }).email(
      publicKey !== undefined ? { eventWebhookPublicKey: publicKey } : {},
    ),
  );
  return {
    name: "sendgrid",
    email,
    fake: null,
    description: `SendGrid${baseUrl !== undefined ? ` via ${baseUrl}` : ""}`,
  };
}

/**
 * The email settings from the environment: `PRECINCT_PUBLIC_URL` (or `publicUrl`, from `--public-url`),
 * `PRECINCT_UNSUBSCRIBE_SECRET` and optionally `PRECINCT_EMAIL_FROM`. With `throwaway` (the fake
 * transport: nothing real is sent) a missing URL or secret is replaced by a local URL and a random key,
 * so nobody needs to configure anything to try it.
 *
 * @throws {@link ConfigError} naming the variable that is missing or malformed.
 */
export function emailSettings(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly publicUrl?: string; readonly throwaway?: boolean } = {},
): EmailSettings {
  const publicUrl = options.publicUrl ?? value(env, "PRECINCT_PUBLIC_URL");
  const secret = value(env, "PRECINCT_UNSUBSCRIBE_SECRET");
  const from = value(env, "PRECINCT_EMAIL_FROM");
  const settings = {
    publicUrl:
      publicUrl ??
      (options.throwaway
        ? "http://localhost:8787"
        : missingEmail("PRECINCT_PUBLIC_URL", " (or give --public-url)")),
    unsubscribeSecret:
      secret ??
      (options.throwaway ? randomBytes(32).toString("hex") : missingEmail("PRECINCT_UNSUBSCRIBE_SECRET", "")),
    ...(from !== undefined ? { from } : {}),
  };
  let url: URL | null = null;
  try {
    url = new URL(settings.publicUrl);
  } catch {
    // Reported below.
  }
  const local = url !== null && (url.hostname === "localhost" || url.hostname === "127.0.0.1");
  if (url === null || (url.protocol !== "https:" && !local)) {
    throw new ConfigError(
      `${options.publicUrl !== undefined ? "--public-url" : "PRECINCT_PUBLIC_URL"} must be an https URL such as https://organize.example.org, not "${settings.publicUrl}": mailbox providers only follow HTTPS one-click unsubscribe links.`,
      { details: { variable: "PRECINCT_PUBLIC_URL" } },
    );
  }
  if (settings.unsubscribeSecret.length < 32) {
    throw new ConfigError(
      "PRECINCT_UNSUBSCRIBE_SECRET must be at least 32 characters (for example the output of `openssl rand -hex 32`): it signs unsubscribe links.",
      { details: { variable: "PRECINCT_UNSUBSCRIBE_SECRET" } },
    );
  }
  if (from !== undefined) {
    try {
      parseEmailSender(from, "PRECINCT_EMAIL_FROM");
    } catch (error) {
      throw new ConfigError(
        `PRECINCT_EMAIL_FROM must be an email address or "Name <address>", not "${from}".`,
        { cause: error, details: { variable: "PRECINCT_EMAIL_FROM" } },
      );
    }
  }
  return settings;
}

function missingEmail(name: string, hint: string): never {
  throw new ConfigError(`${name} is not set${hint}: email needs ${what(name)}.`, {
    details: { variable: name },
  });
}

function what(name: string): string | undefined {
  return [...TWILIO_VARIABLES, ...SENDGRID_VARIABLES, ...EMAIL_VARIABLES].find(([n]) => n === name)?.[1];
}
