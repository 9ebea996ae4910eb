/**
 * `precinct segment count|export`.
 *
 * @module
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { SEGMENT_MEMBER_FIELDS, type SegmentMemberField } from "@precinct/core";
import { openClient } from "../database.js";
import { type CliIo, UsageError } from "../io.js";

/** Help for `precinct segment`. */
export const SEGMENT_HELP = `Usage: precinct segment count  --where <json> [options]
       precinct segment export --where <json> [--out <file.csv>] [--fields a,b,c] [options]

A segment filter is JSON (see docs/segments.md); {} means every voter. --where may also name a saved
segment by id.

Options:
  --where <json|id>   the filter, or a saved segment's id
  --out <file>        export: write the CSV here instead of stdout
  --fields <list>     export: columns, default ${SEGMENT_MEMBER_FIELDS.join(",")}
  --explain           print the database's query plan instead of running the query
  --db <path-or-url>  SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>  organization (default: default)
  --json              count: print { "count": N } as the last line of stdout
  -h, --help          show this help`;

/** Runs `precinct segment`. */
export async function segmentCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      where: { type: "string" },
      out: { type: "string" },
      fields: { type: "string" },
      explain: { type: "boolean", default: false },
      db: { type: "string" },
      org: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.stdout(`${SEGMENT_HELP}\n`);
    return 0;
  }
  const [action, ...extra] = positionals;
  if ((action !== "count" && action !== "export") || extra.length > 0) {
    throw new UsageError("expected count or export");
  }
  if (values.where === undefined) throw new UsageError("--where is required ({} for everyone)");
  const target = parseTarget(values.where);
  const fields = parseFields(values.fields);

  const precinct = await openClient(values.db, values.org, io.env);
  try {
    if (values.explain) {
      io.stdout(`${await precinct.segments.explain(target as never)}\n`);
      return 0;
    }
    if (action === "count") {
      const count = await precinct.segments.count(target as never);
      io.stdout(values.json ? `${JSON.stringify({ count })}\n` : `${count.toLocaleString("en-US")}\n`);
      return 0;
    }
    const out = values.out ? createWriteStream(values.out) : undefined;
    const write = async (text: string) => {
      if (!out) return io.stdout(text);
      if (!out.write(text)) await once(out, "drain");
    };
    await write(`${fields.join(",")}\n`);
    let rows = 0;
    for await (const member of precinct.segments.members(target as never, { fields })) {
      const record = member as Record<string, unknown>;
      await write(`${fields.map((field) => csvCell(record[field])).join(",")}\n`);
      rows++;
    }
    if (out) {
      out.end();
      await once(out, "close");
      io.stderr(`wrote ${rows.toLocaleString("en-US")} rows to ${values.out}\n`);
    }
    return 0;
  } finally {
    await precinct.close();
  }
}

function parseTarget(where: string): unknown {
  const text = where.trim();
  if (!text.startsWith("{")) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--where is not valid JSON: ${(error as Error).message}`);
  }
}

function parseFields(list: string | undefined): SegmentMemberField[] {
  if (list === undefined) return [...SEGMENT_MEMBER_FIELDS];
  const fields = list
    .split(",")
    .map((field) => field.trim())
    .filter(Boolean);
  const unknown = fields.filter((field) => !(SEGMENT_MEMBER_FIELDS as readonly string[]).includes(field));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown field(s) ${unknown.join(", ")}; known: ${SEGMENT_MEMBER_FIELDS.join(", ")}`,
    );
  }
  return fields as SegmentMemberField[];
}

/** RFC 4180 cell: quoted when it holds a comma, quote or line break. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
