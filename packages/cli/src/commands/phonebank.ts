/**
 * `precinct phonebank create|status|export`.
 *
 * @module
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import type {
  CallListResult,
  CallResultRow,
  PhoneBank,
  PhoneBankInput,
  PhoneBankReport,
  SegmentFilter,
} from "@precinct/core";
import { openClient } from "../database.js";
import { count, plural, table, total, words } from "../format.js";
import { type CliIo, UsageError } from "../io.js";
import { clockTime, positiveInteger } from "../options.js";

const ACTIONS = ["create", "status", "export"] as const;
type Action = (typeof ACTIONS)[number];

/** Help for `precinct phonebank`. */
export const PHONEBANK_HELP = `Usage: precinct phonebank create --name <name> (--segment <id> | --list <id> | --where <json>)
                                 --mode preview|power|predictive --consent <policy> --caller-id <number>
                                 [options]
       precinct phonebank status <id>
       precinct phonebank export <id> [--out <file.csv>]

Phone banks: volunteers call the people on a call list, joined from the browser or by phone (see
docs/phonebanking.md). "create" saves the phone bank and builds its call list at once (one contact per
number; numbers on the do-not-call list, without a required opt-in, or known to be wrong or disconnected
are set aside). Volunteers then join through your app (precinct.phonebanks.join) while "precinct serve
--public-url <url>" receives the voice webhooks (it needs only TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)
and dials in the background. Quiet hours are checked in each person's local time before every call.
"status" reports the call list, results, calls, abandonment and sessions. "export" writes every call
with its result, survey answers and notes as CSV.

Modes:
  preview      the volunteer reads the contact and script, then dials
  power        the next contact is dialed as soon as the volunteer is free (one line each)
  predictive   several lines per free volunteer; a person answering with nobody free hears a recorded
               message. Needs --allow-predictive; abandonment is held at or under 3% (30 days).

Options of create:
  --name <name>              the phone bank's name
  --segment <id>             call list: a saved segment (voters)
  --list <id>                call list: a static list (people)
  --where <json>             call list: a segment filter, saved as a segment named after the phone bank
  --mode <mode>              preview, power or predictive (required)
  --allow-predictive         confirm predictive dialing (some answered calls are abandoned)
  --consent <policy>         not_opted_out (anyone not on the do-not-call list) or opt_in_required
                             (only numbers with a voice opt-in); required
  --caller-id <number>       the number calls come from, E.164, owned by your voice account (required)
  --script <text>            what volunteers say; merge fields such as {{givenName|there}}, and
                             {{texterName}} for the volunteer's first name
  --question <id>            a survey question the script asks (repeat for several, in order)
  --max-attempts <n>         calls per contact before it is left (default 3)
  --retry-after <minutes>    wait before calling an unreached contact again (default 240)
  --ring-seconds <n>         ring time before a call counts as unanswered (15-120, default 25)
  --voicemail <text>         message left on answering machines (default: hang up)
  --abandon-message <text>   predictive: message for a person nobody was free to take (default: your
                             organization's name and the caller id to call to be removed)
  --quiet-start <HH:MM>      no calls before this, recipient's local time
  --quiet-end <HH:MM>        no calls from this time on; both only tighten the law (8:00-21:00,
                             stricter in some states)
  --draft                    save it without building the call list
Options of export:
  --out <file>               write the CSV here instead of standard output
Options of every action:
  --db <path-or-url>         SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>         organization (default: default)
  --json                     print the result as one JSON object on the last line of stdout
                             (export: only with --out)
  -h, --help                 show this help

Exit status: 0 done, 1 the work could not be done (the reason is on stderr), 2 a usage mistake.`;

const OPTIONS = {
  name: { type: "string" },
  segment: { type: "string" },
  list: { type: "string" },
  where: { type: "string" },
  mode: { type: "string" },
  "allow-predictive": { type: "boolean" },
  consent: { type: "string" },
  "caller-id": { type: "string" },
  script: { type: "string" },
  question: { type: "string", multiple: true },
  "max-attempts": { type: "string" },
  "retry-after": { type: "string" },
  "ring-seconds": { type: "string" },
  voicemail: { type: "string" },
  "abandon-message": { type: "string" },
  "quiet-start": { type: "string" },
  "quiet-end": { type: "string" },
  draft: { type: "boolean" },
  out: { type: "string" },
  db: { type: "string" },
  org: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parse>["values"];

const ACTION_OPTIONS: Readonly<Record<Action, readonly (keyof typeof OPTIONS)[]>> = {
  create: [
    "name",
    "segment",
    "list",
    "where",
    "mode",
    "allow-predictive",
    "consent",
    "caller-id",
    "script",
    "question",
    "max-attempts",
    "retry-after",
    "ring-seconds",
    "voicemail",
    "abandon-message",
    "quiet-start",
    "quiet-end",
    "draft",
  ],
  status: [],
  export: ["out"],
};

/** The columns of `phonebank export`, in order. */
export const PHONEBANK_EXPORT_COLUMNS: readonly (keyof CallResultRow)[] = [
  "callId",
  "attempt",
  "phone",
  "personId",
  "givenName",
  "familyName",
  "volunteerId",
  "startedAt",
  "answeredAt",
  "endedAt",
  "status",
  "answeredBy",
  "disposition",
  "abandoned",
  "durationSeconds",
  "responses",
  "notes",
];

/** Columns people type into: a leading `=`, `+`, `-` or `@` must not become a spreadsheet formula. */
const FREE_TEXT: ReadonlySet<keyof CallResultRow> = new Set([
  "givenName",
  "familyName",
  "notes",
  "responses",
]);

function parse(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: OPTIONS });
}

/** Runs `precinct phonebank`. */
export async function phonebankCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout(`${PHONEBANK_HELP}\n`);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (!(ACTIONS as readonly (string | undefined)[]).includes(action)) {
    throw new UsageError("expected create, status or export");
  }
  const act = action as Action;
  for (const [option, value] of Object.entries(values)) {
    if (value === undefined || ["db", "org", "json", "help"].includes(option)) continue;
    if (!(ACTION_OPTIONS[act] as readonly string[]).includes(option)) {
      throw new UsageError(`--${option} does not go with "phonebank ${act}"`);
    }
  }
  if (act === "create") {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after "phonebank create"`);
    return create(values, io);
  }
  const [id, ...extra] = rest;
  if (id === undefined || extra.length > 0) {
    throw new UsageError(`expected exactly one phone bank <id> after "${act}"`);
  }
  return act === "status" ? status(id, values, io) : exportCalls(id, values, io);
}

async function create(values: Values, io: CliIo): Promise<number> {
  const name = values.name?.trim();
  if (!name) throw new UsageError("--name is required");
  const audiences = [values.segment, values.list, values.where].filter((value) => value !== undefined);
  if (audiences.length !== 1) {
    throw new UsageError("give exactly one call list: --segment <id>, --list <id> or --where <json>");
  }
  const mode = values.mode;
  if (mode !== "preview" && mode !== "power" && mode !== "predictive") {
    throw new UsageError(`--mode must be preview, power or predictive${mode ? `, not "${mode}"` : ""}`);
  }
  if (mode === "predictive" && !values["allow-predictive"]) {
    throw new UsageError(
      "predictive dialing abandons some answered calls (at most 3%); add --allow-predictive to use it",
    );
  }
  const consent = values.consent;
  if (consent !== "opt_in_required" && consent !== "not_opted_out") {
    throw new UsageError(
      `--consent must be not_opted_out or opt_in_required${consent ? `, not "${consent}"` : " (say which calls need)"}`,
    );
  }
  const callerId = values["caller-id"];
  if (!callerId) throw new UsageError("--caller-id is required: the number calls come from, E.164");
  const maxAttempts = positiveInteger("max-attempts", values["max-attempts"]);
  const retryAfter = positiveInteger("retry-after", values["retry-after"]);
  const ringSeconds = positiveInteger("ring-seconds", values["ring-seconds"], 15);
  const quietStart = clockTime("quiet-start", values["quiet-start"]);
  const quietEnd = clockTime("quiet-end", values["quiet-end"]);
  const filter = values.where === undefined ? undefined : parseFilter(values.where);
  const settings: NonNullable<PhoneBankInput["settings"]> = {
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(retryAfter !== undefined ? { retryDelayMinutes: retryAfter } : {}),
    ...(ringSeconds !== undefined ? { ringTimeoutSeconds: ringSeconds } : {}),
    ...(values.voicemail !== undefined ? { voicemail: { say: values.voicemail } } : {}),
    ...(values["abandon-message"] !== undefined
      ? { abandonMessage: { say: values["abandon-message"] } }
      : {}),
  };

  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    let segmentId = values.segment ?? null;
    let savedForBank: string | null = null;
    if (filter !== undefined) {
      const segment = await precinct.segments.create({
        name,
        description: `Call list of the phone bank "${name}" (made by precinct phonebank create --where).`,
        filter,
      });
      segmentId = segment.id;
      savedForBank = segment.id;
    }
    let bank: PhoneBank;
    try {
      bank = await precinct.phonebanks.create({
        name,
        mode,
        allowPredictive: values["allow-predictive"] === true,
        audience: segmentId !== null ? { segmentId } : { listId: values.list ?? null },
        policy: {
          consent,
          ...(quietStart !== undefined || quietEnd !== undefined
            ? {
                quietHours: {
                  ...(quietStart !== undefined ? { start: quietStart } : {}),
                  ...(quietEnd !== undefined ? { end: quietEnd } : {}),
                },
              }
            : {}),
        },
        callerId,
        ...(values.script !== undefined ? { script: values.script } : {}),
        ...(values.question !== undefined ? { surveyQuestionIds: values.question } : {}),
        ...(Object.keys(settings).length > 0 ? { settings } : {}),
      });
    } catch (error) {
      // The segment was saved only for this phone bank: leave nothing behind when it is refused.
      if (savedForBank !== null) await precinct.segments.delete(savedForBank);
      throw error;
    }
    const id = bank.campaign.id;
    const callList = values.draft ? null : await precinct.phonebanks.launch(id);
    const campaign = await precinct.campaigns.require(id);
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ id, name: campaign.name, mode: campaign.mode, status: campaign.status, callList })}\n`,
      );
      return 0;
    }
    io.stdout(`${id}\n`);
    io.stderr(
      `created the ${mode} phone bank "${name}"` +
        `${savedForBank !== null ? ` and its segment ${savedForBank}` : ""}` +
        (callList ? `; ${callListLine(callList)}` : " (draft: no call list yet)") +
        `\nnext: volunteers join through your app while "precinct serve" runs; follow it with precinct phonebank status ${id}\n`,
    );
    return 0;
  } finally {
    await precinct.close();
  }
}

function callListLine(result: CallListResult): string {
  const blocked = total(result.blocked as Record<string, number>);
  const reasons = Object.entries(result.blocked)
    .map(([reason, n]) => `${words(reason)} ${count(n ?? 0)}`)
    .join(", ");
  return (
    `call list: ${plural(result.queued, "contact")} to call of ${count(result.audience)} in the audience; ` +
    `set aside ${count(blocked)}${reasons ? ` (${reasons})` : ""}, no phone ${count(result.noPhone)}, ` +
    `same number as another ${count(result.duplicatePhone)}`
  );
}

async function status(id: string, values: Values, io: CliIo): Promise<number> {
  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    const report = await precinct.phonebanks.report(id);
    if (values.json) {
      io.stdout(`${JSON.stringify(statusJson(report))}\n`);
      return 0;
    }
    const { campaign } = report;
    const contacts = report.contacts;
    const rows: [string, string | number][] = [
      ["contacts", total(contacts)],
      ["  to call", (contacts.ready ?? 0) + (contacts.claimed ?? 0)],
      ["  on a call", contacts.dialing ?? 0],
      ["  done", contacts.done ?? 0],
      ["  at retry limit", contacts.exhausted ?? 0],
      ["  set aside", contacts.blocked ?? 0],
    ];
    for (const [reason, n] of Object.entries(report.blocked)) rows.push([`    ${words(reason)}`, n]);
    if (contacts.canceled) rows.push(["  canceled", contacts.canceled]);
    rows.push(["calls", report.calls]);
    for (const [disposition, n] of Object.entries(report.dispositions).sort((a, b) => b[1] - a[1])) {
      rows.push([`  ${words(disposition)}`, n]);
    }
    const { answered, abandoned, rate } = report.abandonment;
    rows.push(
      ["answered by a person (30 days)", answered],
      ["abandoned (30 days)", `${count(abandoned)} (${(rate * 100).toFixed(1)}%, the cap is 3%)`],
      ["survey responses", report.surveyResponses],
      ["do-not-call requests taken", report.optOuts],
      ["volunteers on now", total(report.sessions) - (report.sessions.ended ?? 0)],
    );
    io.stdout(`"${campaign.name}" (${campaign.mode}, ${campaign.status})\n${table(rows)}\n`);
    return 0;
  } finally {
    await precinct.close();
  }
}

function statusJson(report: PhoneBankReport) {
  const { campaign, ...numbers } = report;
  return { id: campaign.id, name: campaign.name, mode: campaign.mode, status: campaign.status, ...numbers };
}

async function exportCalls(id: string, values: Values, io: CliIo): Promise<number> {
  if (values.json && !values.out) {
    throw new UsageError("--json goes with --out for export (the CSV itself goes to standard output)");
  }
  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    await precinct.phonebanks.require(id);
    const out = values.out ? createWriteStream(values.out) : undefined;
    const write = async (text: string) => {
      if (!out) return io.stdout(text);
      if (!out.write(text)) await once(out, "drain");
    };
    await write(`${PHONEBANK_EXPORT_COLUMNS.map(snake).join(",")}\n`);
    let rows = 0;
    for await (const row of precinct.phonebanks.results(id)) {
      await write(
        `${PHONEBANK_EXPORT_COLUMNS.map((column) => csvCell(row[column], FREE_TEXT.has(column))).join(",")}\n`,
      );
      rows++;
    }
    if (out) {
      out.end();
      await once(out, "close");
      if (values.json) io.stdout(`${JSON.stringify({ id, rows, out: values.out })}\n`);
      else io.stderr(`wrote ${plural(rows, "call")} to ${values.out}\n`);
    }
    return 0;
  } finally {
    await precinct.close();
  }
}

/** RFC 4180 cell; free text that starts like a formula is prefixed with `'` so spreadsheets show it as text. */
function csvCell(value: unknown, freeText: boolean): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function clock(io: CliIo): { clock?: () => Date } {
  return io.clock ? { clock: io.clock } : {};
}

function parseFilter(where: string): SegmentFilter {
  const text = where.trim();
  if (!text.startsWith("{")) {
    throw new UsageError(
      '--where takes a JSON filter such as {"precinct":["P1"]}; use --segment <id> for a saved segment',
    );
  }
  try {
    return JSON.parse(text) as SegmentFilter;
  } catch (error) {
    throw new UsageError(`--where is not valid JSON: ${(error as Error).message}`);
  }
}
