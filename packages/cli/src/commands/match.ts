/**
 * `precinct match <people.csv>`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { matchPeopleFile } from "@precinct/voterfile";
import { openClient } from "../database.js";
import { type CliIo, UsageError } from "../io.js";

/** Help for `precinct match`. */
export const MATCH_HELP = `Usage: precinct match <people.csv> [options]

Adds the people of a sign-up sheet or CRM export (columns found by header name: first/given_name,
last/family_name, email, phone, street/address, city, state, zip, birthdate/dob, birth_year) and
matches them to voters. Confident matches are linked; close calls wait in the review queue.

Options:
  --auto-link-at <0..1>  score at or above which a match is linked (default from the matcher)
  --review-at <0..1>     score at or above which a match goes to review
  --tag <name>           tag everyone in the file (repeatable)
  --db <path-or-url>     SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>     organization (default: default)
  --json                 print the summary as one JSON object on the last line of stdout
  -h, --help             show this help`;

/** Runs `precinct match`. */
export async function matchCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "auto-link-at": { type: "string" },
      "review-at": { type: "string" },
      tag: { type: "string", multiple: true },
      db: { type: "string" },
      org: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.stdout(`${MATCH_HELP}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError("expected exactly one <people.csv>");
  const threshold = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0 || number > 1)
      throw new UsageError(`--${name} must be a number from 0 to 1`);
    return number;
  };
  const autoLinkAt = threshold("auto-link-at", values["auto-link-at"]);
  const reviewAt = threshold("review-at", values["review-at"]);

  const precinct = await openClient(values.db, values.org, io.env);
  try {
    const summary = await matchPeopleFile(precinct, file, {
      ...(autoLinkAt !== undefined ? { autoLinkAt } : {}),
      ...(reviewAt !== undefined ? { reviewAt } : {}),
      ...(values.tag ? { tags: values.tag } : {}),
    });
    if (values.json) {
      io.stdout(`${JSON.stringify({ file, ...summary, errors: summary.errors.slice(0, 100) })}\n`);
    } else {
      io.stdout(
        `${file}: ${summary.rows} rows, ${summary.created} new people, ${summary.existing} already known\n` +
          `  linked    ${summary.linked}\n  review    ${summary.review}\n  unmatched ${summary.unmatched}\n` +
          (summary.alreadyLinked ? `  already linked ${summary.alreadyLinked}\n` : "") +
          (summary.errors.length ? `  rejected rows ${summary.errors.length}\n` : ""),
      );
      for (const error of summary.errors.slice(0, 20)) {
        io.stdout(`  row ${error.row}${error.field ? `, ${error.field}` : ""}: ${error.reason}\n`);
      }
    }
    return 0;
  } finally {
    await precinct.close();
  }
}
