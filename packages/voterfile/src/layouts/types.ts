/**
 * The types every voter-file layout shares.
 *
 * @module
 */

import type { ElectionType, VoterInput, VotingMethod } from "@precinct/core";
import type { Delimiter } from "../delimited/parse.js";

/** What a layout's rows describe: registrations (one voter a row) or vote history (one ballot a row). */
export type LayoutKind = "registration" | "history";

/** A field of a row that could not be mapped, and why. */
export interface FieldError {
  /** The source column, e.g. `registr_dt`. */
  field: string;
  /** What is wrong with its value. */
  reason: string;
}

/** One voter's participation in one election, as read from a file (not yet linked to stored ids). */
export interface VoteHistoryRecord {
  /** Two-letter state. */
  state: string;
  /** The state's voter id, which links the ballot to its voter. */
  stateVoterId: string;
  /** Election day, `YYYY-MM-DD`. */
  electionDate: string;
  /** Election type. */
  electionType: ElectionType;
  /** The state's label for the election, e.g. `11/03/2020 GENERAL`. */
  electionName: string | null;
  /** How the ballot was cast. */
  method: VotingMethod;
  /** The party ballot chosen in a primary, as the state codes it. */
  party: string | null;
  /** The county the ballot was cast in, when the file says. */
  county: string | null;
}

/** A registration row: the voter, and the elections it records them voting in (Ohio lists these inline). */
export interface RegistrationRecord {
  /** What `precinct.voters.upsert()` accepts. */
  voter: VoterInput;
  /** Participations carried in the same row; empty for layouts whose history is a separate file. */
  votes: VoteHistoryRecord[];
}

/**
 * The result of mapping one row: a record (with warnings about values that were dropped), errors that make
 * the row unusable, or a deliberate skip (a history row that records no ballot).
 */
export type MapResult<T> =
  | { kind: "ok"; record: T; warnings: FieldError[] }
  | { kind: "error"; errors: FieldError[] }
  | { kind: "skip"; reason: string };

/** A voter-file layout: how to recognize a file and how to map its rows. */
export interface Layout<K extends LayoutKind = LayoutKind> {
  /** Stable id, e.g. `nc-voter`. */
  id: string;
  /** Two-letter state. */
  state: string;
  /** A human description of the file. */
  description: string;
  /** The delimiter the state uses. */
  delimiter: Delimiter;
  /** What the rows describe. */
  kind: K;
  /** Header names (any case) that must all be present for a file to be this layout. */
  requiredColumns: readonly string[];
  /**
   * Maps one row, keyed by header name (lower-case keys, as `toRecord()` makes, or the names as written),
   * never by position, so that reordered or extended headers still map.
   */
  mapRow(
    record: Readonly<Record<string, string>>,
  ): MapResult<K extends "registration" ? RegistrationRecord : VoteHistoryRecord>;
}

/** A layout of registration files. */
export type RegistrationLayout = Layout<"registration">;
/** A layout of vote history files. */
export type HistoryLayout = Layout<"history">;
/** Any layout; narrow on `kind` to get the matching `mapRow` result type. */
export type AnyLayout = RegistrationLayout | HistoryLayout;
