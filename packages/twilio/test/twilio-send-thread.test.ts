import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, type PrecinctError, ProviderError, smsSegments } from "@precinct/core";
import { runSmsTransportConformance } from "@precinct/testing/conformance";
import { createTwilioImitation, startTwilioImitationServer } from "@precinct/testing/http";
import Twilio from "twilio";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createTwilio, type TwilioSmsTransport } from "../src/index.js";
import { setSendThreadScript } from "../src/twilio-send-thread.js";

const accountSid = `AC${"e5".repeat(16)}`;
const authToken = "send-thread-auth-token";
const SENDER = "+15550100000";
const VOTER = "+19195550123";
const STATUS_URL = "https://organize.example.org/webhooks/twilio/status";

// The tests run the TypeScript sources; the send thread runs them under tsx. Requests made on the worker
// thread never pass through msw, so the imitation listens on a real socket.
const SCRIPT = {
  url: new URL("../src/twilio-send-thread.ts", import.meta.url),
  execArgv: ["--import", "tsx"],
};
setSendThreadScript(SCRIPT);
const imitation = createTwilioImitation({
  accountSid,
  authToken,
  defaultNumber: SENDER,
  webhookUrl: "https://organize.example.org/webhooks/twilio/sms",
});
const server = await startTwilioImitationServer(imitation, { port: 0 });

const opened: TwilioSmsTransport[] = [];
const threaded = (baseUrl = server.url): TwilioSmsTransport => {
  const transport = createTwilio({ accountSid, authToken, baseUrl }).sms({ from: SENDER, sendThread: true });
  opened.push(transport);
  return transport;
};
let keys = 0;
const message = (body: string, extra: Record<string, unknown> = {}) => ({
  to: VOTER,
  body,
  idempotencyKey: `thread-${++keys}`,
  ...extra,
});

afterEach(() => imitation.reset());
afterAll(async () => {
  await Promise.all(opened.map((transport) => transport.close()));
  setSendThreadScript(undefined);
  await server.close();
});

describe("twilio sms: sendThread", () => {
  it("sends on the worker thread with the same parameters and answer as on the calling thread", async () => {
    const body = "Early voting starts Thursday — find your polling place at vote.example.org";
    const transport = threaded();
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        transport.send(
          message(body, {
            to: `+1919555${String(i).padStart(4, "0")}`,
            statusCallbackUrl: STATUS_URL,
            validityPeriodSeconds: 3600.7,
          }),
        ),
      ),
    );
    expect(imitation.sent).toHaveLength(25);
    const bySid = new Map(imitation.sent.map((sent) => [sent.sid, sent]));
    for (const [i, result] of results.entries()) {
      const sent = bySid.get(result.providerId);
      expect(sent?.params).toMatchObject({
        To: `+1919555${String(i).padStart(4, "0")}`,
        From: SENDER,
        Body: body,
        StatusCallback: STATUS_URL,
        ValidityPeriod: "3600",
      });
      expect(result.status).toBe("queued");
      // UCS-2 (the em dash): Twilio's num_segments comes back through the thread.
      expect(result.segments).toBe(smsSegments(body).segments);
    }

    // The same message without the thread posts the same form.
    const plain = createTwilio({ accountSid, authToken, baseUrl: server.url }).sms({ from: SENDER });
    await plain.send(
      message(body, { to: "+19195550999", statusCallbackUrl: STATUS_URL, validityPeriodSeconds: 3600.7 }),
    );
    const [threadedParams, plainParams] = [imitation.sent[0]!.params, imitation.sent[25]!.params];
    expect(Object.keys(plainParams).sort()).toEqual(Object.keys(threadedParams).sort());
  });

  it("maps Twilio's errors on the calling thread exactly as without the thread", async () => {
    const transport = threaded();
    const cases = [
      { failure: { code: 21610 }, code: "opted_out", retryable: false, reason: "opted_out" },
      { failure: { status: 429 }, code: "rate_limited", retryable: true, reason: "provider" },
      { failure: { status: 503 }, code: "provider", retryable: true, reason: "provider" },
      { failure: { networkError: true }, code: "provider", retryable: true, reason: "provider" },
    ] as const;
    for (const { failure, code, retryable, reason } of cases) {
      imitation.failNext({ ...failure, operation: "messages.create" });
      const error = await transport.send(message("Hello")).then(
        () => {
          throw new Error(`expected ${JSON.stringify(failure)} to reject`);
        },
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ProviderError);
      const provider = error as ProviderError;
      expect(provider.code).toBe(code);
      expect(provider.isRetryable).toBe(retryable);
      expect(provider.details.failureReason).toBe(reason);
      if ("code" in failure) expect(provider.providerCode).toBe(failure.code);
      if ("status" in failure) expect(provider.statusCode).toBe(failure.status);
    }
    expect(imitation.sent).toHaveLength(0);
    // The thread is still usable after the failures.
    await expect(transport.send(message("After the failures"))).resolves.toMatchObject({ status: "queued" });
  });

  it("rejects a send whose signal aborts (the request on the worker is aborted too) or whose transport closes", async () => {
    const arrived: IncomingMessage[] = [];
    let closed = 0;
    const silent = createServer((request) => {
      arrived.push(request);
      request.socket.on("close", () => {
        closed += 1;
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const transport = threaded(`http://127.0.0.1:${port}`);
      const controller = new AbortController();
      const sending = transport.send(message("Never answered"), { signal: controller.signal });
      await expect.poll(() => arrived.length, { timeout: 10_000 }).toBe(1);
      const reason = new Error("the volunteer closed the page");
      controller.abort(reason);
      await expect(sending).rejects.toBe(reason);
      await expect.poll(() => closed, { timeout: 10_000 }).toBe(1);

      const already = new AbortController();
      already.abort(new Error("too late"));
      await expect(transport.send(message("Not sent"), { signal: already.signal })).rejects.toThrow(
        "too late",
      );
      expect(arrived).toHaveLength(1);

      // close() with a send in flight: it rejects rather than hanging.
      const inFlight = transport.send(message("In flight at close")).catch((caught: unknown) => caught);
      await expect.poll(() => arrived.length, { timeout: 10_000 }).toBe(2);
      await transport.close();
      const error = await inFlight;
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).message).toMatch(/stopped \(closed\).*may or may not have been taken/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("never hands over a send aborted before it reached the worker", async () => {
    const transport = threaded();
    await transport.send(message("Starts the thread"));
    const controller = new AbortController();
    const sending = transport.send(message("Aborted at once"), { signal: controller.signal });
    controller.abort(new Error("changed my mind"));
    await expect(sending).rejects.toThrow("changed my mind");
    // A later send's answer comes back after anything the worker would have done with the aborted one.
    await transport.send(message("Sent after"));
    expect(imitation.sent.map((sent) => sent.params.Body)).toEqual(["Starts the thread", "Sent after"]);
  });

  it("starts a batch's sends one per turn, and never sends one aborted while it waited on the worker", async () => {
    const transport = threaded();
    // Opens 16 connections, kept for the wave: no send below waits for a socket or a connection.
    await Promise.all(Array.from({ length: 16 }, (_, i) => transport.send(message(`Warm ${i}`))));
    imitation.reset();
    const wave = Array.from({ length: 15 }, (_, i) => transport.send(message(`Wave ${i}`)));
    const controller = new AbortController();
    const last = transport.send(message("Aborted while waiting"), { signal: controller.signal });
    // The batch is handed over at the next microtask. The abort follows it at once, while the worker is still
    // starting the first of the 15 before it (one per turn of its event loop).
    await Promise.resolve();
    await Promise.resolve();
    controller.abort(new Error("changed my mind"));
    await expect(last).rejects.toThrow("changed my mind");
    await Promise.all(wave);
    // A later send's answer comes back after anything the worker would have done with the aborted one.
    await transport.send(message("Sent after"));
    const bodies = imitation.sent.map((sent) => sent.params.Body);
    expect(bodies).not.toContain("Aborted while waiting");
    expect(bodies).toHaveLength(16);
    expect(bodies.slice(0, 15).sort()).toEqual(Array.from({ length: 15 }, (_, i) => `Wave ${i}`).sort());
  });

  it("refuses sends after close(), and a transport without a thread closes at once", async () => {
    const transport = threaded();
    await transport.send(message("Before closing"));
    await transport.close();
    const error = await transport.send(message("After closing")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as PrecinctError).isRetryable).toBe(false);
    expect(imitation.sent).toHaveLength(1);
    await expect(
      createTwilio({ accountSid, authToken, baseUrl: server.url }).sms({ from: SENDER }).close(),
    ).resolves.toBeUndefined();
  });

  it("rejects the sends in flight when the thread dies, not retryable, and starts a new thread for the next", async () => {
    const dir = mkdtempSync(join(tmpdir(), "precinct-send-thread-"));
    try {
      const broken = join(dir, "broken-worker.mjs");
      writeFileSync(broken, "throw new Error('the send thread broke');\n");
      setSendThreadScript({ url: pathToFileURL(broken) });
      // Its worker starts (and dies) at once; the sends below start the next one, which dies too.
      const transport = threaded();
      const errors = await Promise.all(
        [1, 2].map((i) => transport.send(message(`Lost ${i}`)).catch((caught: unknown) => caught)),
      );
      for (const error of errors) {
        expect(error).toBeInstanceOf(ProviderError);
        expect((error as ProviderError).isRetryable).toBe(false);
        expect((error as ProviderError).message).toMatch(/may or may not have been taken/);
      }
      setSendThreadScript(SCRIPT);
      await expect(transport.send(message("Sent by a new thread"))).resolves.toMatchObject({
        status: "queued",
      });
      expect(imitation.sent.map((sent) => sent.params.Body)).toEqual(["Sent by a new thread"]);
    } finally {
      setSendThreadScript(SCRIPT);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts its worker when the transport is created, before any send, and close() stops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "precinct-send-thread-"));
    try {
      const marker = join(dir, "started");
      const announcing = join(dir, "announcing-worker.mjs");
      // A worker that only says it started, then idles until it is stopped.
      writeFileSync(
        announcing,
        `import { writeFileSync } from "node:fs";\nimport { parentPort } from "node:worker_threads";\nwriteFileSync(${JSON.stringify(marker)}, "yes");\nparentPort.on("message", () => {});\n`,
      );
      setSendThreadScript({ url: pathToFileURL(announcing) });
      const transport = threaded();
      const deadline = Date.now() + 10_000;
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(marker)).toBe(true);
      expect(imitation.requests).toHaveLength(0);
      await transport.close();
    } finally {
      setSendThreadScript(SCRIPT);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is a configuration error with an injected client or without a script to run", () => {
    const client = Twilio(accountSid, authToken);
    expect(() => createTwilio({ client }).sms({ from: SENDER, sendThread: true })).toThrow(ConfigError);
    expect(() => createTwilio({ client }).sms({ from: SENDER, sendThread: true })).toThrow(
      /injected `client`/,
    );
    setSendThreadScript(undefined);
    try {
      // The tests run from sources, where there is no bundle to start the worker with.
      expect(() => createTwilio({ accountSid, authToken }).sms({ from: SENDER, sendThread: true })).toThrow(
        /built bundle/,
      );
    } finally {
      setSendThreadScript(SCRIPT);
    }
  });
});

runSmsTransportConformance({
  name: "twilio with sendThread (socket + Twilio imitation)",
  create: (): TwilioSmsTransport => {
    imitation.reset();
    return threaded();
  },
  cases: {
    recipient: VOTER,
    triggerPermanentFailure: () => imitation.failNext({ code: 21610, operation: "messages.create" }),
    triggerRetryableFailure: () => imitation.failNext({ status: 429, operation: "messages.create" }),
    validInboundRequest: () => imitation.inboundWebhook({ from: VOTER, body: "STOP" }),
    expectedInbound: { from: VOTER, to: SENDER, body: "STOP" },
    forgedInboundRequest: () =>
      imitation.inboundWebhook({ from: VOTER, body: "STOP" }, { forged: "signature" }),
    validStatusRequest: () =>
      imitation.statusWebhook({ messageSid: `SM${"0".repeat(31)}8`, status: "delivered" }),
    expectedStatus: { providerId: `SM${"0".repeat(31)}8`, status: "delivered" },
  },
});
