import type { KeyringPair } from '@polkadot/keyring/types';
import type { WeightVector } from './types.js';

/*
 * Argument checks shared by the client's reads and writes: a bad netuid, vector or signer is
 * refused with a precise TypeError/RangeError before anything is encoded or sent.
 */

export function assertU16(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new RangeError(`${name} must be an integer in [0, 65535], got ${String(value)}`);
  }
}

export function assertVector(vector: WeightVector): void {
  if (!vector || !Array.isArray(vector.uids) || !Array.isArray(vector.values)) {
    throw new TypeError('weight vector must have uids and values arrays');
  }
  if (vector.uids.length !== vector.values.length) {
    throw new RangeError(
      `weight vector uids (${vector.uids.length}) and values (${vector.values.length}) differ in length`,
    );
  }
  vector.uids.forEach((u, i) => assertU16(u, `uids[${i}]`));
  vector.values.forEach((v, i) => assertU16(v, `values[${i}]`));
  if (typeof vector.versionKey !== 'bigint' || vector.versionKey < 0n) {
    throw new TypeError(`versionKey must be a non-negative bigint, got ${String(vector.versionKey)}`);
  }
}

export function assertSalt(salt: readonly number[]): void {
  if (!Array.isArray(salt) || salt.length === 0) throw new TypeError('salt must be a non-empty array of u16');
  salt.forEach((s, i) => assertU16(s, `salt[${i}]`));
}

export function assertSigner(signer: KeyringPair): void {
  if (!signer || typeof signer.sign !== 'function' || typeof signer.address !== 'string') {
    throw new TypeError('signer must be a KeyringPair (see src/wallet loadHotkey)');
  }
}
