/**
 * Deltas of the validator's own prom-client instruments over one cycle, so figures describe that
 * cycle and not the process's life so far (Piscina's `utilization` is a since-start average).
 */
import type { Counter, Histogram } from 'prom-client';

export interface HistogramSeries {
  /** Upper bounds (seconds) with cumulative counts, ascending; the last is +Inf. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  readonly sum: number;
  readonly count: number;
}

/** label value → series, for a histogram with one label. */
export type HistogramState = ReadonlyMap<string, HistogramSeries>;

export async function histogramState(histogram: Histogram<string>, label: string): Promise<HistogramState> {
  const { values } = await histogram.get();
  const out = new Map<string, { buckets: Array<[number, number]>; sum: number; count: number }>();
  for (const v of values) {
    const key = String(v.labels[label] ?? '');
    let series = out.get(key);
    if (!series) out.set(key, (series = { buckets: [], sum: 0, count: 0 }));
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_bucket')) series.buckets.push([v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']), v.value]);
    else if (name.endsWith('_sum')) series.sum = v.value;
    else if (name.endsWith('_count')) series.count = v.value;
  }
  for (const s of out.values()) s.buckets.sort((a, b) => a[0] - b[0]);
  return out;
}

/** What happened between two readings of the same histogram. */
export function histogramDelta(before: HistogramState, after: HistogramState): HistogramState {
  const out = new Map<string, HistogramSeries>();
  for (const [key, a] of after) {
    const b = before.get(key);
    const prior = new Map(b?.buckets ?? []);
    out.set(key, {
      buckets: a.buckets.map(([le, n]) => [le, n - (prior.get(le) ?? 0)] as const),
      sum: a.sum - (b?.sum ?? 0),
      count: a.count - (b?.count ?? 0),
    });
  }
  return out;
}

/**
 * The q-quantile of a bucketed series by linear interpolation inside the bucket, as PromQL's
 * histogram_quantile does; null without observations.
 */
export function bucketQuantile(series: HistogramSeries, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be within [0, 1], got ${q}`);
  if (series.count <= 0 || series.buckets.length === 0) return null;
  const rank = q * series.count;
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of series.buckets) {
    if (cumulative >= rank) {
      // Nothing is known above the last finite bound: answer that bound.
      if (le === Infinity) return lower;
      const inBucket = cumulative - below;
      return inBucket <= 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = cumulative;
  }
  return lower;
}

export async function counterTotal(counter: Counter<string>): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((s, v) => s + v.value, 0);
}

/** Share of `threads × wallSeconds` spent running tasks, from the run-time histogram's sum. */
export function poolUtilization(runDelta: HistogramState, threads: number, wallSeconds: number): number {
  if (threads <= 0 || wallSeconds <= 0) return 0;
  let busy = 0;
  for (const s of runDelta.values()) busy += s.sum;
  return busy / (threads * wallSeconds);
}
