import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrecinct } from "@precinct/core";
import { afterAll, describe, expect, it } from "vitest";
import { runWalkthrough } from "../src/walkthrough.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-walkthrough-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the README walkthrough", () => {
  it("runs the text and the email campaign and reports what the webhooks changed", async () => {
    const database = join(dir, "demo.db");
    const lines: string[] = [];
    const { text, email } = await runWalkthrough({ database, log: (line) => lines.push(line) });

    // Texts: the P2P campaign went out, people answered, the gate and the router did their jobs.
    expect(text.sent).toBeGreaterThan(100);
    // Delivery reports come for the first messages (the replies go out at the end).
    expect(text.delivered).toBeGreaterThan(0);
    expect(text.delivered + text.undelivered).toBeLessThan(text.sent);
    expect(text.undelivered).toBeGreaterThan(0);
    expect(text.blocked.opted_out).toBe(1);
    expect(text.blocked.landline).toBeGreaterThan(0);
    expect(text.replies).toBeGreaterThan(0);
    expect(text.optOuts).toBeGreaterThan(0);
    expect(text.yesAnswers).toBeGreaterThan(0);
    expect(text.forgedStatus).toBe(403);

    // Email: 30 sign-ups, three without an opt-in and one who had unsubscribed; the rest in one request.
    expect(email).toEqual({
      sent: 26,
      requests: 1,
      delivered: 25,
      bounced: 1,
      blocked: { no_consent: 3, opted_out: 1 },
      complaints: 1,
      unsubscribes: 1,
      opens: 1,
      clicks: 1,
      forgedStatus: 403,
    });
    expect(lines.some((line) => line.startsWith('4. Email "Early vote weekend": 30 sign-ups, 26 sent'))).toBe(
      true,
    );

    // What the events left in the database: the bounced, complaining and leaving addresses are
    // suppressed for good, and every email carried the postal address and a one-click link.
    const precinct = await createPrecinct({ database, organization: "eastside-neighbors" });
    try {
      const [campaign] = await precinct.campaigns.list({ where: { channel: "email" } });
      const messages = await precinct.messages.list({ where: { campaignId: campaign!.id }, limit: 100 });
      expect(messages).toHaveLength(26);
      for (const message of messages) {
        expect(message.body).toContain("PO Box 1000, Durham, NC 27701");
        expect(message.body).toContain("https://organize.example.org/webhooks/email/unsubscribe?t=");
      }
      const statuses = await precinct.consent.statuses(
        "email",
        messages.map((message) => message.to),
      );
      const left = statuses.filter((status) => status.status === "opted_out");
      expect(left.map((status) => status.lastEvent?.source).sort()).toEqual([
        "provider_report",
        "provider_report",
        "unsubscribe_link",
      ]);
    } finally {
      await precinct.close();
    }
  });
});
