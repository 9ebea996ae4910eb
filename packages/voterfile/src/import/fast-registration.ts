/**
 * The importer's compiled path for layouts built by `registrationMapper`: columns are read by index instead
 * of through a record keyed by header name, and the normalizers' answers for values that repeat across a
 * voter file (street names, cities, dates, first and last names, district sets) are remembered in bounded
 * caches. It produces exactly what `layout.mapRow` followed by `encodeVoter` would — the test suite checks
 * the two paths against each other — at a fraction of the cost per row.
 *
 * @module
 */

import { normalizePersonName, normalizePostalAddress, type VoterStatus, voterKeys } from "@precinct/core";
import {
  type AddressColumns,
  addressOf,
  type ColumnRef,
  filePhone,
  type RegistrationSpec,
  RowIssues,
} from "../layouts/mapping.js";
import type { FieldError } from "../layouts/types.js";
import { addressKeys, hashValues, type StoredValue, VOTER_FIELDS } from "./encode.js";

/**
 * Encodes one row's fields into `out` (ROW_WIDTH entries, see `encode.ts`) and returns `undefined`, or
 * returns the row's errors (or {@link SKIPPED}) and appends nothing. Warnings (values dropped without
 * rejecting the row) are reported through `warn`, by column.
 */
export type RowEncoder = (
  fields: readonly string[],
  row: number,
  out: StoredValue[],
  warn: (field: string) => void,
) => FieldError[] | typeof SKIPPED | undefined;

/** What a {@link RowEncoder} returns for a row its layout deliberately skips: counted as skipped, not rejected. */
export const SKIPPED: readonly FieldError[] = Object.freeze([]);

/** Whether the compiled path can encode this spec's rows (inline ballot columns need the record path). */
export function canCompile(spec: RegistrationSpec | undefined): spec is RegistrationSpec {
  return spec !== undefined && spec.electionColumns === undefined;
}

/** Entries per memo generation. */
const CACHE_LIMIT = 50_000;

/**
 * A bounded memo of two generations: when the young map is full it becomes the old one and the oldest is
 * dropped, so memory stays flat and a value used across the file is learned again at most once a
 * generation. Keys (and values) are copied on insert: a field is a slice of a whole decoded chunk of the
 * file, and a cache keyed by slices would keep every chunk it ever saw alive.
 */
class Memo<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  get(key: string): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key);
  }
  set(key: string, value: V): V {
    if (this.#young.size >= CACHE_LIMIT) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(detach(key), value);
    return value;
  }
}

/** A flat copy of `text` (V8 only makes slices and ropes of 13 characters or more). */
function detach(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

const detachOrNull = (text: string | null | undefined): string | null =>
  text === null || text === undefined ? null : detach(text);

/** `123 Main St`: a house number, then the rest (what the core normalizer caches on, too). */
const NUMBERED = /^(\d+) +(\S.*)$/u;
const NAME_NEEDS_FULL_RULES = /[\s,]/u;

/** A column reference resolved to header positions (-1: not in the file). */
type Ref = number | readonly number[];

/**
 * Compiles a registration spec against a file's header.
 *
 * @param spec - The layout's spec (no inline ballot columns; see {@link canCompile}).
 * @param header - The file's column names.
 * @returns The row encoder.
 */
export function compileRegistration(spec: RegistrationSpec, header: readonly string[]): RowEncoder {
  const names = header.map((name) => name.trim().toLowerCase());
  // `column()` reads `record[name]`, and the record keeps the last of repeated header names.
  const at = (name: string | undefined): number =>
    name === undefined ? -1 : names.lastIndexOf(name.toLowerCase());
  const ref = (value: ColumnRef): Ref => (typeof value === "string" ? at(value) : value.map(at));
  const c = spec.columns;
  const state = spec.state.toUpperCase();

  const idCol = at(c.stateVoterId);
  const statusCol = at(c.status);
  const yearCol = at(c.birthYear);
  const phoneCol = at(c.phone);
  const plain = [
    at(c.countyVoterId),
    at(c.county),
    at(c.statusReason),
    at(c.party),
    at(c.gender),
    at(c.race),
    at(c.ethnicity),
    at(c.precinct),
  ];
  const [countyVoterIdCol, countyCol, reasonCol, partyCol, genderCol, raceCol, ethnicityCol, precinctCol] =
    plain as [number, number, number, number, number, number, number, number];
  const givenCol = at(c.givenName);
  const familyCol = at(c.familyName);
  const middleCol = at(c.additionalName);
  const suffixCol = at(c.suffix);
  const birthdate = dateReader(c.birthdate, at(c.birthdate));
  const registrationDate = dateReader(c.registrationDate, at(c.registrationDate));
  const residential = addressEncoder(c.residentialAddress, "home", ref, true);
  const mailing = addressEncoder(c.mailingAddress, "mailing", ref, false);
  const districtEntries = Object.entries(c.districts ?? {}).map(([key, name]) => [key, at(name)] as const);
  const districtsJson = districtEncoder(districtEntries);
  const nameParts = nameNormalizer();

  const values: StoredValue[] = new Array(VOTER_FIELDS.length).fill(null);
  // The row being encoded, read by the helpers below (made once, not per row).
  let fields: readonly string[] = [];
  let errors: FieldError[] | undefined;
  const get = (index: number): string => (index < 0 ? "" : (fields[index] ?? "").trim());
  const optional = (index: number): string | null => {
    const value = get(index);
    return value === "" ? null : value;
  };
  const fail = (error: FieldError) => {
    errors ??= [];
    errors.push(error);
  };

  return (rowFields, row, out, warn) => {
    fields = rowFields;
    errors = undefined;

    const stateVoterId = get(idCol);
    if (stateVoterId === "") fail({ field: c.stateVoterId, reason: "is blank" });
    let status: VoterStatus = "unknown";
    if (c.status !== undefined) {
      const code = get(statusCol).toUpperCase();
      const mapped = spec.statusCodes[code];
      if (mapped !== undefined) status = mapped;
      else fail({ field: c.status, reason: `unknown status code "${code}"` });
    }
    const birth = birthdate(get);
    if (birth.error !== undefined) fail(birth.error);
    let birthYear: number | null = null;
    const yearText = get(yearCol);
    if (yearText !== "") {
      if (/^\d{4}$/u.test(yearText)) birthYear = Number(yearText);
      else fail({ field: c.birthYear ?? "", reason: `is not a year: "${yearText}"` });
    } else if (birth.date !== null) {
      birthYear = Number(birth.date.slice(0, 4));
    }
    const registered = registrationDate(get);
    if (registered.error !== undefined) fail(registered.error);
    if (errors !== undefined) return errors as FieldError[];

    const name = nameParts(get(givenCol), get(familyCol), get(middleCol), get(suffixCol));
    const home = residential(get);
    if (home.warning !== null) warn(home.warning);
    const mail = mailing(get);
    if (mail.warning !== null) warn(mail.warning);
    const rawPhone = get(phoneCol);
    const phone = filePhone(rawPhone) ?? null;
    if (c.phone !== undefined && rawPhone !== "" && phone === null) warn(c.phone);

    values[0] = optional(countyVoterIdCol);
    values[1] = optional(countyCol);
    values[2] = status;
    values[3] = optional(reasonCol);
    values[4] = registered.date;
    values[5] = optional(partyCol);
    values[6] = birthYear;
    values[7] = birth.date;
    values[8] = optional(genderCol);
    values[9] = optional(raceCol);
    values[10] = optional(ethnicityCol);
    values[11] = name.givenName.name;
    values[12] = name.familyName.name;
    values[13] = name.additionalName;
    values[14] = name.honorificSuffix;
    values[15] = home.json;
    values[16] = mail.json;
    values[17] = phone;
    values[18] = optional(precinctCol);
    values[19] = districtsJson(get);

    out.push(row, state, stateVoterId);
    for (let index = 0; index < values.length; index++) out.push(values[index] as StoredValue);
    out.push(name.givenName.key, name.familyName.key, home.zip5, home.streetKey, hashValues(values));
    return undefined;
  };
}

interface DateResult {
  date: string | null;
  error?: FieldError;
}

/** A date column's reader: the same rules and messages as `RowIssues.date`, remembered per value. */
function dateReader(name: string | undefined, index: number): (get: (index: number) => string) => DateResult {
  const none: DateResult = { date: null };
  if (name === undefined) return () => none;
  const memo = new Memo<DateResult>();
  return (get) => {
    const value = get(index);
    if (value === "") return none;
    const cached = memo.get(value);
    if (cached !== undefined) return cached;
    const issues = new RowIssues();
    const date = issues.date({ [name]: value }, name);
    const error = issues.errors[0];
    return memo.set(
      value,
      error === undefined
        ? { date: detachOrNull(date) }
        : { date: null, error: { field: error.field, reason: detach(error.reason) } },
    );
  };
}

/** A normalized name part and its match key. */
interface NamePart {
  name: string | null;
  key: string | null;
}

interface NormalizedName {
  givenName: NamePart;
  familyName: NamePart;
  additionalName: string | null;
  honorificSuffix: string | null;
}

const NO_PART: NamePart = { name: null, key: null };

/**
 * `normalizePersonName` and the name keys, with each part remembered alone when no part can carry a suffix
 * (one word each, no suffix column): then the parts do not interact, and first and last names repeat a
 * great deal.
 */
function nameNormalizer(): (given: string, family: string, middle: string, suffix: string) => NormalizedName {
  const memos = {
    givenName: new Memo<NamePart>(),
    familyName: new Memo<NamePart>(),
    additionalName: new Memo<NamePart>(),
  };
  const keys = new Memo<string | null>();
  const keyOf = (name: string | null): string | null => {
    if (name === null) return null;
    const cached = keys.get(name);
    if (cached !== undefined) return cached;
    return keys.set(name, detachOrNull(voterKeys({ givenName: name }).givenKey));
  };
  const withKey = (name: string | undefined): NamePart =>
    name === undefined ? NO_PART : { name, key: keyOf(name) };
  const part = (key: keyof typeof memos, value: string): NamePart => {
    if (value === "") return NO_PART;
    const memo = memos[key];
    const cached = memo.get(value);
    if (cached !== undefined) return cached;
    const name = detachOrNull(normalizePersonName({ [key]: value })[key]);
    return memo.set(value, name === null ? NO_PART : { name, key: keyOf(name) });
  };
  return (given, family, middle, suffix) => {
    if (
      suffix === "" &&
      !NAME_NEEDS_FULL_RULES.test(given) &&
      !NAME_NEEDS_FULL_RULES.test(family) &&
      !NAME_NEEDS_FULL_RULES.test(middle)
    ) {
      return {
        givenName: part("givenName", given),
        familyName: part("familyName", family),
        additionalName: part("additionalName", middle).name,
        honorificSuffix: null,
      };
    }
    const name = normalizePersonName({
      givenName: given,
      familyName: family,
      additionalName: middle,
      suffix,
    });
    return {
      givenName: withKey(name.givenName),
      familyName: withKey(name.familyName),
      additionalName: name.additionalName ?? null,
      honorificSuffix: name.honorificSuffix ?? null,
    };
  };
}

/** Characters `JSON.stringify` escapes (or that make it look twice: lone surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/u;

/** `JSON.stringify(text)`, without the call for the plain text that makes up nearly every value. */
function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** The districts object as JSON (its non-blank columns, in the spec's order), as `JSON.stringify` writes it. */
function districtEncoder(
  entries: readonly (readonly [string, number])[],
): (get: (index: number) => string) => string {
  // Integer-like keys would be reordered by an object; let JSON.stringify have those (no built-in has any).
  if (entries.some(([key]) => /^(?:0|[1-9]\d*)$/u.test(key))) {
    return (get) => {
      const result: Record<string, string> = {};
      for (const [key, index] of entries) {
        const value = get(index);
        if (value !== "") result[key] = value;
      }
      return JSON.stringify(result);
    };
  }
  const prefixes = entries.map(([key]) => `${JSON.stringify(key)}:`);
  return (get) => {
    let json = "";
    for (let index = 0; index < entries.length; index++) {
      const value = get((entries[index] as readonly [string, number])[1]);
      if (value === "") continue;
      json = `${json}${json === "" ? "{" : ","}${prefixes[index]}${jsonString(value)}`;
    }
    return json === "" ? "{}" : `${json}}`;
  };
}

interface EncodedAddress {
  /** The stored JSON, or null when the address has no lines. */
  json: string | null;
  zip5: string | null;
  streetKey: string | null;
  /** The column to warn about (the address could not be normalized), or null. */
  warning: string | null;
}

/**
 * What a street line normalizes to. A numbered line (`123 N MAIN ST`) is remembered by what follows the
 * number, as the core normalizer itself caches it: the normalized line and street key are the number
 * followed by those of `1 <rest>`.
 */
type LineEntry = { linesJson: string; keyTail: string | null } | null;

/** What the city, state and ZIP normalize to: the JSON after the lines, and the ZIP5; null if they fail. */
type PlaceEntry = { tail: string; zip5: string | null } | null;

const NO_ADDRESS: EncodedAddress = { json: null, zip5: null, streetKey: null, warning: null };

/**
 * An address column group's encoder. The parts of a US address normalize independently (lines on their own,
 * city, state and ZIP on their own), so each is remembered apart: a state has far fewer street names and far
 * fewer city–ZIP pairs than addresses. An address whose parts do not normalize takes the full path, which
 * keeps it as written and warns.
 */
function addressEncoder(
  spec: AddressColumns | undefined,
  addressType: "home" | "mailing",
  ref: (value: ColumnRef) => Ref,
  withKeys: boolean,
): (get: (index: number) => string) => EncodedAddress {
  if (spec === undefined) return () => NO_ADDRESS;
  const field = addressType === "home" ? "residentialAddress" : "mailingAddress";
  const lineRefs = spec.lines.map(ref);
  const localityCol = spec.locality === undefined ? -1 : (ref(spec.locality) as number);
  const regionCol = spec.region === undefined ? -1 : (ref(spec.region) as number);
  const postalRef = spec.postalCode === undefined ? -1 : ref(spec.postalCode);
  const defaultRegion = spec.defaultRegion ?? "";
  const numberedLines = new Memo<LineEntry>();
  const otherLines = new Memo<LineEntry>();
  const places = new Memo<PlaceEntry>();
  const addressTypeJson = JSON.stringify(addressType);

  const read = (get: (index: number) => string, target: Ref, separator: string): string => {
    if (typeof target === "number") return get(target);
    let text = "";
    for (const index of target) {
      const value = get(index);
      if (value === "") continue;
      text = text === "" ? value : `${text}${separator}${value}`;
    }
    return text;
  };

  /** The full computation, as `mapRow` and `encodeVoter` do it. */
  const direct = (lines: string[], locality: string, region: string, postalCode: string): EncodedAddress => {
    const issues = new RowIssues();
    const address = addressOf(lines, locality, region, postalCode, addressType, issues);
    const [zip5, streetKey] = withKeys ? addressKeys(address) : [null, null];
    return {
      json: JSON.stringify(address),
      zip5,
      streetKey,
      warning: issues.warnings.length > 0 ? field : null,
    };
  };

  /** Normalized lines as JSON (without the number of a numbered line), and their street key. */
  const learnLines = (lines: string[]): LineEntry => {
    const normalized = normalizePostalAddress({ addressLines: lines }).addressLines;
    let keyTail: string | null = null;
    if (withKeys) {
      const key = voterKeys({
        residentialAddress: { addressLines: normalized, country: "US" } as never,
      }).streetKey;
      keyTail = key;
    }
    return { linesJson: JSON.stringify(normalized), keyTail };
  };

  const learnNumbered = (rest: string, others: string[]): LineEntry => {
    const template = `1 ${rest}`;
    const entry = learnLines([template, ...others]);
    if (entry === null) return null;
    // The line must come out as "1 <…>" (the number kept in front), and read back the same way when the
    // street key normalizes it again; then every house number of the street shares the rest.
    if (!entry.linesJson.startsWith('["1 ')) return null;
    if (withKeys) {
      const first = (JSON.parse(entry.linesJson) as string[])[0] as string;
      const again = normalizePostalAddress({ addressLines: [first] }).addressLines[0] ?? "";
      const key = entry.keyTail ?? "";
      if (!again.startsWith("1 ") || (key !== "1" && !key.startsWith("1 "))) return null;
    }
    return {
      linesJson: detach(entry.linesJson.slice(4)),
      keyTail: entry.keyTail === null ? null : detach(entry.keyTail.slice(1)),
    };
  };

  const learnPlace = (locality: string, region: string, postalCode: string): PlaceEntry => {
    const optional = (value: string) => (value === "" ? null : value);
    let place: ReturnType<typeof normalizePostalAddress>;
    try {
      place = normalizePostalAddress({
        addressLines: [],
        locality: optional(locality),
        region: optional(region),
        postalCode: optional(postalCode),
      });
    } catch {
      return null;
    }
    const zip5 = withKeys
      ? voterKeys({ residentialAddress: { addressLines: [], postalCode: place.postalCode ?? null } as never })
          .zip5
      : null;
    const tail = JSON.stringify({
      locality: place.locality ?? null,
      region: place.region ?? null,
      postalCode: place.postalCode ?? null,
      country: place.country,
    }).slice(1, -1);
    return { tail: detach(`${tail},"addressType":${addressTypeJson}}`), zip5: detachOrNull(zip5) };
  };

  return (get) => {
    const lines: string[] = [];
    for (const target of lineRefs) {
      const line = read(get, target, " ");
      if (line !== "") lines.push(line);
    }
    if (lines.length === 0) return NO_ADDRESS;
    const locality = localityCol < 0 ? "" : get(localityCol);
    const region = (regionCol < 0 ? "" : get(regionCol)) || defaultRegion;
    const postalCode = postalRef === -1 ? "" : read(get, postalRef, "-");

    const placeKey = `${locality}\u0001${region}\u0001${postalCode}`;
    let place = places.get(placeKey);
    if (place === undefined) place = places.set(placeKey, learnPlace(locality, region, postalCode));
    if (place === null) return direct(lines, locality, region, postalCode);

    const first = lines[0] as string;
    const numbered = NUMBERED.exec(first);
    if (numbered === null) {
      const key = lines.length === 1 ? first : lines.join("\u0002");
      let entry = otherLines.get(key);
      if (entry === undefined) entry = otherLines.set(key, detachEntry(learnLines(lines)));
      if (entry === null) return direct(lines, locality, region, postalCode);
      return {
        json: `{"addressLines":${entry.linesJson},${place.tail}`,
        zip5: place.zip5,
        streetKey: entry.keyTail === "" ? null : entry.keyTail,
        warning: null,
      };
    }
    const rest = numbered[2] as string;
    const key = lines.length === 1 ? rest : `${rest}\u0002${lines.slice(1).join("\u0002")}`;
    let entry = numberedLines.get(key);
    if (entry === undefined) entry = numberedLines.set(key, learnNumbered(rest, lines.slice(1)));
    if (entry === null) return direct(lines, locality, region, postalCode);
    const number = numbered[1] as string;
    return {
      json: `{"addressLines":["${number} ${entry.linesJson},${place.tail}`,
      zip5: place.zip5,
      streetKey: entry.keyTail === null ? null : `${number}${entry.keyTail}`,
      warning: null,
    };
  };
}

function detachEntry(entry: LineEntry): LineEntry {
  return entry === null ? null : { linesJson: detach(entry.linesJson), keyTail: detachOrNull(entry.keyTail) };
}
