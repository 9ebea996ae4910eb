import { describe, expect, it } from "vitest";
import type { Precinct } from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";
import {
  CALLER_ID,
  callIdOf,
  connectVolunteer,
  dialerClients,
  peopleList,
  playCall,
  TestClock,
} from "./support.js";

/** Wednesday 2026-11-18 at 18:00 in New York (23:00 UTC): inside every window in the lower 48. */
const EVENING = "2026-11-18T23:00:00.000Z";

forEachDatabase("phone banks", (db) => {
  const client = dialerClients(db);

  const neighbors = (n: number, region = "NC") =>
    Array.from({ length: n }, (_, i) => ({
      givenName: `Neighbor${i}`,
      familyName: `Street${i}`,
      phone: `+1919555${String(1000 + i)}`,
      region,
      postalCode: "27701",
    }));

  const setup = async (
    options: {
      mode?: "preview" | "power" | "predictive";
      people?: Parameters<typeof peopleList>[1];
      settings?: Record<string, unknown>;
      consent?: "opt_in_required" | "not_opted_out";
      outcomes?: Record<string, number>;
      questions?: boolean;
      launch?: boolean;
    } = {},
  ) => {
    const clock = new TestClock(EVENING);
    const made = await client({
      clock,
      voiceOptions: { seed: 11, ...(options.outcomes ? { outcomes: options.outcomes } : {}) },
    });
    const { p } = made;
    const { listId, ids } = await peopleList(p, options.people ?? neighbors(6));
    const volunteers = await peopleList(p, [
      { givenName: "Jordan", familyName: "Caller" },
      { givenName: "Riley", familyName: "Caller" },
    ]);
    const question = options.questions
      ? await p.surveyQuestions.create({
          prompt: "Can we count on your vote?",
          kind: "single_choice",
          responses: [
            { key: "yes", label: "Yes" },
            { key: "no", label: "No" },
            { key: "undecided", label: "Undecided" },
          ],
        })
      : null;
    const bank = await p.phonebanks.create({
      name: "GOTV calls",
      mode: options.mode ?? "preview",
      audience: { listId },
      policy: { consent: options.consent ?? "not_opted_out" },
      callerId: CALLER_ID,
      script: "Hi {{givenName|there}}, this is {{texterName|a volunteer}} with {{organization}}.",
      ...(question ? { surveyQuestionIds: [question.id] } : {}),
      ...(options.mode === "predictive" ? { allowPredictive: true } : {}),
      ...(options.settings ? { settings: options.settings } : {}),
    });
    const launch = options.launch === false ? null : await p.phonebanks.launch(bank.campaign.id);
    const [jordan, riley] = volunteers.ids as [string, string];
    return { ...made, clock, bank, campaignId: bank.campaign.id, ids, jordan, riley, question, launch };
  };

  describe("create and the call list", () => {
    it("refuses predictive without allowPredictive, an unstated consent policy and a missing caller id", async () => {
      const { p } = await client();
      const { listId } = await peopleList(p, neighbors(1));
      const base = {
        name: "x",
        audience: { listId },
        callerId: CALLER_ID,
        policy: { consent: "not_opted_out" },
      };
      await expect(p.phonebanks.create({ ...base, mode: "predictive" } as never)).rejects.toMatchObject({
        code: "invalid_input",
        details: { field: "allowPredictive" },
      });
      await expect(
        p.phonebanks.create({ ...base, mode: "power", policy: {} } as never),
      ).rejects.toMatchObject({ details: { field: "policy.consent" } });
      await expect(
        p.phonebanks.create({ ...base, mode: "power", callerId: "919-555" } as never),
      ).rejects.toMatchObject({ details: { field: "callerId" } });
      await expect(
        p.phonebanks.create({ ...base, mode: "power", settings: { ringTimeoutSeconds: 10 } } as never),
      ).rejects.toMatchObject({ details: { field: "settings.ringTimeoutSeconds" } });
      await expect(
        p.phonebanks.create({ ...base, mode: "power", script: "Hi {{firstName}}" } as never),
      ).rejects.toMatchObject({ code: "invalid_input" });
      const bank = await p.phonebanks.create({ ...base, mode: "predictive", allowPredictive: true } as never);
      expect(bank.campaign).toMatchObject({
        channel: "voice",
        mode: "predictive",
        status: "draft",
        sender: CALLER_ID,
      });
      expect(bank.settings.maxAttempts).toBe(3);
    });

    it("one contact per phone; do-not-call, missing opt-ins and known-bad numbers blocked; landlines kept", async () => {
      const { p } = await client();
      const people = [
        ...neighbors(4),
        { givenName: "Shared", familyName: "Line", phone: "+19195551000", region: "NC" },
        {
          givenName: "Home",
          familyName: "Phone",
          phone: "+19195552000",
          region: "NC",
          lineType: "landline" as const,
        },
        { givenName: "No", familyName: "Phone", region: "NC" },
      ];
      const { listId } = await peopleList(p, people);
      await p.consent.record({
        channel: "voice",
        contactPoint: "+19195551001",
        kind: "opt_out",
        source: "manual",
      });
      // A text opt-out is about texts: it does not put the number on the do-not-call list.
      await p.consent.record({
        channel: "sms",
        contactPoint: "+19195551002",
        kind: "opt_out",
        source: "keyword",
      });
      // Someone outside the audience reported +19195551003 disconnected: nobody can be reached on it.
      await p.people.upsert({
        givenName: "Old",
        familyName: "Owner",
        phoneNumbers: [{ number: "+19195551003", status: "disconnected" }],
      } as never);
      const bank = await p.phonebanks.create({
        name: "Calls",
        mode: "power",
        audience: { listId },
        policy: { consent: "not_opted_out" },
        callerId: CALLER_ID,
      });
      const result = await p.phonebanks.launch(bank.campaign.id);
      expect(result).toEqual({
        audience: 7,
        queued: 3,
        noPhone: 1,
        duplicatePhone: 1,
        blocked: { do_not_call: 1, unreachable_number: 1 },
      });
      const contacts = await p.phonebanks.contacts(bank.campaign.id);
      expect(Object.fromEntries(contacts.map((c) => [c.phone, [c.state, c.reason]]))).toEqual({
        "+19195551000": ["ready", null],
        "+19195551001": ["blocked", "do_not_call"],
        "+19195551002": ["ready", null],
        "+19195551003": ["blocked", "unreachable_number"],
        "+19195552000": ["ready", null],
      });
      expect(await p.campaigns.require(bank.campaign.id)).toMatchObject({ status: "running" });
      await expect(p.phonebanks.launch(bank.campaign.id)).rejects.toMatchObject({ code: "conflict" });

      const optIn = await p.phonebanks.create({
        name: "Opt-in calls",
        mode: "preview",
        audience: { listId },
        policy: { consent: "opt_in_required" },
        callerId: CALLER_ID,
      });
      await p.consent.record({
        channel: "voice",
        contactPoint: "+19195551000",
        kind: "opt_in",
        source: "form",
      });
      const strict = await p.phonebanks.launch(optIn.campaign.id);
      expect(strict.queued).toBe(1);
      expect(strict.blocked).toEqual({ no_consent: 3, do_not_call: 1 });
    });
  });

  describe("sessions and claiming", () => {
    it("preview: the volunteer reads the contact and script, and nothing is dialed until they dial", async () => {
      const { p, voice, campaignId, jordan } = await setup({ mode: "preview", outcomes: { answered: 1 } });
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "(919) 555-3000" });
      expect(session).toMatchObject({ state: "connecting", via: "phone", endpoint: "+19195553000" });
      expect(voice.calls).toHaveLength(1);
      expect(voice.calls[0]!.params).toMatchObject({ to: "+19195553000", from: CALLER_ID });
      expect(await connectVolunteer(p, session.id)).toMatchObject({
        action: "conference",
        conferenceName: session.conferenceName,
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
      });
      const next = await p.phonebanks.next(session.id);
      if (next.status !== "contact") throw new Error("expected a contact");
      expect(next.next.callId).toBeNull();
      expect(next.next.script).toBe(
        `Hi ${next.next.contact.givenName}, this is Jordan with Durham Neighbors.`,
      );
      expect(voice.calls).toHaveLength(1);
      // Asking again while reading gives the same contact.
      const again = await p.phonebanks.next(session.id);
      expect(again.status === "contact" && again.next.contact.id).toBe(next.next.contact.id);
      const dialed = await p.phonebanks.dial(session.id);
      if (dialed.status !== "contact") throw new Error("expected a call");
      expect(voice.calls).toHaveLength(2);
      const call = voice.calls[1]!;
      expect(call.params).toMatchObject({ to: next.next.contact.phone, from: CALLER_ID, timeoutSeconds: 25 });
      expect(callIdOf(call.params.answerUrl)).toBe(dialed.next.callId);
      expect(call.params.statusCallbackUrl).toBe(
        `https://organize.test/webhooks/voice/status?call=${dialed.next.callId}`,
      );
      const answered = await playCall(p, voice, call.providerId);
      expect(answered).toMatchObject({ action: "conference", conferenceName: session.conferenceName });
      expect((await p.phonebanks.session(session.id)).state).toBe("wrap_up");
      const recorded = await p.phonebanks.record(session.id, { resultCode: "not_home" });
      expect(recorded).toMatchObject({ outcome: "not_home", contactState: "ready", next: null });
      expect((await p.phonebanks.session(session.id)).state).toBe("ready");
    });

    it("never hands one contact to two sessions, even from two clients at once", async () => {
      const { p, clock, campaignId, jordan, riley } = await setup({ mode: "preview", people: neighbors(12) });
      // A second client on the same database and organization: another process, as far as claims go.
      const other = await client({ slug: p.organization.slug, clock });
      const sessions = [];
      for (const [who, precinct, phone] of [
        [jordan, p, "+19195553000"],
        [riley, other.p, "+19195553001"],
        [jordan, other.p, "+19195553002"],
        [riley, p, "+19195553003"],
      ] as [string, Precinct, string][]) {
        const session = await precinct.phonebanks.join(campaignId, who, { via: "phone", phone });
        await precinct.phonebanks.answer({ sessionId: session.id });
        sessions.push({ session, precinct });
      }
      const handed: string[] = [];
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          sessions.map(({ session, precinct }) => precinct.phonebanks.next(session.id)),
        );
        for (const result of results) if (result.status === "contact") handed.push(result.next.contact.id);
        await Promise.all(sessions.map(({ session, precinct }) => precinct.phonebanks.skip(session.id)));
      }
      // Skipped contacts wait for the retry delay, so each round hands out fresh ones.
      expect(handed).toHaveLength(12);
      expect(new Set(handed).size).toBe(12);
      const empty = await p.phonebanks.next(sessions[0]!.session.id);
      expect(empty).toMatchObject({ status: "empty" });
    });

    it("a browser volunteer is called at their client identity", async () => {
      const clock = new TestClock(EVENING);
      const placed: string[] = [];
      const { createFakeVoice } = await import("@precinct/testing");
      const fake = createFakeVoice({ now: clock.now });
      // The fake provider only dials phone numbers; Twilio dials `client:<identity>` addresses too.
      const voice = {
        ...fake,
        call: (params: Parameters<typeof fake.call>[0]) => {
          placed.push(params.to);
          return fake.call({ ...params, to: params.to.startsWith("client:") ? "+19195559999" : params.to });
        },
      };
      const { p } = await client({ clock, voice });
      const { listId } = await peopleList(p, neighbors(1));
      const volunteer = await peopleList(p, [{ givenName: "Sam", familyName: "Browser" }]);
      const bank = await p.phonebanks.create({
        name: "Browser calls",
        mode: "preview",
        audience: { listId },
        policy: { consent: "not_opted_out" },
        callerId: CALLER_ID,
      });
      await p.phonebanks.launch(bank.campaign.id);
      const session = await p.phonebanks.join(bank.campaign.id, volunteer.ids[0]!, {
        via: "browser",
        identity: "sam-browser",
      });
      expect(session).toMatchObject({ via: "browser", endpoint: "client:sam-browser", state: "connecting" });
      expect(placed).toEqual(["client:sam-browser"]);
      await expect(
        p.phonebanks.join(bank.campaign.id, volunteer.ids[0]!, { via: "browser", identity: " " }),
      ).rejects.toMatchObject({ details: { field: "identity" } });
    });

    it("emits call.placed for each leg and call.completed once per call, after it is written", async () => {
      const { p, voice, campaignId, jordan } = await setup({ mode: "power", outcomes: { answered: 1 } });
      const placed: unknown[] = [];
      const completed: { callId: string; result: string }[] = [];
      p.bus.on("call.placed", (event) => {
        placed.push(event);
      });
      p.bus.on("call.completed", (event) => {
        completed.push(event);
      });
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      expect(placed).toEqual([
        {
          callId: expect.any(String),
          campaignId,
          sessionId: session.id,
          leg: "volunteer",
          to: "+19195553000",
          providerId: voice.calls[0]!.providerId,
        },
      ]);
      await connectVolunteer(p, session.id);
      expect(placed).toHaveLength(2);
      const call = voice.calls[1]!;
      expect(placed[1]).toMatchObject({ leg: "contact", sessionId: session.id, providerId: call.providerId });
      await playCall(p, voice, call.providerId);
      const recorded = await p.phonebanks.record(session.id, { resultCode: "not_home" }, { next: false });
      expect(completed).toEqual([
        {
          callId: (placed[1] as { callId: string }).callId,
          campaignId,
          personId: expect.any(String),
          volunteerId: jordan,
          to: (placed[1] as { to: string }).to,
          result: "not_home",
          contactState: "ready",
          optedOut: false,
          interactionId: recorded.interactionId,
        },
      ]);
      // The event follows the write: the interaction it names is there.
      expect(await p.interactions.get(recorded.interactionId!)).not.toBeNull();
      // A late status callback for the same call records nothing twice.
      await p.phonebanks.tick();
      expect(completed).toHaveLength(1);
    });

    it("power: dials as soon as the volunteer is in, and the next contact after each result", async () => {
      const { p, voice, campaignId, jordan, question } = await setup({
        mode: "power",
        outcomes: { answered: 1 },
        questions: true,
      });
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      expect(voice.calls).toHaveLength(2);
      const first = voice.calls[1]!;
      await playCall(p, voice, first.providerId);
      const recorded = await p.phonebanks.record(session.id, {
        responses: [{ questionId: question!.id, value: "yes" }],
        tags: ["gotv-yes", "volunteer-prospect"],
        notes: "Wants a yard sign",
      });
      expect(recorded).toMatchObject({
        outcome: "contacted",
        contactState: "done",
        next: { status: "contact" },
      });
      expect(voice.calls).toHaveLength(3);
      const contactId = (await p.phonebanks.contacts(campaignId, { state: "done" }))[0]!;
      const person = await p.people.require(contactId.personId!);
      expect(person.tags).toEqual(["gotv-yes", "volunteer-prospect"]);
      const answers = await p.storage.db
        .selectFrom("surveyResponse")
        .selectAll()
        .where("personId", "=", person.id)
        .execute();
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({
        questionId: question!.id,
        value: "yes",
        interactionId: recorded.interactionId,
      });
      const interactions = await p.interactions.list({ where: { personId: person.id } });
      expect(interactions).toHaveLength(1);
      // A break: after this result nothing is dialed for the volunteer, even by the server's tick.
      await playCall(p, voice, voice.calls.at(-1)!.providerId);
      const resting = await p.phonebanks.record(session.id, { resultCode: "not_home" }, { next: false });
      expect(resting.next).toBeNull();
      expect((await p.phonebanks.session(session.id)).state).toBe("paused");
      await p.phonebanks.tick();
      expect(voice.calls).toHaveLength(3);
      const back = await p.phonebanks.next(session.id);
      expect(back.status).toBe("contact");
      expect(voice.calls).toHaveLength(4);
      expect(interactions[0]).toMatchObject({
        channel: "voice",
        outcome: "contacted",
        resultCode: null,
        volunteerId: jordan,
        campaignId,
        notes: "Wants a yard sign",
      });
    });
  });

  describe("the gate before each dial", () => {
    it("a contact outside its quiet-hours window waits for it; a do-not-call request since launch blocks", async () => {
      const people = [
        { givenName: "East", familyName: "Coast", phone: "+19195554000", region: "NC" },
        { givenName: "West", familyName: "Coast", phone: "+13105554001", region: "CA" },
        { givenName: "Sunshine", familyName: "State", phone: "+13055554002", region: "FL" },
      ];
      const { p, voice, clock, campaignId, jordan } = await setup({ mode: "preview", people });
      // 20:30 in New York and Miami, 17:30 in Los Angeles: Florida's window closed at 20:00, North Carolina's
      // is open until 21:00 but the NC contact opts out first.
      clock.set("2026-11-19T01:30:00.000Z");
      await p.consent.record({
        channel: "voice",
        contactPoint: "+19195554000",
        kind: "opt_out",
        source: "manual",
      });
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      const next = await p.phonebanks.next(session.id);
      if (next.status !== "contact") throw new Error("expected a contact");
      // Only the Californian may be called now.
      expect(next.next.contact.phone).toBe("+13105554001");
      // The CA contact opts out while the volunteer reads: the dial does not happen.
      await p.consent.record({
        channel: "voice",
        contactPoint: "+13105554001",
        kind: "opt_out",
        source: "manual",
      });
      const dialed = await p.phonebanks.dial(session.id);
      expect(dialed.status).toBe("empty");
      expect(voice.calls.filter((c) => c.params.to !== "+19195553000")).toHaveLength(0);
      expect(await p.phonebanks.next(session.id)).toEqual({
        status: "empty",
        nextAttemptAt: "2026-11-19T13:00:00.000Z",
      });
      const contacts = await p.phonebanks.contacts(campaignId);
      expect(
        Object.fromEntries(contacts.map((c) => [c.phone, [c.state, c.reason, c.nextAttemptAt]])),
      ).toEqual({
        "+19195554000": ["blocked", "do_not_call", EVENING],
        "+13105554001": ["blocked", "do_not_call", EVENING],
        "+13055554002": ["ready", "quiet_hours", "2026-11-19T13:00:00.000Z"],
      });
      // Next morning at 08:00 in Miami the Florida contact is callable.
      clock.set("2026-11-19T13:00:30.000Z");
      const morning = await p.phonebanks.next(session.id);
      expect(morning.status === "contact" && morning.next.contact.phone).toBe("+13055554002");
    });
  });

  describe("results", () => {
    const recordOn = async (
      ctx: Awaited<ReturnType<typeof setup>>,
      outcome: Parameters<Precinct["phonebanks"]["record"]>[1],
    ) => {
      const { p, voice, campaignId, jordan } = ctx;
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      const next = await p.phonebanks.next(session.id);
      if (next.status !== "contact") throw new Error("expected a contact");
      await p.phonebanks.dial(session.id);
      await playCall(p, voice, voice.calls.at(-1)!.providerId);
      const result = await p.phonebanks.record(session.id, outcome);
      return { session, contact: next.next.contact, result };
    };

    it("a result code or survey responses, never both; a second result for one call is refused", async () => {
      const ctx = await setup({ mode: "preview", outcomes: { answered: 1 }, questions: true });
      const { p, campaignId, jordan, question } = ctx;
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      await p.phonebanks.next(session.id);
      await p.phonebanks.dial(session.id);
      await playCall(p, ctx.voice, ctx.voice.calls.at(-1)!.providerId);
      const both = { resultCode: "refused", responses: [{ questionId: question!.id, value: "no" }] };
      await expect(p.phonebanks.record(session.id, both as never)).rejects.toMatchObject({
        code: "invalid_input",
        details: { field: "outcome" },
      });
      await expect(p.phonebanks.record(session.id, {} as never)).rejects.toMatchObject({
        code: "invalid_input",
      });
      await expect(
        p.phonebanks.record(session.id, { resultCode: "abandoned" } as never),
      ).rejects.toMatchObject({ details: { field: "resultCode" } });
      await expect(
        p.phonebanks.record(session.id, { responses: [{ questionId: question!.id, value: "maybe" }] }),
      ).rejects.toMatchObject({ details: { field: "responses.0.value" } });
      await expect(
        p.phonebanks.record(session.id, { resultCode: "callback_requested" }),
      ).rejects.toMatchObject({
        details: { field: "callbackAt" },
      });
      await p.phonebanks.record(session.id, {
        responses: [{ questionId: question!.id, value: "undecided" }],
      });
      await expect(p.phonebanks.record(session.id, { resultCode: "not_home" })).rejects.toMatchObject({
        code: "conflict",
      });
    });

    it("refused and do-not-call append voice opt-outs; wrong and bad numbers mark the phone", async () => {
      for (const code of ["refused", "do_not_call"] as const) {
        const ctx = await setup({ mode: "preview", outcomes: { answered: 1 } });
        const { contact, result } = await recordOn(ctx, { resultCode: code });
        expect(result).toMatchObject({ outcome: code, contactState: "done", optedOut: true });
        const history = await ctx.p.consent.history("voice", contact.phone);
        expect(history.map((e) => [e.kind, e.source, e.campaignId])).toEqual([
          ["opt_out", "call_disposition", ctx.campaignId],
        ]);
        // The ledger is append-only: the opt-out cannot be removed.
        await expect(
          ctx.p.storage.db.deleteFrom("consentEvent").where("id", "=", history[0]!.id).execute(),
        ).rejects.toThrow();
        const interactions = await ctx.p.interactions.list({ where: { personId: contact.personId! } });
        expect(interactions.map((i) => [i.outcome, i.resultCode])).toEqual([[code, code]]);
      }
      const wrong = await setup({ mode: "preview", outcomes: { answered: 1 } });
      const w = await recordOn(wrong, { resultCode: "wrong_number" });
      const person = await wrong.p.people.require(w.contact.personId!);
      expect(person.phoneNumbers[0]).toMatchObject({ number: w.contact.phone, status: "wrong_number" });
      expect(await wrong.p.consent.history("voice", w.contact.phone)).toHaveLength(0);

      const bad = await setup({ mode: "preview", outcomes: { answered: 1 } });
      const b = await recordOn(bad, { resultCode: "bad_number" });
      expect((await bad.p.people.require(b.contact.personId!)).phoneNumbers[0]?.status).toBe("disconnected");
    });

    it("retries unanswered contacts up to the limit, and honours a requested callback", async () => {
      const ctx = await setup({
        mode: "preview",
        outcomes: { "no-answer": 1 },
        people: neighbors(1),
        settings: { maxAttempts: 2, retryDelayMinutes: 30 },
      });
      const { p, voice, clock, campaignId, jordan } = ctx;
      const completed: { result: string; volunteerId: string | null; contactState: string }[] = [];
      p.bus.on("call.completed", ({ result, volunteerId, contactState }) => {
        completed.push({ result, volunteerId, contactState });
      });
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const next = await p.phonebanks.next(session.id);
        expect(next.status).toBe("contact");
        await p.phonebanks.dial(session.id);
        const status = await playCall(p, voice, voice.calls.at(-1)!.providerId);
        expect(status).toBeNull();
        const [contact] = await p.phonebanks.contacts(campaignId);
        expect(contact).toMatchObject({ attempts: attempt, result: "no_answer" });
        if (attempt === 1) {
          expect(contact!.state).toBe("ready");
          expect(await p.phonebanks.next(session.id)).toMatchObject({ status: "empty" });
          clock.advance(31 * 60_000);
        } else {
          expect(contact!.state).toBe("exhausted");
        }
      }
      const interactions = await p.interactions.list({ where: { campaignId } });
      expect(interactions.map((i) => i.outcome)).toEqual(["no_answer", "no_answer"]);
      // The dialer's own results are events too, with no volunteer.
      expect(completed).toEqual([
        { result: "no_answer", volunteerId: null, contactState: "ready" },
        { result: "no_answer", volunteerId: null, contactState: "exhausted" },
      ]);

      const call = await setup({ mode: "preview", outcomes: { answered: 1 }, people: neighbors(1) });
      const callbackAt = "2026-11-19T23:30:00.000Z";
      const { result } = await recordOn(call, { resultCode: "callback_requested", callbackAt });
      expect(result).toMatchObject({ contactState: "ready", nextAttemptAt: callbackAt });
    });

    it("status callbacks only move a call forward; the volunteer leg hanging up ends the session", async () => {
      const ctx = await setup({ mode: "power", outcomes: { busy: 1 } });
      const { p, voice, campaignId, jordan } = ctx;
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      const call = voice.calls[1]!;
      const updates = voice.progress(call.providerId);
      const callId = callIdOf(call.params.answerUrl);
      // The final status first, then a late "initiated": the call stays busy.
      const busy = updates.at(-1)!;
      expect(await p.phonebanks.callStatus(busy, { callId })).toMatchObject({
        applied: true,
        status: "busy",
        result: "busy",
      });
      expect(await p.phonebanks.callStatus(updates[0]!, { callId })).toMatchObject({
        applied: false,
        status: "busy",
      });
      expect(await p.phonebanks.callStatus(busy, { callId })).toMatchObject({ applied: false });
      // Power mode dialed the next contact once the busy call ended.
      expect(voice.calls).toHaveLength(3);
      const leg = voice.calls[0]!;
      await p.phonebanks.callStatus({ providerId: leg.providerId, status: "completed", raw: {} });
      expect((await p.phonebanks.session(session.id)).state).toBe("ended");
    });
  });

  describe("voters", () => {
    it("a voter called from a segment becomes a person linked to their registration at their first result", async () => {
      const clock = new TestClock(EVENING);
      const { p, voice } = await client({ clock, voiceOptions: { outcomes: { answered: 1 } } });
      await p.voters.upsert({
        state: "NC",
        stateVoterId: "PB1",
        givenName: "Rosa",
        familyName: "Vega",
        precinct: "P7",
        phone: "+19195556001",
      });
      await p.voters.upsert({
        state: "NC",
        stateVoterId: "PB2",
        givenName: "Omar",
        familyName: "Lee",
        precinct: "P8",
        phone: "+19195556002",
      });
      const segment = await p.segments.create({ name: "Precinct 7", filter: { precinct: ["P7"] } });
      const volunteer = await peopleList(p, [{ givenName: "Jordan", familyName: "Caller" }]);
      const bank = await p.phonebanks.create({
        name: "Precinct 7 calls",
        mode: "preview",
        audience: { segmentId: segment.id },
        policy: { consent: "not_opted_out" },
        callerId: CALLER_ID,
        script: "Hi {{givenName|there}}, I'm calling about precinct {{precinct|your precinct}}.",
      });
      expect(await p.phonebanks.launch(bank.campaign.id)).toMatchObject({ audience: 1, queued: 1 });
      const session = await p.phonebanks.join(bank.campaign.id, volunteer.ids[0]!, {
        via: "phone",
        phone: "+19195553000",
      });
      await connectVolunteer(p, session.id);
      const next = await p.phonebanks.next(session.id);
      if (next.status !== "contact") throw new Error("expected a contact");
      expect(next.next.contact).toMatchObject({ phone: "+19195556001", personId: null, givenName: "Rosa" });
      expect(next.next.script).toBe("Hi Rosa, I'm calling about precinct P7.");
      await p.phonebanks.dial(session.id);
      await playCall(p, voice, voice.calls.at(-1)!.providerId);
      const recorded = await p.phonebanks.record(session.id, { resultCode: "do_not_call" });
      const [contact] = await p.phonebanks.contacts(bank.campaign.id);
      expect(contact?.personId).toBeTruthy();
      const voter = await p.voters.findByStateId("NC", "PB1");
      expect(voter?.personId).toBe(contact?.personId);
      const interactions = await p.interactions.list({ where: { personId: contact!.personId! } });
      expect(interactions.map((i) => i.id)).toEqual([recorded.interactionId]);
      const [optOut] = await p.consent.history("voice", "+19195556001");
      expect(optOut).toMatchObject({ kind: "opt_out", personId: contact?.personId });
    });
  });

  describe("provider refusals", () => {
    it("an invalid number is a bad number; a lost answer is never redialed until it is settled", async () => {
      const errors: unknown[] = [];
      const clock = new TestClock(EVENING);
      const made = await client({ clock, phonebanks: { onError: (error) => errors.push(error) } });
      const { p, voice } = made;
      const { listId, ids } = await peopleList(p, neighbors(3));
      const volunteer = await peopleList(p, [{ givenName: "Jordan", familyName: "Caller" }]);
      const bank = await p.phonebanks.create({
        name: "Calls",
        mode: "preview",
        audience: { listId },
        policy: { consent: "not_opted_out" },
        callerId: CALLER_ID,
      });
      await p.phonebanks.launch(bank.campaign.id);
      const session = await p.phonebanks.join(bank.campaign.id, volunteer.ids[0]!, {
        via: "phone",
        phone: "+19195553000",
      });
      await connectVolunteer(p, session.id);

      const first = await p.phonebanks.next(session.id);
      if (first.status !== "contact") throw new Error("expected a contact");
      voice.failNext("invalid_recipient");
      expect(await p.phonebanks.dial(session.id)).toMatchObject({ status: "empty" });
      const bad = (await p.phonebanks.contacts(bank.campaign.id)).find(
        (c) => c.id === first.next.contact.id,
      )!;
      expect(bad).toMatchObject({ state: "done", result: "bad_number", attempts: 1 });
      const owner = await p.people.require(ids[neighbors(3).findIndex((n) => n.phone === bad.phone)]!);
      expect(owner.phoneNumbers[0]?.status).toBe("disconnected");
      expect(errors).toHaveLength(0);

      const second = await p.phonebanks.next(session.id);
      if (second.status !== "contact") throw new Error("expected a contact");
      const { ProviderError } = await import("../../src/index.js");
      voice.failNext(
        new ProviderError({
          provider: "fake-voice",
          message: "fake-voice: the connection dropped after the request was sent.",
          details: { failureReason: "uncertain" },
        }),
      );
      await p.phonebanks.dial(session.id);
      expect(errors).toHaveLength(1);
      const waiting = (await p.phonebanks.contacts(bank.campaign.id)).find(
        (c) => c.id === second.next.contact.id,
      )!;
      expect(waiting).toMatchObject({ state: "dialing", attempts: 1 });
      // The volunteer is free again; the third contact is handed out, the uncertain one is not.
      expect((await p.phonebanks.session(session.id)).state).toBe("ready");
      const third = await p.phonebanks.next(session.id);
      expect(third.status === "contact" && third.next.contact.id).not.toBe(second.next.contact.id);
      await p.phonebanks.skip(session.id);
      expect(await p.phonebanks.tick()).toMatchObject({ recovered: 0 });
      // Hours later, with no word from the provider, the call is closed and the contact can be called again.
      clock.advance(7 * 3600 * 1000);
      expect(await p.phonebanks.tick()).toMatchObject({ recovered: 1 });
      const settled = (await p.phonebanks.contacts(bank.campaign.id)).find(
        (c) => c.id === second.next.contact.id,
      )!;
      expect(settled).toMatchObject({ state: "ready", result: "incomplete", attempts: 1 });
    });
  });

  describe("machines and abandoned calls", () => {
    it("leaves the voicemail after the greeting when configured, else hangs up and records a machine", async () => {
      const ctx = await setup({
        mode: "power",
        outcomes: { machine: 1 },
        settings: { voicemail: { say: "Hi, it's Durham Neighbors. Early voting ends Saturday!" } },
      });
      const { p, voice, campaignId, jordan } = ctx;
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await connectVolunteer(p, session.id);
      const first = voice.calls[1]!;
      expect(first.params.machineDetection).toBe("detect_message_end");
      const answer = await playCall(p, voice, first.providerId);
      expect(answer).toEqual({
        action: "say",
        text: "Hi, it's Durham Neighbors. Early voting ends Saturday!",
      });
      const calls = await p.calls.list({ where: { campaignId } });
      expect(calls.find((c) => c.providerId === first.providerId)).toMatchObject({
        disposition: "voicemail_left",
        answeredBy: "machine_end_beep",
      });

      const plain = await setup({ mode: "power", outcomes: { machine: 1 } });
      const s2 = await plain.p.phonebanks.join(plain.campaignId, plain.jordan, {
        via: "phone",
        phone: "+19195553000",
      });
      await connectVolunteer(plain.p, s2.id);
      expect(plain.voice.calls[1]!.params.machineDetection).toBe("enable");
      expect(await playCall(plain.p, plain.voice, plain.voice.calls[1]!.providerId)).toEqual({
        action: "hangup",
      });
      const [contact] = await plain.p.phonebanks.contacts(plain.campaignId, { state: "ready" });
      expect(contact?.result).toBeDefined();
      const disposition = (
        await plain.p.calls.list({ where: { providerId: plain.voice.calls[1]!.providerId } })
      )[0];
      expect(disposition?.disposition).toBe("machine");
    });

    it("predictive: an answer with no volunteer free hears the recorded message and counts as abandoned", async () => {
      const ctx = await setup({ mode: "predictive", outcomes: { answered: 1 } });
      const { p, voice, campaignId, jordan } = ctx;
      expect(await p.phonebanks.abandonment(campaignId)).toEqual({ answered: 0, abandoned: 0, rate: 0 });
      const session = await p.phonebanks.join(campaignId, jordan, { via: "phone", phone: "+19195553000" });
      await expect(p.phonebanks.next(session.id)).rejects.toMatchObject({ code: "conflict" });
      await connectVolunteer(p, session.id);
      // One free volunteer, nothing answered yet: no budget to dial more than one line.
      expect(voice.calls).toHaveLength(2);
      const first = voice.calls[1]!;
      const connected = await playCall(p, voice, first.providerId);
      expect(connected).toMatchObject({ action: "conference", conferenceName: session.conferenceName });
      await p.phonebanks.record(session.id, { resultCode: "not_home" });
      // The volunteer is free again and the pacer dialed the next line.
      expect(voice.calls).toHaveLength(3);
      await p.phonebanks.leave(session.id);
      const orphan = voice.calls[2]!;
      const answer = await playCall(p, voice, orphan.providerId);
      expect(answer).toMatchObject({ action: "say" });
      expect((answer as { text: string }).text).toContain("Durham Neighbors");
      expect((answer as { text: string }).text).toContain("919 555 0100");
      const stats = await p.phonebanks.abandonment(campaignId);
      expect(stats).toEqual({ answered: 2, abandoned: 1, rate: 0.5 });
      const abandoned = (await p.calls.list({ where: { providerId: orphan.providerId } }))[0];
      expect(abandoned?.disposition).toBe("abandoned");
    });
  });
});
