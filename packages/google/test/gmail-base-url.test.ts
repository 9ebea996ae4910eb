import { ProviderError } from "@precinct/core";
import {
  createGmailImitation,
  type ImitationServer,
  startGmailImitationServer,
  startImitationServer,
} from "@precinct/testing/http";
import gmailModule from "googleapis/build/src/apis/gmail/index.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGoogle } from "../src/index.js";
import { MAILBOX, outbound, syntheticServiceAccount } from "./helpers.js";

// No msw here: googleapis talks to the imitation over a real socket, as a benchmark or proxy setup would.
const account = syntheticServiceAccount();
const serviceAccount = { clientEmail: account.clientEmail, privateKey: account.privateKey };
const imitation = createGmailImitation({
  mailboxes: [MAILBOX],
  serviceAccounts: { [account.clientEmail]: account.publicKey },
});
let server: ImitationServer;
let prefixed: ImitationServer;
beforeAll(async () => {
  server = await startGmailImitationServer(imitation);
  // A proxy that serves Google under /google: the adapter must keep the prefix on every request.
  prefixed = await startImitationServer(async (request) => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/google/")) return new Response("no prefix", { status: 404 });
    url.pathname = url.pathname.slice("/google".length);
    return imitation.handle(new Request(url, request));
  });
});
afterAll(async () => {
  await server.close();
  await prefixed.close();
});
beforeEach(() => imitation.reset());

describe("baseUrl", () => {
  it("sends both the token request and the Gmail request to the base URL", async () => {
    const email = createGoogle({ serviceAccount, baseUrl: server.url }).gmail({ mailbox: MAILBOX });
    const message = outbound();
    const { results } = await email.send({ messages: [message] });
    expect(results[0]?.status).toBe("accepted");
    expect(imitation.requests.map((r) => [r.operation, new URL(r.url).origin])).toEqual([
      ["token", server.url],
      ["messages.send", server.url],
    ]);
    expect(imitation.tokenRequests[0]?.subject).toBe(MAILBOX);
    expect(imitation.messages[0]?.parsed.messageId).toBe(`<${message.idempotencyKey}@riverside.example.org>`);
  });

  it("keeps a path prefix", async () => {
    const email = createGoogle({ serviceAccount, baseUrl: `${prefixed.url}/google/` }).gmail({
      mailbox: MAILBOX,
    });
    const { results } = await email.send({ messages: [outbound()] });
    expect(results[0]?.status).toBe("accepted");
    expect(imitation.requests.map((r) => new URL(r.url).pathname)).toEqual([
      "/token",
      "/gmail/v1/users/me/messages/send",
    ]);
  });

  it("moves only Gmail requests for an injected auth client", async () => {
    const client = new gmailModule.auth.OAuth2();
    client.setCredentials({ access_token: imitation.issueAccessToken("desk@riverside.example.org") });
    const email = createGoogle({ authClient: client, baseUrl: server.url }).gmail();
    const { results } = await email.send({ messages: [outbound()] });
    expect(results[0]?.status).toBe("accepted");
    expect(imitation.messages[0]?.mailbox).toBe("desk@riverside.example.org");
  });

  it("reports a connection dropped after sending as retryable, though Gmail has the message", async () => {
    const email = createGoogle({ serviceAccount, baseUrl: server.url }).gmail({ mailbox: MAILBOX });
    imitation.failNext({ operation: "messages.send", dropResponse: true });
    const error = await email.send({ messages: [outbound()] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect([(error as ProviderError).isRetryable, (error as ProviderError).statusCode]).toEqual([
      true,
      undefined,
    ]);
    // The ambiguity the dispatcher has to live with: the message went out.
    expect(imitation.messages).toHaveLength(1);
  });
});
