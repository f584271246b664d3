import type { CycleCoverage } from '../scoring/cycle-types.js';

export { coverageOf, type CycleCoverage, type CycleScores } from '../scoring/cycle-types.js';

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
