import type { CompactHistoryData } from '../scoring/compact-history.js';
import type { MetricSnapshot } from '../store/types.js';
import { positiveInt } from '../util/option-checks.js';
import { HotkeyHistory } from './hotkey-history.js';

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

/**
 * Scoring reads every miner's whole history each cycle. The validator is the only writer of its
 * store, so after one read per hotkey the history can be kept current by appending what the
 * actors persist, instead of re-querying thousands of hotkeys every cycle (on the embedded
 * server, which scans, that read grew with miners × stored snapshots). Entries are ordered as the
 * store orders them (content, then interval). Histories are held in columns (HotkeyHistory,
 * CompactRows: about a third to a tenth of the heap of snapshot objects) and handed to scoring
 * in that form. Bounded: past `maxSnapshots` it is dropped and re-read from the store.
 */
export class HistoryCache implements HistorySource {
  readonly #source: HistorySource;
  readonly #max: number;
  readonly #byHotkey = new Map<string, HotkeyHistory>();
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

  /** A hotkey's history as snapshot objects. */
  async history(hotkey: string): Promise<MetricSnapshot[]> {
    return (await this.#entry(hotkey)).snapshots();
  }

  /** A hotkey's history in its compact form, as the score worker takes it. */
  async scoringHistory(hotkey: string): Promise<CompactHistoryData> {
    return (await this.#entry(hotkey)).data();
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

  /** Snapshots just written (or buffered for writing): added to the histories already loaded. */
  record(snapshots: readonly MetricSnapshot[]): void {
    for (const snapshot of snapshots) {
      const entry = this.#byHotkey.get(snapshot.hotkey);
      if (!entry) continue; // not loaded yet: the first read will see it in the store
      // The store keeps the first write of a key.
      if (entry.add(snapshot)) this.#size++;
    }
    this.#trim();
  }

  /** Drops a hotkey (deregistered, replaced). */
  forget(hotkey: string): void {
    const entry = this.#byHotkey.get(hotkey);
    if (!entry) return;
    this.#size -= entry.size;
    this.#byHotkey.delete(hotkey);
  }

  async #entry(hotkey: string): Promise<HotkeyHistory> {
    const cached = this.#byHotkey.get(hotkey);
    if (cached) return cached;
    const entry = this.#install(hotkey, await this.#source.history(hotkey));
    this.#trim();
    // Trimmed away at once (one history past the whole bound): served, not kept.
    return entry;
  }

  #install(hotkey: string, snapshots: readonly MetricSnapshot[]): HotkeyHistory {
    // A write recorded while the read was in flight is already in the store's answer or not:
    // merge rather than overwrite.
    const raced = this.#byHotkey.get(hotkey);
    const entry = new HotkeyHistory(hotkey, snapshots);
    this.#byHotkey.set(hotkey, entry);
    this.#size += entry.size;
    if (raced) {
      this.#size -= raced.size;
      this.record(raced.snapshots());
    }
    return entry;
  }

  #trim(): void {
    if (this.#size <= this.#max) return;
    this.#byHotkey.clear();
    this.#size = 0;
  }
}
