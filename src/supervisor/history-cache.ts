import type { MetricSnapshot } from '../store/types.js';
import { positiveInt } from '../util/option-checks.js';

/** Where histories come from: the store's snapshot repository. */
export interface HistorySource {
  history(hotkey: string): Promise<MetricSnapshot[]>;
  /** Many hotkeys in one query (one round trip instead of one per hotkey). */
  histories?(hotkeys: readonly string[]): Promise<Map<string, MetricSnapshot[]>>;
}

export interface HistoryCacheOptions {
  /** Snapshots kept in memory across all hotkeys; beyond it the cache starts over. */
  readonly maxSnapshots?: number;
}

const keyOf = (s: MetricSnapshot) => `${s.platform}|${s.content_id}|${s.interval}`;

/**
 * Scoring reads every miner's whole history each cycle. The validator is the only writer of its
 * store, so after one read per hotkey the history can be kept current by appending what the
 * actors persist, instead of re-querying thousands of hotkeys every cycle (on the embedded
 * server, which scans, that read grew with miners × stored snapshots). Entries are ordered as the
 * store orders them (content, then interval). Bounded: past `maxSnapshots` it is dropped and
 * re-read from the store.
 */
export class HistoryCache implements HistorySource {
  readonly #source: HistorySource;
  readonly #max: number;
  readonly #byHotkey = new Map<string, { snapshots: MetricSnapshot[]; keys: Set<string>; sorted: boolean }>();
  #size = 0;

  constructor(source: HistorySource, options: HistoryCacheOptions = {}) {
    if (!source || typeof source.history !== 'function') throw new TypeError('source must provide history(hotkey)');
    const max = options.maxSnapshots ?? 2_000_000;
    positiveInt('maxSnapshots', max);
    this.#source = source;
    this.#max = max;
  }

  /** Snapshots held in memory. */
  get size(): number {
    return this.#size;
  }

  async history(hotkey: string): Promise<MetricSnapshot[]> {
    const cached = this.#byHotkey.get(hotkey);
    if (cached) {
      if (!cached.sorted) {
        cached.snapshots.sort(compare);
        cached.sorted = true;
      }
      return cached.snapshots;
    }
    this.#install(hotkey, await this.#source.history(hotkey));
    this.#trim();
    return this.history(hotkey);
  }

  /**
   * Loads the hotkeys not held yet in one source query, when the source can answer many at once
   * (the first cycle after a start reads every miner's history: thousands of round trips
   * otherwise). Hotkeys already held are not read again.
   */
  async preload(hotkeys: Iterable<string>): Promise<void> {
    if (!this.#source.histories) return;
    const missing = [...new Set(hotkeys)].filter((h) => !this.#byHotkey.has(h));
    if (missing.length === 0) return;
    const loaded = await this.#source.histories(missing);
    for (const hotkey of missing) this.#install(hotkey, loaded.get(hotkey) ?? []);
    this.#trim();
  }

  #install(hotkey: string, snapshots: readonly MetricSnapshot[]): void {
    // A write recorded while the read was in flight is already in the store's answer or not:
    // merge rather than overwrite.
    const raced = this.#byHotkey.get(hotkey);
    const entry = { snapshots: [...snapshots], keys: new Set(snapshots.map(keyOf)), sorted: true };
    this.#byHotkey.set(hotkey, entry);
    this.#size += entry.snapshots.length;
    if (raced) {
      this.#size -= raced.snapshots.length;
      this.record(raced.snapshots);
    }
  }

  /** Snapshots just written (or buffered for writing): added to the histories already loaded. */
  record(snapshots: readonly MetricSnapshot[]): void {
    for (const snapshot of snapshots) {
      const entry = this.#byHotkey.get(snapshot.hotkey);
      if (!entry) continue; // not loaded yet: the first read will see it in the store
      const key = keyOf(snapshot);
      if (entry.keys.has(key)) continue; // the store keeps the first write of a key
      entry.keys.add(key);
      entry.snapshots.push(snapshot);
      entry.sorted = false;
      this.#size++;
    }
    this.#trim();
  }

  /** Drops a hotkey (deregistered, replaced). */
  forget(hotkey: string): void {
    const entry = this.#byHotkey.get(hotkey);
    if (!entry) return;
    this.#size -= entry.snapshots.length;
    this.#byHotkey.delete(hotkey);
  }

  #trim(): void {
    if (this.#size <= this.#max) return;
    this.#byHotkey.clear();
    this.#size = 0;
  }
}

function compare(a: MetricSnapshot, b: MetricSnapshot): number {
  return a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : a.content_id < b.content_id ? -1 : a.content_id > b.content_id ? 1 : a.interval < b.interval ? -1 : a.interval > b.interval ? 1 : 0;
}
