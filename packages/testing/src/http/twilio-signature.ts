/**
 * Twilio's webhook signature (`X-Twilio-Signature`), computed with `node:crypto` so `@precinct/testing`
 * never needs the twilio SDK: base64 HMAC-SHA1, keyed with the account's auth token, over the full URL
 * followed by every POST parameter as name + value, sorted by name.
 *
 * @module
 */

import { createHmac } from "node:crypto";

/** Form parameters: one value, or several for a repeated name (`MediaUrl` when creating a message). */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/** The header Twilio puts its webhook signature in. */
export const TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature";

/**
 * Computes the `X-Twilio-Signature` Twilio would send for a webhook to `url` carrying `params`.
 *
 * Repeated parameters are signed the way the twilio SDK checks them: each distinct value once, values
 * sorted. For a JSON webhook (URL with a `bodySHA256` query parameter) pass `{}` as `params`.
 *
 * @param authToken - The account's auth token (API key secrets do not sign webhooks).
 * @param url - The full public URL Twilio called, query string included.
 * @param params - The form-encoded POST parameters.
 * @returns The base64 signature.
 *
 * @example
 * ```ts
 * signTwilioWebhook("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", {
 *   CallSid: "CA1234567890ABCDE", Caller: "+14158675310", Digits: "1234", From: "+14158675310", To: "+18005551212",
 * }); // "GvWf1cFY/Q7PnoempGyD5oXAezc="
 * ```
 */
export function signTwilioWebhook(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value === undefined) continue;
    if (typeof value === "string") {
      data += name + value;
    } else {
      for (const item of [...new Set(value)].sort()) data += name + item;
    }
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * Parses a form-encoded body into {@link TwilioParams}, keeping every value of a repeated name (as an
 * array) so a signature check sees exactly what was sent.
 */
export function parseTwilioForm(rawBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawBody)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else if (typeof existing === "string") params[name] = [existing, value];
    else existing.push(value);
  }
  return params;
}

/** Encodes {@link TwilioParams} as a form body, repeated names in order, as Twilio and its SDK do. */
export function encodeTwilioForm(params: TwilioParams): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === "string") form.append(name, value);
    else for (const item of value) form.append(name, item);
  }
  return form.toString();
}
