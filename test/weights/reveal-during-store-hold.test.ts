import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { Store } from '../../src/store/types.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { neurons, validator } from '../chain/devnet-fixture.js';
import { NETUID, THREE_MINERS as SCORES } from './devnet-chain.js';

/**
 * Commit-reveal on the Subtensor stand-in, the audit in the MongoDB stand-in. A commit is on
 * chain; the next one is due while the store refuses the write-ahead record, so it is held (its
 * salt cannot be stored). The earlier commit's reveal needs no store (its salt is in memory) and
 * must go out inside its window, not wait behind the held commit for as long as the hold lasts.
 */
describe('a reveal that comes due while the next commit is held for the store', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  let mongo: EmbeddedMongoServer;
  let store: Store;
  let committer: WeightCommitter | undefined;
  beforeEach(async () => {
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 100,
      netuid: NETUID,
      neurons: neurons(3),
      hyperparameters: { commitRevealWeightsEnabled: true, tempo: 20, weightsSetRateLimit: 0, revealPeriodEpochs: 1 },
    });
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 60_000 });
    mongo = await EmbeddedMongoServer.start();
    store = await openStore({ uri: mongo.uri, db: 'reveal-hold', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
  }, 60_000);
  afterEach(async () => {
    await committer?.stop();
    await client?.close();
    await devnet?.close();
    mongo?.failCommands(null);
    await store?.close();
    await mongo?.close();
  });

  it('goes out in its window while the commit stays held', async () => {
    committer = new WeightCommitter({
      chain: client,
      netuid: NETUID,
      signer: validator,
      audit: store.weightCommits,
      intervalMs: 3_600_000,
      versionKey: 0n,
      retryDelayMs: 100,
      // The hold lasts longer than the test: only a reveal that does not queue behind it lands.
      waitTimeoutMs: 120_000,
      stopGraceMs: 0,
      logger: silentLogger(),
      metrics: new ValidatorMetrics({ defaultMetrics: false }),
    });
    committer.update(SCORES);
    const first = await committer.commitNow();
    expect(first).toMatchObject({ ok: true, mode: 'commit' });
    // Inserts refused from now on: the next write-ahead record cannot be stored.
    mongo.failCommands({ commands: ['insert'] });
    const commitsBefore = devnet.state.weightsOf(0, NETUID);
    committer.start(); // its due commit is held for the store
    await vi.waitFor(() => expect(devnet.state.weightsOf(0, NETUID).map(([uid]) => uid)).toEqual([1, 2, 3]), { timeout: 30_000, interval: 50 });
    expect(commitsBefore).toEqual([]);
    // Still held: no second commit went out.
    expect((await client.weightCommits(NETUID, validator.address)).length).toBe(0);
  }, 60_000);
});
