// The SendGrid imitation in @precinct/testing/http must refuse what SendGrid refuses, or the adapter's
// tests would pass against a server more lenient than the real one.
import { createSendGridImitation } from "@precinct/testing/http";
import { describe, expect, it } from "vitest";

const apiKey = "SG.imitation-tests.secret";

function post(body: unknown, key = apiKey): Request {
  return new Request("https://api.sendgrid.com/v3/mail/send", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const valid = {
  from: { email: "organizers@example.org" },
  subject: "Hello",
  content: [{ type: "text/plain", value: "Hi" }],
  personalizations: [{ to: [{ email: "voter.1@example.org" }] }],
};

async function errors(response: Response): Promise<{ field: string | null; message: string }[]> {
  return ((await response.json()) as { errors: { field: string | null; message: string }[] }).errors;
}

describe("SendGrid imitation: /v3/mail/send", () => {
  it("accepts a valid request with 202 and an X-Message-Id without dots", async () => {
    const imitation = createSendGridImitation({ apiKey });
    const response = await imitation.handle(post(valid));
    expect(response.status).toBe(202);
    expect(response.headers.get("x-message-id")).toMatch(/^[\w-]{22}$/);
    expect(imitation.messages[0]!.sgMessageId!.startsWith(`${response.headers.get("x-message-id")}.`)).toBe(
      true,
    );
  });

  it("refuses a wrong API key with 401", async () => {
    const imitation = createSendGridImitation({ apiKey });
    const response = await imitation.handle(post(valid, "SG.other.key"));
    expect(response.status).toBe(401);
    expect((await errors(response))[0]!.message).toMatch(/authorization grant is invalid/);
  });

  it.each([
    [
      "1001 personalizations",
      {
        ...valid,
        personalizations: Array.from({ length: 1001 }, (_, i) => ({ to: [{ email: `v${i}@example.org` }] })),
      },
      "personalizations",
    ],
    ["no personalizations", { ...valid, personalizations: [] }, "personalizations"],
    ["a personalization without to", { ...valid, personalizations: [{}] }, "personalizations.0.to"],
    [
      "a malformed recipient",
      { ...valid, personalizations: [{ to: [{ email: "nope" }] }] },
      "personalizations.0.to.0.email",
    ],
    ["no from", { ...valid, from: undefined }, "from.email"],
    ["no subject", { ...valid, subject: undefined }, "subject"],
    ["no content", { ...valid, content: [] }, "content"],
    ["empty content", { ...valid, content: [{ type: "text/plain", value: "" }] }, "content.0.value"],
    [
      "html before text",
      {
        ...valid,
        content: [
          { type: "text/html", value: "<p>Hi</p>" },
          { type: "text/plain", value: "Hi" },
        ],
      },
      "content",
    ],
    [
      "a reserved header",
      { ...valid, personalizations: [{ to: [{ email: "v@example.org" }], headers: { From: "x" } }] },
      "personalizations.0.headers.From",
    ],
    [
      "eleven categories",
      { ...valid, categories: Array.from({ length: 11 }, (_, i) => `c${i}`) },
      "categories",
    ],
    [
      "oversized substitutions",
      {
        ...valid,
        personalizations: [
          { to: [{ email: "v@example.org" }], substitutions: { "-x-": "y".repeat(10_001) } },
        ],
      },
      "personalizations.0.substitutions",
    ],
  ])("refuses %s with 400 naming the field", async (_, body, field) => {
    const imitation = createSendGridImitation({ apiKey });
    const response = await imitation.handle(post(body));
    expect(response.status).toBe(400);
    expect((await errors(response)).map((e) => e.field)).toContain(field);
    expect(imitation.acceptedCount).toBe(0);
  });

  it("accepts a request without a top-level subject when every personalization has one", async () => {
    const imitation = createSendGridImitation({ apiKey });
    const body = {
      ...valid,
      subject: undefined,
      personalizations: [{ to: [{ email: "v@example.org" }], subject: "Own" }],
    };
    expect((await imitation.handle(post(body))).status).toBe(202);
    expect(imitation.messages[0]!.subject).toBe("Own");
  });

  it("answers sandbox mode with 200, no id, and records the message as not sent", async () => {
    const imitation = createSendGridImitation({ apiKey });
    const response = await imitation.handle(
      post({ ...valid, mail_settings: { sandbox_mode: { enable: true } } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-message-id")).toBeNull();
    expect(imitation.messages[0]).toMatchObject({ sandbox: true, sgMessageId: null });
    expect(() => imitation.event(imitation.messages[0]!, "delivered")).toThrow(/sandbox/);
  });

  it("accepts mail to a suppressed address, flagging it as SendGrid would drop it", async () => {
    const imitation = createSendGridImitation({ apiKey });
    imitation.suppress("voter.1@example.org", "bounce");
    expect((await imitation.handle(post(valid))).status).toBe(202);
    expect(imitation.messages[0]!.suppressedBy).toBe("bounce");
  });

  it("keeps only counts with retainMessages: false", async () => {
    const imitation = createSendGridImitation({ apiKey, retainMessages: false });
    await imitation.handle(post(valid));
    expect(imitation.acceptedCount).toBe(1);
    expect(imitation.sendRequestCount).toBe(1);
    expect(imitation.messages).toEqual([]);
  });

  it("answers unknown paths with 404 and other methods with 405", async () => {
    const imitation = createSendGridImitation({ apiKey });
    const headers = { authorization: `Bearer ${apiKey}` };
    expect(
      (await imitation.handle(new Request("https://api.sendgrid.com/v3/nope", { headers }))).status,
    ).toBe(404);
    expect(
      (await imitation.handle(new Request("https://api.sendgrid.com/v3/mail/send", { headers }))).status,
    ).toBe(405);
  });
});
