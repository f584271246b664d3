import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { silentLogger } from '../../src/log.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator, type ValidatorApp } from '../../src/runtime/validator-app.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { embeddedConfig } from '../runtime/helpers.js';
import { cycleScores } from './cycle-scores.js';

const SCORES = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3, 4],
  scores: [[1, 'a', 4], [2, 'b', 2], [3, 'c', 1]],
  top: [1, 2, 3],
});

/**
 * The store applies an audit write and the connection drops before its answer arrives (the
 * embedded server's loseReply fail point): the write is retried, and must not be stored twice.
 */
describe('weight-commit audit records whose answer was lost', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let store: MongoStore;
  let app: ValidatorApp;
  const made: WeightCommitter[] = [];
  const committer = () => {
    const c = new WeightCommitter({
      chain: app.chain,
      netuid: network.scenario.netuid,
      signer: app.signer,
      audit: store.weightCommits,
      intervalMs: 60_000,
      versionKey: 0n,
      retryDelayMs: 100,
      waitTimeoutMs: 60_000,
      countAttempts: false,
      logger: silentLogger(),
      metrics: app.metrics,
    });
    c.update(SCORES);
    made.push(c);
    return c;
  };
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 250 });
    mongo = await EmbeddedMongoServer.start();
    store = await openStore({ uri: mongo.uri, db: 'lost-answers', serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    app = await startValidator(embeddedConfig({ 'subtensor.block_time_ms': 250 }), { network, storeInstance: store, metricsServer: false });
  }, 60_000);
  afterAll(async () => {
    for (const c of made) await c.stop();
    await app?.stop();
    await store?.close();
    await mongo?.close();
    await network?.close();
  });

  it('set mode: the outcome record written before the drop is not written again by the retry', async () => {
    const c = committer();
    mongo.failCommands({ commands: ['insert'], loseReply: true, times: 1 });
    const result = await c.commitNow();
    expect(result).toMatchObject({ ok: true, mode: 'set' });
    expect(await c.flushAudit()).toBe(true);
    const trail = await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
    expect(trail.filter((r) => r.block === result.block)).toHaveLength(1);
    expect(trail).toMatchObject([{ mode: 'set', result: 'success', block: result.block }]);
  }, 60_000);

  it('commit-reveal: the write-ahead record stored before the drop is the one record of its commit, revealed once', async () => {
    const netuid = network.scenario.netuid;
    network.devnet!.state.setHyperparameter('commitRevealWeightsEnabled', true, netuid);
    // In force from the next block: then the first insert of the commit is its write-ahead record.
    await vi.waitFor(async () => expect((await app.chain.hyperparameters(netuid)).commitRevealEnabled).toBe(true), { timeout: 30_000, interval: 100 });
    const c = committer();
    mongo.failCommands({ commands: ['insert'], loseReply: true, times: 1 });
    const result = await c.commitNow();
    expect(result).toMatchObject({ ok: true, mode: 'commit', attempts: 1 });
    const [committed, ...others] = await store.weightCommits.pendingReveals({ hotkey: app.signer.address, netuid: app.config.netuid });
    expect(others).toEqual([]);
    expect(committed).toMatchObject({ state: 'committed', block: result.block });
    const hash = committed!.commit_hash!;

    c.start();
    const ofCommit = async () => (await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 50)).filter((r) => r.commit_hash === hash);
    await vi.waitFor(async () => expect((await ofCommit()).some((r) => r.mode === 'reveal' && r.result === 'success')).toBe(true), { timeout: 60_000, interval: 250 });
    expect((await ofCommit()).map((r) => [r.mode, r.result, r.state ?? null])).toEqual([
      ['reveal', 'success', null],
      ['commit', 'success', 'revealed'],
    ]);
  }, 120_000);
});
