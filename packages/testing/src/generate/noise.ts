/**
 * Noise in voter files, with its truth: the writer applies it row by row and records what it did, so a
 * test can check that an importer rejects exactly the bad rows and notices exactly the duplicates.
 *
 * @module
 */

import { ConfigError } from "@precinct/core";
import { typo } from "./names.js";
import { type Rng, rngFor } from "./random.js";

/** Noise to put in a voter file. Every rate is a share of rows in `[0, 1]`; all default to 0. */
export interface VoterFileNoise {
  /** Seed of the noise; default the population's seed. */
  seed?: number;
  /**
   * Rows repeated later in the file (1 to 500 rows later): identical, or, for registration files, half
   * of them with the middle name changed (to its initial, or an initial added).
   */
  duplicates?: number;
  /**
   * Rows that no importer should accept: a wrong number of columns, an invalid date (`13/45/2001`,
   * `2001-13-45`) in the registration or election date column, or an empty voter id.
   */
  badRows?: number;
  /** Rows with a one-keystroke typo in the first or last name (registration files only). */
  misspellings?: number;
  /** Blank lines after a row (not data rows: readers skip them). */
  blankLines?: number;
  /** Rows with trailing spaces added to one field (readers trim them). */
  trailingSpaces?: number;
}

/** Why a bad row is bad. */
export type BadRowKind = "columnCount" | "invalidDate" | "emptyId";

/** A row the writer made unusable on purpose. */
export interface BadRow {
  /** 1-based data row number, as `openDelimited` counts: the header and blank lines are not counted. */
  row: number;
  /** What was done to it. */
  kind: BadRowKind;
  /** A human description: `has 66 fields, expected 67`, `invalid date "13/45/2001" in registr_dt`, ... */
  reason: string;
}

/** A good row whose value differs from the population's truth on purpose. */
export interface AlteredRow {
  /** 1-based data row number. */
  row: number;
  /** The column altered, as named in the header. */
  column: string;
  /** The value written. */
  written: string;
  /** The value the population has (as the file would have written it). */
  truth: string;
  /** A typo, or the change made to a repeated row. */
  reason: "misspelling" | "changedDuplicate";
}

/** Column positions (in written order) that noise may touch; -1 when the format has no such column. */
export interface NoiseColumns {
  /** The voter id column. */
  id: number;
  /** The date column spoiled by `invalidDate`. */
  date: number;
  /** How that date is written. */
  dateStyle: "us" | "iso";
  /** First name column. */
  givenName: number;
  /** Last name column. */
  familyName: number;
  /** Middle name column. */
  middleName: number;
  /** The header, to name columns in the truth. */
  names: readonly string[];
}

const STREAM = 0x6e6f;

function requireRate(name: string, value: number | undefined): number {
  const rate = value ?? 0;
  if (!(rate >= 0 && rate <= 1)) throw new ConfigError(`noise.${name} must be between 0 and 1, got ${rate}`);
  return rate;
}

/** A row on its way out: its fields in written order, and what the writer knows about it. */
interface OutRow {
  fields: string[];
  duplicate: boolean;
  altered?: Omit<AlteredRow, "row">;
}

/**
 * Applies {@link VoterFileNoise} to the rows of one file, numbers the rows and records the truth. The
 * writer hands it every row; it hands back, through `write`, the rows to write (more when a repeat falls
 * due) and the blank lines.
 */
export class NoiseApplier {
  /** Data rows written so far (the last row's number). */
  rows = 0;
  /** Blank lines written so far. */
  blankLines = 0;
  readonly badRows: BadRow[] = [];
  readonly duplicateRows: number[] = [];
  readonly alteredRows: AlteredRow[] = [];
  private serial = 0;
  private readonly pending: { at: number; row: OutRow }[] = [];
  private readonly rates: Required<Omit<VoterFileNoise, "seed">>;

  /**
   * @param noise - The noise options.
   * @param seed - The seed to use when the options name none.
   * @param columns - Where the columns noise touches are.
   * @param registration - Whether rows are registrations (names can be misspelled, repeats changed).
   * @param write - Receives each line to write (without its line ending); `null` for a blank line.
   */
  constructor(
    noise: VoterFileNoise,
    private readonly seed: number,
    private readonly columns: NoiseColumns,
    private readonly registration: boolean,
    private readonly write: (fields: string[] | null) => void,
  ) {
    this.rates = {
      duplicates: requireRate("duplicates", noise.duplicates),
      badRows: requireRate("badRows", noise.badRows),
      misspellings: requireRate("misspellings", noise.misspellings),
      blankLines: requireRate("blankLines", noise.blankLines),
      trailingSpaces: requireRate("trailingSpaces", noise.trailingSpaces),
    };
    if (noise.seed !== undefined) this.seed = noise.seed;
  }

  /** Takes one row of the format; `duplicate` marks a row that already repeats an earlier ballot. */
  add(fields: string[], duplicate: boolean): void {
    this.writeDue();
    const rng = rngFor(this.seed, this.serial++, STREAM);
    const rates = this.rates;
    if (rates.badRows > 0 && rng.chance(rates.badRows)) {
      this.spoil(fields, rng);
      return;
    }
    let altered: OutRow["altered"];
    if (this.registration && rates.misspellings > 0 && rng.chance(rates.misspellings)) {
      altered = this.misspell(fields, rng);
    }
    if (rates.trailingSpaces > 0 && rng.chance(rates.trailingSpaces)) {
      const at = rng.int(fields.length);
      fields[at] += " ".repeat(rng.between(1, 6));
    }
    this.emit({ fields, duplicate, ...(altered === undefined ? {} : { altered }) }, rng);
    if (altered === undefined && rates.duplicates > 0 && rng.chance(rates.duplicates)) {
      this.pending.push({ at: this.rows + rng.between(1, 500), row: this.repeat(fields, rng) });
    }
  }

  /** Writes the repeats still pending, at the end of the file. */
  finish(): void {
    this.pending.sort((a, b) => a.at - b.at);
    for (const { row } of this.pending.splice(0)) this.emit(row, undefined);
  }

  private writeDue(): void {
    if (this.pending.length === 0) return;
    for (let index = 0; index < this.pending.length; ) {
      const due = this.pending[index] as { at: number; row: OutRow };
      if (due.at <= this.rows) {
        this.pending.splice(index, 1);
        this.emit(due.row, undefined);
      } else {
        index++;
      }
    }
  }

  private emit(row: OutRow, rng: Rng | undefined): void {
    this.rows++;
    this.write(row.fields);
    if (row.duplicate) this.duplicateRows.push(this.rows);
    if (row.altered !== undefined) this.alteredRows.push({ row: this.rows, ...row.altered });
    if (rng !== undefined && this.rates.blankLines > 0 && rng.chance(this.rates.blankLines)) {
      this.blankLines++;
      this.write(null);
    }
  }

  /** Makes the row bad in one of the ways the format allows, writes it and records it. */
  private spoil(fields: string[], rng: Rng): void {
    const { id, date, dateStyle, names } = this.columns;
    const kinds: BadRowKind[] = ["columnCount"];
    if (date >= 0) kinds.push("invalidDate");
    if (id >= 0) kinds.push("emptyId");
    const kind = rng.pick(kinds);
    let reason: string;
    if (kind === "columnCount") {
      const expected = fields.length;
      if (rng.chance(0.5)) fields.pop();
      else fields.push("EXTRA");
      reason = `has ${fields.length} fields, expected ${expected}`;
    } else if (kind === "invalidDate") {
      const value = dateStyle === "us" ? "13/45/2001" : "2001-13-45";
      fields[date] = value;
      reason = `invalid date "${value}" in ${names[date]}`;
    } else {
      fields[id] = "";
      reason = `empty ${names[id]}`;
    }
    this.rows++;
    this.write(fields);
    this.badRows.push({ row: this.rows, kind, reason });
  }

  private misspell(fields: string[], rng: Rng): OutRow["altered"] {
    const { givenName, familyName, names } = this.columns;
    const candidates = [givenName, familyName].filter((at) => at >= 0 && (fields[at] ?? "").length >= 2);
    if (candidates.length === 0) return undefined;
    const at = rng.pick(candidates);
    const truth = fields[at] as string;
    const written = typo(truth, rng);
    fields[at] = written;
    return { column: names[at] as string, written, truth, reason: "misspelling" };
  }

  /** The row to repeat: the same fields, or (registrations, half the time) with the middle name changed. */
  private repeat(fields: string[], rng: Rng): OutRow {
    const copy = [...fields];
    const middle = this.columns.middleName;
    if (!this.registration || middle < 0 || rng.chance(0.5)) return { fields: copy, duplicate: true };
    const truth = (copy[middle] as string).trimEnd();
    // An initial becomes a different initial; a name becomes its initial; none gets one.
    const written =
      truth === "" ? "A" : truth.length === 1 ? (truth === "A" ? "B" : "A") : (truth[0] as string);
    copy[middle] = written;
    return {
      fields: copy,
      duplicate: true,
      altered: { column: this.columns.names[middle] as string, written, truth, reason: "changedDuplicate" },
    };
  }
}
