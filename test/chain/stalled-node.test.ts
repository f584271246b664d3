import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { neurons, validator } from './devnet-fixture.js';

const NETUID = 89;

/**
 * A node that hangs instead of refusing: its socket stays open but nothing is answered and no
 * head arrives (a stuck node process, a half-open connection). Timeouts far beyond the tests'
 * own, so only noticing the silence can end a wait.
 */
describe('a chain node that stops answering without closing the socket', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  beforeEach(async () => {
    devnet = await SubtensorDevnet.start({ port: 0, blockTimeMs: 100, netuid: NETUID, neurons: neurons(3) });
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 3_600_000, stallTimeoutMs: 1_000 });
  }, 60_000);
  afterEach(async () => {
    await client?.close();
    await devnet?.close();
  });

  it('is dropped and reconnected; a read waiting on it fails as disconnected, and reads work again', async () => {
    const down = firstValueFrom(client.connected$.pipe(filter((up) => !up)));
    devnet.stallConnections();
    const waiting = client.bestBlockNumber();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_CHAIN_DISCONNECTED' });
    await down;
    await firstValueFrom(client.connected$.pipe(filter(Boolean)));
    const before = devnet.bestNumber;
    expect(await client.bestBlockNumber()).toBeGreaterThanOrEqual(before);
    // The finalized-head stream resumes on the new socket.
    await firstValueFrom(client.finalizedBlocks$.pipe(filter((b) => b.number > before)));
  }, 20_000);

  it('a set_weights waiting for inclusion ends as disconnected (may have landed), and sending again after the reconnect lands', async () => {
    devnet.stallConnections();
    const vector = { uids: [1, 2], values: [65_535, 100], versionKey: 2n };
    await expect(client.setWeights(NETUID, vector, validator)).rejects.toMatchObject({ code: 'ERR_CHAIN_DISCONNECTED' });
    await firstValueFrom(client.connected$.pipe(filter(Boolean)));
    const outcome = await client.setWeights(NETUID, vector, validator);
    expect(outcome.block).toBeGreaterThan(0);
    expect(devnet.state.weightsOf(0, NETUID)).toEqual([
      [1, 65_535],
      [2, 100],
    ]);
  }, 20_000);

  it('a node that answers but has dropped the finalized-head subscription is reconnected, and the heads resume', async () => {
    const last = await firstValueFrom(client.finalizedBlocks$);
    devnet.dropSubscriptions();
    await firstValueFrom(client.finalizedBlocks$.pipe(filter((b) => b.number > last.number + 20)));
    expect(client.reconnects).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('a node that answers while no head arrives (finality stalled chain-wide) is probed and kept, not reconnected over and over', async () => {
    let probes = 0;
    const quiet = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: NETUID, neurons: neurons(1), onRequest: (method) => void (method === 'chain_getFinalizedHead' && probes++) });
    quiet.produceBlock();
    const kept = await SubtensorClient.connect({ endpoint: quiet.url, connectTimeoutMs: 10_000, stallTimeoutMs: 200 });
    const atConnect = probes;
    let drops = 0;
    const watch = kept.connected$.subscribe((up) => void (up || drops++));
    try {
      await vi.waitFor(() => expect(probes - atConnect).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 20 });
      expect(drops).toBe(0);
      expect(kept.reconnects).toBe(0);
    } finally {
      watch.unsubscribe();
      await kept.close();
      await quiet.close();
    }
  }, 20_000);
});
