import {
  type EmailMessageResult,
  InvalidInputError,
  type OutboundEmail,
  PrecinctError,
} from "@precinct/core";
import { createSendGridImitation } from "@precinct/testing/http";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSendGrid, PRECINCT_MESSAGE_ID_ARG, type SendGridEmailOptions } from "../src/index.js";

const apiKey = "SG.email-tests.secret";
const imitation = createSendGridImitation({ apiKey });
/** Every request body posted to /v3/mail/send, parsed: the SDK's output, asserted at the HTTP boundary. */
let posted: Record<string, unknown>[] = [];
const server = setupServer(
  http.all("https://api.sendgrid.com/*", async ({ request }) => {
    if (request.method === "POST") posted.push((await request.clone().json()) as Record<string, unknown>);
    return imitation.handle(request);
  }),
);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());
beforeEach(() => {
  imitation.reset();
  posted = [];
});

const transport = (options: SendGridEmailOptions = {}) => createSendGrid({ apiKey }).email(options);

let n = 0;
function email(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  n += 1;
  return {
    to: { email: `voter.${n}@example.org`, name: `Test Voter ${n}` },
    from: { email: "organizers@example.org", name: "Riverside Tenants Union" },
    subject: "Early voting starts Thursday",
    text: "Early voting starts Thursday at the Main St library.",
    html: "<p>Early voting starts Thursday at the Main St library.</p>",
    idempotencyKey: `outbox-${n}`,
    ...overrides,
  };
}

function accepted(result: EmailMessageResult | undefined): string {
  if (result?.status !== "accepted") {
    throw new Error(
      `expected accepted, got ${result?.status}: ${result?.status === "rejected" ? result.error.message : ""}`,
    );
  }
  return result.providerId;
}

function rejectedError(result: EmailMessageResult | undefined): PrecinctError {
  if (result?.status !== "rejected") throw new Error(`expected rejected, got ${result?.status}`);
  return result.error;
}

function personalizations(body: Record<string, unknown> | undefined): Record<string, unknown>[] {
  return (body?.personalizations ?? []) as Record<string, unknown>[];
}

describe("batching", () => {
  it("sends 1000 messages with shared content in one request of 1000 personalizations", async () => {
    const batch = Array.from({ length: 1000 }, () => email());
    const { results } = await transport().send({ messages: batch });
    expect(imitation.sendRequestCount).toBe(1);
    expect(personalizations(posted[0])).toHaveLength(1000);
    const ids = new Set(results.map(accepted));
    // One request, one X-Message-Id: events tell messages apart by their custom arg.
    expect(ids.size).toBe(1);
    expect(imitation.messages.map((m) => m.customArgs[PRECINCT_MESSAGE_ID_ARG])).toEqual(
      batch.map((m) => m.idempotencyKey),
    );
  });

  it("sends 2500 messages as batches of 1000, 1000 and 500 in three requests, and refuses 2500 in one batch", async () => {
    const email2500 = Array.from({ length: 2500 }, () => email());
    const sendgrid = transport();
    const error = await sendgrid.send({ messages: email2500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("messages");
    expect(imitation.sendRequestCount).toBe(0);

    for (let i = 0; i < email2500.length; i += sendgrid.maxBatchSize) {
      await sendgrid.send({ messages: email2500.slice(i, i + sendgrid.maxBatchSize) });
    }
    expect(imitation.sendRequestCount).toBe(3);
    expect(posted.map((body) => personalizations(body).length)).toEqual([1000, 1000, 500]);
    expect(imitation.acceptedCount).toBe(2500);
  });

  it("personalizes 1000 messages with substitutions in one request", async () => {
    const batch = Array.from({ length: 1000 }, (_, i) =>
      email({
        subject: "-givenName-, early voting starts Thursday",
        text: "Hi -givenName-, early voting starts Thursday.",
        html: "<p>Hi -givenNameHtml-, early voting starts Thursday.</p>",
        substitutions: { "-givenName-": `Voter ${i} & Co`, "-givenNameHtml-": `Voter ${i} &amp; Co` },
      }),
    );
    await transport().send({ messages: batch });
    expect(imitation.sendRequestCount).toBe(1);
    const body = posted[0]!;
    // The shared body carries the tags; each personalization carries its own values, unwrapped.
    expect(body.subject).toBe("-givenName-, early voting starts Thursday");
    expect(personalizations(body)[7]!.substitutions).toEqual({
      "-givenName-": "Voter 7 & Co",
      "-givenNameHtml-": "Voter 7 &amp; Co",
    });
    const seventh = imitation.messages[7]!;
    expect(seventh.subject).toBe("Voter 7 & Co, early voting starts Thursday");
    expect(seventh.text).toBe("Hi Voter 7 & Co, early voting starts Thursday.");
    expect(seventh.html).toBe("<p>Hi Voter 7 &amp; Co, early voting starts Thursday.</p>");
  });

  it("groups messages by sender, content and categories, keeping results in the batch's order", async () => {
    const a = { html: "<p>Version A</p>", text: "Version A" };
    const b = { html: "<p>Version B</p>", text: "Version B" };
    const batch = [
      email(a),
      email(b),
      email(a),
      email({ ...a, categories: ["campaign-2"] }),
      email(b),
      email({ ...a, from: { email: "other-chapter@example.org" } }),
    ];
    const { results } = await transport().send({ messages: batch });
    expect(results.map((r) => r.idempotencyKey)).toEqual(batch.map((m) => m.idempotencyKey));
    expect(imitation.sendRequestCount).toBe(4);
    expect(posted.map((body) => personalizations(body).length)).toEqual([2, 2, 1, 1]);
    const ids = results.map(accepted);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).toBe(ids[4]);
    expect(new Set(ids).size).toBe(4);
  });

  it("keeps messages that differ only in subject in one request, with the subject per personalization", async () => {
    const batch = [
      email({ subject: "For Ana" }),
      email({ subject: "For Bo" }),
      email({ subject: "For Ana" }),
    ];
    await transport().send({ messages: batch });
    expect(imitation.sendRequestCount).toBe(1);
    expect(posted[0]!.subject).toBe("For Ana");
    expect(personalizations(posted[0]).map((p) => p.subject)).toEqual([undefined, "For Bo", undefined]);
    expect(imitation.messages.map((m) => m.subject)).toEqual(["For Ana", "For Bo", "For Ana"]);
  });
});

describe("request body", () => {
  it("puts per-recipient one-click unsubscribe headers and custom args in each personalization", async () => {
    const batch = [1, 2].map((i) => {
      const base = email({ categories: ["gotv-2026"] });
      return {
        ...base,
        headers: {
          "List-Unsubscribe": `<https://organize.example.org/u/token-${i}>`,
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        customArgs: { campaign_id: "gotv-2026" },
      };
    });
    await transport().send({ messages: batch });
    const body = posted[0]!;
    expect(body.categories).toEqual(["gotv-2026"]);
    expect(body.content).toEqual([
      { type: "text/plain", value: batch[0]!.text },
      { type: "text/html", value: batch[0]!.html },
    ]);
    expect(body.from).toEqual({ email: "organizers@example.org", name: "Riverside Tenants Union" });
    expect(personalizations(body)).toEqual(
      batch.map((m) => ({
        to: [{ email: m.to.email, name: m.to.name }],
        headers: m.headers,
        custom_args: { campaign_id: "gotv-2026", [PRECINCT_MESSAGE_ID_ARG]: m.idempotencyKey },
      })),
    );
    expect(body.mail_settings).toBeUndefined();
  });

  it("adds sandbox mode, the unsubscribe group and the IP pool when configured", async () => {
    const { results } = await transport({
      sandboxMode: true,
      asmGroupId: 4242,
      ipPoolName: "campaigns",
    }).send({
      messages: [email({ replyTo: { email: "replies@example.org" } })],
    });
    const body = posted[0]!;
    expect(body.mail_settings).toEqual({ sandbox_mode: { enable: true } });
    expect(body.asm).toEqual({ group_id: 4242 });
    expect(body.ip_pool_name).toBe("campaigns");
    expect(body.reply_to).toEqual({ email: "replies@example.org" });
    // Sandbox mode answers 200 without an X-Message-Id: nothing was sent.
    expect(accepted(results[0])).toMatch(/^sandbox-/);
    expect(imitation.messages[0]!.sandbox).toBe(true);
  });

  it("sends only text or only HTML when the other is absent", async () => {
    await transport().send({
      messages: [email({ html: undefined }), email({ text: undefined, html: "<p>Only HTML</p>" })],
    });
    expect(posted.map((body) => body.content)).toEqual([
      [{ type: "text/plain", value: "Early voting starts Thursday at the Main St library." }],
      [{ type: "text/html", value: "<p>Only HTML</p>" }],
    ]);
  });
});

describe("per-message validation", () => {
  const cases: [string, Partial<OutboundEmail>, string][] = [
    ["a malformed recipient", { to: { email: "not-an-address" } }, "messages.1.to.email"],
    ["a malformed sender", { from: { email: "organizers@" } }, "messages.1.from.email"],
    ["an empty subject", { subject: " " }, "messages.1.subject"],
    ["no content", { html: "", text: undefined }, "messages.1.html"],
    ["a reserved header", { headers: { Subject: "Spoofed" } }, "messages.1.headers.Subject"],
    [
      "a header with a line break",
      { headers: { "X-Campaign": "a\r\nBcc: x@example.org" } },
      "messages.1.headers.X-Campaign",
    ],
    [
      "a custom arg SendGrid overwrites on events",
      { customArgs: { status: "vip" } },
      "messages.1.customArgs.status",
    ],
    [
      "a foreign message id custom arg",
      { customArgs: { [PRECINCT_MESSAGE_ID_ARG]: "other" } },
      `messages.1.customArgs.${PRECINCT_MESSAGE_ID_ARG}`,
    ],
    ["custom args over 10,000 bytes", { customArgs: { note: "x".repeat(10_001) } }, "messages.1.customArgs"],
    [
      "eleven categories",
      { categories: Array.from({ length: 11 }, (_, i) => `c${i}`) },
      "messages.1.categories",
    ],
    [
      "substitutions over 10,000 bytes",
      { substitutions: { "-bio-": "x".repeat(10_001) } },
      "messages.1.substitutions",
    ],
  ];

  it.each(cases)(
    "rejects %s on its own, naming the field, and sends the rest",
    async (_, overrides, field) => {
      const batch = [email(), email(overrides), email()];
      const { results } = await transport().send({ messages: batch });
      accepted(results[0]);
      accepted(results[2]);
      const error = rejectedError(results[1]);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
      expect(error.isRetryable).toBe(false);
      expect(imitation.sendRequestCount).toBe(1);
      expect(personalizations(posted[0])).toHaveLength(2);
    },
  );

  it("rejects a repeated idempotencyKey in one batch rather than sending it twice", async () => {
    const first = email();
    const { results } = await transport().send({
      messages: [first, { ...first, to: { email: "someone@example.org" } }],
    });
    accepted(results[0]);
    expect((rejectedError(results[1]) as InvalidInputError).field).toBe("messages.1.idempotencyKey");
    expect(imitation.acceptedCount).toBe(1);
  });

  it("sends no request when every message is invalid", async () => {
    const { results } = await transport().send({
      messages: [email({ to: { email: "x" } }), email({ subject: "" })],
    });
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(imitation.sendRequestCount).toBe(0);
  });
});

describe("SendGrid's refusals", () => {
  it("isolates the personalizations a 400 names and resends the rest", async () => {
    const batch = Array.from({ length: 5 }, () => email());
    imitation.rejectRecipient(batch[1]!.to.email);
    imitation.rejectRecipient(batch[3]!.to.email, "The email address is on a blocklist.");
    const { results } = await transport().send({ messages: batch });
    expect(imitation.sendRequestCount).toBe(2);
    expect(personalizations(posted[1])).toHaveLength(3);
    for (const i of [0, 2, 4]) accepted(results[i]);
    const error = rejectedError(results[3]);
    expect(error.code).toBe("invalid_recipient");
    expect(error.isRetryable).toBe(false);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain("messages.3");
    expect(error.message).toContain("personalizations.3.to.0.email");
    expect(error.message).toContain("The email address is on a blocklist");
    expect(error.details).toMatchObject({ messageIndex: 3, field: "personalizations.3.to.0.email" });
    expect(imitation.messages.map((m) => m.to.email)).toEqual([0, 2, 4].map((i) => batch[i]!.to.email));
  });

  it("rejects the whole request's messages, naming the field, for a 400 about shared content", async () => {
    imitation.failNext({
      status: 400,
      operation: "mail.send",
      errors: [
        {
          message: "The content value must be a string at least one character in length.",
          field: "content.0.value",
        },
      ],
    });
    const batch = [email(), email()];
    const { results } = await transport().send({ messages: batch });
    for (const result of results) {
      const error = rejectedError(result);
      expect(error.isRetryable).toBe(false);
      expect(error.code).toBe("provider");
      expect(error.message).toContain("field content.0.value");
      expect(error.details.field).toBe("content.0.value");
    }
  });

  it("rejects a request that is too large (413) without retrying", async () => {
    imitation.failNext({ status: 413, operation: "mail.send" });
    const { results } = await transport().send({ messages: [email()] });
    const error = rejectedError(results[0]);
    expect(error.statusCode).toBe(413);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toMatch(/too large/i);
  });

  it.each([
    [401, false, "provider", /API key/],
    [403, false, "provider", /permission \(scope\)/],
    [429, true, "rate_limited", /rate-limited/],
    [500, true, "provider", /Retry later/],
    [503, true, "provider", /Retry later/],
  ])("throws for HTTP %i when nothing was sent (retryable: %s)", async (status, retryable, code, text) => {
    imitation.failNext({ status, operation: "mail.send" });
    const error = await transport()
      .send({ messages: [email(), email()] })
      .catch((e: unknown) => e);
    expect(PrecinctError.isInstance(error)).toBe(true);
    const failure = error as PrecinctError;
    expect(failure.isRetryable).toBe(retryable);
    expect(failure.code).toBe(code);
    expect(failure.statusCode).toBe(status);
    expect(failure.message).toMatch(text);
    expect(failure.cause).toBeDefined();
  });

  it("tells the dispatcher when to retry after a 429 (X-RateLimit-Reset)", async () => {
    imitation.failNext({ status: 429, operation: "mail.send", retryAfterSeconds: 30 });
    const error = (await transport()
      .send({ messages: [email()] })
      .catch((e: unknown) => e)) as PrecinctError;
    expect(error.details.retryAfterMs).toBeGreaterThan(28_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([
    ["a dropped connection", { networkError: true }],
    ["a response lost after SendGrid took the mail", { dropResponse: true }],
  ])("throws a retryable error for %s", async (_, failure) => {
    imitation.failNext({ ...failure, operation: "mail.send" });
    const error = (await transport()
      .send({ messages: [email()] })
      .catch((e: unknown) => e)) as PrecinctError;
    expect(PrecinctError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/No response from SendGrid/);
  });

  it("once part of a batch went out, reports a later request's failure per message instead of throwing", async () => {
    const batch = [email({ html: "<p>A</p>" }), email({ html: "<p>B</p>" }), email({ html: "<p>C</p>" })];
    const sendgrid = transport();
    // The first request succeeds, the second fails with 503; the third is never tried.
    let calls = 0;
    server.use(
      http.post("https://api.sendgrid.com/v3/mail/send", ({ request }) => {
        calls += 1;
        if (calls === 2) imitation.failNext({ status: 503, operation: "mail.send" });
        return imitation.handle(request);
      }),
    );
    const { results } = await sendgrid.send({ messages: batch });
    server.resetHandlers();
    accepted(results[0]);
    for (const result of results.slice(1)) {
      const error = rejectedError(result);
      expect(error.isRetryable).toBe(true);
      expect(error.statusCode).toBe(503);
    }
    expect(calls).toBe(2);
    expect(imitation.acceptedCount).toBe(1);
  });

  it("rejects with the signal's reason when aborted during a request", async () => {
    const slow = createSendGridImitation({ apiKey, respondDelayMs: 200 });
    server.use(http.post("https://api.sendgrid.com/v3/mail/send", ({ request }) => slow.handle(request)));
    const controller = new AbortController();
    const reason = new Error("campaign paused");
    setTimeout(() => controller.abort(reason), 20);
    const error = await transport()
      .send({ messages: [email()] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    server.resetHandlers();
    expect(error).toBe(reason);
  });
});
