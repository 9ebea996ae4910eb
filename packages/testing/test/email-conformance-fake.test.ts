import type { EmailEvent, EmailTransport } from "@precinct/core";
import { type ConformanceEmailEvent, runEmailTransportConformance } from "../src/conformance.js";
import { createFakeEmail, type FakeEmailTransport } from "../src/index.js";

/** The suite's event specs as the fake's events (the fake signs and serializes them itself). */
function toFakeEvents(specs: readonly ConformanceEmailEvent[]): EmailEvent[] {
  return specs.map((spec, i): EmailEvent => {
    const base = {
      eventId: `EVconformance${i}`,
      providerId: spec.providerId,
      email: spec.email,
      occurredAt: spec.occurredAt,
      customArgs: spec.customArgs,
      raw: {},
    };
    switch (spec.type) {
      case "bounce":
        return { ...base, type: "bounce", bounceType: spec.bounceType ?? "bounce" };
      case "click":
        return { ...base, type: "click", url: spec.url ?? "https://example.org/" };
      case "group_unsubscribe":
      case "group_resubscribe":
        return { ...base, type: spec.type, groupId: spec.groupId ?? "1" };
      case "dropped":
      case "deferred":
        return { ...base, type: spec.type, ...(spec.reason !== undefined ? { reason: spec.reason } : {}) };
      default:
        return { ...base, type: spec.type };
    }
  });
}

// The fake with every capability: the suite runs every check it has a hook for.
let fake: FakeEmailTransport;
runEmailTransportConformance({
  name: "fake (all capabilities)",
  create: () => {
    fake = createFakeEmail();
    return fake;
  },
  cases: {
    triggerPermanentFailure: () => fake.failNext("rejected"),
    triggerRetryableFailure: () => fake.failNext("rate_limited"),
    sentCount: () => fake.sent.length,
    dedupesByIdempotencyKey: true,
    received: () =>
      fake.sent.map(({ message }) => ({
        to: message.to.email,
        subject: message.subject,
        ...(message.html !== undefined ? { html: message.html } : {}),
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(message.headers !== undefined ? { headers: message.headers } : {}),
        ...(message.customArgs !== undefined ? { customArgs: message.customArgs } : {}),
        ...(message.categories !== undefined ? { categories: message.categories } : {}),
      })),
    refuseRecipient: (email) => {
      fake.rejectWhen((message) => message.to.email === email, "invalid_recipient");
    },
    eventsRequest: (events) => fake.eventsRequest(toFakeEvents(events)),
    forgedEventsRequest: (events) => fake.eventsRequest(toFakeEvents(events), { forged: true }),
    suppress: (email, reason, groupId) => {
      fake.suppress(email, reason, groupId !== undefined ? { groupId } : {});
    },
    suppressionReasons: ["bounce", "block", "spamreport", "unsubscribe", "invalid", "group_unsubscribe"],
  },
});

// A transport with only the required surface: capability checks are skipped, the rest still runs. This
// is what a minimal third-party adapter sees (one message per request: maxBatchSize absent).
let minimalFake: FakeEmailTransport;
runEmailTransportConformance({
  name: "minimal (send only)",
  create: (): EmailTransport => {
    minimalFake = createFakeEmail({ provider: "minimal", maxBatchSize: 1 });
    return { specificationVersion: "v1", provider: "minimal", send: (b, o) => minimalFake.send(b, o) };
  },
  cases: {
    triggerPermanentFailure: () => minimalFake.failNext("rejected"),
    triggerRetryableFailure: () => minimalFake.failNext("server_error"),
    sentCount: () => minimalFake.sent.length,
  },
});
