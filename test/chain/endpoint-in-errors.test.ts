import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { readSubnetWeights } from '../../src/chain/weights-reader.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { neurons } from './devnet-fixture.js';

/**
 * Hosted nodes take their API key in the endpoint's path or query. The chain errors that name
 * the node (a subnet missing, a read cut off) name it by scheme, host and port only, so the key
 * never reaches a log line or an operator's screenshot.
 */
describe('the chain endpoint in error messages', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  const SECRET = 'apikey-3f9c2b7e';

  beforeAll(async () => {
    devnet = await SubtensorDevnet.start({ port: 0, netuid: 89, neurons: neurons(1) });
    client = await SubtensorClient.connect({ endpoint: `${devnet.url}/ws/${SECRET}?token=${SECRET}`, connectTimeoutMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await devnet?.close();
  });

  it('names the node without its path or query when a subnet does not exist', async () => {
    const port = new URL(devnet.url).port;
    for (const read of [() => client.hyperparameters(999), () => client.metagraph(999), () => readSubnetWeights(client, 999)]) {
      const error = (await read().catch((e: unknown) => e)) as Error & { code?: string };
      expect(error.code).toBe('ERR_CHAIN_NO_SUBNET');
      expect(error.message).toContain(`ws://127.0.0.1:${port}/…`);
      expect(error.message).not.toContain(SECRET);
    }
  });
});
