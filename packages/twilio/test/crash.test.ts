import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPrecinct } from "@precinct/core";
import { createTwilioImitation, startTwilioImitationServer } from "@precinct/testing/http";
import { afterAll, describe, expect, it } from "vitest";

const ACCOUNT_SID = `AC${"c".repeat(32)}`;
const AUTH_TOKEN = "crash-test-token";
const RECIPIENTS = 300;
const child = fileURLToPath(new URL("./crash/dispatch-child.ts", import.meta.url));
const tsconfig = fileURLToPath(new URL("../tsconfig.check.json", import.meta.url));
// One process, not the tsx CLI (which runs the script in a grandchild that a kill would orphan).
const tsxLoader = import.meta.resolve("tsx");

/**
 * Kill the process at any moment and restart: nothing is sent twice and nothing is lost. A child process
 * runs the real dispatcher with the real Twilio adapter against a local Twilio imitation (which answers
 * after a delay, so requests are always in flight); the test SIGKILLs it three times mid-campaign, then
 * lets a last one finish, and checks what the "carrier" received. It runs with the transport's send thread
 * off and on: a kill takes the worker thread and its requests in flight with it.
 */
describe("crash safety: a dispatcher killed mid-campaign", () => {
  const dir = mkdtempSync(join(tmpdir(), "precinct-crash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    { thread: "off", sendThread: false },
    { thread: "on", sendThread: true },
  ])(
    "sends every message exactly once across kills and restarts (send thread $thread)",
    async ({ sendThread }) => {
      const database = join(dir, `crash-${sendThread ? "thread" : "main"}.db`);
      // Every process runs on one shifted clock that reads a Wednesday noon in North Carolina, so quiet
      // hours never hold the test up, while leases still expire in real time.
      const offset = new Date("2026-11-18T17:00:00.000Z").getTime() - Date.now();
      const imitation = createTwilioImitation({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        respondDelayMs: 15,
      });
      const server = await startTwilioImitationServer(imitation, { port: 0 });
      try {
        // The campaign: 300 opted-in people, launched (the outbox written) before any dispatcher runs.
        const setup = await createPrecinct({
          database,
          organization: { name: "Crash test", slug: "crash-test" },
          clock: () => new Date(Date.now() + offset),
        });
        const list = await setup.lists.create({ name: "everyone" });
        const phones: string[] = [];
        const ids: string[] = [];
        for (let i = 0; i < RECIPIENTS; i++) {
          const phone = `+1919555${String(1000 + i)}`;
          phones.push(phone);
          const { person } = await setup.people.upsert({
            givenName: `Crash${i}`,
            familyName: `Tester${i}`,
            phoneNumbers: [{ number: phone, primary: true }],
            postalAddresses: [
              {
                addressLines: ["1 Main St"],
                locality: "Durham",
                region: "NC",
                postalCode: "27701",
                primary: true,
              },
            ],
          });
          ids.push(person.id);
          await setup.consent.record({ channel: "sms", contactPoint: phone, kind: "opt_in", source: "form" });
        }
        await setup.lists.addMembers(list.id, ids);
        const campaign = await setup.campaigns.create({
          name: "Crash",
          channel: "sms",
          mode: "blast",
          audience: { listId: list.id },
          template: { body: "Hi {{givenName}}, early voting starts Thursday." },
        });
        await setup.campaigns.launch(campaign.id);
        expect(await setup.outbox.counts()).toEqual({ pending: RECIPIENTS });
        await setup.close();

        const start = (): ChildProcess =>
          spawn(
            process.execPath,
            [
              "--import",
              tsxLoader,
              child,
              database,
              server.url,
              ACCOUNT_SID,
              AUTH_TOKEN,
              String(offset),
              sendThread ? "thread" : "main",
            ],
            { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig } },
          );
        const received = () => imitation.messages.length;

        // Three kills, each after a few more messages reached the carrier.
        for (const threshold of [40, 110, 190]) {
          const proc = start();
          let stderr = "";
          proc.stderr?.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
          });
          const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
          const deadline = Date.now() + 60_000;
          while (received() < threshold && Date.now() < deadline) {
            if (proc.exitCode !== null) throw new Error(`child exited early (${proc.exitCode}): ${stderr}`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          expect(received(), stderr).toBeGreaterThanOrEqual(threshold);
          proc.kill("SIGKILL");
          await exited;
        }
        expect(received()).toBeLessThan(RECIPIENTS);

        // The last process finishes the campaign.
        const last = start();
        let out = "";
        let err = "";
        last.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
        });
        last.stderr?.on("data", (chunk: Buffer) => {
          err += chunk.toString();
        });
        const code = await new Promise<number | null>((resolve) => last.on("exit", (c) => resolve(c)));
        expect(code, err).toBe(0);
        expect(out).toContain("done");
        // The killed processes left messages in flight; the last one asked Twilio about them (findSent).
        expect(Number(/recovered (\d+)/.exec(out)?.[1])).toBeGreaterThan(0);

        const sentTo = imitation.messages.map((m) => String(m.params.To));
        const counts = new Map<string, number>();
        for (const to of sentTo) counts.set(to, (counts.get(to) ?? 0) + 1);
        const twice = [...counts].filter(([, n]) => n > 1);
        const missing = phones.filter((phone) => !counts.has(phone));
        expect(twice, "sent twice").toEqual([]);
        expect(missing, "never sent").toEqual([]);
        expect(sentTo).toHaveLength(RECIPIENTS);

        const check = await createPrecinct({ database, organization: "crash-test" });
        expect(await check.outbox.counts()).toEqual({ sent: RECIPIENTS });
        expect(await check.messages.count({ direction: "outbound" })).toBe(RECIPIENTS);
        await check.close();
      } finally {
        await server.close();
      }
    },
    180_000,
  );
});
