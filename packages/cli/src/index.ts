/**
 * `@precinct/cli` — the `precinct` command. {@link run} runs it in-process (what the `precinct` binary calls),
 * which is also how to script it from Node or test it.
 *
 * @packageDocumentation
 */
import { PrecinctError } from "@precinct/core";
import { CAMPAIGN_HELP, campaignCommand } from "./commands/campaign.js";
import { IMPORT_HELP, importCommand } from "./commands/import.js";
import { MATCH_HELP, matchCommand } from "./commands/match.js";
import { PHONEBANK_HELP, phonebankCommand } from "./commands/phonebank.js";
import { SEGMENT_HELP, segmentCommand } from "./commands/segment.js";
import { SERVE_HELP, SERVE_WEBHOOKS, serveCommand } from "./commands/serve.js";
import { type CliIo, processIo, UsageError } from "./io.js";

export { SERVE_WEBHOOKS, type ServeWebhook } from "./commands/serve.js";
export type { CliIo } from "./io.js";

const HELP = `Usage: precinct <command> [options]

Commands:
  import <file>                 import a voter registration or vote history file
  segment count --where <json>  count the voters a segment filter selects
  segment export --where <json> write a segment's members as CSV
  match <people.csv>            add people from a CSV and match them to voters
  campaign create --name <n> (--segment <id> | --list <id> | --where <json>) --body <template>
                                save a draft text campaign (p2p, or --mode blast)
  campaign preview <id>         the estimate (audience, segments, cost) and the first messages
  campaign send <id>            launch it; a blast is sent now (--transport fake: nothing real)
  campaign status <id>          sent, delivered, blocked, waiting, replies, opt-outs
  campaign pause|resume|cancel <id>
  phonebank create --name <n> (--segment <id> | --list <id> | --where <json>) --mode <m>
                   --consent <policy> --caller-id <number>
                                a phone bank (preview, power or predictive) and its call list
  phonebank status <id>         contacts, results, calls, abandonment, volunteers on now
  phonebank export <id>         every call with its result and survey answers, as CSV
  serve                         receive webhooks (texts, phone banks, email) and send queued
                                messages until stopped

Webhooks served by "precinct serve":
${SERVE_WEBHOOKS.map((hook) => `  ${hook.method} ${hook.path}`).join("\n")}

Run "precinct <command> --help" for a command's options and environment variables.`;

const COMMANDS: Record<string, { run: (args: string[], io: CliIo) => Promise<number>; help: string }> = {
  import: { run: importCommand, help: IMPORT_HELP },
  segment: { run: segmentCommand, help: SEGMENT_HELP },
  match: { run: matchCommand, help: MATCH_HELP },
  campaign: { run: campaignCommand, help: CAMPAIGN_HELP },
  phonebank: { run: phonebankCommand, help: PHONEBANK_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
};

/**
 * Runs the `precinct` command line.
 *
 * @param argv - The arguments after the program name, e.g. `["import", "ncvoter.txt", "--json"]`.
 * @param io - Output streams and environment; default the process's.
 * @returns The exit status: 0 done, 1 the work could not be done (the reason is on stderr), 2 a usage error.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`precinct: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`precinct ${name}: ${(error as Error).message}\n\n${command.help}\n`);
      return 2;
    }
    const message = PrecinctError.isInstance(error)
      ? error.message
      : String((error as Error)?.message ?? error);
    io.stderr(`precinct ${name}: ${message}\n`);
    return 1;
  }
}
