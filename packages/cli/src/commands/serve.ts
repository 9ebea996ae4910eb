/**
 * `precinct serve`: the webhook server (replies, opt-outs, delivery reports) and a background dispatcher.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Dispatcher, type EventBus, type RunningServer, serveWebhooks } from "@precinct/core";
import { openClient } from "../database.js";
import { count, maskPhone, words } from "../format.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../io.js";
import { httpUrl, positiveInteger } from "../options.js";
import { createTransport, TWILIO_VARIABLES } from "../transport.js";

/** A webhook `precinct serve` answers, and where to configure it. */
export interface ServeWebhook {
  /** HTTP method. */
  readonly method: "POST";
  /** Path on the server. */
  readonly path: string;
  /** What to configure it as, in Twilio's words. */
  readonly configure: string;
}

/**
 * The webhooks `precinct serve` answers with the Twilio transport: the routes `precinct.webhooks()` makes
 * for it (a test checks the two agree). Listed here so `--help` needs neither credentials nor a database.
 */
export const SERVE_WEBHOOKS: readonly ServeWebhook[] = [
  {
    method: "POST",
    path: "/webhooks/sms/inbound",
    configure:
      "incoming texts: set it as the number's (or Messaging Service's) \"A message comes in\" webhook",
  },
  {
    method: "POST",
    path: "/webhooks/sms/status",
    configure: "delivery reports: given with each text as its status callback (needs --public-url)",
  },
];

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = "127.0.0.1";
/** How often the background dispatcher re-reads campaign states, so a pause from another shell takes hold. */
const REFRESH_MS = 2000;
/** How often sends and delivery reports are summed up in the log. */
const TALLY_MS = 10_000;

/** Help for `precinct serve`; with a public URL the webhooks are listed as full URLs. */
export function serveHelp(publicUrl?: string): string {
  const base = publicUrl?.replace(/\/+$/, "");
  const hooks = SERVE_WEBHOOKS.map(
    (hook) => `  ${hook.method} ${base ?? ""}${hook.path}\n       ${hook.configure}`,
  ).join("\n");
  return `Usage: precinct serve [--port <n>] [--host <address>] [--public-url <url>] [options]

Receives Twilio's webhooks (replies, STOP/START/HELP, delivery reports) and, unless --no-dispatch, sends
queued campaign texts in the background, each when its recipient's sending window opens. Runs until
Ctrl-C (SIGINT) or SIGTERM, then finishes the texts in flight and exits 0.

Webhooks${base ? "" : " (paths on your public URL)"}:
${hooks}

Twilio signs each webhook over the URL it called. Put the server behind HTTPS (a reverse proxy or a
tunnel) and give that address as --public-url: without it the signatures are checked against the local
URL, which is only right when Twilio calls this server directly.

Options:
  --port <n>            port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <address>      interface to listen on (default ${DEFAULT_HOST})
  --public-url <url>    the public base URL Twilio calls, e.g. https://organize.example.org
  --no-dispatch         only receive webhooks; send nothing
  --db <path-or-url>    SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>    organization (default: default)
  -h, --help            show this help

Environment:
${TWILIO_VARIABLES.map(([name, what]) => `  ${name.padEnd(30)}${what}`).join("\n")}`;
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
  const publicUrl = values["public-url"] === undefined ? undefined : httpUrl(values["public-url"]);
  if (values.help) {
    io.stdout(`${serveHelp(publicUrl)}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = positiveInteger("port", values.port, 0) ?? DEFAULT_PORT;
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, not ${port}`);
  const host = values.host ?? DEFAULT_HOST;

  const transport = await createTransport("twilio", io.env);
  const precinct = await openClient(values.db, values.org, io.env, {
    plugins: { sms: transport.sms },
    ...(io.clock ? { clock: io.clock } : {}),
  });
  let server: RunningServer | undefined;
  let dispatcher: Dispatcher | undefined;
  let refresh: NodeJS.Timeout | undefined;
  const log = logEvents(precinct.bus, io);
  try {
    const router = precinct.webhooks(publicUrl ? { publicUrl } : {});
    server = await serveWebhooks(router, { port, host });
    const local = server.url;
    io.stdout(
      `precinct serve: listening on ${local} for the organization "${precinct.organization.slug}" (${transport.description})\n`,
    );
    io.stdout(`Webhooks${publicUrl ? "" : " (local URLs: give --public-url for the ones to configure)"}:\n`);
    const urls = router.routes.map((route) => route.url ?? `${local}${route.path}`);
    const width = Math.max(0, ...urls.map((url) => url.length));
    router.routes.forEach((route, index) => {
      io.stdout(`  ${route.method} ${urls[index]!.padEnd(width)}  ${route.description}\n`);
    });
    if (!publicUrl) {
      io.stderr(
        "precinct serve: no --public-url: signatures are checked against the local URLs above, and texts are sent without a status callback\n",
      );
    }

    if (!values["no-dispatch"]) {
      const statusCallbackUrl = router.smsStatusUrl;
      const running = precinct.dispatcher(statusCallbackUrl ? { statusCallbackUrl } : {});
      dispatcher = running;
      running.start();
      // Pauses and cancels made by "precinct campaign pause" in another process reach this dispatcher's cache.
      refresh = setInterval(() => running.refresh(), REFRESH_MS);
      io.stdout(
        `Dispatcher: sending queued texts${statusCallbackUrl ? `, delivery reports to ${statusCallbackUrl}` : ""}\n`,
      );
    } else {
      io.stdout("Dispatcher: off (--no-dispatch)\n");
    }
    io.stdout("Press Ctrl-C to stop.\n");
    await stopped(io.signal);
    io.stdout("precinct serve: stopping\n");
  } finally {
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
 * Logs what the server does: each reply (numbers masked) and each campaign pause at once, and the number
 * of texts sent and delivery reports every few seconds (one line per text would drown a big blast).
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
      io.stdout(`${stamp()} failed to ${maskPhone(to)}: ${words(reason)}\n`);
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
