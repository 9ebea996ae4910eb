/**
 * One-click unsubscribe tokens: each bulk email links to `…/webhooks/email/unsubscribe?t=<token>`, where
 * the token names the address and campaign and is signed with the organization's secret, so it cannot be
 * guessed or altered to unsubscribe someone else.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** What an unsubscribe token carries. */
export interface UnsubscribeClaim {
  /** The organization. */
  readonly organizationId: string;
  /** The email address, as stored. */
  readonly email: string;
  /** The campaign whose email carried the link, if any. */
  readonly campaignId: string | null;
}

const MAC_BYTES = 18;

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(payload).digest().subarray(0, MAC_BYTES);
}

/** Signs a claim into a URL-safe token. */
export function unsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(
    JSON.stringify([claim.organizationId, claim.email, claim.campaignId ?? null]),
  ).toString("base64url");
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

/** Verifies a token; null when it is malformed or its signature is wrong. */
export function readUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | null {
  const dot = token.indexOf(".");
  if (dot <= 0) return null;
  const payload = token.slice(0, dot);
  // Compared as text: base64url decoding ignores stray trailing characters, the canonical text does not.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, payload).toString("base64url"));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      (value[2] === null || typeof value[2] === "string")
    ) {
      return { organizationId: value[0], email: value[1], campaignId: value[2] };
    }
  } catch {
    // Fall through: a signed but unreadable payload is refused like a forged one.
  }
  return null;
}
