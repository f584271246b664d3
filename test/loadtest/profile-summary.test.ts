import { describe, expect, it } from 'vitest';
import { formatSelfTimes, topSelfTime, type CpuProfile } from '../../bench/loadtest/profile-summary.js';

const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });

const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', '', -1) },
    { id: 2, callFrame: frame('parseGist', 'file:///repo/src/formats/gist.ts', 41) },
    { id: 3, callFrame: frame('serialize', 'file:///repo/node_modules/bson/lib/bson.cjs', 9) },
    // The same function reached by another path: one row.
    { id: 4, callFrame: frame('parseGist', 'file:///repo/src/formats/gist.ts', 41) },
    { id: 5, callFrame: frame('', 'file:///repo/src/store/mongo-store.ts', 99) },
  ],
  startTime: 0,
  endTime: 10_000,
  // The first delta (start request to first sample) is not workload and is left out.
  samples: [3, 2, 3, 4, 2, 5, 1],
  timeDeltas: [999_999, 1000, 3000, 2000, 1000, 500, 2500],
};

describe('profile summary', () => {
  it('sums self time per function and location from samples and their time deltas', () => {
    const top = topSelfTime(profile, 3);
    expect(top).toEqual([
      { name: 'parseGist', location: 'src/formats/gist.ts:42', ms: 4, share: 0.4 },
      { name: 'serialize', location: 'node_modules/bson/lib/bson.cjs:10', ms: 3, share: 0.3 },
      { name: '(root)', location: '(native)', ms: 2.5, share: 0.25 },
    ]);
    expect(topSelfTime(profile, 10).find((r) => r.name === '(anonymous)')?.location).toBe('src/store/mongo-store.ts:100');
  });

  it('falls back to hit counts when a profile carries no samples', () => {
    const hits: CpuProfile = { ...profile, samples: undefined, timeDeltas: undefined, nodes: profile.nodes.map((n, i) => ({ ...n, hitCount: i === 1 ? 3 : 1 })) };
    // 7 hits over 10 ms; parseGist has 3 + 1 of them.
    const [first] = topSelfTime(hits, 1);
    expect(first!.name).toBe('parseGist');
    expect(first!.ms).toBeCloseTo(40 / 7);
  });

  it('prints a Markdown table', () => {
    expect(formatSelfTimes(topSelfTime(profile, 1))).toBe('| self ms | share | function | where |\n|---:|---:|---|---|\n| 4 | 40.0 % | `parseGist` | src/formats/gist.ts:42 |');
  });
});
