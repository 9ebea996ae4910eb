/**
 * The Precinct walkthrough (`pnpm demo`): imports a synthetic county voter file, builds a segment, runs a
 * P2P text campaign against the fake carrier and an email campaign against the fake email provider,
 * with replies, delivery reports and email events arriving as signed webhooks, and prints the results.
 * Nothing real is sent. The steps are in `walkthrough.ts`.
 *
 * It writes `precinct-demo.db` in this folder and removes it first, so every run starts clean.
 */
import { rmSync } from "node:fs";
import { runWalkthrough } from "./walkthrough.js";

const DATABASE = new URL("../precinct-demo.db", import.meta.url).pathname;
for (const suffix of ["", "-wal", "-shm"]) rmSync(DATABASE + suffix, { force: true });

const { text, email } = await runWalkthrough({ database: DATABASE });

// Text and email side by side; a blank where a number does not apply to the channel.
const reasons = [...new Set([...Object.keys(text.blocked), ...Object.keys(email.blocked)])].sort();
console.log("\n5. Results");
console.table({
  sent: { text: text.sent, email: email.sent },
  delivered: { text: text.delivered, email: email.delivered },
  "undelivered / bounced": { text: text.undelivered, email: email.bounced },
  ...Object.fromEntries(
    reasons.map((reason) => [
      `blocked: ${reason}`,
      { text: text.blocked[reason] ?? 0, email: email.blocked[reason] ?? 0 },
    ]),
  ),
  replies: { text: text.replies },
  "opt-outs / unsubscribes": { text: text.optOuts, email: email.unsubscribes },
  "spam complaints": { email: email.complaints },
  opens: { email: email.opens },
  clicks: { email: email.clicks },
  '"yes" answers recorded': { text: text.yesAnswers },
  "segments billed / provider requests": { text: text.segments, email: email.requests },
});
