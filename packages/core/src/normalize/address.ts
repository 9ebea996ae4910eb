/**
 * US postal addresses, standardized along the lines of USPS Publication 28: street suffixes, directionals
 * and unit designators abbreviated, state as its USPS code, ZIP or ZIP+4; street and city in title case for
 * display. Not a CASS-certified standardizer: nothing is checked against the USPS address database.
 *
 * @module
 */

import { isSingleCase, smartTitleCase } from "./casing.js";
import { collapseWhitespace, detach, type FieldOptions, fail, requireString } from "./input.js";
import { nameMatchKey } from "./name.js";
import { normalizeZipCode, zip5 } from "./postal-code.js";
import { usStateCode } from "./us-states.js";

/** A postal address as it arrives. Only `addressLines` is required; the other parts may be missing. */
export interface PostalAddressInput {
  /** Street lines, first line first: `["123 North Main Street", "Apartment 4B"]`. Blank lines are dropped. */
  addressLines: readonly string[];
  /** City. */
  locality?: string | null;
  /** State (any case, code or name) for US addresses; province or region elsewhere. */
  region?: string | null;
  /** ZIP code for US addresses; postal code elsewhere. */
  postalCode?: string | null;
  /** ISO 3166-1 alpha-2 country code, or a common name of the US. Default `"US"`. */
  country?: string | null;
}

/** A normalized postal address. Parts that were missing or blank are absent. */
export interface NormalizedPostalAddress {
  /** Standardized street lines: `["123 N Main St Apt 4B"]`. */
  addressLines: string[];
  /** City in title case: `Winston-Salem`. */
  locality?: string;
  /** USPS state code for US addresses (`NC`); the region as written, whitespace collapsed, elsewhere. */
  region?: string;
  /** `27601` or `27601-1234` for US addresses; upper case elsewhere. */
  postalCode?: string;
  /** ISO 3166-1 alpha-2 country code, upper case. */
  country: string;
}

/** Street suffixes (USPS Publication 28, appendix C1): each accepted spelling → standard abbreviation. */
const STREET_SUFFIXES: ReadonlyMap<string, string> = buildTable({
  ALY: ["ALLEY", "ALLEE", "ALLY"],
  ANX: ["ANNEX", "ANEX"],
  ARC: ["ARCADE"],
  AVE: ["AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"],
  BYU: ["BAYOU", "BAYOO"],
  BCH: ["BEACH"],
  BND: ["BEND"],
  BLF: ["BLUFF"],
  BLVD: ["BOULEVARD", "BOUL", "BOULV"],
  BR: ["BRANCH", "BRNCH"],
  BRG: ["BRIDGE", "BRDGE"],
  BRK: ["BROOK"],
  BYP: ["BYPASS", "BYPA", "BYPAS", "BYPS"],
  CSWY: ["CAUSEWAY", "CAUSWA"],
  CTR: ["CENTER", "CENTRE", "CEN", "CENT", "CENTR", "CNTER", "CNTR"],
  CIR: ["CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"],
  CLF: ["CLIFF"],
  CMN: ["COMMON"],
  COR: ["CORNER"],
  CRSE: ["COURSE"],
  CT: ["COURT"],
  CTS: ["COURTS"],
  CV: ["COVE"],
  CRK: ["CREEK"],
  CRES: ["CRESCENT", "CRSENT", "CRSNT"],
  CRST: ["CREST"],
  XING: ["CROSSING", "CRSSNG"],
  CURV: ["CURVE"],
  DL: ["DALE"],
  DR: ["DRIVE", "DRIV", "DRV"],
  EST: ["ESTATE"],
  ESTS: ["ESTATES"],
  EXPY: ["EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW"],
  EXT: ["EXTENSION", "EXTN", "EXTNSN"],
  FLS: ["FALLS"],
  FRY: ["FERRY", "FRRY"],
  FLD: ["FIELD"],
  FLDS: ["FIELDS"],
  FRST: ["FOREST", "FORESTS"],
  FRK: ["FORK"],
  FWY: ["FREEWAY", "FREEWY", "FRWAY", "FRWY"],
  GDN: ["GARDEN", "GARDN", "GRDEN", "GRDN"],
  GDNS: ["GARDENS", "GRDNS"],
  GTWY: ["GATEWAY", "GATEWY", "GATWAY", "GTWAY"],
  GLN: ["GLEN"],
  GRN: ["GREEN"],
  GRV: ["GROVE", "GROV"],
  HBR: ["HARBOR", "HARB", "HARBR", "HRBOR"],
  HVN: ["HAVEN"],
  HTS: ["HEIGHTS", "HT"],
  HWY: ["HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"],
  HL: ["HILL"],
  HLS: ["HILLS"],
  HOLW: ["HOLLOW", "HLLW", "HOLLOWS", "HOLWS"],
  IS: ["ISLAND", "ISLND"],
  JCT: ["JUNCTION", "JCTION", "JCTN", "JUNCTN", "JUNCTON"],
  KNL: ["KNOLL", "KNOL"],
  LK: ["LAKE"],
  LKS: ["LAKES"],
  LNDG: ["LANDING", "LNDNG"],
  LN: ["LANE"],
  LOOP: ["LOOPS"],
  MNR: ["MANOR"],
  MDW: ["MEADOW"],
  MDWS: ["MEADOWS", "MEDOWS"],
  ML: ["MILL"],
  MTN: ["MOUNTAIN", "MNTAIN", "MNTN", "MOUNTIN", "MTIN"],
  ORCH: ["ORCHARD", "ORCHRD"],
  OVAL: ["OVL"],
  PARK: ["PRK", "PARKS"],
  PKWY: ["PARKWAY", "PARKWY", "PKWAY", "PKY", "PARKWAYS", "PKWYS"],
  PASS: [],
  PATH: ["PATHS"],
  PIKE: ["PIKES"],
  PL: ["PLACE"],
  PLZ: ["PLAZA", "PLZA"],
  PT: ["POINT"],
  PTS: ["POINTS"],
  PRT: ["PORT"],
  RNCH: ["RANCH", "RANCHES", "RNCHS"],
  RDG: ["RIDGE", "RDGE"],
  RIV: ["RIVER", "RVR", "RIVR"],
  RD: ["ROAD"],
  RDS: ["ROADS"],
  RTE: ["ROUTE"],
  ROW: [],
  RUN: [],
  SHR: ["SHORE", "SHOAR"],
  SHRS: ["SHORES", "SHOARS"],
  SPG: ["SPRING", "SPNG", "SPRNG"],
  SPGS: ["SPRINGS", "SPNGS", "SPRNGS"],
  SQ: ["SQUARE", "SQR", "SQRE", "SQU"],
  STA: ["STATION", "STATN", "STN"],
  ST: ["STREET", "STRT", "STR"],
  STRM: ["STREAM", "STREME"],
  SMT: ["SUMMIT", "SUMIT", "SUMITT"],
  TER: ["TERRACE", "TERR"],
  TRCE: ["TRACE", "TRACES"],
  TRAK: ["TRACK", "TRACKS", "TRK", "TRKS"],
  TRL: ["TRAIL", "TRAILS", "TRLS"],
  TPKE: ["TURNPIKE", "TRNPK", "TURNPK"],
  VLY: ["VALLEY", "VALLY", "VLLY"],
  VIA: ["VIADUCT", "VDCT", "VIADCT"],
  VW: ["VIEW"],
  VLG: ["VILLAGE", "VILL", "VILLAG", "VILLG", "VILLIAGE"],
  VIS: ["VISTA", "VIST", "VST", "VSTA"],
  WALK: ["WALKS"],
  WAY: ["WY"],
  WLS: ["WELLS"],
});

/** Directionals → their abbreviation. Abbreviations stay upper case in display (`N Main St`). */
const DIRECTIONALS: ReadonlyMap<string, string> = buildTable({
  N: ["NORTH"],
  S: ["SOUTH"],
  E: ["EAST"],
  W: ["WEST"],
  NE: ["NORTHEAST", "NORTH-EAST"],
  NW: ["NORTHWEST", "NORTH-WEST"],
  SE: ["SOUTHEAST", "SOUTH-EAST"],
  SW: ["SOUTHWEST", "SOUTH-WEST"],
});

/**
 * Secondary unit designators (USPS Publication 28, appendix C2) that take a number: spelling → display
 * form. `#` is what USPS uses when the kind of unit is not known, written with a space: `# 4B`.
 */
const NUMBERED_UNITS: ReadonlyMap<string, string> = displayTable({
  APT: ["APARTMENT"],
  BLDG: ["BUILDING"],
  DEPT: ["DEPARTMENT"],
  FL: ["FLOOR"],
  HNGR: ["HANGAR"],
  LOT: [],
  PIER: [],
  RM: ["ROOM"],
  SLIP: [],
  SPC: ["SPACE"],
  STE: ["SUITE"],
  STOP: [],
  TRLR: ["TRAILER"],
  UNIT: [],
  PH: ["PENTHOUSE"],
  "#": ["NO", "NUM", "NUMBER"],
});

/** Designators that stand alone (`123 Main St Rear`). */
const BARE_UNITS: ReadonlyMap<string, string> = displayTable({
  BSMT: ["BASEMENT"],
  FRNT: ["FRONT"],
  LBBY: ["LOBBY"],
  LOWR: ["LOWER"],
  OFC: ["OFFICE"],
  REAR: [],
  SIDE: [],
  UPPR: ["UPPER"],
});

/** Designators used interchangeably for one door; {@link addressMatchKey} folds them together. */
const INTERCHANGEABLE_UNITS: ReadonlySet<string> = new Set(["#", "apt", "unit", "ste"]);

/** Names of the United States that mean country `US`. */
const US_NAMES: ReadonlySet<string> = new Set([
  "US",
  "USA",
  "UNITED STATES",
  "UNITED STATES OF AMERICA",
  "AMERICA",
]);

/**
 * Normalizes a postal address. For US addresses (`country` missing or `US`): each street line is
 * standardized (`123 north main street apartment 4b` → `123 N Main St Apt 4B`), the region becomes a USPS
 * state code (`north carolina` → `NC`), the ZIP becomes ZIP5 or ZIP+4 (`276011234` → `27601-1234`, a
 * 4-digit New England ZIP gets its leading zero back) and the city is title-cased when it was all upper or
 * all lower case. Other countries' addresses only get whitespace and casing cleaned, since their formats
 * differ too much to standardize here.
 *
 * Street line rules: periods and commas are dropped; the last word of the street name is abbreviated when
 * it is a USPS suffix (`Street` → `St`, but `123 Court Street` → `123 Court St`); a directional before
 * or after the name is abbreviated (`North` → `N`, `Southwest` → `SW`) unless it is the name itself
 * (`123 North St`); unit designators are abbreviated (`Apartment`→`Apt`, `Suite`→`Ste`, `#4B`→`# 4B`,
 * `Apt #4B`→`Apt 4B`); `P.O. Box 12` becomes `PO Box 12`. A line in mixed case keeps its street-name casing
 * (`MacArthur`); all-caps and all-lower lines are title-cased.
 *
 * Only the address lines are required: a partial address (city and state, for a recipient's time zone) is
 * normalized as far as it goes.
 *
 * @param input - The address.
 * @param options - `field` (default `"address"`); errors name the part, e.g. `address.postalCode`.
 * @returns The normalized address.
 * @throws {@link InvalidInputError} for an unknown US state, an invalid ZIP, a country that is not a 2-letter
 *   code, or parts of the wrong type.
 * @example
 * ```ts
 * normalizePostalAddress({
 *   addressLines: ["123 north main street", "apartment 4b"],
 *   locality: "RALEIGH",
 *   region: "north carolina",
 *   postalCode: "276011234",
 * });
 * // { addressLines: ["123 N Main St", "Apt 4B"], locality: "Raleigh", region: "NC",
 * //   postalCode: "27601-1234", country: "US" }
 * ```
 */
export function normalizePostalAddress(
  input: PostalAddressInput,
  options: FieldOptions = {},
): NormalizedPostalAddress {
  const field = options.field ?? "address";
  if (typeof input !== "object" || input === null) fail(field, input, "must be an object");
  if (!Array.isArray(input.addressLines))
    fail(`${field}.addressLines`, input.addressLines, "must be an array");

  const country = normalizeCountry(input.country, `${field}.country`);
  const isUs = country === "US";
  const addressLines = input.addressLines
    .map((line, index) => requireString(line, `${field}.addressLines.${index}`))
    .map((line) => (isUs ? normalizeUsStreetLine(line) : smartTitleCase(line)))
    .filter((line) => /[\p{L}\p{N}]/u.test(line));
  const result: NormalizedPostalAddress = { addressLines, country };

  const locality = optionalPart(input.locality, `${field}.locality`);
  if (locality !== undefined) result.locality = smartTitleCase(locality);

  const region = optionalPart(input.region, `${field}.region`);
  const stateCode =
    isUs && region !== undefined ? usStateCode(region, { field: `${field}.region` }) : undefined;
  if (region !== undefined) result.region = stateCode ?? region;

  const postalCode = optionalPart(input.postalCode, `${field}.postalCode`);
  if (postalCode !== undefined) {
    result.postalCode = isUs
      ? normalizeZipCode(postalCode, { field: `${field}.postalCode`, region: stateCode })
      : postalCode.toUpperCase();
  }
  return result;
}

/**
 * A key for deciding whether two addresses are the same place: the street lines joined, lower case, accents
 * and punctuation removed, and the 5-digit ZIP (or the postal code elsewhere) after a `|`.
 * `Apt`, `Unit`, `Ste` and `#` count as the same designator, since people use them interchangeably for one
 * door: `123 N Main St # 4B` and `123 North Main Street, Apt. 4B` both give `123 n main st apt 4b|27601`.
 *
 * @param address - An address, normalized or not (it is normalized first).
 * @param options - `field` (default `"address"`).
 * @returns The key.
 * @throws {@link InvalidInputError} when the address cannot be normalized.
 */
export function addressMatchKey(address: PostalAddressInput, options: FieldOptions = {}): string {
  const normalized = normalizePostalAddress(address, options);
  const words = normalized.addressLines.join(" ").toLowerCase().split(" ");
  const street = words
    .map((word) => (INTERCHANGEABLE_UNITS.has(word) ? "apt" : word))
    .map((word) =>
      word.replace(/[^\p{L}\p{N}/]/gu, "").replace(/\p{L}+/gu, (letters) => nameMatchKey(letters)),
    )
    .filter((word) => word !== "")
    .join(" ");
  const code = normalized.postalCode;
  const postal =
    code === undefined ? "" : normalized.country === "US" ? zip5(code) : code.replace(/\s/gu, "");
  return `${street}|${postal.toLowerCase()}`;
}

/** Standardizes one US street line (see {@link normalizePostalAddress}). */
function normalizeUsStreetLine(line: string): string {
  // Street lines repeat once the house number is set aside ("123 N MAIN ST" and "125 N MAIN ST"): the rest is
  // normalized once, with a stand-in number so the words are read in the same position, and cached (bounded).
  const numbered = /^(\d+) +(\S.*)$/u.exec(line);
  if (numbered !== null) {
    const rest = numbered[2] as string;
    let cached = STREET_CACHE.get(rest);
    if (cached === undefined) {
      const template = normalizeUsStreetLineUncached(`1 ${rest}`);
      cached = template.startsWith("1 ") ? template.slice(2) : null;
      if (STREET_CACHE.size >= STREET_CACHE_LIMIT) STREET_CACHE.clear();
      STREET_CACHE.set(detach(rest), cached === null ? null : detach(cached));
    }
    if (cached !== null) return `${numbered[1]} ${cached}`;
  }
  return normalizeUsStreetLineUncached(line);
}

const STREET_CACHE_LIMIT = 50_000;
const STREET_CACHE = new Map<string, string | null>();

function normalizeUsStreetLineUncached(line: string): string {
  const text = collapseWhitespace(line.replace(/[.,]/gu, " "));
  const retitle = isSingleCase(text);
  const upper = text.toUpperCase();

  const poBox = /^(?:P ?O ?B(?:OX)?|POST OFFICE BOX)\s*#?\s*([A-Z0-9-]+)$/u.exec(upper);
  if (poBox !== null) return `PO Box ${poBox[1]}`;

  const words = splitJoinedUnits(text.split(" "));
  const unitStart = findUnitStart(words);
  const street = words.slice(0, unitStart);
  const units = normalizeUnits(words.slice(unitStart));
  if (street.length === 0) return units.join(" ");

  const number: string[] = [];
  if (/\d/u.test(street[0]!)) {
    number.push(street.shift()!.toUpperCase());
    // A fractional address: 123 1/2 Main St.
    if (street.length > 1 && /^\d+\/\d+$/u.test(street[0]!)) number.push(street.shift()!);
  }
  const key = (word: string | undefined) => (word ?? "").toUpperCase();
  // Each part is taken only when something is left for the street name: in `123 North St`, North is the name.
  const postDirectional = street.length > 1 ? DIRECTIONALS.get(key(street.at(-1))) : undefined;
  if (postDirectional !== undefined) street.pop();
  const suffix = street.length > 1 ? STREET_SUFFIXES.get(key(street.at(-1))) : undefined;
  if (suffix !== undefined) street.pop();
  const preDirectional = street.length > 1 ? DIRECTIONALS.get(key(street[0])) : undefined;
  if (preDirectional !== undefined) street.shift();

  const name = street.join(" ");
  return [
    ...number,
    preDirectional,
    retitle ? smartTitleCase(name, { particles: true }) : name,
    suffix === undefined ? undefined : displayCase(suffix),
    postDirectional,
    ...units,
  ]
    .filter((part) => part !== undefined && part !== "")
    .join(" ");
}

/** `#4B` → `#`, `4B`; `APT4B` → `APT`, `4B`. */
function splitJoinedUnits(words: string[]): string[] {
  return words.flatMap((word) => {
    if (word.length > 1 && word.startsWith("#")) return ["#", word.slice(1)];
    const joined = /^(APT|STE|UNIT|BLDG|RM|SPC|TRLR)(\d.*)$/iu.exec(word);
    return joined === null ? [word] : [joined[1]!, joined[2]!];
  });
}

/** Index of the first unit designator after the street, or `words.length`. */
function findUnitStart(words: readonly string[]): number {
  const upper = words.map((word) => word.toUpperCase());
  // A designator only counts when a unit number follows (`Apt 4B`, `Bldg C`, `Apt # 2`): in
  // `123 Parking Lot Rd`, "Lot" is part of the street name.
  const isNumberedUnitAt = (index: number) =>
    NUMBERED_UNITS.has(upper[index]!) && /^(?:.*\d.*|[A-Z]|#)$/u.test(upper[index + 1] ?? "");
  // A line that starts with a designator is a unit line ("Apt 4B" or "Rear" as line 2).
  if (isNumberedUnitAt(0) || (upper.length === 1 && BARE_UNITS.has(upper[0]!))) return 0;
  for (let index = 2; index < upper.length; index++) {
    if (isNumberedUnitAt(index)) return index;
    // "Front", "Upper", ... are often street names; only a last word right after a suffix is a unit.
    if (
      index === upper.length - 1 &&
      BARE_UNITS.has(upper[index]!) &&
      STREET_SUFFIXES.has(upper[index - 1]!)
    ) {
      return index;
    }
  }
  return words.length;
}

/** `["apartment", "#4b"]` → `["Apt", "4B"]`; `["#", "4b"]` → `["#", "4B"]`. */
function normalizeUnits(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!.toUpperCase();
    const numbered = NUMBERED_UNITS.get(word);
    const bare = BARE_UNITS.get(word);
    if (numbered !== undefined) {
      out.push(numbered);
      // "Apt # 4B": the designator already says what "#" would.
      if (numbered !== "#" && words[index + 1] === "#") index++;
    } else if (bare !== undefined) {
      out.push(bare);
    } else {
      out.push(word);
    }
  }
  return out;
}

function normalizeCountry(value: unknown, field: string): string {
  if (value === undefined || value === null) return "US";
  const text = requireString(value, field).replace(/\./gu, "").toUpperCase();
  if (text === "" || US_NAMES.has(text)) return "US";
  if (!/^[A-Z]{2}$/u.test(text)) fail(field, value, "must be an ISO 3166-1 alpha-2 country code, like US");
  return text;
}

function optionalPart(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = requireString(value, field);
  return text === "" ? undefined : text;
}

/** `AVE` → `Ave`, `XING` → `Xing`. */
function displayCase(abbreviation: string): string {
  return abbreviation.charAt(0) + abbreviation.slice(1).toLowerCase();
}

/** Builds a lookup from `{ standard: [variants] }`, the standard form also mapping to itself. */
function buildTable(entries: Readonly<Record<string, readonly string[]>>): Map<string, string> {
  const table = new Map<string, string>();
  for (const [standard, variants] of Object.entries(entries)) {
    table.set(standard, standard);
    for (const variant of variants) table.set(variant, standard);
  }
  return table;
}

/** Like {@link buildTable}, with the standard form in display case (`Apt`, `Ste`, `#`). */
function displayTable(entries: Readonly<Record<string, readonly string[]>>): Map<string, string> {
  const table = buildTable(entries);
  for (const [variant, standard] of table) table.set(variant, displayCase(standard));
  return table;
}
