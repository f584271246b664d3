import { cryptoWaitReady } from '@polkadot/util-crypto';

await cryptoWaitReady();
export { devPair } from '../../src/devnet/dev-keys.js';
