/**
 * Synthetic geography inside a real state's outline: the state's real county names, synthetic cities,
 * precincts with their districts, ZIP codes in the state's range, and street addresses.
 *
 * @module
 */

import { hash3, type Rng, WeightedTable } from "./random.js";
import { STATE_PROFILES, type SyntheticState } from "./states.js";

/** A county of a synthetic population. */
export interface SyntheticCounty {
  /** Position in `population.counties`. */
  index: number;
  /** The code the state's file uses: NC `92`, OH `25`, WA `KI`, CA `19`. */
  code: string;
  /** Upper-case name: `WAKE`, `NEW HANOVER`. */
  name: string;
  /** Relative number of voters. */
  weight: number;
  /** Synthetic city names in the county, upper case; the first is the largest. */
  cities: readonly string[];
}

/** The districts a precinct lies in. A blank string means "none" (unincorporated, no ward, ...). */
export interface SyntheticDistricts {
  /** US House district. */
  congressional: string;
  /** State senate district. */
  stateSenate: string;
  /** State house (assembly) district. */
  stateHouse: string;
  /** County commission district. */
  countyCommission: string;
  /** Municipality code (`OAK`), blank outside city limits. */
  municipality: string;
  /** Municipality name (`OAKVILLE`), blank outside city limits. */
  municipalityName: string;
  /** Ward, blank when the municipality has none. */
  ward: string;
  /** School district code. */
  school: string;
  /** School district name. */
  schoolName: string;
  /** Judicial district. */
  judicial: string;
  /** Superior court district. */
  superiorCourt: string;
  /** Township code. */
  township: string;
  /** Township name. */
  townshipName: string;
  /** Fire district, blank for most precincts. */
  fire: string;
  /** Fire district name, blank when there is none. */
  fireName: string;
}

/** A precinct of a synthetic population. */
export interface SyntheticPrecinct {
  /** Position in `population.precincts`. */
  index: number;
  /** Index of its county in `population.counties`. */
  county: number;
  /** The code the state's file uses (NC `03-02`, OH `25AAC`, WA `1042`, CA `190042`). */
  code: string;
  /** Its description: `OAKVILLE 03-02`. */
  name: string;
  /** The mailing city of its addresses, upper case. */
  city: string;
  /** Its ZIP code. */
  zip: string;
  /** The districts it lies in. */
  districts: SyntheticDistricts;
}

/** A residential address, in the upper-case, abbreviated form state files use. */
export interface SyntheticAddress {
  /** `123`. */
  houseNumber: string;
  /** `N`, `SW`, or blank. */
  preDirection: string;
  /** `MAIN`, `OLD MILL`. */
  streetName: string;
  /** `ST`, `RD`, ... (USPS abbreviations). */
  streetSuffix: string;
  /** `APT`, `UNIT`, `LOT`, or blank. */
  unitType: string;
  /** `4B`, or blank. */
  unitNumber: string;
  /** The street line without the unit: `123 N MAIN ST`. */
  street: string;
  /** The unit: `APT 4B`, or blank. */
  unit: string;
  /** The whole line as NC writes it: `123 N MAIN ST APT 4B`. */
  line1: string;
  /** Upper-case city. */
  city: string;
  /** Two-letter state. */
  state: string;
  /** 5-digit ZIP. */
  zip: string;
  /** ZIP+4 add-on, or blank. */
  zip4: string;
}

/** A mailing address different from the residence. */
export interface SyntheticMailingAddress {
  /** `PO BOX 1234` or a street line. */
  line1: string;
  /** Upper-case city. */
  city: string;
  /** Two-letter state. */
  state: string;
  /** 5-digit ZIP. */
  zip: string;
}

const CITY_PREFIXES = (
  "OAK,PINE,CEDAR,MAPLE,ELM,ASH,BIRCH,WILLOW,RIVER,LAKE,SPRING,FAIR,GREEN,CLEAR,STONE,MILL,BROOK,HAZEL," +
  "LAUREL,RED,WHITE,SILVER,SUMMER,MIDDLE,NEW,PLEASANT,HOLLY,BELL,ROCK,SHADY,FOX,DEER,EAGLE,HAWK,MEADOW,CROSS"
).split(",");
const CITY_SUFFIXES =
  "VILLE,TON,WOOD,DALE,FIELD,BORO, FALLS, HILL, SPRINGS, GROVE,BURG, VALLEY,MONT, CREEK, RIDGE,FORD".split(
    ",",
  );

const STREET_NAMES = (
  "MAIN,OAK,PINE,MAPLE,CEDAR,ELM,WALNUT,CHESTNUT,HICKORY,DOGWOOD,MAGNOLIA,WILLOW,BIRCH,POPLAR,SYCAMORE," +
  "LAUREL,HOLLY,SPRUCE,WASHINGTON,JEFFERSON,FRANKLIN,MADISON,LINCOLN,JACKSON,MONROE,ADAMS,HAMILTON,CHURCH," +
  "SCHOOL,MILL,SPRING,RIVER,LAKE,HILL,PARK,FOREST,MEADOW,VALLEY,RIDGE,SUNSET,HIGHLAND,PLEASANT,MARKET,BROAD," +
  "HIGH,WATER,UNION,LIBERTY,PROSPECT,CHERRY,PEACH,ORCHARD,FARM,COUNTRY CLUB,OLD MILL,FAIRVIEW,GLENWOOD," +
  "OAKWOOD,RIDGEWOOD,BROOKSIDE,WOODLAND,GREENBRIAR,WESTOVER,KINGS,DUKE,CAMERON,STATE,COLLEGE,ACADEMY," +
  "RAILROAD,DEPOT,FERRY,CREEK,BRANCH,CROSS,MORGAN,HARRISON,TAYLOR,WILSON,PATTON,BOONE,MCDOWELL,BLUE RIDGE," +
  "TWIN OAKS,SHADY GROVE,PEBBLE,HUNTERS,QUAIL,FOXFIRE,MOCKINGBIRD,CARDINAL,BLUEBIRD,HERITAGE,PLANTATION," +
  "ASHLEY,BRADFORD,CAMBRIDGE,DEVONSHIRE,KENSINGTON,STRATFORD,WINDSOR,YORK,LEXINGTON,CONCORD,BUENA VISTA," +
  "LAS PALMAS,DEL MAR,EL CAMINO,SANTA ROSA,SAN PEDRO,LOS ROBLES,VISTA DEL SOL"
).split(",");

const STREET_SUFFIXES = new WeightedTable([
  ["ST", 25],
  ["RD", 20],
  ["DR", 20],
  ["AVE", 12],
  ["LN", 8],
  ["CT", 6],
  ["CIR", 3],
  ["WAY", 3],
  ["TRL", 2],
  ["PL", 2],
  ["BLVD", 1],
  ["PKWY", 1],
  ["LOOP", 1],
] as const);

const DIRECTIONS = ["N", "S", "E", "W", "NE", "NW", "SE", "SW"] as const;
const UNIT_TYPES = new WeightedTable([
  ["APT", 0.8],
  ["UNIT", 0.15],
  ["LOT", 0.05],
] as const);

/** Synthetic city names of a county: 1 to 5, more in bigger counties. */
function cityNames(seed: number, countyIndex: number, weight: number): string[] {
  const count = Math.min(5, 1 + Math.round(weight / 3));
  const names: string[] = [];
  for (let attempt = 0; names.length < count && attempt < 50; attempt++) {
    const h = hash3(seed, countyIndex * 64 + attempt, 0xc17);
    const name =
      (CITY_PREFIXES[h % CITY_PREFIXES.length] as string) +
      (CITY_SUFFIXES[(h >>> 8) % CITY_SUFFIXES.length] as string);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The county list of a population: all the state's counties, or its `limit` largest. */
export function buildCounties(seed: number, state: SyntheticState, limit?: number): SyntheticCounty[] {
  const all = STATE_PROFILES[state].counties;
  let chosen = all.map((county, position) => ({ county, position }));
  if (limit !== undefined && limit < all.length) {
    chosen = [...chosen]
      .sort((a, b) => b.county.weight - a.county.weight || a.position - b.position)
      .slice(0, Math.max(1, limit))
      .sort((a, b) => a.position - b.position);
  }
  return chosen.map(({ county, position }, index) => ({
    index,
    code: county.code,
    name: county.name,
    weight: county.weight,
    cities: cityNames(seed, position, county.weight),
  }));
}

/** The state's own precinct code for the `number`-th (0-based) precinct of a county. */
function precinctCode(state: SyntheticState, county: SyntheticCounty, number: number): string {
  switch (state) {
    case "NC":
      return `${String(Math.floor(number / 5) + 1).padStart(2, "0")}-${String((number % 5) + 1).padStart(2, "0")}`;
    case "OH": {
      const letters = [Math.floor(number / 676) % 26, Math.floor(number / 26) % 26, number % 26]
        .map((n) => String.fromCharCode(65 + n))
        .join("");
      return `${county.code}${letters}`;
    }
    case "WA":
      return String(1000 + number);
    case "CA":
      return `${county.code}${String(number + 1).padStart(4, "0")}`;
  }
}

/** All precincts: `perCounty` in each county, with districts spread across the state's numbers. */
export function buildPrecincts(
  seed: number,
  state: SyntheticState,
  counties: readonly SyntheticCounty[],
  perCounty: number,
): SyntheticPrecinct[] {
  const profile = STATE_PROFILES[state];
  const [firstZip, lastZip] = profile.zipPrefixes;
  const total = counties.length * perCounty;
  const precincts: SyntheticPrecinct[] = [];
  for (const county of counties) {
    // ZIP prefixes follow the county order, as they roughly do in real states.
    const prefix = firstZip + Math.floor((county.index * (lastZip - firstZip + 1)) / counties.length);
    const zipBase = prefix * 100 + (hash3(seed, county.index, 0x21f) % 80) + 1;
    for (let number = 0; number < perCounty; number++) {
      const index = precincts.length;
      // Position along the state, in [0, 1): neighbouring precincts share districts, as they do.
      const position = index / total;
      const h = hash3(seed, index, 0x9ec);
      const city = county.cities[number % county.cities.length] as string;
      const incorporated = h % 4 !== 0;
      const hasWard = incorporated && number % county.cities.length === 0 && county.weight > 1;
      const township = 1 + (number % 9);
      const judicial = 1 + Math.floor(position * 40);
      const districts: SyntheticDistricts = {
        congressional: String(1 + Math.floor(position * profile.districts.congressional)),
        stateSenate: String(1 + Math.floor(position * profile.districts.stateSenate)),
        stateHouse: String(1 + Math.floor(position * profile.districts.stateHouse)),
        countyCommission: String(1 + (number % 5)),
        municipality: incorporated ? city.replace(/\s/gu, "").slice(0, 3) : "",
        municipalityName: incorporated ? city : "",
        ward: hasWard ? String(1 + (number % 4)) : "",
        school: String(1 + (number % 3)),
        schoolName: `${county.name} SCHOOL DISTRICT ${1 + (number % 3)}`,
        judicial: String(judicial),
        superiorCourt: `${judicial}${(h >>> 4) % 2 === 0 ? "A" : "B"}`,
        township: String(township),
        townshipName: `${city.split(" ")[0]} TOWNSHIP`,
        fire: (h >>> 8) % 10 < 3 ? `F${1 + ((h >>> 12) % 12)}` : "",
        fireName: "",
      };
      if (districts.fire !== "")
        districts.fireName = `${county.name} FIRE DISTRICT ${districts.fire.slice(1)}`;
      const code = precinctCode(state, county, number);
      precincts.push({
        index,
        county: county.index,
        code,
        name: `${city} ${code}`,
        city,
        zip: String(zipBase + (number % 7)).padStart(5, "0"),
        districts,
      });
    }
  }
  return precincts;
}

/** A house number: mostly 1–4 digits, small numbers commoner. */
function houseNumber(rng: Rng): string {
  return String(Math.floor(Math.exp(rng.next() * Math.log(9999))) + rng.int(9) + 1);
}

/**
 * Draws a residential address in a precinct: a street of the precinct (each precinct has about forty), a
 * house number, sometimes a directional and a unit.
 *
 * @param seed - The population's seed.
 * @param state - The state.
 * @param precinct - Where the address is.
 * @param rng - The generator to draw from.
 * @param apartmentRate - Share of addresses with a unit.
 * @returns The address.
 */
export function drawAddress(
  seed: number,
  state: SyntheticState,
  precinct: SyntheticPrecinct,
  rng: Rng,
  apartmentRate: number,
): SyntheticAddress {
  const street = hash3(seed, precinct.index * 64 + rng.int(40), 0x57e);
  const streetName = STREET_NAMES[street % STREET_NAMES.length] as string;
  const streetSuffix = STREET_SUFFIXES.at(((street >>> 8) % 10007) / 10007);
  const preDirection = (street >>> 20) % 10 === 0 ? (DIRECTIONS[(street >>> 24) % 8] as string) : "";
  const number = houseNumber(rng);
  let unitType = "";
  let unitNumber = "";
  if (rng.chance(apartmentRate)) {
    unitType = rng.weighted(UNIT_TYPES);
    unitNumber = unitType === "LOT" ? String(rng.between(1, 120)) : unitLabel(rng);
  }
  const streetLine = [number, preDirection, streetName, streetSuffix].filter((part) => part !== "").join(" ");
  const unit = unitType === "" ? "" : `${unitType} ${unitNumber}`;
  return {
    houseNumber: number,
    preDirection,
    streetName,
    streetSuffix,
    unitType,
    unitNumber,
    street: streetLine,
    unit,
    line1: unit === "" ? streetLine : `${streetLine} ${unit}`,
    city: precinct.city,
    state,
    zip: precinct.zip,
    zip4: rng.chance(0.7) ? String(rng.between(1, 9999)).padStart(4, "0") : "",
  };
}

/** `4B`, `12`, `203`. */
function unitLabel(rng: Rng): string {
  const kind = rng.int(3);
  if (kind === 0) return `${rng.between(1, 30)}${String.fromCharCode(65 + rng.int(6))}`;
  if (kind === 1) return String(rng.between(1, 40));
  return String(rng.between(1, 4) * 100 + rng.between(1, 30));
}

/** A mailing address: a PO box in the home city, or a street address elsewhere in the state. */
export function drawMailingAddress(
  seed: number,
  state: SyntheticState,
  home: SyntheticPrecinct,
  elsewhere: SyntheticPrecinct,
  rng: Rng,
): SyntheticMailingAddress {
  if (rng.chance(0.6)) {
    return { line1: `PO BOX ${rng.between(1, 9999)}`, city: home.city, state, zip: home.zip };
  }
  const address = drawAddress(seed, state, elsewhere, rng, 0.3);
  return { line1: address.line1, city: address.city, state, zip: address.zip };
}
