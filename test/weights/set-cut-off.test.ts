import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { validator } from '../chain/devnet-fixture.js';
import { NETUID, THREE_MINERS, useDevnetChain } from './devnet-chain.js';
import { MemoryAudit } from './fed-chain.js';

/**
 * set_weights (commit-reveal off) sent, and the socket dropped before its inclusion was heard:
 * the node includes it all the same. After the reconnect the committer must find it landed
 * (LastUpdate moved past the block it was sent at), record it as a success and not send it a
 * second time a rate limit later.
 */
describe('a set_weights cut off by a dropped socket that lands anyway', () => {
  let cut = false;
  let submitted = 0;
  beforeEach(() => {
    cut = false;
    submitted = 0;
  });
  const chain = useDevnetChain({
    hyperparameters: { weightsSetRateLimit: 100 },
    // The socket goes as the transaction reaches the pool: pooled, its answer never sent.
    onRequest: (devnet) => (method) => {
      if (method === 'author_submitAndWatchExtrinsic') submitted++;
      if (method === 'author_submitAndWatchExtrinsic' && !cut) {
        cut = true;
        setImmediate(() => devnet.dropConnections());
      }
    },
  });

  it('is found landed at the next attempt (recorded after the cut-off attempt) and not sent again', async () => {
    const audit = new MemoryAudit();
    const committer = (chain.committer = new WeightCommitter({
      chain: chain.client,
      netuid: NETUID,
      signer: validator,
      audit,
      intervalMs: 3_600_000,
      versionKey: 0n,
      retryDelayMs: 100,
      waitTimeoutMs: 60_000,
      logger: silentLogger(),
      metrics: new ValidatorMetrics({ defaultMetrics: false }),
    }));
    committer.update(THREE_MINERS);
    const result = await committer.commitNow();
    expect(cut).toBe(true);
    // Sent once: the cut-off one was found landed, not sent again a rate limit (100 blocks) later.
    expect(submitted).toBe(1);
    expect(result).toMatchObject({ ok: true, mode: 'set', uids: [1, 2, 3] });
    const status = await chain.client.validatorStatus(NETUID, validator.address);
    // The one inclusion: a second set_weights would have come WeightsSetRateLimit (100) blocks later.
    expect(status.lastUpdate).toBe(result.block);
    // The attempt whose answer was lost, then its landing.
    expect(audit.records.filter((r) => r.mode === 'set').map((r) => [r.result, r.block])).toEqual([['error', null], ['success', result.block]]);
    expect(chain.devnet.state.weightsOf(0, NETUID).map(([uid]) => uid)).toEqual([1, 2, 3]);
  }, 60_000);
});
