/**
 * The fakes' webhook format: a body (form-encoded or JSON) signed with HMAC-SHA256 of the raw body under
 * a shared secret, hex-encoded in the `x-fake-signature` header. Simple, but it has the property that
 * matters for router tests: a forged or tampered request fails verification.
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookRequest } from "@precinct/core";

/** The header carrying a fake webhook's signature. */
export const FAKE_SIGNATURE_HEADER = "x-fake-signature";

/** The secret fakes sign their webhooks with unless given another. */
export const DEFAULT_FAKE_WEBHOOK_SECRET = "precinct-fake-webhook-secret";

/** Hex HMAC-SHA256 of `rawBody` under `secret`: the value of {@link FAKE_SIGNATURE_HEADER}. */
export function signFakeWebhook(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("hex");
}

/** True when `request` carries a valid {@link FAKE_SIGNATURE_HEADER} for its raw body under `secret`. */
export function verifyFakeWebhook(request: WebhookRequest, secret: string): boolean {
  const given = request.request.headers.get(FAKE_SIGNATURE_HEADER);
  if (given === null || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = Buffer.from(signFakeWebhook(request.rawBody, secret), "hex");
  return timingSafeEqual(Buffer.from(given, "hex"), expected);
}

/** Input for {@link createWebhookRequest}. */
export interface CreateWebhookRequestInput {
  /** The public URL the provider would call. */
  readonly url: string;
  /** The exact body. */
  readonly rawBody: string;
  /** The body's content type. Default `application/x-www-form-urlencoded`. */
  readonly contentType?: string;
  /** Extra headers (a signature, ...). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Builds a {@link WebhookRequest} (a POST `Request` plus its raw body and URL) as the webhook router
 * would hand it to a plugin. Useful in any adapter test.
 */
export function createWebhookRequest(input: CreateWebhookRequestInput): WebhookRequest {
  const request = new Request(input.url, {
    method: "POST",
    headers: { "content-type": input.contentType ?? "application/x-www-form-urlencoded", ...input.headers },
    body: input.rawBody,
  });
  return { request, rawBody: input.rawBody, url: input.url };
}

/** Builds a form-encoded fake webhook signed under `secret`, or under a wrong secret when `forged`. */
export function createSignedFormWebhook(
  url: string,
  fields: Readonly<Record<string, string | undefined>>,
  secret: string,
  forged = false,
): WebhookRequest {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) params.set(name, value);
  return signed(url, params.toString(), "application/x-www-form-urlencoded", secret, forged);
}

/** Builds a JSON fake webhook signed under `secret`, or under a wrong secret when `forged`. */
export function createSignedJsonWebhook(
  url: string,
  body: unknown,
  secret: string,
  forged = false,
): WebhookRequest {
  return signed(url, JSON.stringify(body), "application/json", secret, forged);
}

function signed(
  url: string,
  rawBody: string,
  contentType: string,
  secret: string,
  forged: boolean,
): WebhookRequest {
  const signature = signFakeWebhook(rawBody, forged ? `${secret}-forged` : secret);
  return createWebhookRequest({ url, rawBody, contentType, headers: { [FAKE_SIGNATURE_HEADER]: signature } });
}

/** Parses a form-encoded raw body into a plain record. */
export function parseForm(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody));
}
