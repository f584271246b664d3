import { afterEach, describe, expect, it } from 'vitest';
import type { KeyringPair } from '@polkadot/keyring/types';
import { signedLine } from '../actors/helpers.js';
import { neuron, setup } from './supervisor-fixture.js';

/**
 * The original's weight ticks score the store with the metagraph synced at the start of the
 * running cycle, also while that cycle collects, and until the next cycle's sync. The supervisor
 * rescores the stored history on a metagraph that changed what scoring reads (hotkeys, stake > 0,
 * permits) before collecting, and only then; a cycle's scores are those of the metagraph read at
 * its start.
 */
describe('Supervisor: the last scores on a new metagraph', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('rescored before collecting when the metagraph changes who ranks; not when only stake amounts move; never before the first cycle', async () => {
    let keys: KeyringPair[] = [];
    let gate: { arrived: () => void; released: Promise<void> } | undefined;
    const s = await setup({
      gists: (hotkey) => ({
        fetch: async () => {
          if (gate) {
            gate.arrived();
            await gate.released;
          }
          const i = keys.findIndex((k) => k.address === hotkey);
          return signedLine(keys[i]!, 'youtube/video', `vid${i + 1}`, `https://cdn.example/vid${i + 1}.mp4`);
        },
      }),
    });
    keys = s.keys;
    stop = () => s.supervisor.stop();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address));
    await s.supervisor.runCycle();
    expect(s.scores).toHaveLength(1);
    expect(s.scores[0]!.selection.top).toHaveLength(4);

    // Nothing changed, then only stake amounts: one scoring per cycle.
    await s.supervisor.runCycle();
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address, { stake: 5_000_000_000n }));
    await s.supervisor.runCycle();
    expect(s.scores).toHaveLength(3);

    // uid 1 gets a permit and uid 4's stake goes to 0: while the cycle collects, the scores
    // handed on are the last cycle's history scored on the new metagraph.
    s.chain.neurons = s.keys.map((k, i) => neuron(i + 1, k.address, { validatorPermit: i === 0, stake: i === 3 ? 0n : 1n }));
    let release = () => {};
    const arrived = new Promise<void>((resolve) => {
      gate = { arrived: resolve, released: new Promise<void>((r) => (release = r)) };
    });
    const cycle = s.supervisor.runCycle();
    try {
      await arrived;
      expect(s.scores).toHaveLength(4);
      const during = s.scores[3]!;
      expect(during.interval).toBe(s.scores[2]!.interval);
      expect(during.coverage).toEqual(s.scores[2]!.coverage);
      expect([...during.selection.top].sort()).toEqual([2, 3]);
    } finally {
      gate = undefined;
      release();
    }
    await cycle;
    expect(s.scores).toHaveLength(5);
    expect([...s.scores[4]!.selection.top].sort()).toEqual([2, 3]);
  });

  it("a neuron that registers while a cycle collects is left out of that cycle's scores, and in the next", async () => {
    let gate: { arrived: () => void; released: Promise<void> } | undefined;
    const bodies = new Map<string, string>();
    const s = await setup({
      gists: (hotkey) => ({
        fetch: async () => {
          if (gate) {
            gate.arrived();
            await gate.released;
          }
          return bodies.get(hotkey) ?? '';
        },
      }),
    });
    stop = () => s.supervisor.stop();
    s.keys.forEach((k, i) => bodies.set(k.address, signedLine(k, 'youtube/video', `vid${i + 1}`, `https://cdn.example/vid${i + 1}.mp4`)));
    s.chain.neurons = s.keys.slice(0, 3).map((k, i) => neuron(i + 1, k.address));
    s.supervisor.watch();
    let release = () => {};
    const arrived = new Promise<void>((resolve) => {
      gate = { arrived: resolve, released: new Promise<void>((r) => (release = r)) };
    });
    const cycle = s.supervisor.runCycle();
    try {
      await arrived;
      s.chain.join(neuron(4, s.keys[3]!.address));
      expect(s.supervisor.actorUids).toContain(4);
    } finally {
      gate = undefined;
      release();
    }
    await cycle;
    expect(s.scores.at(-1)!.neurons).toEqual([1, 2, 3]);
    expect(s.scores.at(-1)!.selection.scores.map((e) => e.uid)).toEqual([1, 2, 3]);
    await s.supervisor.runCycle();
    expect(s.scores.at(-1)!.neurons).toEqual([1, 2, 3, 4]);
  });
});
