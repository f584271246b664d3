import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { ValidatorApp } from '../../src/runtime/validator-app.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { WeightCommitter } from '../../src/weights/weight-committer.js';
import { blocksUntil as produceBlocksUntil, startManualCommitRevealDevnet, TWO_MINERS, startValidatorOnDevnet, appCommitter } from './manual-blocks.js';

const MINERS = 4;

const SCORES = TWO_MINERS;

/**
 * Commit-reveal on the stand-in node with blocks made by the test: the node drops every socket
 * while our commit_weights waits in its pool, then includes it. The committer never heard of the
 * inclusion; it must find its commit on chain, not send a second one.
 */
describe('a commit cut off after it reached the node', () => {
  let scenario: Scenario;
  let devnet: SubtensorDevnet;
  let store: MongoStore;
  let app: ValidatorApp;
  let committer: WeightCommitter | undefined;
  beforeAll(async () => {
    scenario = await buildScenario({ miners: MINERS });
    devnet = await startManualCommitRevealDevnet(scenario);
    store = await openStore({ db: 'commit-cut-off' });
    app = await startValidatorOnDevnet(devnet, store, MINERS);
  }, 60_000);
  afterAll(async () => {
    await committer?.stop();
    await app?.stop();
    await store?.close();
    await devnet?.close();
  });

  /** Produces a block every 50 ms until `until()` holds. */
  const blocksUntil = (until: () => boolean | Promise<boolean>, timeoutMs: number, what?: string): Promise<void> =>
    produceBlocksUntil(devnet, until, { timeoutMs }, what, 50);

  it('is found on chain after the reconnect and revealed: one commit, one reveal', async () => {
    const netuid = scenario.netuid;
    const hotkey = app.signer.address;
    committer = appCommitter(app, store);
    committer.update(SCORES);
    let settled = false;
    const committing = committer.commitNow().finally(() => (settled = true));
    await blocksUntil(() => devnet.pendingExtrinsics > 0, 60_000, 'commit in the pool');
    devnet.dropConnections();
    devnet.produceBlock();
    const [landed, ...more] = devnet.state.weightCommitsOf(hotkey, netuid);
    expect(landed).toBeDefined();
    expect(more).toEqual([]);

    await blocksUntil(() => settled, 60_000, 'commitNow settled');
    const result = await committing;
    expect(result).toMatchObject({ ok: true, mode: 'commit', block: landed!.commitBlock, uids: [1, 2] });
    expect(devnet.state.weightCommitsOf(hotkey, netuid)).toEqual([landed]);
    const records = (await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 20)).filter((r) => r.mode === 'commit');
    expect(records).toMatchObject([{ state: 'committed', result: 'success', commit_hash: landed!.hash, block: landed!.commitBlock, reveal_from_block: landed!.firstRevealBlock }]);

    // Its reveal goes out in the window (the committer's own next commit is another hash).
    committer.start();
    const ofCommit = async () => (await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 50)).filter((r) => r.commit_hash === landed!.hash);
    let revealed = false;
    const watch = setInterval(() => void ofCommit().then((rs) => (revealed = rs.some((r) => r.mode === 'reveal' && r.result === 'success'))), 100);
    try {
      await blocksUntil(() => revealed, 60_000);
    } finally {
      clearInterval(watch);
    }
    await vi.waitFor(async () => expect((await ofCommit()).map((r) => [r.mode, r.result, r.state ?? null])).toEqual([
      ['reveal', 'success', null],
      ['commit', 'success', 'revealed'],
    ]));

    // Its own next commit may be waiting for inclusion: blocks go on until it has stopped.
    let stopped = false;
    const stopping = committer.stop().finally(() => (stopped = true));
    await blocksUntil(() => stopped, 60_000, 'committer stopped');
    await stopping;
  }, 180_000);
});
