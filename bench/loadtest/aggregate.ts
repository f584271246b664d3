/**
 * Rows of the same combination folded into one point: the median over trials of every figure,
 * so one disturbed trial on a shared machine does not move the curve.
 */
import type { ResultRow } from './rows.js';

export interface Aggregate {
  readonly key: string;
  readonly miners: number;
  readonly submissions: number;
  readonly pool: number;
  readonly batch: number;
  readonly trials: number;
  readonly failed: number;
  readonly warmThroughput: number | null;
  readonly coldSeconds: number | null;
  readonly warmSeconds: number | null;
  readonly mainElu: number | null;
  readonly poolUtil: number | null;
  readonly validatorCores: number | null;
  readonly machineBusy: number | null;
  readonly machineSteal: number | null;
  readonly machineIdle: number | null;
  readonly rssMib: number | null;
  readonly heapUsedMib: number | null;
  readonly externalPer1k: number | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function aggregate(rows: readonly ResultRow[]): Aggregate[] {
  const groups = new Map<string, ResultRow[]>();
  for (const r of rows) {
    if (r.status === 'skipped') continue;
    const key = `m${r.miners}-s${r.submissions}-p${r.pool}-b${r.batch}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Aggregate[] = [];
  for (const [key, group] of groups) {
    const ok = group.filter((r) => r.status === 'ok');
    const med = (pick: (r: ResultRow) => number | null): number | null => median(ok.map(pick).filter((v): v is number => v !== null));
    const first = group[0]!;
    out.push({
      key,
      miners: first.miners,
      submissions: first.submissions,
      pool: first.pool,
      batch: first.batch,
      trials: ok.length,
      failed: group.length - ok.length,
      warmThroughput: med((r) => r.warm_throughput),
      coldSeconds: med((r) => r.cold_s),
      warmSeconds: med((r) => r.warm_s),
      mainElu: med((r) => r.main_elu),
      poolUtil: med((r) => r.pool_util),
      validatorCores: med((r) => r.validator_cores),
      machineBusy: med((r) => r.machine_busy),
      machineSteal: med((r) => r.machine_steal),
      machineIdle: med((r) => r.machine_idle),
      rssMib: med((r) => r.rss_mib),
      heapUsedMib: med((r) => r.heap_used_mib),
      externalPer1k: med((r) => r.external_requests_per_1k),
    });
  }
  return out.sort((a, b) => a.miners - b.miners || a.submissions - b.submissions || a.pool - b.pool || a.batch - b.batch);
}

/** Per workload (`<miners>x<submissions>`), the batch size with the highest warm throughput. */
export function bestBatchByWorkload(aggregates: readonly Aggregate[]): Map<string, number> {
  const best = new Map<string, Aggregate>();
  for (const a of aggregates) {
    if (a.warmThroughput === null) continue;
    const w = `${a.miners}x${a.submissions}`;
    const seen = best.get(w);
    // Compare at equal footing: mean over pool sizes would be fairer but needs every cell; the
    // highest single point picks the batch that lets the best pool size shine.
    if (!seen || a.warmThroughput > seen.warmThroughput!) best.set(w, a);
  }
  return new Map([...best].map(([w, a]) => [w, a.batch]));
}
