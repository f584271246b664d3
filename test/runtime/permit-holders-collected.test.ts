import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { silentLogger } from '../../src/log.js';
import { embeddedConfig } from './helpers.js';

/**
 * The original collects for every committed hotkey of the metagraph (`_peer_metadata`), a
 * validator permit or not; the permit only keeps a hotkey out of the ranking. So a miner that
 * holds a permit for a while and then loses it ranks on the history recorded meanwhile, and a
 * miner that gains one keeps its chain going. Whole runtime on the embedded network.
 */
describe('miners holding a validator permit', () => {
  let network: EmbeddedNetwork;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 300 });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  it('are collected every cycle, so their history is whole when the permit goes', async () => {
    const app = await startValidator(embeddedConfig({ 'subtensor.block_time_ms': 300 }), { network, logger: silentLogger(), cycleDeadlineMs: 600_000 });
    try {
      const honest = network.scenario.miners.find((m) => m.kind === 'honest')!;
      const state = network.devnet!.state;
      const permitOnChain = (permit: boolean) =>
        vi.waitFor(
          async () => {
            const { neurons } = await app.chain.metagraph(network.scenario.netuid);
            expect(neurons.find((n) => n.uid === honest.uid)!.validatorPermit).toBe(permit);
          },
          { timeout: 10_000 },
        );
      state.setValidatorPermit(honest.uid, true);
      await permitOnChain(true);
      const withPermit = await app.supervisor.runCycle();
      expect(withPermit.result).toBe('ok');
      const during = await app.store.snapshots.history(honest.hotkey);
      expect(during.map((s) => s.interval)).toEqual(during.map(() => withPermit.interval));
      expect(during.length).toBe(honest.contents.length);

      state.setValidatorPermit(honest.uid, false);
      await permitOnChain(false);
      const after = await app.supervisor.runCycle();
      const history = await app.store.snapshots.history(honest.hotkey);
      expect(new Set(history.map((s) => s.interval))).toEqual(new Set([withPermit.interval, after.interval]));
      // Ranked on the increment over both intervals, as the original ranks it.
      const latest = await app.store.scores.latest('engagement@1');
      expect(latest.find((r) => r.uid === honest.uid)!.score).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
