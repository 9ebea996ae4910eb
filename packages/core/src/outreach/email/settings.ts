/**
 * The organization's email settings: where one-click unsubscribe links point, the key that signs them, and
 * the default sender.
 *
 * @module
 */
import { normalizeEmail } from "../../normalize/index.js";
import type { NamedEmailAddress } from "../../spec/contracts/email-transport.js";
import { ConfigError, InvalidInputError } from "../../spec/errors.js";
import type { OutreachContext } from "../context.js";
import { type UnsubscribeClaim, unsubscribeToken } from "./unsubscribe.js";

/** Email settings, given to `createPrecinct({ email })`. */
export interface EmailSettings {
  /**
   * The public base URL of the webhook router (`https://organize.example.org`): every bulk email links to
   * `<publicUrl>/webhooks/email/unsubscribe?t=…` for one-click unsubscribe.
   */
  readonly publicUrl: string;
  /**
   * The secret that signs unsubscribe links (at least 32 characters; keep it stable: links in sent mail
   * stop working when it changes). Read it from the environment, never commit it.
   */
  readonly unsubscribeSecret: string;
  /** The default sender, `"Name <address>"` or an address; a campaign's `sender` overrides it. */
  readonly from?: string;
  /** The webhook router's path prefix, if not `/webhooks`. */
  readonly basePath?: string;
}

/** @internal Checks settings once, when the client is created. */
export function validEmailSettings(settings: EmailSettings): EmailSettings {
  try {
    const url = new URL(settings.publicUrl);
    if (url.protocol !== "https:" && url.hostname !== "localhost" && url.hostname !== "127.0.0.1") {
      throw new Error("not https");
    }
  } catch {
    throw new ConfigError(
      `email.publicUrl ${JSON.stringify(settings.publicUrl)} must be an https URL: mailbox providers require HTTPS one-click unsubscribe links.`,
    );
  }
  if (typeof settings.unsubscribeSecret !== "string" || settings.unsubscribeSecret.length < 32) {
    throw new ConfigError(
      "email.unsubscribeSecret must be a string of at least 32 characters (for example `openssl rand -hex 32`): it signs unsubscribe links.",
    );
  }
  if (settings.from !== undefined) parseEmailSender(settings.from, "email.from");
  return settings;
}

/** @internal The settings, or a ConfigError saying what to configure. */
export function requireEmailSettings(ctx: OutreachContext): EmailSettings {
  if (!ctx.email) {
    throw new ConfigError(
      "Sending email needs createPrecinct({ email: { publicUrl, unsubscribeSecret } }): every bulk email carries a signed one-click unsubscribe link.",
    );
  }
  return ctx.email;
}

/** @internal The one-click unsubscribe URL of an address. */
export function unsubscribeUrl(settings: EmailSettings, claim: UnsubscribeClaim): string {
  const base = settings.publicUrl.replace(/\/+$/, "");
  const path = `/${(settings.basePath ?? "/webhooks").replace(/^\/+|\/+$/g, "")}`;
  return `${base}${path}/email/unsubscribe?t=${unsubscribeToken(settings.unsubscribeSecret, claim)}`;
}

/**
 * Parses `"Name <address>"` or a bare address; the address is normalized as the ledger stores addresses.
 *
 * @throws InvalidInputError naming `field`.
 */
export function parseEmailSender(value: string, field: string): NamedEmailAddress {
  const match = /^\s*(?:"?([^"<]*?)"?\s*<([^>]+)>|([^<>\s]+))\s*$/.exec(value);
  if (!match) {
    throw new InvalidInputError({ field, value, reason: 'must be an email address or "Name <address>"' });
  }
  const email = normalizeEmail(match[2] ?? match[3] ?? "", { field });
  const name = match[1]?.trim();
  return name ? { email, name } : { email };
}
