/**
 * Matching plain records (sign-up sheet rows, CRM export rows) to voters without writing anything: for
 * previews, dry runs and benchmarks.
 *
 * @module
 */

import type { Precinct } from "@precinct/core";
import type { MatchCandidate, MatchDecision } from "./decide.js";
import { chunksOf, Matcher, type MatcherOptions } from "./matcher.js";
import type { PersonLike } from "./person-like.js";
import { type PrepareOptions, prepareSubject } from "./subject.js";

/** Options of {@link matchRecords}. */
export interface MatchRecordsOptions extends MatcherOptions, PrepareOptions {}

/** The outcome for one input record. */
export interface MatchResult<P extends PersonLike = PersonLike> {
  /** The record as given. */
  input: P;
  /**
   * `linked`: the best candidate is the person with confidence at or above `autoLinkAt`; `review`: below
   * that, but the best candidate scores at least `reviewAt` (or several candidates are too close to call);
   * `unmatched`: no candidate scores `reviewAt`.
   */
  decision: MatchDecision;
  /** The proposed voter, for `linked` and `review`; `null` for `unmatched`. */
  best: MatchCandidate | null;
  /** Probability that `best` is the person, all candidates considered (see {@link Decision.confidence}). */
  confidence: number;
  /** The best-scoring candidates, best first (near misses included, for `unmatched` too). */
  candidates: MatchCandidate[];
  /** Why the decision is what it is when the best score alone does not say (ambiguity, skipped lookups). */
  notes: string[];
  /** Values of the record that could not be read and were ignored. */
  warnings: string[];
}

/**
 * Matches records to the organization's voters and yields one result per record, in input order. Writes
 * nothing. Records are processed in chunks (`chunkSize`, default 500) whose lookups are batched, so the
 * input may be a stream of any length.
 *
 * @param precinct - The client; its organization's voters are searched.
 * @param people - The records, as an array, a generator or an async iterable.
 * @param options - Thresholds (`autoLinkAt` 0.9, `reviewAt` 0.7), `state`, `stats`, ...
 * @returns The results, as an async iterable.
 * @throws `InvalidInputError` when the thresholds are out of range.
 * @example
 * ```ts
 * for await (const result of matchRecords(precinct, rows, { autoLinkAt: 0.95 })) {
 *   console.log(result.decision, result.best?.stateVoterId, result.best?.reasons);
 * }
 * ```
 */
export async function* matchRecords<P extends PersonLike>(
  precinct: Precinct,
  people: Iterable<P> | AsyncIterable<P>,
  options: MatchRecordsOptions = {},
): AsyncGenerator<MatchResult<P>> {
  const matcher = new Matcher(precinct, options);
  for await (const chunk of chunksOf(people, matcher.chunkSize)) {
    const subjects = chunk.map((person) => prepareSubject(person, options));
    const matches = await matcher.match(subjects);
    for (const [index, match] of matches.entries()) {
      yield {
        input: chunk[index]!,
        decision: match.decision,
        best: match.best,
        confidence: match.confidence,
        candidates: match.candidates,
        notes: match.notes,
        warnings: subjects[index]!.warnings,
      };
    }
  }
}
