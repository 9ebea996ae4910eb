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

/** The match-key columns, in the order of {@link EncodedVoter.keys}. */
export const KEY_COLUMNS: readonly string[] = ["given_key", "family_key", "zip5", "street_key"];

/**
 * The `voter` columns of a bulk load, in write order: an id, then a flat row's entries after its row number
 * (state, voter id, values, keys, hash), then the import's constants (organization, created, updated,
 * import). Both databases' writers load in this order.
 */
export const BULK_COLUMNS: readonly string[] = [
  "id",
  "state",
  "state_voter_id",
  ...VOTER_COLUMNS,
  ...KEY_COLUMNS,
  "row_hash",
  "organization_id",
  "created_at",
  "updated_at",
  "last_import_id",
];

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

/**
 * Registrations travel from the parser to a writer as one flat array per batch, {@link ROW_WIDTH} entries a
 * row: no object per row to allocate, and cheap to post from a worker thread. The offsets of a row's parts:
 */
export const AT_ROW = 0;
/** Offset of the two-letter state. */
export const AT_STATE = 1;
/** Offset of the state voter id. */
export const AT_VOTER_ID = 2;
/** Offset of the first of the {@link VOTER_FIELDS} values. */
export const AT_VALUES = 3;
/** Offset of the four match keys (givenKey, familyKey, zip5, streetKey). */
export const AT_KEYS = AT_VALUES + VOTER_FIELDS.length;
/** Offset of the row hash. */
export const AT_HASH = AT_KEYS + 4;
/** Entries per row in a flat batch. */
export const ROW_WIDTH = AT_HASH + 1;
/** Offset of the county among a row's entries. */
export const AT_COUNTY = AT_VALUES + VOTER_FIELDS.indexOf("county");

/** Appends an encoded voter to a flat batch (see {@link ROW_WIDTH}). */
export function pushEncoded(out: StoredValue[], row: number, voter: EncodedVoter): void {
  out.push(row, voter.state, voter.stateVoterId);
  for (const value of voter.values) out.push(value);
  out.push(voter.keys[0], voter.keys[1], voter.keys[2], voter.keys[3], voter.hash);
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
  const names = voterKeys({ givenName: voter.givenName ?? null, familyName: voter.familyName ?? null });
  const [zip5, streetKey] = addressKeys(voter.residentialAddress ?? null);
  return {
    state: voter.state.toUpperCase(),
    stateVoterId: voter.stateVoterId.trim(),
    values,
    keys: [names.givenKey, names.familyKey, zip5, streetKey],
    hash: hashValues(values),
  };
}

/**
 * ZIP5 and street key of a residential address. An address whose ZIP or state could not be normalized is
 * stored as written (with a warning); its keys are what can still be read: the street from its lines, and
 * no ZIP5 when the ZIP is malformed. (Computing them from the whole address would throw and fail the import.)
 */
export function addressKeys(address: VoterInput["residentialAddress"]): [string | null, string | null] {
  if (address === null || address === undefined) return [null, null];
  const keys = (residentialAddress: unknown) =>
    voterKeys({ residentialAddress: residentialAddress as never });
  try {
    const both = keys(address);
    return [both.zip5, both.streetKey];
  } catch {
    let zip5: string | null = null;
    let streetKey: string | null = null;
    try {
      zip5 = keys({ addressLines: [], postalCode: address.postalCode, country: address.country }).zip5;
    } catch {}
    try {
      streetKey = keys({ ...address, region: null, postalCode: null }).streetKey;
    } catch {}
    return [zip5, streetKey];
  }
}

/**
 * A 53-bit hash (cyrb53) of the values joined by U+0001 (null as U+0000), as base-36 text: cheap, and
 * collisions only cost a missed update. Computed without building the joined text; stored hashes from
 * earlier imports stay comparable.
 */
export function hashValues(values: readonly StoredValue[]): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let v = 0; v < values.length; v++) {
    if (v > 0) {
      h1 = Math.imul(h1 ^ 1, 2654435761);
      h2 = Math.imul(h2 ^ 1, 1597334677);
    }
    const value = values[v];
    const text = value === null ? "\u0000" : typeof value === "string" ? value : String(value);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
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
