import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { devPair } from '../../src/devnet/dev-keys.js';

describe('devPair', () => {
  beforeAll(() => cryptoWaitReady());

  it('gives the pair keyring.addFromUri gives for the same dev path, soft and hard junctions alike', () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const message = new Uint8Array([1, 2, 3]);
    for (const path of ['//InfiniteVibe/validator', '//InfiniteVibe/miner/3', '//InfiniteVibe/miner/30', '//InfiniteVibe/owner/0', '//a//b/c', '//InfiniteVibe/miner/3']) {
      const pair = devPair(path);
      const reference = keyring.addFromUri(path);
      expect(pair.address).toBe(reference.address);
      expect(pair.type).toBe('sr25519');
      expect(reference.verify(message, pair.sign(message), reference.publicKey)).toBe(true);
    }
  });

  it('refuses a path that is not a dev derivation path', () => {
    expect(() => devPair('InfiniteVibe/miner/3')).toThrow(/starts with \/ or \/\//);
  });
});
