import { CompactRows, snapshotsOf, type CompactHistoryData } from '../scoring/compact-history.js';
import type { MetricSnapshot } from '../store/types.js';
import { compareStrings } from '../util/compare-strings.js';

/** Unambiguous for any strings (lengths first), unlike a separator that may occur in an id. */
function keyOf(platform: unknown, contentId: unknown, interval: unknown): string {
  const p = String(platform);
  const c = String(contentId);
  return `${p.length}:${c.length}:${p}${c}${String(interval)}`;
}


/**
 * One hotkey's cached history: the rows (compact), their order, and what makes a write new.
 * The store keeps the first write of a (platform, content_id, interval) key, so a repeated key
 * is ignored. Order is the store's as read until something is added, then sorted by platform,
 * content, interval: new rows are sorted among themselves and merged in, not the whole history
 * re-sorted every cycle.
 */
export class HotkeyHistory {
  readonly #rows: CompactRows;
  #order: Uint32Array;
  /** order[0, #searchable) is sorted by key: new keys are looked up there by bisection. */
  #searchable: number;
  /** Keys of the rows after #searchable (added since the last sort). */
  #pending = new Set<string>();
  /** Keys of every loaded row, when the store's order was not sorted by our comparison. */
  #loadedKeys: Set<string> | undefined;
  #sorted = true;

  constructor(hotkey: string, loaded: readonly MetricSnapshot[]) {
    this.#rows = new CompactRows(hotkey, loaded.length);
    this.#order = new Uint32Array(Math.max(8, loaded.length));
    for (const s of loaded) this.#order[this.#rows.rows] = this.#rows.add(s);
    let sorted = true;
    for (let i = 1; i < loaded.length && sorted; i++) sorted = this.#compare(this.#order[i - 1]!, this.#order[i]!) <= 0;
    this.#searchable = sorted ? loaded.length : 0;
    if (!sorted) this.#loadedKeys = new Set(loaded.map((s) => keyOf(s.platform, s.content_id, s.interval)));
  }

  get size(): number {
    return this.#rows.rows;
  }

  /** Adds a snapshot unless its key is already held; true when added. */
  add(snapshot: MetricSnapshot): boolean {
    const key = keyOf(snapshot.platform, snapshot.content_id, snapshot.interval);
    if (this.#pending.has(key) || this.#loadedKeys?.has(key) || this.#bisect(snapshot) >= 0) return false;
    const size = this.#rows.rows;
    if (size === this.#order.length) {
      const grown = new Uint32Array(size * 2);
      grown.set(this.#order);
      this.#order = grown;
    }
    this.#order[size] = this.#rows.add(snapshot);
    this.#pending.add(key);
    this.#sorted = false;
    return true;
  }

  /** The history as plain data for the score worker, in order. */
  data(): CompactHistoryData {
    this.#sort();
    return this.#rows.data(this.#order.subarray(0, this.#rows.rows));
  }

  snapshots(): MetricSnapshot[] {
    return snapshotsOf(this.data());
  }

  #sort(): void {
    if (this.#sorted) return;
    const size = this.#rows.rows;
    const cmp = (a: number, b: number): number => this.#compare(a, b);
    // The sorted prefix merged with the rows after it, sorted (all of them when the store's order
    // was not ours). Sorts are stable, and a prefix row goes first on a tie, so the result is the
    // stable sort of the whole order, as when the history was an array sorted in place.
    const added = this.#order.slice(this.#searchable, size).sort(cmp);
    const merged = new Uint32Array(this.#order.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.#searchable && j < added.length) merged[k++] = cmp(this.#order[i]!, added[j]!) <= 0 ? this.#order[i++]! : added[j++]!;
    while (i < this.#searchable) merged[k++] = this.#order[i++]!;
    while (j < added.length) merged[k++] = added[j++]!;
    this.#order = merged;
    this.#searchable = size;
    this.#pending.clear();
    this.#loadedKeys = undefined;
    this.#sorted = true;
  }

  /** Position in order[0, #searchable) of a row with the snapshot's key, or -1. */
  #bisect(s: MetricSnapshot): number {
    let lo = 0;
    let hi = this.#searchable - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const row = this.#order[mid]!;
      const c =
        compareStrings(this.#rows.platform(row), s.platform) ||
        compareStrings(this.#rows.contentId(row), s.content_id) ||
        compareStrings(this.#rows.interval(row), s.interval);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  #compare(a: number, b: number): number {
    const r = this.#rows;
    return compareStrings(r.platform(a), r.platform(b)) || compareStrings(r.contentId(a), r.contentId(b)) || compareStrings(r.interval(a), r.interval(b));
  }
}
