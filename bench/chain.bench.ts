/**
 * Metagraph read cost through the chain client: one `get_subnet_state` runtime call at the
 * finalized block, decoded and checked, for a 256-uid and a 4096-uid subnet on the stand-in node
 * over a real WebSocket. Also the commitments read (keys paged + values) for the same subnets.
 */
import { randomBytes } from 'node:crypto';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { SubtensorClient } from '../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../src/devnet/subtensor/subtensor-devnet.js';

const NETUID = 89;

async function measure(label: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  await fn(); // warm-up: metadata caches, JIT
  const started = performance.now();
  let reads = 0;
  while (performance.now() - started < 3_000 || reads < 3) {
    await fn();
    reads++;
  }
  const ms = (performance.now() - started) / reads;
  process.stdout.write(
    `${label} (${n} uids): ${ms.toFixed(1)} ms per read, ${(1000 / ms).toFixed(1)} reads/s\n`,
  );
}

export default async function bench(): Promise<void> {
  await cryptoWaitReady();
  for (const n of [256, 4096]) {
    const coldkey = encodeAddress(randomBytes(32), 42);
    const neurons = Array.from({ length: n }, (_, i) => ({
      hotkey: encodeAddress(randomBytes(32), 42),
      coldkey,
      stake: BigInt(i) * 1_000_000_000n,
      commitment: `miner-${i}:${(0xabc000 + i).toString(16)}`,
    }));
    const devnet = await SubtensorDevnet.start({
      port: 0,
      autoBlocks: false,
      netuid: NETUID,
      neurons,
      hyperparameters: { maxAllowedUids: Math.max(256, n) },
    });
    devnet.produceBlock();
    const client = await SubtensorClient.connect({ endpoint: devnet.url });
    try {
      await measure('metagraph', n, async () => {
        const snapshot = await client.metagraph(NETUID);
        if (snapshot.neurons.length !== n)
          throw new Error(`expected ${n} neurons, got ${snapshot.neurons.length}`);
      });
      await measure('commitments', n, async () => {
        const records = await client.commitments(NETUID);
        if (records.length !== n) throw new Error(`expected ${n} commitments, got ${records.length}`);
      });
    } finally {
      await client.close();
      await devnet.close();
    }
  }
}
