// Over a real socket, without msw: the adapter's `baseUrl` points the twilio SDK at the imitation server.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PrecinctError } from "@precinct/core";
import {
  createTwilioImitation,
  type ImitationServer,
  startTwilioImitationServer,
} from "@precinct/testing/http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTwilio } from "../src/index.js";

const accountSid = `AC${"9e".repeat(16)}`;
const authToken = "socket-auth-token";
const SENDER = "+15550100000";
const VOTER = "+19195550123";

const imitation = createTwilioImitation({ accountSid, authToken, lineTypes: { "+19195550101": "landline" } });
let server: ImitationServer;
beforeAll(async () => {
  server = await startTwilioImitationServer(imitation);
});
afterEach(() => imitation.reset());
afterAll(() => server.close());

const sms = () =>
  createTwilio({ accountSid, authToken, baseUrl: server.url }).sms({ from: SENDER, lookup: true });
let keys = 0;
const message = (body: string) => ({ to: VOTER, body, idempotencyKey: `socket-${++keys}` });

describe("baseUrl → startTwilioImitationServer", () => {
  it("sends, looks up and finds messages across pages through the imitation's origin", async () => {
    const transport = sms();
    const since = new Date(Date.now() - 1_000);
    const result = await transport.send(message("Canvass kickoff Saturday 10am"));
    expect(imitation.sent[0]).toMatchObject({ sid: result.providerId, params: { To: VOTER, From: SENDER } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await expect(transport.lookup!("+19195550101")).resolves.toMatchObject({ lineType: "landline" });

    // next_page_uri comes back relative; the SDK makes it https://api.twilio.com/..., which must be rewritten too.
    for (let i = 0; i < 105; i++) await transport.send(message(`Filler ${i}`));
    const found = await transport.findSent(message("Canvass kickoff Saturday 10am"), since);
    expect(found?.providerId).toBe(result.providerId);
    const lists = imitation.requests.filter((r) => r.operation === "messages.list");
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists.every((r) => r.url.startsWith(server.url))).toBe(true);
  });

  it("maps a dropped connection to a retryable provider error, and the message can be found afterwards", async () => {
    const transport = sms();
    const since = new Date(Date.now() - 1_000);
    const lost = message("Did this one go out?");
    imitation.failNext({ operation: "messages.create", dropResponse: true });
    const error = await transport.send(lost).catch((e: unknown) => e);
    expect(PrecinctError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "provider", isRetryable: true, statusCode: undefined });
    await expect(transport.findSent(lost, since)).resolves.toMatchObject({
      providerId: imitation.sent[0]?.sid,
    });
  });

  it("aborts an in-flight request when the signal aborts", async () => {
    const slow = createTwilioImitation({ accountSid, authToken, respondDelayMs: 2_000 });
    const slowServer = await startTwilioImitationServer(slow);
    try {
      const transport = createTwilio({ accountSid, authToken, baseUrl: slowServer.url }).sms({
        from: SENDER,
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("campaign paused")), 50);
      const started = Date.now();
      await expect(transport.send(message("slow"), { signal: controller.signal })).rejects.toThrow(
        "campaign paused",
      );
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await slowServer.close();
    }
  });

  it("cancels the HTTP request itself, not only the promise", async () => {
    // A server that never answers: the only way the request ends is the client closing it.
    let closed: () => void = () => {};
    const requestClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const silent = createServer((req) => req.on("close", () => closed()));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const transport = createTwilio({ accountSid, authToken, baseUrl: `http://127.0.0.1:${port}` }).sms({
        from: SENDER,
      });
      const controller = new AbortController();
      const sending = transport.send(message("never answered"), { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("stop")), 50);
      await expect(sending).rejects.toThrow("stop");
      await expect(requestClosed).resolves.toBeUndefined();
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("maps a refused connection (server gone) to a retryable provider error", async () => {
    const gone = await startTwilioImitationServer(imitation);
    const url = gone.url;
    await gone.close();
    const transport = createTwilio({ accountSid, authToken, baseUrl: url }).sms({ from: SENDER });
    await expect(transport.send(message("nobody home"))).rejects.toMatchObject({
      code: "provider",
      isRetryable: true,
    });
  });
});
