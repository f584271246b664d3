import { describe, expect, it } from 'vitest';
import { buildWeightVector, U16_MAX } from '../../src/weights/process-weights.js';

/**
 * The u16 vector where the subnet's limits bite (SPEC §9: honour MaxWeightsLimit and
 * MinAllowedWeights, which the original's vector ignores and the chain then refuses), and where
 * the uid list of the call is decided: zeros dropped, uids outside the metagraph never sent.
 */

/** The runtime's check 13: max/Σ of the values within MaxWeightsLimit/65535. */
const withinLimit = (values: readonly number[], limit: number) => Math.max(...values) / values.reduce((a, b) => a + b, 0) <= limit / U16_MAX;

describe('u16 edges: MaxWeightsLimit', () => {
  it('scores 6:3:1 under a 50 % limit: the top is clipped, the rest keep 3:1, and a unit is added back so the chain accepts', () => {
    const out = buildWeightVector({
      scores: new Map([[0, 6], [1, 3], [2, 1]]),
      neurons: [0, 1, 2, 3, 4],
      hyper: { minAllowedWeights: 0, maxWeightsLimit: 32_768, weightsVersionKey: 0n },
      versionKey: 0n,
    });
    // float32 shares 0.6000000238, 0.3000000119, 0.1000000015; the top is capped at
    // 32768/65535 − 1e-6 and the others scaled by (1 − cap)/0.4: u16 65535, 49150, 16383.
    // Σ = 131068 leaves max/Σ a hair above 32768/65535, so 49150 becomes 49151 (Σ = 131069).
    expect(out.clipped).toBe(true);
    expect([...out.uids]).toEqual([0, 1, 2]);
    expect([...out.values]).toEqual([65_535, 49_151, 16_383]);
    expect(withinLimit(out.values, 32_768)).toBe(true);
    expect(withinLimit([65_535, 49_150, 16_383], 32_768)).toBe(false);
  });

  it('a limit of 65535 leaves the original vector untouched, one winner included', () => {
    const out = buildWeightVector({
      scores: new Map([[4, 0.95]]),
      neurons: [0, 1, 2, 3, 4],
      hyper: { minAllowedWeights: 0, maxWeightsLimit: 65_535, weightsVersionKey: 0n },
      versionKey: 0n,
    });
    expect(out).toMatchObject({ clipped: false, fallback: false, padded: [] });
    expect([...out.uids]).toEqual([4]);
    expect([...out.values]).toEqual([65_535]);
  });
});

describe('u16 edges: a vector exactly at MaxWeightsLimit', () => {
  // The runtime accepts max/Σ equal to MaxWeightsLimit/65535, so the original's vector is set as
  // it is; clipping it (or padding uids it never sent) would set weights the original does not.
  it('the fallback of five 65535s under a 20 % limit (13107) is sent unchanged', () => {
    const out = buildWeightVector({
      scores: new Map([[0, 0], [1, 0]]),
      neurons: [0, 1, 2, 3, 4, 5, 6, 7],
      hyper: { minAllowedWeights: 5, maxWeightsLimit: 13_107, weightsVersionKey: 0n },
      versionKey: 0n,
      topFallback: [6, 3, 1, 0, 2],
    });
    expect(withinLimit([65_535, 65_535, 65_535, 65_535, 65_535], 13_107)).toBe(true);
    expect(out).toMatchObject({ fallback: true, clipped: false, padded: [] });
    expect([...out.uids]).toEqual([0, 1, 2, 3, 6]);
    expect([...out.values]).toEqual([65_535, 65_535, 65_535, 65_535, 65_535]);
  });

  it('three equal scores under a one-third limit (21845): three 65535s, unchanged', () => {
    const out = buildWeightVector({
      scores: new Map([[1, 7.5], [2, 7.5], [4, 7.5]]),
      neurons: [0, 1, 2, 3, 4],
      hyper: { minAllowedWeights: 3, maxWeightsLimit: 21_845, weightsVersionKey: 0n },
      versionKey: 0n,
    });
    expect(withinLimit([65_535, 65_535, 65_535], 21_845)).toBe(true);
    expect(out).toMatchObject({ clipped: false, padded: [] });
    expect([...out.uids]).toEqual([1, 2, 4]);
    expect([...out.values]).toEqual([65_535, 65_535, 65_535]);
  });
});

describe('u16 edges: the all-zero fallback under the subnet limits', () => {
  it('the fallback keeps ranking order for who is in, sends uid order, and is padded to MinAllowedWeights with 1s', () => {
    const out = buildWeightVector({
      scores: new Map([[3, 0], [1, -2], [5, 0]]),
      neurons: [0, 1, 2, 3, 4, 5, 6, 7],
      hyper: { minAllowedWeights: 6, maxWeightsLimit: 65_535, weightsVersionKey: 0n },
      versionKey: 0n,
      topFallback: [3, 1, 5],
    });
    expect(out.fallback).toBe(true);
    expect([...out.padded]).toEqual([0, 2, 4]);
    expect([...out.uids]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...out.values]).toEqual([1, 65_535, 1, 65_535, 1, 65_535]);
  });

  it('ranked uids beyond the metagraph are skipped, and only the first five that exist are paid', () => {
    const out = buildWeightVector({
      scores: new Map(),
      neurons: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      hyper: { minAllowedWeights: 0, maxWeightsLimit: 65_535, weightsVersionKey: 0n },
      versionKey: 0n,
      topFallback: [9, 300, 2, 10, 7, 1, 8, 0],
    });
    expect([...out.uids]).toEqual([1, 2, 7, 8, 9]);
    expect([...out.values]).toEqual([65_535, 65_535, 65_535, 65_535, 65_535]);
  });
});

describe('u16 edges: what goes into the call', () => {
  it('one entry per positive weight, in uid order; zero, negative and unregistered scores are not sent', () => {
    const out = buildWeightVector({
      scores: [
        { uid: 200, score: 0 },
        { uid: 7, score: 2 },
        { uid: 256, score: 1000 },
        { uid: 3, score: -1 },
        { uid: 100, score: 1 },
      ],
      neurons: Array.from({ length: 256 }, (_, uid) => uid),
      hyper: { minAllowedWeights: 1, maxWeightsLimit: 65_535, weightsVersionKey: 0n },
      versionKey: 0n,
    });
    expect([...out.uids]).toEqual([7, 100]);
    expect([...out.values]).toEqual([65_535, 32_768]); // 32767.5 rounds half to even
  });

  it('a share that rounds below 0.5 of a unit is dropped, as bittensor drops zeros', () => {
    // 1/131071 of the top: 0.49999… → 0 in the original; only the top uid is sent.
    const out = buildWeightVector({
      scores: new Map([[1, 131_071], [2, 1]]),
      neurons: [0, 1, 2],
      hyper: { minAllowedWeights: 0, maxWeightsLimit: 65_535, weightsVersionKey: 0n },
      versionKey: 0n,
    });
    expect([...out.uids]).toEqual([1]);
    expect([...out.values]).toEqual([65_535]);
  });
});
