/**
 * Turning a mapped registration record into the values stored on the `voter` row, with its match keys and
 * a hash that lets a refresh tell an unchanged row without comparing every column.
 *
 * @module
 */

import { type VoterInput, voterKeys } from "@precinct/core";

/** The voter fields a file sets, in column order. */
export const VOTER_FIELDS = [
  "countyVoterId",
  "county",
  "status",
  "statusReason",
  "registrationDate",
  "party",
  "birthYear",
  "birthdate",
  "gender",
  "race",
  "ethnicity",
  "givenName",
  "familyName",
  "additionalName",
  "honorificSuffix",
  "residentialAddress",
  "mailingAddress",
  "phone",
  "precinct",
  "districts",
] as const;

/** A voter field a file sets. */
export type VoterField = (typeof VOTER_FIELDS)[number];

/** The snake_case column of each field. */
export const VOTER_COLUMNS: readonly string[] = VOTER_FIELDS.map((field) =>
  field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
);

const BIRTH_YEAR = VOTER_FIELDS.indexOf("birthYear");
const STATUS = VOTER_FIELDS.indexOf("status");
const JSON_FIELDS = new Set<VoterField>(["residentialAddress", "mailingAddress", "districts"]);

/** A stored value: text, a number or null (JSON fields are JSON text). */
export type StoredValue = string | number | null;

/** A registration ready to write. */
export interface EncodedVoter {
  /** Two-letter state. */
  state: string;
  /** The state's voter id. */
  stateVoterId: string;
  /** Values of {@link VOTER_FIELDS}, in order. */
  values: StoredValue[];
  /** givenKey, familyKey, zip5, streetKey. */
  keys: [string | null, string | null, string | null, string | null];
  /** A hash of `values`. */
  hash: string;
}

/** Encodes a mapped voter for storage. */
export function encodeVoter(voter: VoterInput): EncodedVoter {
  const source = voter as Record<string, unknown>;
  const values: StoredValue[] = VOTER_FIELDS.map((field) => {
    const value = source[field];
    if (value === undefined || value === null) return field === "districts" ? "{}" : null;
    if (JSON_FIELDS.has(field)) return JSON.stringify(value);
    return value as string | number;
  });
  if (values[BIRTH_YEAR] === null && typeof voter.birthdate === "string") {
    values[BIRTH_YEAR] = Number(voter.birthdate.slice(0, 4));
  }
  if (values[STATUS] === null) values[STATUS] = "unknown";
  const keys = voterKeys({
    givenName: voter.givenName ?? null,
    familyName: voter.familyName ?? null,
    residentialAddress: (voter.residentialAddress ?? null) as never,
  });
  return {
    state: voter.state.toUpperCase(),
    stateVoterId: voter.stateVoterId.trim(),
    values,
    keys: [keys.givenKey, keys.familyKey, keys.zip5, keys.streetKey],
    hash: hashValues(values),
  };
}

/** A 53-bit hash (cyrb53) of the values, as base-36 text: cheap, and collisions only cost a missed update. */
export function hashValues(values: readonly StoredValue[]): string {
  const text = values.map((value) => (value === null ? "\u0000" : String(value))).join("\u0001");
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Decodes a stored value for comparison (JSON text parsed). */
export function decodeStored(field: VoterField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (JSON_FIELDS.has(field) && typeof value === "string") return JSON.parse(value);
  return value;
}

/** `{ field: [before, after] }` for the fields whose values differ. */
export function diffVoter(
  before: Readonly<Record<string, unknown>>,
  after: readonly StoredValue[],
): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  VOTER_FIELDS.forEach((field, index) => {
    const old = decodeStored(field, before[field]);
    const next = decodeStored(field, after[index]);
    if (stableJson(old) !== stableJson(next)) changes[field] = [old, next];
  });
  return changes;
}

/** JSON with object keys sorted, so PostgreSQL's reordered `jsonb` compares equal to what was written. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
}
