/**
 * The sweep's run order and its time estimates. Trials are interleaved (every combination once,
 * then every combination again, alternate passes reversed) so a burst of load from elsewhere on
 * the machine spreads over all combinations instead of spoiling one.
 */
import type { SweepArgs } from './args.js';

export interface Combination {
  readonly miners: number;
  readonly submissions: number;
  readonly pool: number;
  readonly batch: number;
}

export interface PlannedRun extends Combination {
  /** 1-based position in the whole sweep. */
  readonly index: number;
  /** 1-based trial of this combination. */
  readonly trial: number;
  readonly key: string;
}

export const combinationKey = (c: Combination): string => `m${c.miners}-s${c.submissions}-p${c.pool}-b${c.batch}`;

/** Every combination, workload-major (miners, then submissions), then pool and batch size. */
export function combinations(args: Pick<SweepArgs, 'miners' | 'submissions' | 'pools' | 'batch'>): Combination[] {
  const out: Combination[] = [];
  for (const miners of args.miners)
    for (const submissions of args.submissions)
      for (const pool of args.pools) for (const batch of args.batch) out.push({ miners, submissions, pool, batch });
  return out;
}

export function planRuns(args: Pick<SweepArgs, 'miners' | 'submissions' | 'pools' | 'batch' | 'trials'>): PlannedRun[] {
  const combos = combinations(args);
  const runs: PlannedRun[] = [];
  for (let trial = 1; trial <= args.trials; trial++) {
    const pass = trial % 2 === 1 ? combos : [...combos].reverse();
    for (const c of pass) runs.push({ ...c, trial, index: runs.length + 1, key: combinationKey(c) });
  }
  return runs;
}

/**
 * Seconds a run is expected to take: its combination's mean so far, else the mean seconds per
 * submission of every finished run times its submissions, else `fallbackPerSubmission`.
 */
export function estimateRunSeconds(
  run: Combination,
  done: ReadonlyArray<{ readonly key: string; readonly seconds: number; readonly totalSubmissions: number }>,
  fallbackPerSubmission = 0.002,
): number {
  const key = combinationKey(run);
  const same = done.filter((d) => d.key === key);
  if (same.length > 0) return same.reduce((s, d) => s + d.seconds, 0) / same.length;
  const work = run.miners * run.submissions;
  const seconds = done.reduce((s, d) => s + d.seconds, 0);
  const submissions = done.reduce((s, d) => s + d.totalSubmissions, 0);
  const perSubmission = submissions > 0 ? seconds / submissions : fallbackPerSubmission;
  // Set-up (scenario keys, processes) costs about 10 s whatever the size.
  return submissions > 0 ? perSubmission * work : 10 + perSubmission * work;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}
