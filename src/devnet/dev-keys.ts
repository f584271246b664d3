import { DEV_PHRASE, Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';

/**
 * Parent pairs by path ('' is the dev phrase's root). `keyring.addFromUri('//a/b/3')` stretches
 * the dev phrase into a seed (PBKDF2, ~25 ms) and walks every junction for each key; deriving only
 * the last junction from a kept parent gives the same pair in a fraction of that.
 */
const parents = new Map<string, KeyringPair>();

function parentAt(path: string): KeyringPair {
  let pair = parents.get(path);
  if (!pair) {
    pair = path === '' ? new Keyring({ type: 'sr25519', ss58Format: 42 }).createFromUri(DEV_PHRASE) : derive(path);
    parents.set(path, pair);
  }
  return pair;
}

function derive(path: string): KeyringPair {
  if (!path.startsWith('/')) throw new RangeError(`a dev key path starts with / or //, got ${JSON.stringify(path)}`);
  // The last junction: "/3" (soft) or "//3" (hard).
  let cut = path.lastIndexOf('/');
  if (path[cut - 1] === '/') cut--;
  return parentAt(path.slice(0, cut)).derive(path.slice(cut));
}

/**
 * The pair `new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(path)` gives for a dev
 * path such as `//InfiniteVibe/miner/3`. Call after `cryptoWaitReady()`.
 */
export function devPair(path: string): KeyringPair {
  return derive(path);
}
