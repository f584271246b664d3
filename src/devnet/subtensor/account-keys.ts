import { stringToU8a, u8aConcat } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';

/** Normalises any SS58 or 0x public key to SS58 with prefix 42. */
export function toSs58(address: string, what = 'address'): string {
  let ss58 = ss58Cache.get(address);
  if (ss58 === undefined) {
    try {
      ss58 = encodeAddress(publicKeyOf(address), 42);
    } catch (cause) {
      throw new TypeError(`${what} is not a valid SS58 address or 32-byte public key: ${JSON.stringify(address)} (${(cause as Error).message})`);
    }
    remember(ss58Cache, address, ss58);
  }
  return ss58;
}

// Base58 decoding dominates bulk seeding (every key and value names accounts), so decoded
// addresses are memoised; the caches are bounded and simply start over when full.
const CACHE_LIMIT = 100_000;
const ss58Cache = new Map<string, string>();
const publicKeyCache = new Map<string, Uint8Array>();

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

/** Public key of an SS58 address or 0x key; throws on anything else. The result must not be mutated. */
export function publicKeyOf(address: string): Uint8Array {
  let pk = publicKeyCache.get(address);
  if (!pk) {
    pk = decodeAddress(address);
    remember(publicKeyCache, address, pk);
  }
  return pk;
}

/** SCALE `CommitmentInfo` holding one `Raw<N>` field with the UTF-8 bytes of `text`. */
export function encodeCommitmentText(text: string): Uint8Array {
  const bytes = stringToU8a(text);
  if (bytes.length > 128) throw new RangeError(`commitment is ${bytes.length} bytes; Data::Raw holds at most 128`);
  // fields: Vec len 1 (compact 0x04), tag N+1, N bytes.
  return u8aConcat(new Uint8Array([0x04, bytes.length + 1]), bytes);
}
