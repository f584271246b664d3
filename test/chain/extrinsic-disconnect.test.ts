import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { neurons, validator } from './devnet-fixture.js';

const NETUID = 89;

/** A weights extrinsic waiting for inclusion when the node drops the socket (blocks made by the test). */
describe('an extrinsic in flight when the connection drops', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  beforeAll(async () => {
    devnet = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: NETUID, neurons: neurons(3) });
    devnet.produceBlock();
    // An inclusion timeout longer than the test: only the lost connection can end the wait.
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 3_600_000 });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await devnet?.close();
  });

  it('fails at once with ERR_CHAIN_DISCONNECTED (it may still land: the node includes it all the same)', async () => {
    const sending = client.setWeights(NETUID, { uids: [1, 2], values: [65_535, 100], versionKey: 2n }, validator);
    await vi.waitFor(() => expect(devnet.pendingExtrinsics).toBe(1), { timeout: 10_000, interval: 10 });
    devnet.dropConnections();
    await expect(sending).rejects.toMatchObject({ code: 'ERR_CHAIN_DISCONNECTED' });
    devnet.produceBlock();
    expect(devnet.state.weightsOf(0, NETUID)).toEqual([
      [1, 65_535],
      [2, 100],
    ]);
  }, 30_000);
});
