import { createHmac } from "node:crypto";
import { setupServer } from "msw/node";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTwilioImitation,
  parseTwilioForm,
  signTwilioWebhook,
  startTwilioImitationServer,
  TWILIO_SIGNATURE_HEADER,
  type TwilioImitationOptions,
  twilioHandlers,
} from "../src/http.js";

const accountSid = `AC${"12".repeat(16)}`;
const authToken = "imitation-auth-token";
const apiKey = `SK${"34".repeat(16)}`;
const SENDER = "+15550100000";
const VOTER = "+19195550123";
const SERVICE = `MG${"56".repeat(16)}`;
const API = "https://api.twilio.com";
const MESSAGES = `${API}/2010-04-01/Accounts/${accountSid}/Messages.json`;

let clock = new Date("2026-05-01T12:00:00.000Z");
const create = (options: Partial<TwilioImitationOptions> = {}) =>
  createTwilioImitation({
    accountSid,
    authToken,
    apiKeys: { [apiKey]: "key-secret" },
    now: () => clock,
    ...options,
  });
afterEach(() => {
  clock = new Date("2026-05-01T12:00:00.000Z");
});

const basic = (user = accountSid, password = authToken) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const post = (form: Record<string, string | string[]>, auth = basic()) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  return new Request(MESSAGES, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
};
const get = (url: string, auth = basic()) => new Request(url, { headers: { authorization: auth } });
const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

describe("auth", () => {
  it("answers 401 with Twilio's 20003 body without valid Basic auth", async () => {
    const twilio = create();
    for (const auth of ["", basic(accountSid, "wrong"), basic(apiKey, "wrong"), "Bearer x"]) {
      const response = await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }, auth));
      expect(response.status).toBe(401);
      expect(await json(response)).toMatchObject({
        code: 20003,
        message: "Authenticate",
        more_info: "https://www.twilio.com/docs/errors/20003",
        status: 401,
      });
    }
    expect(twilio.sent).toHaveLength(0);
  });

  it("accepts the auth token or a configured API key", async () => {
    const twilio = create();
    expect((await twilio.handle(post({ To: VOTER, From: SENDER, Body: "a" }))).status).toBe(201);
    expect(
      (await twilio.handle(post({ To: VOTER, From: SENDER, Body: "b" }, basic(apiKey, "key-secret")))).status,
    ).toBe(201);
  });

  it("refuses another account's path", async () => {
    const other = `${API}/2010-04-01/Accounts/AC${"99".repeat(16)}/Messages.json`;
    expect((await create().handle(get(other))).status).toBe(401);
  });
});

describe("messages.create", () => {
  it("answers 201 with Twilio's Message resource and records every parameter", async () => {
    const twilio = create();
    const response = await twilio.handle(
      post({
        To: VOTER,
        From: SENDER,
        Body: "Polls close at 7:30pm. Reply STOP to opt out.",
        StatusCallback: "https://organize.example.org/status",
        ValidityPeriod: "600",
        MediaUrl: ["https://cdn.example.org/a.jpg", "https://cdn.example.org/b.jpg"],
      }),
    );
    expect(response.status).toBe(201);
    const resource = await json(response);
    const sid = resource.sid as string;
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(resource).toEqual({
      account_sid: accountSid,
      api_version: "2010-04-01",
      body: "Polls close at 7:30pm. Reply STOP to opt out.",
      date_created: "Fri, 01 May 2026 12:00:00 +0000",
      date_sent: null,
      date_updated: "Fri, 01 May 2026 12:00:00 +0000",
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: SENDER,
      messaging_service_sid: null,
      num_media: "2",
      num_segments: "1",
      price: null,
      price_unit: "USD",
      sid,
      status: "queued",
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to: VOTER,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
    expect(twilio.sent[0]?.params).toEqual({
      To: VOTER,
      From: SENDER,
      Body: "Polls close at 7:30pm. Reply STOP to opt out.",
      StatusCallback: "https://organize.example.org/status",
      ValidityPeriod: "600",
      MediaUrl: ["https://cdn.example.org/a.jpg", "https://cdn.example.org/b.jpg"],
    });
  });

  it("counts segments like smsSegments (GSM-7 and UCS-2)", async () => {
    const twilio = create();
    await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x".repeat(161) }));
    await twilio.handle(post({ To: VOTER, From: SENDER, Body: `Thanks 🎉 ${"y".repeat(70)}` }));
    expect(twilio.sent.map((m) => m.resource.num_segments)).toEqual(["2", "2"]);
  });

  it("through a Messaging Service: accepted, sender from the pool, unknown services refused", async () => {
    const twilio = create({ messagingServices: { [SERVICE]: ["+15550100001"] } });
    const accepted = await json(
      await twilio.handle(post({ To: VOTER, MessagingServiceSid: SERVICE, Body: "hi" })),
    );
    expect(accepted).toMatchObject({
      status: "accepted",
      messaging_service_sid: SERVICE,
      from: "+15550100001",
    });
    const unknown = await twilio.handle(
      post({ To: VOTER, MessagingServiceSid: `MG${"00".repeat(16)}`, Body: "hi" }),
    );
    expect(await json(unknown)).toMatchObject({ code: 21705, status: 400 });
  });

  it.each([
    [{ From: SENDER, Body: "x" }, 21604],
    [{ To: "919-555-0123", From: SENDER, Body: "x" }, 21211],
    [{ To: VOTER, Body: "x" }, 21603],
    [{ To: VOTER, From: SENDER }, 21602],
    [{ To: VOTER, From: SENDER, Body: "x".repeat(1601) }, 21617],
  ])("validates like Twilio: %o → %i", async (form, code) => {
    const twilio = create();
    const response = await twilio.handle(post(form));
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      code,
      status: 400,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
    });
    expect(twilio.sent).toHaveLength(0);
  });
});

describe("messages.list and fetch", () => {
  const seed = async () => {
    const twilio = create();
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const to = i % 2 === 0 ? VOTER : "+19195550124";
      sids.push(
        (await json(await twilio.handle(post({ To: to, From: SENDER, Body: `m${i}` })))).sid as string,
      );
      clock = new Date(clock.getTime() + 60_000);
    }
    return { twilio, sids };
  };

  it("lists newest first with Twilio's paging fields, and pages with next_page_uri", async () => {
    const { twilio, sids } = await seed();
    const first = await json(await twilio.handle(get(`${MESSAGES}?PageSize=2`)));
    expect(first).toMatchObject({ page: 0, page_size: 2, start: 0, end: 1, previous_page_uri: null });
    expect((first.messages as { sid: string }[]).map((m) => m.sid)).toEqual([sids[4], sids[3]]);
    expect(first.first_page_uri).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json?PageSize=2&Page=0`);
    expect(first.next_page_uri).toMatch(/Page=1&PageToken=PASM/);
    const second = await json(await twilio.handle(get(`${API}${first.next_page_uri as string}`)));
    expect((second.messages as { sid: string }[]).map((m) => m.sid)).toEqual([sids[2], sids[1]]);
    const third = await json(await twilio.handle(get(`${API}${second.next_page_uri as string}`)));
    expect((third.messages as { sid: string }[]).map((m) => m.sid)).toEqual([sids[0]]);
    expect(third.next_page_uri).toBeNull();
  });

  it("filters by To and From", async () => {
    const { twilio } = await seed();
    const toVoter = await json(await twilio.handle(get(`${MESSAGES}?To=${encodeURIComponent(VOTER)}`)));
    expect((toVoter.messages as { body: string }[]).map((m) => m.body)).toEqual(["m4", "m2", "m0"]);
    const fromOther = await json(await twilio.handle(get(`${MESSAGES}?From=%2B15550100009`)));
    expect(fromOther.messages).toEqual([]);
  });

  it("filters DateSent on date_sent, which stays null until a message is sent", async () => {
    const { twilio, sids } = await seed();
    twilio.setStatus(sids[1]!, "sent");
    const today = await json(await twilio.handle(get(`${MESSAGES}?DateSent=2026-05-01`)));
    expect((today.messages as { sid: string; date_sent: string }[]).map((m) => m.sid)).toEqual([sids[1]]);
    const after = await json(
      await twilio.handle(get(`${MESSAGES}?${encodeURIComponent("DateSent>")}=2026-04-30T00:00:00Z`)),
    );
    expect((after.messages as unknown[]).length).toBe(1);
    const before = await json(await twilio.handle(get(`${MESSAGES}?DateSent<=2026-04-30`)));
    expect(before.messages).toEqual([]);
  });

  it("fetches one message, or answers Twilio's 404 body", async () => {
    const { twilio, sids } = await seed();
    const one = await twilio.handle(get(MESSAGES.replace(".json", `/${sids[2]}.json`)));
    expect(await json(one)).toMatchObject({ sid: sids[2], body: "m2" });
    const missing = await twilio.handle(get(MESSAGES.replace(".json", `/SM${"0".repeat(32)}.json`)));
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: 20404, status: 404 });
  });

  it("never moves a message backwards, and sets date_sent and error_code", async () => {
    const { twilio, sids } = await seed();
    const sid = sids[0]!;
    twilio.setStatus(sid, "undelivered", { errorCode: 30007 });
    twilio.setStatus(sid, "sent");
    const resource = twilio.messages.find((m) => m.sid === sid)?.resource;
    expect(resource).toMatchObject({
      status: "undelivered",
      error_code: 30007,
      error_message: "Message filtered",
    });
    expect(resource?.date_sent).toBe("Fri, 01 May 2026 12:05:00 +0000");
    expect(() => twilio.setStatus("SMnope", "sent")).toThrow(/SMnope/);
  });
});

describe("lookup", () => {
  it("answers Lookup v2 with line_type_intelligence only when asked", async () => {
    const twilio = create({ lineTypes: { "+19195550101": { type: "landline", carrierName: "Old Bell" } } });
    const url = "https://lookups.twilio.com/v2/PhoneNumbers/%2B19195550101";
    const plain = await json(await twilio.handle(get(url)));
    expect(plain).toMatchObject({ phone_number: "+19195550101", valid: true, line_type_intelligence: null });
    const asked = await json(await twilio.handle(get(`${url}?Fields=line_type_intelligence`)));
    expect(asked).toMatchObject({
      calling_country_code: "1",
      country_code: "US",
      national_format: "(919) 555-0101",
      line_type_intelligence: { type: "landline", carrier_name: "Old Bell", error_code: null },
    });
    const mobile = await json(
      await twilio.handle(
        get("https://lookups.twilio.com/v2/PhoneNumbers/+19195550123?Fields=line_type_intelligence"),
      ),
    );
    expect(mobile).toMatchObject({
      line_type_intelligence: { type: "mobile", carrier_name: "Imitation Wireless" },
    });
    const invalid = await json(await twilio.handle(get("https://lookups.twilio.com/v2/PhoneNumbers/12345")));
    expect(invalid).toMatchObject({ valid: false, line_type_intelligence: null });
  });
});

describe("failure injection", () => {
  it("fails the next request with Twilio's error body, then recovers", async () => {
    const twilio = create();
    twilio.failNext({ code: 21610 });
    const refused = await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }));
    expect(refused.status).toBe(400);
    expect(await json(refused)).toEqual({
      code: 21610,
      message: "Attempt to send to unsubscribed recipient",
      more_info: "https://www.twilio.com/docs/errors/21610",
      status: 400,
    });
    expect((await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }))).status).toBe(201);
  });

  it("derives the code from the status, honours operation and times", async () => {
    const twilio = create();
    twilio.failNext({ status: 503, operation: "messages.create", times: 2 });
    expect((await twilio.handle(get(MESSAGES))).status).toBe(200); // a list is not a create
    for (let i = 0; i < 2; i++) {
      const response = await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }));
      expect(await json(response)).toMatchObject({ code: 20503, status: 503 });
    }
    expect((await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }))).status).toBe(201);
    expect(twilio.requests.map((r) => r.status)).toEqual([200, 503, 503, 201]);
  });

  it("simulates a network error, with or without carrying the request out", async () => {
    const twilio = create();
    twilio.failNext({ networkError: true });
    expect((await twilio.handle(post({ To: VOTER, From: SENDER, Body: "lost" }))).type).toBe("error");
    expect(twilio.sent).toHaveLength(0);
    twilio.failNext({ dropResponse: true });
    expect((await twilio.handle(post({ To: VOTER, From: SENDER, Body: "taken" }))).type).toBe("error");
    expect(twilio.sent.map((m) => m.resource.body)).toEqual(["taken"]);
  });

  it("waits respondDelayMs before answering", async () => {
    const twilio = create({ respondDelayMs: 80 });
    const started = Date.now();
    await twilio.handle(get(MESSAGES));
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });
});

describe("webhooks", () => {
  const verify = (token: string, request: { url: string; rawBody: string; request: Request }) => {
    const header = request.request.headers.get(TWILIO_SIGNATURE_HEADER);
    return (
      header !== null && header === signTwilioWebhook(token, request.url, parseTwilioForm(request.rawBody))
    );
  };

  it("signs with Twilio's algorithm (the DOMAIN.md test vector)", () => {
    const params = {
      CallSid: "CA1234567890ABCDE",
      Caller: "+14158675310",
      Digits: "1234",
      From: "+14158675310",
      To: "+18005551212",
    };
    expect(signTwilioWebhook("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)).toBe(
      "GvWf1cFY/Q7PnoempGyD5oXAezc=",
    );
    // Repeated names: each distinct value once, sorted (as the twilio SDK checks).
    const expected = createHmac("sha1", "k").update("https://x.test/hAa1Aa2B3").digest("base64");
    expect(signTwilioWebhook("k", "https://x.test/h", { B: "3", A: ["a2", "a1", "a2"] })).toBe(expected);
  });

  it("builds a signed inbound webhook with Twilio's fields, and holds the message", async () => {
    const twilio = create({ webhookUrl: "https://organize.example.org/twilio/in" });
    const webhook = twilio.inboundWebhook({
      from: VOTER,
      body: "Where do I vote?",
      mediaUrls: ["https://m.test/1"],
    });
    expect(webhook.url).toBe("https://organize.example.org/twilio/in");
    expect(webhook.request.method).toBe("POST");
    expect(await webhook.request.clone().text()).toBe(webhook.rawBody);
    expect(webhook.params).toMatchObject({
      From: VOTER,
      To: "+15550100000",
      Body: "Where do I vote?",
      SmsStatus: "received",
      NumMedia: "1",
      MediaUrl0: "https://m.test/1",
      AccountSid: accountSid,
      ApiVersion: "2010-04-01",
    });
    expect(webhook.params.MessageSid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(verify(authToken, webhook)).toBe(true);
    expect(twilio.messages.at(-1)?.resource).toMatchObject({
      direction: "inbound",
      status: "received",
      from: VOTER,
    });
  });

  it.each(["signature", "body", "url", "missing"] as const)("forges (%s) so verification fails", (forged) => {
    const twilio = create();
    const webhook = twilio.inboundWebhook({ from: VOTER, body: "hi" }, { forged });
    expect(verify(authToken, webhook)).toBe(false);
    expect(twilio.messages).toHaveLength(0);
  });

  it("builds a signed status callback to the message's StatusCallback and advances the message", async () => {
    const twilio = create();
    const created = await json(
      await twilio.handle(
        post({ To: VOTER, From: SENDER, Body: "x", StatusCallback: "https://organize.example.org/s" }),
      ),
    );
    const webhook = twilio.statusWebhook({
      messageSid: created.sid as string,
      status: "undelivered",
      errorCode: 30007,
    });
    expect(webhook.url).toBe("https://organize.example.org/s");
    expect(webhook.params).toMatchObject({
      MessageSid: created.sid,
      MessageStatus: "undelivered",
      SmsStatus: "undelivered",
      ErrorCode: "30007",
      To: VOTER,
      From: SENDER,
    });
    expect(verify(authToken, webhook)).toBe(true);
    expect(twilio.sent[0]?.resource).toMatchObject({ status: "undelivered", error_code: 30007 });
  });

  it("Advanced Opt-Out: after STOP, sends to that number fail with 21610 until START", async () => {
    const twilio = create();
    twilio.inboundWebhook({ from: VOTER, to: SENDER, body: " stop " });
    expect(twilio.optedOut.has(`${VOTER}|${SENDER}`)).toBe(true);
    const refused = await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }));
    expect(await json(refused)).toMatchObject({ code: 21610 });
    twilio.inboundWebhook({ from: VOTER, to: SENDER, body: "START" });
    expect((await twilio.handle(post({ To: VOTER, From: SENDER, Body: "x" }))).status).toBe(201);
    const off = create({ advancedOptOut: false });
    off.inboundWebhook({ from: VOTER, to: SENDER, body: "STOP" });
    expect((await off.handle(post({ To: VOTER, From: SENDER, Body: "x" }))).status).toBe(201);
  });
});

describe("transports", () => {
  it("twilioHandlers serve the imitation to fetch through msw", async () => {
    const twilio = create();
    const server = setupServer(...twilioHandlers(twilio));
    server.listen({ onUnhandledFrame: "error" });
    try {
      const response = await fetch(post({ To: VOTER, From: SENDER, Body: "via msw" }));
      expect(response.status).toBe(201);
      const lookup = await fetch(get("https://lookups.twilio.com/v2/PhoneNumbers/+19195550123"));
      expect(await json(lookup)).toMatchObject({ phone_number: VOTER });
      expect(twilio.requests.map((r) => r.operation)).toEqual(["messages.create", "lookup"]);
    } finally {
      server.close();
    }
  });

  it("startTwilioImitationServer serves the same handler over a socket, and close() ends it", async () => {
    const twilio = create();
    const server = await startTwilioImitationServer(twilio, { host: "127.0.0.1" });
    const url = `${server.url}/2010-04-01/Accounts/${accountSid}/Messages.json`;
    try {
      const created = await fetch(url, {
        method: "POST",
        headers: { authorization: basic(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ To: VOTER, From: SENDER, Body: "via socket" }),
      });
      expect(created.status).toBe(201);
      const listed = await json(await fetch(url, { headers: { authorization: basic() } }));
      expect((listed.messages as { body: string }[]).map((m) => m.body)).toEqual(["via socket"]);
      twilio.failNext({ networkError: true });
      await expect(fetch(url, { headers: { authorization: basic() } })).rejects.toThrow();
    } finally {
      await server.close();
    }
    await expect(fetch(url, { headers: { authorization: basic() } })).rejects.toThrow();
  });
});
