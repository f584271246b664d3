import type { PlannedRun } from '../../bench/loadtest/plan.js';
import type { RunOutcome } from '../../bench/loadtest/run-combination.js';
import type { CycleFigures } from '../../bench/loadtest/run-types.js';
import { buildRow, type ResultRow } from '../../bench/loadtest/rows.js';

export function cycle(seconds: number, submissions: number, extra: Partial<CycleFigures> = {}): CycleFigures {
  return {
    seconds,
    submissions,
    throughput: submissions / seconds,
    result: 'ok',
    reported: 256,
    actors: 256,
    timedOut: 0,
    snapshotsInserted: submissions,
    durationsMs: { collect: seconds * 600, persist: seconds * 300, score: seconds * 50, total: seconds * 1000 },
    cpuMs: { total: seconds * 1500, pre: 10, collect: seconds * 900, persist: seconds * 400, score: seconds * 100 },
    mainThreadElu: 0.8,
    poolUtilization: 0.4,
    poolWaitSeconds: 0.25,
    poolTasks: 40,
    stages: { gist: { count: 256, p50Ms: 12.5, p95Ms: 40 }, verify: { count: 240, p50Ms: 30, p95Ms: 90 } },
    externalRequests: submissions / 2,
    machine: { busy: 0.7, steal: 0.25, idle: 0.05 },
    ...extra,
  };
}

export function outcome(warmSeconds: number, submissions: number, rssMib = 400): RunOutcome {
  return {
    result: {
      cold: cycle(warmSeconds * 1.5, submissions, { stages: { ai: { count: submissions, p50Ms: 850, p95Ms: 2400 } } }),
      warm: cycle(warmSeconds, submissions),
      commit: { ok: true, ms: 800, error: null },
      memory: {
        rssBytes: rssMib * 1024 * 1024,
        peakRssBytes: (rssMib + 50) * 1024 * 1024,
        heapUsedBytes: 100 * 1024 * 1024,
        heapTotalBytes: 150 * 1024 * 1024,
        externalBytes: 10 * 1024 * 1024,
      },
    },
    standinRequests: { gist: 512 },
    setupSeconds: 4,
    seconds: warmSeconds * 3 + 4,
  };
}

export function planned(miners: number, submissions: number, pool: number, batch: number, trial = 1, index = 1): PlannedRun {
  return { miners, submissions, pool, batch, trial, index, key: `m${miners}-s${submissions}-p${pool}-b${batch}` };
}

/** A finished run whose warm throughput is `rate` submissions/s. */
export function row(miners: number, submissions: number, pool: number, batch: number, rate: number, rssMib = 400, trial = 1): ResultRow {
  const subs = miners * submissions;
  return buildRow(planned(miners, submissions, pool, batch, trial), { realAi: false, aiLatencyMs: 0 }, outcome(subs / rate, subs, rssMib));
}
