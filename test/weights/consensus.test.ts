import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agreement,
  largestGaps,
  maskRow,
  normaliseRow,
  stakeWeightedConsensus,
  topK,
  topKOverlap,
} from '../../src/weights/consensus.js';

const w = (pairs: Array<[number, number]>) => pairs.map(([uid, value]) => ({ uid, value }));
const map = (pairs: Array<[number, number]>) => new Map(pairs);

describe('stake-weighted consensus (computed by hand)', () => {
  // A 50 % {10: 0.75, 11: 0.25}, B 30 % {10: 0.5, 11: 0.5}, C 20 % {11: 1}.
  // uid 10: A (0.75) alone holds 0.5 of the stake → 0.75. uid 11: C (1) 0.2, then B (0.5) 0.5 → 0.5.
  // raw {10: 0.75, 11: 0.5} sums to 1.25 → consensus {10: 0.6, 11: 0.4}.
  const validators = [
    { uid: 0, stake: 50, weights: w([[10, 3], [11, 1]]) },
    { uid: 1, stake: 30, weights: w([[10, 65_535], [11, 65_535]]) },
    { uid: 2, stake: 20, weights: w([[11, 7]]) },
  ];
  const result = stakeWeightedConsensus(validators);

  it('takes the largest weight given by at least half the stake, then renormalises', () => {
    expect([...result.raw]).toEqual([
      [10, 0.75],
      [11, 0.5],
    ]);
    expect(result.consensus.get(10)).toBeCloseTo(0.6, 12);
    expect(result.consensus.get(11)).toBeCloseTo(0.4, 12);
    expect(result.stakeShare.get(0)).toBeCloseTo(0.5, 12);
    expect(result.totalStake).toBe(100);
  });

  it('agreement is Σ min(ours, consensus); vtrust-style against the raw median', () => {
    // A: min(0.75, 0.6) + min(0.25, 0.4) = 0.85; B: 0.5 + 0.4 = 0.9; C: min(1, 0.4) = 0.4.
    expect(agreement(result.rows.get(0)!, result.consensus)).toBeCloseTo(0.85, 12);
    expect(agreement(result.rows.get(1)!, result.consensus)).toBeCloseTo(0.9, 12);
    expect(agreement(result.rows.get(2)!, result.consensus)).toBeCloseTo(0.4, 12);
    // Yuma's vtrust for A: min(0.75, 0.75) + min(0.25, 0.5) = 1.
    expect(agreement(result.rows.get(0)!, result.raw)).toBeCloseTo(1, 12);
  });

  it('no uid reaches a majority: the consensus is empty and agreement 0', () => {
    const split = stakeWeightedConsensus([
      { uid: 0, stake: 40, weights: w([[5, 1]]) },
      { uid: 1, stake: 30, weights: w([[6, 1]]) },
      { uid: 2, stake: 30, weights: w([[7, 1]]) },
    ]);
    expect(split.raw.size).toBe(0);
    expect(split.consensus.size).toBe(0);
    expect(agreement(map([[5, 1]]), split.consensus)).toBe(0);
  });

  it('exactly κ of the stake is a majority (4 equal stakes, 2 against 2)', () => {
    const tie = stakeWeightedConsensus([
      { uid: 0, stake: 1, weights: w([[1, 1]]) },
      { uid: 1, stake: 1, weights: w([[1, 1]]) },
      { uid: 2, stake: 1, weights: w([[2, 1]]) },
      { uid: 3, stake: 1, weights: w([[2, 1]]) },
    ]);
    expect([...tie.raw]).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect([...tie.consensus]).toEqual([
      [1, 0.5],
      [2, 0.5],
    ]);
    expect(agreement(map([[1, 1]]), tie.consensus)).toBe(0.5);
  });

  it('a staked validator without weights pulls toward zero; one without stake does not count', () => {
    const majority = stakeWeightedConsensus([
      { uid: 0, stake: 60, weights: w([[1, 1]]) },
      { uid: 1, stake: 40, weights: [] },
      { uid: 2, stake: 0, weights: w([[9, 1]]) },
    ]);
    expect([...majority.consensus]).toEqual([[1, 1]]);
    expect(majority.stakeShare.has(2)).toBe(false);
    const minority = stakeWeightedConsensus([
      { uid: 0, stake: 40, weights: w([[1, 1]]) },
      { uid: 1, stake: 60, weights: [] },
    ]);
    expect(minority.consensus.size).toBe(0);
  });

  it('κ is a parameter: 0.8 needs four fifths of the stake', () => {
    const v = [
      { uid: 0, stake: 70, weights: w([[1, 1]]) },
      { uid: 1, stake: 30, weights: w([[1, 1], [2, 1]]) },
    ];
    // uid 1 at κ 0.5: A (1) holds 0.7 → 1. At κ 0.8: A 0.7, then B (0.5) → 1.0 cumulative → 0.5.
    expect(stakeWeightedConsensus(v).raw.get(1)).toBe(1);
    expect(stakeWeightedConsensus(v, { kappa: 0.8 }).raw.get(1)).toBe(0.5);
  });

  it('rejects bad input with specific errors', () => {
    expect(() => stakeWeightedConsensus([], { kappa: 0 })).toThrow(/kappa must be a number in \(0, 1\]/);
    expect(() => stakeWeightedConsensus([{ uid: 1, stake: -1, weights: [] }])).toThrow(/stake of validator 1/);
    expect(() =>
      stakeWeightedConsensus([
        { uid: 1, stake: 1, weights: [] },
        { uid: 1, stake: 1, weights: [] },
      ]),
    ).toThrow(/appears twice/);
    expect(() => normaliseRow(w([[70_000, 1]]))).toThrow(/uid must be an integer in \[0, 65535\]/);
    expect(() => normaliseRow(w([[1, Number.NaN]]))).toThrow(/weight of uid 1/);
  });
});

describe('masks, top-k and gaps', () => {
  it('maskRow drops self-weight, weights on uids registered since the last update, and unknown uids', () => {
    const registeredAt = map([
      [2, 0],
      [3, 50],
      [4, 100],
    ]);
    expect(maskRow(2, 100, w([[2, 9], [3, 5], [4, 7], [9, 1]]), registeredAt)).toEqual(w([[3, 5]]));
  });

  it('normaliseRow drops zeros, sums duplicates and sorts by uid', () => {
    expect([...normaliseRow(w([[3, 1], [1, 0], [2, 2], [3, 1]]))]).toEqual([
      [2, 0.5],
      [3, 0.5],
    ]);
    expect(normaliseRow([]).size).toBe(0);
  });

  it('topK keeps the k largest, ties to the lower uid; overlap over the longer list', () => {
    expect(topK(map([[1, 0.3], [2, 0.3], [3, 0.4], [4, 0]]), 2)).toEqual([3, 1]);
    expect(topKOverlap(map([[1, 0.3], [2, 0.3], [3, 0.4]]), map([[1, 0.5], [2, 0.5]]), 2)).toBe(0.5);
    expect(topKOverlap(map([[1, 1]]), map([[1, 1]]), 5)).toBe(1);
    expect(topKOverlap(new Map(), new Map(), 5)).toBe(0);
    expect(() => topK(new Map(), 0)).toThrow(/k must be an integer >= 1/);
  });

  it('largestGaps orders by |ours − consensus|, then uid, and keeps n', () => {
    const gaps = largestGaps(map([[1, 0.6], [2, 0.4]]), map([[1, 0.4], [3, 0.6]]), 2);
    expect(gaps.map((g) => g.uid)).toEqual([3, 2]);
    expect(gaps[0]!.gap).toBeCloseTo(-0.6, 12);
    expect(gaps[1]).toMatchObject({ uid: 2, ours: 0.4, consensus: 0 });
  });
});

describe('consensus properties', () => {
  const row = fc.array(fc.record({ uid: fc.integer({ min: 0, max: 20 }), value: fc.integer({ min: 0, max: 65_535 }) }), {
    maxLength: 8,
  });
  const validators = fc
    .array(fc.record({ stake: fc.integer({ min: 0, max: 1_000 }), weights: row }), { minLength: 1, maxLength: 6 })
    .map((vs) => vs.map((v, uid) => ({ uid, ...v })));

  it('the consensus sums to 1 or is empty, never exceeds the largest weight given, agreement is in [0, 1]', () => {
    fc.assert(
      fc.property(validators, fc.double({ min: 0.05, max: 1, noNaN: true }), (vs, kappa) => {
        const r = stakeWeightedConsensus(vs, { kappa });
        const sum = [...r.consensus.values()].reduce((a, b) => a + b, 0);
        expect(r.consensus.size === 0 || Math.abs(sum - 1) < 1e-9).toBe(true);
        for (const [uid, median] of r.raw) {
          const given = Math.max(...[...r.rows.values()].map((x) => x.get(uid) ?? 0));
          expect(median).toBeLessThanOrEqual(given);
        }
        for (const rowShares of r.rows.values()) {
          const a = agreement(rowShares, r.consensus);
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('a validator holding all the stake is the consensus, and agrees with it fully', () => {
    fc.assert(
      fc.property(row, (weights) => {
        const r = stakeWeightedConsensus([
          { uid: 0, stake: 10, weights },
          { uid: 1, stake: 0, weights: w([[3, 1]]) },
        ]);
        const own = normaliseRow(weights);
        expect([...r.consensus.keys()]).toEqual([...own.keys()]);
        if (own.size > 0) expect(agreement(own, r.consensus)).toBeCloseTo(1, 9);
      }),
    );
  });
});
