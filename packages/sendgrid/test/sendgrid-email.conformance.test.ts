import { type ConformanceEmailEvent, runEmailTransportConformance } from "@precinct/testing/conformance";
import { createSendGridImitation, type SendGridEventInput, sendGridHandlers } from "@precinct/testing/http";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import { createSendGrid, type SendGridEmailTransport } from "../src/index.js";

const apiKey = "SG.conformance-key.secret";

// The real @sendgrid/mail and @sendgrid/client talk HTTP to the SendGrid imitation through msw; each test
// starts it afresh. The imitation signs event webhooks with a key pair the transport is configured with.
const imitation = createSendGridImitation({ apiKey });
const server = setupServer(...sendGridHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());

/** The suite's events in SendGrid's webhook format. */
function toSendGridEvents(events: readonly ConformanceEmailEvent[]): SendGridEventInput[] {
  return events.map((e) => ({
    event: e.type,
    email: e.email,
    sgMessageId: `${e.providerId}.filterdrecv-conformance-0.0`,
    timestamp: e.occurredAt,
    customArgs: e.customArgs,
    ...(e.bounceType !== undefined ? { bounceType: e.bounceType } : {}),
    ...(e.url !== undefined ? { url: e.url } : {}),
    ...(e.groupId !== undefined ? { asmGroupId: Number(e.groupId) } : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  }));
}

runEmailTransportConformance({
  name: "sendgrid (msw + SendGrid imitation)",
  create: (): SendGridEmailTransport => {
    imitation.reset();
    return createSendGrid({ apiKey }).email({ eventWebhookPublicKey: imitation.eventWebhookPublicKey });
  },
  cases: {
    // No dedupesByIdempotencyKey: SendGrid's Mail Send takes no idempotency key.
    triggerPermanentFailure: () => imitation.failNext({ status: 401, operation: "mail.send" }),
    triggerRetryableFailure: () => imitation.failNext({ status: 429, operation: "mail.send" }),
    sentCount: () => imitation.acceptedCount,
    received: () =>
      imitation.messages.map((m) => ({
        to: m.to.email,
        subject: m.subject,
        ...(m.html !== undefined ? { html: m.html } : {}),
        ...(m.text !== undefined ? { text: m.text } : {}),
        headers: m.headers,
        customArgs: m.customArgs,
        categories: m.categories,
      })),
    refuseRecipient: (email) => imitation.rejectRecipient(email),
    eventsRequest: (events) => imitation.eventWebhook(toSendGridEvents(events)),
    forgedEventsRequest: (events) =>
      imitation.eventWebhook(toSendGridEvents(events), { forged: "signature" }),
    staleEventsRequest: (events) => imitation.eventWebhook(toSendGridEvents(events), { forged: "stale" }),
    suppress: (email, reason, groupId) => {
      imitation.suppress(email, reason, groupId !== undefined ? { groupId: Number(groupId) } : {});
    },
    suppressionReasons: ["bounce", "block", "spamreport", "unsubscribe", "invalid", "group_unsubscribe"],
  },
});
