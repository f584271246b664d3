import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseLikeNumpyFloat32, numpySumFloat32 } from '../../src/weights/numpy-float32.js';
import { buildWeightVector } from '../../src/weights/process-weights.js';

interface Case {
  readonly n: number;
  readonly nonzero: ReadonlyArray<readonly [number, string]>;
  readonly uids: number[];
  readonly values: number[];
}
// Produced by replaying the original's calculate_and_set_weights arithmetic (numpy float32 sum and
// divide, then bittensor's convert_weights_and_uids_for_emit) on random score vectors.
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/original/float32-weights.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

// Edge vectors written from the reference text by test/fixtures/original/generate_weight_vectors.py:
// round-half-even ties, pairwise-summation lengths and positions, float32's limits, equal scores.
const edges = JSON.parse(
  readFileSync(new URL('../fixtures/original/weight-vectors.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const hyper = { minAllowedWeights: 0, maxWeightsLimit: 65_535, weightsVersionKey: 0n };

describe('numpy float32 replay', () => {
  it('sums pairwise in float32 from an initial 0, as np.sum does', () => {
    // 1 + 2^-24 repeatedly: sequential float32 addition never moves off 1, pairwise blocks do.
    const values = new Float32Array(16).fill(2 ** -24);
    values[0] = 1;
    let sequential = 0;
    for (const v of values) sequential = Math.fround(sequential + v);
    expect(sequential).toBe(1);
    // np.sum gives 1.0000008 here: seven blocks of two tiny values survive next to the 1.
    expect(numpySumFloat32(values)).toBe(Math.fround(1 + 14 * 2 ** -24));
  });

  it('normalises 9.5 and 0.95 to float32 shares', () => {
    const shares = normaliseLikeNumpyFloat32([9.5, 0.95]);
    expect(shares[0]).toBe(Math.fround(Math.fround(9.5) / Math.fround(Math.fround(9.5) + Math.fround(0.95))));
  });

  it('scores 9.5 and 0.95 give [65535, 6554] (float64 would give 6553)', () => {
    const out = buildWeightVector({ scores: new Map([[0, 9.5], [1, 0.95]]), neurons: [0, 1], hyper, versionKey: 0n });
    expect(out.values).toEqual([65_535, 6_554]);
  });

  it('a score below float32 range is zero, so the ranked fallback applies', () => {
    const tiny = 0.95 * 0.05 ** 35;
    expect(tiny).toBeGreaterThan(0);
    const out = buildWeightVector({
      scores: new Map([[3, tiny]]),
      neurons: [0, 1, 2, 3, 4, 5],
      hyper,
      versionKey: 0n,
      topFallback: [3, 1, 0, 2, 4],
    });
    expect(out.fallback).toBe(true);
    expect([...out.uids].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(out.values).toEqual([65_535, 65_535, 65_535, 65_535, 65_535]);
  });

  it(`matches the original's (uid, u16) pairs on ${fixture.cases.length} recorded vectors`, () => {
    let compared = 0;
    for (const c of fixture.cases) {
      const scores = new Map(c.nonzero.map(([uid, s]) => [uid, Number(s)] as [number, number]));
      const neurons = Array.from({ length: c.n }, (_, i) => i);
      const out = buildWeightVector({ scores, neurons, hyper, versionKey: 0n, fallbackCount: 0 });
      if (c.uids.length === 0) {
        expect(out.fallback).toBe(true);
        continue;
      }
      expect({ uids: [...out.uids], values: [...out.values] }).toEqual({ uids: c.uids, values: c.values });
      compared++;
    }
    expect(compared).toBeGreaterThan(300);
  });

  it(`matches the original's (uid, u16) pairs on ${edges.cases.length} edge vectors (ties at .5, pairwise lengths, float32 limits)`, () => {
    const disagreements: number[] = [];
    for (const [i, c] of edges.cases.entries()) {
      const scores = new Map(c.nonzero.map(([uid, s]) => [uid, Number(s)] as [number, number]));
      const neurons = Array.from({ length: c.n }, (_, k) => k);
      const out = buildWeightVector({ scores, neurons, hyper, versionKey: 0n, fallbackCount: 0 });
      const agrees = c.uids.length === 0 ? out.fallback && out.uids.length === 0 : JSON.stringify({ uids: out.uids, values: out.values }) === JSON.stringify({ uids: c.uids, values: c.values });
      if (!agrees) disagreements.push(i);
    }
    expect(disagreements).toEqual([]);
    expect(edges.cases.some((c) => c.values.includes(32_768))).toBe(true);
    expect(edges.cases.filter((c) => c.uids.length === 0).length).toBeGreaterThan(3);
  });
});
