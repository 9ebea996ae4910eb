/**
 * `createGoogle(settings)`: one set of Google credentials from which transports are made.
 *
 * @module
 */

import { createGmailTransport, type GmailEmailTransport } from "./gmail-email.js";
import { createAuthClient, createGmailClient, gmailRootUrl } from "./google-client.js";
import {
  type GmailOptions,
  type GoogleAuthClient,
  type GoogleProviderSettings,
  parseGmailOptions,
  parseSettings,
  resolveCredentials,
} from "./google-options.js";

/** Google credentials, ready to make transports. */
export interface GoogleProvider {
  /** How the provider authenticates: a service account, an OAuth2 refresh token, or your own client. */
  readonly credentials: "serviceAccount" | "oauth2" | "authClient";
  /** The service account's email, when authenticating as one. */
  readonly serviceAccountEmail: string | undefined;
  /**
   * A Gmail email transport. With a service account, `options.mailbox` (the mailbox to send as) is
   * required and each call makes its own delegated credentials; with OAuth2 or an injected client, Gmail
   * sends as the account the credentials belong to.
   *
   * @throws {@link ConfigError} for invalid options, a missing `mailbox` with a service account, or a
   *   `mailbox` with other credentials.
   */
  gmail(options?: GmailOptions): GmailEmailTransport;
}

/**
 * Creates a Google provider from explicit settings or the environment (`GOOGLE_APPLICATION_CREDENTIALS`,
 * `GOOGLE_SERVICE_ACCOUNT_KEY`, or `GOOGLE_CLIENT_ID` + `GOOGLE_CLIENT_SECRET` + `GOOGLE_REFRESH_TOKEN`).
 * Nothing is fetched until the first send: tokens are requested then, and cached by the auth client.
 *
 * @throws {@link ConfigError} naming the setting or environment variable that is missing or malformed (a
 *   private key that is not PEM, an unreadable key file, two ways to authenticate at once, ...).
 *
 * @example
 * ```ts
 * import { createGoogle } from "@precinct/google";
 *
 * // A service account with domain-wide delegation sends as a Workspace mailbox.
 * const google = createGoogle({ keyFile: "./precinct-sender.json" });
 * const email = google.gmail({ mailbox: "organizing@riverside.example.org" });
 * const precinct = await createPrecinct({ plugins: { email } });
 * ```
 */
export function createGoogle(settings: GoogleProviderSettings = {}): GoogleProvider {
  const parsed = parseSettings(settings);
  const credentials = resolveCredentials(parsed, process.env);
  // One OAuth2 client per provider: every transport sends as the same account, so they share its token.
  let shared: GoogleAuthClient | undefined;
  return {
    credentials: credentials.kind,
    serviceAccountEmail: credentials.kind === "serviceAccount" ? credentials.clientEmail : undefined,
    gmail(options) {
      const resolved = parseGmailOptions(options, credentials);
      let auth: GoogleAuthClient;
      if (credentials.kind === "serviceAccount") {
        auth = createAuthClient(credentials, resolved.mailbox, parsed.baseUrl);
      } else {
        shared ??= createAuthClient(credentials, undefined, parsed.baseUrl);
        auth = shared;
      }
      return createGmailTransport({
        gmail: createGmailClient(auth),
        auth,
        rootUrl: gmailRootUrl(parsed.baseUrl),
        options: resolved,
      });
    },
  };
}
