import { Keyring } from '@polkadot/keyring';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { initCrypto } from '../../src/crypto/index.js';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { devnetValidateFlags, spawnValidateOnce } from './validate-child.js';
import { blocksUntil as produceBlocksUntil, startManualCommitRevealDevnet } from '../weights/manual-blocks.js';

const MINERS = 8;
const DB = 'crash-restart';

/**
 * A validator process killed between the inclusion of its commit and the store write that
 * records it, against a separately started stand-in node with commit-reveal on: the validator
 * started next reveals that commit inside its window.
 */
describe('commit-reveal across a validator crash (stand-in node)', () => {
  let scenario: Scenario;
  let devnet: SubtensorDevnet;
  let store: MongoStore;
  beforeAll(async () => {
    scenario = await buildScenario({ miners: MINERS });
    // Blocks only when the test makes them, so the crash lands between two known blocks.
    devnet = await startManualCommitRevealDevnet(scenario);
    store = await openStore({ db: DB });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await devnet?.close();
  });

  /** Produces a block every 100 ms until `until()` holds. */
  const blocksUntil = (until: () => boolean | Promise<boolean>, timeoutMs: number, what?: string): Promise<void> =>
    produceBlocksUntil(devnet, until, { timeoutMs }, what, 100);

  it('the restarted validator reveals the commit the killed one never recorded as included', async () => {
    await initCrypto();
    const hotkey = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(scenario.validator.uri).address;
    // Never the real home's spool: a test must neither read nor write it.
    const flags = devnetValidateFlags({ chainEndpoint: devnet.url, db: DB, spoolDir: 'off' });
    const { child, exited, log } = spawnValidateOnce({ flags, miners: MINERS, mongoUri: store.embedded!.uri });
    try {
      // The commit reaches the pool: freeze the process, include the commit, then kill it.
      await blocksUntil(() => devnet.pendingExtrinsics > 0, 180_000);
      child.kill('SIGSTOP');
      devnet.produceBlock();
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; validator log:\n${log()}`);
    }
    const [onChain] = devnet.state.weightCommitsOf(hotkey, scenario.netuid);
    expect(onChain).toBeDefined();
    const [pending] = await store.weightCommits.pendingReveals({ hotkey, netuid: scenario.netuid });
    expect(pending).toMatchObject({ state: 'pending', block: null, hotkey, commit_hash: onChain!.hash });

    const app = await startValidator(loadConfig({ env: {}, flags: { ...flags, 'logging.level': 'silent' } }), {
      storeInstance: store,
      miners: MINERS,
      metricsServer: false,
    });
    try {
      expect(app.signer.address).toBe(hotkey);
      // Start-up found the commit on chain by the hash of the stored fields.
      expect(await app.committer.reconcile()).toBeNull();
      expect((await store.weightCommits.pendingReveals({ hotkey, netuid: scenario.netuid }))[0]).toMatchObject({ state: 'committed', block: onChain!.commitBlock, reveal_from_block: onChain!.firstRevealBlock });
      app.committer.start();
      await blocksUntil(() => devnet.state.weightCommitsOf(hotkey, scenario.netuid).length === 0, 60_000);
      await vi.waitFor(async () => expect((await store.weightCommits.recent({ hotkey, netuid: scenario.netuid }, 1))[0]).toMatchObject({ mode: 'reveal', result: 'success' }), { timeout: 30_000, interval: 100 });
      const [record] = (await store.weightCommits.recent({ hotkey, netuid: scenario.netuid }, 10)).filter((r) => r.mode === 'commit');
      expect(record).toMatchObject({ state: 'revealed', block: onChain!.commitBlock, salt: pending!.salt });
      expect(record!.revealed_block).toBeGreaterThanOrEqual(onChain!.firstRevealBlock);
      expect(record!.revealed_block).toBeLessThanOrEqual(onChain!.lastRevealBlock);
      expect(devnet.state.weightsOf(0, scenario.netuid)).toEqual(pending!.uids.map((uid, i) => [uid, pending!.values[i]]));
    } finally {
      await app.stop();
    }
  }, 300_000);
});
