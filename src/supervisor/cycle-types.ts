import type { WeightSelection } from '../scoring/types.js';

/** Miners that reported this cycle out of those with a commitment to report on. */
export interface CycleCoverage {
  readonly reported: number;
  readonly expected: number;
  /** reported / expected; 1 when nobody has a commitment (there is nothing to miss). */
  readonly ratio: number;
}

/** What one cycle hands to the weight committer. */
export interface CycleScores {
  readonly interval: string;
  readonly selection: WeightSelection;
  /** Every uid of the metagraph at scoring time. */
  readonly neurons: readonly number[];
  readonly computedAt: Date;
  /** How complete the data behind these scores is; the committer gates on it (absent: complete). */
  readonly coverage?: CycleCoverage;
}

export interface CycleSummary {
  readonly interval: string;
  readonly result: 'ok' | 'partial' | 'failed';
  readonly block: number | null;
  readonly miners: number;
  readonly actors: number;
  readonly reported: number;
  readonly timedOut: number;
  /** Miners still collecting at the deadline; their results count when they land. */
  readonly timedOutUids: readonly number[];
  readonly coverage: CycleCoverage;
  readonly submissions: { readonly accepted: number; readonly rejected: number; readonly rejectedByReason: Record<string, number> };
  readonly snapshots: { readonly inserted: number; readonly matched: number; readonly buffered: number };
  readonly contested: number;
  readonly scored: boolean;
  readonly top: readonly number[];
  readonly errors: readonly string[];
  readonly durationsMs: { readonly collect: number; readonly persist: number; readonly score: number; readonly total: number };
}

/** Coverage from counts, as the committer and the summary read it. */
export function coverageOf(reported: number, expected: number): CycleCoverage {
  return { reported, expected, ratio: expected === 0 ? 1 : reported / expected };
}
