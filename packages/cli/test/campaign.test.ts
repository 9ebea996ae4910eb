import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct } from "@precinct/core";
import { createTwilioImitation, startTwilioImitationServer } from "@precinct/testing/http";
import { afterAll, describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { NC_VOTER_COLUMNS } from "../../voterfile/src/index.js";
import { ncVoterRow, writeNcFile } from "../../voterfile/test/nc-fixtures.js";
import { at, cli, NIGHT_IN_NC, NOON_IN_NC, recipientsList } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-cli-campaign-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNT_SID = `AC${"0123456789abcdef".repeat(2)}`;
const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: "test-auth-token",
  TWILIO_FROM_NUMBER: "+15550100000",
};

/** Five people: three opted in, one not, one without a phone. */
const AUDIENCE = [
  { givenName: "Ana", familyName: "Rivera", phone: "+19195550101", optedIn: true },
  { givenName: "Ben", familyName: "Cole", phone: "+19195550102", optedIn: true },
  { givenName: "Cruz", familyName: "Diaz", phone: "+19195550103", optedIn: true },
  { givenName: "Dana", familyName: "Park", phone: "+19195550104" },
  { givenName: "Eli", familyName: "Moss" },
];

const BODY = "Hi {{givenName|friend}}, early voting starts Thursday at the library. Reply STOP to opt out.";

describe("precinct campaign (no database)", () => {
  it("prints help, and refuses usage mistakes with exit 2", async () => {
    const help = await cli(["campaign", "--help"]);
    expect(help.code).toBe(0);
    for (const option of ["--segment <id>", "--where <json>", "--transport <twilio|fake>", "--quiet-start"]) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain("TWILIO_MESSAGING_SERVICE_SID");
    expect((await cli(["--help"])).stdout).toContain("campaign send <id>");

    const cases: [string[], string][] = [
      [["campaign", "create", "--name", "x", "--body", "hi"], "give exactly one audience"],
      [
        ["campaign", "create", "--name", "x", "--body", "hi", "--list", "a", "--segment", "b"],
        "exactly one audience",
      ],
      [
        ["campaign", "create", "--name", "x", "--body", "hi", "--list", "a", "--mode", "robo"],
        "--mode must be",
      ],
      [
        ["campaign", "create", "--name", "x", "--body", "hi", "--list", "a", "--quiet-start", "25:00"],
        "HH:MM",
      ],
      [
        ["campaign", "create", "--name", "x", "--body", "hi", "--list", "a", "--frequency-cap", "0"],
        "--frequency-cap",
      ],
      [["campaign", "create", "--name", "x", "--body", "hi", "--where", "P1"], "--where takes a JSON filter"],
      [
        ["campaign", "create", "--name", "x", "--body", "hi", "--list", "a", "--transport", "fake"],
        "does not go with",
      ],
      [["campaign", "send"], "exactly one campaign <id>"],
      [["campaign", "send", "c1", "--transport", "pigeon"], "--transport must be twilio or fake"],
      [["campaign", "send", "c1", "--public-url", "organize.example.org"], "--public-url must be"],
      [["campaign", "launch", "c1"], "expected create"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});

forEachDatabase("precinct campaign", (db) => {
  it("creates, previews, sends a blast with the fake carrier and reports it", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const listId = await recipientsList(client, AUDIENCE);
    const common = ["--db", db().url, "--org", org];

    const created = await cli([
      "campaign",
      "create",
      "--name",
      "Early vote reminder",
      "--list",
      listId,
      "--body",
      BODY,
      "--mode",
      "blast",
      ...common,
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const campaign = created.json();
    expect(campaign).toMatchObject({ name: "Early vote reminder", mode: "blast", status: "draft" });
    expect((await client.campaigns.require(campaign.id)).policy.consent).toBe("opt_in_required");

    const preview = await cli(["campaign", "preview", campaign.id, "--limit", "2", ...common, "--json"]);
    expect(preview.code, preview.stderr).toBe(0);
    const shown = preview.json();
    expect(shown.estimate).toMatchObject({
      audience: 5,
      encoding: "GSM-7",
      segmentsPerMessage: 1,
      estimatedSegments: 5,
    });
    expect(shown.estimate.estimatedCost.amount).toBeCloseTo(5 * shown.estimate.estimatedCost.perSegment, 2);
    expect(shown.messages).toHaveLength(2);
    const [first] = shown.messages;
    expect(first.body).toBe(BODY.replace("{{givenName|friend}}", first.name.split(" ")[0]));
    expect(first).toMatchObject({ segments: 1, encoding: "GSM-7", missing: [] });
    const previewText = await cli(["campaign", "preview", campaign.id, ...common]);
    expect(previewText.stdout).toMatch(/audience\s+5/);
    expect(previewText.stdout).toContain("early voting starts Thursday");

    const sent = await cli(["campaign", "send", campaign.id, "--transport", "fake", ...common, "--json"], {
      clock: NOON_IN_NC,
    });
    expect(sent.code, sent.stderr).toBe(0);
    const result = sent.json();
    expect(result).toMatchObject({
      id: campaign.id,
      transport: "fake",
      status: "completed",
      launch: { audience: 5, queued: 3, waiting: 0, blocked: { no_consent: 1 }, noPhone: 1 },
      drain: { sent: 3, blocked: 0, waiting: 0, failed: 0 },
      campaignSent: 3,
      simulatedDeliveries: 3,
      notYetSent: [],
    });
    const outbox = await client.outbox.list({ campaignId: campaign.id, state: "sent" });
    expect(outbox.map((row) => row.contactPoint).sort()).toEqual([
      "+19195550101",
      "+19195550102",
      "+19195550103",
    ]);

    // A reply arrives after the send: it counts as a reply and an opt-out of this campaign.
    await client.texting.receive({
      providerId: "SMreply000001",
      from: "+19195550102",
      to: "+15550100000",
      body: "STOP",
      receivedAt: NOON_IN_NC(),
      raw: {},
    });

    const status = await cli(["campaign", "status", campaign.id, ...common, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const report = await client.campaigns.report(campaign.id);
    expect(status.json()).toMatchObject({
      status: "completed",
      sent: 3,
      delivered: 3,
      undeliveredOrFailed: 0,
      blockedTotal: 1,
      blocked: { no_consent: 1 },
      waiting: 0,
      replies: report.replies,
      optOuts: report.optOuts,
      segments: 3,
    });
    expect(report.replies).toBe(1);
    expect(report.optOuts).toBe(1);
    const table = await cli(["campaign", "status", campaign.id, ...common]);
    expect(table.stdout).toMatch(/^ {2}sent\s+3$/m);
    expect(table.stdout).toMatch(/^ {2}delivered\s+3$/m);
    expect(table.stdout).toMatch(/^ {4}no consent\s+1$/m);
    expect(table.stdout).toMatch(/^ {2}opt-outs\s+1$/m);

    // Sending a completed campaign again is refused: nothing is left to send.
    const again = await cli(["campaign", "send", campaign.id, "--transport", "fake", ...common]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("completed");
  });

  it("says clearly that the fake carrier sent nothing real, and reports texts waiting for quiet hours", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const listId = await recipientsList(client, AUDIENCE.slice(0, 3));
    const common = ["--db", db().url, "--org", org];
    const id = (
      await cli([
        "campaign",
        "create",
        "--name",
        "Late",
        "--list",
        listId,
        "--body",
        BODY,
        "--mode",
        "blast",
        ...common,
      ])
    ).stdout.trim();

    const night = await cli(["campaign", "send", id, "--transport", "fake", ...common, "--json"], {
      clock: NIGHT_IN_NC,
    });
    expect(night.code, night.stderr).toBe(0);
    expect(night.json()).toMatchObject({
      status: "running",
      launch: { queued: 0, waiting: 3 },
      drain: { sent: 0 },
      notYetSent: [
        {
          state: "waiting",
          reason: "quiet_hours",
          count: 3,
          // 08:00 the next morning in North Carolina.
          sendAfter: "2026-11-19T13:00:00.000Z",
          timeZone: "America/New_York",
        },
      ],
    });

    const morning = at("2026-11-19T13:05:00.000Z");
    const text = await cli(["campaign", "send", id, "--transport", "fake", ...common], { clock: morning });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^FAKE TRANSPORT: nothing real is sent/m);
    expect(text.stdout).toContain("was already launched");
    expect(text.stdout).toContain("Sent 3 with the fake carrier");
    expect(text.stdout).toContain("The campaign is completed");
    expect((await client.campaigns.report(id)).sent).toBe(3);
  });

  it("prints the waiting time in the recipient's time zone in text mode", async () => {
    const client = await db().client();
    const listId = await recipientsList(client, AUDIENCE.slice(0, 1));
    const common = ["--db", db().url, "--org", client.organization.slug];
    const id = (
      await cli([
        "campaign",
        "create",
        "--name",
        "Night",
        "--list",
        listId,
        "--body",
        BODY,
        "--mode",
        "blast",
        ...common,
      ])
    ).stdout.trim();
    const night = await cli(["campaign", "send", id, "--transport", "fake", ...common], {
      clock: NIGHT_IN_NC,
    });
    expect(night.code, night.stderr).toBe(0);
    expect(night.stdout).toMatch(/Launched "Night" \(blast\): audience 1; queued 0, waiting 1/);
    expect(night.stdout).toContain("1 waiting (quiet hours), to go at 2026-11-19 08:00 America/New_York");
  });

  it("saves a --where filter as a segment named after the campaign; a P2P send only launches", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const common = ["--db", db().url, "--org", org];
    const file = writeNcFile(join(dir, `ncvoter-${db().name}-${org}.txt`), NC_VOTER_COLUMNS, [
      ncVoterRow({
        ncid: "CC1",
        last_name: "RIVERA",
        first_name: "ANA",
        full_phone_number: "9195550111",
        precinct_abbrv: "P1",
      }),
      ncVoterRow({
        ncid: "CC2",
        last_name: "COLE",
        first_name: "BEN",
        full_phone_number: "9195550112",
        precinct_abbrv: "P1",
      }),
      ncVoterRow({
        ncid: "CC3",
        last_name: "DIAZ",
        first_name: "CRUZ",
        full_phone_number: "9195550113",
        precinct_abbrv: "P2",
      }),
    ]);
    expect((await cli(["import", file, ...common])).code).toBe(0);

    const created = await cli([
      "campaign",
      "create",
      "--name",
      "P1 canvass follow-up",
      "--where",
      '{"precinct":["P1"]}',
      "--body",
      "Hi {{givenName}}, this is {{texterName|a volunteer}} with {{organization}}.",
      "--frequency-cap",
      "2",
      "--quiet-start",
      "9:00",
      "--quiet-end",
      "20:00",
      ...common,
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const campaign = created.json();
    expect(campaign).toMatchObject({ mode: "p2p", status: "draft" });
    const segment = await client.segments.get(campaign.audience.segmentId);
    expect(segment).toMatchObject({ name: "P1 canvass follow-up", filter: { precinct: ["P1"] } });
    expect((await client.campaigns.require(campaign.id)).policy).toMatchObject({
      consent: "not_opted_out",
      frequencyCapPer24h: 2,
      quietHours: { start: "09:00", end: "20:00" },
    });

    const sent = await cli(["campaign", "send", campaign.id, "--transport", "fake", ...common, "--json"], {
      clock: NOON_IN_NC,
    });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json()).toMatchObject({
      mode: "p2p",
      status: "running",
      launch: { audience: 2, queued: 2 },
      drain: null,
      simulatedDeliveries: null,
    });
    expect(await client.outbox.counts({ campaignId: campaign.id })).toEqual({ unassigned: 2 });
    const text = await cli(["campaign", "status", campaign.id, ...common]);
    expect(text.stdout).toMatch(/with texters\s+2/);
  });

  it("reports an unknown merge field with the core message (field and position), exit 1, no segment left", async () => {
    const client = await db().client();
    const common = ["--db", db().url, "--org", client.organization.slug];
    const result = await cli([
      "campaign",
      "create",
      "--name",
      "Typo",
      "--where",
      "{}",
      "--body",
      "Hi {{firstName}}, vote early!",
      ...common,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown merge field "firstName" at 1:4');
    expect(result.stderr).toContain('did you mean "givenName"');
    expect(result.stdout).toBe("");
    expect(await client.segments.list()).toEqual([]);
    expect(await client.campaigns.list()).toEqual([]);

    const blast = await cli([
      "campaign",
      "create",
      "--name",
      "No consent",
      "--where",
      "{}",
      "--body",
      "Hi",
      "--mode",
      "blast",
      "--consent",
      "not_opted_out",
      ...common,
    ]);
    expect(blast.code).toBe(1);
    expect(blast.stderr).toContain("prior express consent");
  });

  it("refuses the fake transport when other campaigns' texts are due (it would mark them as sent)", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const common = ["--db", db().url, "--org", org];
    const launcher = await createPrecinct({ database: db().url, organization: org, clock: NOON_IN_NC });
    try {
      const other = await launcher.campaigns.create({
        name: "Real blast",
        channel: "sms",
        mode: "blast",
        audience: { listId: await recipientsList(launcher, AUDIENCE.slice(0, 2)) },
        template: { body: BODY },
      });
      expect(await launcher.campaigns.launch(other.id)).toMatchObject({ queued: 2 });
    } finally {
      await launcher.close();
    }
    const listId = await recipientsList(client, AUDIENCE.slice(2, 3));
    const id = (
      await cli([
        "campaign",
        "create",
        "--name",
        "Try",
        "--list",
        listId,
        "--body",
        BODY,
        "--mode",
        "blast",
        ...common,
      ])
    ).stdout.trim();
    const result = await cli(["campaign", "send", id, "--transport", "fake", ...common], {
      clock: NOON_IN_NC,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("would also take 2 texts of other running campaigns");
    expect((await client.campaigns.require(id)).status).toBe("draft");
    expect(await client.outbox.counts()).toEqual({ pending: 2 });
  });

  it("names the missing Twilio variable (exit 1) and launches nothing", async () => {
    const client = await db().client();
    const listId = await recipientsList(client, AUDIENCE.slice(0, 2));
    const common = ["--db", db().url, "--org", client.organization.slug];
    const id = (
      await cli([
        "campaign",
        "create",
        "--name",
        "Real",
        "--list",
        listId,
        "--body",
        BODY,
        "--mode",
        "blast",
        ...common,
      ])
    ).stdout.trim();
    const missing: [Record<string, string>, string][] = [
      [{}, "TWILIO_ACCOUNT_SID"],
      [{ TWILIO_ACCOUNT_SID: ACCOUNT_SID }, "TWILIO_AUTH_TOKEN"],
      [
        { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: "t" },
        "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER",
      ],
      [{ ...TWILIO_ENV, TWILIO_ACCOUNT_SID: "AC123" }, "TWILIO_ACCOUNT_SID"],
      [{ ...TWILIO_ENV, TWILIO_FROM_NUMBER: "919-555" }, "TWILIO_FROM_NUMBER"],
      [{ ...TWILIO_ENV, TWILIO_API_BASE_URL: "not a url" }, "TWILIO_API_BASE_URL"],
    ];
    for (const [env, variable] of missing) {
      const result = await cli(["campaign", "send", id, ...common], { env, clock: NOON_IN_NC });
      expect(result.code, JSON.stringify(env)).toBe(1);
      expect(result.stderr).toContain(variable);
    }
    expect((await client.campaigns.require(id)).status).toBe("draft");
  });

  it("sends through the Twilio API (TWILIO_API_BASE_URL) with the public status callback URL", async () => {
    const client = await db().client();
    const listId = await recipientsList(client, AUDIENCE.slice(0, 2));
    const common = ["--db", db().url, "--org", client.organization.slug];
    const id = (
      await cli([
        "campaign",
        "create",
        "--name",
        "Real",
        "--list",
        listId,
        "--body",
        BODY,
        "--mode",
        "blast",
        ...common,
      ])
    ).stdout.trim();
    const imitation = createTwilioImitation({
      accountSid: ACCOUNT_SID,
      authToken: TWILIO_ENV.TWILIO_AUTH_TOKEN,
    });
    const api = await startTwilioImitationServer(imitation);
    try {
      const result = await cli(
        ["campaign", "send", id, "--public-url", "https://organize.example.org", ...common, "--json"],
        { env: { ...TWILIO_ENV, TWILIO_API_BASE_URL: api.url }, clock: NOON_IN_NC },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.json()).toMatchObject({
        transport: "twilio",
        drain: { sent: 2 },
        simulatedDeliveries: null,
      });
      expect(imitation.sent.map((m) => m.params.To).sort()).toEqual(["+19195550101", "+19195550102"]);
      for (const message of imitation.sent) {
        expect(message.params).toMatchObject({
          From: "+15550100000",
          StatusCallback: "https://organize.example.org/webhooks/sms/status",
        });
      }
      const rows = await client.outbox.list({ campaignId: id, state: "sent" });
      expect(rows.map((row) => row.providerId).sort()).toEqual(imitation.sent.map((m) => m.sid).sort());
    } finally {
      await api.close();
    }
  });

  it("pauses, resumes and cancels; refuses a transition that cannot happen", async () => {
    const client = await db().client();
    const listId = await recipientsList(client, AUDIENCE.slice(0, 3));
    const common = ["--db", db().url, "--org", client.organization.slug];
    const id = (
      await cli(["campaign", "create", "--name", "P2P", "--list", listId, "--body", BODY, ...common])
    ).stdout.trim();

    const early = await cli(["campaign", "pause", id, ...common]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("draft");

    expect((await cli(["campaign", "send", id, "--transport", "fake", ...common])).code).toBe(0);
    const paused = await cli(["campaign", "pause", id, ...common, "--json"]);
    expect(paused.json()).toMatchObject({ id, status: "paused" });
    const blocked = await cli(["campaign", "send", id, "--transport", "fake", ...common]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`precinct campaign resume ${id}`);
    const resumed = await cli(["campaign", "resume", id, ...common]);
    expect(resumed.stdout).toContain("is now running");
    const canceled = await cli(["campaign", "cancel", id, ...common, "--json"]);
    expect(canceled.json()).toMatchObject({ status: "canceled", canceled: 3 });
    expect((await client.campaigns.require(id)).status).toBe("canceled");
    const unknown = await cli(["campaign", "status", "no-such-campaign", ...common]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no-such-campaign");
  });
});
