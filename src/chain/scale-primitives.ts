import type { Registry } from '@polkadot/types/types';
import { compactFromU8a, u8aToHex } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import { ChainMetadataError } from '../errors.js';
import { scaleExtent } from './scale-extent.js';
import { SS58_PREFIX } from './subtensor-registry-types.js';

/*
 * The small pieces every Subtensor decoder shares: exact decodes, struct field access that
 * tolerates both our snake_case layouts and metadata's camelCase, cached SS58 encoding, and the
 * column-length check that keeps a malformed answer from producing shifted neurons.
 */

/**
 * Removes the SCALE length of an opaque `Vec<u8>` answer when it is there. @polkadot/api hands the
 * runtime's `Vec<u8>` back with the inner compact length still in front; a raw `state_call`
 * result has it too. Only a prefix that spans exactly the rest of the buffer is taken as one.
 */
export function stripOpaqueLength(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes;
  try {
    const [offset, length] = compactFromU8a(bytes);
    if (offset + length.toNumber() === bytes.length) return bytes.subarray(offset);
  } catch {
    // not a compact prefix: the bytes are already the inner value
  }
  return bytes;
}

/**
 * Decodes `type` from `bytes` and insists the decode consumed every byte. The bytes are measured
 * first (`scaleExtent`), so a length prefix past the bytes sent is refused before @polkadot/types
 * builds anything from it; whatever its decoders throw becomes a ChainMetadataError naming `what`.
 */
export function decodeExact<T extends { encodedLength: number }>(
  registry: Registry,
  type: string,
  bytes: Uint8Array,
  what: string,
): T {
  const mismatch = (decoded: number) =>
    new ChainMetadataError(
      `${what}: decoded ${decoded} of ${bytes.length} bytes as ${type}; the runtime's layout differs from the one this client knows`,
    );
  const extent = scaleExtent(registry, type, bytes, what);
  if (extent !== null && extent !== bytes.length) throw mismatch(extent);
  let value: T;
  try {
    value = registry.createTypeUnsafe(type, [bytes]) as unknown as T;
  } catch (error) {
    // The decoder's message quotes the node's bytes: cut, as every node text in a log line is.
    const detail = String((error as Error)?.message ?? error).slice(0, 300);
    throw new ChainMetadataError(`${what}: undecodable as ${type}: ${detail}`, { cause: error });
  }
  if (value.encodedLength !== bytes.length) throw mismatch(value.encodedLength);
  return value;
}

export interface Codec {
  toString(): string;
  toU8a(isBare?: boolean): Uint8Array;
}
export interface VecLike<T> {
  readonly length: number;
  [index: number]: T;
  map<U>(fn: (value: T, index: number) => U): U[];
}
export interface NumberLike {
  toBigInt(): bigint;
  toNumber(): number;
}
/**
 * A number field of a node's answer as a JS number. `toNumber()` throws a bare Error past 2^53;
 * this gives an unsafe number instead, which the metagraph checks refuse with ERR_CHAIN_BAD_ANSWER.
 */
export function numberOf(value: NumberLike): number {
  return Number(value.toBigInt());
}

export interface BoolLike {
  isTrue: boolean;
}
export interface StructLike {
  get(name: string): unknown;
}

/** Reads a struct field by its snake_case name whether the type came from us or from metadata (camelCase). */
export function field<T>(struct: StructLike, name: string): T | undefined {
  const direct = struct.get(name);
  if (direct !== undefined) return direct as T;
  const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return struct.get(camel) as T | undefined;
}

function unwrapOption(value: unknown): unknown {
  if (value && typeof value === 'object' && 'isSome' in value && 'unwrap' in value) {
    const option = value as { isSome: boolean; unwrap(): unknown };
    return option.isSome ? option.unwrap() : undefined;
  }
  return value;
}

export function vecField<T>(struct: StructLike, name: string, what: string): VecLike<T> {
  const value = unwrapOption(field(struct, name)) as VecLike<T> | undefined;
  if (!value || typeof value.length !== 'number')
    throw new ChainMetadataError(`${what}: field ${name} is missing from the runtime answer`);
  return value;
}

// Metagraph reads repeat the same few thousand keys; the SS58 checksum (blake2) dominates decoding.
const addressCache = new Map<string, string>();
export function ss58Of(publicKey: Uint8Array): string {
  const id = u8aToHex(publicKey);
  let address = addressCache.get(id);
  if (address === undefined) {
    if (addressCache.size >= 20_000) addressCache.clear();
    address = encodeAddress(publicKey, SS58_PREFIX);
    addressCache.set(id, address);
  }
  return address;
}

export const toAddress = (value: Codec): string => ss58Of(value.toU8a(true));

/** The lookup type name of a storage item's value, from the served metadata. */
export function storageValueType(registry: Registry, pallet: string, item: string): string {
  for (const p of registry.metadata.pallets) {
    if (p.name.toString() !== pallet || p.storage.isNone) continue;
    for (const entry of p.storage.unwrap().items) {
      if (entry.name.toString() !== item) continue;
      const id = entry.type.isMap ? entry.type.asMap.value : entry.type.asPlain;
      return registry.createLookupType(id);
    }
  }
  throw new ChainMetadataError(`storage ${pallet}.${item} is not in the runtime metadata`);
}

export function toHex(bytes: Uint8Array): string {
  return u8aToHex(bytes);
}

/** Every per-uid column of a subnet state must have one entry per hotkey. */
export function checkColumns(what: string, n: number, columns: ReadonlyArray<readonly [string, { readonly length: number }]>): void {
  for (const [name, column] of columns) {
    if (column.length !== n) throw new ChainMetadataError(`${what}: ${name} has ${column.length} entries for ${n} hotkeys`);
  }
}
