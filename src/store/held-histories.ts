import { compareStrings } from '../util/compare-strings.js';
import type { MetricSnapshot, Store } from './types.js';

/** What a write buffer still holds for the store. */
export interface HeldSnapshots {
  /** The held snapshots of these hotkeys, by hotkey, in the order they will be written. */
  heldFor(hotkeys: ReadonlySet<string>): Map<string, MetricSnapshot[]>;
}

export type HistoryReads = Pick<Store['snapshots'], 'history' | 'histories'>;

/**
 * History reads that answer as the store will once the buffer is flushed: the stored snapshots,
 * then the held ones whose key is not stored yet (the store keeps the first write of a key),
 * ordered by content then interval as the store orders them. Read straight from the store while
 * writes waited out an outage, a history lacked the cycles the buffer held, and the history cache
 * kept that gap: the running validator scored those miners lower than a restarted one would.
 */
export function historiesWithHeld(stored: HistoryReads, held: HeldSnapshots): HistoryReads {
  return {
    history: async (hotkey) => {
      // Taken before the store is read: a snapshot flushed meanwhile is then in one answer or
      // both (and counted once), never in neither.
      const extra = held.heldFor(new Set([hotkey])).get(hotkey);
      return merge(await stored.history(hotkey), extra);
    },
    histories: async (hotkeys) => {
      const extra = held.heldFor(new Set(hotkeys));
      const out = await stored.histories(hotkeys);
      for (const [hotkey, snapshots] of extra) out.set(hotkey, merge(out.get(hotkey) ?? [], snapshots));
      return out;
    },
  };
}

function keyOf(s: MetricSnapshot): string {
  return JSON.stringify([s.platform, s.content_id, s.interval]);
}

function merge(stored: MetricSnapshot[], held: readonly MetricSnapshot[] | undefined): MetricSnapshot[] {
  if (!held || held.length === 0) return stored;
  const keys = new Set(stored.map(keyOf));
  const added = held.filter((s) => {
    const key = keyOf(s);
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
  if (added.length === 0) return stored;
  return [...stored, ...added].sort(
    (a, b) => compareStrings(a.platform, b.platform) || compareStrings(a.content_id, b.content_id) || compareStrings(a.interval, b.interval),
  );
}
