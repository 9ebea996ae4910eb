/**
 * The floor under the email target: what the database alone takes to write the rows the engine's design
 * requires for each email, with no Node, no rendering, no gate and no HTTP. After a run, the database's own
 * shell (`sqlite3` or `psql`) copies that run's email rows into empty tables with the same indexes and makes
 * the outbox's two state changes, one statement each:
 *
 * 1. the outbox rows, as the launch wrote them (`pending`);
 * 2. the claim (`pending` → `sending`), which must be durable before a provider call so a crash cannot
 *    send twice;
 * 3. the outcome (`sending` → `sent`, with the provider's id);
 * 4. the message rows (delivery status, reports, frequency caps);
 * 5. the interaction rows (the contact history).
 *
 * Each statement runs as one transaction over every row (the cheapest way to write them), foreign keys are
 * not checked and no checkpoint is timed, so the floor is a lower bound. Creating the empty tables is not
 * timed.
 */
import { join } from "node:path";
import type { EngineDatabase } from "./postgres.js";
import { runCommand } from "./util.js";

/** The tables the floor writes. */
const TABLES = ["outbox", "message", "interaction"] as const;

/** The floor's statements and their wall times. */
export interface EmailFloor {
  /** Each step's wall time, ms, in order. */
  readonly steps: readonly { readonly step: string; readonly ms: number }[];
  /** Their sum, ms. */
  readonly ms: number;
}

/** Outbox columns as the launch leaves them; the rest are copied. */
const LAUNCHED: Readonly<Record<string, string>> = {
  state: "'pending'",
  reason: "NULL",
  attempts: "0",
  lease_until: "NULL",
  claimed_at: "NULL",
  message_id: "NULL",
  provider_id: "NULL",
  error_code: "NULL",
  error_message: "NULL",
  sent_at: "NULL",
};

const STEPS = [
  "outbox rows",
  "claim (pending → sending)",
  "outcome (sending → sent)",
  "message rows",
  "interaction rows",
] as const;

function statements(
  columns: readonly string[],
  source: (table: string) => string,
  target: (table: string) => string,
): string[] {
  const quoted = columns.map((column) => `"${column}"`);
  const launched = columns.map((column) => LAUNCHED[column] ?? `"${column}"`);
  return [
    `insert into ${target("outbox")} (${quoted.join(", ")}) select ${launched.join(", ")} from ${source("outbox")} where channel = 'email';`,
    `update ${target("outbox")} set state = 'sending', lease_until = updated_at, claimed_at = updated_at, attempts = attempts + 1 where state = 'pending';`,
    `update ${target("outbox")} set state = 'sent', lease_until = NULL, message_id = id, provider_id = id, sent_at = updated_at where state = 'sending';`,
    `insert into ${target("message")} select * from ${source("message")} where channel = 'email';`,
    `insert into ${target("interaction")} select * from ${source("interaction")} where channel = 'email';`,
  ];
}

/** Measures the floor on the run's database: a SQLite file, or a PostgreSQL URL. */
export async function emailFloor(kind: EngineDatabase, database: string, dir: string): Promise<EmailFloor> {
  return kind === "sqlite" ? sqliteFloor(database, dir) : postgresFloor(database);
}

async function sqliteFloor(engine: string, dir: string): Promise<EmailFloor> {
  const floor = join(dir, "email-floor.db");
  const schema = (
    await runCommand("sqlite3", [
      engine,
      `select sql || ';' from sqlite_master where tbl_name in (${TABLES.map((t) => `'${t}'`).join(", ")}) and sql is not null order by type = 'index', name;`,
    ])
  ).stdout;
  const columns = (
    await runCommand("sqlite3", [engine, "select name from pragma_table_info('outbox');"])
  ).stdout
    .trim()
    .split("\n");
  await runCommand("sqlite3", [floor, "pragma journal_mode = wal;", schema]);
  const script = [
    "pragma synchronous = normal;",
    "pragma cache_size = -65536;",
    "pragma wal_autocheckpoint = 0;",
    `attach '${engine}' as src;`,
    ".timer on",
    ...statements(
      columns,
      (table) => `src."${table}"`,
      (table) => `main."${table}"`,
    ),
  ];
  const { stdout } = await runCommand("sqlite3", [floor], { input: script.join("\n") });
  const times = [...stdout.matchAll(/Run Time: real ([\d.]+)/g)].map((match) => Number(match[1]) * 1000);
  return summed(times);
}

async function postgresFloor(url: string): Promise<EmailFloor> {
  const psql = (input: string) => runCommand("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAt"], { input });
  const columns = (
    await psql(
      "select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'outbox' order by ordinal_position;",
    )
  ).stdout
    .trim()
    .split("\n");
  const floorTable = (table: string) => `"${table}_floor"`;
  const drop = `set client_min_messages = warning;\n${TABLES.map((table) => `drop table if exists ${floorTable(table)};`).join("\n")}`;
  await psql(
    `${drop}\n${TABLES.map((table) => `create table ${floorTable(table)} (like "${table}" including all);`).join("\n")}`,
  );
  try {
    const { stdout } = await psql(
      ["\\timing on", ...statements(columns, (table) => `"${table}"`, floorTable)].join("\n"),
    );
    const times = [...stdout.matchAll(/Time: ([\d.]+) ms/g)].map((match) => Number(match[1]));
    return summed(times);
  } finally {
    await psql(drop);
  }
}

function summed(times: readonly number[]): EmailFloor {
  if (times.length !== STEPS.length)
    throw new Error(`the email floor expected ${STEPS.length} timings, got ${times.length}`);
  const steps = STEPS.map((step, i) => ({ step, ms: times[i]! }));
  return { steps, ms: times.reduce((sum, ms) => sum + ms, 0) };
}
