/**
 * People files (sign-up sheets, CRM exports): which column holds what, read by header name, and one row
 * as a `people.upsert()` input.
 *
 * @module
 */

import { InvalidInputError, type PersonInput } from "@precinct/core";
import { DEFAULT_VOTER_ID_SYSTEMS } from "./person-like.js";

/** The person fields a people file can carry. */
export type PeopleColumn =
  | "givenName"
  | "familyName"
  | "additionalName"
  | "honorificSuffix"
  | "email"
  | "phone"
  | "street"
  | "street2"
  | "city"
  | "state"
  | "zip"
  | "birthdate"
  | "birthYear"
  | "ncid"
  | "stateVoterId"
  | "identifiers";

/**
 * Header names each field is read from. Headers are compared in lower case with runs of anything but
 * letters and digits read as `_`, so `First Name`, `first-name` and `FIRST_NAME` are all `first_name`.
 */
export const PEOPLE_COLUMN_NAMES: Readonly<Record<PeopleColumn, readonly string[]>> = {
  givenName: ["given_name", "first_name", "first", "firstname", "fname", "given"],
  familyName: ["family_name", "last_name", "last", "lastname", "lname", "surname"],
  additionalName: ["additional_name", "middle_name", "middle", "middlename", "mname", "middle_initial"],
  honorificSuffix: ["suffix", "name_suffix", "honorific_suffix"],
  email: ["email", "email_address", "e_mail", "emailaddress"],
  phone: [
    "phone",
    "phone_number",
    "phonenumber",
    "mobile",
    "mobile_phone",
    "cell",
    "cell_phone",
    "telephone",
  ],
  street: [
    "street",
    "address",
    "address1",
    "address_1",
    "address_line_1",
    "address_line1",
    "addressline1",
    "street_address",
  ],
  street2: [
    "address2",
    "address_2",
    "address_line_2",
    "address_line2",
    "addressline2",
    "apt",
    "apartment",
    "unit",
  ],
  city: ["city", "locality", "town"],
  state: ["state", "region", "st"],
  zip: ["zip", "zip_code", "zipcode", "zip5", "postal_code", "postcode"],
  birthdate: ["birthdate", "birth_date", "dob", "date_of_birth", "birthday"],
  birthYear: ["birth_year", "birthyear", "year_of_birth", "yob"],
  ncid: ["ncid"],
  stateVoterId: ["state_voter_id", "statevoterid", "voter_id", "voterid", "sos_voterid"],
  identifiers: ["identifiers", "identifier"],
};

/** Where each field is in a file: the header names found, by field. */
export type PeopleColumnMap = Partial<Record<PeopleColumn, string>>;

/** A header name as compared: `First Name` → `first_name`. */
function canonical(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, "_")
    .replace(/^_|_$/gu, "");
}

/**
 * Finds the people fields in a header. The first column that matches a field wins.
 *
 * @param header - The file's column names.
 * @returns Field → the column name as written in the header.
 * @throws `InvalidInputError` (field `header`) when no column holds a name, an email or a phone.
 */
export function mapPeopleColumns(header: readonly string[]): PeopleColumnMap {
  const map: PeopleColumnMap = {};
  const fields = Object.entries(PEOPLE_COLUMN_NAMES) as [PeopleColumn, readonly string[]][];
  for (const name of header) {
    const key = canonical(name);
    const field = fields.find(
      ([candidate, names]) => map[candidate] === undefined && names.includes(key),
    )?.[0];
    if (field !== undefined) map[field] = name;
  }
  if (!map.givenName && !map.familyName && !map.email && !map.phone) {
    throw new InvalidInputError({
      field: "header",
      value: header.join(","),
      reason: "has no name, email or phone column (e.g. first_name, last_name, email, phone)",
    });
  }
  return map;
}

/** A row error: the row, the column and what is wrong. */
export interface PeopleRowError {
  /** 1-based data row number (the header is not counted). */
  row: number;
  /** The column as written in the header, or `row` for the row as a whole. */
  field: string;
  /** What is wrong. */
  reason: string;
  /** The offending value, when there is one. */
  value?: unknown;
}

/** Options of {@link peopleRowToInput}. */
export interface PeopleRowOptions {
  /** State of bare state voter ids (`state_voter_id` column); default: the row's state column. */
  state?: string;
  /** Tags given to every person. */
  tags?: readonly string[];
}

/**
 * One people-file row as a `people.upsert()` input.
 *
 * @param record - The row keyed by lower-case header name (see `toRecord`).
 * @param columns - The column map from {@link mapPeopleColumns}.
 * @param options - State of bare voter ids, tags.
 * @returns The input, or the errors found in the row (a row with no name, email or phone is an error).
 */
export function peopleRowToInput(
  record: Readonly<Record<string, string>>,
  columns: PeopleColumnMap,
  options: PeopleRowOptions = {},
): { input: PersonInput; errors: Omit<PeopleRowError, "row">[] } {
  const get = (field: PeopleColumn): string => {
    const column = columns[field];
    return column === undefined ? "" : (record[column.trim().toLowerCase()] ?? "").trim();
  };
  const errors: Omit<PeopleRowError, "row">[] = [];
  const input: PersonInput = {};
  const set = <K extends keyof PersonInput>(key: K, value: PersonInput[K] | "") => {
    if (value !== "" && value !== undefined) input[key] = value as PersonInput[K];
  };
  set("givenName", get("givenName"));
  set("familyName", get("familyName"));
  set("additionalName", get("additionalName"));
  set("honorificSuffix", get("honorificSuffix"));
  set("birthdate", get("birthdate"));
  const year = get("birthYear");
  if (year !== "") {
    if (/^\d{4}$/u.test(year)) input.birthYear = Number(year);
    else errors.push({ field: columns.birthYear!, reason: "is not a 4-digit year", value: year });
  }
  const email = get("email");
  if (email !== "") input.emailAddresses = [{ address: email, primary: true }];
  const phone = get("phone");
  if (phone !== "") input.phoneNumbers = [{ number: phone, primary: true }];
  const lines = [get("street"), get("street2")].filter((line) => line !== "");
  const [city, state, zip] = [get("city"), get("state"), get("zip")];
  if (lines.length > 0 || city !== "" || zip !== "") {
    input.postalAddresses = [
      {
        addressLines: lines,
        locality: city || null,
        region: state || null,
        postalCode: zip || null,
        primary: true,
        addressType: "home",
      },
    ];
  }
  const identifiers: string[] = [];
  const ncid = get("ncid");
  if (ncid !== "") identifiers.push(`ncsbe:${ncid}`);
  const voterId = get("stateVoterId");
  if (voterId !== "") {
    const voterState = (options.state ?? state).trim().toUpperCase();
    if (/^[A-Z]{2}$/u.test(voterState)) identifiers.push(`${voterIdSystem(voterState)}:${voterId}`);
    else
      errors.push({
        field: columns.stateVoterId!,
        reason: "needs a state (a state column or the state option)",
        value: voterId,
      });
  }
  for (const identifier of get("identifiers").split(/[\s;,|]+/u)) {
    if (identifier !== "") identifiers.push(identifier);
  }
  if (identifiers.length > 0) input.identifiers = identifiers;
  if (options.tags !== undefined && options.tags.length > 0) input.tags = [...options.tags];
  if (!input.givenName && !input.familyName && !input.emailAddresses && !input.phoneNumbers) {
    errors.push({ field: "row", reason: "has no name, email or phone" });
  }
  return { input, errors };
}

/**
 * The header column a `people.upsert()` error is about: `phoneNumbers.0.number` → the phone column,
 * `postalAddresses.0.postalCode` → the ZIP column, `person.givenName` → the first-name column.
 *
 * @param field - The error's field.
 * @param columns - The column map.
 * @returns The column as written in the header, or `field` itself when no column fits.
 */
export function columnOfField(field: string, columns: PeopleColumnMap): string {
  const rules: [RegExp, PeopleColumn][] = [
    [/givenName/u, "givenName"],
    [/familyName/u, "familyName"],
    [/additionalName/u, "additionalName"],
    [/honorificSuffix/u, "honorificSuffix"],
    [/^birthdate/u, "birthdate"],
    [/^birthYear/u, "birthYear"],
    [/^emailAddresses/u, "email"],
    [/^phoneNumbers/u, "phone"],
    [/^postalAddresses\.\d+\.postalCode/u, "zip"],
    [/^postalAddresses\.\d+\.region/u, "state"],
    [/^postalAddresses\.\d+\.locality/u, "city"],
    [/^postalAddresses\.\d+\.addressLines/u, "street"],
    [/^identifiers/u, "identifiers"],
  ];
  for (const [pattern, column] of rules) {
    if (!pattern.test(field)) continue;
    if (column === "identifiers") return columns.identifiers ?? columns.ncid ?? columns.stateVoterId ?? field;
    return columns[column] ?? field;
  }
  return field;
}

/** The identifier system of a state's voter ids: `ncsbe` for NC, `voter_<state>` elsewhere. */
function voterIdSystem(state: string): string {
  const known = Object.entries(DEFAULT_VOTER_ID_SYSTEMS).find(([, code]) => code === state);
  return known?.[0] ?? `voter_${state.toLowerCase()}`;
}
