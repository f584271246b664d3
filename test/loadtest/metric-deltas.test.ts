import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cpuAt, stageWindows } from '../../bench/loadtest/cpu-sampler.js';
import { bucketQuantile, histogramDelta, histogramState, poolUtilization } from '../../bench/loadtest/metric-deltas.js';

describe('cycle figures from metric deltas', () => {
  it('reads a histogram, subtracts an earlier reading and takes quantiles of the rest', async () => {
    const h = new Histogram({ name: 'x_seconds', help: 'x', labelNames: ['kind'], buckets: [0.01, 0.1, 1], registers: [new Registry()] });
    h.observe({ kind: 'verify' }, 5); // before the cycle: must not count
    const before = await histogramState(h, 'kind');
    for (let i = 0; i < 8; i++) h.observe({ kind: 'verify' }, 0.05);
    h.observe({ kind: 'verify' }, 0.5);
    h.observe({ kind: 'verify' }, 0.5);
    h.observe({ kind: 'score' }, 0.005);
    const delta = histogramDelta(before, await histogramState(h, 'kind'));
    const verify = delta.get('verify')!;
    expect(verify.count).toBe(10);
    expect(verify.sum).toBeCloseTo(1.4);
    // 5 of 8 observations into the (0.01, 0.1] bucket.
    expect(bucketQuantile(verify, 0.5)).toBeCloseTo(0.01 + 0.09 * (5 / 8));
    expect(bucketQuantile(verify, 0.95)).toBeCloseTo(0.1 + 0.9 * (1.5 / 2));
    expect(delta.get('score')!.count).toBe(1);
    expect(poolUtilization(delta, 2, 1)).toBeCloseTo((1.4 + 0.005) / 2);
  });

  it('answers null without observations and the last bound for the +Inf bucket', () => {
    expect(bucketQuantile({ buckets: [[1, 0], [Infinity, 0]], sum: 0, count: 0 }, 0.5)).toBeNull();
    expect(bucketQuantile({ buckets: [[1, 0], [Infinity, 3]], sum: 9, count: 3 }, 0.5)).toBe(1);
    expect(() => bucketQuantile({ buckets: [], sum: 0, count: 0 }, 2)).toThrow(RangeError);
    expect(poolUtilization(new Map(), 0, 1)).toBe(0);
  });

  it('interpolates process CPU between samples and lays stages back from the cycle end', () => {
    const samples = [
      { at: 0, micros: 0 },
      { at: 100, micros: 50_000 },
      { at: 300, micros: 250_000 },
    ];
    expect(cpuAt(samples, 50)).toBe(25_000);
    expect(cpuAt(samples, 200)).toBe(150_000);
    expect(cpuAt(samples, 400)).toBe(250_000);
    expect(cpuAt([], 1)).toBe(0);
    expect(stageWindows(1000, 2000, { collect: 600, persist: 200, score: 100 })).toEqual({
      pre: [1000, 1100],
      collect: [1100, 1700],
      persist: [1700, 1900],
      score: [1900, 2000],
    });
  });
});
