import { describe, expect, it } from 'vitest';
import type { Neuron } from '../../src/chain/types.js';
import type { SubnetWeights } from '../../src/chain/weights-reader.js';
import { buildConsensusReport } from '../../src/weights/consensus-report.js';

const neuron = (uid: number, p: Partial<Neuron>): Neuron => ({
  uid,
  hotkey: `hk${uid}`,
  coldkey: 'ck',
  stake: 100n,
  active: true,
  validatorPermit: false,
  lastUpdate: 0,
  blockAtRegistration: 0,
  ...p,
});

/**
 * Block 10000, ActivityCutoff 5000. A (uid 0) updated at 9000, B (uid 1) at 4000 (idle: stake out),
 * C (uid 2) at 9500. Uid 4 registered at 9200: after A's update, before C's.
 * A {3, 4} → {3: 1} (uid 4 outdated for A). B idle. C {2 (self), 3, 4} → {3: ½, 4: ½}.
 * A and C hold ½ each. uid 3: A (1) alone has ½ ≥ κ → 1; uid 4: C (½) → ½. Consensus {3: ⅔, 4: ⅓}.
 */
function read(kappaU16 = 32_767): SubnetWeights {
  return {
    netuid: 89,
    block: 10_000,
    blockHash: '0x00',
    kappaU16,
    activityCutoff: 5_000,
    neurons: [
      neuron(0, { validatorPermit: true, lastUpdate: 9_000 }),
      neuron(1, { validatorPermit: true, lastUpdate: 4_000 }),
      neuron(2, { validatorPermit: true, lastUpdate: 9_500 }),
      neuron(3, {}),
      neuron(4, { blockAtRegistration: 9_200 }),
    ],
    weights: new Map([
      [0, [{ uid: 3, value: 65_535 }, { uid: 4, value: 65_535 }]],
      [1, [{ uid: 4, value: 65_535 }]],
      [2, [{ uid: 2, value: 65_535 }, { uid: 3, value: 13_107 }, { uid: 4, value: 13_107 }]],
    ]),
  };
}

describe('buildConsensusReport (computed by hand)', () => {
  it('applies the activity cutoff, self and outdated masks, and κ from the chain', () => {
    const report = buildConsensusReport(read(), { selfUid: 2, topK: 5 });
    expect(report.kappa).toBeCloseTo(0.5, 4);
    expect(report.validators.map((v) => [v.uid, v.active, v.stakeShare])).toEqual([
      [0, true, 0.5],
      [1, false, 0],
      [2, true, 0.5],
    ]);
    expect([...report.validators[0]!.weights]).toEqual([[3, 1]]);
    expect(report.result.consensus.get(3)).toBeCloseTo(2 / 3, 12);
    expect(report.result.consensus.get(4)).toBeCloseTo(1 / 3, 12);
    expect(report.self).toEqual({ uid: 2, hotkey: 'hk2', source: 'chain' });
    expect([...report.ours]).toEqual([
      [3, 0.5],
      [4, 0.5],
    ]);
    // ½ + ⅓; Yuma's vtrust: min(½, 1) + min(½, ½) = 1.
    expect(report.agreement).toBeCloseTo(5 / 6, 12);
    expect(report.vtrust).toBeCloseTo(1, 12);
    expect(report.topK).toEqual({ k: 5, overlap: 1, ours: [3, 4], consensus: [3, 4] });
    expect(report.gaps.map((g) => g.uid)).toEqual([3, 4]);
    expect(report.gaps[0]!.gap).toBeCloseTo(0.5 - 2 / 3, 12);
  });

  it('κ 0.8 needs both active validators: only uid 3 stays', () => {
    // uid 3: A (1) ½, C (½) 1 → ½. uid 4: C (½) ½, A (0) → 0.
    const report = buildConsensusReport(read(52_428), { selfHotkey: 'hk2', topK: 1 });
    expect([...report.result.consensus]).toEqual([[3, 1]]);
    expect(report.agreement).toBeCloseTo(0.5, 12);
    expect(report.topK).toEqual({ k: 1, overlap: 1, ours: [3], consensus: [3] });
  });

  it('a vector handed in wins over the chain row, and is masked the same way', () => {
    const report = buildConsensusReport(read(), { selfUid: 2, topK: 5, ours: { uids: [2, 4, 9], values: [10, 10, 10] } });
    // Self-weight and the unknown uid 9 dropped: ours {4: 1} → min(1, ⅓).
    expect(report.self.source).toBe('vector');
    expect([...report.ours]).toEqual([[4, 1]]);
    expect(report.agreement).toBeCloseTo(1 / 3, 12);
    expect(() => buildConsensusReport(read(), { topK: 5, ours: { uids: [1, 2], values: [1] } })).toThrow(/equal length/);
  });
});
