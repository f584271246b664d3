import { beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { validator } from '../chain/devnet-fixture.js';
import { NETUID, THREE_MINERS, useDevnetChain } from './devnet-chain.js';
import { MemoryAudit } from './fed-chain.js';

/**
 * A node whose connection flaps: it drops the socket each time the validator signs a weights
 * transaction, more times in a row than one due commit has attempts. The commit that was due
 * must still land soon after the flapping ends, not an interval (here an hour) later.
 */
describe('a chain connection that flaps through a due weight commit', () => {
  let drops = 0;
  const DROPS = 8;
  beforeEach(() => {
    drops = 0;
  });
  const chain = useDevnetChain({
    // The nonce read that precedes every signature: the socket goes before it is answered.
    onRequest: (devnet) => (method, params) => {
      if (method === 'state_call' && params[0] === 'AccountNonceApi_account_nonce' && drops < DROPS) {
        drops++;
        devnet.dropConnections();
      }
    },
  });

  it('is tried again within the interval after its attempts ran out, and lands', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const committer = (chain.committer = new WeightCommitter({
      chain: chain.client,
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
    }));
    committer.update(THREE_MINERS);
    committer.start();
    await vi.waitFor(() => expect(committer.lastResult).toMatchObject({ ok: true, mode: 'set' }), { timeout: 40_000, interval: 50 });
    expect(drops).toBe(DROPS);
    expect(chain.devnet.state.weightsOf(0, NETUID).map(([uid]) => uid)).toEqual([1, 2, 3]);
  }, 60_000);
});
