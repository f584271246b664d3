import { describe, expect, it } from 'vitest';
import { areaOf, formatAreaTimes, formatSelfTimes, selfTimeByArea, topSelfTime, type CpuProfile } from '../../bench/loadtest/profile-summary.js';

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

  it('sums self time by area: npm package, our folder, Node.js module, V8 entry', () => {
    const rows = selfTimeByArea(profile, 10);
    expect(rows.map((r) => [r.area, r.ms])).toEqual([
      ['src/formats', 4],
      ['bson', 3],
      ['(root)', 2.5],
      ['src/store', 0.5],
    ]);
    expect(rows[0]!.share).toBeCloseTo(0.4);
    expect(formatAreaTimes(rows.slice(0, 1))).toBe('| self ms | share | area |\n|---:|---:|---|\n| 4 | 40.0 % | src/formats |');
  });

  it('names areas the same whether the code ran from source or compiled', () => {
    const at = (url: string, functionName = 'f') => areaOf({ id: 1, callFrame: { functionName, url, lineNumber: 1 } });
    expect(at('file:///repo/dist/src/store/mongo-store.js')).toBe('src/store');
    expect(at('file:///repo/dist-bench/src/actors/stages/stage.js')).toBe('src/actors/stages');
    expect(at('file:///repo/node_modules/@polkadot/types-codec/base/Enum.js')).toBe('@polkadot/types-codec');
    expect(at('file:///repo/node_modules/.pnpm/x/node_modules/undici/lib/core/request.js')).toBe('undici');
    expect(at('node:internal/streams/readable')).toBe('node:streams');
    expect(at('node:events')).toBe('node:events');
    expect(at('', '(garbage collector)')).toBe('(garbage collector)');
    expect(at('', '')).toBe('(native)');
  });
});
