/**
 * US states, the District of Columbia, territories and the other USPS "state" codes, with their names.
 *
 * @module
 */

import { type FieldOptions, fail, requireString } from "./input.js";

/**
 * What a USPS state code stands for. Quiet-hours and other state rules apply to `state`, `district` and
 * `territory`; `military` codes (APO/FPO/DPO mail: overseas service members, who vote absentee) and
 * `freely_associated` states have no US local time of their own.
 */
export type UsStateKind = "state" | "district" | "territory" | "freely_associated" | "military";

/** One entry of {@link US_STATES}. */
export interface UsStateInfo {
  /** The name USPS uses, e.g. `North Carolina`. */
  readonly name: string;
  /** What kind of jurisdiction the code stands for. */
  readonly kind: UsStateKind;
}

/**
 * Every USPS state code: the 50 states, DC, the five inhabited territories, the freely associated states
 * that use US mail, and the armed-forces codes.
 */
export const US_STATES = {
  AL: { name: "Alabama", kind: "state" },
  AK: { name: "Alaska", kind: "state" },
  AZ: { name: "Arizona", kind: "state" },
  AR: { name: "Arkansas", kind: "state" },
  CA: { name: "California", kind: "state" },
  CO: { name: "Colorado", kind: "state" },
  CT: { name: "Connecticut", kind: "state" },
  DE: { name: "Delaware", kind: "state" },
  FL: { name: "Florida", kind: "state" },
  GA: { name: "Georgia", kind: "state" },
  HI: { name: "Hawaii", kind: "state" },
  ID: { name: "Idaho", kind: "state" },
  IL: { name: "Illinois", kind: "state" },
  IN: { name: "Indiana", kind: "state" },
  IA: { name: "Iowa", kind: "state" },
  KS: { name: "Kansas", kind: "state" },
  KY: { name: "Kentucky", kind: "state" },
  LA: { name: "Louisiana", kind: "state" },
  ME: { name: "Maine", kind: "state" },
  MD: { name: "Maryland", kind: "state" },
  MA: { name: "Massachusetts", kind: "state" },
  MI: { name: "Michigan", kind: "state" },
  MN: { name: "Minnesota", kind: "state" },
  MS: { name: "Mississippi", kind: "state" },
  MO: { name: "Missouri", kind: "state" },
  MT: { name: "Montana", kind: "state" },
  NE: { name: "Nebraska", kind: "state" },
  NV: { name: "Nevada", kind: "state" },
  NH: { name: "New Hampshire", kind: "state" },
  NJ: { name: "New Jersey", kind: "state" },
  NM: { name: "New Mexico", kind: "state" },
  NY: { name: "New York", kind: "state" },
  NC: { name: "North Carolina", kind: "state" },
  ND: { name: "North Dakota", kind: "state" },
  OH: { name: "Ohio", kind: "state" },
  OK: { name: "Oklahoma", kind: "state" },
  OR: { name: "Oregon", kind: "state" },
  PA: { name: "Pennsylvania", kind: "state" },
  RI: { name: "Rhode Island", kind: "state" },
  SC: { name: "South Carolina", kind: "state" },
  SD: { name: "South Dakota", kind: "state" },
  TN: { name: "Tennessee", kind: "state" },
  TX: { name: "Texas", kind: "state" },
  UT: { name: "Utah", kind: "state" },
  VT: { name: "Vermont", kind: "state" },
  VA: { name: "Virginia", kind: "state" },
  WA: { name: "Washington", kind: "state" },
  WV: { name: "West Virginia", kind: "state" },
  WI: { name: "Wisconsin", kind: "state" },
  WY: { name: "Wyoming", kind: "state" },
  DC: { name: "District of Columbia", kind: "district" },
  AS: { name: "American Samoa", kind: "territory" },
  GU: { name: "Guam", kind: "territory" },
  MP: { name: "Northern Mariana Islands", kind: "territory" },
  PR: { name: "Puerto Rico", kind: "territory" },
  VI: { name: "U.S. Virgin Islands", kind: "territory" },
  FM: { name: "Federated States of Micronesia", kind: "freely_associated" },
  MH: { name: "Marshall Islands", kind: "freely_associated" },
  PW: { name: "Palau", kind: "freely_associated" },
  AA: { name: "Armed Forces Americas", kind: "military" },
  AE: { name: "Armed Forces Europe", kind: "military" },
  AP: { name: "Armed Forces Pacific", kind: "military" },
} as const satisfies Record<string, UsStateInfo>;

/** A USPS state code: `NC`, `DC`, `PR`, `AE`, ... */
export type UsStateCode = keyof typeof US_STATES;

/** Other names people write for a state, keyed as {@link lookupKey} makes them. */
const ALIASES: Readonly<Record<string, UsStateCode>> = {
  "washington dc": "DC",
  "washington d c": "DC",
  "us virgin islands": "VI",
  "u s virgin islands": "VI",
  "virgin islands": "VI",
  usvi: "VI",
  "northern marianas": "MP",
  cnmi: "MP",
  micronesia: "FM",
  // AP-style abbreviations, still common in hand-typed addresses.
  ala: "AL",
  ariz: "AZ",
  ark: "AR",
  calif: "CA",
  cal: "CA",
  colo: "CO",
  conn: "CT",
  del: "DE",
  fla: "FL",
  ill: "IL",
  ind: "IN",
  kan: "KS",
  kans: "KS",
  mass: "MA",
  mich: "MI",
  minn: "MN",
  miss: "MS",
  mont: "MT",
  neb: "NE",
  nebr: "NE",
  nev: "NV",
  okla: "OK",
  ore: "OR",
  penn: "PA",
  penna: "PA",
  tenn: "TN",
  tex: "TX",
  wash: "WA",
  wis: "WI",
  wisc: "WI",
  wva: "WV",
  "w va": "WV",
  wyo: "WY",
};

let codesByName: Map<string, UsStateCode> | undefined;

/** Lower case, periods and commas as spaces, whitespace collapsed: `Washington, D.C.` → `washington d c`. */
function lookupKey(value: string): string {
  return value.toLowerCase().replace(/[.,]/gu, " ").replace(/\s+/gu, " ").trim();
}

function nameIndex(): Map<string, UsStateCode> {
  if (codesByName !== undefined) return codesByName;
  codesByName = new Map(Object.entries(ALIASES));
  for (const [code, info] of Object.entries(US_STATES)) {
    codesByName.set(lookupKey(info.name), code as UsStateCode);
  }
  return codesByName;
}

/**
 * True when `value` is a USPS state code exactly as stored (upper case).
 *
 * @param value - Any value.
 */
export function isUsStateCode(value: unknown): value is UsStateCode {
  return typeof value === "string" && Object.hasOwn(US_STATES, value);
}

/**
 * Normalizes a US state (or DC, territory, armed-forces region) to its 2-letter USPS code. Accepts codes in
 * any case (`nc`, `N.C.`), full names (`north carolina`, `District of Columbia`) and AP-style abbreviations
 * (`Calif.`, `Mass.`).
 *
 * @param value - The state as written.
 * @param options - `field` (default `"region"`).
 * @returns The USPS code, e.g. `"NC"`.
 * @throws {@link InvalidInputError} when `value` is not a string or names no US state.
 */
export function usStateCode(value: string, options: FieldOptions = {}): UsStateCode {
  const field = options.field ?? "region";
  const key = lookupKey(requireString(value, field));
  if (key === "") fail(field, value, "is empty");
  const code = key.replace(/ /gu, "").toUpperCase();
  if (code.length === 2 && isUsStateCode(code)) return code;
  const named = nameIndex().get(key);
  if (named === undefined) fail(field, value, "is not a US state, territory or USPS state code");
  return named;
}
