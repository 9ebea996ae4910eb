import { createSign } from "node:crypto";
import { createGmailImitation, GOOGLE_TOKEN_URL, JWT_BEARER_GRANT } from "@precinct/testing/http";
import { describe, expect, it } from "vitest";
import { syntheticServiceAccount } from "./helpers.js";

// The imitation's own fidelity: the transport's tests rely on it answering like Google.
const account = syntheticServiceAccount("imitation-check");
const MAILBOX = "desk@riverside.example.org";
const SEND = `https://gmail.googleapis.com/gmail/v1/users/me/messages/send`;

function assertion(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
  const signature = createSign("RSA-SHA256").update(input).sign(account.privateKey).toString("base64url");
  return `${input}.${signature}`;
}

function tokenRequest(body: Record<string, string>): Request {
  return new Request(GOOGLE_TOKEN_URL, { method: "POST", body: new URLSearchParams(body) });
}

function sendRequest(token: string, raw: string | undefined, user = "me"): Request {
  return new Request(SEND.replace("/me/", `/${user}/`), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(raw === undefined ? {} : { raw: Buffer.from(raw).toString("base64url") }),
  });
}

async function errorOf(response: Response): Promise<{ status: number; message: string; reason: string }> {
  const body = (await response.json()) as { error: { message: string; errors: { reason: string }[] } };
  return { status: response.status, message: body.error.message, reason: body.error.errors[0]?.reason ?? "" };
}

const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: account.clientEmail,
  aud: GOOGLE_TOKEN_URL,
  scope: "https://www.googleapis.com/auth/gmail.send",
  iat: now,
  exp: now + 3600,
};
const message = `From: ${MAILBOX}\r\nTo: Ana <ana@example.org>\r\nSubject: Hi\r\nMessage-ID: <m1@riverside.example.org>\r\n\r\nHello\r\n`;

describe("Gmail imitation", () => {
  it("issues a token for a delegated JWT and records its sub; without sub Gmail refuses to send", async () => {
    const imitation = createGmailImitation({ serviceAccounts: { [account.clientEmail]: account.publicKey } });
    const delegated = await imitation.handle(
      tokenRequest({ grant_type: JWT_BEARER_GRANT, assertion: assertion({ ...claims, sub: MAILBOX }) }),
    );
    const { access_token } = (await delegated.json()) as { access_token: string };
    expect(imitation.tokenRequests[0]).toMatchObject({
      subject: MAILBOX,
      issuer: account.clientEmail,
      status: 200,
    });
    expect((await imitation.handle(sendRequest(access_token, message))).status).toBe(200);

    const own = await imitation.handle(
      tokenRequest({ grant_type: JWT_BEARER_GRANT, assertion: assertion(claims) }),
    );
    const ownToken = ((await own.json()) as { access_token: string }).access_token;
    expect(await errorOf(await imitation.handle(sendRequest(ownToken, message)))).toEqual({
      status: 400,
      message: "Precondition check failed.",
      reason: "failedPrecondition",
    });
  });

  it("refuses expired, unsigned-by-the-account or wrongly addressed assertions", async () => {
    const imitation = createGmailImitation({ serviceAccounts: { [account.clientEmail]: account.publicKey } });
    const expired = await imitation.handle(
      tokenRequest({
        grant_type: JWT_BEARER_GRANT,
        assertion: assertion({ ...claims, iat: now - 7200, exp: now - 3600 }),
      }),
    );
    expect([expired.status, ((await expired.json()) as { error: string }).error]).toEqual([
      400,
      "invalid_grant",
    ]);
    const audience = await imitation.handle(
      tokenRequest({
        grant_type: JWT_BEARER_GRANT,
        assertion: assertion({ ...claims, aud: "https://example.org/token" }),
      }),
    );
    expect(audience.status).toBe(400);
    const stranger = await imitation.handle(
      tokenRequest({
        grant_type: JWT_BEARER_GRANT,
        assertion: assertion({ ...claims, iss: "other@x.iam.gserviceaccount.com" }),
      }),
    );
    expect([stranger.status, ((await stranger.json()) as { error: string }).error]).toEqual([
      401,
      "invalid_client",
    ]);
    const grant = await imitation.handle(tokenRequest({ grant_type: "password" }));
    expect(((await grant.json()) as { error: string }).error).toBe("unsupported_grant_type");
  });

  it("checks the bearer token, its scope and the user id", async () => {
    let clock = new Date("2025-01-01T00:00:00Z");
    const imitation = createGmailImitation({ now: () => clock });
    expect((await errorOf(await imitation.handle(sendRequest("ya29.unknown", message)))).status).toBe(401);
    const readonly = imitation.issueAccessToken(MAILBOX, {
      scope: "https://www.googleapis.com/auth/gmail.readonly",
    });
    expect(await errorOf(await imitation.handle(sendRequest(readonly, message)))).toMatchObject({
      status: 403,
      reason: "insufficientPermissions",
    });
    const token = imitation.issueAccessToken(MAILBOX);
    expect(
      await errorOf(await imitation.handle(sendRequest(token, message, "someone@example.org"))),
    ).toMatchObject({
      status: 403,
      message: `Delegation denied for ${MAILBOX}`,
    });
    expect((await imitation.handle(sendRequest(token, message, encodeURIComponent(MAILBOX)))).status).toBe(
      200,
    );
    clock = new Date(clock.getTime() + 3600_000);
    expect((await errorOf(await imitation.handle(sendRequest(token, message)))).status).toBe(401);
  });

  it("answers like Gmail for a missing raw, a missing recipient and a malformed To", async () => {
    const imitation = createGmailImitation();
    const token = imitation.issueAccessToken(MAILBOX);
    expect((await errorOf(await imitation.handle(sendRequest(token, undefined)))).message).toMatch(
      /'raw' RFC822 payload/,
    );
    const noTo = message.replace("To: Ana <ana@example.org>\r\n", "");
    expect((await errorOf(await imitation.handle(sendRequest(token, noTo)))).message).toBe(
      "Recipient address required",
    );
    const badTo = message.replace("Ana <ana@example.org>", "not an address");
    expect((await errorOf(await imitation.handle(sendRequest(token, badTo)))).message).toBe(
      "Invalid To header",
    );
    expect(imitation.messages).toEqual([]);
  });

  it("records and parses what it accepts, and threads a reply with its parent", async () => {
    const imitation = createGmailImitation();
    const token = imitation.issueAccessToken(MAILBOX);
    const first = (await (await imitation.handle(sendRequest(token, message))).json()) as {
      id: string;
      threadId: string;
    };
    const reply = message.replace(
      "Message-ID: <m1@riverside.example.org>",
      "Message-ID: <m2@riverside.example.org>\r\nIn-Reply-To: <m1@riverside.example.org>",
    );
    const second = (await (await imitation.handle(sendRequest(token, reply))).json()) as {
      id: string;
      threadId: string;
    };
    expect(first.threadId).toBe(first.id);
    expect(second.threadId).toBe(first.id);
    expect(second.id).not.toBe(first.id);
    expect(imitation.messages[0]).toMatchObject({ id: first.id, mailbox: MAILBOX, labelIds: ["SENT"] });
    expect(imitation.messages[0]?.parsed.to).toEqual([{ email: "ana@example.org", name: "Ana" }]);
    expect(imitation.messages[0]?.parsed.text).toBe("Hello\n");
  });
});
