import { describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/mongo-store.js';
import { snapshot, useWatchedStore } from './backend.js';

/**
 * Snapshot documents the validator did not write as they are now (another version, a hand edit,
 * a restore gone wrong): a read leaves them out with a warning and a metric, never hands them to
 * scoring, where a number-typed content id threw and a string count bent the chain.
 */

const watched = useWatchedStore();

const HOTKEY = '5Malformed';
const intervalOf = (i: number) => `2026-11-26-${String(i).padStart(2, '0')}-00`;
const bad: Array<[string, Record<string, unknown>]> = [
  ['a content id that is a number', { content_id: 7 }],
  ['a count as a word', { view_count: 'lots' }],
  ['a like count as a string', { like_count: '5' }],
  ['a missing like count', { like_count: undefined }],
  ['an interval that is not a key', { interval: 'garbage' }],
  ['an AI score above 1', { ai_score: 7 }],
  ['an AI score as a string', { ai_score: '0.9' }],
  ['an unknown platform', { platform: 'tiktok' }],
  ['a fetched_at that is a string', { fetched_at: '2026-11-26' }],
  ['a huge array for a caption', { caption: Array.from({ length: 1000 }, (_, i) => i) }],
  ['an owner id that is a number', { owner_id: 17841400 }],
  ['an empty owner id', { owner_id: '' }],
  ['an owner id stored as null', { owner_id: null }],
];

describe('snapshot documents of the wrong shape', () => {
  it('history and histories return only the well-formed ones, say which hotkey had how many, and count them', async () => {
    // An owner id, or none (snapshots written before it existed), both read.
    const docs = [snapshot(0, { hotkey: HOTKEY, content_id: 'good', interval: intervalOf(0) }), snapshot(2, { hotkey: HOTKEY, content_id: 'good-id', interval: intervalOf(0), owner_id: '17841400000000001' })];
    bad.forEach(([, over], i) => {
      const doc: Record<string, unknown> = { ...snapshot(i, { hotkey: HOTKEY, content_id: `bad${i}` }), interval: intervalOf(i + 1), ...over };
      for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
      docs.push(doc as never);
    });
    await watched.backend.client.db(watched.backend.db).collection(COLLECTIONS.snapshots).insertMany(docs.map((d) => ({ ...d })));

    const history = await watched.store.snapshots.history(HOTKEY);
    expect(history.map((s) => [s.content_id, s.owner_id])).toEqual([['good', undefined], ['good-id', '17841400000000001']]);
    expect(Object.hasOwn(history[0]!, 'owner_id')).toBe(false);
    const many = await watched.store.snapshots.histories([HOTKEY, '5Nobody']);
    expect(many.get(HOTKEY)!.map((s) => s.content_id)).toEqual(['good', 'good-id']);
    expect(many.get('5Nobody')).toEqual([]);

    const warned = watched.warnings.filter((w) => w['code'] === 'ERR_STORE_MALFORMED_DOCUMENT');
    expect(warned).toHaveLength(2);
    expect(warned[0]).toMatchObject({ hotkey: HOTKEY, skipped: bad.length, msg: 'snapshot documents of the wrong shape left out of the history' });
    expect(String(warned[0]!['first'])).toMatch(/^[a-z_]+: .+ \((youtube|instagram)\/\w+ bad\d+ 2026-11-26-\d\d-00\)$/);
    const text = await watched.metrics.registry.metrics();
    expect(text).toContain(`infinitevibe_store_operations_total{operation="snapshots.history",result="malformed"} ${bad.length}`);
    expect(text).toContain(`infinitevibe_store_operations_total{operation="snapshots.histories",result="malformed"} ${bad.length}`);
  });

  it('listing leaves out submissions records whose hotkey, listed ids, uid or lines are of the wrong type, and counts them', async () => {
    const record = { hotkey: '5Listed', uid: 1, commitment: null, commitment_block: null, interval: intervalOf(0), submissions: [], listed_content_ids: ['shared'], rejections: [], updated_at: new Date(0) };
    await watched.backend.client
      .db(watched.backend.db)
      .collection(COLLECTIONS.submissions)
      .insertMany([
        { ...record },
        { ...record, hotkey: 42 },
        { ...record, hotkey: '5ListedAsString', listed_content_ids: 'shared' },
        { ...record, hotkey: '5NumberInList', listed_content_ids: ['shared', 7] },
        { ...record, hotkey: '5UidAsString', uid: '1' },
        { ...record, hotkey: '5LinesNotAList', submissions: 'x' },
        // A stored line on a platform no gist may list is no line to process again.
        { ...record, hotkey: '5LineOfTikTok', submissions: [{ platform: 'tiktok/video', content_id: 'shared', direct_video_url: 'https://x.example/v.mp4', line: 1 }] },
      ]);
    expect((await watched.store.submissions.listing(['shared'], [])).map((r) => r.hotkey)).toEqual(['5Listed']);
    const warned = watched.warnings.filter((w) => w['code'] === 'ERR_STORE_MALFORMED_DOCUMENT' && w['operation'] === 'submissions.listing');
    // Sorted: the order a find returns unsorted documents in is the server's.
    expect(warned.map((w) => String(w['why']).split(':')[0]).sort()).toEqual(['hotkey', 'listed_content_ids', 'listed_content_ids.1', 'uid', 'submissions', 'submissions.0.platform'].sort());
    expect(await watched.metrics.registry.metrics()).toContain('infinitevibe_store_operations_total{operation="submissions.listing",result="malformed"} 6');
  });
});
