import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotsOf } from '../../src/scoring/compact-history.js';
import { HistoryCache } from '../../src/supervisor/history-cache.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { MetricSnapshot, Store } from '../../src/store/types.js';

const snap = (hotkey: string, content: string, interval: string, views = 1): MetricSnapshot => ({
  hotkey,
  platform: 'youtube/video',
  content_id: content,
  interval,
  caption: 'c',
  view_count: views,
  like_count: 1,
  comment_count: 0,
  owner_username: 'o',
  owner_follower_count: 10,
  published_at: '2026-01-01T00:00:00.000Z',
  ai_score: 0.9,
  ai_source: 'miner',
  caption_ok: true,
  signature_ok: null,
  owner_ok: true,
  fetched_at: new Date('2026-01-01T02:00:00.000Z'),
});

describe('HistoryCache over the store', () => {
  let store: Store;
  let reads = 0;
  const source = { history: (hotkey: string) => (reads++, store.snapshots.history(hotkey)) };
  beforeAll(async () => {
    store = await openStore({ db: 'history_cache' });
  });
  afterAll(async () => {
    await store.close();
  });

  it('reads a hotkey once, then stays current from recorded writes, in the store order', async () => {
    await store.snapshots.upsertMany([snap('hk-a', 'v2', '2026-01-01-02-00'), snap('hk-a', 'v1', '2026-01-01-02-00')]);
    const cache = new HistoryCache(source);
    const first = await cache.history('hk-a');
    expect(first.map((s) => s.content_id)).toEqual(['v1', 'v2']);
    expect(reads).toBe(1);

    const next = [snap('hk-a', 'v1', '2026-01-01-04-00', 5), snap('hk-a', 'v1', '2026-01-01-02-00', 999), snap('hk-b', 'x', '2026-01-01-04-00')];
    await store.snapshots.upsertMany(next);
    cache.record(next);
    const second = await cache.history('hk-a');
    expect(reads).toBe(1);
    // Same as a fresh read of the store: the re-write of an existing key keeps the first one.
    const fresh = await store.snapshots.history('hk-a');
    expect(second.map((s) => [s.content_id, s.interval, s.view_count])).toEqual(fresh.map((s) => [s.content_id, s.interval, s.view_count]));
    expect(second.find((s) => s.interval === '2026-01-01-02-00' && s.content_id === 'v1')!.view_count).toBe(1);
    // hk-b was never loaded: its first read comes from the store and includes the write.
    expect((await cache.history('hk-b')).map((s) => s.content_id)).toEqual(['x']);
    expect(reads).toBe(2);
    expect(cache.size).toBe(4);
  });

  it('forgets a hotkey that left and starts over past its bound', async () => {
    const cache = new HistoryCache(source, { maxSnapshots: 3 });
    reads = 0;
    await cache.history('hk-a');
    expect(reads).toBe(1);
    cache.forget('hk-a');
    await cache.history('hk-a');
    expect(reads).toBe(2);
    expect(cache.size).toBe(3);
    cache.record([snap('hk-a', 'v9', '2026-01-01-06-00')]);
    expect(cache.size).toBe(0);
    await cache.history('hk-a');
    expect(reads).toBe(3);
  });

  it('preloads many hotkeys in one batched read, then serves them without another query', async () => {
    await store.snapshots.upsertMany([snap('hk-p1', 'v2', '2026-01-01-02-00'), snap('hk-p1', 'v1', '2026-01-01-02-00'), snap('hk-p2', 'x', '2026-01-01-02-00')]);
    let single = 0;
    const batches: string[][] = [];
    const cache = new HistoryCache({
      history: (hotkey: string) => (single++, store.snapshots.history(hotkey)),
      histories: (hotkeys: readonly string[]) => (batches.push([...hotkeys]), store.snapshots.histories(hotkeys)),
    });
    await cache.history('hk-p2');
    await cache.preload(['hk-p1', 'hk-p2', 'hk-empty', 'hk-p1']);
    // hk-p2 was held already: only the others were asked for, once each.
    expect(batches).toEqual([['hk-p1', 'hk-empty']]);
    expect((await cache.history('hk-p1')).map((s) => s.content_id)).toEqual(['v1', 'v2']);
    expect(await cache.history('hk-empty')).toEqual([]);
    expect(single).toBe(1);
    // A write recorded after the preload shows, as for a hotkey read one by one.
    cache.record([snap('hk-empty', 'n', '2026-01-01-04-00')]);
    expect((await cache.history('hk-empty')).map((s) => s.content_id)).toEqual(['n']);
    await cache.preload(['hk-p1', 'hk-empty']);
    expect(batches).toHaveLength(1);
    expect(cache.size).toBe(4);
  });

  it('does nothing on preload when its source can only read hotkey by hotkey', async () => {
    reads = 0;
    const cache = new HistoryCache(source);
    await cache.preload(['hk-a', 'hk-b']);
    expect(cache.size).toBe(0);
    expect(reads).toBe(0);
  });

  it('serves a history larger than the whole bound without keeping it', async () => {
    const cache = new HistoryCache(source, { maxSnapshots: 1 });
    reads = 0;
    const history = await cache.history('hk-a');
    expect(history.length).toBeGreaterThan(1);
    expect(cache.size).toBe(0);
    expect(snapshotsOf(await cache.scoringHistory('hk-a')).map((s) => [s.content_id, s.interval])).toEqual(history.map((s) => [s.content_id, s.interval]));
    expect(reads).toBe(2);
  });

  it('merges two first reads of one hotkey that overlapped', async () => {
    const answers: Array<(snapshots: MetricSnapshot[]) => void> = [];
    const slow = { history: () => new Promise<MetricSnapshot[]>((resolve) => answers.push(resolve)) };
    const cache = new HistoryCache(slow);
    const first = cache.history('hk-r');
    const second = cache.history('hk-r');
    expect(answers).toHaveLength(2);
    answers[0]!([snap('hk-r', 'v1', '2026-01-01-02-00')]);
    await first;
    cache.record([snap('hk-r', 'v2', '2026-01-01-04-00')]); // lands in the first read's entry
    answers[1]!([snap('hk-r', 'v1', '2026-01-01-02-00', 7)]); // the store's answer, read before v2
    expect((await second).map((s) => [s.content_id, s.view_count])).toEqual([
      ['v1', 7],
      ['v2', 1],
    ]);
    expect(cache.size).toBe(2);
  });

  it('validates its options', () => {
    expect(() => new HistoryCache({} as never)).toThrow(/history\(hotkey\)/);
    expect(() => new HistoryCache(source, { maxSnapshots: 0 })).toThrow(RangeError);
  });
});
