import type { CycleSummary } from '../supervisor/supervisor.js';
import type { CommitAttemptResult } from '../weights/weight-committer.js';

/** What `validate --once` prints: one cycle and one weight commit, in snake_case JSON. */
export interface OnceSummary {
  readonly network: string;
  /** The node actually used (the in-process stand-in's URL on the embedded network). */
  readonly endpoint: string;
  readonly interval: string;
  readonly cycle: CycleSummary['result'];
  readonly miners: number;
  readonly actors: number;
  readonly timed_out_uids: readonly number[];
  readonly submissions: {
    readonly accepted: number;
    readonly rejected: number;
    readonly rejected_by_reason: Record<string, number>;
  };
  readonly snapshots: { readonly written: number; readonly unchanged: number; readonly buffered: number };
  readonly weights: {
    /** Sent to the chain and included: never under --weights.dry_run, which sends nothing. */
    readonly committed: boolean;
    readonly mode: CommitAttemptResult['mode'];
    readonly uids: readonly number[];
    readonly values: readonly number[];
    readonly block: number | null;
    readonly attempts: number;
    readonly error: string | null;
  };
  readonly durations_ms: { readonly cycle: number; readonly collect: number; readonly persist: number; readonly score: number; readonly weights: number; readonly total: number };
}

/** Whether `validate --once` did what was asked: weights committed, or in a dry run, computed. */
export function onceSucceeded(summary: OnceSummary): boolean {
  return summary.weights.committed || (summary.weights.mode === 'dry_run' && summary.weights.error === null);
}

/** The cycle's and the commit's results in the shape operators and scripts read. */
export function onceSummary(input: {
  network: string;
  endpoint: string;
  cycle: CycleSummary;
  weights: CommitAttemptResult;
  weightsMs: number;
  totalMs: number;
}): OnceSummary {
  const { cycle, weights } = input;
  return {
    network: input.network,
    endpoint: input.endpoint,
    interval: cycle.interval,
    cycle: cycle.result,
    miners: cycle.miners,
    actors: cycle.actors,
    timed_out_uids: cycle.timedOutUids,
    submissions: {
      accepted: cycle.submissions.accepted,
      rejected: cycle.submissions.rejected,
      rejected_by_reason: cycle.submissions.rejectedByReason,
    },
    snapshots: { written: cycle.snapshots.inserted, unchanged: cycle.snapshots.matched, buffered: cycle.snapshots.buffered },
    weights: {
      committed: weights.ok && weights.mode !== 'dry_run',
      mode: weights.mode,
      uids: weights.uids,
      values: weights.values,
      block: weights.block,
      attempts: weights.attempts,
      error: weights.error,
    },
    durations_ms: {
      cycle: cycle.durationsMs.total,
      collect: cycle.durationsMs.collect,
      persist: cycle.durationsMs.persist,
      score: cycle.durationsMs.score,
      weights: Math.round(input.weightsMs),
      total: Math.round(input.totalMs),
    },
  };
}
