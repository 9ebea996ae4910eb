/**
 * The two sides of a comparison in the form the scorer reads: a {@link MatchSubject} prepared once per
 * person (keys, nickname groups, phones, address parts) and a {@link MatchVoter} per candidate voter.
 *
 * @module
 */

import {
  addressMatchKey,
  birthYearOf,
  NAME_PARTICLES,
  nameMatchKey,
  nicknameGroup,
  normalizeDate,
  normalizePersonName,
  type PostalAddressInput,
  tryNormalizePhone,
  type Voter,
  voterKeys,
  zip5,
} from "@precinct/core";
import { DEFAULT_VOTER_ID_SYSTEMS, type PersonLike } from "./person-like.js";
import { type StreetParts, splitStreetKey } from "./street.js";

/**
 * Name particles that are not a surname on their own (`de la Cruz` has one real part: `cruz`): core's list,
 * plus `los` and `st` (`de los Santos`, `St John`), which matter for comparing but not for casing.
 */
const PARTICLES: ReadonlySet<string> = new Set([...NAME_PARTICLES, "los", "st"]);

/** One address of a subject, as compared. */
export interface SubjectAddress {
  /** The street key split into parts, or `null` when there are no street lines. */
  street: StreetParts | null;
  /** ZIP5, or `null`. */
  zip5: string | null;
}

/** A person prepared for matching: everything the scorer and the candidate search compare, computed once. */
export interface MatchSubject {
  /** Marks a prepared subject. */
  readonly kind: "match-subject";
  /** `nameMatchKey` of the first name, or `null`. */
  givenKey: string | null;
  /** `nameMatchKey` of the last name (suffix removed), or `null`. */
  familyKey: string | null;
  /** `nameMatchKey` of the middle name, or `null`. */
  middleKey: string | null;
  /** The first name's key and its nickname group (`bill` → `william`, `will`, ...). */
  givenGroup: ReadonlySet<string>;
  /** The last name read as a first name: its key and nickname group, for transposed names. */
  familyAsGivenGroup: ReadonlySet<string>;
  /** Keys of the last name's parts (`smith`, `jones` for `Smith-Jones`), without particles; empty for one part. */
  familyParts: readonly string[];
  /** Canonical generational suffix key (`jr`, `sr`, `iii`), or `null`. */
  suffix: string | null;
  /** Birth date `YYYY-MM-DD`, or `null`. */
  birthdate: string | null;
  /** Birth year, or `null`. */
  birthYear: number | null;
  /** Phone numbers in E.164. */
  phones: readonly string[];
  /** Addresses with a street or a ZIP. */
  addresses: readonly SubjectAddress[];
  /** State voter ids from the identifiers: `{ state, id }` with the id upper-cased. */
  stateVoterIds: readonly { state: string; id: string }[];
  /** Values that could not be read and were ignored. */
  warnings: string[];
}

/** A candidate voter as the scorer reads it: the stored match keys plus the raw names. */
export interface MatchVoter {
  /** Voter id. */
  id: string;
  /** Two-letter state. */
  state: string;
  /** State voter id. */
  stateVoterId: string;
  /** The person the voter is linked to, if any. */
  personId: string | null;
  /** First name as stored. */
  givenName: string | null;
  /** Last name as stored. */
  familyName: string | null;
  /** Middle name as stored. */
  additionalName: string | null;
  /** Suffix as stored. */
  honorificSuffix: string | null;
  /** `nameMatchKey(givenName)`. */
  givenKey: string | null;
  /** `nameMatchKey(familyName)`. */
  familyKey: string | null;
  /** Birth year. */
  birthYear: number | null;
  /** Birth date, when the state publishes it. */
  birthdate: string | null;
  /** ZIP5 of the residential address. */
  zip5: string | null;
  /** Street key of the residential address. */
  streetKey: string | null;
  /** Phone in E.164. */
  phone: string | null;
  /** When the voter was removed from the rolls, if they were. */
  removedAt: string | null;
}

/** Options for {@link prepareSubject}. */
export interface PrepareOptions {
  /** Country assumed for phone numbers without a country code. Default `US`. */
  defaultCountry?: string;
  /** Identifier systems that hold state voter ids. Default {@link DEFAULT_VOTER_ID_SYSTEMS}. */
  voterIdSystems?: Readonly<Record<string, string>>;
}

/** Whether `value` is a prepared {@link MatchSubject}. */
export function isMatchSubject(value: unknown): value is MatchSubject {
  return typeof value === "object" && value !== null && (value as MatchSubject).kind === "match-subject";
}

/**
 * Prepares a person for matching: normalizes names, birth date, phones and addresses into the keys the
 * voter table stores. Never throws: a value that cannot be read is left out and named in `warnings`.
 *
 * @param person - The person.
 * @param options - Default phone country and the identifier systems that hold state voter ids.
 * @returns The prepared subject.
 */
export function prepareSubject(person: PersonLike, options: PrepareOptions = {}): MatchSubject {
  const warnings: string[] = [];
  const attempt = <T>(field: string, read: () => T): T | null => {
    try {
      return read();
    } catch (error) {
      warnings.push(`${field}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  };

  const name =
    attempt("name", () =>
      normalizePersonName({
        givenName: text(person.givenName),
        familyName: text(person.familyName),
        additionalName: text(person.additionalName),
        honorificSuffix: text(person.honorificSuffix),
      }),
    ) ?? {};
  const givenKey = keyOf(name.givenName);
  const familyKey = keyOf(name.familyName);
  const givenGroup = new Set<string>(givenKey === null ? [] : [givenKey]);
  if (name.givenName !== undefined) {
    for (const key of nicknameGroup(name.givenName)) givenGroup.add(key);
    // "Mary Ann": the first word alone is also how the person may be registered.
    const words = name.givenName.split(/[\s-]+/u);
    if (words.length > 1) for (const key of nicknameGroup(words[0]!)) givenGroup.add(key);
  }
  const familyAsGivenGroup = new Set<string>(familyKey === null ? [] : [familyKey]);
  if (name.familyName !== undefined)
    for (const key of nicknameGroup(name.familyName)) familyAsGivenGroup.add(key);

  let birthdate: string | null = null;
  let birthYear: number | null = null;
  if (person.birthdate !== undefined && person.birthdate !== null && person.birthdate !== "") {
    birthdate = attempt("birthdate", () => normalizeDate(person.birthdate as string | Date));
    if (birthdate !== null) birthYear = Number(birthdate.slice(0, 4));
  }
  const year = person.birthYear;
  if (year !== undefined && year !== null && String(year).trim() !== "") {
    const parsed = attempt("birthYear", () => birthYearOf(String(year).trim(), { field: "birthYear" }));
    if (parsed !== null && birthYear !== null && parsed !== birthYear) {
      warnings.push(`birthYear: ${parsed} contradicts birthdate ${birthdate}; the birthdate is used`);
    } else if (parsed !== null) {
      birthYear = parsed;
    }
  }

  const phones: string[] = [];
  const country = (options.defaultCountry ?? "US") as never;
  for (const raw of [person.phone, ...(person.phones ?? [])]) {
    if (raw === undefined || raw === null || String(raw).trim() === "") continue;
    const phone = tryNormalizePhone(String(raw), { defaultCountry: country });
    if (phone === undefined) warnings.push(`phone: ${JSON.stringify(raw)} is not a valid phone number`);
    else if (!phones.includes(phone)) phones.push(phone);
  }

  const addresses: SubjectAddress[] = [];
  const home: PostalAddressInput = {
    addressLines: person.addressLines ?? [],
    locality: person.locality ?? null,
    region: person.region ?? null,
    postalCode: person.postalCode ?? null,
  };
  for (const [index, address] of [home, ...(person.addresses ?? [])].entries()) {
    const prepared = prepareAddress(address, index === 0 ? "address" : `addresses.${index - 1}`, warnings);
    if (prepared !== null) addresses.push(prepared);
  }

  const systems = options.voterIdSystems ?? DEFAULT_VOTER_ID_SYSTEMS;
  const stateVoterIds: { state: string; id: string }[] = [];
  for (const identifier of person.identifiers ?? []) {
    const at = identifier.indexOf(":");
    if (at <= 0) continue;
    const system = identifier.slice(0, at).trim().toLowerCase();
    const id = identifier
      .slice(at + 1)
      .trim()
      .toUpperCase();
    const state = systems[system] ?? /^voter_([a-z]{2})$/u.exec(system)?.[1]?.toUpperCase();
    if (state !== undefined && id !== "") stateVoterIds.push({ state: state.toUpperCase(), id });
  }

  return {
    kind: "match-subject",
    givenKey,
    familyKey,
    middleKey: keyOf(name.additionalName),
    givenGroup,
    familyAsGivenGroup,
    familyParts: nameParts(name.familyName),
    suffix: suffixKey(name.honorificSuffix),
    birthdate,
    birthYear,
    phones,
    addresses,
    stateVoterIds,
    warnings,
  };
}

/**
 * A voter record in the form the scorer reads, with its match keys computed (the importer stores the same
 * keys in the `voter` table).
 *
 * @param voter - A stored voter.
 * @returns The candidate form.
 */
export function toMatchVoter(voter: Voter): MatchVoter {
  const keys = voterKeys(voter);
  return {
    id: voter.id,
    state: voter.state,
    stateVoterId: voter.stateVoterId,
    personId: voter.personId,
    givenName: voter.givenName,
    familyName: voter.familyName,
    additionalName: voter.additionalName,
    honorificSuffix: voter.honorificSuffix,
    givenKey: keys.givenKey,
    familyKey: keys.familyKey,
    birthYear: voter.birthYear,
    birthdate: voter.birthdate,
    zip5: keys.zip5,
    streetKey: keys.streetKey,
    phone: voter.phone,
    removedAt: voter.removedAt,
  };
}

/** Nickname groups by key (the key itself left out), computed once per distinct first name. */
const nicknameCache = new Map<string, readonly string[]>();

/** The other names of a first-name key's nickname groups (`william` → `bill`, `will`, ...), as keys. */
export function nicknamesOf(key: string): readonly string[] {
  let group = nicknameCache.get(key);
  if (group === undefined) {
    group = nicknameGroup(key).filter((member) => member !== key);
    // Bounded: the table has a few hundred names, but keys of typos would otherwise pile up.
    if (nicknameCache.size > 50_000) nicknameCache.clear();
    nicknameCache.set(key, group);
  }
  return group;
}

/** `nameMatchKey` of a possibly missing name; `null` when it has no letters. */
export function keyOf(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  const key = nameMatchKey(name);
  return key === "" ? null : key;
}

/** Keys of the parts of a multi-part last name, particles left out; empty for a one-part name. */
export function nameParts(name: string | null | undefined): string[] {
  if (name === null || name === undefined) return [];
  const parts = name
    .split(/[\s-]+/u)
    .map((part) => nameMatchKey(part))
    .filter((part) => part.length >= 2 && !PARTICLES.has(part));
  return parts.length > 1 || (parts.length === 1 && parts[0] !== nameMatchKey(name)) ? parts : [];
}

const SUFFIX_KEYS: Readonly<Record<string, string>> = {
  jr: "jr",
  jnr: "jr",
  junior: "jr",
  sr: "sr",
  snr: "sr",
  senior: "sr",
  ii: "ii",
  "2nd": "ii",
  iii: "iii",
  "3rd": "iii",
  iv: "iv",
  "4th": "iv",
  v: "v",
  "5th": "v",
};

/** The canonical key of a generational suffix (`Jr.` → `jr`, `3RD` → `iii`), or `null` for anything else. */
export function suffixKey(suffix: string | null | undefined): string | null {
  if (suffix === null || suffix === undefined) return null;
  return SUFFIX_KEYS[suffix.replace(/[^a-z0-9]/giu, "").toLowerCase()] ?? null;
}

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : String(value);
}

function prepareAddress(
  address: PostalAddressInput,
  field: string,
  warnings: string[],
): SubjectAddress | null {
  const lines = (address.addressLines ?? []).filter((line) => typeof line === "string" && line.trim() !== "");
  let zip: string | null = null;
  const code = address.postalCode;
  if (code !== undefined && code !== null && String(code).trim() !== "") {
    try {
      zip = zip5(String(code));
    } catch {
      warnings.push(`${field}.postalCode: ${JSON.stringify(code)} is not a US ZIP code`);
    }
  }
  let street: StreetParts | null = null;
  if (lines.length > 0) {
    try {
      // The street part only: the ZIP was read above, and a bad state must not lose the street.
      const key = addressMatchKey({ addressLines: lines }).split("|")[0] ?? "";
      if (key !== "") street = splitStreetKey(key);
    } catch (error) {
      warnings.push(`${field}.addressLines: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return street === null && zip === null ? null : { street, zip5: zip };
}
