import { createFakeEmail, type FakeEmailTransport } from "@precinct/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  COMPLAINT_MIN_SAMPLE,
  createPrecinct,
  type EmailEvent,
  type Precinct,
  readUnsubscribeToken,
  UNSUBSCRIBE_TAG,
  unsubscribeToken,
} from "../../src/index.js";
import { forEachDatabase } from "../support/databases.js";
import { TestClock } from "./support.js";

const SECRET = "test-unsubscribe-secret-0123456789abcdef";
const PUBLIC_URL = "https://organize.example.org";
const ADDRESS = "PO Box 1000, Durham, NC 27701";

forEachDatabase("email campaigns", (db) => {
  const open: Precinct[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  const client = async (
    options: { postalAddress?: string | null; email?: FakeEmailTransport; settings?: boolean } = {},
  ) => {
    const clock = new TestClock();
    const email = options.email ?? createFakeEmail({ maxBatchSize: 2, now: clock.now });
    const p = await createPrecinct({
      database: db().url,
      organization: {
        name: "Durham Neighbors",
        slug: `email-${Math.random().toString(36).slice(2, 10)}`,
        timeZone: "America/New_York",
        ...(options.postalAddress === null ? {} : { postalAddress: options.postalAddress ?? ADDRESS }),
      } as never,
      plugins: { email },
      clock: clock.now,
      dispatcher: { rateLimits: false },
      ...(options.settings === false
        ? {}
        : {
            email: {
              publicUrl: PUBLIC_URL,
              unsubscribeSecret: SECRET,
              from: "Durham Neighbors <team@example.org>",
            },
          }),
    });
    open.push(p);
    return { p, email, clock };
  };

  /** People with email addresses on one list; `subscribed` get an opt-in. */
  const audience = async (p: Precinct, people: { name: string; email: string; subscribed?: boolean }[]) => {
    const ids: string[] = [];
    for (const person of people) {
      const { person: created } = await p.people.upsert({
        givenName: person.name,
        familyName: "Mailer",
        emailAddresses: [{ address: person.email, primary: true }],
      } as never);
      ids.push(created.id);
      if (person.subscribed !== false) {
        await p.consent.record({
          channel: "email",
          contactPoint: person.email,
          kind: "opt_in",
          source: "form",
        });
      }
    }
    const list = await p.lists.create({ name: "Newsletter" } as never);
    await p.lists.addMembers(list.id, ids);
    return { listId: list.id, ids };
  };

  const campaign = (p: Precinct, listId: string, extra: Record<string, unknown> = {}) =>
    p.campaigns.create({
      name: "Canvass kickoff",
      channel: "email",
      mode: "blast",
      audience: { listId },
      template: {
        subject: "{{givenName|Neighbor}}, the canvass starts Saturday",
        html: "<p>Hi {{givenName|neighbor}},</p><p>Join us at 10am.</p>",
        text: "Hi {{givenName|neighbor}},\nJoin us at 10am.",
      },
      ...extra,
    } as never);

  describe("create", () => {
    it("checks templates up front: subject, a body, known merge fields", async () => {
      const { p } = await client();
      const { listId } = await audience(p, [{ name: "Ana", email: "ana@example.org" }]);
      await expect(
        p.campaigns.create({
          name: "x",
          channel: "email",
          mode: "blast",
          audience: { listId },
          template: { text: "Hi" },
        } as never),
      ).rejects.toThrow(/template\.subject.*needs a subject/);
      await expect(
        p.campaigns.create({
          name: "x",
          channel: "email",
          mode: "blast",
          audience: { listId },
          template: { subject: "Hi" },
        } as never),
      ).rejects.toThrow(/HTML part, a text part or both/);
      await expect(
        p.campaigns.create({
          name: "x",
          channel: "email",
          mode: "blast",
          audience: { listId },
          template: { subject: "Hi {{givnName}}", text: "x" },
        } as never),
      ).rejects.toThrow(/givnName.*givenName/s);
    });

    it("previews emails as the dispatcher renders them: subject, parts, footer and a signed link", async () => {
      const { p } = await client();
      const { listId } = await audience(p, [{ name: "Ana <3", email: "ana@example.org" }]);
      const created = await campaign(p, listId);
      const [preview] = await p.campaigns.preview(created.id);
      expect(preview).toMatchObject({
        to: "ana@example.org",
        subject: "Ana <3, the canvass starts Saturday",
        segments: 0,
        encoding: null,
        missing: [],
      });
      // A recipient's value is escaped in HTML and left as written in text.
      expect(preview?.html).toContain("<p>Hi Ana &lt;3,</p>");
      expect(preview?.text).toContain("Hi Ana <3,");
      expect(preview?.body).toBe(preview?.text);
      const link = /Unsubscribe: (\S+)/.exec(preview?.text ?? "")?.[1] ?? "";
      expect(readUnsubscribeToken(SECRET, new URL(link).searchParams.get("t") ?? "")).toMatchObject({
        email: "ana@example.org",
        campaignId: created.id,
      });
      const [placeholder] = await p.campaigns.preview(created.id, { unsubscribeUrl: "(link)" });
      expect(placeholder?.text).toContain("Unsubscribe: (link)");
    });

    it("refuses bulk email without the organization's postal address (a configuration error)", async () => {
      const { p } = await client({ postalAddress: null });
      const { listId } = await audience(p, [{ name: "Ana", email: "ana@example.org" }]);
      await expect(campaign(p, listId)).rejects.toMatchObject({
        code: "invalid_config",
        message: expect.stringMatching(/postal address/),
      });
    });

    it("needs the email settings (unsubscribe links) to launch", async () => {
      const { p } = await client({ settings: false });
      const { listId } = await audience(p, [{ name: "Ana", email: "ana@example.org" }]);
      const created = await campaign(p, listId);
      await expect(p.campaigns.launch(created.id)).rejects.toMatchObject({
        code: "invalid_config",
        message: expect.stringMatching(/publicUrl, unsubscribeSecret/),
      });
    });
  });

  describe("sending", () => {
    it("sends to subscribers in provider batches with the footer, one-click headers and our ids", async () => {
      const { p, email } = await client();
      const { listId, ids } = await audience(p, [
        { name: "Ana", email: "ana@example.org" },
        { name: "Ben", email: "ben@example.org" },
        { name: "Cy", email: "cy@example.org" },
        { name: "Dee", email: "dee@example.org", subscribed: false },
        { name: "Eve", email: "ana@example.org" },
      ]);
      await p.consent.record({
        channel: "email",
        contactPoint: "cy@example.org",
        kind: "opt_out",
        source: "manual",
      });
      const created = await campaign(p, listId);
      const launched = await p.campaigns.launch(created.id);
      expect(launched).toMatchObject({ audience: 5, queued: 2 });
      expect(launched.blocked).toEqual({ opted_out: 1, no_consent: 1, duplicate_email: 1 });
      const drained = await p.dispatcher().drain();
      expect(drained.sent).toBe(2);
      // The fake takes two per request: two messages, one request.
      expect(email.batches).toHaveLength(1);
      const ana = email.sent.find((s) => s.message.to.email === "ana@example.org")!.message;
      // Ana and Eve share the address: whichever comes first gets it, the other is a duplicate.
      const name = /^(Ana|Eve), the canvass starts Saturday$/.exec(ana.subject)?.[1];
      expect(name).toBeDefined();
      expect(ana.html).toContain(`<p>Hi ${name},</p>`);
      expect(ana.html).toContain(ADDRESS);
      expect(ana.text).toContain(ADDRESS);
      expect(ana.html).not.toContain("[%pr:");
      expect(ana.from).toEqual({ email: "team@example.org", name: "Durham Neighbors" });
      const header = ana.headers?.["List-Unsubscribe"] ?? "";
      expect(header).toMatch(/^<https:\/\/organize\.example\.org\/webhooks\/email\/unsubscribe\?t=[^>]+>$/);
      expect(ana.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      expect(ana.text).toContain(header.slice(1, -1));
      const token = new URL(header.slice(1, -1)).searchParams.get("t")!;
      expect(readUnsubscribeToken(SECRET, token)).toEqual({
        organizationId: p.organization.id,
        email: "ana@example.org",
        campaignId: created.id,
      });
      expect(ana.customArgs?.precinct_campaign_id).toBe(created.id);
      expect(ana.categories).toEqual([`campaign-${created.id}`]);
      const [message] = await p.messages.list({ where: { to: "ana@example.org" } });
      expect(message).toMatchObject({
        channel: "email",
        subject: `${name}, the canvass starts Saturday`,
        personId: name === "Ana" ? ids[0] : ids[4],
        status: "sent",
      });
      expect(message?.body).toContain(`Hi ${name},`);
    });

    it("hands a substituting transport the shared content once and each recipient's values", async () => {
      const fake = createFakeEmail({ maxBatchSize: 1000 });
      const substituting = Object.assign(Object.create(fake) as FakeEmailTransport, {
        supportsSubstitutions: true,
      });
      const { p } = await client({ email: substituting });
      const people = Array.from({ length: 5 }, (_, i) => ({ name: `P${i}`, email: `p${i}@example.org` }));
      const { listId } = await audience(p, people);
      await p.campaigns.launch((await campaign(p, listId)).id);
      await p.dispatcher().drain();
      expect(fake.batches).toHaveLength(1);
      const messages = fake.batches[0]!.messages;
      expect(new Set(messages.map((m) => m.html)).size).toBe(1);
      expect(messages[0]!.html).toContain("[%pr:");
      const values = messages.map((m) => Object.values(m.substitutions ?? {}));
      expect(
        values.map((v) => v.includes("P0") || v.includes("P1") || v.some((x) => /^P\d$/.test(x))),
      ).toEqual(Array(5).fill(true));
      expect(messages.every((m) => m.substitutions?.[UNSUBSCRIBE_TAG]?.startsWith(PUBLIC_URL))).toBe(true);
    });

    it("retries a retryable batch failure and never sends to someone who unsubscribed meanwhile", async () => {
      const { p, email, clock } = await client();
      const { listId } = await audience(p, [
        { name: "Ana", email: "ana@example.org" },
        { name: "Ben", email: "ben@example.org" },
      ]);
      await p.campaigns.launch((await campaign(p, listId)).id);
      email.failNext("rate_limited");
      const first = await p.dispatcher().drain();
      expect(first).toMatchObject({ sent: 0, retried: 2 });
      await p.consent.record({
        channel: "email",
        contactPoint: "ben@example.org",
        kind: "opt_out",
        source: "manual",
      });
      clock.advance(10 * 60_000);
      const second = await p.dispatcher().drain();
      expect(second).toMatchObject({ sent: 1, blocked: 1 });
      expect(email.sent.map((s) => s.message.to.email)).toEqual(["ana@example.org"]);
    });
  });

  describe("events and unsubscribes", () => {
    const sentTo = async (names: string[]) => {
      const made = await client();
      const { listId, ids } = await audience(
        made.p,
        names.map((name) => ({ name, email: `${name.toLowerCase()}@example.org` })),
      );
      const created = await campaign(made.p, listId);
      await made.p.campaigns.launch(created.id);
      await made.p.dispatcher().drain();
      const router = made.p.webhooks({ publicUrl: PUBLIC_URL });
      const post = async (events: EmailEvent[], forged = false) => {
        const webhook = made.email.eventsRequest(events, { forged });
        return router.handle(
          new Request(`${PUBLIC_URL}/webhooks/email/events`, {
            method: "POST",
            headers: webhook.request.headers,
            body: webhook.rawBody,
          }),
        );
      };
      return { ...made, router, post, campaignId: created.id, ids };
    };

    it("applies delivered, hard bounces, spam reports, opens and clicks; refuses forgeries; dedupes retries", async () => {
      const { p, email, post, ids } = await sentTo(["Ana", "Ben", "Cy"]);
      const id = (address: string) => email.sent.find((s) => s.message.to.email === address)!.providerId;
      const delivered = email.emit({ type: "delivered", providerId: id("ana@example.org") });
      const bounce = email.emit({
        type: "bounce",
        bounceType: "bounce",
        providerId: id("ben@example.org"),
        reason: "550 no such user",
      });
      const open = email.emit({ type: "open", providerId: id("ana@example.org") });
      const click = email.emit({
        type: "click",
        providerId: id("ana@example.org"),
        url: "https://example.org/rsvp",
      });

      expect((await post([delivered, bounce], true)).status).toBe(403);
      expect(await p.consent.isOptedOut("email", "ben@example.org")).toBe(false);

      expect((await post([delivered, bounce, open, click])).status).toBe(200);
      const [ana] = await p.messages.list({ where: { to: "ana@example.org" } });
      const [ben] = await p.messages.list({ where: { to: "ben@example.org" } });
      expect(ana?.status).toBe("delivered");
      expect(ben?.status).toBe("undelivered");
      expect(await p.consent.isOptedOut("email", "ben@example.org")).toBe(true);
      const benPerson = await p.people.get(ids[1]!);
      expect(benPerson?.emailAddresses[0]?.status).toBe("bouncing");
      const interactions = await p.interactions.list({ where: { personId: ids[0]! } });
      expect(interactions.map((i) => i.outcome).sort()).toEqual(["clicked", "opened", "sent"]);
      expect(interactions.find((i) => i.outcome === "clicked")?.notes).toBe("https://example.org/rsvp");

      // The provider retries the same delivery: nothing is applied twice.
      expect((await post([delivered, bounce, open, click])).status).toBe(200);
      expect(await p.interactions.list({ where: { personId: ids[0]! } })).toHaveLength(3);
      expect(await p.consent.history("email", "ben@example.org")).toHaveLength(3 - 1);
    });

    it("warns past 0.1% spam complaints and pauses the campaign at 0.3%", async () => {
      const { p, email, post, campaignId } = await sentTo(["Ana", "Ben", "Cy", "Dee"]);
      const warnings: string[] = [];
      const pauses: string[] = [];
      p.bus.on("campaign.warning", ({ reason }) => void warnings.push(reason));
      p.bus.on("campaign.paused", ({ reason }) => void pauses.push(reason));
      const complain = (address: string) =>
        email.emit({
          type: "spamreport",
          providerId: email.sent.find((s) => s.message.to.email === address)!.providerId,
        });
      // Four emails sent count as COMPLAINT_MIN_SAMPLE: one complaint is 0.1%, not past it.
      expect(COMPLAINT_MIN_SAMPLE).toBe(1000);
      await post([complain("ana@example.org")]);
      expect(warnings).toEqual([]);
      await post([complain("ben@example.org")]);
      expect(warnings).toEqual(["complaint_rate"]);
      expect((await p.campaigns.get(campaignId))?.status).toBe("running");
      await post([complain("cy@example.org")]);
      expect(pauses).toEqual(["complaint_rate"]);
      expect(await p.campaigns.get(campaignId)).toMatchObject({
        status: "paused",
        pausedReason: "complaint_rate",
      });
      expect(await p.consent.isOptedOut("email", "cy@example.org")).toBe(true);
    });

    it("one-click unsubscribe: GET shows a page and changes nothing, POST unsubscribes once, forged links are refused", async () => {
      const { p, email, router } = await sentTo(["Ana"]);
      const link = email.sent[0]!.message.headers!["List-Unsubscribe"]!.slice(1, -1);
      const page = await router.handle(new Request(link));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('name="List-Unsubscribe" value="One-Click"');
      expect(await p.consent.isOptedOut("email", "ana@example.org")).toBe(false);

      const oneClick = () =>
        router.handle(
          new Request(link, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "List-Unsubscribe=One-Click",
          }),
        );
      expect((await oneClick()).status).toBe(200);
      expect(await p.consent.isOptedOut("email", "ana@example.org")).toBe(true);
      expect((await oneClick()).status).toBe(200);
      const history = await p.consent.history("email", "ana@example.org");
      expect(history.filter((e) => e.kind === "opt_out")).toHaveLength(1);
      expect(history.at(-1)).toMatchObject({ source: "unsubscribe_link" });

      // Someone else's address in a token signed with another key, and a tampered token.
      const forged = unsubscribeToken("another-secret-that-is-long-enough-000", {
        organizationId: p.organization.id,
        email: "ben@example.org",
        campaignId: null,
      });
      const url = new URL(link);
      url.searchParams.set("t", forged);
      expect(
        (await router.handle(new Request(url, { method: "POST", body: "List-Unsubscribe=One-Click" })))
          .status,
      ).toBe(403);
      url.searchParams.set("t", `${new URL(link).searchParams.get("t")}x`);
      expect((await router.handle(new Request(url))).status).toBe(403);
      expect(router.routes.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining([
          "POST /webhooks/email/events",
          "POST /webhooks/email/unsubscribe",
          "GET /webhooks/email/unsubscribe",
        ]),
      );
    });
  });
});
