import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { neurons, validator } from '../chain/devnet-fixture.js';
import { cycleScores } from './cycle-scores.js';
import { MemoryAudit } from './fed-chain.js';

const NETUID = 89;
const SCORES = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3],
  scores: [[1, 'a', 4], [2, 'b', 2], [3, 'c', 1]],
  top: [1, 2, 3],
});

/**
 * A node whose connection flaps: it drops the socket each time the validator signs a weights
 * transaction, more times in a row than one due commit has attempts. The commit that was due
 * must still land soon after the flapping ends, not an interval (here an hour) later.
 */
describe('a chain connection that flaps through a due weight commit', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  let committer: WeightCommitter | undefined;
  let drops = 0;
  const DROPS = 8;
  beforeEach(async () => {
    drops = 0;
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 100,
      netuid: NETUID,
      neurons: neurons(3),
      // The nonce read that precedes every signature: the socket goes before it is answered.
      onRequest: (method, params) => {
        if (method === 'state_call' && params[0] === 'AccountNonceApi_account_nonce' && drops < DROPS) {
          drops++;
          devnet.dropConnections();
        }
      },
    });
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 60_000 });
  }, 60_000);
  afterEach(async () => {
    await committer?.stop();
    await client?.close();
    await devnet?.close();
  });

  it('is tried again within the interval after its attempts ran out, and lands', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    committer = new WeightCommitter({
      chain: client,
      netuid: NETUID,
      signer: validator,
      audit: new MemoryAudit(),
      intervalMs: 3_600_000,
      versionKey: 0n,
      retryDelayMs: 100,
      maxAttempts: 3,
      waitTimeoutMs: 30_000,
      logger: silentLogger(),
      metrics,
    });
    committer.update(SCORES);
    committer.start();
    await vi.waitFor(() => expect(committer!.lastResult).toMatchObject({ ok: true, mode: 'set' }), { timeout: 40_000, interval: 50 });
    expect(drops).toBe(DROPS);
    expect(devnet.state.weightsOf(0, NETUID).map(([uid]) => uid)).toEqual([1, 2, 3]);
  }, 60_000);
});
