import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';

/**
 * The original asks a miner's gist host once a cycle (original-system.md §3.3): a 503 there
 * empties that miner's list for the cycle. `compat: original` keeps that; the default retries,
 * because a blip at GitHub is not the miner's fault.
 */
describe('a gist host that fails once', () => {
  let network: EmbeddedNetwork;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 6, blockTimeMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await network?.close();
  });

  async function cycleWithEveryFirstFetchFailing(flags: Record<string, unknown>, db: string) {
    const fetching = network.scenario.miners.filter((m) => m.commitment !== null && m.kind !== 'bad_commitment').length;
    const store = await openStore({ db });
    const app = await startValidator(embeddedConfig(flags), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    try {
      network.standins.clock.set(network.scenario.epochMs);
      const before = network.standins.stats.gist.count('raw');
      network.standins.faults.gist.failNext(...Array.from({ length: fetching }, () => ({ status: 503 })));
      const summary = await app.supervisor.runCycle();
      return { fetching, requests: network.standins.stats.gist.count('raw') - before, summary, stored: await store.snapshots.count({ interval: summary.interval }) };
    } finally {
      await app.stop();
      await store.close();
    }
  }

  it('compat original: one request per miner, and the miners whose fetch failed record nothing this cycle', async () => {
    const { fetching, requests, summary, stored } = await cycleWithEveryFirstFetchFailing({ compat: 'original' }, 'once-original');
    expect(fetching).toBeGreaterThan(2);
    expect(requests).toBe(fetching);
    expect(summary.submissions.accepted).toBe(0);
    expect(stored).toBe(0);
  }, 120_000);

  it('default: the failed fetch is asked again and the miners are collected', async () => {
    const { fetching, requests, summary, stored } = await cycleWithEveryFirstFetchFailing({}, 'once-default');
    expect(requests).toBe(2 * fetching);
    expect(summary.submissions.accepted).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(0);
  }, 120_000);
});
