import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildWeightVector,
  clipShares,
  maxUpscaleToU16,
  roundHalfEven,
  U16_MAX,
} from '../../src/weights/process-weights.js';

const hyper = { minAllowedWeights: 1, maxWeightsLimit: 65_535, weightsVersionKey: 0n };
const neurons = [0, 1, 2, 3, 4, 5, 6, 7];

describe('buildWeightVector', () => {
  it('max-upscales: largest gets 65535, others round(w/max*65535), zeros dropped', () => {
    const out = buildWeightVector({
      scores: new Map([
        [1, 3],
        [2, 1],
        [3, 0],
      ]),
      neurons,
      hyper,
      versionKey: 0n,
    });
    expect(out.uids).toEqual([1, 2]);
    expect(out.values).toEqual([65_535, 21_845]);
    expect(out.fallback).toBe(false);
    expect(out.clipped).toBe(false);
  });

  it('accepts the array form and sorts by uid', () => {
    const out = buildWeightVector({
      scores: [
        { uid: 5, score: 1 },
        { uid: 2, score: 4 },
      ],
      neurons,
      hyper,
      versionKey: 0n,
    });
    expect(out.uids).toEqual([2, 5]);
    expect(out.values).toEqual([65_535, 16_384]); // 65535/4 = 16383.75
  });

  it('normalises in float32 like the original: 5/131070 and 1/131070 of the top become 3 and 1', () => {
    // float64 would give 2.5 → 2 and 0.5 → 0; the original's float32 shares land just above.
    const out = buildWeightVector({
      scores: new Map([
        [1, 131_070],
        [2, 5],
        [3, 1],
      ]),
      neurons,
      hyper,
      versionKey: 0n,
    });
    expect(out.uids).toEqual([1, 2, 3]);
    expect(out.values).toEqual([65_535, 3, 1]);
  });

  it('normalisation does not change the u16 result (only ratios matter)', () => {
    const a = buildWeightVector({
      scores: new Map([
        [1, 0.3],
        [2, 0.2],
        [4, 0.5],
      ]),
      neurons,
      hyper,
      versionKey: 0n,
    });
    const b = buildWeightVector({
      scores: new Map([
        [1, 300],
        [2, 200],
        [4, 500],
      ]),
      neurons,
      hyper,
      versionKey: 0n,
    });
    expect(a.values).toEqual(b.values);
    expect(a.values).toEqual([39_321, 26_214, 65_535]);
  });

  it('all-zero scores: 65535 to each of the first five ranked uids (the original fallback)', () => {
    const out = buildWeightVector({
      scores: new Map([
        [1, 0],
        [2, -3],
      ]),
      neurons,
      hyper,
      versionKey: 0n,
      topFallback: [4, 2, 99, 2, 1, 3, 0, 5, 6],
    });
    expect(out.fallback).toBe(true);
    expect(out.uids).toEqual([0, 1, 2, 3, 4]);
    expect(out.values).toEqual([65_535, 65_535, 65_535, 65_535, 65_535]);
  });

  it('all-zero scores and no ranking: an empty vector, not an error', () => {
    const out = buildWeightVector({ scores: new Map(), neurons, hyper, versionKey: 0n });
    expect(out).toMatchObject({ uids: [], values: [], fallback: true });
  });

  it('negative scores count as zero and uids no longer registered are ignored', () => {
    const out = buildWeightVector({
      scores: new Map([
        [1, -5],
        [2, 2],
        [42, 100],
      ]),
      neurons,
      hyper,
      versionKey: 0n,
    });
    expect(out.uids).toEqual([2]);
    expect(out.values).toEqual([65_535]);
  });

  it('uses version_key = max(config, chain)', () => {
    const scores = new Map([[1, 1]]);
    expect(
      buildWeightVector({ scores, neurons, hyper: { ...hyper, weightsVersionKey: 5n }, versionKey: 3n })
        .versionKey,
    ).toBe(5n);
    expect(
      buildWeightVector({ scores, neurons, hyper: { ...hyper, weightsVersionKey: 5n }, versionKey: 7n })
        .versionKey,
    ).toBe(7n);
  });

  it('pads to MinAllowedWeights with weight 1 on the lowest unused uids', () => {
    const out = buildWeightVector({
      scores: new Map([[3, 1]]),
      neurons,
      hyper: { ...hyper, minAllowedWeights: 3 },
      versionKey: 0n,
    });
    expect(out.uids).toEqual([0, 1, 3]);
    expect(out.values).toEqual([1, 1, 65_535]);
    expect(out.padded).toEqual([0, 1]);
  });

  it('MinAllowedWeights above the subnet size asks only for every uid', () => {
    const out = buildWeightVector({
      scores: new Map([[0, 1]]),
      neurons: [0, 1],
      hyper: { ...hyper, minAllowedWeights: 8 },
      versionKey: 0n,
    });
    expect(out.uids).toEqual([0, 1]);
  });

  it('clips to MaxWeightsLimit and renormalises the rest', () => {
    const limit = 32_768; // ≈ 50 %
    const out = buildWeightVector({
      scores: new Map([
        [1, 8],
        [2, 1],
        [3, 1],
      ]),
      neurons,
      hyper: { ...hyper, maxWeightsLimit: limit },
      versionKey: 0n,
    });
    expect(out.clipped).toBe(true);
    expect(out.uids).toEqual([1, 2, 3]);
    expect(out.values[0]).toBe(65_535);
    expect(out.values[1]).toBe(out.values[2]);
    const sum = out.values.reduce((a, b) => a + b, 0);
    expect(U16_MAX * U16_MAX).toBeLessThanOrEqual(limit * sum);
    expect(out.values[1]).toBeGreaterThan(32_760);
  });

  it('a single winner under a limit spreads the remainder over the other uids', () => {
    const out = buildWeightVector({
      scores: new Map([[1, 1]]),
      neurons: [0, 1, 2, 3],
      hyper: { ...hyper, maxWeightsLimit: 32_768 },
      versionKey: 0n,
    });
    expect(out.uids).toEqual([0, 1, 2, 3]);
    expect(out.values[1]).toBe(65_535);
    expect(out.values[0]).toBe(out.values[2]);
    expect(out.values[0]).toBeGreaterThan(21_000);
  });

  it('refuses a limit that no vector over the subnet can meet', () => {
    expect(() =>
      buildWeightVector({
        scores: new Map([[1, 1]]),
        neurons: [0, 1],
        hyper: { ...hyper, maxWeightsLimit: 10_000 },
        versionKey: 0n,
      }),
    ).toThrow(/MaxWeightsLimit .* cannot be met with 2 uids/);
  });

  it('rejects bad input with specific errors', () => {
    const base = { neurons, hyper, versionKey: 0n };
    expect(() => buildWeightVector({ ...base, scores: new Map([[1, Number.NaN]]) })).toThrow(
      /score of uid 1 must be a finite number/,
    );
    expect(() =>
      buildWeightVector({
        ...base,
        scores: [
          { uid: 1, score: 1 },
          { uid: 1, score: 2 },
        ],
      }),
    ).toThrow(/uid 1 is scored twice/);
    expect(() => buildWeightVector({ ...base, scores: new Map([[-1, 1]]) })).toThrow(RangeError);
    expect(() => buildWeightVector({ ...base, scores: new Map([[70_000, 1]]) })).toThrow(
      /score uid must be an integer uid/,
    );
    expect(() =>
      buildWeightVector({ ...base, scores: new Map(), versionKey: 1 as unknown as bigint }),
    ).toThrow(/versionKey must be a non-negative bigint/);
    expect(() =>
      buildWeightVector({ ...base, scores: new Map(), hyper: { ...hyper, maxWeightsLimit: 0 } }),
    ).toThrow(/maxWeightsLimit/);
    expect(() => buildWeightVector({ ...base, scores: new Map(), neurons: [1.5] })).toThrow(
      /neuron uid must be an integer/,
    );
  });

  it('names the option that is malformed', () => {
    const base = { neurons, hyper, versionKey: 0n, scores: new Map<number, number>() };
    expect(() => buildWeightVector(undefined as never)).toThrow(new TypeError('buildWeightVector options must be an object'));
    expect(() => buildWeightVector({ ...base, neurons: 'all' as never })).toThrow(new TypeError('neurons must be an array of uids'));
    expect(() => buildWeightVector({ ...base, hyper: null as never })).toThrow(new TypeError('hyper must be the subnet weight hyperparameters'));
    expect(() => buildWeightVector({ ...base, hyper: { ...hyper, minAllowedWeights: -1 } })).toThrow(
      new RangeError('hyper.minAllowedWeights must be a u16, got -1'),
    );
    expect(() => buildWeightVector({ ...base, fallbackCount: 1.5 })).toThrow(
      new RangeError('fallbackCount must be a non-negative integer, got 1.5'),
    );
    expect(() => buildWeightVector({ ...base, scores: [null as never] })).toThrow(
      new TypeError('scores entries must be { uid, score } objects'),
    );
  });

  it('clipShares of nothing is nothing', () => {
    expect(clipShares([], 0.5, [1, 2])).toEqual([]);
  });

  it('clips a vector whose small shares are subnormal without making any of them negative', () => {
    // Found by the property below: one real score beside scores of 5e-324 overflowed the scale
    // factor, and the clip went on to give the last uid a negative share.
    const out = buildWeightVector({
      scores: new Map([
        [0, 5e-324],
        [2, 5e-324],
        [3, 5.32952648120952e-15],
        [1, 5e-324],
      ]),
      neurons: [0, 1, 2, 3],
      hyper: { minAllowedWeights: 0, maxWeightsLimit: 21_846, weightsVersionKey: 0n },
      versionKey: 0n,
      topFallback: [0, 1, 2, 3],
    });
    expect(out.uids).toEqual([0, 1, 2, 3]);
    for (const v of out.values) expect(v).toBeGreaterThan(0);
    expect(Math.max(...out.values)).toBe(65_535);
    const sum = out.values.reduce((a, b) => a + b, 0);
    expect(65_535 * 65_535).toBeLessThanOrEqual(21_846 * sum);
  });

  it('property: every output passes the runtime checks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.tuple(fc.nat(80), fc.double({ min: -1, max: 1e6, noNaN: true })), { maxLength: 80 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 65_535 }),
        (n, raw, minAllowed, maxLimit) => {
          const ns = Array.from({ length: n }, (_, i) => i);
          const scores = new Map(raw.map(([u, s]) => [u, s]));
          if (n * (maxLimit / 65_535) < 1.001) maxLimit = 65_535;
          const out = buildWeightVector({
            scores,
            neurons: ns,
            hyper: { minAllowedWeights: minAllowed, maxWeightsLimit: maxLimit, weightsVersionKey: 0n },
            versionKey: 0n,
            topFallback: ns,
          });
          if (out.uids.length === 0) return;
          expect(new Set(out.uids).size).toBe(out.uids.length);
          expect([...out.uids].sort((a, b) => a - b)).toEqual(out.uids);
          for (const u of out.uids) expect(u).toBeLessThan(n);
          for (const v of out.values) expect(v).toBeGreaterThan(0);
          expect(Math.max(...out.values)).toBe(65_535);
          expect(out.uids.length).toBeGreaterThanOrEqual(Math.min(minAllowed, n));
          const sum = out.values.reduce((a, b) => a + b, 0);
          expect(65_535 * 65_535).toBeLessThanOrEqual(maxLimit * sum);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('helpers', () => {
  it('roundHalfEven', () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6, 3].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3, 3]);
  });
  it('maxUpscaleToU16 matches the runtime example [1000, 1] → [65535, 66]', () => {
    expect(maxUpscaleToU16([1, 2], [1000, 1])).toEqual({ uids: [1, 2], values: [65_535, 66] });
    expect(maxUpscaleToU16([1], [0])).toEqual({ uids: [], values: [] });
    expect(() => maxUpscaleToU16([1], [-1])).toThrow(/non-negative/);
    expect(() => maxUpscaleToU16([1, 2], [1])).toThrow(/differ in length/);
  });
  it('clipShares water-fills to the limit', () => {
    const out = clipShares(
      [
        [1, 0.7],
        [2, 0.2],
        [3, 0.1],
      ],
      0.4,
      [],
    );
    const m = new Map(out);
    expect(m.get(1)).toBeCloseTo(0.4);
    expect(m.get(2)).toBeCloseTo(0.4);
    expect(m.get(3)).toBeCloseTo(0.2);
  });
});
