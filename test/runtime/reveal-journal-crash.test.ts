import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/log.js';
import { initCrypto } from '../../src/crypto/index.js';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { openStore } from '../../src/runtime/open-store.js';
import { RevealSpool } from '../../src/runtime/reveal-spool.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { devnetValidateFlags, spawnValidateOnce } from './validate-child.js';
import { closedPort } from '../helpers/closed-port.js';
import { blocksUntil as produceBlocksUntil, startManualCommitRevealDevnet } from '../weights/manual-blocks.js';

const MINERS = 8;
const DB = 'journal-crash';

/**
 * A validator process killed with SIGKILL once its commit is included (no shutdown path runs:
 * nothing is spooled at a stop), then a fresh validator started while MongoDB is unreachable.
 * The commit's salt is in the store it cannot read; only the reveal journal written before the
 * commit was sent can bring the reveal out inside its window.
 */
describe('reveal journal across a SIGKILL and a start with MongoDB down (stand-in node)', () => {
  let scenario: Scenario;
  let devnet: SubtensorDevnet;
  let store: MongoStore | undefined;
  let spoolDir: string;
  beforeAll(async () => {
    scenario = await buildScenario({ miners: MINERS });
    // Blocks only when the test makes them, so the kill lands between two known blocks.
    devnet = await startManualCommitRevealDevnet(scenario);
    store = await openStore({ db: DB });
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-reveal-journal-'));
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await devnet?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  /** Produces a block every 100 ms until `until()` holds; gives up past `lastBlock`. */
  const blocksUntil = (until: () => boolean | Promise<boolean>, lastBlock: number, what?: string): Promise<void> =>
    produceBlocksUntil(devnet, until, { lastBlock }, what, 100);

  it('the restarted validator reveals the killed one\'s commit from the journal inside its window', async () => {
    await initCrypto();
    const hotkey = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(scenario.validator.uri).address;
    const netuid = scenario.netuid;
    const flags = devnetValidateFlags({ chainEndpoint: devnet.url, db: DB, spoolDir: spoolDir });
    const { child, exited, log } = spawnValidateOnce({ flags, miners: MINERS, mongoUri: store!.embedded!.uri });
    try {
      // The commit reaches the pool: freeze the process, include the commit, then kill it.
      const start = devnet.produceBlock().number;
      await blocksUntil(() => devnet.pendingExtrinsics > 0, start + 1_800);
      child.kill('SIGSTOP');
      devnet.produceBlock();
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; validator log:\n${log()}`);
    }
    const [onChain] = devnet.state.weightCommitsOf(hotkey, netuid);
    expect(onChain).toBeDefined();
    const [pending] = await store!.weightCommits.pendingReveals({ hotkey, netuid });
    expect(pending).toMatchObject({ state: 'pending', commit_hash: onChain!.hash });
    // MongoDB goes away for good: nothing of it can be read by the next start.
    await store!.close();
    store = undefined;

    const port = await closedPort();
    const config = loadConfig({ env: {}, flags: { ...flags, 'mongodb.uri': `mongodb://127.0.0.1:${port}/?directConnection=true`, 'logging.level': 'silent' } });
    const app = await startValidator(config, { miners: MINERS, metricsServer: false, store: { serverSelectionTimeoutMS: 300 } });
    try {
      expect(app.signer.address).toBe(hotkey);
      app.committer.start();
      await blocksUntil(() => devnet.state.weightsOf(0, netuid).length > 0, onChain!.lastRevealBlock);
      expect(devnet.state.weightsOf(0, netuid)).toEqual(pending!.uids.map((uid, i) => [uid, pending!.values[i]]));
      expect(devnet.state.weightCommitsOf(hotkey, netuid)).toEqual([]);
      // Revealed: the journal no longer holds it.
      const journal = new RevealSpool(spoolDir, { hotkey, netuid }, silentLogger());
      await vi.waitFor(() => expect(existsSync(journal.file)).toBe(false), { timeout: 10_000, interval: 50 });
    } finally {
      await app.stop();
    }
  }, 300_000);
});
