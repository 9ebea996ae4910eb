/**
 * The generic mapping engine: layouts are data ({@link RegistrationSpec}, {@link HistorySpec}) and these
 * functions turn them into `mapRow` implementations.
 *
 * @module
 */

import {
  type ElectionType,
  normalizeDate,
  normalizePersonName,
  normalizePostalAddress,
  PrecinctError,
  tryNormalizePhone,
  type VoterInput,
  type VoterStatus,
  type VotingMethod,
} from "@precinct/core";
import type { FieldError, MapResult, RegistrationRecord, VoteHistoryRecord } from "./types.js";

/** A column name, or several whose non-blank values are joined with a space (`RegStNum RegStName ...`). */
export type ColumnRef = string | readonly string[];

/** Where the parts of an address are. */
export interface AddressColumns {
  /** Street lines, first first. */
  lines: readonly ColumnRef[];
  /** City. */
  locality?: string;
  /** State; when absent, `defaultRegion`. */
  region?: string;
  /** ZIP, or [ZIP, ZIP+4] joined with a dash. */
  postalCode?: ColumnRef;
  /** Used when `region` is absent or blank. */
  defaultRegion?: string;
}

/** Which column holds each voter field. Absent means the layout has no such column. */
export interface RegistrationColumns {
  stateVoterId: string;
  countyVoterId?: string;
  county?: string;
  status?: string;
  statusReason?: string;
  registrationDate?: string;
  party?: string;
  birthYear?: string;
  birthdate?: string;
  gender?: string;
  race?: string;
  ethnicity?: string;
  givenName?: string;
  familyName?: string;
  additionalName?: string;
  suffix?: string;
  phone?: string;
  precinct?: string;
  residentialAddress?: AddressColumns;
  mailingAddress?: AddressColumns;
  /** District key (`congressional`, `stateSenate`, ...) → column. */
  districts?: Readonly<Record<string, string>>;
}

/** A registration layout's data: its columns and its status codes. */
export interface RegistrationSpec {
  /** Two-letter state. */
  state: string;
  /** Field → column. */
  columns: RegistrationColumns;
  /** The state's status codes (upper case) → status. A code not listed is a row error. */
  statusCodes: Readonly<Record<string, VoterStatus>>;
  /** Per-election columns in the registration row (Ohio); when set, `electionColumn` reads them. */
  electionColumns?: {
    /** Matches an election column's name, capturing type and date. */
    pattern: RegExp;
    /** The election type and `YYYY-MM-DD` date named by a matching column. */
    parse(match: RegExpExecArray): { type: ElectionType; date: string };
    /** A cell value → whether the voter voted and the party ballot, if any. */
    read(value: string): { voted: boolean; party: string | null };
  };
}

/** Reads a column by name: as given, else lower-cased (the keys `toRecord()` makes). */
export function column(record: Readonly<Record<string, string>>, name: string): string {
  return (record[name] ?? record[name.toLowerCase()] ?? "").trim();
}

function columns(record: Readonly<Record<string, string>>, ref: ColumnRef, separator = " "): string {
  if (typeof ref === "string") return column(record, ref);
  return ref
    .map((name) => column(record, name))
    .filter((value) => value !== "")
    .join(separator);
}

/** Collects field errors and warnings while one row is mapped. */
export class RowIssues {
  readonly errors: FieldError[] = [];
  readonly warnings: FieldError[] = [];

  /** Runs `fn`; an error it throws becomes a field error (or a warning) instead. */
  attempt<T>(field: string, fn: () => T, severity: "error" | "warning" = "error"): T | undefined {
    try {
      return fn();
    } catch (error) {
      const reason =
        PrecinctError.isInstance(error) && typeof error.details.reason === "string"
          ? error.details.reason
          : error instanceof Error
            ? error.message
            : String(error);
      (severity === "error" ? this.errors : this.warnings).push({ field, reason });
      return undefined;
    }
  }

  /** A date column as `YYYY-MM-DD`; blank → undefined; invalid → a field error. */
  date(record: Readonly<Record<string, string>>, name: string | undefined): string | undefined {
    if (name === undefined) return undefined;
    const value = column(record, name);
    if (value === "") return undefined;
    const date = this.attempt(name, () => normalizeDate(value, { field: name }));
    const last = this.errors.at(-1);
    // Name the offending value: "13/45/2001: has no such month" says what to fix.
    if (date === undefined && last?.field === name && !last.reason.includes(value)) {
      last.reason = `"${value}" ${last.reason}`;
    }
    return date;
  }

  /** The result: errors make the row unusable. */
  result<T>(record: T): MapResult<T> {
    return this.errors.length > 0
      ? { kind: "error", errors: this.errors }
      : { kind: "ok", record, warnings: this.warnings };
  }
}

const optional = (value: string): string | null => (value === "" ? null : value);

/**
 * @internal The spec a `registrationMapper` was built from, kept on the function so the importer can
 * compile a column-index fast path for it (and hand the spec, which is plain data, to a worker thread).
 */
export const REGISTRATION_SPEC: unique symbol = Symbol("precinct.voterfile.registrationSpec");

/** @internal The spec behind a layout's `mapRow`, when `registrationMapper` built it. */
export function registrationSpecOf(mapRow: unknown): RegistrationSpec | undefined {
  return typeof mapRow === "function"
    ? (mapRow as { [REGISTRATION_SPEC]?: RegistrationSpec })[REGISTRATION_SPEC]
    : undefined;
}

/** Builds a registration layout's `mapRow` from its spec. */
export function registrationMapper(
  spec: RegistrationSpec,
): (record: Readonly<Record<string, string>>) => MapResult<RegistrationRecord> {
  const c = spec.columns;
  const mapRow = (record: Readonly<Record<string, string>>): MapResult<RegistrationRecord> => {
    const issues = new RowIssues();
    const get = (name: string | undefined): string => (name === undefined ? "" : column(record, name));

    const stateVoterId = get(c.stateVoterId);
    if (stateVoterId === "") issues.errors.push({ field: c.stateVoterId, reason: "is blank" });

    let status: VoterStatus = "unknown";
    if (c.status !== undefined) {
      const code = get(c.status).toUpperCase();
      const mapped = spec.statusCodes[code];
      if (mapped !== undefined) status = mapped;
      else issues.errors.push({ field: c.status, reason: `unknown status code "${code}"` });
    }

    const birthdate = issues.date(record, c.birthdate);
    let birthYear: number | undefined;
    const yearText = get(c.birthYear);
    if (yearText !== "") {
      if (/^\d{4}$/u.test(yearText)) birthYear = Number(yearText);
      else issues.errors.push({ field: c.birthYear ?? "", reason: `is not a year: "${yearText}"` });
    } else if (birthdate !== undefined) {
      birthYear = Number(birthdate.slice(0, 4));
    }

    const name =
      issues.attempt("name", () =>
        normalizePersonName({
          givenName: get(c.givenName),
          familyName: get(c.familyName),
          additionalName: get(c.additionalName),
          suffix: get(c.suffix),
        }),
      ) ?? {};

    const voter: VoterInput = {
      state: spec.state,
      stateVoterId,
      status,
      countyVoterId: optional(get(c.countyVoterId)),
      county: optional(get(c.county)),
      statusReason: optional(get(c.statusReason)),
      registrationDate: issues.date(record, c.registrationDate) ?? null,
      party: optional(get(c.party)),
      birthYear: birthYear ?? null,
      birthdate: birthdate ?? null,
      gender: optional(get(c.gender)),
      race: optional(get(c.race)),
      ethnicity: optional(get(c.ethnicity)),
      givenName: name.givenName ?? null,
      familyName: name.familyName ?? null,
      additionalName: name.additionalName ?? null,
      honorificSuffix: name.honorificSuffix ?? null,
      residentialAddress: address(record, c.residentialAddress, "home", issues),
      mailingAddress: address(record, c.mailingAddress, "mailing", issues),
      phone: filePhone(get(c.phone)) ?? null,
      precinct: optional(get(c.precinct)),
      districts: districts(record, c.districts),
    };
    if (c.phone !== undefined && get(c.phone) !== "" && voter.phone === null) {
      issues.warnings.push({ field: c.phone, reason: "is not a valid phone number; dropped" });
    }

    const votes = spec.electionColumns === undefined ? [] : inlineVotes(record, spec, stateVoterId, voter);
    return issues.result({ voter, votes });
  };
  return Object.assign(mapRow, { [REGISTRATION_SPEC]: spec });
}

const NANP = /^\(?(\d{3})\)?[-. ]?(\d{3})[-. ]?(\d{4})$/u;
const PREFIX_VALID = new Map<string, boolean>();

/**
 * A phone from a file, E.164. US numbers are valid or not by area code and exchange alone, so the answer of
 * the full parser for one `NPA-NXX` is reused for every number sharing it (a bounded cache): voter files
 * hold millions of numbers and parsing each costs more than the rest of the row.
 */
export function filePhone(raw: string): string | undefined {
  if (raw === "") return undefined;
  const match = NANP.exec(raw);
  if (match === null || match[2] === "555") return tryNormalizePhone(raw);
  const prefix = `${match[1]}${match[2]}`;
  let valid = PREFIX_VALID.get(prefix);
  if (valid === undefined) {
    valid = tryNormalizePhone(raw) !== undefined;
    if (PREFIX_VALID.size >= 100_000) PREFIX_VALID.clear();
    PREFIX_VALID.set(prefix, valid);
  }
  return valid ? `+1${prefix}${match[3]}` : undefined;
}

/**
 * An address, normalized when it can be; when normalization fails (a bad ZIP, an unknown state) the raw
 * parts are kept and a warning is added, since a voter with a malformed ZIP is still a voter.
 */
function address(
  record: Readonly<Record<string, string>>,
  spec: AddressColumns | undefined,
  addressType: "home" | "mailing",
  issues: RowIssues,
): VoterInput["residentialAddress"] {
  if (spec === undefined) return null;
  const addressLines = spec.lines.map((ref) => columns(record, ref)).filter((line) => line !== "");
  if (addressLines.length === 0) return null;
  const locality = spec.locality === undefined ? "" : column(record, spec.locality);
  const region = (spec.region === undefined ? "" : column(record, spec.region)) || (spec.defaultRegion ?? "");
  const postalCode = spec.postalCode === undefined ? "" : columns(record, spec.postalCode, "-");
  return addressOf(addressLines, locality, region, postalCode, addressType, issues);
}

/**
 * @internal An address from its parts (lines non-blank, the rest trimmed, "" when absent): normalized when
 * it can be, else the raw parts with a warning. Shared by `mapRow` and the importer's compiled path.
 */
export function addressOf(
  addressLines: string[],
  locality: string,
  region: string,
  postalCode: string,
  addressType: "home" | "mailing",
  issues: RowIssues,
): NonNullable<VoterInput["residentialAddress"]> {
  const raw = {
    addressLines,
    locality: optional(locality),
    region: optional(region),
    postalCode: optional(postalCode),
  };
  const field = addressType === "home" ? "residentialAddress" : "mailingAddress";
  const normalized = issues.attempt(field, () => normalizePostalAddress(raw, { field }), "warning");
  const parts = normalized ?? { ...raw, country: "US" };
  return {
    addressLines: parts.addressLines,
    locality: parts.locality ?? null,
    region: parts.region ?? null,
    postalCode: parts.postalCode ?? null,
    country: parts.country,
    addressType,
  };
}

function districts(
  record: Readonly<Record<string, string>>,
  spec: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (spec === undefined) return result;
  for (const [key, name] of Object.entries(spec)) {
    const value = column(record, name);
    if (value !== "") result[key] = value;
  }
  return result;
}

function inlineVotes(
  record: Readonly<Record<string, string>>,
  spec: RegistrationSpec,
  stateVoterId: string,
  voter: VoterInput,
): VoteHistoryRecord[] {
  const elections = spec.electionColumns;
  if (elections === undefined) return [];
  const votes: VoteHistoryRecord[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (value === "") continue;
    const match = elections.pattern.exec(name.trim());
    if (match === null) continue;
    const cell = elections.read(value.trim());
    if (!cell.voted) continue;
    const { type, date } = elections.parse(match);
    votes.push({
      state: spec.state,
      stateVoterId,
      electionDate: date,
      electionType: type,
      electionName: name.trim().toUpperCase(),
      method: "unknown",
      party: cell.party,
      county: voter.county ?? null,
    });
  }
  return votes;
}

/** A history layout's data. */
export interface HistorySpec {
  /** Two-letter state. */
  state: string;
  /** Which column holds each field. */
  columns: {
    stateVoterId: string;
    electionDate: string;
    /** The column naming the election; its words give the type when there is no type column. */
    electionName?: string;
    electionType?: string;
    method?: string;
    party?: string;
    county?: string;
  };
  /** Method labels (upper case, whitespace collapsed) → method, or `null` for rows that record no ballot. */
  methods: Readonly<Record<string, VotingMethod | null>>;
  /** Election type codes (upper case) → type, checked before the words of the name. */
  electionTypeCodes?: Readonly<Record<string, ElectionType>>;
}

/** Builds a history layout's `mapRow` from its spec. */
export function historyMapper(
  spec: HistorySpec,
): (record: Readonly<Record<string, string>>) => MapResult<VoteHistoryRecord> {
  const c = spec.columns;
  return (record) => {
    const issues = new RowIssues();
    const get = (name: string | undefined): string => (name === undefined ? "" : column(record, name));

    let method: VotingMethod = "unknown";
    if (c.method !== undefined) {
      const label = get(c.method).toUpperCase().replace(/\s+/gu, " ");
      const mapped = spec.methods[label];
      if (mapped === null) return { kind: "skip", reason: `${c.method} is "${label}": no ballot was cast` };
      if (mapped !== undefined) method = mapped;
      else if (label !== "") {
        method = "other";
        issues.warnings.push({
          field: c.method,
          reason: `unknown voting method "${label}"; recorded as other`,
        });
      }
    }

    const stateVoterId = get(c.stateVoterId);
    if (stateVoterId === "") issues.errors.push({ field: c.stateVoterId, reason: "is blank" });
    const electionDate = issues.date(record, c.electionDate);
    if (electionDate === undefined && get(c.electionDate) === "") {
      issues.errors.push({ field: c.electionDate, reason: "is blank" });
    }
    const electionName = get(c.electionName);
    const typeCode = get(c.electionType).toUpperCase();
    const electionType =
      spec.electionTypeCodes?.[typeCode] ?? electionTypeOf(typeCode !== "" ? typeCode : electionName);

    return issues.result({
      state: spec.state,
      stateVoterId,
      electionDate: electionDate ?? "",
      electionType,
      electionName: optional(electionName),
      method,
      party: optional(get(c.party)),
      county: optional(get(c.county)),
    });
  };
}

/**
 * The election type named by a label's words: `11/05/2019 MUNICIPAL GENERAL` → municipal,
 * `05/17/2022 SECOND PRIMARY` → runoff. Local elections are `municipal` whatever their stage.
 *
 * @param label - The state's election label or type text.
 * @returns The type; `other` when no known word appears.
 */
export function electionTypeOf(label: string): ElectionType {
  const text = label.toUpperCase();
  if (/\b(RUNOFF|RUN-OFF|SECOND PRIMARY)\b/u.test(text)) return "runoff";
  if (/\b(MUNICIPAL|TOWN|CITY|VILLAGE)\b/u.test(text)) return "municipal";
  if (/\bSPECIAL\b/u.test(text)) return "special";
  if (/\bPRIMARY\b/u.test(text)) return "primary";
  if (/\bGENERAL\b/u.test(text)) return "general";
  return "other";
}

/**
 * The key that identifies one voter's participation in one election, to deduplicate history rows: NC's
 * method labels changed over the years, so one ballot can appear twice with different labels.
 *
 * @param vote - A history record.
 * @returns `state|stateVoterId|electionDate|electionType`.
 */
export function voteHistoryKey(vote: VoteHistoryRecord): string {
  return `${vote.state}|${vote.stateVoterId}|${vote.electionDate}|${vote.electionType}`;
}

const METHOD_RANK: Readonly<Record<VotingMethod, number>> = {
  unknown: 0,
  other: 1,
  in_person: 2,
  early: 2,
  absentee: 2,
  mail: 2,
  provisional: 2,
};

/**
 * Merges two records of the same participation ({@link voteHistoryKey} equal): the more specific method
 * wins (anything over `other` over `unknown`; between two specific ones, the later row), and the party and
 * name are kept when only one row has them.
 *
 * @param earlier - The record seen first.
 * @param later - The record seen next.
 * @returns The merged record.
 */
export function mergeVoteHistory(earlier: VoteHistoryRecord, later: VoteHistoryRecord): VoteHistoryRecord {
  const method = METHOD_RANK[later.method] >= METHOD_RANK[earlier.method] ? later.method : earlier.method;
  return {
    ...later,
    method,
    party: later.party ?? earlier.party,
    electionName: later.electionName ?? earlier.electionName,
    county: later.county ?? earlier.county,
  };
}
