import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listedIdsOf } from '../../src/store/backfill-listed-ids.js';
import { COLLECTIONS } from '../../src/store/mongo-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { startBackend, type StoreBackend } from './backend.js';

/** A submissions record as a release before `listed_content_ids` wrote it. */
function olderRecord(hotkey: string, ids: string[], earlier: string[] = []) {
  return {
    hotkey,
    uid: 4,
    commitment: `${hotkey}-user:${'a'.repeat(32)}`,
    commitment_block: 10,
    interval: '2026-11-20-06-00',
    submissions: ids.map((content_id, i) => ({
      platform: 'youtube/video',
      content_id,
      direct_video_url: `https://videos.example.com/${content_id}.mp4`,
      line: i + 1,
      ...(i === 0 && earlier.length > 0
        ? { earlier: earlier.map((e, j) => ({ platform: 'youtube/video', content_id: e, direct_video_url: `https://videos.example.com/${e}.mp4`, line: 10 + j })) }
        : {}),
    })),
    rejections: [],
    updated_at: new Date(Date.UTC(2026, 10, 20, 6)),
  };
}

describe('records written before listed_content_ids existed', () => {
  let backend: StoreBackend;
  let store: Store;

  beforeAll(async () => {
    backend = await startBackend();
    const raw = backend.client.db(backend.db).collection(COLLECTIONS.submissions);
    // More records than one backfill page, so that paging is exercised.
    const older = Array.from({ length: 1_005 }, (_, i) => olderRecord(`5Older${String(i).padStart(4, '0')}`, [`old-${i}-a`, `old-${i}-b`]));
    await raw.insertMany([
      ...older,
      olderRecord('5OlderFallback', ['slot-1'], ['fallback-1', 'slot-1']),
      { ...olderRecord('5Current', ['cur-1']), listed_content_ids: ['cur-1', 'past-the-cap'] },
      { ...olderRecord('5Damaged', []), submissions: [null, { content_id: 7 }, { content_id: 'kept', earlier: 'x' }] },
      // Damaged hotkeys that are not strings (numbers sort before strings, a page's worth of
      // them) do not stop the pages after them.
      ...Array.from({ length: 1_000 }, (_, i) => ({ ...olderRecord('5Number', [`num-${i}`]), hotkey: i })),
      ...Array.from({ length: 3 }, (_, i) => olderRecord(`5After${i}`, [`after-${i}`])),
    ]);
    store = await openStore({ uri: backend.uri, db: backend.db });
  });

  afterAll(async () => {
    await store?.close();
    await backend?.stop();
  });

  it('are found by the content_ids of their stored submissions once the store is opened', async () => {
    const hotkeys = async (ids: string[]) => (await store.submissions.listing(ids, [])).map((r) => r.hotkey).sort();
    expect(await hotkeys(['old-0-b'])).toEqual(['5Older0000']);
    expect(await hotkeys(['old-1004-a', 'old-1000-b'])).toEqual(['5Older1000', '5Older1004']);
    expect(await hotkeys(['fallback-1'])).toEqual(['5OlderFallback']);
    // A damaged record gets its ids too, though a listing leaves it out for its lines.
    expect(await hotkeys(['kept'])).toEqual([]);
    const raw = backend.client.db(backend.db).collection(COLLECTIONS.submissions);
    expect((await raw.findOne({ hotkey: '5Damaged' }))?.['listed_content_ids']).toEqual(['kept']);
    expect(await hotkeys(['after-2', 'after-0'])).toEqual(['5After0', '5After2']);
  });

  it('keep what they had, and a record that already lists its ids is left alone', async () => {
    const raw = backend.client.db(backend.db).collection(COLLECTIONS.submissions);
    expect(await raw.findOne({ hotkey: '5OlderFallback' }, { projection: { _id: 0, listed_content_ids: 1 } })).toEqual({
      listed_content_ids: ['slot-1', 'fallback-1'],
    });
    expect((await raw.findOne({ hotkey: '5Current' }))?.['listed_content_ids']).toEqual(['cur-1', 'past-the-cap']);
    expect(await raw.countDocuments({ listed_content_ids: { $exists: false } })).toBe(0);
    const record = await store.submissions.latest('5Older0007');
    expect(record?.submissions.map((s) => s.content_id)).toEqual(['old-7-a', 'old-7-b']);
    expect(record?.interval).toBe('2026-11-20-06-00');
    // Opening again finds nothing left to do and changes nothing.
    const again = await openStore({ uri: backend.uri, db: backend.db });
    await again.close();
    expect(await raw.countDocuments({ listed_content_ids: { $size: 2 } })).toBe(1_005 + 1 + 1);
    expect((await raw.findOne({ hotkey: 999 }))?.['listed_content_ids']).toEqual(['num-999']);
  });

  it('take each content_id once, skipping entries without a string id', () => {
    expect(listedIdsOf({})).toEqual([]);
    expect(listedIdsOf({ submissions: 'nope' } as never)).toEqual([]);
    expect(listedIdsOf({ submissions: [{ content_id: 'a', earlier: [{ content_id: 'b' }, { content_id: 'a' }, null] }, { content_id: '' }] } as never)).toEqual(['a', 'b']);
  });
});
