import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 4;

/**
 * A commit-reveal commit that comes due with MongoDB down (reads and writes) and the node dropping
 * every connection; the chain comes back first, then the store. The commit waits for both (its
 * salt must be stored before it is sent), is sent once, lands and is revealed in its window.
 */
describe('runtime: a commit due with the store and the chain both down', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500, hyperparameters: { commitRevealWeightsEnabled: true } });
    mongo = await EmbeddedMongoServer.start();
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await network?.close();
  });

  it('waits for both, then is sent once and revealed', async () => {
    const devnet = network.devnet!;
    const netuid = network.scenario.netuid;
    const store = await openStore({ uri: mongo.uri, db: 'commit-both-down', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    const metric = async (name: string, label?: [string, string]) =>
      (await app.metrics.registry.getSingleMetric(name)!.get()).values.find((v) => !label || (v.labels as Record<string, unknown>)[label[0]] === label[1])?.value ?? 0;
    let dropping: NodeJS.Timeout | undefined;
    try {
      expect(await app.supervisor.runCycle()).toMatchObject({ result: 'ok', scored: true });
      const heldBefore = await metric('infinitevibe_weights_skipped_total', ['reason', 'store_unavailable']);

      mongo.failCommands({ commands: ['insert', 'update', 'find', 'aggregate'] });
      devnet.dropConnections();
      dropping = setInterval(() => devnet.dropConnections(), 100);
      const committing = app.committer.commitNow();
      await vi.waitFor(async () => expect(await metric('infinitevibe_chain_connected')).toBe(0), { timeout: 10_000, interval: 20 });

      // The chain back first: the commit is then held for the store, and nothing is sent.
      clearInterval(dropping);
      dropping = undefined;
      await vi.waitFor(async () => expect(await metric('infinitevibe_weights_skipped_total', ['reason', 'store_unavailable'])).toBe(heldBefore + 1), { timeout: 60_000, interval: 100 });
      expect(devnet.state.weightCommitsOf(app.signer.address, netuid)).toEqual([]);

      mongo.failCommands(null);
      const commit = await committing;
      expect(commit).toMatchObject({ ok: true, mode: 'commit', error: null });
      const [landed, ...more] = devnet.state.weightCommitsOf(app.signer.address, netuid);
      expect(landed).toBeDefined();
      expect(more).toEqual([]);

      // Revealed by the running committer (the node takes a reveal only inside its window).
      app.committer.start();
      await vi.waitFor(() => expect(devnet.state.weightsOf(0, netuid)).toEqual(commit.uids.map((uid, i) => [uid, commit.values[i]])), { timeout: 60_000, interval: 100 });
      await vi.waitFor(async () => {
        const records = (await store.weightCommits.recent({ hotkey: app.signer.address, netuid }, 20)).filter((r) => r.commit_hash === landed!.hash);
        expect(records.map((r) => [r.mode, r.result, r.state ?? null])).toEqual([
          ['reveal', 'success', null],
          ['commit', 'success', 'revealed'],
        ]);
      }, { timeout: 30_000, interval: 100 });
    } finally {
      if (dropping) clearInterval(dropping);
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 120_000);
});
