import { describe, expect, it } from "vitest";
import { type SimulationReport, simulatePhoneBank } from "./simulation.js";

/**
 * The session simulation issue 6 names: volunteers working a call list spread over six states and four time
 * zones, from 17:00 in New York through the night (every window closes) into the next day, with seeded
 * provider outcomes and a simulated clock. SQLite in memory keeps it quick; the storage paths themselves are
 * covered on both databases by the focused tests.
 */
describe("phone bank session simulation", () => {
  const invariants = async (report: SimulationReport) => {
    const { precinct, campaignId } = report;
    // The run really crossed the night: contacts were waiting for their window at 03:00 in New York.
    expect(report.finished).toBe(true);
    expect(report.waitingAtNight).toBeGreaterThan(0);
    // No number was ever dialed while another call to it was live (the harness's own record).
    expect(report.overlapping).toEqual([]);
    // No call started outside the number's local calling window: by the harness's clock and by the engine's.
    expect(report.outsideWindow).toEqual([]);
    expect(report.nightDials).toBe(0);
    // Nobody on the do-not-call list was dialed after they got on it.
    expect(report.afterDoNotCall).toEqual([]);

    const db = precinct.storage.db;
    const contacts = await db
      .selectFrom("phonebankContact")
      .select(["id", "phone", "state", "attempts", "result", "reason"])
      .where("campaignId", "=", campaignId)
      .execute();
    const byState: Record<string, number> = {};
    for (const contact of contacts) byState[contact.state] = (byState[contact.state] ?? 0) + 1;
    // Every contact ended in a final state, or at its retry limit.
    expect(Object.keys(byState).sort()).toEqual(["blocked", "done", "exhausted"]);
    for (const contact of contacts) {
      if (contact.state === "exhausted") expect(Number(contact.attempts)).toBeGreaterThanOrEqual(3);
      // Three attempts, and a requested callback honoured once more at most.
      expect(Number(contact.attempts)).toBeLessThanOrEqual(4);
      if (contact.state === "blocked") expect(contact.reason).toBe("do_not_call");
    }
    // Calls per number as the provider saw them match the engine's attempt counts.
    const dialsPerPhone = new Map<string, number>();
    for (const dial of report.dials) dialsPerPhone.set(dial.phone, (dialsPerPhone.get(dial.phone) ?? 0) + 1);
    for (const contact of contacts)
      expect(dialsPerPhone.get(contact.phone) ?? 0).toBe(Number(contact.attempts));
    // One interaction per call, and every call has its result.
    const calls = await db
      .selectFrom("call")
      .select(["id", "disposition", "interactionId"])
      .where("campaignId", "=", campaignId)
      .where("leg", "=", "contact")
      .execute();
    expect(calls).toHaveLength(report.dials.length);
    expect(calls.filter((c) => c.disposition === null || c.interactionId === null)).toEqual([]);
    const interactions = await db
      .selectFrom("interaction")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("campaignId", "=", campaignId)
      .executeTakeFirstOrThrow();
    expect(Number(interactions.n)).toBe(calls.length);
    // Refusals and do-not-call requests flowed back into the consent ledger as voice opt-outs.
    const optOuts = await db
      .selectFrom("consentEvent")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("campaignId", "=", campaignId)
      .where("channel", "=", "voice")
      .where("kind", "=", "opt_out")
      .executeTakeFirstOrThrow();
    const refusals = contacts.filter((c) => c.result === "refused" || c.result === "do_not_call").length;
    expect(refusals).toBeGreaterThan(0);
    expect(Number(optOuts.n)).toBe(refusals);
    return { byState, calls: calls.length };
  };

  // Minutes of simulated phone banking take seconds here, but more than vitest's default allows on a busy machine.
  const SLOW = 180_000;

  it(
    "power mode: 20 volunteers, 5,000 contacts, seeded outcomes, into quiet hours and the next day",
    async () => {
      const report = await simulatePhoneBank({
        database: ":memory:",
        mode: "power",
        volunteers: 20,
        contacts: 5000,
        seed: 2026,
        start: "2026-11-18T22:00:00.000Z",
        maxSimulatedHours: 96,
        doNotCallBefore: 40,
        doNotCallDuring: 25,
      });
      try {
        const { byState, calls } = await invariants(report);
        // The 40 on the list before launch, plus those of the 25 later requests whose contact was not finished.
        expect(byState.blocked).toBeGreaterThanOrEqual(40);
        expect(byState.blocked).toBeLessThanOrEqual(65);
        expect(calls).toBeGreaterThan(5000);
        expect(report.recorded).toBeGreaterThan(1000);
        // Power mode never abandons: each line has its volunteer waiting.
        expect(report.abandoned).toBe(0);
      } finally {
        await report.precinct.close();
      }
    },
    SLOW,
  );

  it(
    "predictive mode holds abandonment at or under 3% at every point",
    async () => {
      const report = await simulatePhoneBank({
        database: ":memory:",
        mode: "predictive",
        volunteers: 20,
        contacts: 1000,
        seed: 7,
        start: "2026-11-18T22:00:00.000Z",
        maxSimulatedHours: 96,
        doNotCallBefore: 10,
        doNotCallDuring: 10,
      });
      try {
        await invariants(report);
        // It did dial ahead of its volunteers (some calls were abandoned), and never past the cap.
        expect(report.abandoned).toBeGreaterThan(0);
        expect(report.worstAbandonmentRate).toBeLessThanOrEqual(0.03);
        const stats = await report.precinct.phonebanks.abandonment(report.campaignId);
        expect(stats.rate).toBeLessThanOrEqual(0.03);
        expect(stats.abandoned).toBe(report.abandoned);
      } finally {
        await report.precinct.close();
      }
    },
    SLOW,
  );
});
