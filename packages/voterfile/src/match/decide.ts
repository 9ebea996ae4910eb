/**
 * From scored candidates to a decision: link, send to review, or leave unmatched.
 *
 * @module
 */

import { InvalidInputError } from "@precinct/core";
import type { CandidateScore } from "./score.js";

/** What matching decided for one person. */
export type MatchDecision = "linked" | "review" | "unmatched";

/** The two thresholds of a decision. */
export interface MatchThresholds {
  /** Link when the confidence reaches this. Default {@link DEFAULT_AUTO_LINK_AT}. */
  autoLinkAt?: number;
  /** Below the link threshold, send the best candidate to review when its score reaches this. Default {@link DEFAULT_REVIEW_AT}. */
  reviewAt?: number;
}

/** Default auto-link threshold: 0.9. */
export const DEFAULT_AUTO_LINK_AT = 0.9;
/** Default review threshold: 0.7. */
export const DEFAULT_REVIEW_AT = 0.7;

/** A scored candidate voter. */
export interface MatchCandidate extends CandidateScore {
  /** Voter id. */
  voterId: string;
  /** Two-letter state of the registration. */
  state: string;
  /** State voter id (NC `ncid`). */
  stateVoterId: string;
  /** The person the voter is already linked to, if any. */
  personId: string | null;
}

/** A decision on one person's candidates. */
export interface Decision {
  /** What to do. */
  decision: MatchDecision;
  /** The proposed voter for `linked` and `review`; `null` for `unmatched`. */
  best: MatchCandidate | null;
  /**
   * Probability that `best` is the person once the other candidates are taken into account:
   * `odds(best) / (1 + Σ odds(all))`. Equals the best score when there is one candidate; two candidates
   * with the same high score each get about one half.
   */
  confidence: number;
  /** Why the decision differs from what the best score alone would say, e.g. `ambiguous: 2 candidates`. */
  notes: string[];
}

/** Reads and checks thresholds; throws `InvalidInputError` when they are out of `[0, 1]` or inverted. */
export function resolveThresholds(thresholds: MatchThresholds = {}): Required<MatchThresholds> {
  const autoLinkAt = thresholds.autoLinkAt ?? DEFAULT_AUTO_LINK_AT;
  const reviewAt = thresholds.reviewAt ?? Math.min(DEFAULT_REVIEW_AT, autoLinkAt);
  for (const [field, value] of [
    ["autoLinkAt", autoLinkAt],
    ["reviewAt", reviewAt],
  ] as const) {
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      throw new InvalidInputError({ field, value, reason: "must be a number from 0 to 1" });
    }
  }
  if (reviewAt > autoLinkAt) {
    throw new InvalidInputError({
      field: "reviewAt",
      value: reviewAt,
      reason: `exceeds autoLinkAt ${autoLinkAt}`,
    });
  }
  return { autoLinkAt, reviewAt };
}

/** The highest odds a score counts for, so a score of 1 does not make every rival vanish. */
const MAX_ODDS = 1e6;

/**
 * Decides on one person's candidates. A state voter id match links on its own (two of them go to
 * review). Otherwise the best candidate links when its {@link Decision.confidence} reaches `autoLinkAt`,
 * which rules out auto-linking one of two near-equal candidates; it goes to review when its own score
 * reaches `reviewAt`; else the person is unmatched.
 *
 * @param candidates - Scored candidates, any order.
 * @param thresholds - `autoLinkAt` and `reviewAt`.
 * @returns The decision.
 */
export function decide(candidates: readonly MatchCandidate[], thresholds: MatchThresholds = {}): Decision {
  const { autoLinkAt, reviewAt } = resolveThresholds(thresholds);
  const ranked = rank(candidates);
  const best = ranked[0];
  if (best === undefined) return { decision: "unmatched", best: null, confidence: 0, notes: [] };

  const byId = ranked.filter((candidate) => candidate.rule === "state_voter_id");
  if (byId.length === 1) return { decision: "linked", best, confidence: 1, notes: [] };
  if (byId.length > 1) {
    return {
      decision: "review",
      best,
      confidence: 1 / byId.length,
      notes: [`ambiguous: ${byId.length} voters carry the person's state voter ids`],
    };
  }

  const oddsOf = (score: number) => Math.min(MAX_ODDS, score / Math.max(1e-12, 1 - score));
  let total = 0;
  for (const candidate of ranked) total += oddsOf(candidate.score);
  const confidence = Math.round((oddsOf(best.score) / (1 + total)) * 1e6) / 1e6;
  const notes: string[] = [];
  const rivals = ranked.filter((candidate) => candidate !== best && candidate.score >= reviewAt).length;
  if (best.score >= autoLinkAt && confidence < autoLinkAt) {
    notes.push(
      rivals > 0
        ? `ambiguous: ${rivals + 1} candidates score ${reviewAt} or more`
        : "ambiguous: weaker candidates together lower the confidence",
    );
  }
  if (confidence >= autoLinkAt) return { decision: "linked", best, confidence, notes };
  if (best.score >= reviewAt) return { decision: "review", best, confidence, notes };
  return { decision: "unmatched", best: null, confidence, notes };
}

/** Highest score first; ties in state voter id order, so results never depend on query order. */
export function rank(candidates: readonly MatchCandidate[]): MatchCandidate[] {
  return [...candidates].sort(
    (a, b) =>
      b.score - a.score ||
      (a.stateVoterId < b.stateVoterId ? -1 : a.stateVoterId > b.stateVoterId ? 1 : 0) ||
      (a.voterId < b.voterId ? -1 : 1),
  );
}
