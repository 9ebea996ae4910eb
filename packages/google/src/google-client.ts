/**
 * Builds the googleapis objects the transport uses: the auth client for the configured credentials and
 * the Gmail API client, both optionally redirected to a `baseUrl`.
 *
 * googleapis is loaded through its Gmail entry (`googleapis/build/src/apis/gmail`) rather than the package
 * root: the root requires all of Google's ~400 API clients, about a second of startup for every process
 * that imports `@precinct/google` (the CLI included). The classes are the same.
 *
 * @internal
 * @module
 */

import type { Auth, gmail_v1 } from "googleapis";
import gmailModule from "googleapis/build/src/apis/gmail/index.js";
import { GMAIL_SEND_SCOPE, type GoogleAuthClient, type ResolvedGoogleCredentials } from "./google-options.js";

/** The googleapis Gmail v1 client. */
export type GmailClient = gmail_v1.Gmail;

/**
 * The auth client for `credentials`: a `JWT` impersonating `mailbox` (domain-wide delegation) with only the
 * `gmail.send` scope, an `OAuth2` client holding the refresh token, or the injected client as is. Clients
 * built here send token requests to `baseUrl` when one is given.
 */
export function createAuthClient(
  credentials: ResolvedGoogleCredentials,
  mailbox: string | undefined,
  baseUrl: string | undefined,
): GoogleAuthClient {
  if (credentials.kind === "authClient") return credentials.client;
  let client: Auth.OAuth2Client;
  if (credentials.kind === "serviceAccount") {
    client = new gmailModule.auth.JWT({
      email: credentials.clientEmail,
      key: credentials.privateKey,
      ...(credentials.privateKeyId !== undefined ? { keyId: credentials.privateKeyId } : {}),
      scopes: [GMAIL_SEND_SCOPE],
      ...(mailbox !== undefined ? { subject: mailbox } : {}),
    });
  } else {
    client = new gmailModule.auth.OAuth2({
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
    });
    client.setCredentials({ refresh_token: credentials.refreshToken });
  }
  if (baseUrl !== undefined) redirect(client, new URL(baseUrl));
  return client;
}

/** The Gmail v1 client on `auth`. */
export function createGmailClient(auth: GoogleAuthClient): GmailClient {
  return new gmailModule.gmail_v1.Gmail({ auth });
}

/**
 * The `rootUrl` to pass with each Gmail call for `baseUrl` (with a trailing slash). It goes per call, not
 * to the client: googleapis rebuilds a client-level `rootUrl` from the path alone, dropping a prefix.
 */
export function gmailRootUrl(baseUrl: string | undefined): string | undefined {
  return baseUrl === undefined ? undefined : `${baseUrl.replace(/\/+$/, "")}/`;
}

/**
 * Rewrites every `*.googleapis.com` request of this client's transport (the token endpoint, which the JWT
 * flow hard-codes) to `base`, keeping path and query.
 */
function redirect(client: Auth.OAuth2Client, base: URL): void {
  const prefix = base.pathname.replace(/\/+$/, "");
  client.transporter.interceptors.request.add({
    resolved: async (config) => {
      const url = new URL(config.url);
      if (url.hostname === "googleapis.com" || url.hostname.endsWith(".googleapis.com")) {
        config.url = new URL(`${base.origin}${prefix}${url.pathname}${url.search}`);
      }
      return config;
    },
  });
}
