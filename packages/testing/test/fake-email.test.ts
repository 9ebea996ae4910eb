import { InvalidInputError, type OutboundEmail, type Suppression, validatePlugin } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { createFakeEmail } from "../src/index.js";

const email = (to: string, key: string, extra: Partial<OutboundEmail> = {}): OutboundEmail => ({
  to: { email: to },
  from: { email: "team@example.org", name: "Riverside Tenants" },
  subject: "Meeting Thursday",
  text: "See you there.",
  headers: {
    "List-Unsubscribe": "<https://example.org/u/1>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  },
  customArgs: { campaignId: "c1" },
  idempotencyKey: key,
  ...extra,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("createFakeEmail", () => {
  it("implements the EmailTransport v1 contract", () => {
    expect(() => validatePlugin("EmailTransport", createFakeEmail())).not.toThrow();
  });

  it("records batches and returns one result per message, in order", async () => {
    const fake = createFakeEmail();
    const batch = { messages: [email("ana@example.org", "1"), email("ben@example.org", "2")] };
    const { results } = await fake.send(batch);
    expect(results).toEqual([
      { status: "accepted", idempotencyKey: "1", providerId: "EMfake000001" },
      { status: "accepted", idempotencyKey: "2", providerId: "EMfake000002" },
    ]);
    expect(fake.batches).toEqual([batch]);
    expect(fake.sent.map((s) => s.message.to.email)).toEqual(["ana@example.org", "ben@example.org"]);
    expect(fake.sent[0]?.message.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });

  it("rejects single messages without failing the batch, and dedupes idempotency keys", async () => {
    const fake = createFakeEmail();
    fake.rejectWhen((m) => m.to.email.endsWith("@bad.example"), "invalid_recipient");
    const { results } = await fake.send({
      messages: [
        email("ok@example.org", "1"),
        email("x@bad.example", "2"),
        email("empty@example.org", "3", { text: undefined }),
        email("ok@example.org", "1"),
      ],
    });
    expect(results.map((r) => r.status)).toEqual(["accepted", "rejected", "rejected", "accepted"]);
    expect(results[1]).toMatchObject({ error: { code: "invalid_recipient" } });
    expect(results[2]).toMatchObject({ error: expect.any(InvalidInputError) });
    expect(results[3]).toMatchObject({ providerId: "EMfake000001" });
    expect(fake.sent).toHaveLength(1);
  });

  it("refuses oversized batches and fails whole requests on demand", async () => {
    const fake = createFakeEmail({ maxBatchSize: 2 });
    expect(fake.maxBatchSize).toBe(2);
    const three = { messages: ["a", "b", "c"].map((k) => email(`${k}@example.org`, k)) };
    await expect(fake.send(three)).rejects.toBeInstanceOf(InvalidInputError);
    fake.failNext("server_error");
    await expect(fake.send({ messages: [email("a@example.org", "a")] })).rejects.toMatchObject({
      isRetryable: true,
      statusCode: 503,
    });
    expect(fake.batches).toHaveLength(0);
  });

  it("emits events that suppress addresses like SendGrid, and drops later sends to them", async () => {
    const fake = createFakeEmail();
    await fake.send({ messages: [email("ana@example.org", "1")] });
    const providerId = fake.sent[0]!.providerId;
    expect(fake.emit({ type: "open", providerId })).toMatchObject({
      type: "open",
      email: "ana@example.org",
      customArgs: { campaignId: "c1" },
    });
    expect(fake.emit({ type: "bounce", providerId, bounceType: "blocked" })).toMatchObject({
      bounceType: "blocked",
    });
    expect(fake.suppressionList).toHaveLength(0);
    fake.emit({ type: "unsubscribe", providerId });
    expect(fake.suppressionList).toMatchObject([{ email: "ana@example.org", reason: "unsubscribe" }]);

    const { results } = await fake.send({ messages: [email("ana@example.org", "2")] });
    expect(results[0]?.status).toBe("accepted");
    expect(fake.events.at(-1)).toMatchObject({ type: "dropped", email: "ana@example.org" });
  });

  it("tracks group unsubscribes separately and lifts them on resubscribe", async () => {
    const fake = createFakeEmail();
    fake.emit({ type: "group_unsubscribe", email: "ben@example.org", groupId: "42" });
    expect(fake.suppressionList).toMatchObject([{ reason: "group_unsubscribe", groupId: "42" }]);
    await fake.send({ messages: [email("ben@example.org", "1")] });
    expect(fake.events.some((e) => e.type === "dropped")).toBe(false);
    fake.emit({ type: "group_resubscribe", email: "ben@example.org", groupId: "42" });
    expect(fake.suppressionList).toHaveLength(0);
  });

  it("round-trips events through a signed webhook and refuses forgeries", async () => {
    const fake = createFakeEmail();
    await fake.send({ messages: [email("ana@example.org", "1")] });
    const providerId = fake.sent[0]!.providerId;
    const events = [
      fake.emit({ type: "delivered", providerId }),
      fake.emit({ type: "click", providerId, url: "https://example.org/rsvp" }),
      fake.emit({ type: "bounce", providerId, reason: "550 no such user" }),
    ];
    const request = fake.eventsRequest(events);
    expect(fake.verifyWebhook(request)).toBe(true);
    expect(fake.verifyWebhook(fake.eventsRequest(events, { forged: true }))).toBe(false);
    const parsed = await fake.parseEvents(request);
    expect(parsed.map(({ raw: _raw, ...rest }) => rest)).toEqual(
      events.map(({ raw: _raw, ...rest }) => rest),
    );
    expect(new Set(parsed.map((e) => e.eventId)).size).toBe(3);
    await expect(fake.parseEvents({ ...request, rawBody: '[{"type":"nope"}]' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it("streams suppressions since a date", async () => {
    let now = new Date("2025-01-01T00:00:00Z");
    const fake = createFakeEmail({ now: () => now });
    fake.suppress("old@example.org", "bounce");
    now = new Date("2025-02-01T00:00:00Z");
    fake.suppress("new@example.org", "spamreport");
    const all: Suppression[] = await collect(fake.suppressions());
    expect(all.map((s) => s.email)).toEqual(["old@example.org", "new@example.org"]);
    const recent = await collect(fake.suppressions(new Date("2025-01-15T00:00:00Z")));
    expect(recent.map((s) => s.email)).toEqual(["new@example.org"]);
  });
});
