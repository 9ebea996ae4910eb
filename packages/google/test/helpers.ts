import { generateKeyPairSync } from "node:crypto";
import type { OutboundEmail } from "@precinct/core";

/**
 * A synthetic service account: an RSA key generated for the test run (never a committed key file) and a
 * made-up client email. The public key lets the Gmail imitation verify the JWT signature.
 */
export function syntheticServiceAccount(name = "precinct-sender") {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const clientEmail = `${name}@precinct-test.iam.gserviceaccount.com`;
  return {
    clientEmail,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export const MAILBOX = "organizing@riverside.example.org";

let counter = 0;

/** A message from the test mailbox to a synthetic recipient. */
export function outbound(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  counter += 1;
  return {
    to: { email: `member${counter}@example.org`, name: `Member ${counter}` },
    from: { email: MAILBOX, name: "Riverside Tenants Union" },
    subject: "Building meeting Thursday",
    text: "See you Thursday at 7 in the community room.",
    html: "<p>See you Thursday at 7 in the community room.</p>",
    headers: {
      "List-Unsubscribe": `<https://organize.example.org/unsubscribe/t${counter}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
    customArgs: { precinct_message_id: `msg-${counter}` },
    idempotencyKey: `outbox-${counter}`,
    ...overrides,
  };
}
