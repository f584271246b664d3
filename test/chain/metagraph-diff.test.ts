import { describe, expect, it } from 'vitest';
import { diffMetagraph } from '../../src/chain/metagraph-diff.js';
import type { Neuron } from '../../src/chain/types.js';

const neuron = (uid: number, hotkey: string, permit = false): Neuron => ({
  uid,
  hotkey,
  coldkey: 'ck',
  stake: 0n,
  active: true,
  validatorPermit: permit,
  lastUpdate: 0,
  blockAtRegistration: 0,
});

describe('diffMetagraph', () => {
  it('the first snapshot joins every uid', () => {
    const diffs = diffMetagraph([], [neuron(0, 'a'), neuron(1, 'b')], 5);
    expect(diffs.map((d) => [d.kind, d.uid, d.block])).toEqual([
      ['joined', 0, 5],
      ['joined', 1, 5],
    ]);
  });

  it('reports left, replaced and permit_changed per uid, and nothing for unchanged uids', () => {
    const before = [neuron(0, 'a', true), neuron(1, 'b'), neuron(2, 'c'), neuron(3, 'd')];
    const after = [neuron(0, 'a', true), neuron(1, 'x'), neuron(2, 'c', true)];
    expect(diffMetagraph(before, after, 9)).toEqual([
      { kind: 'replaced', uid: 1, previousHotkey: 'b', neuron: after[1], block: 9 },
      { kind: 'permit_changed', uid: 2, neuron: after[2], block: 9 },
      { kind: 'left', uid: 3, hotkey: 'd', block: 9 },
    ]);
    expect(diffMetagraph(after, after, 10)).toEqual([]);
  });
});
