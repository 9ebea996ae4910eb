/**
 * Time zones of postal addresses: each state's default zone, ZIP-prefix overrides for the states split
 * between zones, and the state a ZIP code belongs to (for addresses that have a ZIP but no state).
 *
 * @module
 */

import type { UsStateCode } from "../../normalize/us-states.js";

const EASTERN = "America/New_York";
const CENTRAL = "America/Chicago";
const MOUNTAIN = "America/Denver";
const PACIFIC = "America/Los_Angeles";

/**
 * The time zone of most of each state's people (and DC's and the inhabited territories'). States split
 * between zones are refined by {@link ZIP_TIME_ZONE_OVERRIDES}. Principal zones are used throughout (see
 * the area-code table for why).
 */
export const STATE_TIME_ZONES: Readonly<Partial<Record<UsStateCode, string>>> = Object.freeze({
  AL: CENTRAL,
  AK: "America/Anchorage",
  AZ: "America/Phoenix",
  AR: CENTRAL,
  CA: PACIFIC,
  CO: MOUNTAIN,
  CT: EASTERN,
  DE: EASTERN,
  DC: EASTERN,
  FL: EASTERN,
  GA: EASTERN,
  HI: "Pacific/Honolulu",
  ID: MOUNTAIN,
  IL: CENTRAL,
  IN: EASTERN,
  IA: CENTRAL,
  KS: CENTRAL,
  KY: EASTERN,
  LA: CENTRAL,
  ME: EASTERN,
  MD: EASTERN,
  MA: EASTERN,
  MI: EASTERN,
  MN: CENTRAL,
  MS: CENTRAL,
  MO: CENTRAL,
  MT: MOUNTAIN,
  NE: CENTRAL,
  NV: PACIFIC,
  NH: EASTERN,
  NJ: EASTERN,
  NM: MOUNTAIN,
  NY: EASTERN,
  NC: EASTERN,
  ND: CENTRAL,
  OH: EASTERN,
  OK: CENTRAL,
  OR: PACIFIC,
  PA: EASTERN,
  RI: EASTERN,
  SC: EASTERN,
  SD: CENTRAL,
  TN: CENTRAL,
  TX: CENTRAL,
  UT: MOUNTAIN,
  VT: EASTERN,
  VA: EASTERN,
  WA: PACIFIC,
  WV: EASTERN,
  WI: CENTRAL,
  WY: MOUNTAIN,
  PR: "America/Puerto_Rico",
  VI: "America/St_Thomas",
  GU: "Pacific/Guam",
  MP: "Pacific/Saipan",
  AS: "Pacific/Pago_Pago",
});

/** One ZIP-prefix override: addresses in `state` whose ZIP starts with one of `prefixes` use `timeZone`. */
export interface ZipTimeZoneOverride {
  readonly state: UsStateCode;
  readonly timeZone: string;
  /** ZIP prefixes, 3 digits (a sectional center) or 5 (one ZIP code). The longest match wins. */
  readonly prefixes: readonly string[];
  /** What the override covers, and what it gets wrong. */
  readonly note: string;
}

/**
 * ZIP prefixes whose zone differs from their state's default. A three-digit prefix covers a USPS
 * sectional center, which does not follow county lines exactly; each note names what still lands on the
 * wrong side, so a reader knows the error is known and small.
 */
export const ZIP_TIME_ZONE_OVERRIDES: readonly ZipTimeZoneOverride[] = Object.freeze([
  {
    state: "FL",
    timeZone: CENTRAL,
    prefixes: ["324", "325"],
    note: "Panhandle west of the Apalachicola River (Pensacola, Fort Walton Beach, Panama City); Port St. Joe (Eastern) is in 324",
  },
  {
    state: "IN",
    timeZone: CENTRAL,
    prefixes: ["463", "464", "476", "477"],
    note: "Northwest (Gary, Hammond, Valparaiso, Michigan City) and southwest (Evansville); Starke, Jasper, Newton and Perry counties (Central) sit in other prefixes",
  },
  {
    state: "KY",
    timeZone: CENTRAL,
    prefixes: ["420", "421", "422", "423", "424"],
    note: "Western Kentucky (Paducah, Bowling Green, Owensboro, Henderson, Hopkinsville); some Central counties around Elizabethtown (427) and Somerset (425-426) stay Eastern",
  },
  {
    state: "TN",
    timeZone: EASTERN,
    prefixes: ["373", "374", "376", "377", "378", "379"],
    note: "East Tennessee (Chattanooga, Knoxville, Tri-Cities); Coffee, Franklin, Grundy, Marion and Sequatchie counties in 373 are Central",
  },
  {
    state: "MI",
    timeZone: CENTRAL,
    prefixes: ["49801", "49802", "49858", "49935", "49938"],
    note: "Iron Mountain, Kingsford, Menominee, Iron River and Ironwood: the main towns of the four Central counties of the Upper Peninsula, whose ZIP prefixes (498, 499) are mostly Eastern",
  },
  {
    state: "ND",
    timeZone: MOUNTAIN,
    prefixes: ["586"],
    note: "Southwest North Dakota (Dickinson, Bowman, Hettinger)",
  },
  {
    state: "SD",
    timeZone: MOUNTAIN,
    prefixes: ["577"],
    note: "West River (Rapid City, Spearfish, the Black Hills, Pine Ridge); Mountain-time towns in 575/576 (Philip, Kadoka, Lemmon) stay Central",
  },
  {
    state: "NE",
    timeZone: MOUNTAIN,
    prefixes: ["693"],
    note: "The panhandle (Scottsbluff, Alliance, Chadron); Sidney and Ogallala (Mountain) are in 691, mostly Central",
  },
  {
    state: "TX",
    timeZone: MOUNTAIN,
    prefixes: ["798", "799", "885"],
    note: "El Paso, Hudspeth and Culberson counties; Alpine, Marfa and Presidio (Central) are in 798",
  },
  {
    state: "OR",
    timeZone: MOUNTAIN,
    prefixes: ["979"],
    note: "Malheur County (Ontario, Nyssa, Vale)",
  },
  {
    state: "ID",
    timeZone: PACIFIC,
    prefixes: ["835", "838"],
    note: "The northern panhandle (Lewiston, Moscow, Coeur d'Alene, Sandpoint)",
  },
  {
    state: "AZ",
    timeZone: MOUNTAIN,
    prefixes: ["865"],
    note: "The Navajo Nation in northeastern Arizona (Window Rock, Chinle, Ganado), which observes daylight saving; Navajo towns in 860 (Tuba City, Kayenta) stay on Arizona time",
  },
  {
    state: "NV",
    timeZone: MOUNTAIN,
    prefixes: ["89883"],
    note: "West Wendover, on Mountain time by federal order",
  },
] satisfies ZipTimeZoneOverride[]);

const overridesByPrefix = new Map<string, ZipTimeZoneOverride>();
for (const override of ZIP_TIME_ZONE_OVERRIDES) {
  for (const prefix of override.prefixes) overridesByPrefix.set(prefix, override);
}

/**
 * The zone of an address: the ZIP override when the ZIP's prefix has one for this state, else the
 * state's default zone; `undefined` for a state without a US local time (armed forces, freely
 * associated states).
 *
 * @param state - The address's state.
 * @param zip5 - Its five-digit ZIP, when known and valid.
 */
export function addressTimeZone(state: UsStateCode, zip5: string | undefined): string | undefined {
  if (zip5 !== undefined) {
    const override = overridesByPrefix.get(zip5) ?? overridesByPrefix.get(zip5.slice(0, 3));
    if (override !== undefined && override.state === state) return override.timeZone;
  }
  return STATE_TIME_ZONES[state];
}

/**
 * `[first, last, state]` ranges of three-digit ZIP prefixes (USPS sectional centers), in order. Gaps are
 * unassigned prefixes. Armed-forces prefixes (090–098 AE, 340 AA, 962–966 AP) are absent: they carry no
 * US local time.
 */
const ZIP3_STATES: readonly (readonly [number, number, UsStateCode])[] = [
  [5, 5, "NY"],
  [6, 7, "PR"],
  [8, 8, "VI"],
  [9, 9, "PR"],
  [10, 27, "MA"],
  [28, 29, "RI"],
  [30, 38, "NH"],
  [39, 49, "ME"],
  [50, 54, "VT"],
  [55, 55, "MA"],
  [56, 59, "VT"],
  [60, 69, "CT"],
  [70, 89, "NJ"],
  [100, 149, "NY"],
  [150, 196, "PA"],
  [197, 199, "DE"],
  [200, 200, "DC"],
  [201, 201, "VA"],
  [202, 205, "DC"],
  [206, 219, "MD"],
  [220, 246, "VA"],
  [247, 268, "WV"],
  [270, 289, "NC"],
  [290, 299, "SC"],
  [300, 319, "GA"],
  [320, 339, "FL"],
  [341, 349, "FL"],
  [350, 369, "AL"],
  [370, 385, "TN"],
  [386, 397, "MS"],
  [398, 399, "GA"],
  [400, 427, "KY"],
  [430, 459, "OH"],
  [460, 479, "IN"],
  [480, 499, "MI"],
  [500, 528, "IA"],
  [530, 549, "WI"],
  [550, 567, "MN"],
  [569, 569, "DC"],
  [570, 577, "SD"],
  [580, 588, "ND"],
  [590, 599, "MT"],
  [600, 629, "IL"],
  [630, 658, "MO"],
  [660, 679, "KS"],
  [680, 693, "NE"],
  [700, 714, "LA"],
  [716, 729, "AR"],
  [730, 732, "OK"],
  [733, 733, "TX"],
  [734, 749, "OK"],
  [750, 799, "TX"],
  [800, 816, "CO"],
  [820, 831, "WY"],
  [832, 838, "ID"],
  [840, 847, "UT"],
  [850, 865, "AZ"],
  [870, 884, "NM"],
  [885, 885, "TX"],
  [889, 898, "NV"],
  [900, 961, "CA"],
  [967, 968, "HI"],
  [970, 979, "OR"],
  [980, 994, "WA"],
  [995, 999, "AK"],
];

/**
 * The state a ZIP code belongs to, from its prefix; `undefined` for unassigned and armed-forces prefixes
 * and for the freely associated states (Micronesia, Marshall Islands, Palau), which have no US local time.
 *
 * @param zip5 - A five-digit ZIP code.
 */
export function zipState(zip5: string): UsStateCode | undefined {
  // The Pacific islands share 967 and 969 with others; they are told apart by the full ZIP.
  if (zip5 === "96799") return "AS";
  const zip = Number(zip5);
  if (zip >= 96910 && zip <= 96932) return "GU";
  if (zip >= 96950 && zip <= 96952) return "MP";
  const prefix = Math.floor(zip / 100);
  for (const [first, last, state] of ZIP3_STATES) {
    if (prefix < first) return undefined;
    if (prefix <= last) return state;
  }
  return undefined;
}
