/**
 * `precinct campaign create|preview|send|status|pause|resume|cancel`, for text and email campaigns.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type Campaign,
  type CampaignInput,
  type CampaignReport,
  ConfigError,
  type DrainResult,
  type EmailSettings,
  type EmailTemplates,
  emailTemplates,
  type LaunchResult,
  MERGE_FIELD_NAMES,
  type Precinct,
  PrecinctError,
  type PreviewMessage,
  type SegmentFilter,
  type SegmentTarget,
  taggedEmail,
} from "@precinct/core";
import { openClient } from "../database.js";
import { count, localTime, plural, table, total, words } from "../format.js";
import { type CliIo, progressBar, UsageError } from "../io.js";
import { clockTime, fileOrText, httpUrl, positiveInteger, publicUrlOf } from "../options.js";
import {
  createEmailTransport,
  createTransport,
  EMAIL_TRANSPORT_NAMES,
  EMAIL_VARIABLES,
  emailSettings,
  isEmailTransportName,
  isTransportName,
  SENDGRID_VARIABLES,
  TRANSPORT_NAMES,
  TWILIO_VARIABLES,
} from "../transport.js";

const ACTIONS = ["create", "preview", "send", "status", "pause", "resume", "cancel"] as const;
type Action = (typeof ACTIONS)[number];

/** Help for `precinct campaign`. */
export const CAMPAIGN_HELP = `Usage: precinct campaign create --name <name> (--segment <id> | --list <id> | --where <json>)
                                --body <template> [options]
       precinct campaign create --channel email --name <name> (--segment <id> | --list <id> | --where <json>)
                                --subject <template> (--html <file|template> | --text <file|template>)
                                [--sender "Name <address>"] [--postal-address <address>] [options]
       precinct campaign preview <id> [--limit <n>]
       precinct campaign send <id> [--transport twilio|fake] [--email-transport sendgrid|fake]
                                [--public-url <url>]
       precinct campaign status <id>
       precinct campaign pause|resume|cancel <id>

Text and email campaigns. "create" saves a draft and checks the templates' merge fields now. "preview"
shows the estimate (audience, encoding, segments, cost; for email the audience) and the first messages
as recipients would get them. "send" launches a draft: every recipient passes the compliance gate
(consent, opt-outs, quiet hours in the recipient's time zone for texts, frequency caps, one message per
phone or address). For a blast, everything due now on its channel is then sent (with any other
campaign's messages due now), and the texts waiting for the recipient's sending window are listed with
when they will go; a P2P campaign's texts wait for volunteer texters. "status" reports sent, delivered,
blocked, replies and opt-outs; for email also bounces, spam complaints, unsubscribes, opens and clicks.

Merge fields: ${MERGE_FIELD_NAMES.map((field) => `{{${field}}}`).join(", ")};
a fallback follows a bar: {{givenName|friend}}.

Options of create:
  --name <name>              the campaign's name
  --segment <id>             audience: a saved segment (voters)
  --list <id>                audience: a static list (people)
  --where <json>             audience: a segment filter (see docs/segments.md), saved as a segment
                             named after the campaign
  --channel <sms|email>      sms (default) or email
  --body <template>          the text (sms)
  --mode <p2p|blast>         p2p (default for sms): volunteers send each text by hand; blast: sent by
                             the dispatcher, only to people who opted in (email is always a blast)
  --consent <policy>         not_opted_out (default for p2p) or opt_in_required (always for text
                             blasts; the default for email, where not_opted_out mails a whole list
                             until people unsubscribe)
  --sender <from>            sms: send from this number (default: the transport's sender);
                             email: "Name <address>" (default: $PRECINCT_EMAIL_FROM when sending)
  --frequency-cap <n>        at most n messages per person in any 24 hours
  --quiet-start <HH:MM>      no texts before this, recipient's local time (sms only)
  --quiet-end <HH:MM>        no texts from this time on; both only tighten the law (8:00-21:00,
                             stricter in some states)
Options of create --channel email:
  --subject <template>       the subject line
  --html <file|template>     the HTML part: a file (read as UTF-8) or the HTML itself
  --text <file|template>     the plain-text part: a file or the text itself (give one or both)
  --postal-address <text>    the organization's postal address, which every bulk email carries in its
                             footer with an unsubscribe link; saved for the organization (needed once)
Options of preview:
  --limit <n>                messages to render (default 5)
Options of send:
  --transport <twilio|fake>  texts: twilio (default), configured by the variables below; fake sends
                             nothing real but records the texts as sent in this database (try it on a copy)
  --email-transport <sendgrid|fake>
                             email: sendgrid (default), configured by the variables below; fake sends
                             nothing real but records the emails as sent in this database
  --public-url <url>         the public base URL of "precinct serve" (default: $PRECINCT_PUBLIC_URL):
                             Twilio then reports delivery to <url>/webhooks/sms/status; email links to
                             <url>/webhooks/email/unsubscribe for one-click unsubscribe
Options of every action:
  --db <path-or-url>         SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>         organization (default: default)
  --json                     print the result as one JSON object on the last line of stdout
  -h, --help                 show this help

Environment of send --transport twilio:
${variableLines(TWILIO_VARIABLES)}
Environment of send --email-transport sendgrid:
${variableLines(SENDGRID_VARIABLES)}
Environment of sending email (with --email-transport fake, a local URL and a throwaway key stand in):
${variableLines(EMAIL_VARIABLES)}

Exit status: 0 done, 1 the work could not be done (the reason is on stderr), 2 a usage mistake.`;

function variableLines(variables: readonly (readonly [string, string])[]): string {
  return variables.map(([name, what]) => `  ${name.padEnd(34)}${what}`).join("\n");
}

const OPTIONS = {
  name: { type: "string" },
  segment: { type: "string" },
  list: { type: "string" },
  where: { type: "string" },
  channel: { type: "string" },
  body: { type: "string" },
  subject: { type: "string" },
  html: { type: "string" },
  text: { type: "string" },
  "postal-address": { type: "string" },
  mode: { type: "string" },
  consent: { type: "string" },
  sender: { type: "string" },
  "frequency-cap": { type: "string" },
  "quiet-start": { type: "string" },
  "quiet-end": { type: "string" },
  limit: { type: "string" },
  transport: { type: "string" },
  "email-transport": { type: "string" },
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
    "channel",
    "body",
    "subject",
    "html",
    "text",
    "postal-address",
    "mode",
    "consent",
    "sender",
    "frequency-cap",
    "quiet-start",
    "quiet-end",
  ],
  preview: ["limit"],
  send: ["transport", "email-transport", "public-url"],
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

/** Options that only go with one channel, and the channel they go with. */
const CHANNEL_OPTIONS: Readonly<Record<string, "sms" | "email">> = {
  body: "sms",
  "quiet-start": "sms",
  "quiet-end": "sms",
  subject: "email",
  html: "email",
  text: "email",
  "postal-address": "email",
};

async function create(values: Values, io: CliIo): Promise<number> {
  const name = values.name?.trim();
  if (!name) throw new UsageError("--name is required");
  const channel = values.channel ?? "sms";
  if (channel !== "sms" && channel !== "email") {
    throw new UsageError(`--channel must be sms or email, not "${channel}"`);
  }
  for (const [option, only] of Object.entries(CHANNEL_OPTIONS)) {
    if (values[option as keyof Values] === undefined || only === channel) continue;
    throw new UsageError(
      only === "email"
        ? `--${option} goes with --channel email`
        : option === "body"
          ? "--body is for text campaigns: an email takes --subject and --html and/or --text"
          : `--${option}: quiet hours apply to texts, not to email`,
    );
  }
  let template: CampaignInput["template"];
  if (channel === "sms") {
    const body = values.body;
    if (body === undefined || body.trim() === "") throw new UsageError("--body is required");
    template = { body };
  } else {
    const subject = values.subject;
    if (subject === undefined || subject.trim() === "") {
      throw new UsageError("--subject is required for an email campaign");
    }
    const html = fileOrText("html", values.html);
    const text = fileOrText("text", values.text);
    if ((html ?? "").trim() === "" && (text ?? "").trim() === "") {
      throw new UsageError("an email campaign needs --html, --text or both (a file or the content itself)");
    }
    template = {
      subject,
      ...(html !== undefined && html.trim() !== "" ? { html } : {}),
      ...(text !== undefined && text.trim() !== "" ? { text } : {}),
    };
  }
  const audiences = [values.segment, values.list, values.where].filter((value) => value !== undefined);
  if (audiences.length !== 1) {
    throw new UsageError("give exactly one audience: --segment <id>, --list <id> or --where <json>");
  }
  const mode = values.mode ?? (channel === "email" ? "blast" : "p2p");
  if (mode !== "p2p" && mode !== "blast") throw new UsageError(`--mode must be p2p or blast, not "${mode}"`);
  if (channel === "email" && mode !== "blast") {
    throw new UsageError("an email campaign is a blast (--mode blast): nobody sends emails one by one");
  }
  const consent = values.consent;
  if (consent !== undefined && consent !== "opt_in_required" && consent !== "not_opted_out") {
    throw new UsageError(`--consent must be opt_in_required or not_opted_out, not "${consent}"`);
  }
  const postalAddress = values["postal-address"]?.trim();
  if (postalAddress === "") throw new UsageError("--postal-address must not be empty");
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
    // Bulk email carries the organization's postal address: it is an organization setting, saved here
    // (and put back if the campaign is refused) so every later send and "precinct serve" use it too.
    const previousAddress = precinct.organization.postalAddress ?? null;
    let addressSaved = false;
    if (channel === "email") {
      if (postalAddress !== undefined && postalAddress !== previousAddress) {
        await precinct.updateOrganization({ postalAddress });
        addressSaved = true;
      } else if (postalAddress === undefined && !previousAddress?.trim()) {
        throw new ConfigError(
          `The organization "${precinct.organization.slug}" has no postal address, which every bulk email must carry in its footer (CAN-SPAM; Gmail and Yahoo bulk-sender rules): give it once with --postal-address "PO Box 1000, Durham, NC 27701" and it is saved for the organization.`,
        );
      }
    }
    let segmentId = values.segment ?? null;
    let savedForCampaign: string | null = null;
    let campaign: Campaign;
    try {
      if (filter !== undefined) {
        const segment = await precinct.segments.create({
          name,
          description: `Audience of the campaign "${name}" (made by precinct campaign create --where).`,
          filter,
        });
        segmentId = segment.id;
        savedForCampaign = segment.id;
      }
      campaign = await precinct.campaigns.create({
        name,
        channel,
        mode,
        audience: segmentId !== null ? { segmentId } : { listId: values.list ?? null },
        template,
        ...(Object.keys(policy).length > 0 ? { policy } : {}),
        ...(values.sender !== undefined ? { sender: values.sender } : {}),
      });
    } catch (error) {
      // The segment was saved only for this campaign: leave nothing behind when the campaign is refused.
      if (savedForCampaign !== null) await precinct.segments.delete(savedForCampaign);
      if (addressSaved) await precinct.updateOrganization({ postalAddress: previousAddress });
      throw error;
    }
    if (values.json) {
      io.stdout(
        `${JSON.stringify({
          id: campaign.id,
          name: campaign.name,
          channel: campaign.channel,
          mode: campaign.mode,
          status: campaign.status,
          audience: campaign.audience,
          ...(channel === "email" ? { postalAddress: precinct.organization.postalAddress } : {}),
        })}\n`,
      );
    } else {
      io.stdout(`${campaign.id}\n`);
      io.stderr(
        `created the ${channel === "email" ? "email" : campaign.mode} campaign "${campaign.name}" (draft)` +
          `${savedForCampaign !== null ? ` and its segment ${savedForCampaign}` : ""}` +
          `${addressSaved ? `, and saved the organization's postal address "${postalAddress}"` : ""}; ` +
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
    if (campaign.channel === "email") return await previewEmail(precinct, campaign, limit, values, io);
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

/** One email of a preview, as its recipient would get it. */
interface EmailPreview {
  /** The recipient's address, or null when the member has none (no email would go). */
  readonly to: string | null;
  /** The recipient's name. */
  readonly name: string | null;
  /** The subject line. */
  readonly subject: string;
  /** The plain-text part with the footer, when the campaign has one. */
  readonly text: string | null;
  /** The HTML part with the footer, when the campaign has one. */
  readonly html: string | null;
  /** Merge fields without a value and without a fallback: this member would be blocked. */
  readonly missing: readonly string[];
}

/**
 * The preview of an email campaign: its audience and the first emails as their recipients would get
 * them — subject, text and HTML with the footer (postal address, unsubscribe link) — rendered the way the
 * dispatcher renders them: the content once with substitution tags, then each recipient's values.
 */
async function previewEmail(
  precinct: Precinct,
  campaign: Campaign,
  limit: number,
  values: Values,
  io: CliIo,
): Promise<number> {
  const templates: EmailTemplates = emailTemplates(campaign.template);
  const organization = precinct.organization;
  const tagged = taggedEmail(templates, {
    organization: organization.name,
    postalAddress: organization.postalAddress ?? null,
  });
  // Each recipient's own signed link is made at launch; the preview shows where it will point.
  let base = "https://…";
  try {
    base = publicUrlOf(undefined, io.env)?.replace(/\/+$/, "") ?? base;
  } catch {
    // A malformed PRECINCT_PUBLIC_URL is reported by "send"; the preview still renders.
  }
  const unsubscribeLink = `${base}/webhooks/email/unsubscribe?t=(signed for each recipient)`;
  const [target, universe] = audienceOf(campaign);
  const audience = await precinct.segments.count(target, { universe });
  // Rendered by the engine exactly as the dispatcher renders them; each signed link is made at launch.
  const messages: EmailPreview[] = (
    await precinct.campaigns.preview(campaign.id, { limit, unsubscribeUrl: unsubscribeLink })
  ).map((message) => ({
    to: message.to,
    name: message.name,
    subject: message.subject ?? "",
    text: message.text ?? null,
    html: message.html ?? null,
    missing: message.missing,
  }));
  const from = campaign.sender ?? io.env.PRECINCT_EMAIL_FROM?.trim() ?? null;
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ ...summary(campaign), estimate: { audience }, from, postalAddress: organization.postalAddress, messages })}\n`,
    );
    return 0;
  }
  io.stdout(
    `${heading(campaign)}\n${table([
      ["audience", audience],
      ["from", from ?? "(not set: give --sender at create, or set PRECINCT_EMAIL_FROM to send)"],
      ["subject", templates.subject.source],
      [
        "parts",
        [tagged.text !== null ? "text" : null, tagged.html !== null ? "HTML" : null]
          .filter(Boolean)
          .join(" and "),
      ],
      ["footer", `${organization.name} · ${organization.postalAddress ?? ""} · one-click unsubscribe link`],
    ])}\n\n`,
  );
  if (messages.length === 0) {
    io.stdout("The audience is empty: nobody would get an email.\n");
    return 0;
  }
  io.stdout(`First ${plural(messages.length, "message")}:\n`);
  for (const message of messages) {
    const problems =
      message.to === null
        ? " — no email: no address"
        : message.missing.length > 0
          ? ` — would be blocked: no value for ${message.missing.join(", ")}`
          : "";
    if (message.to === null) {
      io.stdout(`  (no email)  ${message.name ?? "(no name)"}${problems}\n`);
      continue;
    }
    const body = (message.text ?? message.html ?? "")
      .split(/\r\n|\r|\n/)
      .map((line) => `    ${line}`)
      .join("\n");
    io.stdout(
      `  ${message.to}  ${message.name ?? "(no name)"}${problems}\n    Subject: ${message.subject}\n${body}\n`,
    );
  }
  return 0;
}

/** The campaign's audience as a segment target and the universe it counts (as the engine reads it). */
function audienceOf(campaign: Campaign): [SegmentTarget, "voters" | "people"] {
  const { segmentId, listId } = campaign.audience;
  if (segmentId) return [segmentId, "voters"];
  if (listId) return [{ lists: [listId] }, "people"];
  throw new UsageError(`campaign ${campaign.id} has no audience`);
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
  const emailTransportName = values["email-transport"] ?? "sendgrid";
  if (!isEmailTransportName(emailTransportName)) {
    throw new UsageError(
      `--email-transport must be ${EMAIL_TRANSPORT_NAMES.join(" or ")}, not "${emailTransportName}"`,
    );
  }
  if (values["public-url"] !== undefined) httpUrl(values["public-url"]);
  // Which transport depends on the campaign's channel: read it before building one.
  const reader = await openClient(values.db, values.org, io.env, clock(io));
  let channel: Campaign["channel"];
  try {
    channel = (await reader.campaigns.require(id)).channel;
  } finally {
    await reader.close();
  }
  if (channel === "email") {
    if (values.transport !== undefined) {
      throw new UsageError(
        `--transport is for text campaigns; campaign ${id} is an email campaign: use --email-transport`,
      );
    }
    return sendEmail(id, emailTransportName, values, io);
  }
  if (values["email-transport"] !== undefined) {
    throw new UsageError(`--email-transport is for email campaigns; campaign ${id} is a text campaign`);
  }
  return sendSms(id, transportName, values, io);
}

async function sendSms(
  id: string,
  transportName: (typeof TRANSPORT_NAMES)[number],
  values: Values,
  io: CliIo,
): Promise<number> {
  const publicUrl = publicUrlOf(values["public-url"], io.env);
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
      const others = await dueElsewhere(precinct, id, "sms", io.clock?.() ?? new Date());
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

async function sendEmail(
  id: string,
  transportName: (typeof EMAIL_TRANSPORT_NAMES)[number],
  values: Values,
  io: CliIo,
): Promise<number> {
  const publicUrl = publicUrlOf(values["public-url"], io.env);
  // The transport and settings first: a missing variable is reported before anything is launched.
  const transport = await createEmailTransport(transportName, io.env, { ...clock(io), offerFake: true });
  const settings: EmailSettings = emailSettings(io.env, {
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    throwaway: transport.fake !== null,
  });
  const throwaway = settings.unsubscribeSecret !== io.env.PRECINCT_UNSUBSCRIBE_SECRET?.trim();
  const precinct = await openClient(values.db, values.org, io.env, {
    plugins: { email: transport.email },
    email: settings,
    ...clock(io),
  });
  try {
    const before = await precinct.campaigns.require(id);
    if (before.sender === null && settings.from === undefined) {
      throw new ConfigError(
        `Campaign ${id} has no sender and PRECINCT_EMAIL_FROM is not set: set PRECINCT_EMAIL_FROM to "Name <address>" on a domain authenticated with your email provider (or create the campaign with --sender).`,
        { details: { variable: "PRECINCT_EMAIL_FROM" } },
      );
    }
    if (transport.fake !== null && !values.json) {
      io.stdout(
        "FAKE EMAIL: nothing real is sent. The emails go to an in-memory fake provider, but this database\n" +
          "records them as sent (try it on a copy of your database).\n",
      );
    }
    const draft = before.status === "draft" || before.status === "scheduled";
    if (!draft && before.status !== "running") {
      throw new PrecinctError({
        code: "conflict",
        message:
          before.status === "paused"
            ? `Campaign ${id} is paused${before.pausedReason ? ` (${words(before.pausedReason)})` : ""}; resume it first: precinct campaign resume ${id}`
            : `Campaign ${id} is ${before.status}: there is nothing left to send.`,
      });
    }
    if (transport.fake !== null) {
      // drain() sends every email due in the organization: the fake would mark real emails as sent.
      const others = await dueElsewhere(precinct, id, "email", io.clock?.() ?? new Date());
      if (others > 0) {
        throw new PrecinctError({
          code: "conflict",
          message: `--email-transport fake would also take ${plural(others, "email")} of other running campaigns due now, and record them as sent. Try the fake transport on a copy of the database (--db).`,
        });
      }
    }
    const launch: LaunchResult | null = draft ? await precinct.campaigns.launch(id) : null;
    if (launch !== null && !values.json) io.stdout(`${launchLine(before, launch)}\n`);

    const bar = progressBar(io, "sending");
    let campaignSent = 0;
    const off = precinct.bus.on("message.sent", ({ campaignId }) => {
      if (campaignId === id) bar.update(null, `${count(++campaignSent)} sent`);
    });
    let drain: DrainResult;
    try {
      drain = await precinct.dispatcher().drain();
    } finally {
      off();
      bar.done();
    }
    let simulatedDeliveries: number | null = null;
    if (transport.fake !== null) {
      // The fake reports every email delivered, through the signed event webhook a real provider posts to.
      const fake = transport.fake;
      const router = precinct.webhooks({ publicUrl: settings.publicUrl });
      const events = fake.sent.map((record) =>
        fake.emit({ type: "delivered", providerId: record.providerId }),
      );
      for (let start = 0; start < events.length; start += 1000) {
        const webhook = fake.eventsRequest(events.slice(start, start + 1000));
        const response = await router.handle(
          new Request(new URL("/webhooks/email/events", settings.publicUrl), {
            method: "POST",
            headers: webhook.request.headers,
            body: webhook.rawBody,
          }),
        );
        if (response.status !== 200) {
          throw new PrecinctError({
            code: "provider",
            message: `The fake provider's delivery events were refused (${response.status} ${await response.text()}).`,
          });
        }
      }
      simulatedDeliveries = events.length;
    }
    await precinct.campaigns.completeIfDone(id);
    const later = await notYetSent(precinct, id);
    const after = await precinct.campaigns.require(id);
    if (throwaway && later.length > 0) {
      // Unsubscribe links are signed at launch: a later send by "precinct serve" would carry dead links.
      io.stderr(
        `precinct campaign: ${plural(
          later.reduce((sum, group) => sum + group.count, 0),
          "email",
        )} of this campaign wait with unsubscribe links signed by a throwaway key (PRECINCT_UNSUBSCRIBE_SECRET was not set); cancel the campaign before this database sends for real: precinct campaign cancel ${id}\n`,
      );
    }
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
    io.stdout(
      `Sent ${count(drain.sent)}${campaignSent !== drain.sent ? ` (${count(campaignSent)} of this campaign)` : ""} with ${transport.description}; blocked ${count(drain.blocked)}, ` +
        `postponed ${count(drain.waiting)}, failed ${count(drain.failed)}, to retry ${count(drain.retried)}` +
        (drain.uncertain ? `, uncertain ${count(drain.uncertain)} (a crash during a send: not resent)` : "") +
        "\n",
    );
    if (simulatedDeliveries !== null) {
      io.stdout(`Delivered ${count(simulatedDeliveries)} (simulated by the fake email provider).\n`);
    } else {
      io.stdout(
        `Deliveries, bounces, spam reports, unsubscribes, opens and clicks come back to "precinct serve" (${settings.publicUrl.replace(/\/+$/, "")}/webhooks/email/events).\n`,
      );
    }
    if (later.length > 0) {
      io.stdout("Not sent yet:\n");
      for (const group of later.slice(0, 10)) io.stdout(`  ${laterLine(group)}\n`);
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
  if (campaign.channel === "email") {
    return (
      `Launched "${campaign.name}" (email): audience ${count(launch.audience)}; queued ${count(launch.queued)}, ` +
      `waiting ${count(launch.waiting)}, blocked ${count(blocked)}${reasons ? ` (${reasons})` : ""}, ` +
      `no email ${count(launch.noEmail ?? 0)}`
    );
  }
  return (
    `Launched "${campaign.name}" (${campaign.mode}): audience ${count(launch.audience)}; ` +
    `${campaign.mode === "p2p" ? "for texters" : "queued"} ${count(launch.queued)}, ` +
    `waiting ${count(launch.waiting)}, blocked ${count(blocked)}${reasons ? ` (${reasons})` : ""}, ` +
    `no phone ${count(launch.noPhone)}`
  );
}

/**
 * Messages on `channel` due now that are not this campaign's but that a dispatcher with only that
 * channel's transport would send (other campaigns, replies).
 */
async function dueElsewhere(
  precinct: Precinct,
  id: string,
  channel: "sms" | "email",
  now: Date,
): Promise<number> {
  const organizationId = precinct.organization.id;
  const row = await precinct.storage.db
    .selectFrom("outbox")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("organizationId", "=", organizationId)
    .where("channel", "=", channel)
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
    if (report.campaign.channel === "email") return await emailStatus(precinct, report, values, io);
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

/**
 * What came back from the email provider for one campaign: consent events it caused (spam complaints,
 * hard bounces, unsubscribes) and interactions (opens, clicks), each total and by distinct person.
 */
async function emailFeedback(precinct: Precinct, campaignId: string) {
  const db = precinct.storage.db;
  const organizationId = precinct.organization.id;
  const optOuts = await db
    .selectFrom("consentEvent")
    .select(["source", "rawText", (eb) => eb.fn.countAll().as("n")])
    .where("organizationId", "=", organizationId)
    .where("campaignId", "=", campaignId)
    .where("channel", "=", "email")
    .where("kind", "=", "opt_out")
    .groupBy(["source", "rawText"])
    .execute();
  let complaints = 0;
  let hardBounces = 0;
  let unsubscribes = 0;
  for (const row of optOuts) {
    const n = Number(row.n);
    // The engine appends a spam report as "spam complaint" and a hard bounce as "hard bounce[: reason]";
    // every other opt-out an email caused is someone leaving (one-click, the provider's link, a group).
    if (row.rawText === "spam complaint") complaints += n;
    else if (row.rawText?.startsWith("hard bounce")) hardBounces += n;
    else unsubscribes += n;
  }
  const interactions = await db
    .selectFrom("interaction")
    .select([
      "outcome",
      (eb) => eb.fn.countAll().as("n"),
      (eb) => eb.fn.count("personId").distinct().as("people"),
    ])
    .where("organizationId", "=", organizationId)
    .where("campaignId", "=", campaignId)
    .where("channel", "=", "email")
    .where("outcome", "in", ["opened", "clicked"])
    .groupBy("outcome")
    .execute();
  const outcome = (name: string) => interactions.find((row) => row.outcome === name);
  return {
    complaints,
    hardBounces,
    unsubscribes,
    opens: Number(outcome("opened")?.n ?? 0),
    uniqueOpens: Number(outcome("opened")?.people ?? 0),
    clicks: Number(outcome("clicked")?.n ?? 0),
    uniqueClicks: Number(outcome("clicked")?.people ?? 0),
  };
}

/** `campaign status` of an email campaign. */
async function emailStatus(
  precinct: Precinct,
  report: CampaignReport,
  values: Values,
  io: CliIo,
): Promise<number> {
  const { campaign, statuses, outbox } = report;
  const feedback = await emailFeedback(precinct, campaign.id);
  const state = (name: string) => outbox[name] ?? 0;
  // Dropped by the provider (a status event), or refused by it when sending.
  const failed = (statuses.failed ?? 0) + total(report.failed);
  const numbers = {
    channel: "email" as const,
    sent: report.sent,
    delivered: statuses.delivered ?? 0,
    // A bounce event (hard, or "blocked": refused for now) marks the email undelivered.
    bounced: statuses.undelivered ?? 0,
    hardBounces: feedback.hardBounces,
    failedTotal: failed,
    failed: report.failed,
    blockedTotal: total(report.blocked),
    blocked: report.blocked,
    queued: state("pending") + state("sending"),
    waiting: state("waiting"),
    canceled: state("canceled"),
    uncertain: state("uncertain"),
    complaints: feedback.complaints,
    // Complaints over emails sent, as the engine counts them for its warning (0.1%) and pause (0.3%).
    complaintRate: report.sent > 0 ? feedback.complaints / report.sent : 0,
    unsubscribes: feedback.unsubscribes,
    opens: feedback.opens,
    uniqueOpens: feedback.uniqueOpens,
    clicks: feedback.clicks,
    uniqueClicks: feedback.uniqueClicks,
    statuses,
    outbox,
  };
  if (values.json) {
    io.stdout(`${JSON.stringify({ ...summary(campaign), ...numbers })}\n`);
    return 0;
  }
  const rows: [string, string | number][] = [
    ["sent", numbers.sent],
    ["delivered", numbers.delivered],
    ["bounced", numbers.bounced],
  ];
  if (numbers.hardBounces > 0) rows.push(["  hard (address suppressed)", numbers.hardBounces]);
  rows.push(["dropped/failed", numbers.failedTotal]);
  for (const [reason, n] of Object.entries(report.failed)) rows.push([`  ${words(reason)}`, n]);
  rows.push(["blocked", numbers.blockedTotal]);
  for (const [reason, n] of Object.entries(report.blocked)) rows.push([`  ${words(reason)}`, n]);
  if (numbers.queued > 0) rows.push(["queued", numbers.queued]);
  rows.push(["waiting", numbers.waiting]);
  if (numbers.canceled > 0) rows.push(["canceled", numbers.canceled]);
  if (numbers.uncertain > 0) rows.push(["uncertain (crash during send, not resent)", numbers.uncertain]);
  rows.push(
    [
      "spam complaints",
      `${count(numbers.complaints)} (${(numbers.complaintRate * 100).toFixed(2)}% of sent)`,
    ],
    ["unsubscribes", numbers.unsubscribes],
    ["opens", `${count(numbers.opens)} (${plural(numbers.uniqueOpens, "person", "people")})`],
    ["clicks", `${count(numbers.clicks)} (${plural(numbers.uniqueClicks, "person", "people")})`],
  );
  io.stdout(
    `${heading(campaign)}${campaign.pausedReason ? `, paused: ${words(campaign.pausedReason)}` : ""}\n${table(rows)}\n`,
  );
  return 0;
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
          (canceled !== null
            ? `; ${plural(canceled, campaign.channel === "email" ? "email" : "text")} will not be sent`
            : "") +
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
  return {
    id: campaign.id,
    name: campaign.name,
    channel: campaign.channel,
    mode: campaign.mode,
    status: campaign.status,
  };
}

function heading(campaign: Campaign): string {
  return `"${campaign.name}" (${campaign.channel === "email" ? "email, " : ""}${campaign.mode}, ${campaign.status})`;
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
