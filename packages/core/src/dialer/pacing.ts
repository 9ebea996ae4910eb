/**
 * Predictive pacing, as pure functions: how many lines to dial for the free volunteers of a campaign so
 * volunteers wait little, without ever letting the abandonment rate pass its cap.
 *
 * @module
 */

/** Abandonment of one campaign over the rolling window (30 days). */
export interface AbandonmentStats {
  /** Contact calls answered by a person (machines excluded; unknown counts as a person). */
  readonly answered: number;
  /** Of those, the calls no volunteer was free to take (the recorded message played instead). */
  readonly abandoned: number;
  /** `abandoned ÷ answered`, 0 when nothing was answered yet. */
  readonly rate: number;
}

/**
 * How many more lines than free volunteers may be in flight: the worst case is that every such line is
 * answered by a person and abandoned, and even then the rate must stay at or under `cap`.
 * With `A` abandoned of `H` answered and `k` extra lines all abandoned, `(A + k) / (H + k) ≤ cap` gives
 * `k ≤ (cap·H − A) / (1 − cap)`.
 *
 * @param stats - The campaign's abandonment so far (rolling window).
 * @param cap - The cap, at most 0.03.
 */
export function overdialBudget(stats: Pick<AbandonmentStats, "answered" | "abandoned">, cap: number): number {
  if (cap <= 0 || cap >= 1) return 0;
  const budget = Math.floor((cap * stats.answered - stats.abandoned) / (1 - cap) + 1e-9);
  return Math.max(0, budget);
}

/** What {@link linesToDial} looks at. */
export interface PacingInput {
  /** Volunteers in the campaign ready for a call now. */
  readonly freeVolunteers: number;
  /** Contact calls placed and not yet answered or ended. */
  readonly linesInFlight: number;
  /** Lines per free volunteer the pacer wants (from {@link adjustRatio}). */
  readonly ratio: number;
  /** Abandonment over the rolling window. */
  readonly stats: Pick<AbandonmentStats, "answered" | "abandoned">;
  /** The cap. */
  readonly cap: number;
}

/**
 * The lines to dial now: `freeVolunteers × ratio` in flight at most, and never more than the free
 * volunteers plus the {@link overdialBudget}. With no free volunteer, nothing is dialed.
 */
export function linesToDial(input: PacingInput): number {
  if (input.freeVolunteers <= 0) return 0;
  const wanted = Math.max(input.freeVolunteers, Math.floor(input.freeVolunteers * input.ratio + 1e-9));
  const allowed = input.freeVolunteers + overdialBudget(input.stats, input.cap);
  return Math.max(0, Math.min(wanted, allowed) - input.linesInFlight);
}

/**
 * The next ratio: lowered quickly (−0.25) while the measured rate is above `target`, raised slowly (+0.05)
 * toward `1 / answerRate` (enough lines that about one is answered per free volunteer) while it is below.
 *
 * @param current - The ratio now.
 * @param observed - The measured abandonment rate and, when known, the share of dials a person answers.
 * @param bounds - `maxRatio` and the `target` rate.
 */
export function adjustRatio(
  current: number,
  observed: { readonly rate: number; readonly answerRate: number | null },
  bounds: { readonly maxRatio: number; readonly target: number },
): number {
  const ceiling =
    observed.answerRate !== null && observed.answerRate > 0
      ? Math.min(bounds.maxRatio, 1 / observed.answerRate)
      : bounds.maxRatio;
  const next = observed.rate > bounds.target ? current - 0.25 : Math.min(current + 0.05, ceiling);
  return Math.round(Math.min(bounds.maxRatio, Math.max(1, next)) * 100) / 100;
}
