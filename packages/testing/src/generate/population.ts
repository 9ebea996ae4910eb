/**
 * A synthetic voter population: millions of realistic, entirely made-up voters, none of them held in
 * memory. Voter `i` is a pure function of `(seed, i)`, so a test can describe five million voters, write
 * any slice of them, and look any one up by index or by id.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import { ConfigError } from "@precinct/core";
import { dayOfIsoDate, electionCalendar, isoDateOfDay, type SyntheticElection } from "./elections.js";
import {
  buildCounties,
  buildPrecincts,
  drawAddress,
  drawMailingAddress,
  type SyntheticAddress,
  type SyntheticCounty,
  type SyntheticDistricts,
  type SyntheticMailingAddress,
  type SyntheticPrecinct,
} from "./geography.js";
import { FEMALE_GIVEN_NAMES, isHispanicSurname, MALE_GIVEN_NAMES, SUFFIXES, SURNAMES } from "./names.js";
import { AffinePermutation, rngFor, uniform, WeightedTable } from "./random.js";
import { STATE_PROFILES, type SyntheticState, type SyntheticVotingMethod } from "./states.js";

/** A phone's line type, the ground truth a carrier lookup would return. */
export type SyntheticLineType = "mobile" | "landline" | "voip";

/**
 * One synthetic voter: what a state file would say about them, in canonical form. Text fields are upper
 * case where state files write upper case (addresses, codes) and in display case for names (`García`,
 * `O'Brien`); writers upper-case names themselves. A blank string means "none".
 */
export interface SyntheticVoter {
  /** The voter's index in the population. */
  index: number;
  /** Two-letter state. */
  state: SyntheticState;
  /** Statewide id, unique per index: NC `ncid` `AB123456`, OH `OH0012345678`, WA `123456789`, CA `CA0012345678`. */
  stateVoterId: string;
  /** County registration number (NC `voter_reg_num`, OH `COUNTY_ID`). */
  countyVoterId: string;
  /** County code as the state's file writes it (NC `92`, OH `25`, WA `KI`, CA `19`). */
  countyCode: string;
  /** Upper-case county name. */
  countyName: string;
  /** Index into `population.precincts`. */
  precinct: number;
  /** Precinct code as the state's file writes it. */
  precinctCode: string;
  /** Precinct description. */
  precinctName: string;
  /** First name, display case (`José`). */
  givenName: string;
  /** Middle name or initial, display case; blank for about a quarter of voters. */
  middleName: string;
  /** Last name, display case: `García`, `O'Brien`, `Smith-Jones`, `de la Cruz`. */
  familyName: string;
  /** `JR`, `SR`, `II`, `III`, `IV`, or blank. */
  suffix: string;
  /** `M`, `F` or `U`. */
  gender: "M" | "F" | "U";
  /** Birth date, `YYYY-MM-DD` (North Carolina's file publishes only the year). */
  birthdate: string;
  /** Birth year. */
  birthYear: number;
  /** Two-letter state of birth, or blank (NC's `birth_state`). */
  birthState: string;
  /** Registration date, `YYYY-MM-DD`. */
  registrationDate: string;
  /** Registration status. */
  status: VoterStatus;
  /** NC-style reason code for the status (`AV`, `IN`, `RD`, ...). */
  statusReasonCode: string;
  /** NC-style reason for the status (`VERIFIED`, `CONFIRMATION NOT RETURNED`, ...). */
  statusReason: string;
  /** Party as the state's file writes it (NC `DEM`/`REP`/`UNA`/`LIB`/`GRE`, OH `D`/`R`, CA `NPP`, ...); `null` where none. */
  party: string | null;
  /** NC race code (`W`, `B`, `A`, `I`, `M`, `O`, `P`, `U`). */
  race: string;
  /** NC ethnicity code (`HL`, `NL`, `UN`). */
  ethnicity: string;
  /** Home address. */
  residence: SyntheticAddress;
  /** Mailing address when the voter gave one (about 5%), else `null`. */
  mailing: SyntheticMailingAddress | null;
  /** Ten digits (`9195550142`), NANP-valid, or `null` (about 60% have none). */
  phone: string | null;
  /** Ground truth of the phone's line type; `null` when there is no phone. */
  lineType: SyntheticLineType | null;
  /** The districts of the voter's precinct. */
  districts: SyntheticDistricts;
  /** Index of the first voter of the household; the voter's own index when they live alone. */
  household: number;
  /** Whether the voter registered with a driver's license (NC `drivers_lic`). */
  driversLicense: boolean;
  /** Latent turnout propensity in `(0, 1)`, higher with age; drives `participation()`. */
  propensity: number;
}

/** One ballot in a voter's history. */
export interface SyntheticVote {
  /** Index into `population.elections`. */
  electionIndex: number;
  /** How the ballot was cast. */
  method: SyntheticVotingMethod;
  /** The party ballot chosen in a primary, as the state writes it; `null` otherwise. */
  party: string | null;
}

/** Options of {@link createSyntheticPopulation}. */
export interface SyntheticPopulationOptions {
  /** Everything derives from it. */
  seed: number;
  /** How many voters (up to tens of millions; none is held in memory). */
  voters: number;
  /** The state to imitate. Default `NC`. */
  state?: SyntheticState;
  /** Use only the state's `counties` largest counties. Default all. */
  counties?: number;
  /** Precincts per county. Default 20. */
  precinctsPerCounty?: number;
  /** How many elections the calendar holds, most recent last. Default 12 (about eight years). */
  elections?: number;
  /** Share of voters with a phone. Default 0.4. */
  phoneRate?: number;
  /**
   * Chance that a voter joins the previous voter's household (same address, usually the same surname,
   * often the same phone). Households have at most four members. Default 0.03, which puts about 6% of
   * voters in shared households.
   */
  householdRate?: number;
  /** Share of addresses with an apartment or unit. Default 0.15. */
  apartmentRate?: number;
  /** Share of voters with a separate mailing address. Default 0.05. */
  mailingRate?: number;
  /** Share of voters registered in the year before `asOf` (new registrants). Default 0.08. */
  newRegistrantRate?: number;
  /** The file's date, `YYYY-MM-DD`. Default `2025-06-02`; never today, so output does not change. */
  asOf?: string;
}

/**
 * A synthetic population. Indexes run from 0 to `size - 1`; after {@link nextWeek} some of them are no
 * longer in the file (`has(i)` is false) and new ones are added at the end.
 */
export interface SyntheticPopulation {
  /** The seed everything derives from. */
  readonly seed: number;
  /** The state imitated. */
  readonly state: SyntheticState;
  /** The file's date, `YYYY-MM-DD`. */
  readonly asOf: string;
  /** The index space: voters `0 … size - 1`, present or not. */
  readonly size: number;
  /** 0 for a population from {@link createSyntheticPopulation}, one more per {@link nextWeek}. */
  readonly week: number;
  /** The options of the population this one descends from, with `voters` equal to `size`. */
  readonly options: Readonly<SyntheticPopulationOptions>;
  /** The counties in use. */
  readonly counties: readonly SyntheticCounty[];
  /** The precincts, `precinctsPerCounty` per county, county by county. */
  readonly precincts: readonly SyntheticPrecinct[];
  /** The election calendar, oldest first. */
  readonly elections: readonly SyntheticElection[];
  /** Whether voter `index` is in this edition of the file. */
  has(index: number): boolean;
  /** Voter `index`, computed from `(seed, index)`. Throws a `RangeError` outside `[0, size)`. */
  voterAt(index: number): SyntheticVoter;
  /** The elections voter `index` voted in, oldest first. About four per voter on average. */
  participation(index: number): SyntheticVote[];
  /** The indexes of voter `index`'s household, first member first (just `[index]` for most voters). */
  household(index: number): number[];
  /** The index of the voter with this state voter id in this edition, or `undefined`. */
  indexOf(stateVoterId: string): number | undefined;
  /** The voters present in `[start, end)` (default all), in index order. */
  voters(range?: { start?: number; end?: number }): Generator<SyntheticVoter>;
  /**
   * A residential address that is nobody's home in the file, deterministic in `key`: where movers move
   * to, and what sign-up sheets give for people who are not registered.
   */
  freshAddress(key: number): { precinct: SyntheticPrecinct; address: SyntheticAddress };
  /** A valid phone number of the state that no voter has, deterministic in `key` (< 1,000,000). */
  freshPhone(key: number): string;
}

/** Stream constants: each aspect of a voter draws from its own generator. */
const STREAM = {
  household: 1,
  location: 2,
  family: 3,
  person: 4,
  registration: 5,
  phone: 6,
  votes: 7,
  fresh: 8,
  freshPhone: 9,
} as const;

const MAX_HOUSEHOLD = 4;
const DAY = 86_400_000;
const YEAR_DAYS = 365.2425;
/** Nobody registered before this in our files (older registrations were re-keyed by every state). */
const EARLIEST_REGISTRATION = Date.parse("1968-01-01T00:00:00Z") / DAY;

const AGE_BUCKETS = new WeightedTable<readonly [number, number]>([
  [[18, 24], 0.11],
  [[25, 34], 0.17],
  [[35, 44], 0.16],
  [[45, 54], 0.16],
  [[55, 64], 0.17],
  [[65, 74], 0.14],
  [[75, 84], 0.07],
  [[85, 99], 0.02],
]);
const GENDERS = new WeightedTable<"M" | "F" | "U">([
  ["F", 0.53],
  ["M", 0.45],
  ["U", 0.02],
]);
const RACES = new WeightedTable([
  ["W", 0.62],
  ["B", 0.21],
  ["A", 0.035],
  ["I", 0.012],
  ["M", 0.02],
  ["O", 0.04],
  ["U", 0.062],
  ["P", 0.001],
] as const);
const RACES_HISPANIC = new WeightedTable([
  ["W", 0.35],
  ["O", 0.3],
  ["U", 0.25],
  ["M", 0.1],
] as const);
const ETHNICITIES = new WeightedTable([
  ["NL", 0.8],
  ["HL", 0.06],
  ["UN", 0.14],
] as const);
const ETHNICITIES_HISPANIC = new WeightedTable([
  ["HL", 0.7],
  ["NL", 0.1],
  ["UN", 0.2],
] as const);
const LINE_TYPES = new WeightedTable<SyntheticLineType>([
  ["mobile", 0.62],
  ["landline", 0.3],
  ["voip", 0.08],
]);
const BIRTH_STATES = new WeightedTable([
  ["", 0.1],
  ["NY", 0.06],
  ["VA", 0.05],
  ["SC", 0.04],
  ["PA", 0.04],
  ["FL", 0.04],
  ["GA", 0.03],
  ["OH", 0.03],
  ["NJ", 0.03],
  ["CA", 0.03],
  ["TX", 0.02],
] as const);

/** NC-style reasons per status, `[code, description, weight]`. */
const STATUS_REASONS: Readonly<Record<VoterStatus, WeightedTable<readonly [string, string]>>> = {
  active: new WeightedTable([
    [["AV", "VERIFIED"], 0.93],
    [["AA", "ARMED FORCES"], 0.02],
    [["AN", "UNVERIFIED NEW"], 0.05],
  ]),
  inactive: new WeightedTable([
    [["IN", "CONFIRMATION NOT RETURNED"], 0.7],
    [["IU", "CONFIRMATION RETURNED UNDELIVERABLE"], 0.3],
  ]),
  removed: new WeightedTable([
    [["RL", "MOVED FROM COUNTY"], 0.4],
    [["RD", "DECEASED"], 0.3],
    [["RS", "MOVED FROM STATE"], 0.2],
    [["RQ", "REQUEST FROM VOTER"], 0.1],
  ]),
  denied: new WeightedTable([
    [["DI", "UNAVAILABLE ESSENTIAL INFORMATION"], 0.6],
    [["DU", "VERIFICATION RETURNED UNDELIVERABLE"], 0.4],
  ]),
  temporary: new WeightedTable([
    [["SM", "MILITARY"], 0.6],
    [["SO", "OVERSEAS CITIZEN"], 0.4],
  ]),
  unknown: new WeightedTable([[["", ""], 1]]),
};

/** Exchanges (the 3 digits after the area code) in use: 200–999 without N11 service codes and 555. */
const EXCHANGES: readonly string[] = Array.from({ length: 800 }, (_, n) => String(200 + n)).filter(
  (exchange) => !exchange.endsWith("11") && exchange !== "555",
);

/** Turnout is scaled so that the average voter has about four ballots in a twelve-election calendar. */
const TURNOUT_SCALE = 2.65;

function dayOf(iso: string): number {
  return dayOfIsoDate(iso);
}

function isoOfDay(day: number): string {
  return isoDateOfDay(day);
}

function requireRate(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new ConfigError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

/** Per-state statewide id format: a bijection of indexes onto ids, and its inverse. */
interface IdFormat {
  format(index: number): string;
  parse(id: string): number | undefined;
}

function idFormat(state: SyntheticState, seed: number): IdFormat {
  if (state === "NC") {
    // Two letters and six digits: 676 million ids.
    const permutation = new AffinePermutation(676_000_000, seed ^ 0x4e43);
    return {
      format(index) {
        const x = permutation.apply(index);
        const letters = Math.floor(x / 1_000_000);
        return (
          String.fromCharCode(65 + Math.floor(letters / 26), 65 + (letters % 26)) +
          String(x % 1_000_000).padStart(6, "0")
        );
      },
      parse(id) {
        const match = /^([A-Z])([A-Z])(\d{6})$/u.exec(id);
        if (match === null) return undefined;
        const letters =
          ((match[1] as string).charCodeAt(0) - 65) * 26 + ((match[2] as string).charCodeAt(0) - 65);
        return permutation.invert(letters * 1_000_000 + Number(match[3]));
      },
    };
  }
  const digits = state === "WA" ? 9 : 10;
  const prefix = state === "WA" ? "" : state;
  // WA ids are plain numbers: keep them 9 digits long without a leading zero.
  const offset = state === "WA" ? 100_000_000 : 0;
  const modulus = state === "WA" ? 900_000_000 : 10 ** digits;
  const permutation = new AffinePermutation(
    modulus,
    seed ^ (state === "OH" ? 0x4f48 : state === "WA" ? 0x5741 : 0x4341),
  );
  const pattern = new RegExp(`^${prefix}(\\d{${digits}})$`, "u");
  return {
    format: (index) => prefix + String(permutation.apply(index) + offset).padStart(digits, "0"),
    parse(id) {
      const match = pattern.exec(id);
      if (match === null) return undefined;
      const value = Number(match[1]) - offset;
      return value >= 0 && value < modulus ? permutation.invert(value) : undefined;
    },
  };
}

/**
 * Creates a synthetic population. Nothing per voter is computed until asked for; creating one of five
 * million voters takes microseconds.
 *
 * @param options - Seed, size, state and rates.
 * @returns The population.
 * @throws `ConfigError` (`invalid_config`) for a negative or fractional size, an unknown state, a bad
 *   `asOf`, or a rate outside `[0, 1]`.
 * @example
 * ```ts
 * const population = createSyntheticPopulation({ seed: 42, voters: 5_000_000, state: "NC" });
 * population.voterAt(4_999_999).stateVoterId; // "VI932709", always, for seed 42
 * population.participation(3); // [{ electionIndex: 1, method: "early", party: null }]
 * ```
 */
export function createSyntheticPopulation(options: SyntheticPopulationOptions): SyntheticPopulation {
  const { seed } = options;
  if (!Number.isSafeInteger(options.voters) || options.voters < 0) {
    throw new ConfigError(`voters must be a non-negative integer, got ${options.voters}`);
  }
  if (!Number.isFinite(seed)) throw new ConfigError(`seed must be a finite number, got ${seed}`);
  const state = options.state ?? "NC";
  const profile = STATE_PROFILES[state];
  if (profile === undefined) throw new ConfigError(`Unsupported state ${String(state)}`);
  const asOf = options.asOf ?? "2025-06-02";
  if (!/^\d{4}-\d{2}-\d{2}$/u.test(asOf) || Number.isNaN(Date.parse(asOf))) {
    throw new ConfigError(`asOf must be a YYYY-MM-DD date, got ${asOf}`);
  }
  const phoneRate = requireRate("phoneRate", options.phoneRate ?? 0.4);
  const householdRate = requireRate("householdRate", options.householdRate ?? 0.03);
  const apartmentRate = requireRate("apartmentRate", options.apartmentRate ?? 0.15);
  const mailingRate = requireRate("mailingRate", options.mailingRate ?? 0.05);
  const newRegistrantRate = requireRate("newRegistrantRate", options.newRegistrantRate ?? 0.08);
  const perCounty = Math.max(1, Math.floor(options.precinctsPerCounty ?? 20));
  const size = options.voters;

  const counties = buildCounties(seed, state, options.counties);
  const precincts = buildPrecincts(seed, state, counties, perCounty);
  const elections = electionCalendar(state, asOf, options.elections ?? 12);
  const electionDays = elections.map((election) => dayOf(election.date));
  const countyTable = new WeightedTable(counties.map((county) => [county, county.weight] as const));
  const parties = new WeightedTable(profile.parties);
  const statuses = new WeightedTable(profile.statuses);
  const generalMethods = new WeightedTable(profile.methods.general);
  const otherMethods = new WeightedTable(profile.methods.other);
  const ids = idFormat(state, seed);
  const countyIds = new AffinePermutation(1_000_000_000, seed ^ 0x636e);
  const exchanges = EXCHANGES.length;
  const phoneSpace = profile.areaCodes.length * exchanges * 10_000;
  const phones = new AffinePermutation(phoneSpace, seed ^ 0x7068);
  const asOfDay = dayOf(asOf);

  const joinsPrevious = (index: number): boolean =>
    index > 0 && householdRate > 0 && uniform(seed, index, STREAM.household) < householdRate;

  /** The first member of voter `index`'s household: runs of joins, cut every MAX_HOUSEHOLD members. */
  function headOf(index: number): number {
    let start = index;
    while (start > 0 && joinsPrevious(start)) start--;
    return start + Math.floor((index - start) / MAX_HOUSEHOLD) * MAX_HOUSEHOLD;
  }

  function phoneNumber(slot: number): string {
    const x = phones.apply(slot % phoneSpace);
    const areaCode = profile.areaCodes[Math.floor(x / (exchanges * 10_000))] as string;
    const exchange = EXCHANGES[Math.floor(x / 10_000) % exchanges] as string;
    return `${areaCode}${exchange}${String(x % 10_000).padStart(4, "0")}`;
  }

  interface Location {
    precinct: SyntheticPrecinct;
    residence: SyntheticAddress;
    mailing: SyntheticMailingAddress | null;
  }

  function locationOf(head: number): Location {
    const rng = rngFor(seed, head, STREAM.location);
    const county = rng.weighted(countyTable);
    const precinct = precincts[county.index * perCounty + rng.int(perCounty)] as SyntheticPrecinct;
    const residence = drawAddress(seed, state, precinct, rng, apartmentRate);
    let mailing: SyntheticMailingAddress | null = null;
    if (rng.chance(mailingRate)) {
      const elsewhere = precincts[rng.int(precincts.length)] as SyntheticPrecinct;
      mailing = drawMailingAddress(seed, state, precinct, elsewhere, rng);
    }
    return { precinct, residence, mailing };
  }

  function familyNameOf(index: number): string {
    const rng = rngFor(seed, index, STREAM.family);
    const first = rng.weighted(SURNAMES);
    if (!rng.chance(0.03)) return first;
    let second = rng.weighted(SURNAMES);
    if (second === first || /\s/u.test(second) || /\s/u.test(first)) second = "Jones";
    return second === first ? first : `${first}-${second}`;
  }

  function phoneOf(index: number): { phone: string | null; lineType: SyntheticLineType | null } {
    const rng = rngFor(seed, index, STREAM.phone);
    if (!rng.chance(phoneRate)) return { phone: null, lineType: null };
    return { phone: phoneNumber(index), lineType: rng.weighted(LINE_TYPES) };
  }

  let last: SyntheticVoter | undefined;

  function voterAt(index: number): SyntheticVoter {
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`voter index ${index} is outside [0, ${size})`);
    }
    const head = headOf(index);
    const location = locationOf(head);
    const person = rngFor(seed, index, STREAM.person);

    // Household members usually share the surname, and often the (landline) phone, of the first member.
    const sharesSurname = head !== index && person.chance(0.75);
    const familyName = sharesSurname ? familyNameOf(head) : familyNameOf(index);
    const gender = person.weighted(GENDERS);
    const masculine = gender === "M" || (gender === "U" && person.chance(0.5));
    const names = masculine ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES;
    const givenName = person.weighted(names);
    let middleName = "";
    if (person.chance(0.74)) {
      let middle = person.weighted(names);
      if (middle === givenName) middle = person.weighted(names);
      middleName = person.chance(0.15) ? (middle[0] as string) : middle;
    }
    const suffix = masculine && person.chance(0.03) ? person.weighted(SUFFIXES) : "";

    const [youngest, oldest] = person.weighted(AGE_BUCKETS);
    const age = person.between(youngest, oldest);
    // One day more than the age in average years, so that an 18-year-old is never a few hours short.
    const birthDay = asOfDay - Math.ceil((age + person.next()) * YEAR_DAYS) - 1;
    const birthdate = isoOfDay(birthDay);
    const hispanic = isHispanicSurname(familyName.split("-")[0] as string);
    const race = person.weighted(hispanic ? RACES_HISPANIC : RACES);
    const ethnicity = person.weighted(hispanic ? ETHNICITIES_HISPANIC : ETHNICITIES);
    const birthState = person.chance(0.55) ? state : person.weighted(BIRTH_STATES);
    const driversLicense = person.chance(0.86);
    // Latent propensity: logistic in age with personal noise; older voters vote more.
    const noise = (person.next() + person.next() + person.next() - 1.5) * 2.2;
    const propensity = 1 / (1 + Math.exp(-(-0.25 + 0.045 * (age - 45) + noise)));

    const registration = rngFor(seed, index, STREAM.registration);
    const eligibleDay = birthDay + Math.ceil(18 * YEAR_DAYS);
    const lastYear = asOfDay - 365;
    let registrationDay: number;
    if (eligibleDay > lastYear || registration.chance(newRegistrantRate)) {
      const from = Math.max(eligibleDay, lastYear);
      registrationDay = from + registration.int(asOfDay - from + 1);
    } else {
      const from = Math.max(eligibleDay, EARLIEST_REGISTRATION);
      registrationDay = from + registration.int(lastYear - from);
    }
    let status = registration.weighted(statuses);
    // A registration of the last three months has not had time to go inactive or be removed.
    if (registrationDay > asOfDay - 90 && (status === "inactive" || status === "removed")) status = "active";
    const [statusReasonCode, statusReason] = registration.weighted(STATUS_REASONS[status]);
    const party = registration.weighted(parties);

    let contact = phoneOf(index);
    if (head !== index) {
      const shared = phoneOf(head);
      const shareChance = shared.lineType === "landline" ? 0.8 : 0.3;
      if (shared.phone !== null && person.chance(shareChance)) contact = shared;
    }

    const county = counties[location.precinct.county] as SyntheticCounty;
    last = {
      index,
      state,
      stateVoterId: ids.format(index),
      countyVoterId: String(countyIds.apply(index)),
      countyCode: county.code,
      countyName: county.name,
      precinct: location.precinct.index,
      precinctCode: location.precinct.code,
      precinctName: location.precinct.name,
      givenName,
      middleName,
      familyName,
      suffix,
      gender,
      birthdate,
      birthYear: Number(birthdate.slice(0, 4)),
      birthState,
      registrationDate: isoOfDay(registrationDay),
      status,
      statusReasonCode,
      statusReason,
      party,
      race,
      ethnicity,
      residence: location.residence,
      mailing: location.mailing,
      phone: contact.phone,
      lineType: contact.lineType,
      districts: location.precinct.districts,
      household: head,
      driversLicense,
      propensity,
    };
    return last;
  }

  function participationOf(voter: SyntheticVoter): SyntheticVote[] {
    const rng = rngFor(seed, voter.index, STREAM.votes);
    const registered = dayOf(voter.registrationDate);
    const eligible = dayOf(voter.birthdate) + Math.ceil(18 * YEAR_DAYS);
    const votes: SyntheticVote[] = [];
    for (const election of elections) {
      const day = electionDays[election.index] as number;
      const u = rng.next();
      const methodDraw = rng.next();
      const ballotDraw = rng.next();
      // Registration closes about 25 days before election day.
      if (registered > day - 25 || eligible > day) continue;
      const chance = Math.min(0.97, election.turnout * TURNOUT_SCALE * voter.propensity);
      if (u >= chance) continue;
      const table = election.type === "general" ? generalMethods : otherMethods;
      let party: string | null = null;
      if (election.type === "primary" && state !== "WA") {
        const [first, second] = profile.primaryBallots;
        party =
          voter.party === first || voter.party === second ? voter.party : ballotDraw < 0.55 ? first : second;
      }
      votes.push({ electionIndex: election.index, method: table.at(methodDraw), party });
    }
    return votes;
  }

  function household(index: number): number[] {
    const head = headOf(index);
    const members = [head];
    for (let next = head + 1; next < size && members.length < MAX_HOUSEHOLD && joinsPrevious(next); next++) {
      if (headOf(next) !== head) break;
      members.push(next);
    }
    return members;
  }

  return {
    seed,
    state,
    asOf,
    size,
    week: 0,
    options: Object.freeze({ ...options, state, asOf }),
    counties,
    precincts,
    elections,
    has: (index) => Number.isInteger(index) && index >= 0 && index < size,
    voterAt,
    // Writers ask for a voter and then its ballots: reuse the voter just computed.
    participation: (index) => participationOf(last?.index === index ? last : voterAt(index)),
    household: (index) => {
      voterAt(index);
      return household(index);
    },
    indexOf(stateVoterId) {
      const index = ids.parse(stateVoterId);
      return index !== undefined && index < size ? index : undefined;
    },
    *voters(range = {}) {
      const end = Math.min(size, range.end ?? size);
      for (let index = Math.max(0, range.start ?? 0); index < end; index++) yield voterAt(index);
    },
    freshAddress(key) {
      const rng = rngFor(seed, key, STREAM.fresh);
      const county = rng.weighted(countyTable);
      const precinct = precincts[county.index * perCounty + rng.int(perCounty)] as SyntheticPrecinct;
      return { precinct, address: drawAddress(seed ^ 0x5a5a, state, precinct, rng, apartmentRate) };
    },
    freshPhone(key) {
      if (!Number.isInteger(key) || key < 0 || key >= 1_000_000) {
        throw new RangeError(`freshPhone key must be an integer in [0, 1000000), got ${key}`);
      }
      // Slots from the top of the space, far above any voter index.
      return phoneNumber(phoneSpace - 1 - key);
    },
  };
}
