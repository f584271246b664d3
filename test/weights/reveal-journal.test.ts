import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { commitHashOf } from '../../src/chain/weight-commits-reader.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import { RevealSpool } from '../../src/runtime/reveal-spool.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { WeightCommitter, type WeightChain } from '../../src/weights/weight-committer.js';
import { validator } from '../chain/devnet-fixture.js';
import { NETUID, THREE_MINERS, useDevnetChain } from './devnet-chain.js';

const WHO = { hotkey: validator.address, netuid: NETUID };

describe('the reveal journal on the Subtensor stand-in', () => {
  const chain = useDevnetChain({ hyperparameters: { commitRevealWeightsEnabled: true, tempo: 20, weightsSetRateLimit: 0, revealPeriodEpochs: 1 } });
  let store: MongoStore;
  let dir: string;
  beforeEach(async () => {
    store = await openStore({ db: 'reveal-journal' });
    dir = mkdtempSync(join(tmpdir(), 'iv-journal-'));
  });
  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const committer = (journal: RevealSpool, client: WeightChain = chain.client) =>
    (chain.committer = new WeightCommitter({
      chain: client,
      netuid: NETUID,
      signer: validator,
      audit: store.weightCommits,
      intervalMs: 3_600_000,
      versionKey: 0n,
      retryDelayMs: 100,
      waitTimeoutMs: 30_000,
      pendingGraceBlocks: 5,
      journal,
      logger: silentLogger(),
      metrics: new ValidatorMetrics({ defaultMetrics: false }),
    }));

  it('holds a commit before it is sent and until it is revealed; then the file is gone', async () => {
    const journal = new RevealSpool(dir, WHO, silentLogger());
    let heldWhenSent: unknown[] | undefined;
    // The chain client, looking at the journal as commit_weights is about to be sent.
    const client = chain.client;
    const observing = new Proxy(client, {
      get(target, key) {
        if (key === 'commitWeights') {
          return async (...args: Parameters<typeof client.commitWeights>) => {
            heldWhenSent = await new RevealSpool(dir, WHO, silentLogger()).load();
            return target.commitWeights(...args);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const c = committer(journal, observing);
    c.update(THREE_MINERS);
    expect(await c.commitNow()).toMatchObject({ ok: true, mode: 'commit' });
    const [onChain] = await chain.client.weightCommits(NETUID, validator.address);
    expect(heldWhenSent).toEqual([expect.objectContaining({ hash: onChain!.hash, intendedBlock: expect.any(Number) })]);
    c.start();
    await vi.waitFor(() => expect(chain.devnet.state.weightsOf(0, NETUID).map(([uid]) => uid)).toEqual([1, 2, 3]), { timeout: 30_000, interval: 50 });
    await c.stop();
    expect(existsSync(journal.file)).toBe(false);
  }, 60_000);

  it('an entry whose commit never landed is never revealed, and leaves the journal once the chain shows it did not land', async () => {
    const vector = { uids: [1, 2], values: [65_535, 100], versionKey: 0n };
    const salt = [7, 7, 7, 7, 7, 7, 7, 7];
    const intendedBlock = await chain.client.bestBlockNumber();
    const journal = new RevealSpool(dir, WHO, silentLogger());
    await journal.save([{ ref: {}, hash: commitHashOf({ ...WHO, ...vector, salt }), vector, salt, intendedBlock }]);

    const c = committer(journal);
    // Too recent to tell: kept, and the start-up is not done.
    expect(await c.reconcile()).toEqual({ tracked: 0, dropped: 0, undecided: 0 });
    expect(existsSync(journal.file)).toBe(true);
    await vi.waitFor(async () => expect(await chain.client.bestBlockNumber()).toBeGreaterThanOrEqual(intendedBlock + 5), { timeout: 30_000, interval: 50 });
    await c.reconcile();
    await c.stop();
    expect(existsSync(journal.file)).toBe(false);
    expect(chain.devnet.state.weightsOf(0, NETUID)).toEqual([]);
  }, 60_000);
});
