import { describe, expect, it } from 'vitest';
import { startEmbeddedNetwork } from '../../src/runtime/embedded-network.js';

describe('startEmbeddedNetwork', () => {
  it('refuses a miner count the subnet cannot hold', async () => {
    await expect(startEmbeddedNetwork({ miners: 4096 })).rejects.toThrow(
      new RangeError('options.miners must be an integer from 0 to 4095 (4096 uids with the validator), got 4096'),
    );
    await expect(startEmbeddedNetwork({ miners: -1 })).rejects.toThrow(RangeError);
  });

  it('without the chain: only the HTTP stand-ins, serving the seeded scenario on its clock', async () => {
    const network = await startEmbeddedNetwork({ miners: 2, chain: false, seed: 7, netuid: 5, submissionsPerMiner: 1, latencyMs: 0 });
    try {
      expect(network.devnet).toBeUndefined();
      expect(network.chainUrl).toBeUndefined();
      expect(network.scenario.netuid).toBe(5);
      expect(network.standins.gistBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const before = network.now();
      network.advance(60_000);
      expect(network.now()).toBe(before + 60_000);
    } finally {
      await network.close();
      await network.close(); // a second close is a no-op
    }
  });
});
