/**
 * What a voter-file format is to the writer: its columns, how rows are delimited, quoted and encoded, which
 * columns noise may touch, and how a voter becomes rows.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import type { VoterFileEncoding } from "../file-sink.js";
import type { SyntheticPopulation, SyntheticVoter } from "../population.js";

/** The layouts the generator writes: `@precinct/voterfile`'s built-in ids, and `mapped` (a plain CSV). */
export type VoterFileLayoutId =
  | "nc-voter"
  | "nc-history"
  | "oh-swvf"
  | "wa-vrdb"
  | "ca-vrd"
  | "ca-vph"
  | "mapped";

/**
 * A row as the format builds it: column name → value, with **every** column of `columns()` present and in
 * that order (object keys keep insertion order), so that the writer can take `Object.values()` instead of
 * looking 67 names up per row. The writer checks the keys of the first row of each file. Values must not
 * contain a double quote: quoted formats write them without escaping.
 */
export type FormatRow = Record<string, string>;

/** Receives the rows of one voter; `duplicate` marks a row that repeats an earlier one's ballot. */
export type EmitRow = (row: FormatRow, duplicate?: boolean) => void;

/** Options a format may read. */
export interface FormatOptions {
  /** NC history: share of ballots written twice, under an old and a new voting-method label. */
  relabeledBallots: number;
}

/** @internal A voter-file format. */
export interface VoterFileFormat {
  /** The layout id. */
  readonly layout: VoterFileLayoutId;
  /** The state whose population it fits; `undefined` for `mapped`, which fits any. */
  readonly state: string | undefined;
  /** Registrations (one row a voter) or history (one row a ballot). */
  readonly kind: "registration" | "history";
  /** The field delimiter. */
  readonly delimiter: "\t" | "," | "|";
  /** `all`: every field quoted (NC, OH); `minimal`: only when needed (plain CSV); `none` (pipe, tab). */
  readonly quoting: "all" | "minimal" | "none";
  /** The line ending. */
  readonly lineEnding: "\r\n" | "\n";
  /** The state's encoding, used unless the caller asks for another. */
  readonly encoding: VoterFileEncoding;
  /** Columns noise may alter, and the style of the date column. */
  readonly roles: {
    id: string;
    date: string;
    dateStyle: "us" | "iso";
    givenName?: string;
    familyName?: string;
    middleName?: string;
  };
  /** The header, in the state's order. */
  columns(population: SyntheticPopulation): string[];
  /** Emits the voter's rows: one registration, or one per ballot. */
  rows(voter: SyntheticVoter, population: SyntheticPopulation, emit: EmitRow, options: FormatOptions): void;
}

/** North Carolina's status codes, also used as the generator's generic one-letter codes. */
export const NC_STATUS_CODES: Readonly<Record<VoterStatus, string>> = {
  active: "A",
  inactive: "I",
  removed: "R",
  denied: "D",
  temporary: "S",
  unknown: "",
};

/** `919-555-0142`. */
export function dashedPhone(digits: string | null): string {
  return digits === null ? "" : `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
}
