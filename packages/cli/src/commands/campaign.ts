/**
 * `precinct campaign create|preview|send|status|pause|resume|cancel`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type Campaign,
  type CampaignInput,
  type CampaignReport,
  type DrainResult,
  type LaunchResult,
  MERGE_FIELD_NAMES,
  type Precinct,
  PrecinctError,
  type PreviewMessage,
  type SegmentFilter,
} from "@precinct/core";
import { openClient } from "../database.js";
import { count, localTime, plural, table, total, words } from "../format.js";
import { type CliIo, progressBar, UsageError } from "../io.js";
import { clockTime, httpUrl, positiveInteger } from "../options.js";
import { createTransport, isTransportName, TRANSPORT_NAMES, TWILIO_VARIABLES } from "../transport.js";

const ACTIONS = ["create", "preview", "send", "status", "pause", "resume", "cancel"] as const;
type Action = (typeof ACTIONS)[number];

/** Help for `precinct campaign`. */
export const CAMPAIGN_HELP = `Usage: precinct campaign create --name <name> (--segment <id> | --list <id> | --where <json>)
                                --body <template> [options]
       precinct campaign preview <id> [--limit <n>]
       precinct campaign send <id> [--transport twilio|fake] [--public-url <url>]
       precinct campaign status <id>
       precinct campaign pause|resume|cancel <id>

Text campaigns. "create" saves a draft and checks the template's merge fields now. "preview" shows the
estimate (audience, encoding, segments, cost) and the first messages as recipients would get them.
"send" launches a draft: every recipient passes the compliance gate (consent, opt-outs, quiet hours in
the recipient's time zone, frequency caps, one text per phone). For a blast, everything due now is then
sent (with any other campaign's texts due now), and the texts waiting for the recipient's sending window
are listed with when they will go; a P2P campaign's texts wait for volunteer texters.
"status" reports sent, delivered, blocked, replies and opt-outs.

Merge fields: ${MERGE_FIELD_NAMES.map((field) => `{{${field}}}`).join(", ")};
a fallback follows a bar: {{givenName|friend}}.

Options of create:
  --name <name>              the campaign's name
  --segment <id>             audience: a saved segment (voters)
  --list <id>                audience: a static list (people)
  --where <json>             audience: a segment filter (see docs/segments.md), saved as a segment
                             named after the campaign
  --body <template>          the text
  --mode <p2p|blast>         p2p (default): volunteers send each text by hand; blast: sent by the
                             dispatcher, only to people who opted in
  --consent <policy>         not_opted_out (default for p2p) or opt_in_required (always for blasts)
  --sender <number>          send from this number (default: the transport's sender)
  --frequency-cap <n>        at most n texts per person in any 24 hours
  --quiet-start <HH:MM>      no texts before this, recipient's local time
  --quiet-end <HH:MM>        no texts from this time on; both only tighten the law (8:00-21:00,
                             stricter in some states)
Options of preview:
  --limit <n>                messages to render (default 5)
Options of send:
  --transport <twilio|fake>  twilio (default), configured by the variables below; fake sends nothing
                             real but records the texts as sent in this database (try it on a copy)
  --public-url <url>         the public base URL of "precinct serve": Twilio then reports delivery to
                             <url>/webhooks/sms/status
Options of every action:
  --db <path-or-url>         SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>         organization (default: default)
  --json                     print the result as one JSON object on the last line of stdout
  -h, --help                 show this help

Environment of send --transport twilio:
${TWILIO_VARIABLES.map(([name, what]) => `  ${name.padEnd(30)}${what}`).join("\n")}

Exit status: 0 done, 1 the work could not be done (the reason is on stderr), 2 a usage mistake.`;

const OPTIONS = {
  name: { type: "string" },
  segment: { type: "string" },
  list: { type: "string" },
  where: { type: "string" },
  body: { type: "string" },
  mode: { type: "string" },
  consent: { type: "string" },
  sender: { type: "string" },
  "frequency-cap": { type: "string" },
  "quiet-start": { type: "string" },
  "quiet-end": { type: "string" },
  limit: { type: "string" },
  transport: { type: "string" },
  "public-url": { type: "string" },
  db: { type: "string" },
  org: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parse>["values"];

/** The options each action accepts besides `--db`, `--org`, `--json` and `--help`. */
const ACTION_OPTIONS: Readonly<Record<Action, readonly (keyof typeof OPTIONS)[]>> = {
  create: [
    "name",
    "segment",
    "list",
    "where",
    "body",
    "mode",
    "consent",
    "sender",
    "frequency-cap",
    "quiet-start",
    "quiet-end",
  ],
  preview: ["limit"],
  send: ["transport", "public-url"],
  status: [],
  pause: [],
  resume: [],
  cancel: [],
};

function parse(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: OPTIONS });
}

/** Runs `precinct campaign`. */
export async function campaignCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout(`${CAMPAIGN_HELP}\n`);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (!(ACTIONS as readonly (string | undefined)[]).includes(action)) {
    throw new UsageError(`expected ${ACTIONS.slice(0, -1).join(", ")} or cancel`);
  }
  const act = action as Action;
  for (const [option, value] of Object.entries(values)) {
    if (value === undefined || ["db", "org", "json", "help"].includes(option)) continue;
    if (!(ACTION_OPTIONS[act] as readonly string[]).includes(option)) {
      throw new UsageError(`--${option} does not go with "campaign ${act}"`);
    }
  }
  if (act === "create") {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after "campaign create"`);
    return create(values, io);
  }
  const [id, ...extra] = rest;
  if (id === undefined || extra.length > 0)
    throw new UsageError(`expected exactly one campaign <id> after "${act}"`);
  switch (act) {
    case "preview":
      return preview(id, values, io);
    case "send":
      return send(id, values, io);
    case "status":
      return status(id, values, io);
    default:
      return transition(act, id, values, io);
  }
}

async function create(values: Values, io: CliIo): Promise<number> {
  const name = values.name?.trim();
  if (!name) throw new UsageError("--name is required");
  const body = values.body;
  if (body === undefined || body.trim() === "") throw new UsageError("--body is required");
  const audiences = [values.segment, values.list, values.where].filter((value) => value !== undefined);
  if (audiences.length !== 1) {
    throw new UsageError("give exactly one audience: --segment <id>, --list <id> or --where <json>");
  }
  const mode = values.mode ?? "p2p";
  if (mode !== "p2p" && mode !== "blast") throw new UsageError(`--mode must be p2p or blast, not "${mode}"`);
  const consent = values.consent;
  if (consent !== undefined && consent !== "opt_in_required" && consent !== "not_opted_out") {
    throw new UsageError(`--consent must be opt_in_required or not_opted_out, not "${consent}"`);
  }
  const cap = positiveInteger("frequency-cap", values["frequency-cap"]);
  const quietStart = clockTime("quiet-start", values["quiet-start"]);
  const quietEnd = clockTime("quiet-end", values["quiet-end"]);
  const filter = values.where === undefined ? undefined : parseFilter(values.where);
  const policy: NonNullable<CampaignInput["policy"]> = {
    ...(consent !== undefined ? { consent } : {}),
    ...(cap !== undefined ? { frequencyCapPer24h: cap } : {}),
    ...(quietStart !== undefined || quietEnd !== undefined
      ? {
          quietHours: {
            ...(quietStart !== undefined ? { start: quietStart } : {}),
            ...(quietEnd !== undefined ? { end: quietEnd } : {}),
          },
        }
      : {}),
  };

  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    let segmentId = values.segment ?? null;
    let savedForCampaign: string | null = null;
    if (filter !== undefined) {
      const segment = await precinct.segments.create({
        name,
        description: `Audience of the campaign "${name}" (made by precinct campaign create --where).`,
        filter,
      });
      segmentId = segment.id;
      savedForCampaign = segment.id;
    }
    let campaign: Campaign;
    try {
      campaign = await precinct.campaigns.create({
        name,
        channel: "sms",
        mode,
        audience: segmentId !== null ? { segmentId } : { listId: values.list ?? null },
        template: { body },
        ...(Object.keys(policy).length > 0 ? { policy } : {}),
        ...(values.sender !== undefined ? { sender: values.sender } : {}),
      });
    } catch (error) {
      // The segment was saved only for this campaign: leave nothing behind when the campaign is refused.
      if (savedForCampaign !== null) await precinct.segments.delete(savedForCampaign);
      throw error;
    }
    if (values.json) {
      io.stdout(
        `${JSON.stringify({
          id: campaign.id,
          name: campaign.name,
          mode: campaign.mode,
          status: campaign.status,
          audience: campaign.audience,
        })}\n`,
      );
    } else {
      io.stdout(`${campaign.id}\n`);
      io.stderr(
        `created the ${campaign.mode} campaign "${campaign.name}" (draft)` +
          `${savedForCampaign !== null ? ` and its segment ${savedForCampaign}` : ""}; ` +
          `next: precinct campaign preview ${campaign.id}\n`,
      );
    }
    return 0;
  } finally {
    await precinct.close();
  }
}

async function preview(id: string, values: Values, io: CliIo): Promise<number> {
  const limit = Math.min(positiveInteger("limit", values.limit) ?? 5, 1000);
  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    const campaign = await precinct.campaigns.require(id);
    const estimate = await precinct.campaigns.estimate(id);
    const messages = (await precinct.campaigns.preview(id, { limit })).map((message) =>
      // A P2P texter's name is filled in when a volunteer takes the batch, so it is not missing.
      campaign.mode === "p2p"
        ? { ...message, missing: message.missing.filter((field) => field !== "texterName") }
        : message,
    );
    if (values.json) {
      io.stdout(`${JSON.stringify({ ...summary(campaign), estimate, messages })}\n`);
      return 0;
    }
    const cost = estimate.estimatedCost;
    io.stdout(
      `${heading(campaign)}\n${table([
        ["audience", estimate.audience],
        ["encoding", `${estimate.encoding}, ${plural(estimate.segmentsPerMessage, "segment")} per message`],
        ["segments", `${count(estimate.estimatedSegments)} at most (some recipients will be blocked)`],
        ["cost", `${cost.amount.toFixed(2)} ${cost.currency} at most (${cost.perSegment} per segment)`],
      ])}\n\n`,
    );
    if (messages.length === 0) {
      io.stdout("The audience is empty: nobody would get a text.\n");
      return 0;
    }
    io.stdout(`First ${plural(messages.length, "message")}:\n`);
    for (const message of messages) io.stdout(renderPreview(message));
    return 0;
  } finally {
    await precinct.close();
  }
}

function renderPreview(message: PreviewMessage): string {
  const to = (message.to ?? "(no phone)").padEnd(12);
  const problems =
    message.to === null
      ? " — no text: no phone number"
      : message.missing.length > 0
        ? ` — would be blocked: no value for ${message.missing.join(", ")}`
        : "";
  const body = message.body
    .split(/\r\n|\r|\n/)
    .map((line) => `    ${line}`)
    .join("\n");
  return `  ${to}  ${message.name ?? "(no name)"}  ${plural(message.segments, "segment")}, ${message.encoding}${problems}\n${body}\n`;
}

/** A group of texts of one campaign not sent yet, by when they will go. */
interface NotYetSent {
  /** `waiting` (quiet hours, caps, schedule) or `pending` (a retry, or a scheduled start). */
  readonly state: string;
  /** Why: `quiet_hours`, `frequency_cap`, `retrying`, … (null for a scheduled start). */
  readonly reason: string | null;
  /** How many. */
  readonly count: number;
  /** When they will be sent (ISO 8601), by the next dispatcher that runs then. */
  readonly sendAfter: string | null;
  /** The recipients' time zone. */
  readonly timeZone: string | null;
}

async function send(id: string, values: Values, io: CliIo): Promise<number> {
  const transportName = values.transport ?? "twilio";
  if (!isTransportName(transportName)) {
    throw new UsageError(`--transport must be ${TRANSPORT_NAMES.join(" or ")}, not "${transportName}"`);
  }
  const publicUrl = values["public-url"] === undefined ? undefined : httpUrl(values["public-url"]);
  // The transport first: a missing variable is reported before anything is launched.
  const transport = await createTransport(transportName, io.env, { ...clock(io), offerFake: true });
  const precinct = await openClient(values.db, values.org, io.env, {
    plugins: { sms: transport.sms },
    ...clock(io),
  });
  try {
    const before = await precinct.campaigns.require(id);
    if (transport.fake !== null && !values.json) {
      io.stdout(
        "FAKE TRANSPORT: nothing real is sent. The texts go to an in-memory fake carrier, but this database\n" +
          "records them as sent (try it on a copy of your database).\n",
      );
    }
    const draft = before.status === "draft" || before.status === "scheduled";
    if (!draft && before.status !== "running") {
      throw new PrecinctError({
        code: "conflict",
        message:
          before.status === "paused"
            ? `Campaign ${id} is paused; resume it first: precinct campaign resume ${id}`
            : `Campaign ${id} is ${before.status}: there is nothing left to send.`,
      });
    }
    if (transport.fake !== null && before.mode === "blast") {
      // drain() sends everything due in the organization: the fake would mark real texts as sent.
      const others = await dueElsewhere(precinct, id, io.clock?.() ?? new Date());
      if (others > 0) {
        throw new PrecinctError({
          code: "conflict",
          message: `--transport fake would also take ${plural(others, "text")} of other running campaigns (or replies) due now, and record them as sent. Try the fake transport on a copy of the database (--db).`,
        });
      }
    }
    const launch: LaunchResult | null = draft ? await precinct.campaigns.launch(id) : null;
    if (launch !== null && !values.json) io.stdout(`${launchLine(before, launch)}\n`);

    let drain: DrainResult | null = null;
    let campaignSent: number | null = null;
    let simulatedDeliveries: number | null = null;
    if (before.mode === "blast") {
      const statusCallbackUrl = publicUrl ? precinct.webhooks({ publicUrl }).smsStatusUrl : null;
      const dispatcher = precinct.dispatcher({
        ...(statusCallbackUrl ? { statusCallbackUrl } : {}),
        // Pacing protects a real sender's reputation; the fake carrier has none.
        ...(transport.fake !== null ? { rateLimits: false as const } : {}),
      });
      const bar = progressBar(io, "sending");
      let sentHere = 0;
      const off = precinct.bus.on("message.sent", ({ campaignId }) => {
        if (campaignId === id) bar.update(null, `${count(++sentHere)} sent`);
      });
      try {
        drain = await dispatcher.drain();
      } finally {
        off();
        bar.done();
      }
      campaignSent = sentHere;
      if (transport.fake !== null) {
        // The fake carrier reports every text delivered, as a real provider's status callbacks would.
        simulatedDeliveries = 0;
        for (const record of transport.fake.sent) {
          await precinct.texting.status(transport.fake.deliver(record.providerId, "delivered"));
          simulatedDeliveries += 1;
        }
      }
      await precinct.campaigns.completeIfDone(id);
    }
    const later = await notYetSent(precinct, id);
    const after = await precinct.campaigns.require(id);
    if (values.json) {
      io.stdout(
        `${JSON.stringify({
          ...summary(after),
          transport: transport.name,
          launch,
          drain,
          campaignSent,
          simulatedDeliveries,
          notYetSent: later,
        })}\n`,
      );
      return 0;
    }
    if (launch === null) io.stdout(`${heading(before)} was already launched.\n`);
    if (drain !== null) {
      io.stdout(
        `Sent ${count(drain.sent)}${campaignSent !== drain.sent ? ` (${count(campaignSent ?? 0)} of this campaign)` : ""} with ${transport.description}; blocked ${count(drain.blocked)}, ` +
          `postponed ${count(drain.waiting)}, failed ${count(drain.failed)}, to retry ${count(drain.retried)}` +
          (drain.recovered || drain.uncertain
            ? `, recovered ${count(drain.recovered)}, uncertain ${count(drain.uncertain)}`
            : "") +
          "\n",
      );
      if (simulatedDeliveries !== null) {
        io.stdout(`Delivered ${count(simulatedDeliveries)} (simulated by the fake carrier).\n`);
      }
    } else {
      io.stdout(
        "P2P: volunteers send these texts one at a time from their batches (precinct.p2p); nothing was sent now.\n",
      );
    }
    if (later.length > 0) {
      io.stdout("Not sent yet:\n");
      const shown = later.slice(0, 10);
      for (const group of shown) io.stdout(`  ${laterLine(group)}\n`);
      const counts = await precinct.outbox.counts({ campaignId: id });
      const rest =
        (counts.waiting ?? 0) + (counts.pending ?? 0) - shown.reduce((sum, group) => sum + group.count, 0);
      if (rest > 0) io.stdout(`  … and ${count(rest)} more, later\n`);
      io.stdout(
        `A dispatcher sends them when their time comes: keep "precinct serve" running, or run "precinct campaign send ${id}" again then.\n`,
      );
    }
    io.stdout(`The campaign is ${after.status}. Follow it with: precinct campaign status ${id}\n`);
    return 0;
  } finally {
    await precinct.close();
  }
}

function laterLine(group: NotYetSent): string {
  const when = group.sendAfter ? localTime(group.sendAfter, group.timeZone) : "any time";
  if (group.state === "pending") {
    return group.reason === "retrying"
      ? `${count(group.count)} to retry at ${when}`
      : `${count(group.count)} scheduled for ${when}`;
  }
  return `${count(group.count)} waiting (${words(group.reason ?? "postponed")}), to go at ${when}`;
}

function launchLine(campaign: Campaign, launch: LaunchResult): string {
  const blocked = total(launch.blocked as Record<string, number>);
  const reasons = Object.entries(launch.blocked)
    .map(([reason, n]) => `${words(reason)} ${count(n ?? 0)}`)
    .join(", ");
  return (
    `Launched "${campaign.name}" (${campaign.mode}): audience ${count(launch.audience)}; ` +
    `${campaign.mode === "p2p" ? "for texters" : "queued"} ${count(launch.queued)}, ` +
    `waiting ${count(launch.waiting)}, blocked ${count(blocked)}${reasons ? ` (${reasons})` : ""}, ` +
    `no phone ${count(launch.noPhone)}`
  );
}

/** Texts due now that are not this campaign's but that a dispatcher would send (other campaigns, replies). */
async function dueElsewhere(precinct: Precinct, id: string, now: Date): Promise<number> {
  const organizationId = precinct.organization.id;
  const row = await precinct.storage.db
    .selectFrom("outbox")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("organizationId", "=", organizationId)
    .where("state", "in", ["pending", "waiting"])
    .where("sendAfter", "<=", now.toISOString())
    .where((eb) =>
      eb.or([
        eb("campaignId", "is", null),
        eb.and([
          eb("campaignId", "!=", id),
          eb(
            "campaignId",
            "in",
            eb
              .selectFrom("campaign")
              .select("campaign.id")
              .where("campaign.organizationId", "=", organizationId)
              .where("campaign.status", "=", "running"),
          ),
        ]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The campaign's texts waiting for a later time, grouped by why and when, earliest first. */
async function notYetSent(precinct: Precinct, id: string): Promise<NotYetSent[]> {
  const rows = await precinct.storage.db
    .selectFrom("outbox")
    .select(["state", "reason", "sendAfter", "timeZone", (eb) => eb.fn.countAll().as("n")])
    .where("organizationId", "=", precinct.organization.id)
    .where("campaignId", "=", id)
    .where("state", "in", ["waiting", "pending"])
    .groupBy(["state", "reason", "sendAfter", "timeZone"])
    .orderBy("sendAfter")
    .limit(100)
    .execute();
  return rows.map((row) => ({
    state: row.state,
    reason: row.reason,
    count: Number(row.n),
    sendAfter: row.sendAfter === null ? null : new Date(row.sendAfter).toISOString(),
    timeZone: row.timeZone,
  }));
}

async function status(id: string, values: Values, io: CliIo): Promise<number> {
  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    const report = await precinct.campaigns.report(id);
    const numbers = reportNumbers(report);
    if (values.json) {
      io.stdout(`${JSON.stringify({ ...summary(report.campaign), ...numbers })}\n`);
      return 0;
    }
    const { campaign } = report;
    const rows: [string, string | number][] = [
      ["sent", numbers.sent],
      ["delivered", numbers.delivered],
      ["undelivered/failed", numbers.undeliveredOrFailed],
    ];
    for (const [reason, n] of Object.entries(report.failed)) rows.push([`  ${words(reason)}`, n]);
    rows.push(["blocked", numbers.blockedTotal]);
    for (const [reason, n] of Object.entries(report.blocked)) rows.push([`  ${words(reason)}`, n]);
    if (numbers.withTexters > 0) rows.push(["with texters", numbers.withTexters]);
    if (numbers.queued > 0) rows.push(["queued", numbers.queued]);
    rows.push(["waiting", numbers.waiting]);
    if (numbers.canceled > 0) rows.push(["canceled", numbers.canceled]);
    rows.push(["replies", numbers.replies], ["opt-outs", numbers.optOuts], ["segments", numbers.segments]);
    io.stdout(
      `${heading(campaign)}${campaign.pausedReason ? `, paused: ${words(campaign.pausedReason)}` : ""}\n${table(rows)}\n`,
    );
    return 0;
  } finally {
    await precinct.close();
  }
}

/** The report's numbers as `campaign status` shows them (and prints with `--json`). */
function reportNumbers(report: CampaignReport) {
  const statuses = report.statuses;
  const outbox = report.outbox;
  const state = (name: string) => outbox[name] ?? 0;
  const undelivered = statuses.undelivered ?? 0;
  // Failed after the provider took it (a status callback), or refused by the provider when sending.
  const failed = (statuses.failed ?? 0) + total(report.failed);
  return {
    sent: report.sent,
    delivered: (statuses.delivered ?? 0) + (statuses.read ?? 0),
    undeliveredOrFailed: undelivered + failed,
    undelivered,
    failedTotal: failed,
    failed: report.failed,
    blockedTotal: total(report.blocked),
    blocked: report.blocked,
    withTexters: state("unassigned") + state("assigned"),
    queued: state("pending") + state("sending"),
    waiting: state("waiting"),
    canceled: state("canceled"),
    replies: report.replies,
    optOuts: report.optOuts,
    segments: report.segments,
    statuses,
    outbox,
  };
}

async function transition(
  action: "pause" | "resume" | "cancel",
  id: string,
  values: Values,
  io: CliIo,
): Promise<number> {
  const precinct = await openClient(values.db, values.org, io.env, clock(io));
  try {
    const campaign = await precinct.campaigns[action](id);
    const canceled =
      action === "cancel" ? ((await precinct.outbox.counts({ campaignId: id })).canceled ?? 0) : null;
    if (values.json) {
      io.stdout(`${JSON.stringify({ ...summary(campaign), ...(canceled !== null ? { canceled } : {}) })}\n`);
    } else {
      io.stdout(
        `${heading(campaign)} is now ${campaign.status}` +
          (canceled !== null ? `; ${plural(canceled, "text")} will not be sent` : "") +
          (action === "pause" ? ` (a running "precinct serve" stops sending it within seconds)` : "") +
          ".\n",
      );
    }
    return 0;
  } finally {
    await precinct.close();
  }
}

function summary(campaign: Campaign) {
  return { id: campaign.id, name: campaign.name, mode: campaign.mode, status: campaign.status };
}

function heading(campaign: Campaign): string {
  return `"${campaign.name}" (${campaign.mode}, ${campaign.status})`;
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
