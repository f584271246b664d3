import { afterEach, beforeEach } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import type { WeightCommitter } from '../../src/weights/weight-committer.js';
import { neurons } from '../chain/devnet-fixture.js';
import { cycleScores } from './cycle-scores.js';

export const NETUID = 89;

/** Three miners scored 4, 2 and 1, all in the top: the vector a due commit sends. */
export const THREE_MINERS = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3],
  scores: [
    [1, 'a', 4],
    [2, 'b', 2],
    [3, 'c', 1],
  ],
  top: [1, 2, 3],
});

type DevnetOptions = NonNullable<Parameters<typeof SubtensorDevnet.start>[0]>;

/**
 * For each test: a Subtensor stand-in (100 ms blocks, three miners and the validator at uid 0)
 * and a client connected to it; the test's committer, set on the returned object, is stopped
 * after it. `onRequest` is given the stand-in, to drop or stall its connections.
 */
export function useDevnetChain(options: {
  readonly hyperparameters?: DevnetOptions['hyperparameters'];
  readonly onRequest?: (devnet: SubtensorDevnet) => NonNullable<DevnetOptions['onRequest']>;
}): { devnet: SubtensorDevnet; client: SubtensorClient; committer: WeightCommitter | undefined } {
  const chain = {} as { devnet: SubtensorDevnet; client: SubtensorClient; committer: WeightCommitter | undefined };
  beforeEach(async () => {
    chain.committer = undefined;
    const devnet: SubtensorDevnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 100,
      netuid: NETUID,
      neurons: neurons(3),
      ...(options.hyperparameters ? { hyperparameters: options.hyperparameters } : {}),
      ...(options.onRequest ? { onRequest: (method, params) => options.onRequest!(devnet)(method, params) } : {}),
    });
    chain.devnet = devnet;
    chain.client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 60_000 });
  }, 60_000);
  afterEach(async () => {
    await chain.committer?.stop();
    await chain.client?.close();
    await chain.devnet?.close();
  });
  return chain;
}
