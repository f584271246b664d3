import { describe, expect, it } from 'vitest';
import { combinationKey, combinations, estimateRunSeconds, formatDuration, planRuns } from '../../bench/loadtest/plan.js';

const args = { miners: [256, 1024], submissions: [5], pools: [1, 2], batch: [64], trials: 3 };

describe('sweep plan', () => {
  it('crosses every flag value', () => {
    const all = combinations({ miners: [256, 1024, 4095], submissions: [5, 100], pools: [1, 2, 4], batch: [16, 64, 256] });
    expect(all).toHaveLength(54);
    expect(new Set(all.map(combinationKey)).size).toBe(54);
    expect(all[0]).toEqual({ miners: 256, submissions: 5, pool: 1, batch: 16 });
  });

  it('interleaves trials, every other pass reversed, and numbers the runs', () => {
    const runs = planRuns(args);
    expect(runs.map((r) => `${r.trial}:${r.key}`)).toEqual([
      '1:m256-s5-p1-b64',
      '1:m256-s5-p2-b64',
      '1:m1024-s5-p1-b64',
      '1:m1024-s5-p2-b64',
      '2:m1024-s5-p2-b64',
      '2:m1024-s5-p1-b64',
      '2:m256-s5-p2-b64',
      '2:m256-s5-p1-b64',
      '3:m256-s5-p1-b64',
      '3:m256-s5-p2-b64',
      '3:m1024-s5-p1-b64',
      '3:m1024-s5-p2-b64',
    ]);
    expect(runs.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('estimates a run from its own combination first, then from work done per submission', () => {
    const run = { miners: 1024, submissions: 5, pool: 1, batch: 64 };
    expect(estimateRunSeconds(run, [])).toBeCloseTo(10 + 0.002 * 5120);
    const done = [{ key: 'm256-s5-p1-b64', seconds: 20, totalSubmissions: 1280 }];
    expect(estimateRunSeconds(run, done)).toBeCloseTo(80);
    expect(estimateRunSeconds(run, [...done, { key: 'm1024-s5-p1-b64', seconds: 50, totalSubmissions: 5120 }])).toBe(50);
  });

  it('formats durations for progress lines', () => {
    expect(formatDuration(7.4)).toBe('7s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
