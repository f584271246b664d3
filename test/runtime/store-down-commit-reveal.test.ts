import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { ValidatorApp } from '../../src/runtime/validator-app.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { blocksUntil as produceBlocksUntil, startManualCommitRevealDevnet, TWO_MINERS, startValidatorOnDevnet, appCommitter } from '../weights/manual-blocks.js';

const MINERS = 4;

const SCORES = TWO_MINERS;

/**
 * MongoDB goes down once a commit's write-ahead record is stored and its commit_weights is on
 * its way, and stays down through the reveal window (reads and writes refused). The reveal goes
 * out in the window from memory, once; when the store is back, the commit's record catches up
 * (`revealed`, with its block) and the reveal's own record is stored once.
 */
describe('runtime: MongoDB down across a commit and its reveal (stand-in node)', () => {
  let scenario: Scenario;
  let devnet: SubtensorDevnet;
  let mongo: EmbeddedMongoServer;
  let store: MongoStore;
  let app: ValidatorApp;
  let committer: WeightCommitter | undefined;
  beforeAll(async () => {
    scenario = await buildScenario({ miners: MINERS });
    devnet = await startManualCommitRevealDevnet(scenario);
    mongo = await EmbeddedMongoServer.start();
    store = await openStore({ uri: mongo.uri, db: 'store-down-commit-reveal', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    app = await startValidatorOnDevnet(devnet, store, MINERS);
  }, 60_000);
  afterAll(async () => {
    mongo?.failCommands(null);
    const stopping = committer?.stop();
    let stopped = false;
    void stopping?.finally(() => (stopped = true));
    const timer = setInterval(() => !stopped && devnet.produceBlock(), 50);
    await stopping;
    clearInterval(timer);
    await app?.stop();
    await store?.close();
    await mongo?.close();
    await devnet?.close();
  });

  /** Produces a block every 50 ms until `until()` holds or `lastBlock` is passed. */
  const blocksUntil = (until: () => boolean | Promise<boolean>, lastBlock: number, what?: string): Promise<void> =>
    produceBlocksUntil(devnet, until, { lastBlock }, what, 50);

  it('the reveal goes out in its window once; the records catch up when the store is back', async () => {
    const netuid = scenario.netuid;
    const hotkey = app.signer.address;
    committer = appCommitter(app, store);
    committer.update(SCORES);
    committer.start();
    // The write-ahead record is stored before commit_weights is sent: once it waits in the pool,
    // the store goes down for reads and writes alike.
    await blocksUntil(() => devnet.pendingExtrinsics > 0, devnet.bestNumber + 200, 'commit in the pool');
    mongo.failCommands({ commands: ['insert', 'update', 'find', 'aggregate', 'count'] });
    devnet.produceBlock();
    const [commit, ...more] = devnet.state.weightCommitsOf(hotkey, netuid);
    expect(commit).toBeDefined();
    expect(more).toEqual([]);

    await blocksUntil(() => devnet.state.weightsOf(0, netuid).length > 0, commit!.lastRevealBlock, 'revealed from memory');
    expect(devnet.state.weightCommitsOf(hotkey, netuid)).toEqual([]);
    // Down all along: the commit's record is still the write-ahead one, what followed is queued.
    expect(committer.auditBacklog).toBeGreaterThan(0);
    const head = devnet.bestNumber;

    mongo.failCommands(null);
    await vi.waitFor(async () => expect(await committer!.flushAudit()).toBe(true), { timeout: 30_000, interval: 100 });
    const records = (await store.weightCommits.recent({ hotkey, netuid }, 20)).filter((r) => r.commit_hash === commit!.hash);
    expect(records.map((r) => [r.mode, r.result, r.state ?? null])).toEqual([
      ['reveal', 'success', null],
      ['commit', 'success', 'revealed'],
    ]);
    expect(records[1]).toMatchObject({ block: commit!.commitBlock, reveal_from_block: commit!.firstRevealBlock, revealed: true });
    expect(records[1]!.revealed_block).toBeLessThanOrEqual(commit!.lastRevealBlock);
    expect(devnet.state.weightsOf(0, netuid)).toEqual(records[1]!.uids.map((uid, i) => [uid, records[1]!.values[i]]));
    // Nothing is revealed a second time once the store answers again.
    devnet.produceBlock();
    devnet.produceBlock();
    expect(devnet.bestNumber).toBe(head + 2);
    expect((await store.weightCommits.recent({ hotkey, netuid }, 20)).filter((r) => r.mode === 'reveal')).toHaveLength(1);
  }, 180_000);

  it('stopped before the store is back: the next start does not record the revealed commit as one that never landed', async () => {
    const netuid = scenario.netuid;
    const hotkey = app.signer.address;
    await committer?.stop();
    const options = {
      chain: app.chain,
      netuid,
      signer: app.signer,
      audit: store.weightCommits,
      intervalMs: 600_000,
      versionKey: 0n,
      retryDelayMs: 100,
      waitTimeoutMs: 60_000,
      pendingGraceBlocks: 2,
      logger: silentLogger(),
      metrics: app.metrics,
    };
    committer = new WeightCommitter(options);
    committer.update(SCORES);
    committer.start();
    await blocksUntil(() => devnet.pendingExtrinsics > 0, devnet.bestNumber + 200, 'commit in the pool');
    mongo.failCommands({ commands: ['insert', 'update', 'find', 'aggregate', 'count'] });
    devnet.produceBlock();
    const [commit] = devnet.state.weightCommitsOf(hotkey, netuid);
    expect(commit).toBeDefined();
    await blocksUntil(() => devnet.state.weightCommitsOf(hotkey, netuid).length === 0, commit!.lastRevealBlock, 'revealed from memory');
    // The process stops with the store still down: the commit's record stays the write-ahead one.
    await committer.stop();
    mongo.failCommands(null);

    committer = new WeightCommitter(options);
    expect(await committer.reconcile()).toEqual({ tracked: 0, dropped: 1, undecided: 0 });
    const [record, ...more] = (await store.weightCommits.recent({ hotkey, netuid }, 20)).filter((r) => r.commit_hash === commit!.hash);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ state: 'dropped', error_code: 'ERR_WEIGHTS_COMMIT_NOT_ON_CHAIN' });
    expect(record!.error_message).not.toBe('the commit never landed on chain');
    expect(record!.error_message).toMatch(/may have landed and been revealed or expired/);
  }, 180_000);
});
