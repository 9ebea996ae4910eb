import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct, type Precinct, readUnsubscribeToken } from "@precinct/core";
import { createSendGrid } from "@precinct/sendgrid";
import { createSendGridImitation, startSendGridImitationServer } from "@precinct/testing/http";
import { afterAll, describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { cli, NOON_IN_NC } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-cli-email-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PUBLIC_URL = "https://organize.example.org";
const SECRET = "cli-test-unsubscribe-secret-0123456789abcdef";
const API_KEY = "SG.cli-test.key";
const ADDRESS = "PO Box 1000, Durham, NC 27701";
const FROM = "Durham Neighbors <team@example.org>";
/** The variables of a real send, without the SendGrid origin. */
const EMAIL_ENV = {
  SENDGRID_API_KEY: API_KEY,
  PRECINCT_PUBLIC_URL: PUBLIC_URL,
  PRECINCT_UNSUBSCRIBE_SECRET: SECRET,
  PRECINCT_EMAIL_FROM: FROM,
};

/** A synthetic recipient: example.org addresses, made-up names. */
interface Subscriber {
  readonly givenName: string;
  readonly familyName: string;
  readonly email?: string;
  /** Record an email opt-in (a newsletter sign-up). */
  readonly subscribed?: boolean;
}

/** Five people: three subscribed, one not, one without an address. */
const PEOPLE: readonly Subscriber[] = [
  { givenName: "Ana", familyName: "Rivera", email: "ana.r@example.org", subscribed: true },
  { givenName: "Ben", familyName: "O'Hara", email: "ben.o@example.org", subscribed: true },
  { givenName: "Cruz", familyName: "Diaz", email: "cruz.d@example.org", subscribed: true },
  { givenName: "Dana", familyName: "Park", email: "dana.p@example.org" },
  { givenName: "Eli", familyName: "Moss" },
];

const SUBJECT = "{{givenName|Neighbor}}, the canvass starts Saturday";
const HTML = "<p>Hi {{fullName|neighbor}},</p><p>Meet us at the library at 10am.</p>";
const TEXT = "Hi {{givenName|neighbor}},\nMeet us at the library at 10am.";

/** Creates the people and a static list of them; records the opt-ins asked for. */
async function subscribersList(precinct: Precinct, people: readonly Subscriber[]): Promise<string> {
  const ids: string[] = [];
  for (const person of people) {
    const { person: created } = await precinct.people.upsert({
      givenName: person.givenName,
      familyName: person.familyName,
      emailAddresses: person.email ? [{ address: person.email, primary: true }] : [],
    });
    ids.push(created.id);
    if (person.email && person.subscribed) {
      await precinct.consent.record({
        channel: "email",
        contactPoint: person.email,
        kind: "opt_in",
        source: "form",
        // Signed up well before anything happens: the consent status is the latest event by time, and
        // provider events carry whole-second timestamps (an opt-out in the same second would sort first).
        occurredAt: "2026-01-15T12:00:00.000Z",
      });
    }
  }
  const list = await precinct.lists.create({ name: `list ${Math.random().toString(36).slice(2, 8)}` });
  await precinct.lists.addMembers(list.id, ids);
  return list.id;
}

describe("precinct campaign, email (no database)", () => {
  it("documents the email options and variables, and refuses mixed-up options with exit 2", async () => {
    const help = await cli(["campaign", "--help"]);
    expect(help.code).toBe(0);
    for (const text of [
      "--channel <sms|email>",
      "--subject <template>",
      "--html <file|template>",
      "--postal-address",
      "--email-transport <sendgrid|fake>",
      "SENDGRID_API_KEY",
      "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY",
      "PRECINCT_PUBLIC_URL",
      "PRECINCT_UNSUBSCRIBE_SECRET",
      "PRECINCT_EMAIL_FROM",
    ]) {
      expect(help.stdout).toContain(text);
    }

    const email = ["campaign", "create", "--channel", "email", "--name", "x", "--list", "a"];
    const cases: [string[], string][] = [
      [
        ["campaign", "create", "--channel", "fax", "--name", "x", "--list", "a"],
        "--channel must be sms or email",
      ],
      [[...email, "--subject", "Hi", "--body", "hi"], "--body is for text campaigns"],
      [[...email, "--text", "hi"], "--subject is required"],
      [[...email, "--subject", "Hi"], "needs --html, --text or both"],
      [[...email, "--subject", "Hi", "--text", "hi", "--mode", "p2p"], "an email campaign is a blast"],
      [[...email, "--subject", "Hi", "--text", "hi", "--quiet-start", "09:00"], "quiet hours apply to texts"],
      [[...email, "--subject", "Hi", "--html", join(dir, "missing-invite.html")], "there is no file"],
      [
        [...email, "--subject", "Hi", "--text", "hi", "--postal-address", " "],
        "--postal-address must not be empty",
      ],
      [
        ["campaign", "create", "--name", "x", "--list", "a", "--body", "hi", "--subject", "Hi"],
        "--subject goes with --channel email",
      ],
      [
        ["campaign", "send", "c1", "--email-transport", "pigeon"],
        "--email-transport must be sendgrid or fake",
      ],
      [["campaign", "preview", "c1", "--email-transport", "fake"], "does not go with"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});

forEachDatabase("precinct campaign, email", (db) => {
  it("creates from an HTML file, previews with the footer, sends with the fake provider and reports it", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const listId = await subscribersList(client, PEOPLE);
    const common = ["--db", db().url, "--org", org];
    const htmlFile = join(dir, `invite-${db().name}-${org}.html`);
    writeFileSync(htmlFile, HTML);

    const created = await cli([
      "campaign",
      "create",
      "--channel",
      "email",
      "--name",
      "Canvass kickoff",
      "--list",
      listId,
      "--subject",
      SUBJECT,
      "--html",
      htmlFile,
      "--text",
      TEXT,
      "--sender",
      FROM,
      "--postal-address",
      ADDRESS,
      ...common,
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const campaign = created.json();
    expect(campaign).toMatchObject({
      name: "Canvass kickoff",
      channel: "email",
      mode: "blast",
      status: "draft",
      postalAddress: ADDRESS,
    });
    const stored = await client.campaigns.require(campaign.id);
    // The file's contents, not its name, became the HTML part; email defaults to subscribers only.
    expect(stored.template).toEqual({ subject: SUBJECT, html: HTML, text: TEXT });
    expect(stored.policy.consent).toBe("opt_in_required");
    expect(stored.sender).toBe(FROM);
    // The postal address is the organization's, for every later send (and "precinct serve").
    const reopened = await createPrecinct({ database: db().url, organization: org });
    expect(reopened.organization.postalAddress).toBe(ADDRESS);
    await reopened.close();

    const preview = await cli(["campaign", "preview", campaign.id, "--limit", "2", ...common, "--json"]);
    expect(preview.code, preview.stderr).toBe(0);
    const shown = preview.json();
    expect(shown).toMatchObject({ channel: "email", estimate: { audience: 5 }, from: FROM });
    expect(shown.messages).toHaveLength(2);
    for (const message of shown.messages) {
      const given = message.name.split(" ")[0];
      expect(message.subject).toBe(`${given}, the canvass starts Saturday`);
      expect(message.text).toContain(`Hi ${given},\nMeet us at the library`);
      expect(message.text).toContain(ADDRESS);
      expect(message.text).toContain("/webhooks/email/unsubscribe");
      expect(message.html).toContain(ADDRESS);
      expect(message.missing).toEqual([]);
    }
    // A recipient's value is HTML-escaped in the HTML part, as the engine sends it.
    const ben = shown.messages.find((m: { to: string }) => m.to === "ben.o@example.org");
    if (ben) expect(ben.html).toContain("<p>Hi Ben O&#39;Hara,</p>");
    const previewText = await cli(["campaign", "preview", campaign.id, ...common]);
    expect(previewText.stdout).toMatch(/audience\s+5/);
    expect(previewText.stdout).toMatch(/subject\s+\{\{givenName\|Neighbor\}\}, the canvass starts Saturday/);
    expect(previewText.stdout).toContain("Subject: Ana, the canvass starts Saturday");
    expect(previewText.stdout).toContain("(no email)  Eli Moss — no email: no address");

    const sent = await cli(
      ["campaign", "send", campaign.id, "--email-transport", "fake", ...common, "--json"],
      { clock: NOON_IN_NC },
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json()).toMatchObject({
      id: campaign.id,
      channel: "email",
      transport: "fake",
      status: "completed",
      launch: { audience: 5, queued: 3, waiting: 0, blocked: { no_consent: 1 }, noEmail: 1 },
      drain: { sent: 3, blocked: 0, failed: 0 },
      campaignSent: 3,
      simulatedDeliveries: 3,
      notYetSent: [],
    });
    const messages = await client.messages.list({ where: { campaignId: campaign.id } });
    expect(messages.map((m) => m.to).sort()).toEqual([
      "ana.r@example.org",
      "ben.o@example.org",
      "cruz.d@example.org",
    ]);
    expect(messages.every((m) => m.channel === "email" && m.status === "delivered")).toBe(true);
    expect(messages.find((m) => m.to === "ana.r@example.org")?.subject).toBe(
      "Ana, the canvass starts Saturday",
    );

    const status = await cli(["campaign", "status", campaign.id, ...common, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({
      channel: "email",
      status: "completed",
      sent: 3,
      delivered: 3,
      bounced: 0,
      blockedTotal: 1,
      blocked: { no_consent: 1 },
      complaints: 0,
      unsubscribes: 0,
      opens: 0,
      clicks: 0,
    });
    const table = await cli(["campaign", "status", campaign.id, ...common]);
    expect(table.stdout).toContain('"Canvass kickoff" (email, blast, completed)');
    expect(table.stdout).toMatch(/^ {2}delivered\s+3$/m);
    expect(table.stdout).toMatch(/^ {4}no consent\s+1$/m);
    expect(table.stdout).toMatch(/^ {2}spam complaints\s+0 \(0\.00% of sent\)$/m);

    const again = await cli(["campaign", "send", campaign.id, "--email-transport", "fake", ...common]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("completed");
  });

  it("holds emails past the frequency cap, and warns when their unsubscribe links have a throwaway key", async () => {
    const client = await db().client();
    const listId = await subscribersList(client, PEOPLE.slice(0, 2));
    const common = ["--db", db().url, "--org", client.organization.slug];
    const create = async (name: string) =>
      (
        await cli([
          "campaign",
          "create",
          "--channel",
          "email",
          "--name",
          name,
          "--list",
          listId,
          "--subject",
          SUBJECT,
          "--text",
          TEXT,
          "--frequency-cap",
          "1",
          "--sender",
          FROM,
          "--postal-address",
          ADDRESS,
          ...common,
        ])
      ).stdout.trim();
    const first = await create("First");
    const second = await create("Second");
    const env = { PRECINCT_UNSUBSCRIBE_SECRET: SECRET };
    const sent = await cli(["campaign", "send", first, "--email-transport", "fake", ...common], {
      env,
      clock: NOON_IN_NC,
    });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^FAKE EMAIL: nothing real is sent/m);
    expect(sent.stdout).toContain("Sent 2 with the fake email provider");
    expect(sent.stderr).toBe("");

    // One email per person per 24 hours: the second campaign waits, with links signed by a throwaway key.
    const held = await cli(["campaign", "send", second, "--email-transport", "fake", ...common, "--json"], {
      clock: NOON_IN_NC,
    });
    expect(held.code, held.stderr).toBe(0);
    expect(held.json()).toMatchObject({
      status: "running",
      launch: { queued: 2 },
      drain: { sent: 0, waiting: 2 },
      notYetSent: [{ state: "waiting", reason: "frequency_cap", count: 2 }],
    });
    expect(held.stderr).toContain(
      "2 emails of this campaign wait with unsubscribe links signed by a throwaway key",
    );
    expect(held.stderr).toContain(`precinct campaign cancel ${second}`);
  });

  it("requires the organization's postal address once, and leaves nothing behind when refused", async () => {
    const client = await db().client();
    const common = ["--db", db().url, "--org", client.organization.slug];
    const base = ["campaign", "create", "--channel", "email", "--name", "News", "--where", "{}"];
    const none = await cli([...base, "--subject", "News", "--text", "Hi", ...common]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("has no postal address");
    expect(none.stderr).toContain("--postal-address");

    // A template the engine refuses: the address given with it is not kept either.
    const typo = await cli([
      ...base,
      "--subject",
      "Hi {{firstName}}",
      "--text",
      "Hi",
      "--postal-address",
      ADDRESS,
      ...common,
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown merge field "firstName"');
    expect(await client.segments.list()).toEqual([]);
    expect(await client.campaigns.list()).toEqual([]);
    const reopened = await createPrecinct({ database: db().url, organization: client.organization.slug });
    expect(reopened.organization.postalAddress ?? null).toBeNull();
    await reopened.close();

    const badSender = await cli([
      ...base,
      "--subject",
      "News",
      "--text",
      "Hi",
      "--sender",
      "not an address",
      "--postal-address",
      ADDRESS,
      ...common,
    ]);
    expect(badSender.code).toBe(1);
    expect(badSender.stderr).toContain("sender");

    const ok = await cli([
      ...base,
      "--subject",
      "News",
      "--text",
      "Hi",
      "--postal-address",
      ADDRESS,
      ...common,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`saved the organization's postal address "${ADDRESS}"`);
    // Once saved, later campaigns need no --postal-address.
    const later = await cli([...base, "--name", "More news", "--subject", "News", "--text", "Hi", ...common]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).not.toContain("postal address");
  });

  it("names each missing email variable (exit 1), refuses the wrong transport option (exit 2), launches nothing", async () => {
    const client = await db().client();
    const listId = await subscribersList(client, PEOPLE.slice(0, 2));
    const common = ["--db", db().url, "--org", client.organization.slug];
    const id = (
      await cli([
        "campaign",
        "create",
        "--channel",
        "email",
        "--name",
        "Real",
        "--list",
        listId,
        "--subject",
        SUBJECT,
        "--text",
        TEXT,
        "--postal-address",
        ADDRESS,
        ...common,
      ])
    ).stdout.trim();
    const without = (name: keyof typeof EMAIL_ENV) => {
      const env: Record<string, string> = { ...EMAIL_ENV };
      delete env[name];
      return env;
    };
    const cases: [Record<string, string>, string][] = [
      [without("SENDGRID_API_KEY"), "SENDGRID_API_KEY is not set"],
      [{ ...EMAIL_ENV, SENDGRID_API_KEY: "not-a-key" }, "SENDGRID_API_KEY"],
      [{ ...EMAIL_ENV, SENDGRID_API_BASE_URL: "not a url" }, "SENDGRID_API_BASE_URL"],
      [{ ...EMAIL_ENV, SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY: "not-a-key" }, "SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY"],
      [without("PRECINCT_PUBLIC_URL"), "PRECINCT_PUBLIC_URL is not set"],
      [{ ...EMAIL_ENV, PRECINCT_PUBLIC_URL: "http://organize.example.org" }, "must be an https URL"],
      [without("PRECINCT_UNSUBSCRIBE_SECRET"), "PRECINCT_UNSUBSCRIBE_SECRET is not set"],
      [{ ...EMAIL_ENV, PRECINCT_UNSUBSCRIBE_SECRET: "short" }, "at least 32 characters"],
      [{ ...EMAIL_ENV, PRECINCT_EMAIL_FROM: "nobody" }, "PRECINCT_EMAIL_FROM must be"],
      [without("PRECINCT_EMAIL_FROM"), "PRECINCT_EMAIL_FROM is not set"],
    ];
    for (const [env, message] of cases) {
      const result = await cli(["campaign", "send", id, ...common], { env, clock: NOON_IN_NC });
      expect(result.code, JSON.stringify(env)).toBe(1);
      expect(result.stderr).toContain(message);
    }
    const missingKey = await cli(["campaign", "send", id, ...common], { env: {}, clock: NOON_IN_NC });
    expect(missingKey.stderr).toContain("--email-transport fake");

    const wrong = await cli(["campaign", "send", id, "--transport", "fake", ...common]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("is an email campaign: use --email-transport");
    expect((await client.campaigns.require(id)).status).toBe("draft");

    const text = await cli([
      "campaign",
      "create",
      "--name",
      "Text",
      "--list",
      listId,
      "--body",
      "Hi",
      ...common,
    ]);
    const sms = await cli(["campaign", "send", text.stdout.trim(), "--email-transport", "fake", ...common]);
    expect(sms.code).toBe(2);
    expect(sms.stderr).toContain("--email-transport is for email campaigns");
  });

  it("sends through SendGrid's API in one request, then counts bounces, complaints, unsubscribes, opens and clicks", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const listId = await subscribersList(client, PEOPLE);
    const common = ["--db", db().url, "--org", org];
    const id = (
      await cli([
        "campaign",
        "create",
        "--channel",
        "email",
        "--name",
        "Canvass kickoff",
        "--list",
        listId,
        "--subject",
        SUBJECT,
        "--html",
        HTML,
        "--text",
        TEXT,
        "--postal-address",
        ADDRESS,
        ...common,
      ])
    ).stdout.trim();
    const imitation = createSendGridImitation({
      apiKey: API_KEY,
      webhookUrl: `${PUBLIC_URL}/webhooks/email/events`,
    });
    const api = await startSendGridImitationServer(imitation);
    try {
      const result = await cli(["campaign", "send", id, ...common, "--json"], {
        env: { ...EMAIL_ENV, SENDGRID_API_BASE_URL: api.url },
        clock: NOON_IN_NC,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json()).toMatchObject({
        transport: "sendgrid",
        status: "completed",
        drain: { sent: 3 },
        simulatedDeliveries: null,
      });
      // Three personalized emails, one request: the content is shared, each recipient has their values.
      expect(imitation.sendRequestCount).toBe(1);
      expect(imitation.messages.map((m) => m.to.email).sort()).toEqual([
        "ana.r@example.org",
        "ben.o@example.org",
        "cruz.d@example.org",
      ]);
      const ana = imitation.messages.find((m) => m.to.email === "ana.r@example.org")!;
      expect(ana.subject).toBe("Ana, the canvass starts Saturday");
      expect(ana.from).toEqual({ email: "team@example.org", name: "Durham Neighbors" });
      expect(ana.text).toContain(ADDRESS);
      expect(ana.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      const link = ana.headers["List-Unsubscribe"]!.slice(1, -1);
      expect(link.startsWith(`${PUBLIC_URL}/webhooks/email/unsubscribe?t=`)).toBe(true);
      expect(readUnsubscribeToken(SECRET, new URL(link).searchParams.get("t")!)).toMatchObject({
        email: "ana.r@example.org",
        campaignId: id,
      });

      // What SendGrid reports back, and a one-click unsubscribe, through the router "precinct serve" runs.
      const receiver = await createPrecinct({
        database: db().url,
        organization: org,
        plugins: {
          email: createSendGrid({ apiKey: API_KEY, baseUrl: api.url }).email({
            eventWebhookPublicKey: imitation.eventWebhookPublicKey,
          }),
        },
        email: { publicUrl: PUBLIC_URL, unsubscribeSecret: SECRET },
      });
      try {
        const router = receiver.webhooks({ publicUrl: PUBLIC_URL });
        const to = (email: string) => imitation.messages.find((m) => m.to.email === email)!;
        const webhook = imitation.eventWebhook([
          imitation.event(to("ana.r@example.org"), "delivered"),
          imitation.event(to("cruz.d@example.org"), "delivered"),
          imitation.event(to("ben.o@example.org"), "bounce", {
            bounceType: "bounce",
            reason: "550 no such user",
          }),
          imitation.event(to("ana.r@example.org"), "open"),
          imitation.event(to("ana.r@example.org"), "open"),
          imitation.event(to("ana.r@example.org"), "click", { url: "https://example.org/rsvp" }),
          imitation.event(to("cruz.d@example.org"), "spamreport"),
        ]);
        expect((await router.handle(webhook.request)).status).toBe(200);
        const oneClick = await router.handle(
          new Request(link, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "List-Unsubscribe=One-Click",
          }),
        );
        expect(oneClick.status).toBe(200);
      } finally {
        await receiver.close();
      }

      const status = await cli(["campaign", "status", id, ...common, "--json"]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.json()).toMatchObject({
        sent: 3,
        delivered: 2,
        bounced: 1,
        hardBounces: 1,
        complaints: 1,
        unsubscribes: 1,
        opens: 2,
        uniqueOpens: 1,
        clicks: 1,
        uniqueClicks: 1,
      });
      const table = await cli(["campaign", "status", id, ...common]);
      expect(table.stdout).toMatch(/^ {2}bounced\s+1$/m);
      expect(table.stdout).toMatch(/^ {2}spam complaints\s+1 \(33\.33% of sent\)$/m);
      expect(table.stdout).toMatch(/^ {2}opens\s+2 \(1 person\)$/m);
      // The bounced and complaining addresses are suppressed for good; the unsubscribe too.
      for (const address of ["ben.o@example.org", "cruz.d@example.org", "ana.r@example.org"]) {
        expect(await client.consent.isOptedOut("email", address), address).toBe(true);
      }
    } finally {
      await api.close();
    }
  });
});
