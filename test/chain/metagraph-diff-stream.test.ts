import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import type { MetagraphDiff } from '../../src/chain/types.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { miner, neurons, validator } from './devnet-fixture.js';

const NETUID = 89;

/**
 * Finalized heads never go back on one chain, but the node behind an endpoint can change chains:
 * restarted from an earlier state, or a failover to a node that is behind. The diff stream must
 * then follow the chain it now sees instead of waiting for it to pass the old height.
 */
describe('metagraph diff stream when the finalized head goes back', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  it('a node restarted from an earlier state is followed at once', async () => {
    const first = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: NETUID, neurons: neurons(2) });
    const port = Number(new URL(first.url).port);
    for (let i = 0; i < 6; i++) first.produceBlock();
    const client = await SubtensorClient.connect({ endpoint: first.url, connectTimeoutMs: 10_000 });
    open.push(client);
    const diffs: MetagraphDiff[] = [];
    const sub = client.metagraphDiffs$(NETUID).subscribe((d) => diffs.push(d));
    open.push({ close: async () => sub.unsubscribe() });
    first.produceBlock();
    await vi.waitFor(() => expect(diffs).toHaveLength(3), { timeout: 10_000, interval: 10 });
    diffs.length = 0;

    await first.close();
    await firstValueFrom(client.connected$.pipe(filter((up) => !up), timeout(10_000)));
    // The same endpoint now serves a chain two blocks long, with a miner the old one did not have.
    const second = await SubtensorDevnet.start({
      port,
      autoBlocks: false,
      netuid: NETUID,
      neurons: [...neurons(2), { hotkey: miner(70).address, coldkey: validator.address, stake: 1n }],
    });
    open.push(second);
    second.produceBlock();
    await firstValueFrom(client.connected$.pipe(filter((up) => up), timeout(15_000)));
    const lower = second.produceBlock().number;
    expect(lower).toBeLessThan(7);
    await firstValueFrom(client.finalizedBlocks$.pipe(filter((b) => b.number === lower), timeout(10_000)));

    await vi.waitFor(() => expect(diffs.length).toBeGreaterThan(0), { timeout: 10_000, interval: 10 });
    expect(diffs).toMatchObject([{ kind: 'joined', uid: 3, neuron: { hotkey: miner(70).address } }]);
  }, 40_000);
});
