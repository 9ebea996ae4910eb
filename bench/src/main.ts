/**
 * `pnpm bench [import|rss|postgres|segment|match|texting|email ...] [--rows N] [--rss-rows N] [--people N]
 *   [--messages N] [--emails N] [--concurrency N] [--database sqlite|postgres] [--send-thread on|off]`
 *
 * Each benchmark measures a baseline in the same run and prints the ratio against its target. Generated
 * files and databases are cached in bench/.data (delete it to regenerate). Exits non-zero if a target fails.
 *
 * `--database postgres` runs `segment`, `texting` and `email` on the PostgreSQL server named by
 * `PRECINCT_BENCH_POSTGRES_URL` (or `PRECINCT_TEST_POSTGRES_URL`) instead of SQLite.
 *
 * `--send-thread off` runs `texting` with the Twilio transport's `messages.create` on the engine's own
 * thread instead of its send thread (`sms({ sendThread: true })`, the default here). The texting baseline is
 * a bare `messages.create` loop on an SDK client with the SDK's own HTTP client (only its origin rewritten to
 * the imitation server); the engine's transport uses Precinct's, and the loop is also run on that one and
 * printed for scale.
 */
import { parseArgs } from "node:util";
import { benchEmail } from "./email.js";
import { benchImportPostgres } from "./import-postgres.js";
import { benchImportRss, benchImportSqlite } from "./import-sqlite.js";
import { benchMatch } from "./match.js";
import { engineDatabase, requirePostgresUrl } from "./postgres.js";
import { benchSegment } from "./segment.js";
import { benchTexting } from "./texting.js";
import type { Result } from "./util.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: "string", default: "1000000" },
    "rss-rows": { type: "string", default: "5000000" },
    people: { type: "string", default: "100000" },
    messages: { type: "string", default: "50000" },
    emails: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "8" },
    database: { type: "string", default: "sqlite" },
    "send-thread": { type: "string", default: "on" },
  },
});
const rows = Number(values.rows);
const sendThread = values["send-thread"];
if (sendThread !== "on" && sendThread !== "off") {
  throw new Error(`--send-thread must be "on" or "off", not ${JSON.stringify(sendThread)}`);
}
const suites =
  positionals.length > 0
    ? positionals
    : ["import", "postgres", "segment", "match", "rss", "texting", "email"];
const known: Record<string, () => Promise<Result>> = {
  import: () => benchImportSqlite(rows),
  rss: () => benchImportRss(Number(values["rss-rows"])),
  postgres: () => benchImportPostgres(rows),
  segment: () => benchSegment(rows, engineDatabase(values.database)),
  match: () => benchMatch(rows, Number(values.people)),
  texting: () =>
    benchTexting(Number(values.messages), Number(values.concurrency), engineDatabase(values.database), {
      sendThread: sendThread === "on",
    }),
  email: () => benchEmail(Number(values.emails), Number(values.concurrency), engineDatabase(values.database)),
};
// Fail before any baseline runs, not minutes into the first benchmark.
if (values.database === "postgres" || suites.includes("postgres")) requirePostgresUrl();
const results: Result[] = [];
for (const suite of suites) {
  const run = known[suite];
  if (!run) throw new Error(`unknown benchmark "${suite}"; known: ${Object.keys(known).join(", ")}`);
  results.push(await run());
}
console.log("summary");
for (const result of results)
  console.log(
    `  ${result.pass ? "PASS" : "FAIL"}  ${result.name}: ${result.ratio.toFixed(2)}× (target ${result.target}) — ${result.detail}`,
  );
process.exitCode = results.every((result) => result.pass) ? 0 : 1;
