// Precinct's HTTP client for the twilio SDK, over a real socket (no msw): the bytes it sends are compared
// with the bytes the SDK's own (axios) client sends for the same call, and its failures with what the error
// mapping expects of a request that got no answer.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mapTwilioError, mapTwilioVoiceError } from "../src/twilio-error.js";
import { PrecinctRequestClient } from "../src/twilio-request-client.js";

const accountSid = `AC${"5a".repeat(16)}`;
const authToken = "request-client-token";

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A server that records each request's raw form and answers with `answer` (a created message by default). */
function recordingServer() {
  const seen: Seen[] = [];
  let answer: (seen: Seen, res: ServerResponse) => void = (request, res) => {
    res.writeHead(201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ sid: `SM${"0".repeat(31)}${seen.length}`, status: "queued", num_segments: "1" }),
    );
    void request;
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(request);
      answer(request, res);
    });
  });
  return {
    seen,
    server,
    answerWith(next: (seen: Seen, res: ServerResponse) => void) {
      answer = next;
    },
  };
}

/** The SDK's stock client, pointed at `origin`: the reference the new client must match byte for byte. */
class StockToOrigin extends Twilio.RequestClient {
  constructor(private readonly origin: string) {
    super();
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const url = new URL(opts.uri);
    return super.request({ ...opts, uri: `${this.origin}${url.pathname}${url.search}` });
  }
}

const recording = recordingServer();
let origin = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => recording.server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(recording.server.address() as AddressInfo).port}`;
});
afterEach(() => {
  recording.seen.length = 0;
});
afterAll(async () => {
  recording.server.closeAllConnections();
  await new Promise((resolve) => recording.server.close(resolve));
});

const params = {
  to: "+19195550123",
  from: "+19195550100",
  // Characters qs escapes and encodeURIComponent does not, spaces, &, =, + and non-ASCII text.
  body: "Hi Ana! Early voting (Thu–Sat) starts *now*: it's 100% free & open = yes + 🗳️ café",
  mediaUrl: ["https://example.org/a.png?x=1&y=2", "https://example.org/b.png"],
  statusCallback: "https://organize.example.org/hooks/sms/status?org=bench",
  validityPeriod: 3600,
  smartEncoded: true,
};

describe("PrecinctRequestClient", () => {
  it("sends messages.create byte for byte as the SDK's own client does (body, query, auth, headers)", async () => {
    const stock = Twilio(accountSid, authToken, { autoRetry: false, httpClient: new StockToOrigin(origin) });
    const ours = Twilio(accountSid, authToken, {
      autoRetry: false,
      httpClient: new PrecinctRequestClient(origin),
    });
    const fromStock = await stock.messages.create(params);
    const fromOurs = await ours.messages.create(params);
    // The SDK parses the text answer into the same MessageInstance.
    expect(fromOurs.status).toBe(fromStock.status);
    expect(fromOurs.numSegments).toBe(fromStock.numSegments);
    expect(fromOurs.sid).toMatch(/^SM/);

    const [a, b] = recording.seen;
    expect(b?.method).toBe(a?.method);
    expect(b?.url).toBe(a?.url);
    expect(b?.body).toBe(a?.body);
    expect(b?.body).toContain("MediaUrl=https%3A%2F%2Fexample.org%2Fa.png%3Fx%3D1%26y%3D2&MediaUrl=");
    expect(b?.body).toContain("Hi%20Ana%21%20Early%20voting%20%28Thu");
    for (const header of ["authorization", "content-type", "user-agent", "accept", "accept-charset"]) {
      expect(b?.headers[header], header).toBe(a?.headers[header]);
    }
    expect(Number(b?.headers["content-length"])).toBe(Buffer.byteLength(b?.body ?? ""));

    // A list call: its filters travel in the query string, encoded the same way.
    const since = new Date("2026-11-18T17:00:00Z");
    recording.answerWith((_, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ messages: [], next_page_uri: null, page: 0, page_size: 50 }));
    });
    try {
      await stock.messages.list({ to: params.to, dateSentAfter: since, limit: 5 });
      await ours.messages.list({ to: params.to, dateSentAfter: since, limit: 5 });
    } finally {
      recording.answerWith((_, res) => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ sid: `SM${"1".repeat(32)}`, status: "queued", num_segments: "1" }));
      });
    }
    const [, , listA, listB] = recording.seen;
    expect(listB?.method).toBe("GET");
    expect(listB?.url).toBe(listA?.url);
    expect(listB?.url).toContain("To=%2B19195550123");
  });

  it("keeps its sockets between waves of concurrent sends instead of reconnecting", async () => {
    let connections = 0;
    const count = () => {
      connections += 1;
    };
    recording.server.on("connection", count);
    try {
      const client = new PrecinctRequestClient(origin);
      const twilio = Twilio(accountSid, authToken, { autoRetry: false, httpClient: client });
      // The dispatcher's pattern: a wave of 8 in flight, all answered, then the next wave.
      for (let wave = 0; wave < 5; wave += 1) {
        await Promise.all(Array.from({ length: 8 }, () => twilio.messages.create(params)));
      }
      expect(recording.seen).toHaveLength(40);
      // One connection per concurrent send, opened by the first wave and reused by the other four. With the
      // SDK's 5 kept idle it would be 8 + 4 × 3 = 20.
      expect(connections).toBe(8);
    } finally {
      recording.server.off("connection", count);
    }
  });

  it("hands Twilio's error answer to the SDK, which raises the same RestException as with its own client", async () => {
    recording.answerWith((_, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400 }),
      );
    });
    const ours = Twilio(accountSid, authToken, {
      autoRetry: false,
      httpClient: new PrecinctRequestClient(origin),
    });
    const error = await ours.messages.create(params).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 21610 });
    expect(mapTwilioError(error, "send")).toMatchObject({ code: "opted_out", isRetryable: false });
  });

  it("keeps the last answer, as the SDK's client does, for callers that inspect it", async () => {
    recording.answerWith((_, res) => {
      res.writeHead(201, { "content-type": "application/json", "twilio-request-id": "RQ123" });
      res.end(JSON.stringify({ sid: `SM${"2".repeat(32)}`, status: "accepted" }));
    });
    const httpClient = new PrecinctRequestClient(origin);
    await Twilio(accountSid, authToken, { httpClient }).messages.create(params);
    expect(httpClient.lastResponse).toMatchObject({
      statusCode: 201,
      headers: { "twilio-request-id": "RQ123" },
    });
    expect(String(httpClient.lastResponse)).toMatch(/^HTTP 201 \{/);
  });

  it("times out a request that gets no answer as a network error: retryable for texts, uncertain for calls", async () => {
    recording.answerWith(() => {
      // Never answers.
    });
    const client = Twilio(accountSid, authToken, {
      autoRetry: false,
      httpClient: new PrecinctRequestClient(origin, { timeout: 100 }),
    });
    const started = Date.now();
    const error = await client.messages.create(params).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: "ECONNABORTED", message: "timeout of 100ms exceeded" });
    expect(mapTwilioError(error, "send")).toMatchObject({ code: "provider", isRetryable: true });
    expect(mapTwilioVoiceError(error, "call")).toMatchObject({
      isRetryable: false,
      details: { failureReason: "uncertain" },
    });
    recording.server.closeAllConnections();
  });

  it("rejects, never hangs, when the connection closes halfway through the answer", async () => {
    recording.answerWith((_, res) => {
      res.writeHead(201, { "content-type": "application/json", "content-length": "500" });
      res.write('{"sid": "SM');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const client = Twilio(accountSid, authToken, {
      autoRetry: false,
      httpClient: new PrecinctRequestClient(origin),
    });
    const error = await client.messages.create(params).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "NoResponseError", code: "ECONNRESET" });
    expect(mapTwilioError(error, "send")).toMatchObject({ code: "provider", isRetryable: true });
  });

  it("keeps a refused connection's code, so a call that never connected may be placed again", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise((resolve) => gone.close(resolve));
    const client = Twilio(accountSid, authToken, {
      autoRetry: false,
      httpClient: new PrecinctRequestClient(`http://127.0.0.1:${port}`),
    });
    const error = await client.messages.create(params).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ECONNREFUSED", name: "NoResponseError" });
    expect(mapTwilioError(error, "send")).toMatchObject({ code: "provider", isRetryable: true });
    expect(mapTwilioVoiceError(error, "call")).toMatchObject({ isRetryable: true });
  });

  it("leaves redirects, debug logging and HTTP_PROXY to the SDK's own client", async () => {
    recording.answerWith((request, res) => {
      if (request.url === "/moved") {
        res.writeHead(302, { location: "/here" });
        res.end();
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ at: request.url }));
      }
    });
    const httpClient = new PrecinctRequestClient(origin);
    const follow = await httpClient.request({ method: "get", uri: `${origin}/moved`, allowRedirects: true });
    expect(follow.statusCode).toBe(200);
    // The stock path records the request it made; this client's own path does not.
    expect(httpClient.lastRequest).toBeDefined();

    const direct = new PrecinctRequestClient(origin);
    const stay = await direct.request({ method: "get", uri: `${origin}/moved` });
    expect(stay.statusCode).toBe(302);
    expect(direct.lastRequest).toBeUndefined();

    const saved = process.env.HTTP_PROXY;
    // A proxy the stock client would use for https; this request is http, so it still goes direct.
    process.env.HTTP_PROXY = "http://127.0.0.1:9";
    try {
      const proxied = new PrecinctRequestClient(origin);
      await proxied.request({ method: "get", uri: `${origin}/here` });
      expect(proxied.lastRequest).toBeDefined();
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    }
  });
});
