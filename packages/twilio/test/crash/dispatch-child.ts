/**
 * The process the crash test kills: it opens the database, builds the real Twilio transport against the
 * local Twilio imitation, and sends the running campaign until nothing is left, then exits 0.
 * Arguments: <database file> <imitation url> <account sid> <auth token> <clock offset in ms> <thread|main>
 * (whether the transport sends on its send thread).
 */
import { createPrecinct } from "@precinct/core";
import { createTwilio } from "@precinct/twilio";

const [database, baseUrl, accountSid, authToken, offset, thread] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const sms = createTwilio({ accountSid, authToken, baseUrl }).sms({
  from: "+15550100000",
  sendThread: thread === "thread",
});
const precinct = await createPrecinct({
  database,
  organization: "crash-test",
  plugins: { sms },
  clock: () => new Date(Date.now() + Number(offset)),
  // A short lease so the next process recovers what this one had in flight without waiting long.
  dispatcher: { rateLimits: false, concurrency: 6, leaseMs: 1500, pollMs: 100 },
});
process.stdout.write("ready\n");
const dispatcher = precinct.dispatcher();
let recovered = 0;
for (;;) {
  recovered += (await dispatcher.drain()).recovered;
  const open = await precinct.outbox.counts();
  if (!open.pending && !open.waiting && !open.sending) break;
  // Rows another (killed) process left `sending` wait for their lease to run out.
  await new Promise((resolve) => setTimeout(resolve, 200));
}
await precinct.close();
process.stdout.write(`recovered ${recovered}\ndone\n`);
