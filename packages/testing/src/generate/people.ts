/**
 * Sign-up-sheet people for matching tests: most of them are voters of a synthetic population, written the
 * way people write themselves down (nicknames, typos, moved, no birth date, an apartment as `#4B`, the
 * household's phone), the rest are not registered; each carries the truth of who they are.
 *
 * @module
 */

import { ConfigError } from "@precinct/core";
import { displayCase } from "./formats/mapped.js";
import type { SyntheticAddress } from "./geography.js";
import { nicknamesOf, stripAccents, typo } from "./names.js";
import type { SyntheticPopulation, SyntheticVoter } from "./population.js";
import { createSyntheticPopulation } from "./population.js";
import { AffinePermutation, hash3, type Rng, rngFor } from "./random.js";

/** Ways a sign-up differs from the voter file. Each is a rate in `[0, 1]`, applied independently. */
export interface PeopleNoise {
  /** Gives a nickname from core's nickname table (`William` → `Bill`) when the name has one. */
  nicknames?: number;
  /** A one-keystroke typo in the first or last name. */
  typos?: number;
  /** First and last name swapped. */
  transposedNames?: number;
  /** A new address (the file still has the old one). */
  moved?: number;
  /** No birth date at all. */
  missingBirthdate?: number;
  /** Only the birth year. */
  birthYearOnly?: number;
  /** No middle name although the file has one. */
  missingMiddle?: number;
  /** Accents dropped: `José García` → `Jose Garcia`. */
  accentsStripped?: number;
  /** The unit written another way (`#4B`, `Unit 4B`, `Apt. 4B`, `Apartment 4B`) or left out. */
  apartmentVariants?: number;
  /** The phone of another household member instead of one's own. */
  sharedHouseholdPhone?: number;
}

/** A kind of {@link PeopleNoise}. */
export type PersonNoiseKind = keyof PeopleNoise;

/** Who a synthetic person really is. */
export interface PersonTruth {
  /** The voter's index in the population, or `null` for a person who is not registered. */
  voterIndex: number | null;
  /** The voter's state id, or `null`. */
  stateVoterId: string | null;
  /** The noise applied to this person (only kinds that changed something). */
  noise: PersonNoiseKind[];
}

/** A person as a sign-up sheet has them. A blank string means the sheet has no value. */
export interface SyntheticPerson {
  /** First name as written. */
  givenName: string;
  /** Last name as written. */
  familyName: string;
  /** Middle name, or blank. */
  additionalName: string;
  /** A synthetic address at `example.org`, `example.com` or `example.net`; unique per person. */
  email: string;
  /** As typed: `(919) 555-0142`, `919-555-0142`, `9195550142` or `+1 919 555 0142`. */
  phone: string;
  /** `123 N Main St Apt 4B`. */
  street: string;
  /** City, display case. */
  city: string;
  /** Two-letter state. */
  state: string;
  /** 5-digit ZIP. */
  zip: string;
  /** `YYYY-MM-DD`, `YYYY` (birth year only), or blank. */
  birthdate: string;
  /** Who this really is. */
  truth: PersonTruth;
}

/** Options of {@link generatePeople}. */
export interface GeneratePeopleOptions {
  /** Seed of the people (the population's seed decides the voters). */
  seed: number;
  /** How many people. */
  count: number;
  /**
   * Share of people who are voters of the population. Default 0.85. Registered people are distinct voters
   * (present in the population) until `count` exceeds the population.
   */
  registeredShare?: number;
  /** How people differ from the file; none by default. */
  noise?: PeopleNoise;
}

const NOISE_KINDS: readonly PersonNoiseKind[] = [
  "nicknames",
  "typos",
  "transposedNames",
  "moved",
  "missingBirthdate",
  "birthYearOnly",
  "missingMiddle",
  "accentsStripped",
  "apartmentVariants",
  "sharedHouseholdPhone",
];

const DOMAINS = ["example.org", "example.com", "example.net"] as const;
const STREAM = { person: 0x70, noise: 0x71 } as const;

/** The phone as a person might type it. */
function typedPhone(digits: string, rng: Rng): string {
  const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
  switch (rng.int(4)) {
    case 0:
      return `(${a}) ${b}-${c}`;
    case 1:
      return `${a}-${b}-${c}`;
    case 2:
      return digits;
    default:
      return `+1 ${a} ${b} ${c}`;
  }
}

/** A unique synthetic email: letters of the name, the person's number, a reserved example domain. */
function emailOf(given: string, family: string, key: number, rng: Rng): string {
  const letters = (text: string) =>
    stripAccents(text)
      .toLowerCase()
      .replace(/[^a-z]/gu, "");
  const g = letters(given) || "voter";
  const f = letters(family) || "person";
  const local = rng.chance(0.5) ? `${g}.${f}${key}` : `${g[0]}${f}${key}`;
  return `${local}@${rng.pick(DOMAINS)}`;
}

/** Another way to write the unit of an address (`APT 4B`), or none; `undefined` when there is no unit. */
function apartmentVariant(home: SyntheticAddress, rng: Rng): string | undefined {
  if (home.unit === "") return undefined;
  const street = displayCase(home.street);
  const number = home.unitNumber;
  const variants = [
    `${street} #${number}`,
    `${street} Unit ${number}`,
    `${street} Apt. ${number}`,
    `${street}, Apartment ${number}`,
    street,
  ].filter((variant) => variant.toUpperCase() !== home.line1);
  return rng.pick(variants);
}

function requireRate(name: string, value: number | undefined, fallback: number): number {
  const rate = value ?? fallback;
  if (!(rate >= 0 && rate <= 1)) throw new ConfigError(`${name} must be between 0 and 1, got ${rate}`);
  return rate;
}

/**
 * Sign-up-sheet people with their truth. Lazy: each person is computed when iterated, so 100,000 people
 * against a population of millions take no memory beyond one person.
 *
 * Without noise a registered person is written exactly as the file has them (display case, full birth
 * date, the file's phone or, when the file has none, a phone no voter has), so every difference from the
 * file is one the noise options asked for and {@link PersonTruth.noise} lists.
 *
 * @param population - The voters.
 * @param options - Seed, count, registered share and noise.
 * @returns The people, in a fixed order for a given seed.
 * @throws `ConfigError` (`invalid_config`) for a rate outside `[0, 1]` or a negative count.
 * @example
 * ```ts
 * for (const person of generatePeople(population, { seed: 3, count: 1000, noise: { nicknames: 0.2 } })) {
 *   person.truth.voterIndex; // 41872, or null for someone not in the file
 * }
 * ```
 */
export function* generatePeople(
  population: SyntheticPopulation,
  options: GeneratePeopleOptions,
): Generator<SyntheticPerson> {
  const { seed, count } = options;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new ConfigError(`count must be a non-negative integer, got ${count}`);
  const registeredShare = requireRate("registeredShare", options.registeredShare, 0.85);
  const rates = Object.fromEntries(
    NOISE_KINDS.map((kind) => [kind, requireRate(`noise.${kind}`, options.noise?.[kind], 0)]),
  ) as Record<PersonNoiseKind, number>;
  const order = population.size > 0 ? new AffinePermutation(population.size, seed ^ 0x7065) : undefined;
  // People who are not registered: voters of a population nobody imports.
  let strangers: SyntheticPopulation | undefined;
  let nextVoter = 0;

  for (let key = 0; key < count; key++) {
    const rng = rngFor(seed, key, STREAM.person);
    let voter: SyntheticVoter | undefined;
    if (order !== undefined && rng.chance(registeredShare)) {
      // Walk the permutation past voters no longer in the file; give up after one full lap.
      for (let step = 0; step < population.size && voter === undefined; step++) {
        const index = order.apply(nextVoter++ % population.size);
        if (population.has(index)) voter = population.voterAt(index);
      }
    }
    const registered = voter !== undefined;
    if (voter === undefined) {
      strangers ??= createSyntheticPopulation({
        ...population.options,
        seed: hash3(population.seed, seed, 0x5e),
        voters: Math.max(count, 1),
      });
      voter = strangers.voterAt(key);
    }
    yield personOf(population, voter, registered, key, seed, rates, rng);
  }
}

function personOf(
  population: SyntheticPopulation,
  voter: SyntheticVoter,
  registered: boolean,
  key: number,
  seed: number,
  rates: Readonly<Record<PersonNoiseKind, number>>,
  rng: Rng,
): SyntheticPerson {
  const noise: PersonNoiseKind[] = [];
  const draw = rngFor(seed, key, STREAM.noise);
  // One decision per kind, always drawn, so that changing one rate does not reshuffle the others.
  const applies = Object.fromEntries(NOISE_KINDS.map((kind) => [kind, draw.next() < rates[kind]])) as Record<
    PersonNoiseKind,
    boolean
  >;

  let givenName = voter.givenName;
  let familyName = voter.familyName;
  let additionalName = voter.middleName;
  let birthdate = voter.birthdate;
  // Someone not in the file lives at an address of the population's own geography.
  let home = registered ? voter.residence : population.freshAddress(hash3(seed, key, 0x75) % 2 ** 30).address;
  let street = displayCase(home.line1);
  // The file's phone when it has one; otherwise a number that is nobody's in the file.
  let phoneDigits = registered && voter.phone !== null ? voter.phone : population.freshPhone(key % 1_000_000);

  if (applies.nicknames) {
    const nicknames = nicknamesOf(givenName);
    if (nicknames.length > 0) {
      givenName = draw.pick(nicknames);
      noise.push("nicknames");
    }
  }
  if (applies.accentsStripped) {
    const stripped = [givenName, familyName, additionalName].map(stripAccents);
    if (stripped.join("|") !== [givenName, familyName, additionalName].join("|")) {
      [givenName, familyName, additionalName] = stripped as [string, string, string];
      noise.push("accentsStripped");
    }
  }
  if (applies.typos) {
    if (draw.chance(0.6)) familyName = typo(familyName, draw);
    else givenName = typo(givenName, draw);
    noise.push("typos");
  }
  if (applies.transposedNames) {
    [givenName, familyName] = [familyName, givenName];
    noise.push("transposedNames");
  }
  if (applies.missingMiddle && additionalName !== "") {
    additionalName = "";
    noise.push("missingMiddle");
  }
  if (applies.missingBirthdate) {
    birthdate = "";
    noise.push("missingBirthdate");
  } else if (applies.birthYearOnly) {
    birthdate = birthdate.slice(0, 4);
    noise.push("birthYearOnly");
  }
  if (applies.moved) {
    home = population.freshAddress(hash3(seed, key, 0x6d) % 2 ** 30).address;
    street = displayCase(home.line1);
    noise.push("moved");
  } else if (applies.apartmentVariants) {
    const variant = apartmentVariant(home, draw);
    if (variant !== undefined) {
      street = variant;
      noise.push("apartmentVariants");
    }
  }
  if (applies.sharedHouseholdPhone && registered) {
    const other = population
      .household(voter.index)
      .filter((member) => member !== voter.index)
      .map((member) => population.voterAt(member).phone)
      .find((phone): phone is string => phone !== null && phone !== phoneDigits);
    if (other !== undefined) {
      phoneDigits = other;
      noise.push("sharedHouseholdPhone");
    }
  }

  return {
    givenName,
    familyName,
    additionalName,
    email: emailOf(givenName, familyName, key, rng),
    phone: typedPhone(phoneDigits, rng),
    street,
    city: displayCase(home.city),
    state: voter.state,
    zip: home.zip,
    birthdate,
    truth: {
      voterIndex: registered ? voter.index : null,
      stateVoterId: registered ? voter.stateVoterId : null,
      noise,
    },
  };
}
