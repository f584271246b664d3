import type { CycleCoverage } from '../scoring/cycle-types.js';
import type { Logger } from '../log.js';

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

/** The one line an operator reads per cycle, with its figures as fields. */
export function logCycle(log: Pick<Logger, 'info'>, summary: CycleSummary): void {
  const { interval, result, coverage, submissions, snapshots, top, timedOutUids } = summary;
  const ms = summary.durationsMs.total;
  log.info(
    {
      result,
      miners: summary.miners,
      reported: summary.reported,
      timedOut: summary.timedOut,
      timedOutUids,
      coverage: coverage.ratio,
      accepted: submissions.accepted,
      rejected: submissions.rejected,
      snapshots: snapshots.inserted,
      buffered: snapshots.buffered,
      top,
      ms,
    },
    `cycle ${interval}: ${summary.reported}/${summary.actors} miners, ${submissions.accepted} accepted, ${submissions.rejected} rejected, ` +
      `${snapshots.inserted} snapshots, top ${top.join(',') || '-'} in ${(ms / 1000).toFixed(1)} s`,
  );
}
