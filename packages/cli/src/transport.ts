/**
 * The SMS transport of the commands that send or receive texts: Twilio from environment variables, or the
 * fake carrier of `@precinct/testing` so people can try a campaign without an account.
 *
 * Both are imported only when asked for: the twilio SDK is large and most commands never need it.
 *
 * @module
 */

import { ConfigError, PrecinctError, type SmsTransport } from "@precinct/core";
import type { FakeSmsTransport } from "@precinct/testing";

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

async function twilioTransport(
  env: Readonly<Record<string, string | undefined>>,
  hint: string,
): Promise<CliTransport> {
  const accountSid = required(env, "TWILIO_ACCOUNT_SID", hint);
  const authToken = required(env, "TWILIO_AUTH_TOKEN", hint);
  const messagingServiceSid = value(env, "TWILIO_MESSAGING_SERVICE_SID");
  const fromVariable = value(env, "TWILIO_FROM_NUMBER") ? "TWILIO_FROM_NUMBER" : "TWILIO_PHONE_NUMBER";
  const from = value(env, fromVariable);
  if (messagingServiceSid === undefined && from === undefined) {
    throw new ConfigError(
      `TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER is not set: set one to the Messaging Service (MG…) or the Twilio number (E.164) to send from.${hint}`,
      { details: { variables: ["TWILIO_MESSAGING_SERVICE_SID", "TWILIO_FROM_NUMBER"] } },
    );
  }
  const baseUrl = value(env, "TWILIO_API_BASE_URL");
  // The adapter's errors name its settings; a CLI user only knows the variables.
  const variables: Readonly<Record<string, string>> = {
    accountSid: "TWILIO_ACCOUNT_SID",
    authToken: "TWILIO_AUTH_TOKEN",
    messagingServiceSid: "TWILIO_MESSAGING_SERVICE_SID",
    from: fromVariable,
    baseUrl: "TWILIO_API_BASE_URL",
  };
  const { createTwilio } = await import("@precinct/twilio");
  try {
    const sms = createTwilio({ accountSid, authToken, ...(baseUrl !== undefined ? { baseUrl } : {}) }).sms({
      ...(messagingServiceSid !== undefined ? { messagingServiceSid } : {}),
      ...(from !== undefined ? { from } : {}),
    });
    const sender = messagingServiceSid !== undefined ? `Messaging Service ${messagingServiceSid}` : `${from}`;
    return {
      name: "twilio",
      sms,
      fake: null,
      description: `Twilio, ${sender}${baseUrl !== undefined ? ` via ${baseUrl}` : ""}`,
    };
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
