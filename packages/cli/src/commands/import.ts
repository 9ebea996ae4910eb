/**
 * `precinct import <file>`.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ConfigError } from "@precinct/core";
import {
  type ImportOptions,
  type ImportSummary,
  importVoterFile,
  mappedLayout,
  type RemoveMissing,
} from "@precinct/voterfile";
import { openClient } from "../database.js";
import { type CliIo, progressBar, UsageError } from "../io.js";

/** `--layout` names → layout ids. */
export const LAYOUT_ALIASES: Readonly<Record<string, string>> = {
  auto: "auto",
  nc: "nc-voter",
  "nc-history": "nc-history",
  oh: "oh-swvf",
  wa: "wa-vrdb",
  ca: "ca-vrd",
  "ca-history": "ca-vph",
  mapped: "mapped",
};

/** Help for `precinct import`. */
export const IMPORT_HELP = `Usage: precinct import <file> [options]

Imports a voter registration or vote history file. Rows that cannot be read are reported with their
row number (header excluded), column and reason; the rest of the file is imported.

Options:
  --layout <name>          auto (default: detect from the header), nc, nc-history, oh, wa, ca,
                           ca-history, or mapped (with --mapping)
  --mapping <file>         a JSON column mapping for --layout mapped
  --remove-missing <scope> mark voters the file no longer lists as removed: state | counties
  --db <path-or-url>       SQLite file or postgres:// URL (default: $PRECINCT_DATABASE_URL or ./precinct.db)
  --org <slug-or-id>       organization (default: default)
  --json                   print the summary as one JSON object on the last line of stdout
  -h, --help               show this help

Exit status: 0 when the file was processed (even with rejected rows), 1 when it could not be.`;

/** Runs `precinct import`. */
export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      layout: { type: "string", default: "auto" },
      mapping: { type: "string" },
      "remove-missing": { type: "string" },
      db: { type: "string" },
      org: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.stdout(`${IMPORT_HELP}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError("expected exactly one <file>");
  const layoutName = LAYOUT_ALIASES[values.layout ?? "auto"];
  if (layoutName === undefined) {
    throw new UsageError(
      `unknown --layout "${values.layout}"; one of ${Object.keys(LAYOUT_ALIASES).join(", ")}`,
    );
  }
  const removeMissing = values["remove-missing"];
  if (removeMissing !== undefined && removeMissing !== "state" && removeMissing !== "counties") {
    throw new UsageError(`--remove-missing must be state or counties, not "${removeMissing}"`);
  }
  let layout: ImportOptions["layout"] = layoutName;
  if (layoutName === "mapped") {
    if (!values.mapping) throw new UsageError("--layout mapped needs --mapping <file>");
    let config: unknown;
    try {
      config = JSON.parse(await readFile(values.mapping, "utf8"));
    } catch (cause) {
      throw new ConfigError(`Cannot read the mapping ${values.mapping}: ${(cause as Error).message}`, {
        cause,
      });
    }
    layout = mappedLayout(config, values.mapping);
  } else if (values.mapping) {
    throw new UsageError("--mapping only goes with --layout mapped");
  }

  const precinct = await openClient(values.db, values.org, io.env);
  const bar = progressBar(io, "importing");
  let summary: ImportSummary;
  try {
    summary = await importVoterFile(precinct, file, {
      layout,
      ...(removeMissing ? { removeMissing: removeMissing as RemoveMissing } : {}),
      onProgress: (p) =>
        bar.update(
          p.percent,
          `${p.rows.toLocaleString("en-US")} rows, ${p.rowsPerSecond.toLocaleString("en-US")}/s`,
        ),
    });
  } finally {
    bar.done();
    await precinct.close();
  }
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        file,
        layout: summary.layout,
        kind: summary.kind,
        read: summary.read,
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: summary.rejected,
        skipped: summary.skipped,
        removed: summary.removed,
        ...(summary.ballots ? { ballots: summary.ballots } : {}),
        errors: summary.errors.slice(0, 100),
        warnings: summary.warnings,
        elapsedMs: Math.round(summary.elapsedMs),
      })}\n`,
    );
  } else {
    const n = (value: number) => value.toLocaleString("en-US");
    io.stdout(
      `${file} (${summary.layout}): read ${n(summary.read)}, inserted ${n(summary.inserted)}, updated ${n(summary.updated)}, ` +
        `unchanged ${n(summary.unchanged)}, rejected ${n(summary.rejected)}` +
        (summary.skipped ? `, skipped ${n(summary.skipped)}` : "") +
        (summary.removed ? `, removed ${n(summary.removed)}` : "") +
        (summary.ballots
          ? `; ballots inserted ${n(summary.ballots.inserted)}, updated ${n(summary.ballots.updated)}`
          : "") +
        ` in ${(summary.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    for (const error of summary.errors.slice(0, 20)) {
      io.stdout(`  row ${error.row}${error.field ? `, ${error.field}` : ""}: ${error.reason}\n`);
    }
    if (summary.rejected > 20)
      io.stdout(`  … ${n(summary.rejected - 20)} more rejected rows (use --json for 100)\n`);
  }
  return 0;
}
