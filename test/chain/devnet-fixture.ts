import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet, type SubtensorDevnetOptions } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { devPair } from '../helpers/dev-keys.js';

await cryptoWaitReady();
export const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
export const validator = devPair('//InfiniteVibe/validator');
export function miner(i: number): KeyringPair {
  return devPair(`//InfiniteVibe/miner/${i}`);
}

/** The validator at uid 0 and `miners` miners at uids 1.., all with stake. */
export function neurons(miners: number, extra: { validatorPermit?: boolean; commitments?: boolean } = {}) {
  return [
    {
      hotkey: validator.address,
      coldkey: validator.address,
      stake: 1_000_000_000_000n,
      validatorPermit: extra.validatorPermit ?? true,
    },
    ...Array.from({ length: miners }, (_, i) => ({
      hotkey: miner(i + 1).address,
      coldkey: validator.address,
      stake: BigInt(i + 1) * 1_000_000_000n,
      ...(extra.commitments ? { commitment: `miner-${i + 1}:${(0xabc000 + i).toString(16)}` } : {}),
    })),
  ];
}

export interface Harness {
  devnet: SubtensorDevnet;
  client: SubtensorClient;
  /** Produces a block and waits until the client has seen it finalized. */
  block(): Promise<number>;
  /** Waits for a transaction to reach the pool, produces the block, returns the outcome. */
  included<T>(promise: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function harness(options: SubtensorDevnetOptions): Promise<Harness> {
  const devnet = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: 89, ...options });
  devnet.produceBlock();
  const client = await SubtensorClient.connect({
    endpoint: devnet.url,
    connectTimeoutMs: 10_000,
    inclusionTimeoutMs: 10_000,
  });
  const block = async () => {
    const { number } = devnet.produceBlock();
    await firstValueFrom(
      client.finalizedBlocks$.pipe(
        filter((b) => b.number >= number),
        timeout(10_000),
      ),
    );
    return number;
  };
  const included = async <T>(promise: Promise<T>): Promise<T> => {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    const deadline = Date.now() + 10_000;
    while (devnet.pendingExtrinsics === 0 && !settled && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    if (!settled) await block();
    return promise;
  };
  return {
    devnet,
    client,
    block,
    included,
    close: async () => {
      await client.close();
      await devnet.close();
    },
  };
}
