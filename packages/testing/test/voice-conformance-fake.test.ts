import type { VoiceTransport } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { parseXmlMarkup, runVoiceTransportConformance } from "../src/conformance.js";
import { createFakeVoice, type FakeCallOutcome, type FakeVoiceTransport } from "../src/index.js";

// The fake with every capability: the suite runs every check.
let fake: FakeVoiceTransport;
runVoiceTransportConformance({
  name: "fake (all capabilities)",
  create: () => {
    fake = createFakeVoice({ seed: 11 });
    return fake;
  },
  cases: {
    recipient: "+19195550123",
    caller: "+15550100000",
    callCount: () => fake.calls.length,
    triggerPermanentFailure: () => fake.failNext("invalid_recipient"),
    triggerRetryableFailure: () => fake.failNext("rate_limited"),
    conferenceMembers: (name) => fake.conferences.get(name) ?? [],
    redirectedInstructions: (id) => fake.redirects.findLast((r) => r.providerId === id)?.output,
    statusRequest: (update) => fake.statusRequest(update),
    forgedStatusRequest: (update) => fake.statusRequest(update, { forged: true }),
  },
});

// Only the required surface: every capability check is skipped, the rest still runs. This is what a
// minimal third-party adapter sees.
let minimalFake: FakeVoiceTransport;
runVoiceTransportConformance({
  name: "minimal (call + answerInstructions only)",
  create: (): VoiceTransport => {
    minimalFake = createFakeVoice({
      provider: "minimal",
      machineDetection: false,
      conference: false,
      redirect: false,
    });
    return {
      specificationVersion: "v1",
      provider: "minimal",
      call: (params, options) => minimalFake.call(params, options),
      answerInstructions: (input) => minimalFake.answerInstructions(input),
    };
  },
  cases: {
    triggerPermanentFailure: () => minimalFake.failNext("invalid_recipient"),
    triggerRetryableFailure: () => minimalFake.failNext("server_error"),
  },
});

describe("createFakeVoice outcomes (what the dialer simulation relies on)", () => {
  const place = async (voice: FakeVoiceTransport, n: number) => {
    for (let i = 0; i < n; i++) {
      await voice.call({
        to: "+19195550123",
        from: "+15550100000",
        answerUrl: "https://precinct.test/answer",
        machineDetection: "enable",
        idempotencyKey: `sim-${i}`,
      });
    }
  };

  it("draws answered, busy, no-answer and machine outcomes from a seeded distribution", async () => {
    const weights = { answered: 0.35, machine: 0.25, "no-answer": 0.3, busy: 0.1 };
    const a = createFakeVoice({ seed: 2026, outcomes: weights });
    const b = createFakeVoice({ seed: 2026, outcomes: weights });
    const c = createFakeVoice({ seed: 2027, outcomes: weights });
    for (const voice of [a, b, c]) await place(voice, 4000);
    const outcomes = (voice: FakeVoiceTransport) => voice.calls.map((call) => call.outcome);
    expect(outcomes(b)).toEqual(outcomes(a));
    expect(outcomes(c)).not.toEqual(outcomes(a));
    for (const [outcome, weight] of Object.entries(weights) as [FakeCallOutcome, number][]) {
      const share = outcomes(a).filter((o) => o === outcome).length / 4000;
      expect(Math.abs(share - weight), outcome).toBeLessThan(0.025);
    }
  });

  it("plays each outcome out as the statuses and AnsweredBy a dialer sees, through signed webhooks", async () => {
    const voice = createFakeVoice({
      seed: 5,
      outcomes: { answered: 1, machine: 1, busy: 1, "no-answer": 1 },
    });
    await place(voice, 200);
    const seen = new Map<FakeCallOutcome, { statuses: string[]; answeredBy: string | undefined }>();
    for (const call of voice.calls) {
      if (seen.has(call.outcome)) continue;
      const parsed = [];
      for (const update of voice.progress(call.providerId)) {
        const request = voice.statusRequest(update);
        expect(voice.verifyWebhook(request)).toBe(true);
        parsed.push(await voice.parseStatus(request));
      }
      seen.set(call.outcome, {
        statuses: parsed.map((u) => u.status),
        answeredBy: parsed.at(-1)?.answeredBy,
      });
    }
    expect(seen.get("answered")).toEqual({
      statuses: ["initiated", "ringing", "in-progress", "completed"],
      answeredBy: "human",
    });
    expect(seen.get("machine")).toEqual({
      statuses: ["initiated", "ringing", "in-progress", "completed"],
      answeredBy: "machine_start",
    });
    expect(seen.get("busy")).toEqual({ statuses: ["initiated", "busy"], answeredBy: undefined });
    expect(seen.get("no-answer")).toEqual({
      statuses: ["initiated", "ringing", "no-answer"],
      answeredBy: undefined,
    });
  });

  it("refuses a ring timeout under 15 s on call and conference.add, without drawing an outcome", async () => {
    const voice = createFakeVoice({ seed: 3 });
    const base = { to: "+19195550123", from: "+15550100000", idempotencyKey: "short" };
    await expect(
      voice.call({ ...base, answerUrl: "https://precinct.test/answer", timeoutSeconds: 10 }),
    ).rejects.toMatchObject({ code: "invalid_input", field: "timeoutSeconds" });
    await expect(
      voice.conference!.add({ ...base, conferenceName: "room", timeoutSeconds: 14.9 }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    expect(voice.calls).toHaveLength(0);
    // The same seed still yields the same first outcome: a refused call consumed no randomness.
    const fresh = createFakeVoice({ seed: 3 });
    await voice.call({ ...base, answerUrl: "https://precinct.test/answer", timeoutSeconds: 15 });
    await fresh.call({ ...base, answerUrl: "https://precinct.test/answer" });
    expect(voice.calls[0]?.outcome).toBe(fresh.calls[0]?.outcome);
  });
});

describe("parseXmlMarkup", () => {
  it("reads elements, attributes, text, entities and CDATA", () => {
    const root = parseXmlMarkup(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- answer --><Response><Say language='es-US' voice="a&amp;b">Hola &lt;vecinos&gt; &#161;s&#xED;!<![CDATA[ <raw> ]]></Say><Hangup/></Response>`,
    );
    expect(root.name).toBe("Response");
    expect(root.children.map((c) => c.name)).toEqual(["Say", "Hangup"]);
    expect(root.children[0]).toEqual({
      name: "Say",
      attributes: { language: "es-US", voice: "a&b" },
      children: [],
      text: "Hola <vecinos> ¡sí! <raw> ",
    });
  });

  it.each([
    ["an unclosed element", "<Response><Say>hi</Response>"],
    ["a mismatched end tag", "<Response><Say>hi</Play></Response>"],
    ["a bare ampersand", "<Response><Say>you & me</Say></Response>"],
    ["an unknown entity", "<Response><Say>&nbsp;</Say></Response>"],
    ["an unquoted attribute", "<Response><Dial timeout=20>+19195550123</Dial></Response>"],
    ["a repeated attribute", '<Response><Dial timeout="1" timeout="2"/></Response>'],
    ["a second root", "<Response/><Response/>"],
    ["text after the root", "<Response/>trailing"],
    ["a DTD", '<!DOCTYPE x [<!ENTITY a "b">]><Response/>'],
  ])("refuses %s", (_, xml) => {
    expect(() => parseXmlMarkup(xml)).toThrow(/Malformed XML/);
  });
});
