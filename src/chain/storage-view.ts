import type { ApiPromise } from '@polkadot/api';

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
}

type StorageEntry = ((...keys: unknown[]) => Promise<unknown>) & object;
type Sections = Record<string, Record<string, StorageEntry | undefined> | undefined>;

/** A view over the decorated `query` of an api, or of `api.at(hash)` for one block. */
export function storageView(source: Pick<ApiPromise, 'query' | 'queryMulti'>): StorageView {
  const sections = source.query as unknown as Sections;
  const entry = (pallet: string, item: string): StorageEntry => {
    const found = sections[pallet]?.[item];
    if (typeof found !== 'function') throw new TypeError(`storage ${pallet}.${item} is not in the runtime metadata`);
    return found;
  };
  return Object.freeze({
    has: (pallet: string, item: string) => typeof sections[pallet]?.[item] === 'function',
    query: (pallet: string, item: string, ...keys: unknown[]) => {
      entry(pallet, item);
      return sections[pallet]![item]!(...keys);
    },
    queryMulti: async (pallet: string, item: string, keys: ReadonlyArray<unknown[]>) => {
      const e = entry(pallet, item);
      return (await source.queryMulti(keys.map((k) => [e, k]) as never)) as unknown as unknown[];
    },
  });
}
