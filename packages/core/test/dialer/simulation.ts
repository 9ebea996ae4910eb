/**
 * A phone-bank session simulation: volunteers, a call list spread over time zones, a fake voice provider
 * with seeded outcomes, and a simulated clock driven by an event queue (no real waiting). The harness plays
 * the provider (ringing, answering, hanging up, status callbacks) and the volunteers (talking, recording
 * results), and keeps its own record of every dial to check the engine from outside.
 */
import { randomUUID } from "node:crypto";
import {
  createFakeVoice,
  type FakeCallOutcome,
  type FakeVoiceTransport,
  mulberry32,
} from "@precinct/testing";
import {
  type AnswerInstructionsInput,
  type CallStatus,
  createPrecinct,
  type OutboundCall,
  type Precinct,
  type VoiceTransport,
} from "../../src/index.js";
import { TestClock } from "../outreach/support.js";

/** Where simulated contacts live: area code, ZIP, zone and the calling window the law gives there. */
const PLACES = [
  { state: "NC", areaCode: "919", zip: "27701", zone: "America/New_York", start: 8 * 60, end: 21 * 60 },
  { state: "FL", areaCode: "305", zip: "33101", zone: "America/New_York", start: 8 * 60, end: 20 * 60 },
  { state: "IL", areaCode: "312", zip: "60601", zone: "America/Chicago", start: 8 * 60, end: 21 * 60 },
  { state: "CO", areaCode: "303", zip: "80202", zone: "America/Denver", start: 8 * 60, end: 21 * 60 },
  { state: "CA", areaCode: "310", zip: "90012", zone: "America/Los_Angeles", start: 8 * 60, end: 21 * 60 },
  { state: "WA", areaCode: "206", zip: "98101", zone: "America/Los_Angeles", start: 8 * 60, end: 20 * 60 },
];

/** Options of a simulation run. */
export interface SimulationOptions {
  /** SQLite file or PostgreSQL URL. */
  readonly database: string;
  readonly mode: "power" | "predictive";
  readonly volunteers: number;
  readonly contacts: number;
  readonly seed: number;
  /** When the phone bank starts (the simulated clock). */
  readonly start: string;
  /** Give up after this much simulated time. */
  readonly maxSimulatedHours: number;
  /** Contacts on the do-not-call list before launch. */
  readonly doNotCallBefore?: number;
  /** Contacts who ask not to be called (by another channel) while the phone bank runs. */
  readonly doNotCallDuring?: number;
  readonly outcomes?: Partial<Record<FakeCallOutcome, number>>;
}

/** What the harness saw, independently of the engine's own records. */
export interface SimulationReport {
  readonly precinct: Precinct;
  readonly campaignId: string;
  /** Every dial: number, when, provider id. */
  readonly dials: readonly { phone: string; at: number; providerId: string }[];
  /** A dial to a number that had a live call already (must be empty). */
  readonly overlapping: readonly string[];
  /** Dials outside the number's local calling window (must be empty). */
  readonly outsideWindow: readonly { phone: string; local: string }[];
  /** Dials after the number's do-not-call request (must be empty). */
  readonly afterDoNotCall: readonly string[];
  /** Calls answered by a person, and those no volunteer took (predictive). */
  readonly humanAnswered: number;
  readonly abandoned: number;
  /** The highest abandonment rate seen after any answer, once 1 call was answered. */
  readonly worstAbandonmentRate: number;
  /** Results the volunteers recorded. */
  readonly recorded: number;
  /** Simulated time it took to finish the list. */
  readonly simulatedHours: number;
  /** Whether the list was finished before `maxSimulatedHours`. */
  readonly finished: boolean;
  /** Calls the engine recorded as started outside the number's window (must be 0). */
  readonly nightDials: number;
  /** Contacts waiting for their quiet-hours window at 03:00 in New York (the night was part of the run). */
  readonly waitingAtNight: number;
}

type Job = () => Promise<void> | void;

/** A min-heap of timed jobs; ties keep insertion order. */
class Timeline {
  readonly #heap: { at: number; seq: number; job: Job }[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, job: Job): void {
    const heap = this.#heap;
    heap.push({ at, seq: this.#seq++, job });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): { at: number; job: Job } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }

  #less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall time in a zone, computed with `Intl` directly (not with the engine's quiet-hours code). */
function localMinutes(at: number, zone: string): { minutes: number; text: string } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(zone, format);
  }
  const parts = format.formatToParts(new Date(at));
  const hour = Number(parts.find((p) => p.type === "hour")?.value);
  const minute = Number(parts.find((p) => p.type === "minute")?.value);
  return {
    minutes: hour * 60 + minute,
    text: `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")} ${zone}`,
  };
}

/** Runs a phone bank to the end of its list (or the time limit) and reports what the harness saw. */
export async function simulatePhoneBank(options: SimulationOptions): Promise<SimulationReport> {
  const random = mulberry32(options.seed);
  const clock = new TestClock(options.start);
  const fake: FakeVoiceTransport = createFakeVoice({
    seed: options.seed,
    now: clock.now,
    ...(options.outcomes ? { outcomes: options.outcomes } : {}),
  });
  const timeline = new Timeline();
  const now = () => clock.now().getTime();
  const at = (delayMs: number, job: Job) => timeline.push(now() + delayMs, job);

  // The harness's own books.
  const placeOf = new Map<string, (typeof PLACES)[number]>();
  const live = new Map<string, string>();
  const doNotCallAt = new Map<string, number>();
  const dials: { phone: string; at: number; providerId: string }[] = [];
  const overlapping: string[] = [];
  const outsideWindow: { phone: string; local: string }[] = [];
  const afterDoNotCall: string[] = [];
  let humanAnswered = 0;
  let abandoned = 0;
  let worstAbandonmentRate = 0;
  let recorded = 0;
  let precinct!: Precinct;

  const transport: VoiceTransport = {
    ...fake,
    async call(params: OutboundCall) {
      const result = await fake.call(params);
      const placed = fake.calls[fake.calls.length - 1]!;
      const answerUrl = new URL(params.answerUrl);
      const sessionOfVolunteer = answerUrl.searchParams.get("session");
      if (sessionOfVolunteer) {
        // The volunteer picks up a few seconds later; their own call is not part of the call list.
        at(5_000, async () => {
          await precinct.phonebanks.answer({ sessionId: sessionOfVolunteer });
        });
        return result;
      }
      const callId = answerUrl.searchParams.get("call");
      const phone = params.to;
      const place = placeOf.get(phone);
      if (live.has(phone)) overlapping.push(phone);
      live.set(phone, result.providerId);
      const placedAt = now();
      dials.push({ phone, at: placedAt, providerId: result.providerId });
      if (place) {
        const local = localMinutes(placedAt, place.zone);
        if (local.minutes < place.start || local.minutes >= place.end)
          outsideWindow.push({ phone, local: local.text });
      }
      const optedOut = doNotCallAt.get(phone);
      if (optedOut !== undefined && optedOut <= placedAt) afterDoNotCall.push(phone);
      scheduleCall(
        placed.providerId,
        callId,
        phone,
        placed.outcome,
        placed.answeredBy ?? null,
        placed.durationSeconds,
      );
      return result;
    },
  };

  const callPhone = new Map<string, string>();
  const status = (
    providerId: string,
    callId: string | null,
    value: CallStatus,
    extra: { answeredBy?: string | null; durationSeconds?: number } = {},
  ) => {
    if (value === "completed" || value === "busy" || value === "no-answer" || value === "failed") {
      // The provider's line is free the moment it reports the end.
      const phone = callPhone.get(providerId);
      if (phone !== undefined && live.get(phone) === providerId) live.delete(phone);
    }
    return precinct.phonebanks.callStatus(
      {
        providerId,
        status: value,
        ...(extra.answeredBy ? { answeredBy: extra.answeredBy as never } : {}),
        ...(extra.durationSeconds !== undefined ? { durationSeconds: extra.durationSeconds } : {}),
        occurredAt: clock.now(),
        raw: {},
      },
      { callId },
    );
  };

  function scheduleCall(
    providerId: string,
    callId: string | null,
    phone: string,
    outcome: FakeCallOutcome,
    answeredBy: string | null,
    talkSeconds: number,
  ): void {
    callPhone.set(providerId, phone);
    if (outcome === "failed") {
      at(1_000, () => status(providerId, callId, "failed").then(() => undefined));
      return;
    }
    at(1_000, () => status(providerId, callId, "initiated").then(() => undefined));
    if (outcome === "busy") {
      at(4_000, () => status(providerId, callId, "busy").then(() => undefined));
      return;
    }
    at(2_000, () => status(providerId, callId, "ringing").then(() => undefined));
    if (outcome === "no-answer") {
      at(25_000, () => status(providerId, callId, "no-answer").then(() => undefined));
      return;
    }
    const ring = 3_000 + Math.floor(random() * 12_000);
    at(ring, async () => {
      const before = fake.instructions.length;
      await precinct.phonebanks.answer({ callId }, { answeredBy: (answeredBy as never) ?? null });
      const given: AnswerInstructionsInput | undefined = fake.instructions[before]?.input;
      await status(providerId, callId, "in-progress", { answeredBy });
      const human = answeredBy === "human" || answeredBy === null;
      let seconds = 1;
      if (given?.action === "conference") {
        if (human) humanAnswered += 1;
        seconds = talkSeconds;
        const sessionId = given.conferenceName.replace(/^precinct-/, "");
        const wrap = 5_000 + Math.floor(random() * 15_000);
        at(seconds * 1000 + wrap, () => volunteerRecords(sessionId));
      } else if (given?.action === "say" || given?.action === "play") {
        seconds = 15;
        if (human) {
          humanAnswered += 1;
          abandoned += 1;
        }
      }
      if (humanAnswered > 0) worstAbandonmentRate = Math.max(worstAbandonmentRate, abandoned / humanAnswered);
      at(seconds * 1000, () =>
        status(providerId, callId, "completed", { answeredBy, durationSeconds: seconds }).then(
          () => undefined,
        ),
      );
    });
  }

  let questionId = "";
  async function volunteerRecords(sessionId: string): Promise<void> {
    const roll = random();
    const later = new Date(now() + 3 * 3600 * 1000).toISOString();
    const outcome =
      roll < 0.08
        ? { resultCode: "not_home" as const }
        : roll < 0.12
          ? { resultCode: "wrong_number" as const }
          : roll < 0.17
            ? { resultCode: "refused" as const }
            : roll < 0.19
              ? { resultCode: "do_not_call" as const }
              : roll < 0.24
                ? { resultCode: "callback_requested" as const, callbackAt: later }
                : roll < 0.26
                  ? { resultCode: "moved" as const }
                  : roll < 0.28
                    ? { resultCode: "language_barrier" as const }
                    : {
                        responses: [
                          { questionId, value: ["yes", "no", "undecided"][Math.floor(random() * 3)]! },
                        ],
                        ...(random() < 0.2 ? { tags: ["volunteer-prospect"] } : {}),
                      };
    await precinct.phonebanks.record(sessionId, outcome);
    recorded += 1;
  }

  precinct = await createPrecinct({
    database: options.database,
    organization: {
      name: "Durham Neighbors",
      slug: `sim-${randomUUID().slice(0, 8)}`,
      timeZone: "America/New_York",
    } as never,
    plugins: { voice: transport },
    clock: clock.now,
    phonebanks: {
      publicUrl: "https://organize.test",
      onError: (error) => {
        throw error;
      },
    },
  });
  const db = precinct.storage.db;
  const organizationId = precinct.organization.id;
  const stamp = clock.now().toISOString();
  const dialect = precinct.storage.dialect;
  const bool = (value: boolean) => (dialect === "sqlite" ? (value ? 1 : 0) : value);

  // The call list, written straight to the tables: 5,000 upserts would test the person repository instead.
  const people = Array.from({ length: options.contacts }, (_, i) => {
    const place = PLACES[i % PLACES.length]!;
    const phone = `+1${place.areaCode}555${String(1000 + Math.floor(i / PLACES.length)).padStart(4, "0")}`;
    placeOf.set(phone, place);
    return { id: randomUUID(), phone, place, i };
  });
  const list = await precinct.lists.create({ name: "Simulated call list" });
  for (let start = 0; start < people.length; start += 400) {
    const chunk = people.slice(start, start + 400);
    await db
      .insertInto("person")
      .values(
        chunk.map((person) => ({
          id: person.id,
          organizationId,
          createdAt: stamp,
          updatedAt: stamp,
          givenName: `Neighbor${person.i}`,
          familyName: "Simulated",
          additionalName: null,
          honorificPrefix: null,
          honorificSuffix: null,
          birthdate: null,
          birthYear: null,
          gender: null,
          languageSpoken: null,
          householdId: null,
          customFields: "{}",
          givenKey: null,
          familyKey: null,
        })),
      )
      .execute();
    await db
      .insertInto("personPhone")
      .values(
        chunk.map((person) => ({
          id: randomUUID(),
          organizationId,
          personId: person.id,
          number: person.phone,
          primary: bool(true),
          numberType: "mobile",
          lineType: person.i % 7 === 0 ? "landline" : "mobile",
          status: "active",
          position: 0,
        })),
      )
      .execute();
    await db
      .insertInto("personAddress")
      .values(
        chunk.map((person) => ({
          id: randomUUID(),
          organizationId,
          personId: person.id,
          addressLines: JSON.stringify(["1 Main St"]),
          locality: "Town",
          region: person.place.state,
          postalCode: person.place.zip,
          country: "US",
          primary: bool(true),
          addressType: "home",
          status: "active",
          position: 0,
          zip5: person.place.zip,
          streetKey: null,
        })),
      )
      .execute();
    await db
      .insertInto("listMember")
      .values(
        chunk.map((person) => ({ organizationId, listId: list.id, personId: person.id, addedAt: stamp })),
      )
      .execute();
  }
  for (const person of people.slice(0, options.doNotCallBefore ?? 0)) {
    await precinct.consent.record({
      channel: "voice",
      contactPoint: person.phone,
      kind: "opt_out",
      source: "manual",
    });
    doNotCallAt.set(person.phone, now());
  }
  const question = await precinct.surveyQuestions.create({
    prompt: "Can we count on your vote?",
    kind: "single_choice",
    responses: [
      { key: "yes", label: "Yes" },
      { key: "no", label: "No" },
      { key: "undecided", label: "Undecided" },
    ],
  });
  questionId = question.id;
  const bank = await precinct.phonebanks.create({
    name: `Simulated ${options.mode} phone bank`,
    mode: options.mode,
    allowPredictive: options.mode === "predictive",
    audience: { listId: list.id },
    policy: { consent: "not_opted_out" },
    callerId: "+19195550100",
    script: "Hi {{givenName|there}}, this is {{texterName|a volunteer}} with {{organization}}.",
    surveyQuestionIds: [question.id],
    settings: { maxAttempts: 3, retryDelayMinutes: 60 },
  });
  const campaignId = bank.campaign.id;
  await precinct.phonebanks.launch(campaignId);

  const volunteerIds: string[] = [];
  for (let v = 0; v < options.volunteers; v++) {
    const { person } = await precinct.people.upsert({ givenName: `Volunteer${v}`, familyName: "Caller" });
    volunteerIds.push(person.id);
  }
  for (const [v, volunteerId] of volunteerIds.entries()) {
    at(v * 2_000, async () => {
      await precinct.phonebanks.join(campaignId, volunteerId, {
        via: "phone",
        phone: `+1919555${String(9000 + v).padStart(4, "0")}`,
      });
    });
  }
  // Numbers put on the do-not-call list by another channel while the phone bank runs.
  const during = people.slice(
    options.doNotCallBefore ?? 0,
    (options.doNotCallBefore ?? 0) + (options.doNotCallDuring ?? 0),
  );
  for (const [k, person] of during.entries()) {
    at(10 * 60_000 + k * 7 * 60_000, async () => {
      await precinct.consent.record({
        channel: "voice",
        contactPoint: person.phone,
        kind: "opt_out",
        source: "form",
      });
      doNotCallAt.set(person.phone, now());
    });
  }

  const open = async () =>
    Number(
      (
        await db
          .selectFrom("phonebankContact")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("campaignId", "=", campaignId)
          .where("state", "in", ["ready", "claimed", "dialing"])
          .executeTakeFirstOrThrow()
      ).n,
    );
  // The server's periodic tick (every 5 simulated minutes): idle power volunteers get calls again once
  // windows open.
  const tick = async () => {
    await precinct.phonebanks.tick();
    at(5 * 60_000, tick);
  };
  at(5 * 60_000, tick);

  let waitingAtNight = 0;
  const probe = new Date(options.start);
  probe.setUTCHours(8, 0, 0, 0);
  if (probe.getTime() < now()) probe.setUTCDate(probe.getUTCDate() + 1);
  timeline.push(probe.getTime(), async () => {
    waitingAtNight = Number(
      (
        await db
          .selectFrom("phonebankContact")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("campaignId", "=", campaignId)
          .where("state", "=", "ready")
          .where("reason", "=", "quiet_hours")
          .executeTakeFirstOrThrow()
      ).n,
    );
  });

  const startedAt = now();
  const deadline = startedAt + options.maxSimulatedHours * 3600 * 1000;
  let finished = false;
  let nextCheck = startedAt + 10 * 60_000;
  for (;;) {
    const event = timeline.pop();
    if (!event || event.at > deadline) break;
    if (event.at > now()) clock.set(new Date(event.at).toISOString());
    await event.job();
    if (now() >= nextCheck) {
      nextCheck = now() + 10 * 60_000;
      if (live.size === 0 && (await open()) === 0) {
        finished = true;
        break;
      }
    }
  }

  // The engine's own record of when calls started, read back: also never outside the window.
  const nightRows = await db
    .selectFrom("call")
    .select(["to", "startedAt"])
    .where("campaignId", "=", campaignId)
    .where("leg", "=", "contact")
    .execute();
  let nightDials = 0;
  for (const row of nightRows) {
    const place = placeOf.get(row.to);
    if (!place || !row.startedAt) continue;
    const local = localMinutes(new Date(row.startedAt).getTime(), place.zone);
    if (local.minutes < place.start || local.minutes >= place.end) nightDials += 1;
  }
  return {
    precinct,
    campaignId,
    dials,
    overlapping,
    outsideWindow,
    afterDoNotCall,
    humanAnswered,
    abandoned,
    worstAbandonmentRate,
    recorded,
    simulatedHours: (now() - startedAt) / 3_600_000,
    finished,
    nightDials,
    waitingAtNight,
  };
}
