/**
 * Writes a synthetic population as a state voter file, in any supported layout, streaming: memory stays
 * constant whatever the size, and a million `ncvoter` rows take seconds.
 *
 * @module
 */

import { ConfigError } from "@precinct/core";
import { ChunkedFileSink, type VoterFileEncoding } from "./file-sink.js";
import type { VoterFileLayoutId } from "./formats/format.js";
import { VOTER_FILE_FORMATS } from "./formats/index.js";
import {
  type AlteredRow,
  type BadRow,
  NoiseApplier,
  type NoiseColumns,
  type VoterFileNoise,
} from "./noise.js";
import type { SyntheticPopulation } from "./population.js";
import { rngFor } from "./random.js";

/** Options of {@link writeVoterFile}. */
export interface WriteVoterFileOptions {
  /** Who is in the file. */
  population: SyntheticPopulation;
  /**
   * The layout: `nc-voter`, `nc-history`, `oh-swvf`, `wa-vrdb`, `ca-vrd`, `ca-vph` (each needs a
   * population of its state), or `mapped`, a plain CSV of any state (see `mappedVoterFileMapping`).
   */
  layout: VoterFileLayoutId;
  /** Default: the state's own (`latin1` for NC files, `utf-8` for the others). */
  encoding?: VoterFileEncoding;
  /** Noise and its seed; none by default. */
  noise?: VoterFileNoise;
  /** The voter indexes to write, `[start, end)`; default all. Voters not in this edition are skipped. */
  range?: { start?: number; end?: number };
  /**
   * `shuffled` writes the same columns in another (seeded) order, as states do between years; importers
   * must map by header name. Default `standard`.
   */
  columnOrder?: "standard" | "shuffled";
  /**
   * `nc-history` only: share of ballots listed twice, under an old and a new `voting_method` label (as
   * real `ncvhis` files do). Default 0.03. The second row of each pair is in `duplicateRows`.
   */
  relabeledBallots?: number;
}

/** What was written, with the truth a test needs. */
export interface VoterFileSummary {
  /** The file written. */
  path: string;
  /** Its layout. */
  layout: VoterFileLayoutId;
  /** Its encoding. */
  encoding: VoterFileEncoding;
  /** The header, as written (shuffled when asked). */
  columns: string[];
  /** Data rows written (header and blank lines not counted), bad and repeated rows included. */
  rows: number;
  /** Voters of the range present in the population (each has one registration row, or its ballots). */
  voters: number;
  /** Size of the file in bytes. */
  bytes: number;
  /** Rows made bad on purpose, by 1-based data row number. Every other row maps without error. */
  badRows: BadRow[];
  /**
   * Data rows that repeat an earlier row's voter (registration files) or ballot (history files): noise
   * repeats, and NC's relabelled ballots.
   */
  duplicateRows: number[];
  /** Good rows with a value different from the truth on purpose (typos, changed repeats). */
  alteredRows: AlteredRow[];
  /** Blank lines written. */
  blankLines: number;
}

/**
 * Every field in double quotes. Generated values never hold a quote (names, streets and codes come from
 * fixed tables; noise adds none), so there is nothing to escape: checking 67 fields a row for one would
 * cost a third of the writing time.
 */
function quoteAll(fields: readonly string[], delimiter: string): string {
  return `"${fields.join(`"${delimiter}"`)}"`;
}

/** Quotes only fields that need it (delimiter, quote, line break, leading space). */
function quoteMinimal(fields: readonly string[], delimiter: string): string {
  return fields
    .map((field) =>
      field.includes(delimiter) || field.includes('"') || field.includes("\n") || field.startsWith(" ")
        ? `"${field.replaceAll('"', '""')}"`
        : field,
    )
    .join(delimiter);
}

/** The columns in a seeded order that differs from the standard one. */
function shuffle(columns: readonly string[], seed: number): string[] {
  const order = [...columns];
  const rng = rngFor(seed, columns.length, 0x5f1e);
  for (let index = order.length - 1; index > 0; index--) {
    const other = rng.int(index + 1);
    [order[index], order[other]] = [order[other] as string, order[index] as string];
  }
  if (order.every((column, index) => column === columns[index]) && order.length > 1) {
    order.push(order.shift() as string);
  }
  return order;
}

/**
 * Writes one voter file of a synthetic population.
 *
 * The rows follow voter index order; repeats (noise) come 1 to 500 rows after the original. Row numbers
 * in the summary count data rows the way `openDelimited` of `@precinct/voterfile` does: the header and
 * blank lines are not counted.
 *
 * @param path - Where to write; the file is replaced.
 * @param options - Population, layout, encoding, noise, range and column order.
 * @returns What was written, with the truth: bad rows, repeated rows and altered values.
 * @throws `ConfigError` (`invalid_config`) when the layout belongs to another state than the population, or a
 *   rate is not in `[0, 1]`; the file system's error when the file cannot be written.
 * @example
 * ```ts
 * const population = createSyntheticPopulation({ seed: 7, voters: 100_000 });
 * const summary = await writeVoterFile("/tmp/ncvoter_statewide.txt", {
 *   population,
 *   layout: "nc-voter",
 *   noise: { badRows: 0.001, duplicates: 0.002, misspellings: 0.01 },
 * });
 * summary.badRows; // [{ row: 812, kind: "invalidDate", reason: 'invalid date "13/45/2001" in registr_dt' }, ...]
 * ```
 */
export async function writeVoterFile(
  path: string,
  options: WriteVoterFileOptions,
): Promise<VoterFileSummary> {
  const { population, layout } = options;
  const format = VOTER_FILE_FORMATS[layout];
  if (format === undefined) throw new ConfigError(`Unknown voter file layout ${String(layout)}`);
  if (format.state !== undefined && format.state !== population.state) {
    throw new ConfigError(`Layout ${layout} needs a ${format.state} population, got ${population.state}`);
  }
  const relabeledBallots = options.relabeledBallots ?? 0.03;
  if (!(relabeledBallots >= 0 && relabeledBallots <= 1)) {
    throw new ConfigError(`relabeledBallots must be between 0 and 1, got ${relabeledBallots}`);
  }
  const encoding = options.encoding ?? format.encoding;
  const standard = format.columns(population);
  const columns = options.columnOrder === "shuffled" ? shuffle(standard, population.seed) : standard;
  const positionOf = (name: string | undefined): number => (name === undefined ? -1 : columns.indexOf(name));
  const noiseColumns: NoiseColumns = {
    id: positionOf(format.roles.id),
    date: positionOf(format.roles.date),
    dateStyle: format.roles.dateStyle,
    givenName: positionOf(format.roles.givenName),
    familyName: positionOf(format.roles.familyName),
    middleName: positionOf(format.roles.middleName),
    names: columns,
  };

  const { delimiter, lineEnding } = format;
  const serialize =
    format.quoting === "all"
      ? (fields: readonly string[]) => quoteAll(fields, delimiter)
      : format.quoting === "minimal"
        ? (fields: readonly string[]) => quoteMinimal(fields, delimiter)
        : (fields: readonly string[]) => fields.join(delimiter);

  const lines: { sink?: ChunkedFileSink; full: boolean } = { full: false };
  // Built before the file is opened, so that invalid noise rates leave no file behind.
  const noise = new NoiseApplier(
    options.noise ?? {},
    population.seed,
    noiseColumns,
    format.kind === "registration",
    (fields) => {
      if (lines.sink?.push(fields === null ? lineEnding : serialize(fields) + lineEnding)) lines.full = true;
    },
  );
  const sink = new ChunkedFileSink(path, encoding);
  lines.sink = sink;
  lines.full = sink.push(serialize(columns) + lineEnding);
  // Formats build complete rows in standard column order (see FormatRow); check the first row's keys,
  // then take values as they come, reordered when the columns are shuffled.
  const reorder =
    options.columnOrder === "shuffled" ? columns.map((column) => standard.indexOf(column)) : undefined;
  let checked = false;
  const emitted: { fields: string[]; duplicate: boolean }[] = [];
  const emit = (row: Readonly<Record<string, string>>, duplicate = false): void => {
    const values = Object.values(row);
    if (!checked) {
      const keys = Object.keys(row);
      if (keys.length !== standard.length || keys.some((key, index) => key !== standard[index])) {
        throw new Error(
          `Format ${layout} built a row whose columns differ from its header: ${keys.join(",")}`,
        );
      }
      checked = true;
    } else if (values.length !== standard.length) {
      throw new Error(
        `Format ${layout} built a row of ${values.length} columns, expected ${standard.length}`,
      );
    }
    const fields = reorder === undefined ? values : reorder.map((index) => values[index] as string);
    emitted.push({ fields, duplicate });
  };
  const formatOptions = { relabeledBallots };

  let voters = 0;
  try {
    const end = Math.min(population.size, options.range?.end ?? population.size);
    for (let index = Math.max(0, options.range?.start ?? 0); index < end; index++) {
      if (!population.has(index)) continue;
      voters++;
      format.rows(population.voterAt(index), population, emit, formatOptions);
      for (const row of emitted) noise.add(row.fields, row.duplicate);
      emitted.length = 0;
      if (lines.full) {
        lines.full = false;
        await sink.flush();
      }
    }
    noise.finish();
    const bytes = await sink.close();
    return {
      path,
      layout,
      encoding,
      columns,
      rows: noise.rows,
      voters,
      bytes,
      badRows: noise.badRows,
      duplicateRows: noise.duplicateRows,
      alteredRows: noise.alteredRows,
      blankLines: noise.blankLines,
    };
  } catch (error) {
    sink.abort();
    throw error;
  }
}
