/**
 * The scorer: how likely one voter record is the person, from names, birth date, address and phone.
 *
 * The model is Fellegi–Sunter with two refinements that matter for voter files:
 *
 * - **Frequencies.** Agreement is weighed by how many voters would agree by chance. "James Smith" born in
 *   1980 has several namesakes in a state file; "Yesenia Pham" born in 1980 has none. Counts come from
 *   {@link MatchStats}; without them a typical name is assumed.
 * - **Households.** When the address (or a phone) matches, the other voters who could agree are the
 *   household, not the state: they share the surname, address and phone by nature, so that agreement proves
 *   little, while a different first name or birth year rules a household member out. This is what keeps
 *   twins, spouses and Jr./Sr. pairs apart.
 *
 * The odds that the voter is the person are `4 × m / E`: 4 to 1 are the prior odds that a person on a list
 * is in the voter file, `m` how often a true match shows the observed pattern (a nickname, a typo, a move)
 * and `E` how many voters would show it by chance. The score is `odds / (1 + odds)`. A contradiction (another
 * first name, birth year or suffix) caps the score at 0.5.
 *
 * Deterministic rules take precedence over the model and raise the score: a state voter id in the
 * person's identifiers (`state_voter_id`, score 1), identical first and last name with the same birth date
 * (`name_birthdate`, at least 0.99), identical first and last name at the same street address and ZIP
 * (`name_street_zip`, at least 0.99). The two name rules do not fire when a birth year, middle initial or
 * suffix contradicts.
 *
 * @module
 */

import { NICKNAME_GROUPS, nameMatchKey, type Voter } from "@precinct/core";
import type { PersonLike } from "./person-like.js";
import { isLikelyTypo, jaroWinkler } from "./similarity.js";
import type { MatchStats } from "./stats.js";
import { type StreetParts, splitStreetKey } from "./street.js";
import {
  isMatchSubject,
  type MatchSubject,
  type MatchVoter,
  nameParts,
  nicknamesOf,
  type PrepareOptions,
  prepareSubject,
  suffixKey,
  toMatchVoter,
} from "./subject.js";

/**
 * Which rule produced a candidate's score: a deterministic rule (`state_voter_id`, `name_birthdate`,
 * `name_street_zip`) or the probabilistic scorer (`fuzzy`). Stored in `voter_match.rule`; `manual` marks a
 * pair a person confirmed or rejected without a score.
 */
export type MatchRuleName = "state_voter_id" | "name_birthdate" | "name_street_zip" | "fuzzy" | "manual";

/** How one voter compares with one person. */
export interface CandidateScore {
  /** Probability in `[0, 1]` that the voter is the person, judged on this pair alone. */
  score: number;
  /** The rule that decided the score. */
  rule: MatchRuleName;
  /**
   * What was compared, as `field:level` codes: `state_voter_id:same` first when it matched, then address,
   * phone, names, birth, middle name and suffix, e.g. `address:unit_variant`, `phone:same`,
   * `given_name:nickname`, `family_name:exact`, `names:transposed`, `birth:year_same`, `birth:differs`,
   * `voter:removed`. Fields missing on either side are not listed.
   */
  reasons: string[];
}

/** Options of {@link scoreCandidate}. */
export interface ScoreOptions extends PrepareOptions {
  /** Name and ZIP frequencies of the voter file (see {@link loadMatchStats}). Default: typical values. */
  stats?: MatchStats;
}

/** A voter as {@link scoreCandidate} accepts it: a stored `Voter` or the candidate form. */
export type VoterLike = Voter | MatchVoter;

type GivenLevel = "exact" | "nickname" | "typo" | "middle" | "initial" | "differs" | "missing";
type FamilyLevel = "exact" | "partial" | "typo" | "differs" | "missing";
type BirthLevel =
  | "date_same"
  | "date_close"
  | "year_typo"
  | "year_same"
  | "year_near"
  | "differs"
  | "missing";
type MiddleLevel = "same" | "initial" | "differs" | "missing";
type SuffixLevel = "same" | "differs" | "missing";
type AddressLevel =
  | "same"
  | "unit_variant"
  | "street_number"
  | "street_no_zip"
  | "building"
  | "zip"
  | "zip_differs"
  | "missing";
type PhoneLevel = "same" | "differs" | "missing";

/**
 * Prior odds that a person on a sign-up list is in the voter file and among the candidates found: about
 * 80%, so 4 to 1. The alternative is that every candidate agrees only by chance.
 */
const PRIOR_ODDS = 4;
/**
 * The highest score a pair gets when the first name, birth date or year, or suffix contradicts: below any
 * sensible review threshold, since that is what a household member (twin, spouse, Jr./Sr.) looks like.
 */
const CONFLICT_SCORE = 0.5;
/** Voters assumed when no statistics are given. */
const DEFAULT_VOTERS = 1_000_000;
/** Share of voters holding a typical given name, family name and ZIP when no statistics are given. */
const DEFAULT_SHARE = { given: 0.005, family: 0.001, zip: 1 / 700 };
/** Days a birth date can fall on (adults over about 60 years). */
const BIRTH_DAYS = 60 * 365;
/** The floor of a deterministic name rule's score. */
const RULE_SCORE = 0.99;

/** How often a true match shows each level (m-probabilities). */
const M = {
  given: { exact: 1, nickname: 0.6, typo: 0.4, middle: 0.2, initial: 0.3, differs: 0.005, missing: 1 },
  family: { exact: 1, partial: 0.5, typo: 0.4, differs: 0.03, missing: 1 },
  transposed: 0.3,
  birth: {
    date_same: 1,
    date_close: 0.2,
    year_typo: 0.1,
    year_same: 1,
    year_near: 0.05,
    differs: 0.005,
    missing: 1,
  },
  middle: { same: 1, initial: 1, differs: 0.05, missing: 1 },
  suffix: { same: 1, differs: 0.02, missing: 1 },
  address: {
    same: 1,
    unit_variant: 0.9,
    street_number: 0.7,
    street_no_zip: 0.8,
    building: 0.1,
    zip: 0.05,
    zip_differs: 0.2,
    missing: 1,
  },
  phone: { same: 1, differs: 0.3, missing: 1 },
} as const;

/** How often another member of the same household shows each level (u-probabilities within a household). */
const U_HOUSEHOLD = {
  given: { exact: 0.03, nickname: 0.02, typo: 0.01, middle: 0.02, initial: 0.12, differs: 0.8, missing: 1 },
  family: { exact: 0.75, partial: 0.05, typo: 0.01, differs: 0.2, missing: 1 },
  birth: {
    date_same: 0.01,
    date_close: 0.005,
    year_typo: 0.005,
    year_same: 0.15,
    year_near: 0.1,
    differs: 0.8,
    missing: 1,
  },
  middle: { same: 0.1, initial: 0.1, differs: 0.8, missing: 1 },
  suffix: { same: 0.3, differs: 0.7, missing: 1 },
} as const;

/** Fixed u-probabilities for a voter drawn from the whole file (name agreement uses frequencies instead). */
const U_POPULATION = {
  given: { typo: 0.003, middle: 0.01, initial: 0.07, differs: 1, missing: 1 },
  family: { typo: 0.002, differs: 1, missing: 1 },
  birth: {
    date_same: 1 / BIRTH_DAYS,
    date_close: 10 / BIRTH_DAYS,
    year_typo: 2 / BIRTH_DAYS,
    year_same: 1 / 60,
    year_near: 2 / 60,
    differs: 1,
    missing: 1,
  },
  middle: { same: 0.02, initial: 0.07, differs: 0.9, missing: 1 },
  suffix: { same: 0.5, differs: 0.5, missing: 1 },
} as const;

/**
 * Expected number of other voters at the same place: the household for a matching address, the building,
 * the ZIP, or the whole file. A shared phone also means a household.
 */
const OTHERS_AT = {
  same: 1.5,
  unit_variant: 1.8,
  street_number: 2.5,
  street_no_zip: 5,
  building: 10,
} as const;
/** Others sharing one phone number. */
const PHONE_SHARERS = 1.5;
/** Share of a household's other members who share the phone, or have another one. */
const HOUSEHOLD_PHONE = { same: 0.7, differs: 0.4 } as const;

/**
 * Scores how likely `voter` is `person`, on this pair alone (competition between candidates is
 * {@link matchRecords}'s business). Pure: no database access.
 *
 * @param person - The person, as a plain record or already prepared with {@link prepareSubject}.
 * @param voter - A stored voter or a candidate row.
 * @param options - Voter-file statistics for frequency weights, phone country, voter-id systems.
 * @returns The score, the rule that decided it and the reasons.
 * @example
 * ```ts
 * scoreCandidate(
 *   { givenName: "Bill", familyName: "Smith", birthYear: 1980, addressLines: ["12 Oak St"], postalCode: "27601" },
 *   voter, // WILLIAM SMITH, born 1980, 12 OAK ST, 27601
 * ); // { score: 0.99…, rule: "fuzzy", reasons: ["address:same", "given_name:nickname", ...] }
 * ```
 */
export function scoreCandidate(
  person: PersonLike | MatchSubject,
  voter: VoterLike,
  options: ScoreOptions = {},
): CandidateScore {
  const subject = isMatchSubject(person) ? person : prepareSubject(person, options);
  const candidate = "givenKey" in voter ? voter : toMatchVoter(voter);
  return scoreSubject(subject, candidate, options.stats);
}

/** @internal {@link scoreCandidate} on prepared inputs: the hot path of matching. */
export function scoreSubject(subject: MatchSubject, voter: MatchVoter, stats?: MatchStats): CandidateScore {
  const voters = Math.max(1, stats?.voters ?? DEFAULT_VOTERS);
  const givenCount = (key: string) =>
    stats ? (stats.givenCounts.get(key) ?? 1) : DEFAULT_SHARE.given * voters;
  const familyCount = (key: string) =>
    stats ? (stats.familyCounts.get(key) ?? 1) : DEFAULT_SHARE.family * voters;

  // Location first: it decides whether the other voters who could agree are a household or the file.
  const address = compareAddress(subject, voter);
  const phone = comparePhone(subject, voter);
  let others: number;
  let household = false;
  if (address.level in OTHERS_AT) {
    others = OTHERS_AT[address.level as keyof typeof OTHERS_AT];
    household = address.level !== "building";
  } else if (address.level === "zip") {
    const zip = voter.zip5!;
    others = Math.max(1, stats ? (stats.zipCounts.get(zip) ?? 1) : DEFAULT_SHARE.zip * voters);
  } else {
    others = voters;
  }
  if (phone === "same") {
    if (household) others *= HOUSEHOLD_PHONE.same;
    else {
      others = Math.min(others, PHONE_SHARERS);
      household = true;
    }
  } else if (phone === "differs" && household) {
    others *= HOUSEHOLD_PHONE.differs;
  }
  let odds = (PRIOR_ODDS * M.address[address.level] * M.phone[phone]) / others;

  // Names, in the better of the two orders.
  const knownShare = Math.max(3, voters / 20_000);
  const isKnown = (key: string) =>
    isKnownGivenName(key) || (stats !== undefined && (stats.givenCounts.get(key) ?? 0) >= knownShare);
  const names = compareNames(subject, voter, isKnown);
  const u = household ? U_HOUSEHOLD : undefined;
  const givenRatio = (level: GivenLevel, personKey: string | null, group: ReadonlySet<string>) => {
    const exactRatio = u ? M.given.exact / u.given.exact : voters / givenCount(personKey ?? "");
    let ratio: number;
    if (u) ratio = M.given[level] / u.given[level];
    else if (level === "exact") ratio = exactRatio;
    else if (level === "nickname") {
      let sum = 0;
      for (const key of group) sum += givenCount(key);
      ratio = (M.given.nickname * voters) / Math.max(1, sum);
    } else if (level === "middle") {
      // The voter's first name is the person's middle name, or the other way round: as likely by chance as
      // either name is common.
      const middle = subject.middleKey === null ? 0 : givenCount(subject.middleKey);
      ratio = (M.given.middle * voters) / Math.max(1, middle + givenCount(personKey ?? ""));
    } else ratio = M.given[level] / U_POPULATION.given[level];
    // A weaker level never proves more than the exact one (a rare typo is not better than the name).
    return Math.min(ratio, exactRatio);
  };
  const familyRatio = (level: FamilyLevel, personKey: string | null, shared: string | null) => {
    const exactRatio = u ? M.family.exact / u.family.exact : voters / familyCount(personKey ?? "");
    let ratio: number;
    if (u) ratio = M.family[level] / u.family[level];
    else if (level === "exact") ratio = exactRatio;
    else if (level === "partial") ratio = (M.family.partial * voters) / familyCount(shared ?? "");
    else ratio = M.family[level] / U_POPULATION.family[level];
    return Math.min(ratio, exactRatio);
  };
  const straight =
    givenRatio(names.straight.given, subject.givenKey, subject.givenGroup) *
    familyRatio(names.straight.family, subject.familyKey, names.straight.shared);
  let nameRatio = straight;
  let transposed = false;
  if (names.swapped !== null) {
    const swapped =
      M.transposed *
      givenRatio(names.swapped.given, subject.familyKey, subject.familyAsGivenGroup) *
      familyRatio(names.swapped.family, subject.givenKey, names.swapped.shared);
    if (swapped > straight) {
      nameRatio = swapped;
      transposed = true;
    }
  }
  odds *= nameRatio;

  const birth = compareBirth(subject, voter);
  const middle = transposed ? "missing" : compareMiddle(subject, voter);
  const suffix = compareSuffix(subject, voter);
  odds *= M.birth[birth] / (u ? u.birth[birth] : U_POPULATION.birth[birth]);
  odds *= M.middle[middle] / (u ? u.middle[middle] : U_POPULATION.middle[middle]);
  odds *= M.suffix[suffix] / (u ? u.suffix[suffix] : U_POPULATION.suffix[suffix]);

  let score = odds / (1 + odds);
  const used = transposed ? names.swapped! : names.straight;
  if (used.given === "differs" || birth === "differs" || suffix === "differs")
    score = Math.min(score, CONFLICT_SCORE);
  const reasons: string[] = [];
  if (address.level !== "missing") reasons.push(`address:${address.level}`);
  if (phone !== "missing") reasons.push(`phone:${phone}`);
  if (used.given !== "missing") reasons.push(`given_name:${used.given}`);
  if (used.family !== "missing") reasons.push(`family_name:${used.family}`);
  if (transposed) reasons.push("names:transposed");
  if (birth !== "missing") reasons.push(`birth:${birth}`);
  if (middle !== "missing") reasons.push(`middle_name:${middle}`);
  if (suffix !== "missing") reasons.push(`suffix:${suffix}`);
  if (voter.removedAt !== null) reasons.push("voter:removed");

  let rule: MatchRuleName = "fuzzy";
  const state = voter.state.toUpperCase();
  const id = voter.stateVoterId.toUpperCase();
  if (subject.stateVoterIds.some((entry) => entry.state === state && entry.id === id)) {
    rule = "state_voter_id";
    score = 1;
    reasons.unshift("state_voter_id:same");
  } else if (
    !transposed &&
    used.given === "exact" &&
    used.family === "exact" &&
    middle !== "differs" &&
    suffix !== "differs"
  ) {
    if (birth === "date_same") rule = "name_birthdate";
    else if (address.level === "same" && (birth === "missing" || birth === "year_same"))
      rule = "name_street_zip";
    if (rule !== "fuzzy") score = Math.max(score, RULE_SCORE);
  }
  return { score: round(score), rule, reasons };
}

/** Six decimals: enough to order candidates, short in JSON. */
function round(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

interface NameLevels {
  given: GivenLevel;
  family: FamilyLevel;
  /** The shared part's key for a `partial` family level. */
  shared: string | null;
}

function compareNames(
  subject: MatchSubject,
  voter: MatchVoter,
  isKnown: (key: string) => boolean,
): { straight: NameLevels; swapped: NameLevels | null } {
  const straight = {
    given: compareGiven(subject.givenKey, subject.givenGroup, voter.givenKey, subject, voter, isKnown),
    ...compareFamily(subject.familyKey, subject.familyParts, voter),
  };
  // Transposed first and last names: only worth a look when the straight reading is not already right.
  if (straight.given === "exact" && straight.family === "exact") return { straight, swapped: null };
  if (subject.givenKey === null || subject.familyKey === null) return { straight, swapped: null };
  const swapped = {
    given: compareGiven(subject.familyKey, subject.familyAsGivenGroup, voter.givenKey, null, voter, isKnown),
    ...compareFamily(subject.givenKey, [], voter),
  };
  return { straight, swapped };
}

function compareGiven(
  key: string | null,
  group: ReadonlySet<string>,
  voterKey: string | null,
  subject: MatchSubject | null,
  voter: MatchVoter,
  isKnown: (key: string) => boolean,
): GivenLevel {
  if (key === null || voterKey === null) return "missing";
  if (key === voterKey) return "exact";
  if (group.has(voterKey)) return "nickname";
  if ((key.length === 1 || voterKey.length === 1) && key[0] === voterKey[0]) return "initial";
  if (subject !== null) {
    // Goes by the middle name: "Robert" for JOHN ROBERT SMITH, or the other way round.
    const voterMiddle = middleKeyOf(voter);
    if (
      (voterMiddle !== null && voterMiddle === key) ||
      (subject.middleKey !== null && subject.middleKey === voterKey)
    ) {
      return "middle";
    }
  }
  // Two different real names one letter apart (Mary, Mark) are two people, not a typo.
  if (isLikelyTypo(key, voterKey) && !(isKnown(key) && isKnown(voterKey))) return "typo";
  // A misspelled nickname: "Jimy" for JAMES.
  if (!isKnown(key)) {
    for (const nickname of nicknamesOf(voterKey)) if (isLikelyTypo(key, nickname)) return "typo";
  }
  return "differs";
}

function compareFamily(
  key: string | null,
  parts: readonly string[],
  voter: MatchVoter,
): { family: FamilyLevel; shared: string | null } {
  const voterKey = voter.familyKey;
  if (key === null || voterKey === null) return { family: "missing", shared: null };
  if (key === voterKey) return { family: "exact", shared: null };
  // Hyphenated and compound names: Smith-Jones / Smith, García López / García, de la Cruz / Cruz.
  const voterParts = nameParts(voter.familyName);
  if (voterParts.includes(key)) return { family: "partial", shared: key };
  if (parts.includes(voterKey)) return { family: "partial", shared: voterKey };
  const common = parts.find((part) => voterParts.includes(part));
  if (common !== undefined) return { family: "partial", shared: common };
  if (isLikelyTypo(key, voterKey)) return { family: "typo", shared: null };
  return { family: "differs", shared: null };
}

function compareBirth(subject: MatchSubject, voter: MatchVoter): BirthLevel {
  if (subject.birthdate !== null && voter.birthdate !== null) {
    const a = subject.birthdate;
    const b = voter.birthdate;
    if (a === b) return "date_same";
    const [ay, am, ad] = [a.slice(0, 4), a.slice(5, 7), a.slice(8, 10)];
    const [by, bm, bd] = [b.slice(0, 4), b.slice(5, 7), b.slice(8, 10)];
    if (ay === by) {
      const swapped = am === bd && ad === bm;
      const oneDigit = (am === bm && oneDigitApart(ad, bd)) || (ad === bd && oneDigitApart(am, bm));
      return swapped || oneDigit ? "date_close" : "differs";
    }
    return am === bm && ad === bd && oneDigitApart(ay, by) ? "year_typo" : "differs";
  }
  const year = subject.birthYear;
  const voterYear = voter.birthYear === null ? null : Number(voter.birthYear);
  if (year === null || voterYear === null) return "missing";
  if (year === voterYear) return "year_same";
  return Math.abs(year - voterYear) === 1 ? "year_near" : "differs";
}

/** Two equally long digit strings that differ in exactly one position. */
function oneDigitApart(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let differences = 0;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) differences++;
  return differences === 1;
}

function compareMiddle(subject: MatchSubject, voter: MatchVoter): MiddleLevel {
  const a = subject.middleKey;
  const b = middleKeyOf(voter);
  if (a === null || b === null) return "missing";
  if (a === b) return "same";
  if (a[0] !== b[0]) return "differs";
  // An initial against a name, or a spelling variant or nickname of it (Ann, Anne; Beth, Elizabeth).
  if (a.length === 1 || b.length === 1 || isLikelyTypo(a, b) || nicknamesOf(b).includes(a)) return "initial";
  return "differs";
}

function compareSuffix(subject: MatchSubject, voter: MatchVoter): SuffixLevel {
  const a = subject.suffix;
  const b = suffixKey(voter.honorificSuffix);
  if (a === null || b === null) return "missing";
  if (a === b) return "same";
  // Jr. and II are used for the same person often enough.
  return (a === "jr" && b === "ii") || (a === "ii" && b === "jr") ? "same" : "differs";
}

function comparePhone(subject: MatchSubject, voter: MatchVoter): PhoneLevel {
  if (voter.phone === null || subject.phones.length === 0) return "missing";
  return subject.phones.includes(voter.phone) ? "same" : "differs";
}

const ADDRESS_RANK: Readonly<Record<AddressLevel, number>> = {
  same: 7,
  unit_variant: 6,
  street_no_zip: 5,
  street_number: 4,
  building: 3,
  zip: 2,
  zip_differs: 1,
  missing: 0,
};

function compareAddress(subject: MatchSubject, voter: MatchVoter): { level: AddressLevel } {
  let best: AddressLevel = "missing";
  if (subject.addresses.length === 0) return { level: best };
  const voterStreet = streetOf(voter);
  for (const address of subject.addresses) {
    const level = compareOneAddress(address.street, address.zip5, voterStreet, voter.zip5);
    if (ADDRESS_RANK[level] > ADDRESS_RANK[best]) best = level;
  }
  return { level: best };
}

function compareOneAddress(
  street: StreetParts | null,
  zip: string | null,
  voterStreet: StreetParts | null,
  voterZip: string | null,
): AddressLevel {
  const zipKnown = zip !== null && voterZip !== null;
  if (zipKnown && zip !== voterZip) return "zip_differs";
  if (street === null || voterStreet === null) return zipKnown ? "zip" : "missing";
  const sameBuilding = street.building === voterStreet.building;
  if (!zipKnown) return sameBuilding && street.unit === voterStreet.unit ? "street_no_zip" : "missing";
  if (street.key === voterStreet.key) return "same";
  if (sameBuilding) return street.unit !== null && voterStreet.unit !== null ? "building" : "unit_variant";
  // Same house number on a street spelled a little differently (N Main St / Main St, Mian St).
  if (
    street.number !== null &&
    street.number === voterStreet.number &&
    (street.unit === null || voterStreet.unit === null || street.unit === voterStreet.unit) &&
    streetsAlike(street.street, voterStreet.street)
  ) {
    return "street_number";
  }
  return "zip";
}

const DIRECTIONS: ReadonlySet<string> = new Set(["n", "s", "e", "w", "ne", "nw", "se", "sw"]);

function streetsAlike(a: string, b: string): boolean {
  const strip = (street: string) =>
    street
      .split(" ")
      .filter((word) => !DIRECTIONS.has(word))
      .join(" ");
  const x = strip(a);
  const y = strip(b);
  return x === y || jaroWinkler(x, y) >= 0.9;
}

/** Street parts of a voter, split once per candidate row. */
const streetCache = new WeakMap<MatchVoter, StreetParts | null>();

function streetOf(voter: MatchVoter): StreetParts | null {
  let parts = streetCache.get(voter);
  if (parts === undefined) {
    parts = voter.streetKey === null || voter.streetKey === "" ? null : splitStreetKey(voter.streetKey);
    streetCache.set(voter, parts);
  }
  return parts;
}

function middleKeyOf(voter: MatchVoter): string | null {
  if (voter.additionalName === null) return null;
  const key = nameMatchKey(voter.additionalName);
  return key === "" ? null : key;
}

/** Keys of every name in the nickname table: real given names, never typos. */
let knownGivenNames: ReadonlySet<string> | undefined;

function isKnownGivenName(key: string): boolean {
  knownGivenNames ??= new Set(NICKNAME_GROUPS.flat().map((name) => nameMatchKey(name)));
  return knownGivenNames.has(key);
}
