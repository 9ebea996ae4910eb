/**
 * The matching loop shared by {@link matchRecords} and {@link matchPeople}: for a chunk of prepared
 * people, search candidates stage by stage, score them, and decide.
 *
 * @module
 */

import type { Precinct } from "@precinct/core";
import { CandidateSearch, type SearchStage } from "./candidates.js";
import {
  type Decision,
  decide,
  type MatchCandidate,
  type MatchThresholds,
  rank,
  resolveThresholds,
} from "./decide.js";
import { scoreSubject } from "./score.js";
import { loadMatchStats, type MatchStats } from "./stats.js";
import type { MatchSubject, MatchVoter } from "./subject.js";

/** Options every matching entry point accepts. */
export interface MatcherOptions extends MatchThresholds {
  /** Only voters registered in this state (two letters). Default: every state in the file. */
  state?: string;
  /** Voter-file frequencies from {@link loadMatchStats}; loaded once per call when absent. */
  stats?: MatchStats;
  /** Candidates kept per result, best first. Default 5. */
  candidates?: number;
  /** People matched together: their lookups are batched. Default 500. */
  chunkSize?: number;
  /** Lookups in flight at once. Default 8. */
  concurrency?: number;
}

/** What the matcher found for one subject. */
export interface SubjectMatch extends Decision {
  /** The best candidates, best first, at most `candidates` of them. */
  candidates: MatchCandidate[];
}

const STAGES: readonly SearchStage[] = ["located", "named", "fuzzy"];

/** @internal Matches chunks of prepared subjects against one organization's voters. */
export class Matcher {
  readonly thresholds: Required<MatchThresholds>;
  readonly chunkSize: number;
  readonly #keep: number;
  readonly #precinct: Precinct;
  readonly #options: MatcherOptions;
  #stats: MatchStats | undefined;
  #search: CandidateSearch | undefined;

  constructor(precinct: Precinct, options: MatcherOptions = {}) {
    this.thresholds = resolveThresholds(options);
    this.chunkSize = Math.max(1, options.chunkSize ?? 500);
    this.#keep = Math.max(1, options.candidates ?? 5);
    this.#precinct = precinct;
    this.#options = options;
    this.#stats = options.stats;
  }

  /** The voter-file frequencies in use (loaded on first use). */
  async stats(): Promise<MatchStats> {
    this.#stats ??= await loadMatchStats(this.#precinct);
    return this.#stats;
  }

  /**
   * Matches one chunk.
   *
   * @param subjects - Prepared people.
   * @param excluded - Voter ids never to propose, per subject (pairs a person rejected).
   * @returns Per subject, in order: the decision and the best candidates.
   */
  async match(
    subjects: readonly MatchSubject[],
    excluded: readonly (ReadonlySet<string> | undefined)[] = [],
  ): Promise<SubjectMatch[]> {
    const stats = await this.stats();
    this.#search ??= new CandidateSearch(this.#precinct, stats, {
      ...(this.#options.state !== undefined ? { state: this.#options.state } : {}),
      ...(this.#options.concurrency !== undefined ? { concurrency: this.#options.concurrency } : {}),
    });
    const found = subjects.map(() => new Map<string, MatchCandidate>());
    const notes = subjects.map((): string[] => []);
    const decisions: (Decision | undefined)[] = subjects.map(() => undefined);
    let pending = subjects.map((_, index) => index);
    for (const stage of STAGES) {
      if (pending.length === 0) break;
      const results = await this.#search.search(
        stage,
        pending.map((index) => subjects[index]!),
      );
      pending.forEach((index, position) => {
        const result = results[position]!;
        notes[index]!.push(...result.notes);
        for (const voter of result.voters)
          this.#add(found[index]!, subjects[index]!, voter, stats, excluded[index]);
        decisions[index] = decide([...found[index]!.values()], this.thresholds);
      });
      pending = pending.filter((index) => decisions[index]!.decision !== "linked");
    }
    return subjects.map((_, index) => {
      const decision = decisions[index] ?? decide([], this.thresholds);
      return {
        ...decision,
        notes: [...decision.notes, ...notes[index]!],
        candidates: rank([...found[index]!.values()]).slice(0, this.#keep),
      };
    });
  }

  #add(
    found: Map<string, MatchCandidate>,
    subject: MatchSubject,
    voter: MatchVoter,
    stats: MatchStats,
    excluded: ReadonlySet<string> | undefined,
  ): void {
    if (found.has(voter.id) || excluded?.has(voter.id)) return;
    found.set(voter.id, {
      voterId: voter.id,
      state: voter.state,
      stateVoterId: voter.stateVoterId,
      personId: voter.personId,
      ...scoreSubject(subject, voter, stats),
    });
  }
}

/** Reads any iterable in arrays of `size`. */
export async function* chunksOf<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
