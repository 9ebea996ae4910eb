import { type ConformanceReceivedEmail, runEmailTransportConformance } from "@precinct/testing/conformance";
import { createGmailImitation, gmailHandlers } from "@precinct/testing/http";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import {
  CATEGORIES_HEADER,
  createGoogle,
  IDEMPOTENCY_KEY_HEADER,
  PRECINCT_HEADER_PREFIX,
} from "../src/index.js";
import { MAILBOX, syntheticServiceAccount } from "./helpers.js";

// The real googleapis client talks HTTP to the Gmail imitation through msw: a service account with a
// synthetic key, delegated to MAILBOX. Each test starts the imitation afresh.
const account = syntheticServiceAccount("conformance");
const serviceAccount = { clientEmail: account.clientEmail, privateKey: account.privateKey };
const imitation = createGmailImitation({
  mailboxes: [MAILBOX],
  serviceAccounts: { [account.clientEmail]: account.publicKey },
});
const server = setupServer(...gmailHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());

/** What Gmail received, read back from the raw RFC 5322 messages: customArgs and categories are headers. */
function received(): ConformanceReceivedEmail[] {
  const ours = new Set([IDEMPOTENCY_KEY_HEADER.toLowerCase(), CATEGORIES_HEADER.toLowerCase()]);
  return imitation.messages.map(({ parsed }) => {
    const customArgs = Object.fromEntries(
      parsed.headers
        .filter((h) => h.name.startsWith(PRECINCT_HEADER_PREFIX) && !ours.has(h.name.toLowerCase()))
        .map((h) => [h.name.slice(PRECINCT_HEADER_PREFIX.length), h.decoded]),
    );
    return {
      to: parsed.to[0]?.email ?? "",
      subject: parsed.subject ?? "",
      ...(parsed.html !== undefined ? { html: parsed.html } : {}),
      ...(parsed.text !== undefined ? { text: parsed.text } : {}),
      headers: Object.fromEntries(parsed.headers.map((h) => [h.name, h.decoded])),
      customArgs,
      categories: parsed.header(CATEGORIES_HEADER)?.split(", ") ?? [],
    };
  });
}

for (const maxBatchSize of [1, 5]) {
  runEmailTransportConformance({
    name: `gmail, maxBatchSize ${maxBatchSize} (msw + Gmail imitation)`,
    create: () => {
      imitation.reset();
      return createGoogle({ serviceAccount }).gmail({ mailbox: MAILBOX, maxBatchSize });
    },
    cases: {
      sender: { email: MAILBOX, name: "Riverside Tenants Union" },
      // Revoked delegation: the token endpoint refuses the service account.
      triggerPermanentFailure: () =>
        imitation.failNext({ operation: "token", status: 401, reason: "unauthorized_client" }),
      triggerRetryableFailure: () => imitation.failNext({ operation: "messages.send", status: 429 }),
      sentCount: () => imitation.messages.length,
      // No dedupesByIdempotencyKey: Gmail has no idempotency keys (the Message-ID only makes a retry recognizable).
      received,
      refuseRecipient: (email) => imitation.refuseRecipient(email),
    },
  });
}
