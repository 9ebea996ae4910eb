/**
 * Weekly refreshes: the same state file a week later, with known changes, so that an importer's
 * "what changed since last week" logic can be tested against the truth.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import { ConfigError } from "@precinct/core";
import { isoDate } from "./elections.js";
import { createSyntheticPopulation, type SyntheticPopulation, type SyntheticVoter } from "./population.js";
import { rngFor, uniform } from "./random.js";

/** Options of {@link nextWeek}. Rates are shares of the voters present in the previous week. */
export interface WeeklyChangeOptions {
  /** Seed of this week's changes (the population's seed still decides who everybody is). */
  seed: number;
  /** Share of voters who moved: new residential address (possibly in another county), no mailing address. */
  moved?: number;
  /** Share of voters removed from the file: their rows disappear. */
  removed?: number;
  /** Share of voters whose status changed (active → inactive or removed, anything else → active). */
  statusChanges?: number;
  /** How many new registrants to add, as a count; they get the next indexes and registered this week. */
  newRegistrants?: number;
}

/** What changed, by voter index (ascending). Each present voter is in at most one list. */
export interface WeeklyChanges {
  /** Voters with a new residential address. */
  moved: number[];
  /** Voters no longer in the file. */
  removed: number[];
  /** Voters with a new status. */
  statusChanged: number[];
  /** New registrants: indexes `previous.size … population.size - 1`. */
  added: number[];
}

/** The next week's population and the truth of what changed. */
export interface WeeklyRefresh extends WeeklyChanges {
  /** The population a week later; `asOf` is seven days on, `week` one more. */
  population: SyntheticPopulation;
}

type Change = "moved" | "removed" | "status";

const STREAM = { change: 0x11, move: 0x12, status: 0x13, added: 0x14 } as const;
const DAY = 86_400_000;

/** The status a voter changes to: active voters go inactive (or removed), everyone else back to active. */
function nextStatus(voter: SyntheticVoter, u: number): VoterStatus {
  if (voter.status !== "active") return "active";
  // Washington's extract lists only active and inactive voters.
  return voter.state === "WA" || u < 0.7 ? "inactive" : "removed";
}

const REASONS: Partial<Record<VoterStatus, readonly [string, string]>> = {
  active: ["AV", "VERIFIED"],
  inactive: ["IN", "CONFIRMATION NOT RETURNED"],
  removed: ["RL", "MOVED FROM COUNTY"],
};

function requireRate(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new ConfigError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

/**
 * The same population a week later. Every voter of the previous week is kept as they were, except the
 * share that moved, was removed or changed status; new registrants are added after the last index. Works
 * on any population, including one that is itself a refresh, so a test can chain weeks.
 *
 * Walks the previous week's index space once to decide who changed (a hash per voter: about 100 ms per
 * million), and keeps only the changed indexes.
 *
 * @param previous - Last week's population.
 * @param options - This week's seed and change rates.
 * @returns This week's population and the indexes that changed.
 * @example
 * ```ts
 * const week1 = createSyntheticPopulation({ seed: 1, voters: 10_000 });
 * const { population: week2, moved, removed, added } = nextWeek(week1, {
 *   seed: 2, moved: 0.01, removed: 0.005, statusChanges: 0.01, newRegistrants: 120,
 * });
 * week2.has(removed[0]!); // false
 * ```
 */
export function nextWeek(previous: SyntheticPopulation, options: WeeklyChangeOptions): WeeklyRefresh {
  const { seed } = options;
  const moved = requireRate("moved", options.moved ?? 0);
  const removed = requireRate("removed", options.removed ?? 0);
  const statusChanges = requireRate("statusChanges", options.statusChanges ?? 0);
  if (moved + removed + statusChanges > 1) throw new ConfigError("moved + removed + statusChanges exceeds 1");
  const newRegistrants = options.newRegistrants ?? 0;
  if (!Number.isSafeInteger(newRegistrants) || newRegistrants < 0) {
    throw new ConfigError(`newRegistrants must be a non-negative integer, got ${newRegistrants}`);
  }

  const changes = new Map<number, Change>();
  const truth: WeeklyChanges = { moved: [], removed: [], statusChanged: [], added: [] };
  for (let index = 0; index < previous.size; index++) {
    if (!previous.has(index)) continue;
    const u = uniform(seed, index, STREAM.change);
    if (u < removed) {
      changes.set(index, "removed");
      truth.removed.push(index);
    } else if (u < removed + moved) {
      changes.set(index, "moved");
      truth.moved.push(index);
    } else if (u < removed + moved + statusChanges) {
      changes.set(index, "status");
      truth.statusChanged.push(index);
    }
  }

  const size = previous.size + newRegistrants;
  for (let index = previous.size; index < size; index++) truth.added.push(index);
  // New registrants are who a bigger population of the same options has at those indexes.
  const grown =
    newRegistrants === 0 ? undefined : createSyntheticPopulation({ ...previous.options, voters: size });
  const asOfDay = Math.floor(Date.parse(`${previous.asOf}T00:00:00Z`) / DAY) + 7;
  const asOf = isoDate(new Date(asOfDay * DAY));

  const has = (index: number): boolean =>
    index >= previous.size
      ? Number.isInteger(index) && index < size
      : previous.has(index) && changes.get(index) !== "removed";

  function voterAt(index: number): SyntheticVoter {
    if (index >= previous.size) {
      if (grown === undefined || !Number.isInteger(index) || index >= size) {
        throw new RangeError(`voter index ${index} is outside [0, ${size})`);
      }
      const rng = rngFor(seed, index, STREAM.added);
      const voter = grown.voterAt(index);
      return {
        ...voter,
        registrationDate: isoDate(new Date((asOfDay - rng.int(7)) * DAY)),
        status: "active",
        statusReasonCode: "AN",
        statusReason: "UNVERIFIED NEW",
      };
    }
    const voter = previous.voterAt(index);
    const change = changes.get(index);
    if (change === "moved") {
      const { precinct, address } = previous.freshAddress(
        Math.floor(uniform(seed, index, STREAM.move) * 2 ** 31),
      );
      const county = previous.counties[precinct.county];
      return {
        ...voter,
        residence: address,
        mailing: null,
        precinct: precinct.index,
        precinctCode: precinct.code,
        precinctName: precinct.name,
        countyCode: county?.code ?? voter.countyCode,
        countyName: county?.name ?? voter.countyName,
        districts: precinct.districts,
        household: index,
      };
    }
    if (change === "status") {
      const status = nextStatus(voter, uniform(seed, index, STREAM.status));
      const [statusReasonCode, statusReason] = REASONS[status] ?? ["", ""];
      return { ...voter, status, statusReasonCode, statusReason };
    }
    return voter;
  }

  const population: SyntheticPopulation = {
    seed: previous.seed,
    state: previous.state,
    asOf,
    size,
    week: previous.week + 1,
    options: Object.freeze({ ...previous.options, voters: size }),
    counties: previous.counties,
    precincts: previous.precincts,
    elections: previous.elections,
    has,
    voterAt,
    participation(index) {
      if (index < previous.size) return previous.participation(index);
      // New registrants registered after every election of the calendar; voterAt checks the index.
      voterAt(index);
      return [];
    },
    household(index) {
      if (index >= previous.size || changes.get(index) === "moved") {
        voterAt(index);
        return [index];
      }
      return previous.household(index).filter((member) => has(member) && changes.get(member) !== "moved");
    },
    indexOf(stateVoterId) {
      const index = previous.indexOf(stateVoterId) ?? grown?.indexOf(stateVoterId);
      return index !== undefined && has(index) ? index : undefined;
    },
    *voters(range = {}) {
      const end = Math.min(size, range.end ?? size);
      for (let index = Math.max(0, range.start ?? 0); index < end; index++) {
        if (has(index)) yield voterAt(index);
      }
    },
    freshAddress: (key) => previous.freshAddress(key),
    freshPhone: (key) => previous.freshPhone(key),
  };
  return { population, ...truth };
}
