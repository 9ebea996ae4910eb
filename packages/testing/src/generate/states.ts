/**
 * What the generator knows about each state it can imitate: public geography (county names, area codes,
 * ZIP ranges, numbers of districts) and the codes the state's file uses. No voter data.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";

/** A state the generator can imitate. */
export type SyntheticState = "NC" | "OH" | "WA" | "CA";

/** The synthetic states, in a stable order. */
export const SYNTHETIC_STATES: readonly SyntheticState[] = ["NC", "OH", "WA", "CA"];

/** A county as the profile lists it: code as the state's file writes it, upper-case name, relative size. */
export interface CountyProfile {
  /** Code as the state's file writes it. */
  code: string;
  /** Upper-case name. */
  name: string;
  /** Relative number of voters. */
  weight: number;
}

/** Everything state-specific the generator draws from. */
export interface StateProfile {
  /** The state. */
  state: SyntheticState;
  /** The counties, in the state's code order. */
  counties: readonly CountyProfile[];
  /** Area codes in service in the state. */
  areaCodes: readonly string[];
  /** First and last 3-digit ZIP prefixes of the state. */
  zipPrefixes: readonly [number, number];
  /** Party codes as the state's file writes them, with shares; `null` is "no party registration". */
  parties: readonly (readonly [string | null, number])[];
  /** The party ballots of a primary, as the state writes them. */
  primaryBallots: readonly [string, string];
  /** Statuses that occur in the state's file, with shares. */
  statuses: readonly (readonly [VoterStatus, number])[];
  /** Numbers of districts. */
  districts: { congressional: number; stateSenate: number; stateHouse: number };
  /** Shares of ballots by method. */
  methods: {
    general: readonly (readonly [SyntheticVotingMethod, number])[];
    other: readonly (readonly [SyntheticVotingMethod, number])[];
  };
}

/** How a synthetic ballot was cast (a subset of core's `VotingMethod`). */
export type SyntheticVotingMethod = "in_person" | "early" | "absentee" | "mail" | "provisional";

/** Builds county profiles from names in code order; `big` names get more voters. */
function counties(
  names: string,
  big: Readonly<Record<string, number>>,
  code: (index: number, name: string) => string,
): CountyProfile[] {
  return names.split(",").map((raw, index) => {
    const name = raw.trim().toUpperCase();
    return { code: code(index, name), name, weight: big[name] ?? 1 };
  });
}

const NC_COUNTIES = counties(
  "Alamance,Alexander,Alleghany,Anson,Ashe,Avery,Beaufort,Bertie,Bladen,Brunswick,Buncombe,Burke,Cabarrus," +
    "Caldwell,Camden,Carteret,Caswell,Catawba,Chatham,Cherokee,Chowan,Clay,Cleveland,Columbus,Craven," +
    "Cumberland,Currituck,Dare,Davidson,Davie,Duplin,Durham,Edgecombe,Forsyth,Franklin,Gaston,Gates,Graham," +
    "Granville,Greene,Guilford,Halifax,Harnett,Haywood,Henderson,Hertford,Hoke,Hyde,Iredell,Jackson," +
    "Johnston,Jones,Lee,Lenoir,Lincoln,Macon,Madison,Martin,McDowell,Mecklenburg,Mitchell,Montgomery,Moore," +
    "Nash,New Hanover,Northampton,Onslow,Orange,Pamlico,Pasquotank,Pender,Perquimans,Person,Pitt,Polk," +
    "Randolph,Richmond,Robeson,Rockingham,Rowan,Rutherford,Sampson,Scotland,Stanly,Stokes,Surry,Swain," +
    "Transylvania,Tyrrell,Union,Vance,Wake,Warren,Washington,Watauga,Wayne,Wilkes,Wilson,Yadkin,Yancey",
  {
    WAKE: 14,
    MECKLENBURG: 14,
    GUILFORD: 6,
    FORSYTH: 5,
    CUMBERLAND: 4,
    DURHAM: 4,
    BUNCOMBE: 3,
    UNION: 3,
    "NEW HANOVER": 3,
    GASTON: 3,
    CABARRUS: 3,
    JOHNSTON: 3,
    ONSLOW: 2,
    IREDELL: 2,
    PITT: 2,
    ORANGE: 2,
    DAVIDSON: 2,
    ALAMANCE: 2,
  },
  (index) => String(index + 1),
);

const OH_COUNTIES = counties(
  "Adams,Allen,Ashland,Ashtabula,Athens,Auglaize,Belmont,Brown,Butler,Carroll,Champaign,Clark,Clermont," +
    "Clinton,Columbiana,Coshocton,Crawford,Cuyahoga,Darke,Defiance,Delaware,Erie,Fairfield,Fayette,Franklin," +
    "Fulton,Gallia,Geauga,Greene,Guernsey,Hamilton,Hancock,Hardin,Harrison,Henry,Highland,Hocking,Holmes," +
    "Huron,Jackson,Jefferson,Knox,Lake,Lawrence,Licking,Logan,Lorain,Lucas,Madison,Mahoning,Marion,Medina," +
    "Meigs,Mercer,Miami,Monroe,Montgomery,Morgan,Morrow,Muskingum,Noble,Ottawa,Paulding,Perry,Pickaway,Pike," +
    "Portage,Preble,Putnam,Richland,Ross,Sandusky,Scioto,Seneca,Shelby,Stark,Summit,Trumbull,Tuscarawas," +
    "Union,Van Wert,Vinton,Warren,Washington,Wayne,Williams,Wood,Wyandot",
  {
    FRANKLIN: 14,
    CUYAHOGA: 14,
    HAMILTON: 9,
    SUMMIT: 6,
    MONTGOMERY: 6,
    LUCAS: 5,
    STARK: 4,
    BUTLER: 4,
    LORAIN: 3,
    MAHONING: 3,
    LAKE: 3,
    WARREN: 2,
    DELAWARE: 2,
    CLERMONT: 2,
  },
  (index) => String(index + 1).padStart(2, "0"),
);

/** Washington's counties with the two-letter codes the VRDB extract uses. */
const WA_COUNTY_CODES: Readonly<Record<string, string>> = {
  ADAMS: "AD",
  ASOTIN: "AS",
  BENTON: "BE",
  CHELAN: "CH",
  CLALLAM: "CM",
  CLARK: "CR",
  COLUMBIA: "CU",
  COWLITZ: "CZ",
  DOUGLAS: "DG",
  FERRY: "FE",
  FRANKLIN: "FR",
  GARFIELD: "GA",
  GRANT: "GR",
  "GRAYS HARBOR": "GY",
  ISLAND: "IS",
  JEFFERSON: "JE",
  KING: "KI",
  KITSAP: "KP",
  KITTITAS: "KS",
  KLICKITAT: "KT",
  LEWIS: "LE",
  LINCOLN: "LI",
  MASON: "MA",
  OKANOGAN: "OK",
  PACIFIC: "PA",
  "PEND OREILLE": "PE",
  PIERCE: "PI",
  "SAN JUAN": "SJ",
  SKAGIT: "SK",
  SKAMANIA: "SM",
  SNOHOMISH: "SN",
  SPOKANE: "SP",
  STEVENS: "ST",
  THURSTON: "TH",
  WAHKIAKUM: "WK",
  "WALLA WALLA": "WL",
  WHATCOM: "WM",
  WHITMAN: "WT",
  YAKIMA: "YA",
};

const WA_COUNTIES = counties(
  Object.keys(WA_COUNTY_CODES).join(","),
  { KING: 20, PIERCE: 8, SNOHOMISH: 7, SPOKANE: 5, CLARK: 4, THURSTON: 3, KITSAP: 2, YAKIMA: 2, WHATCOM: 2 },
  (_index, name) => WA_COUNTY_CODES[name] ?? name.slice(0, 2),
);

const CA_COUNTIES = counties(
  "Alameda,Alpine,Amador,Butte,Calaveras,Colusa,Contra Costa,Del Norte,El Dorado,Fresno,Glenn,Humboldt," +
    "Imperial,Inyo,Kern,Kings,Lake,Lassen,Los Angeles,Madera,Marin,Mariposa,Mendocino,Merced,Modoc,Mono," +
    "Monterey,Napa,Nevada,Orange,Placer,Plumas,Riverside,Sacramento,San Benito,San Bernardino,San Diego," +
    "San Francisco,San Joaquin,San Luis Obispo,San Mateo,Santa Barbara,Santa Clara,Santa Cruz,Shasta,Sierra," +
    "Siskiyou,Solano,Sonoma,Stanislaus,Sutter,Tehama,Trinity,Tulare,Tuolumne,Ventura,Yolo,Yuba",
  {
    "LOS ANGELES": 60,
    "SAN DIEGO": 20,
    ORANGE: 20,
    RIVERSIDE: 14,
    "SAN BERNARDINO": 13,
    "SANTA CLARA": 12,
    ALAMEDA: 10,
    SACRAMENTO: 10,
    "CONTRA COSTA": 7,
    FRESNO: 6,
    KERN: 5,
    "SAN FRANCISCO": 6,
    VENTURA: 5,
    "SAN MATEO": 5,
    "SAN JOAQUIN": 4,
  },
  (index) => String(index + 1).padStart(2, "0"),
);

const GENERAL_IN_PERSON_STATE = [
  ["early", 0.55],
  ["in_person", 0.35],
  ["absentee", 0.08],
  ["provisional", 0.02],
] as const;
const OTHER_IN_PERSON_STATE = [
  ["in_person", 0.55],
  ["early", 0.4],
  ["absentee", 0.05],
] as const;

/** The profiles, by state. */
export const STATE_PROFILES: Readonly<Record<SyntheticState, StateProfile>> = {
  NC: {
    state: "NC",
    counties: NC_COUNTIES,
    areaCodes: ["919", "984", "704", "980", "336", "743", "252", "910", "828"],
    zipPrefixes: [270, 289],
    parties: [
      ["UNA", 0.38],
      ["DEM", 0.31],
      ["REP", 0.3],
      ["LIB", 0.008],
      ["GRE", 0.002],
    ],
    primaryBallots: ["DEM", "REP"],
    statuses: [
      ["active", 0.86],
      ["inactive", 0.09],
      ["removed", 0.035],
      ["denied", 0.01],
      ["temporary", 0.005],
    ],
    districts: { congressional: 14, stateSenate: 50, stateHouse: 120 },
    methods: { general: GENERAL_IN_PERSON_STATE, other: OTHER_IN_PERSON_STATE },
  },
  OH: {
    state: "OH",
    counties: OH_COUNTIES,
    areaCodes: ["216", "220", "234", "330", "380", "419", "440", "513", "567", "614", "740", "937"],
    zipPrefixes: [430, 458],
    // Ohio has no party registration: the file records the party of the last primary ballot, if any.
    parties: [
      [null, 0.5],
      ["R", 0.28],
      ["D", 0.21],
      ["L", 0.005],
      ["G", 0.005],
    ],
    primaryBallots: ["D", "R"],
    statuses: [
      ["active", 0.88],
      ["inactive", 0.1],
      ["removed", 0.02],
    ],
    districts: { congressional: 15, stateSenate: 33, stateHouse: 99 },
    methods: {
      general: [
        ["in_person", 0.6],
        ["early", 0.2],
        ["absentee", 0.2],
      ],
      other: [
        ["in_person", 0.75],
        ["absentee", 0.25],
      ],
    },
  },
  WA: {
    state: "WA",
    counties: WA_COUNTIES,
    areaCodes: ["206", "253", "360", "425", "509", "564"],
    zipPrefixes: [980, 994],
    // Washington has no party registration.
    parties: [[null, 1]],
    primaryBallots: ["D", "R"],
    statuses: [
      ["active", 0.9],
      ["inactive", 0.1],
    ],
    // One legislative district elects the senator and both representatives.
    districts: { congressional: 10, stateSenate: 49, stateHouse: 49 },
    methods: { general: [["mail", 1]], other: [["mail", 1]] },
  },
  CA: {
    state: "CA",
    counties: CA_COUNTIES,
    areaCodes: [
      "209",
      "213",
      "310",
      "323",
      "408",
      "415",
      "424",
      "510",
      "530",
      "559",
      "562",
      "619",
      "626",
      "650",
      "657",
      "661",
      "707",
      "714",
      "747",
      "760",
      "805",
      "818",
      "831",
      "858",
      "909",
      "916",
      "925",
      "949",
      "951",
    ],
    zipPrefixes: [900, 961],
    parties: [
      ["DEM", 0.46],
      ["REP", 0.25],
      ["NPP", 0.22],
      ["AIP", 0.03],
      ["LIB", 0.01],
      ["GRN", 0.01],
      ["PF", 0.01],
    ],
    primaryBallots: ["DEM", "REP"],
    statuses: [
      ["active", 0.9],
      ["inactive", 0.08],
      ["removed", 0.02],
    ],
    districts: { congressional: 52, stateSenate: 40, stateHouse: 80 },
    methods: {
      general: [
        ["mail", 0.82],
        ["in_person", 0.13],
        ["early", 0.05],
      ],
      other: [
        ["mail", 0.9],
        ["in_person", 0.1],
      ],
    },
  },
};
