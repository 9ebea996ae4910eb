/**
 * `precinct serve`: the webhook server (replies, opt-outs, delivery reports, phone-bank calls, email
 * events, one-click unsubscribes), a background dispatcher, and the phone banks' background upkeep.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  ConfigError,
  type Dispatcher,
  type EmailSettings,
  type EventBus,
  type Precinct,
  type PrecinctPlugins,
  type RunningServer,
  serveWebhooks,
} from "@precinct/core";
import { openClient } from "../database.js";
import { count, maskPhone, plural, words } from "../format.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../io.js";
import { httpUrl, positiveInteger, publicUrlOf } from "../options.js";
import {
  type CliEmailTransport,
  type CliTransport,
  type CliVoiceTransport,
  createEmailTransport,
  createTransport,
  createVoiceTransport,
  EMAIL_VARIABLES,
  emailSettings,
  hasTwilioSender,
  SENDGRID_VARIABLES,
  TWILIO_VARIABLES,
} from "../transport.js";

/** A webhook `precinct serve` answers, and where to configure it. */
export interface ServeWebhook {
  /** HTTP method. */
  readonly method: "POST" | "GET";
  /** Path on the server. */
  readonly path: string;
  /**
   * What it serves: `sms` routes are served when Twilio is configured with a sender
   * (`TWILIO_FROM_NUMBER` or `TWILIO_MESSAGING_SERVICE_SID`), `voice` routes (phone banks) whenever the
   * Twilio account is (`TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN`: phone banks carry their own caller
   * id), `email` routes when SendGrid is (`SENDGRID_API_KEY`).
   */
  readonly channel: "sms" | "voice" | "email";
  /** What to configure it as, in the provider's words. */
  readonly configure: string;
}

/**
 * The webhooks `precinct serve` answers: the routes `precinct.webhooks()` makes for the Twilio texting and
 * voice transports, the SendGrid transport and the email settings (a test checks the two agree). Listed
 * here so `--help` needs neither credentials nor a database.
 */
export const SERVE_WEBHOOKS: readonly ServeWebhook[] = [
  {
    method: "POST",
    path: "/webhooks/sms/inbound",
    channel: "sms",
    configure:
      "incoming texts: set it as the number's (or Messaging Service's) \"A message comes in\" webhook",
  },
  {
    method: "POST",
    path: "/webhooks/sms/status",
    channel: "sms",
    configure: "delivery reports: given with each text as its status callback (needs --public-url)",
  },
  {
    method: "POST",
    path: "/webhooks/voice/answer",
    channel: "voice",
    configure:
      "answer URL of phone-bank calls: the dialer gives it with each call it places, nothing to configure in the Twilio Console (needs --public-url)",
  },
  {
    method: "POST",
    path: "/webhooks/voice/status",
    channel: "voice",
    configure:
      "call status and asynchronous answering-machine detection: given with each call, nothing to configure",
  },
  {
    method: "POST",
    path: "/webhooks/voice/amd",
    channel: "voice",
    configure:
      "machine detection posted apart from status callbacks (a transport's amdStatusCallbackUrl); nothing to configure",
  },
  {
    method: "POST",
    path: "/webhooks/email/events",
    channel: "email",
    configure:
      "SendGrid events: Settings → Mail Settings → Event Webhook → HTTP POST URL, with Signed Event Webhook on",
  },
  {
    method: "POST",
    path: "/webhooks/email/unsubscribe",
    channel: "email",
    configure:
      "one-click unsubscribe: mailbox providers post List-Unsubscribe=One-Click to each email's own link",
  },
  {
    method: "GET",
    path: "/webhooks/email/unsubscribe",
    channel: "email",
    configure: "the unsubscribe link in each email's footer: a page whose button confirms",
  },
];

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = "127.0.0.1";
/** How often the background dispatcher re-reads campaign states, so a pause from another shell takes hold. */
const REFRESH_MS = 2000;
/** How often sends and delivery reports are summed up in the log. */
const TALLY_MS = 10_000;
/**
 * How often phone banks get their upkeep (`precinct.phonebanks.tick()`): expired claims handed back, lost
 * calls closed, idle power volunteers dialed for once windows open, predictive phone banks paced.
 */
const PHONEBANK_TICK_MS = 5000;
/**
 * The variables whose presence turns Twilio on: the account variables are then required; phone banks need
 * nothing more, texts a sender too.
 */
const TWILIO_SWITCHES = [
  "TWILIO_ACCOUNT_SID",
  "TWILIO_AUTH_TOKEN",
  "TWILIO_MESSAGING_SERVICE_SID",
  "TWILIO_FROM_NUMBER",
  "TWILIO_PHONE_NUMBER",
];

/** Help for `precinct serve`; with a public URL the webhooks are listed as full URLs. */
export function serveHelp(publicUrl?: string): string {
  const base = publicUrl?.replace(/\/+$/, "");
  const hooks = (channel: ServeWebhook["channel"]) =>
    SERVE_WEBHOOKS.filter((hook) => hook.channel === channel)
      .map((hook) => `  ${hook.method} ${base ?? ""}${hook.path}\n       ${hook.configure}`)
      .join("\n");
  const variables = (list: readonly (readonly [string, string])[]) =>
    list.map(([name, what]) => `  ${name.padEnd(34)}${what}`).join("\n");
  return `Usage: precinct serve [--port <n>] [--host <address>] [--public-url <url>] [options]

Receives Twilio's webhooks when Twilio is configured: texts (replies, STOP/START/HELP, delivery
reports) when a sender is set (TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID), and phone-bank calls
(answers, call status, answering-machine detection) with the account variables alone, since every phone
bank has its own caller id: with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN but no sender, only phone banks
are served. It receives SendGrid's event webhook (deliveries, bounces, spam reports, unsubscribes, opens,
clicks) and one-click unsubscribes when SendGrid is configured (SENDGRID_API_KEY). Unless --no-dispatch,
it also sends queued campaign texts and emails in the background, each text when its recipient's sending
window opens, and every ${PHONEBANK_TICK_MS / 1000} s gives phone banks their upkeep (expired claims handed
back, lost calls closed, power volunteers dialed for when a window opens, predictive lines paced). Runs
until Ctrl-C (SIGINT) or SIGTERM, then finishes the work in flight and exits 0.

Webhooks${base ? "" : " (paths on your public URL)"}, texts (Twilio):
${hooks("sms")}
Phone banks (Twilio Voice):
${hooks("voice")}
Email (SendGrid):
${hooks("email")}

Twilio signs each webhook over the URL it called. Put the server behind HTTPS (a reverse proxy or a
tunnel) and give that address as --public-url: without it the signatures are checked against the local
URL, which is only right when Twilio calls this server directly. Phone banks need the public URL: every
call is placed with its answer and status URLs there, so without one no call can be placed. Email needs
it too: every email's unsubscribe link points there.

Options:
  --port <n>            port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <address>      interface to listen on (default ${DEFAULT_HOST})
  --public-url <url>    the public base URL providers call, e.g. https://organize.example.org
                        (default: $PRECINCT_PUBLIC_URL)
  --no-dispatch         only receive webhooks: send no queued texts or emails, and no phone-bank
                        upkeep (a call's own webhooks still dial a power volunteer's next contact)
  --db <path-or-url>    SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>    organization (default: default)
  -h, --help            show this help

Environment, texts and phone banks (phone banks need only the account SID and auth token):
${variables(TWILIO_VARIABLES)}
Environment, email (SENDGRID_API_KEY turns it on; then the verification key, the public URL and the
unsubscribe secret are required):
${variables([...SENDGRID_VARIABLES, ...EMAIL_VARIABLES])}`;
}

/** Help for `precinct serve` (without a public URL). */
export const SERVE_HELP = serveHelp();

/** Runs `precinct serve`. */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "public-url": { type: "string" },
      "no-dispatch": { type: "boolean", default: false },
      db: { type: "string" },
      org: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    let shown = values["public-url"] === undefined ? undefined : httpUrl(values["public-url"]);
    try {
      shown ??= publicUrlOf(undefined, io.env);
    } catch {
      // A malformed PRECINCT_PUBLIC_URL: help is still help (running reports it).
    }
    io.stdout(`${serveHelp(shown)}\n`);
    return 0;
  }
  const publicUrl = publicUrlOf(values["public-url"], io.env);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = positiveInteger("port", values.port, 0) ?? DEFAULT_PORT;
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, not ${port}`);
  const host = values.host ?? DEFAULT_HOST;

  // Twilio when any Twilio variable is set (then the account is required): phone banks with the account
  // alone, texts when a sender is set too. Email when SendGrid's key is.
  const wantsEmail = Boolean(io.env.SENDGRID_API_KEY?.trim());
  const wantsTwilio = TWILIO_SWITCHES.some((name) => Boolean(io.env[name]?.trim()));
  if (!wantsTwilio && !wantsEmail) {
    throw new ConfigError(
      "TWILIO_ACCOUNT_SID is not set, nor SENDGRID_API_KEY: set the Twilio variables to run phone banks and (with a sender) receive and send texts, SENDGRID_API_KEY (and the email variables) for email, or both. See precinct serve --help.",
      { details: { variables: ["TWILIO_ACCOUNT_SID", "SENDGRID_API_KEY"] } },
    );
  }
  const voice: CliVoiceTransport | null = wantsTwilio ? await createVoiceTransport(io.env) : null;
  const transport: CliTransport | null =
    wantsTwilio && hasTwilioSender(io.env) ? await createTransport("twilio", io.env) : null;
  let email: CliEmailTransport | null = null;
  let settings: EmailSettings | undefined;
  if (wantsEmail) {
    email = await createEmailTransport("sendgrid", io.env, { receivesEvents: true });
    if (publicUrl === undefined) {
      throw new ConfigError(
        "PRECINCT_PUBLIC_URL is not set (or give --public-url): with SendGrid configured, every email links to <public URL>/webhooks/email/unsubscribe, so this server must know the https address providers reach it at.",
        { details: { variable: "PRECINCT_PUBLIC_URL" } },
      );
    }
    settings = emailSettings(io.env, { publicUrl });
  }
  const plugins: PrecinctPlugins = {
    ...(transport ? { sms: transport.sms } : {}),
    ...(voice ? { voice: voice.voice } : {}),
    ...(email ? { email: email.email } : {}),
  };
  const precinct = await openClient(values.db, values.org, io.env, {
    plugins,
    email: settings,
    ...(io.clock ? { clock: io.clock } : {}),
  });
  let server: RunningServer | undefined;
  let dispatcher: Dispatcher | undefined;
  let refresh: NodeJS.Timeout | undefined;
  let upkeep: { stop(): Promise<void> } | undefined;
  const log = logEvents(precinct.bus, io);
  try {
    // With a public URL the router also tells the dialer where calls are answered.
    const router = precinct.webhooks(publicUrl ? { publicUrl } : {});
    server = await serveWebhooks(router, { port, host });
    const local = server.url;
    const serving = [
      transport?.description,
      voice ? `phone banks: ${voice.description}` : undefined,
      email ? `email: ${email.description}` : undefined,
    ];
    io.stdout(
      `precinct serve: listening on ${local} for the organization "${precinct.organization.slug}" (${serving.filter(Boolean).join("; ")})\n`,
    );
    if (voice && !transport) {
      io.stdout(
        "Texts: off (no TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID; phone banks need neither)\n",
      );
    }
    io.stdout(`Webhooks${publicUrl ? "" : " (local URLs: give --public-url for the ones to configure)"}:\n`);
    const urls = router.routes.map((route) => route.url ?? `${local}${route.path}`);
    const width = Math.max(0, ...urls.map((url) => url.length));
    router.routes.forEach((route, index) => {
      io.stdout(`  ${route.method} ${urls[index]!.padEnd(width)}  ${route.description}\n`);
    });
    if (!publicUrl && (transport || voice)) {
      io.stderr(
        `precinct serve: no --public-url: signatures are checked against the local URLs above${transport ? ", and texts are sent without a status callback" : ""}\n`,
      );
    }
    if (!publicUrl && voice) {
      io.stderr(
        "precinct serve: no --public-url: phone banks cannot place calls (Twilio must reach each call's answer URL); give --public-url or set PRECINCT_PUBLIC_URL\n",
      );
    }

    if (!values["no-dispatch"]) {
      if (transport || email) {
        const statusCallbackUrl = router.smsStatusUrl;
        const running = precinct.dispatcher(statusCallbackUrl ? { statusCallbackUrl } : {});
        dispatcher = running;
        running.start();
        // Pauses and cancels made by "precinct campaign pause" in another process reach this dispatcher's cache.
        refresh = setInterval(() => running.refresh(), REFRESH_MS);
        const what = [transport ? "texts" : null, email ? "emails" : null].filter(Boolean).join(" and ");
        io.stdout(
          `Dispatcher: sending queued ${what}${statusCallbackUrl ? `, delivery reports to ${statusCallbackUrl}` : ""}\n`,
        );
      }
      const answerUrl = precinct.phonebanks.webhookUrls()?.answer;
      if (voice && answerUrl) {
        upkeep = phoneBankUpkeep(precinct, io);
        io.stdout(
          `Phone banks: calls answered at ${answerUrl}; upkeep every ${PHONEBANK_TICK_MS / 1000} s\n`,
        );
      } else if (voice) {
        io.stdout("Phone banks: no calls without --public-url\n");
      }
    } else {
      io.stdout("Dispatcher: off (--no-dispatch)\n");
    }
    io.stdout("Press Ctrl-C to stop.\n");
    await stopped(io.signal);
    io.stdout("precinct serve: stopping\n");
  } finally {
    // No new dials once stopping; the tick in flight finishes before the database closes.
    await upkeep?.stop();
    clearInterval(refresh);
    await dispatcher?.stop();
    await server?.close();
    log.stop();
    await precinct.close();
  }
  io.stdout("precinct serve: stopped\n");
  return 0;
}

/**
 * Runs `precinct.phonebanks.tick()` now (work a stopped server left: expired claims, lost calls) and then
 * every {@link PHONEBANK_TICK_MS}, one at a time. Recovered and dialed contacts are logged; a failure is
 * logged to stderr (once while it repeats) and never stops the server. `stop()` cancels the next tick and
 * waits for the one in flight.
 */
function phoneBankUpkeep(precinct: Precinct, io: CliIo): { stop(): Promise<void> } {
  const stamp = () => new Date().toISOString().slice(11, 19);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopping = false;
  let lastFailure: string | null = null;
  const tick = async () => {
    try {
      const { recovered, dialed } = await precinct.phonebanks.tick();
      lastFailure = null;
      const done = [
        recovered > 0 ? `${plural(recovered, "contact")} recovered (expired claims, lost calls)` : null,
        dialed > 0 ? `${plural(dialed, "call")} placed` : null,
      ].filter(Boolean);
      if (done.length > 0) io.stdout(`${stamp()} phone banks: ${done.join(", ")}\n`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastFailure) io.stderr(`precinct serve: phone-bank upkeep failed: ${message}\n`);
      lastFailure = message;
    }
  };
  const cycle = () => {
    running = tick().finally(() => {
      running = null;
      if (!stopping) timer = setTimeout(cycle, PHONEBANK_TICK_MS);
    });
  };
  cycle();
  return {
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Logs what the server does: each reply and email opt-out (contacts masked), each campaign warning and
 * pause at once, and the number of messages sent and delivery reports every few seconds (one line per
 * message would drown a big blast).
 */
function logEvents(bus: EventBus, io: CliIo): { stop(): void } {
  const stamp = () => new Date().toISOString().slice(11, 19);
  let sent = 0;
  const statuses: Record<string, number> = {};
  const flush = () => {
    const reports = Object.entries(statuses)
      .map(([status, n]) => `${status} ${count(n)}`)
      .join(", ");
    if (sent === 0 && reports === "") return;
    io.stdout(`${stamp()} sent ${count(sent)}${reports ? `; delivery reports: ${reports}` : ""}\n`);
    sent = 0;
    for (const key of Object.keys(statuses)) delete statuses[key];
  };
  const listeners = [
    bus.on("message.received", ({ from, intent }) => {
      io.stdout(`${stamp()} received ${words(intent)} from ${maskPhone(from)}\n`);
    }),
    bus.on("message.failed", ({ to, reason }) => {
      io.stdout(`${stamp()} failed to ${maskContact(to)}: ${words(reason)}\n`);
    }),
    bus.on("campaign.warning", ({ campaignId, reason, detail }) => {
      io.stdout(`${stamp()} campaign ${campaignId} warning: ${words(reason)} (${detail})\n`);
    }),
    bus.on("consent.revoked", ({ event }) => {
      // Texts log their opt-outs as replies; email opt-outs arrive as events and one-click posts.
      if (event.channel !== "email") return;
      io.stdout(
        `${stamp()} email opt-out of ${maskContact(event.contactPoint)}: ${event.rawText ?? words(event.source)}\n`,
      );
    }),
    bus.on("campaign.paused", ({ campaignId, reason, detail }) => {
      io.stdout(
        `${stamp()} campaign ${campaignId} paused: ${words(reason)}${detail ? ` (${detail})` : ""}\n`,
      );
    }),
    bus.on("message.sent", () => {
      sent += 1;
    }),
    bus.on("message.status", ({ to }) => {
      statuses[to] = (statuses[to] ?? 0) + 1;
    }),
  ];
  const timer = setInterval(flush, TALLY_MS);
  return {
    /** Logs the last tally and stops listening. */
    stop() {
      clearInterval(timer);
      flush();
      for (const off of listeners) off();
    },
  };
}

/** Masks a phone number or an email address for logs: `+1919•••0123`, `a•••@example.org`. */
function maskContact(contact: string): string {
  const at = contact.indexOf("@");
  return at > 0 ? `${contact[0]}•••${contact.slice(at)}` : maskPhone(contact);
}

/** Resolves when `signal` aborts, or, without one, at the process's first SIGINT or SIGTERM. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
