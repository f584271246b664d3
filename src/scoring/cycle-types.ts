import type { WeightSelection } from './types.js';

/** Miners that reported this cycle out of those with a commitment to report on. */
export interface CycleCoverage {
  readonly reported: number;
  readonly expected: number;
  /** reported / expected; 1 when nobody has a commitment (there is nothing to miss). */
  readonly ratio: number;
}

/** One cycle's scoring outcome, handed from the supervisor to the weight committer. */
export interface CycleScores {
  readonly interval: string;
  readonly selection: WeightSelection;
  /** Every uid of the metagraph at scoring time. */
  readonly neurons: readonly number[];
  readonly computedAt: Date;
  /** How complete the data behind these scores is; the committer gates on it (absent: complete). */
  readonly coverage?: CycleCoverage;
}

/** Coverage from counts, as the committer and the cycle summary read it. */
export function coverageOf(reported: number, expected: number): CycleCoverage {
  return { reported, expected, ratio: expected === 0 ? 1 : reported / expected };
}
