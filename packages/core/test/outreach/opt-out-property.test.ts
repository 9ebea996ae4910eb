import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeSms, type FakeSmsTransport } from "@precinct/testing";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPrecinct, type OutboundSms, type Precinct, type SmsTransportV1 } from "../../src/index.js";
import { peopleList, TestClock } from "./support.js";

const PHONES = ["+19192643001", "+19192643002", "+19192643003"] as const;

/** One step of a random history. */
type Step =
  | { kind: "campaign" }
  | { kind: "dispatch" }
  | { kind: "reply"; phone: number; text: string }
  | { kind: "stopDuringDispatch"; phone: number }
  | { kind: "status"; pick: number; status: "sent" | "delivered" | "undelivered" | "failed" }
  | { kind: "restart" }
  | { kind: "crash" }
  | { kind: "time"; minutes: number };

const REPLIES = [
  "STOP",
  "stop texting me",
  "Please remove me from your list.",
  "START",
  "UNSTOP",
  "YES",
  "who is this?",
  "HELP",
  "End",
  "yes i'll vote",
];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Step>({ kind: "campaign" }) },
  { weight: 4, arbitrary: fc.constant<Step>({ kind: "dispatch" }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("reply" as const),
      phone: fc.nat(2),
      text: fc.constantFrom(...REPLIES),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("stopDuringDispatch" as const), phone: fc.nat(2) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("status" as const),
      pick: fc.nat(50),
      status: fc.constantFrom(
        "sent" as const,
        "delivered" as const,
        "undelivered" as const,
        "failed" as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "restart" }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "crash" }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("time" as const), minutes: fc.integer({ min: 1, max: 900 }) }),
  },
);

/**
 * The property: over random interleavings of campaign sends, STOP/START replies (also arriving while a
 * dispatch is in flight), status callbacks, restarts and crashes, no message is ever handed to the provider
 * for a number whose latest consent event, read from the database at that instant by a separate
 * connection, is an opt-out. The one confirmation of an opt-out (allowed by the FCC rule) is the only
 * exception and is checked to be a confirmation.
 */
describe("no message reaches an opted-out number (property)", () => {
  it("holds over random interleavings", async () => {
    // Not vacuous: across the runs, messages were sent and opt-outs did block some.
    const seen = { sent: 0, blockedByOptOut: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 30 }), async (steps) => {
        const dir = mkdtempSync(join(tmpdir(), "precinct-prop-"));
        const file = join(dir, "prop.db");
        const clock = new TestClock("2026-11-18T16:00:00.000Z");
        const fake = createFakeSms({ now: clock.now });
        const oracle: { db: Database.Database | null } = { db: null };
        const violations: string[] = [];
        // The transport the engine sees: the fake, with the oracle checked at the instant of each hand-off.
        const watched: SmsTransportV1 = {
          ...fake,
          dedupesByIdempotencyKey: true,
          parseInbound: fake.parseInbound.bind(fake),
          parseStatus: fake.parseStatus.bind(fake),
          verifyWebhook: fake.verifyWebhook.bind(fake),
          lookup: fake.lookup.bind(fake),
          send(message: OutboundSms) {
            oracle.db ??= new Database(file, { readonly: true, fileMustExist: true });
            const latest = oracle.db
              .prepare(
                "select kind from consent_event where channel = 'sms' and contact_point = ? order by occurred_at desc, sequence desc limit 1",
              )
              .get(message.to) as { kind: string } | undefined;
            const row = oracle.db
              .prepare("select kind from outbox where id = ?")
              .get(message.idempotencyKey) as { kind: string } | undefined;
            if (latest?.kind === "opt_out" && row?.kind !== "system") {
              violations.push(`${message.to} got "${message.body}" while opted out`);
            }
            if (latest?.kind === "opt_out" && row?.kind === "system" && !/unsubscribed/.test(message.body)) {
              violations.push(`${message.to} got a system message that is not the opt-out confirmation`);
            }
            return fake.send(message);
          },
        };
        const open = () =>
          createPrecinct({
            database: file,
            organization: { name: "Property Org", slug: "property" },
            plugins: { sms: watched },
            clock: clock.now,
            dispatcher: { rateLimits: false, retry: { baseDelayMs: 10 }, leaseMs: 60_000 },
          });
        let p: Precinct = await open();
        try {
          const { listId } = await peopleList(
            p,
            PHONES.map((phone, i) => ({
              givenName: `Prop${i}`,
              familyName: `Erty${i}`,
              phone,
              region: "NC",
            })),
          );
          for (const phone of PHONES)
            await p.consent.record({ channel: "sms", contactPoint: phone, kind: "opt_in", source: "form" });
          let campaigns = 0;
          for (const s of steps) {
            switch (s.kind) {
              case "campaign": {
                const c = await p.campaigns.create({
                  name: `C${++campaigns}`,
                  channel: "sms",
                  mode: campaigns % 2 === 0 ? "p2p" : "blast",
                  audience: { listId },
                  template: { body: `Message ${campaigns} for {{givenName}}` },
                });
                await p.campaigns.launch(c.id);
                if (c.mode === "p2p") {
                  const texter = (await p.people.upsert({ givenName: "Tex", familyName: `T${campaigns}` }))
                    .person.id;
                  const batch = await p.p2p.requestBatch(c.id, texter, { size: 3 });
                  for (const contact of batch.contacts) await p.p2p.send(texter, contact.outboxId);
                }
                break;
              }
              case "dispatch":
                await p.dispatcher().drain();
                break;
              case "reply":
                await p.texting.receive(fake.receive({ from: PHONES[s.phone]!, body: s.text }));
                break;
              case "stopDuringDispatch": {
                const c = await p.campaigns.create({
                  name: `R${++campaigns}`,
                  channel: "sms",
                  mode: "blast",
                  audience: { listId },
                  template: { body: `Race ${campaigns}` },
                });
                await p.campaigns.launch(c.id);
                await Promise.all([
                  p.dispatcher().drain(),
                  p.texting.receive(fake.receive({ from: PHONES[s.phone]!, body: "STOP" })),
                ]);
                break;
              }
              case "status": {
                const sent = fake.sent;
                if (sent.length === 0) break;
                const target = sent[s.pick % sent.length]!;
                await p.texting.status({ providerId: target.providerId, status: s.status, raw: {} });
                break;
              }
              case "restart":
                await p.close();
                p = await open();
                break;
              case "crash":
                // A dispatcher died after claiming: rows left `sending` with a lease that runs out.
                await p.storage.db
                  .updateTable("outbox")
                  .set({
                    state: "sending",
                    leaseUntil: clock.now().toISOString(),
                    claimedAt: clock.now().toISOString(),
                  })
                  .where("state", "=", "pending")
                  .execute();
                await p.close();
                clock.advance(61_000);
                p = await open();
                break;
              case "time":
                clock.advance(s.minutes * 60_000);
                break;
            }
          }
          await p.dispatcher().drain();
          seen.sent += fake.sent.length;
          seen.blockedByOptOut += (await p.outbox.list({ state: "blocked", limit: 10_000 })).filter(
            (row) => row.reason === "opted_out",
          ).length;
        } finally {
          await p.close();
          oracle.db?.close();
          rmSync(dir, { recursive: true, force: true });
        }
        expect(violations).toEqual([]);
        // Nothing was handed to the provider twice for one outbox row.
        const keys = fake.sent.map((s: FakeSmsTransport["sent"][number]) => s.message.idempotencyKey);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 40, seed: Number(process.env.PRECINCT_PROPERTY_SEED ?? 20261121) },
    );
    expect(seen.sent).toBeGreaterThan(100);
    expect(seen.blockedByOptOut).toBeGreaterThan(10);
  }, 240_000);
});
