/**
 * Key/value storage with history: every write is tagged with the block that made it, so a read
 * "at block n" sees exactly the state after block n, as `state_getStorage(key, hash)` does on a
 * node. Keys and values are 0x-prefixed lowercase hex; `null` records a deletion.
 */
export class VersionedStorage {
  readonly #entries = new Map<string, { blocks: number[]; values: (string | null)[] }>();
  readonly #maxVersions: number;
  #sorted: string[] | null = null;

  constructor(options: { maxVersions?: number } = {}) {
    const maxVersions = options.maxVersions ?? 4096;
    if (!Number.isInteger(maxVersions) || maxVersions < 2) throw new RangeError(`maxVersions must be an integer >= 2, got ${maxVersions}`);
    this.#maxVersions = maxVersions;
  }

  /** Writes `value` as of `block`. Writes must come in non-decreasing block order per key. */
  set(key: string, value: string | null, block: number): void {
    let entry = this.#entries.get(key);
    if (!entry) {
      if (value === null) return;
      entry = { blocks: [], values: [] };
      this.#entries.set(key, entry);
      this.#sorted = null;
    }
    const last = entry.blocks.length - 1;
    if (last >= 0 && entry.blocks[last] === block) {
      entry.values[last] = value;
      return;
    }
    if (last >= 0 && entry.values[last] === value) return;
    entry.blocks.push(block);
    entry.values.push(value);
    // Old versions go first; a read before the oldest kept version sees the oldest value, which
    // only matters for blocks far older than any client asks about.
    if (entry.blocks.length > this.#maxVersions) {
      entry.blocks.shift();
      entry.values.shift();
    }
  }

  get(key: string, block: number): string | null {
    const entry = this.#entries.get(key);
    if (!entry) return null;
    const { blocks, values } = entry;
    // Binary search for the last version at or before `block`.
    let lo = 0;
    let hi = blocks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid]! <= block) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : values[found]!;
  }

  /** Keys under `prefix` that hold a value at `block`, sorted, strictly after `startKey`, at most `count`. */
  keys(prefix: string, block: number, count = Number.POSITIVE_INFINITY, startKey?: string): string[] {
    const sorted = this.#sortedKeys();
    const from = startKey && startKey > prefix ? startKey : prefix;
    let i = lowerBound(sorted, from);
    const out: string[] = [];
    for (; i < sorted.length && out.length < count; i++) {
      const key = sorted[i]!;
      if (!key.startsWith(prefix)) break;
      if (startKey !== undefined && key <= startKey) continue;
      if (this.get(key, block) !== null) out.push(key);
    }
    return out;
  }

  get size(): number {
    return this.#entries.size;
  }

  #sortedKeys(): string[] {
    this.#sorted ??= [...this.#entries.keys()].sort();
    return this.#sorted;
  }
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
