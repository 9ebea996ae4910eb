import { ConfigError, NotFoundError, validatePlugin } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { createFakeVoice, type FakeCallOutcome, mulberry32 } from "../src/index.js";

const call = (key: string, extra: Record<string, unknown> = {}) => ({
  to: "+19195550123",
  from: "+15550100000",
  answerUrl: "https://precinct.test/answer",
  idempotencyKey: key,
  ...extra,
});

async function outcomes(seed: number, n: number, weights?: Partial<Record<FakeCallOutcome, number>>) {
  const voice = createFakeVoice({ seed, ...(weights ? { outcomes: weights } : {}) });
  for (let i = 0; i < n; i++) await voice.call(call(`c${i}`));
  return voice.calls.map((c) => c.outcome);
}

describe("mulberry32", () => {
  it("is deterministic per seed and stays in [0, 1)", () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const c = mulberry32(124);
    const seqA = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(seqA);
    expect(Array.from({ length: 1000 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = seqA.reduce((s, x) => s + x, 0) / seqA.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe("createFakeVoice", () => {
  it("implements the VoiceTransport v1 contract", () => {
    expect(() => validatePlugin("VoiceTransport", createFakeVoice())).not.toThrow();
    expect(createFakeVoice({ conference: false }).conference).toBeUndefined();
  });

  it("draws the same outcomes for the same seed, and different ones for another seed", async () => {
    const first = await outcomes(7, 200);
    expect(await outcomes(7, 200)).toEqual(first);
    expect(await outcomes(8, 200)).not.toEqual(first);
  });

  it("roughly matches the configured distribution over 10,000 calls", async () => {
    const weights = { answered: 0.4, busy: 0.1, "no-answer": 0.3, machine: 0.2 };
    const drawn = await outcomes(2024, 10_000, weights);
    for (const [outcome, weight] of Object.entries(weights)) {
      const share = drawn.filter((o) => o === outcome).length / drawn.length;
      expect(Math.abs(share - weight), outcome).toBeLessThan(0.02);
    }
    expect(drawn).not.toContain("failed");
  });

  it("accepts unnormalized weights and refuses invalid ones", async () => {
    expect(await outcomes(1, 20, { busy: 5 })).toEqual(Array(20).fill("busy"));
    expect(() => createFakeVoice({ outcomes: { answered: -1 } })).toThrow(ConfigError);
    expect(() => createFakeVoice({ outcomes: {} })).toThrow(ConfigError);
  });

  it("plays calls out through realistic status sequences with machine detection", async () => {
    const voice = createFakeVoice({ outcomes: { machine: 1 } });
    const { providerId } = await voice.call(call("m", { machineDetection: "detect_message_end" }));
    const updates = voice.progress(providerId);
    expect(updates.map((u) => u.status)).toEqual(["initiated", "ringing", "in-progress", "completed"]);
    expect(updates[3]).toMatchObject({ answeredBy: "machine_end_beep" });
    expect(updates[3]?.durationSeconds).toBeGreaterThan(0);
    expect(voice.progress(providerId)).toEqual([]);
    expect(voice.calls[0]?.status).toBe("completed");

    const noAmd = createFakeVoice({ outcomes: { answered: 1 } });
    const plain = await noAmd.call(call("h"));
    expect(noAmd.progress(plain.providerId).at(-1)?.answeredBy).toBeUndefined();

    const busy = createFakeVoice({ outcomes: { busy: 1 } });
    const b = await busy.call(call("b"));
    expect(busy.progress(b.providerId).map((u) => u.status)).toEqual(["initiated", "busy"]);
  });

  it("does not place a call twice for one idempotency key and maps failures", async () => {
    const voice = createFakeVoice();
    const a = await voice.call(call("same"));
    expect(await voice.call(call("same"))).toEqual(a);
    expect(voice.calls).toHaveLength(1);
    voice.failNext("rate_limited");
    await expect(voice.call(call("other"))).rejects.toMatchObject({
      code: "rate_limited",
      isRetryable: true,
    });
  });

  it("renders answer instructions as escaped XML", () => {
    const voice = createFakeVoice();
    const conference = voice.answerInstructions({
      action: "conference",
      conferenceName: "volunteer <7> & co",
      startConferenceOnEnter: true,
    });
    expect(conference).toEqual({
      contentType: "application/xml",
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Conference startConferenceOnEnter="true">volunteer &#60;7&#62; &#38; co</Conference></Response>',
    });
    expect(voice.answerInstructions({ action: "say", text: "Hi", language: "es-US" })).toMatchObject({
      body: expect.stringContaining('<Say language="es-US">Hi</Say><Hangup/>'),
    });
    expect(voice.instructions).toHaveLength(2);
  });

  it("dials contacts into conferences and moves calls into them", async () => {
    const voice = createFakeVoice();
    const volunteer = await voice.call(call("vol"));
    await voice.conference?.join({ conferenceName: "room-1", providerId: volunteer.providerId });
    const contact = await voice.conference?.add({
      conferenceName: "room-1",
      to: "+19195550999",
      from: "+15550100000",
      idempotencyKey: "contact-1",
    });
    expect(voice.conferences.get("room-1")).toEqual([volunteer.providerId, contact?.providerId]);
    await expect(
      voice.conference?.join({ conferenceName: "room-1", providerId: "CAnope" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await voice.hangup(volunteer.providerId);
    expect(voice.calls[0]?.status).toBe("canceled");
  });

  it("redirects a live call out of its room to new instructions; refuses ended and unknown calls", async () => {
    const voice = createFakeVoice();
    const volunteer = await voice.call(call("vol"));
    await voice.conference!.join({ conferenceName: "room-2", providerId: volunteer.providerId });
    const contact = (await voice.conference!.add({
      conferenceName: "room-2",
      to: "+19195550998",
      from: "+15550100000",
      idempotencyKey: "contact-2",
    }))!;
    await voice.redirect!(contact.providerId, { action: "say", text: "Sorry we missed you & yours" });
    expect(voice.redirects).toEqual([
      {
        providerId: contact.providerId,
        input: { action: "say", text: "Sorry we missed you & yours" },
        output: {
          contentType: "application/xml",
          body: expect.stringContaining("<Say>Sorry we missed you &#38; yours</Say><Hangup/>"),
        },
      },
    ]);
    // The contact left the volunteer's room; the volunteer is still in it.
    expect(voice.conferences.get("room-2")).toEqual([volunteer.providerId]);
    expect(voice.calls.find((c) => c.providerId === contact.providerId)?.conferenceName).toBeUndefined();
    // The redirected call still plays out its drawn outcome.
    expect(voice.progress(contact.providerId).length).toBeGreaterThan(0);
    await expect(voice.redirect!(contact.providerId, { action: "hangup" })).rejects.toMatchObject({
      code: "provider",
      isRetryable: false,
      details: { failureReason: "call_ended" },
    });
    await expect(voice.redirect!("CAnope", { action: "hangup" })).rejects.toBeInstanceOf(NotFoundError);
    expect(voice.redirects).toHaveLength(1);
    expect(createFakeVoice({ redirect: false }).redirect).toBeUndefined();
    voice.reset();
    expect(voice.redirects).toHaveLength(0);
  });

  it("signs, verifies and parses call-status webhooks", async () => {
    const voice = createFakeVoice();
    const request = voice.statusRequest({
      providerId: "CA1",
      status: "completed",
      answeredBy: "human",
      durationSeconds: 42,
    });
    expect(voice.verifyWebhook(request)).toBe(true);
    expect(
      voice.verifyWebhook(voice.statusRequest({ providerId: "CA1", status: "busy" }, { forged: true })),
    ).toBe(false);
    await expect(voice.parseStatus(request)).resolves.toMatchObject({
      providerId: "CA1",
      status: "completed",
      answeredBy: "human",
      durationSeconds: 42,
    });
  });

  it("restarts the PRNG on reset", async () => {
    const voice = createFakeVoice({ seed: 99 });
    for (let i = 0; i < 10; i++) await voice.call(call(`c${i}`));
    const before = voice.calls.map((c) => c.outcome);
    voice.reset();
    for (let i = 0; i < 10; i++) await voice.call(call(`c${i}`));
    expect(voice.calls.map((c) => c.outcome)).toEqual(before);
    expect(voice.calls[0]?.providerId).toBe("CAfake000001");
  });
});
