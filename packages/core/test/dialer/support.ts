import { createFakeVoice, type FakeVoiceOptions, type FakeVoiceTransport } from "@precinct/testing";
import { afterEach } from "vitest";
import {
  type AnswerInstructionsInput,
  type CallStatusUpdate,
  createPrecinct,
  type PhoneBankOptions,
  type Precinct,
  type VoiceTransport,
} from "../../src/index.js";
import { TestClock } from "../outreach/support.js";
import type { TestDatabase } from "../support/databases.js";

export { peopleList, TestClock } from "../outreach/support.js";

/** The public URL test clients place calls with. */
export const PUBLIC_URL = "https://organize.test";
/** A caller id (a 555 test number). */
export const CALLER_ID = "+19195550100";

/** A client with the fake voice provider and a hand-moved clock, in a fresh organization. */
export async function dialerClient(
  db: TestDatabase,
  options: {
    voice?: VoiceTransport;
    voiceOptions?: FakeVoiceOptions;
    clock?: TestClock;
    phonebanks?: PhoneBankOptions;
    slug?: string;
  } = {},
): Promise<{ p: Precinct; voice: FakeVoiceTransport; clock: TestClock }> {
  const clock = options.clock ?? new TestClock();
  const fake = createFakeVoice({ now: clock.now, ...options.voiceOptions });
  const slug = options.slug ?? `dialer-${Math.random().toString(36).slice(2, 10)}`;
  const p = await createPrecinct({
    database: db.url,
    organization: { name: "Durham Neighbors", slug, timeZone: "America/New_York" } as never,
    plugins: { voice: options.voice ?? fake },
    clock: clock.now,
    phonebanks: { publicUrl: PUBLIC_URL, ...options.phonebanks },
  });
  return { p, voice: fake, clock };
}

/** Registers an `afterEach` closing every client made, and returns the maker. */
export function dialerClients(
  db: () => TestDatabase,
): (options?: Parameters<typeof dialerClient>[1]) => ReturnType<typeof dialerClient> {
  const open: Precinct[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  return async (options = {}) => {
    const made = await dialerClient(db(), options);
    open.push(made.p);
    return made;
  };
}

/** Our call id, from the answer URL the dialer gave the provider. */
export function callIdOf(answerUrl: string): string | null {
  return new URL(answerUrl).searchParams.get("call");
}

/** Our session id, from a volunteer call's answer URL. */
export function sessionIdOf(answerUrl: string): string | null {
  return new URL(answerUrl).searchParams.get("session");
}

/**
 * Plays a contact call through as the provider would: its status callbacks in order, fetching the answer
 * URL when it connects. Returns the instruction the dialer answered with (null when never answered).
 */
export async function playCall(
  p: Precinct,
  voice: FakeVoiceTransport,
  providerId: string,
  options: { beforeEnd?: (answer: AnswerInstructionsInput | null) => Promise<void> } = {},
): Promise<AnswerInstructionsInput | null> {
  const placed = voice.calls.find((call) => call.providerId === providerId);
  if (!placed) throw new Error(`no fake call ${providerId}`);
  const callId = callIdOf(placed.params.answerUrl);
  const updates = voice.progress(providerId);
  let answer: AnswerInstructionsInput | null = null;
  for (const update of updates) {
    if (update.status === "in-progress") {
      const before = voice.instructions.length;
      await p.phonebanks.answer({ callId }, { answeredBy: update.answeredBy ?? null });
      answer = voice.instructions[before]?.input ?? null;
    }
    if (update.status === "completed" && options.beforeEnd) await options.beforeEnd(answer);
    await p.phonebanks.callStatus(update as CallStatusUpdate, { callId });
  }
  return answer;
}

/** Connects a volunteer's session: the provider fetches the session's answer URL. */
export async function connectVolunteer(p: Precinct, sessionId: string): Promise<AnswerInstructionsInput> {
  const voice = p.plugins.voice as FakeVoiceTransport;
  const before = voice.instructions.length;
  await p.phonebanks.answer({ sessionId });
  const given = voice.instructions[before]?.input;
  if (!given) throw new Error("no answer instructions");
  return given;
}
