import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/devnet/seeded-random.js';
import { snapshotsOf } from '../../src/scoring/compact-history.js';
import { HistoryCache, type HistorySource } from '../../src/supervisor/history-cache.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { describeSnapshot, randomSnapshots } from '../scoring/snapshot-samples.js';

/**
 * The history cache as it was when it held snapshot objects (arrays, a Set of keys, a sort on
 * read after writes): the columns must give scoring exactly what it gave, in the same order.
 */
class ObjectHistoryCache {
  readonly #source: HistorySource;
  readonly #max: number;
  readonly #byHotkey = new Map<string, { snapshots: MetricSnapshot[]; keys: Set<string>; sorted: boolean }>();
  size = 0;

  constructor(source: HistorySource, max: number) {
    this.#source = source;
    this.#max = max;
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
    const snapshots = await this.#source.history(hotkey);
    const entry = { snapshots: [...snapshots], keys: new Set(snapshots.map(keyOf)), sorted: true };
    this.#byHotkey.set(hotkey, entry);
    this.size += entry.snapshots.length;
    this.#trim();
    return this.history(hotkey);
  }

  record(snapshots: readonly MetricSnapshot[]): void {
    for (const snapshot of snapshots) {
      const entry = this.#byHotkey.get(snapshot.hotkey);
      if (!entry) continue;
      const key = keyOf(snapshot);
      if (entry.keys.has(key)) continue;
      entry.keys.add(key);
      entry.snapshots.push(snapshot);
      entry.sorted = false;
      this.size++;
    }
    this.#trim();
  }

  forget(hotkey: string): void {
    const entry = this.#byHotkey.get(hotkey);
    if (!entry) return;
    this.size -= entry.snapshots.length;
    this.#byHotkey.delete(hotkey);
  }

  #trim(): void {
    if (this.size <= this.#max) return;
    this.#byHotkey.clear();
    this.size = 0;
  }
}

const keyOf = (s: MetricSnapshot) => `${s.platform}|${s.content_id}|${s.interval}`;
function compare(a: MetricSnapshot, b: MetricSnapshot): number {
  return a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : a.content_id < b.content_id ? -1 : a.content_id > b.content_id ? 1 : a.interval < b.interval ? -1 : a.interval > b.interval ? 1 : 0;
}

/** Now and then a document of another shape (a field the columns do not know): kept verbatim. */
const oddly = (s: MetricSnapshot, rnd: () => number): MetricSnapshot => (rnd() < 0.1 ? ({ ...s, legacy: 'x' } as MetricSnapshot) : s);

/** A store's answers: unique keys, in its order (sorted) or, for some hotkeys, in no order at all. */
function storeOf(seed: number, hotkeys: readonly string[]): Map<string, MetricSnapshot[]> {
  const rnd = seededRandom(seed);
  const store = new Map<string, MetricSnapshot[]>();
  hotkeys.forEach((hotkey, i) => {
    const unique = new Map(randomSnapshots(seed * 100 + i, Math.floor(rnd() * 60), hotkey).map((s) => [keyOf(s), oddly(s, rnd)]));
    const list = [...unique.values()];
    // A repeated key (no unique index in some store): both copies are kept, in the store's order.
    if (i % 4 === 2 && list.length > 0) list.push({ ...list[0]!, view_count: 4242 });
    store.set(hotkey, i % 4 === 3 ? list : list.sort(compare));
  });
  return store;
}

async function expectSameHistories(columns: HistoryCache, objects: ObjectHistoryCache, hotkey: string): Promise<void> {
  const expected = await objects.history(hotkey);
  const actual = await columns.history(hotkey);
  const scored = snapshotsOf(await columns.scoringHistory(hotkey));
  const want = expected.map(describeSnapshot);
  expect(actual.map(describeSnapshot)).toEqual(want);
  expect(scored.map(describeSnapshot)).toEqual(want);
  expect(columns.size).toBe(objects.size);
}

describe('HistoryCache in columns against the object cache it replaced', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`gives the same histories in the same order through reads, writes and forgets (seed ${seed})`, async () => {
      const rnd = seededRandom(seed);
      const hotkeys = ['hk-a', 'hk-b', 'hk-c', 'hk-d', 'hk-e', 'hk-f', 'hk-g', 'hk-h'];
      const store = storeOf(seed, hotkeys);
      const source: HistorySource = { history: async (hotkey) => [...(store.get(hotkey) ?? [])] };
      const max = 150;
      const columns = new HistoryCache(source, { maxSnapshots: max });
      const objects = new ObjectHistoryCache(source, max);
      let trims = 0;
      for (let step = 0; step < 120; step++) {
        const hotkey = hotkeys[Math.floor(rnd() * hotkeys.length)]!;
        const roll = rnd();
        const before = objects.size;
        if (roll < 0.4) {
          await expectSameHistories(columns, objects, hotkey);
        } else if (roll < 0.9) {
          // A persist: new keys, keys the store already has (first write wins) and repeats within the batch.
          const fresh = randomSnapshots(seed * 1000 + step, Math.floor(rnd() * 12), hotkey).map((s) => oddly(s, rnd));
          const known = (store.get(hotkey) ?? []).filter(() => rnd() < 0.2).map((s) => ({ ...s, view_count: 999 }));
          const batch = [...fresh, ...known, ...fresh.slice(0, 2)];
          columns.record(batch);
          objects.record(batch);
        } else {
          columns.forget(hotkey);
          objects.forget(hotkey);
        }
        expect(columns.size).toBe(objects.size);
        if (roll < 0.9 && objects.size < before) trims++;
      }
      for (const hotkey of hotkeys) await expectSameHistories(columns, objects, hotkey);
      // The bound was crossed, so starting over is covered as well.
      expect(trims).toBeGreaterThan(0);
    });
  }
});
