import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct } from "@precinct/core";
import { createFakeVoice } from "@precinct/testing";
import { afterAll, describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { cli, recipientsList } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-cli-phonebank-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Wednesday 2026-11-18, 18:00 in North Carolina: inside the calling window. */
const EVENING = () => new Date("2026-11-18T23:00:00.000Z");

const AUDIENCE = [
  { givenName: "Ana", familyName: "Rivera", phone: "+19195550101" },
  { givenName: "Ben", familyName: "Cole", phone: "+19195550102" },
  { givenName: "Cruz", familyName: "Diaz", phone: "+19195550103" },
  { givenName: "Eli", familyName: "Moss" },
];

describe("precinct phonebank (no database)", () => {
  it("prints help, and refuses usage mistakes with exit 2", async () => {
    const help = await cli(["phonebank", "--help"]);
    expect(help.code).toBe(0);
    for (const option of [
      "--allow-predictive",
      "--consent <policy>",
      "--caller-id <number>",
      "--question <id>",
    ]) {
      expect(help.stdout).toContain(option);
    }
    expect((await cli(["--help"])).stdout).toContain("phonebank export <id>");
    const base = ["phonebank", "create", "--name", "x", "--list", "l", "--caller-id", "+19195550100"];
    const cases: [string[], string][] = [
      [[...base, "--consent", "not_opted_out"], "--mode must be"],
      [[...base, "--mode", "robo", "--consent", "not_opted_out"], "--mode must be"],
      [[...base, "--mode", "predictive", "--consent", "not_opted_out"], "--allow-predictive"],
      [[...base, "--mode", "power"], "--consent must be"],
      [
        ["phonebank", "create", "--name", "x", "--mode", "power", "--consent", "not_opted_out"],
        "exactly one call list",
      ],
      [[...base, "--mode", "power", "--consent", "not_opted_out", "--ring-seconds", "10"], "--ring-seconds"],
      [[...base, "--mode", "power", "--consent", "not_opted_out", "--out", "x.csv"], "does not go with"],
      [["phonebank", "status"], "exactly one phone bank <id>"],
      [["phonebank", "export", "pb1", "--json"], "--json goes with --out"],
      [["phonebank", "dial", "pb1"], "expected create, status or export"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});

forEachDatabase("precinct phonebank", (db) => {
  it("creates a phone bank with its call list, reports it, and exports its calls", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const listId = await recipientsList(client, AUDIENCE);
    await client.consent.record({
      channel: "voice",
      contactPoint: "+19195550102",
      kind: "opt_out",
      source: "manual",
    });
    const question = await client.surveyQuestions.create({
      prompt: "Can we count on your vote?",
      kind: "single_choice",
      responses: [
        { key: "yes", label: "Yes" },
        { key: "no", label: "No" },
      ],
    });
    const common = ["--db", db().url, "--org", org];

    const created = await cli(
      [
        "phonebank",
        "create",
        "--name",
        "GOTV calls",
        "--list",
        listId,
        "--mode",
        "preview",
        "--consent",
        "not_opted_out",
        "--caller-id",
        "+19195550100",
        "--script",
        "Hi {{givenName|there}}, this is {{texterName|a volunteer}} with {{organization}}.",
        "--question",
        question.id,
        "--max-attempts",
        "2",
        ...common,
        "--json",
      ],
      { clock: EVENING },
    );
    expect(created.code, created.stderr).toBe(0);
    const bank = created.json();
    expect(bank).toMatchObject({
      name: "GOTV calls",
      mode: "preview",
      status: "running",
      callList: { audience: 4, queued: 2, blocked: { do_not_call: 1 }, noPhone: 1, duplicatePhone: 0 },
    });
    const stored = await client.phonebanks.require(bank.id);
    expect(stored.settings.maxAttempts).toBe(2);
    expect(stored.questions.map((q) => q.id)).toEqual([question.id]);

    const text = await cli(
      [
        "phonebank",
        "create",
        "--name",
        "Draft calls",
        "--list",
        listId,
        "--mode",
        "power",
        "--consent",
        "opt_in_required",
        "--caller-id",
        "+19195550100",
        "--draft",
        ...common,
      ],
      { clock: EVENING },
    );
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    expect(text.stderr).toContain("draft: no call list yet");

    // A volunteer works the list through the engine, as an app would, with the fake voice provider.
    const voice = createFakeVoice({ outcomes: { answered: 1 }, now: EVENING });
    const app = await createPrecinct({
      database: db().url,
      organization: org,
      plugins: { voice },
      clock: EVENING,
      phonebanks: { publicUrl: "https://organize.test" },
    });
    try {
      const volunteer = await app.people.upsert({ givenName: "Jordan", familyName: "Caller" });
      const session = await app.phonebanks.join(bank.id, volunteer.person.id, {
        via: "phone",
        phone: "+19195553000",
      });
      await app.phonebanks.answer({ sessionId: session.id });
      for (let i = 0; i < 2; i++) {
        const next = await app.phonebanks.next(session.id);
        if (next.status !== "contact") throw new Error("expected a contact");
        const dialed = await app.phonebanks.dial(session.id);
        if (dialed.status !== "contact") throw new Error("expected a call");
        const call = voice.calls.at(-1)!;
        await app.phonebanks.answer({ callId: dialed.next.callId });
        for (const update of voice.progress(call.providerId)) {
          await app.phonebanks.callStatus(update, { callId: dialed.next.callId });
        }
        await app.phonebanks.record(
          session.id,
          i === 0
            ? {
                responses: [{ questionId: question.id, value: "yes" }],
                notes: "=1+1 wants a yard sign, call back",
              }
            : { resultCode: "wrong_number" },
        );
      }
    } finally {
      await app.close();
    }

    const status = await cli(["phonebank", "status", bank.id, ...common, "--json"], { clock: EVENING });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({
      id: bank.id,
      contacts: { done: 2, blocked: 1 },
      blocked: { do_not_call: 1 },
      results: { contacted: 1, wrong_number: 1 },
      calls: 2,
      abandonment: { answered: 2, abandoned: 0, rate: 0 },
      surveyResponses: 1,
    });
    const table = await cli(["phonebank", "status", bank.id, ...common], { clock: EVENING });
    expect(table.stdout).toMatch(/^ {2}calls\s+2$/m);
    expect(table.stdout).toMatch(/^ {6}do not call\s+1$/m);
    expect(table.stdout).toContain("0 (0.0%, the cap is 3%)");

    const exported = await cli(["phonebank", "export", bank.id, ...common], { clock: EVENING });
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "call_id,attempt,phone,person_id,given_name,family_name,volunteer_id,started_at,answered_at,ended_at,status,answered_by,disposition,abandoned,duration_seconds,responses,notes",
    );
    expect(lines).toHaveLength(3);
    const contacted = lines.find((line) => line.includes(",contacted,"))!;
    expect(contacted).toContain(`${question.id}=yes`);
    // A note that starts like a formula stays text in a spreadsheet.
    expect(contacted).toContain(`"'=1+1 wants a yard sign, call back"`);
    expect(lines.some((line) => line.includes(",wrong_number,"))).toBe(true);

    const out = join(dir, "calls.csv");
    const toFile = await cli(["phonebank", "export", bank.id, "--out", out, ...common, "--json"], {
      clock: EVENING,
    });
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.json()).toEqual({ id: bank.id, rows: 2, out });
    expect(readFileSync(out, "utf8")).toBe(exported.stdout);

    const missing = await cli(["phonebank", "status", "no-such-bank", ...common]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no-such-bank");
  });
});
