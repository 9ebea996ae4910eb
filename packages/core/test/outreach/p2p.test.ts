import { afterEach, expect, it } from "vitest";
import type { Precinct } from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";
import { outreachClient, peopleList, TestClock } from "./support.js";

forEachDatabase("peer-to-peer texting", (db) => {
  const open: Precinct[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  const setup = async (clock?: TestClock) => {
    const made = await outreachClient(db(), clock ? { clock } : {});
    open.push(made.p);
    const { p } = made;
    const phones = Array.from({ length: 7 }, (_, i) => `+1919264${String(2000 + i)}`);
    const { listId } = await peopleList(
      p,
      phones.map((phone, i) => ({
        givenName: `Neighbor${i}`,
        familyName: `Street${i}`,
        phone,
        region: "NC",
      })),
    );
    const texters = await peopleList(p, [
      { givenName: "Jordan", familyName: "Texter" },
      { givenName: "Riley", familyName: "Texter" },
    ]);
    const campaign = await p.campaigns.create({
      name: "Canvass follow-up",
      channel: "sms",
      mode: "p2p",
      audience: { listId },
      template: {
        body: "Hi {{givenName}}, this is {{texterName|a volunteer}} with {{organization}}. Can we count on your vote?",
      },
      script: {
        cannedResponses: [
          { key: "thanks", title: "Thanks", body: "Thank you, {{givenName|friend}}! Polls open at 6:30am." },
          { key: "where", title: "Polling place", body: "Look up your polling place at vt.ncsbe.gov." },
        ],
      },
    });
    await p.campaigns.launch(campaign.id);
    const [jordan, riley] = texters.ids as [string, string];
    return { ...made, phones, campaign, jordan, riley };
  };

  it("hands out disjoint batches; each first message goes only by the texter's explicit send", async () => {
    const { p, sms, campaign, jordan, riley } = await setup();
    const a = await p.p2p.requestBatch(campaign.id, jordan, { size: 3 });
    const b = await p.p2p.requestBatch(campaign.id, riley, { size: 3 });
    const c = await p.p2p.requestBatch(campaign.id, jordan, { size: 3 });
    expect(a.contacts).toHaveLength(3);
    expect(b.contacts).toHaveLength(3);
    expect(c.contacts).toHaveLength(1);
    const all = [...a.contacts, ...b.contacts, ...c.contacts].map((x) => x.to);
    expect(new Set(all).size).toBe(7);
    expect(a.contacts[0]?.body).toMatch(/this is Jordan with Durham Neighbors/);
    // Nothing is sent by handing out batches, nor by a dispatcher run.
    await p.dispatcher().drain();
    expect(sms.sent).toHaveLength(0);
    const sent = await p.p2p.send(jordan, a.contacts[0]!.outboxId);
    expect(sent.state).toBe("sent");
    expect(sms.sent).toHaveLength(1);
    await expect(p.p2p.send(riley, a.contacts[1]!.outboxId)).rejects.toMatchObject({ code: "forbidden" });
    // Sending twice is one message.
    expect((await p.p2p.send(jordan, a.contacts[0]!.outboxId)).state).toBe("sent");
    expect(sms.sent).toHaveLength(1);
    expect(await p.p2p.assignments(jordan)).toHaveLength(3);
  });

  it("an opt-out after the batch was handed out blocks the texter's send", async () => {
    const { p, sms, campaign, jordan } = await setup();
    const batch = await p.p2p.requestBatch(campaign.id, jordan, { size: 1 });
    await p.consent.record({
      channel: "sms",
      contactPoint: batch.contacts[0]!.to,
      kind: "opt_out",
      source: "keyword",
    });
    const result = await p.p2p.send(jordan, batch.contacts[0]!.outboxId);
    expect(result).toMatchObject({ state: "blocked", reason: "opted_out" });
    expect(sms.sent).toHaveLength(0);
  });

  it("a send at night waits for the recipient's morning", async () => {
    const clock = new TestClock("2026-11-19T03:00:00.000Z"); // 22:00 in North Carolina
    const { p, sms, campaign, jordan } = await setup(clock);
    const batch = await p.p2p.requestBatch(campaign.id, jordan, { size: 1 });
    const result = await p.p2p.send(jordan, batch.contacts[0]!.outboxId);
    expect(result).toMatchObject({
      state: "waiting",
      reason: "quiet_hours",
      sendAfter: "2026-11-19T13:00:00.000Z",
    });
    expect(sms.sent).toHaveLength(0);
    clock.set("2026-11-19T13:00:01.000Z");
    expect((await p.dispatcher().drain()).sent).toBe(1);
  });

  it("works the inbox: replies, canned responses with merge fields, tags, close and reassignment", async () => {
    const clock = new TestClock();
    const { p, sms, campaign, jordan, riley } = await setup(clock);
    const batch = await p.p2p.requestBatch(campaign.id, jordan, { size: 2 });
    for (const contact of batch.contacts) await p.p2p.send(jordan, contact.outboxId);
    const [first, second] = batch.contacts as [(typeof batch.contacts)[0], (typeof batch.contacts)[0]];
    clock.advance(60_000);
    await p.texting.receive(sms.receive({ from: first.to, body: "Yes! Where do I vote?" }));
    let inbox = await p.p2p.inbox(jordan);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ needsReply: true });
    expect(inbox[0]!.messages.map((m) => m.direction)).toEqual(["outbound", "inbound"]);
    const conversationId = inbox[0]!.conversation.id;
    clock.advance(60_000);
    const reply = await p.p2p.reply(jordan, conversationId, { cannedResponse: "thanks" });
    expect(reply.state).toBe("sent");
    expect(sms.sent.at(-1)?.message.body).toMatch(/^Thank you, Neighbor\d! Polls open/);
    expect(await p.p2p.inbox(jordan)).toHaveLength(0);
    await expect(p.p2p.reply(jordan, conversationId, { cannedResponse: "nope" })).rejects.toMatchObject({
      code: "invalid_input",
    });
    const tagged = await p.p2p.tag(conversationId, ["supporter", "needs-ride", "supporter"]);
    expect(tagged.tags).toEqual(["needs-ride", "supporter"]);
    expect((await p.p2p.close(conversationId)).status).toBe("closed");

    clock.advance(60_000);
    await p.texting.receive(sms.receive({ from: second.to, body: "who is this?" }));
    const moved = await p.p2p.reassign({ from: jordan, to: riley, campaignId: campaign.id });
    expect(moved.conversations).toBeGreaterThanOrEqual(1);
    inbox = await p.p2p.inbox(riley);
    expect(inbox.map((i) => i.conversation.theirAddress)).toEqual([second.to]);
    const answer = await p.p2p.reply(riley, inbox[0]!.conversation.id, {
      body: "I'm Riley, a neighbor volunteering with Durham Neighbors.",
    });
    expect(answer.state).toBe("sent");
    await expect(p.p2p.reply(jordan, inbox[0]!.conversation.id, { body: "hi" })).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("admins return unsent contacts to the pool", async () => {
    const { p, campaign, jordan, riley } = await setup();
    await p.p2p.requestBatch(campaign.id, jordan, { size: 5 });
    expect(await p.p2p.reassign({ from: jordan, to: null })).toMatchObject({ contacts: 5 });
    const again = await p.p2p.requestBatch(campaign.id, riley, { size: 10 });
    expect(again.contacts).toHaveLength(7);
    expect(again.contacts[0]?.body).toMatch(/this is Riley/);
  });
});
