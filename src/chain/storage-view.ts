import type { ApiPromise } from '@polkadot/api';
import type { Registry } from '@polkadot/types/types';
import { hexToU8a } from '@polkadot/util';
import { storageValuesAnswer } from './rpc-answers.js';
import { decodeExact } from './scale-primitives.js';

/**
 * Read-only access to the runtime's storage by pallet and item name (as @polkadot/api decorates
 * them, e.g. `subtensorModule`, `weights`), at one block or at the latest. Readers outside the
 * client get this instead of the raw api, so nothing outside src/chain can sign or send.
 */
export interface StorageView {
  /** Whether the runtime has this storage item (items differ between runtime versions). */
  has(pallet: string, item: string): boolean;
  /** One storage value, decoded by the metadata. */
  query(pallet: string, item: string, ...keys: unknown[]): Promise<unknown>;
  /** The same item for many keys in one round trip; each key is the argument list of one read. */
  queryMulti(pallet: string, item: string, keys: ReadonlyArray<unknown[]>): Promise<unknown[]>;
  /** Several items in one round trip, in the order asked. */
  queryMany(reads: ReadonlyArray<StorageRead>): Promise<unknown[]>;
}

export interface StorageRead {
  readonly pallet: string;
  readonly item: string;
  readonly keys?: readonly unknown[];
}

/** The raw values of storage keys at the view's block: hex, or null where a key holds nothing. */
export type RawStorageRead = (keys: readonly string[]) => Promise<ReadonlyMap<string, string | null>>;

/** What a view needs of an api, or of `api.at(hash)`: the decorated entries (for keys and types) and their registry. */
export type StorageSource = Pick<ApiPromise, 'query' | 'registry'>;

interface StorageEntryMeta {
  readonly type: { readonly isMap: boolean; readonly asMap: { readonly value: unknown }; readonly asPlain: unknown };
  readonly modifier: { readonly isOptional: boolean };
  readonly fallback: { toU8a(isBare: boolean): Uint8Array };
}
type StorageEntry = { key(...keys: unknown[]): string; readonly meta: StorageEntryMeta };
type Sections = Record<string, Record<string, StorageEntry | undefined> | undefined>;

/**
 * A view whose values come as raw bytes (`read`, one `state_queryStorageAt` per call) and are
 * decoded here with `decodeExact`: the bytes are measured against their length prefixes before
 * anything is built, so a node's few bytes claiming 2^19 weights or commits are refused
 * (ERR_CHAIN_METADATA) instead of holding the event loop while @polkadot/types builds them.
 * A missing value reads as @polkadot/api gives it: `None` for an optional item, else the
 * item's default from the metadata.
 */
export function storageView(source: StorageSource, read: RawStorageRead): StorageView {
  const sections = source.query as unknown as Sections;
  const registry = source.registry as unknown as Registry;
  const entry = (pallet: string, item: string): StorageEntry => {
    const found = sections[pallet]?.[item];
    if (typeof found !== 'function') throw new TypeError(`storage ${pallet}.${item} is not in the runtime metadata`);
    return found;
  };
  const queryMany = async (reads: ReadonlyArray<StorageRead>): Promise<unknown[]> => {
    const asked = reads.map(({ pallet, item, keys = [] }) => {
      const e = entry(pallet, item);
      return { e, key: e.key(...keys), what: `${pallet}.${item}` };
    });
    if (asked.length === 0) return [];
    const values = await read([...new Set(asked.map((a) => a.key))]);
    return asked.map(({ e, key, what }) => decodeValue(registry, e.meta, values.get(key) ?? null, what));
  };
  return Object.freeze({
    has: (pallet: string, item: string) => typeof sections[pallet]?.[item] === 'function',
    query: async (pallet: string, item: string, ...keys: unknown[]) => (await queryMany([{ pallet, item, keys }]))[0],
    queryMulti: (pallet: string, item: string, keys: ReadonlyArray<unknown[]>) => queryMany(keys.map((k) => ({ pallet, item, keys: k }))),
    queryMany,
  });
}

function decodeValue(registry: Registry, meta: StorageEntryMeta, hex: string | null, what: string): unknown {
  const type = registry.createLookupType((meta.type.isMap ? meta.type.asMap.value : meta.type.asPlain) as never);
  if (meta.modifier.isOptional) {
    const inner = hex === null ? null : decodeExact(registry, type, hexToU8a(hex), what);
    return registry.createTypeUnsafe(`Option<${type}>`, [inner]);
  }
  const bytes = hex === null ? meta.fallback.toU8a(true) : hexToU8a(hex);
  return decodeExact(registry, type, bytes, hex === null ? `${what} (default)` : what);
}

/**
 * `state_queryStorageAt` through `send` at `blockHash` (the node's best block when omitted),
 * its answer checked as every storage answer is (rpc-answers.ts).
 */
export function rawStorageRead(
  connection: { send<T>(method: string, params: unknown[]): Promise<T> },
  blockHash?: string,
): RawStorageRead {
  return async (keys) => {
    const params: unknown[] = blockHash === undefined ? [keys] : [keys, blockHash];
    return storageValuesAnswer(await connection.send<unknown>('state_queryStorageAt', params), keys, `storage values (${keys.length} keys)`);
  };
}
