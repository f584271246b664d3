import type { ApiPromise } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { SubtensorDevnet } from '../../../src/devnet/subtensor/subtensor-devnet.js';
import { devPair } from '../../helpers/dev-keys.js';
import { connect, fakeAddress, TAO, type KeyringPair, type Untyped } from './helpers.js';

export const NETUID = 89;

/** A Subtensor stand-in with a validator and a few miners, and an API connected to it. */
export interface World {
  devnet: SubtensorDevnet;
  api: ApiPromise;
  tx: Untyped;
  query: Untyped;
  validator: KeyringPair;
  miners: KeyringPair[];
  alice: KeyringPair;
}

export async function world(hyperparameters: Record<string, unknown> = {}, minerCount = 4): Promise<World> {
  await cryptoWaitReady();
  const validator = devPair('//InfiniteVibe/validator');
  const alice = devPair('//Alice');
  const miners = Array.from({ length: minerCount }, (_, i) => devPair(`//InfiniteVibe/miner/${i + 1}`));
  const devnet = await SubtensorDevnet.start({
    netuid: NETUID,
    autoBlocks: false,
    neurons: [
      { hotkey: validator.address, coldkey: alice.address, stake: 1000n * TAO },
      ...miners.map((m, i) => ({ hotkey: m.address, coldkey: fakeAddress(500 + i), stake: BigInt(i + 1) * TAO })),
    ],
    hyperparameters: { weightsSetRateLimit: 5, ...hyperparameters },
  });
  const api = await connect(devnet);
  return { devnet, api, tx: api.tx as Untyped, query: api.query as Untyped, validator, miners, alice };
}

export async function teardown(w: World | undefined): Promise<void> {
  await w?.api.disconnect();
  await w?.devnet.close();
}
