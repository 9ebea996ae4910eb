/**
 * The built-in "new and infrequent voters" universe.
 *
 * @module
 */
import { InvalidInputError, type SegmentFilter } from "@precinct/core";

/** Options of {@link newAndInfrequentVoters}. */
export interface NewAndInfrequentOptions {
  /**
   * "New" means registered within this many months (counted back from the day the segment runs). Default:
   * registered on or after the day of the organization's most recent general election, i.e. too late to vote
   * in it.
   */
  months?: number;
  /** How many recent general elections "infrequent" looks at. Default 4. */
  lastGenerals?: number;
  /** The most of those a voter may have voted in and still be "infrequent". Default 1. */
  atMost?: number;
}

/**
 * A segment filter for new and infrequent voters: active or inactive registrations (never removed, denied
 * or temporary) that are **new** — registered in the last `months` months, or by default since the last
 * general election — **or infrequent** — voted in at most 1 of the organization's last 4 general elections.
 *
 * "Of the last 4 they could vote in" needs no extra condition: a voter can only have ballots in elections
 * they could vote in, so counting their ballots among the last four generals counts them among the
 * eligible ones. Voters without history (new registrants, or a file imported without history) count as
 * infrequent.
 *
 * The filter is relative ("since the last general", "the last 4"), so a saved segment stays right after the
 * next election is imported. Combine it with geography or contactability:
 *
 * @example
 * ```ts
 * const filter = { all: [newAndInfrequentVoters(), { precinct: ["P1", "P2"] }, { phone: { lineType: "mobile", consent: "notOptedOut" } }] };
 * const segment = await precinct.segments.create({ name: "New & infrequent, P1–P2, textable", filter });
 * ```
 *
 * @param options - See {@link NewAndInfrequentOptions}.
 * @returns The filter (validated by `segments.create()`, `count()` and `members()` like any other).
 */
export function newAndInfrequentVoters(options: NewAndInfrequentOptions = {}): SegmentFilter {
  const { months, lastGenerals = 4, atMost = 1 } = options;
  const positive = (field: string, value: number | undefined, minimum: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < minimum)) {
      throw new InvalidInputError({ field, value, reason: `must be an integer of at least ${minimum}` });
    }
  };
  positive("months", months, 1);
  positive("lastGenerals", lastGenerals, 1);
  positive("atMost", atMost, 0);
  return {
    status: ["active", "inactive"],
    any: [
      { registeredSince: months === undefined ? { lastElection: "general" } : { months } },
      { voted: { type: "general", last: lastGenerals, atMost } },
    ],
  };
}
