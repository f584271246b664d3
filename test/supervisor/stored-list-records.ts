import { afterAll, afterEach, beforeAll } from 'vitest';
import { openStore } from '../../src/runtime/open-store.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { SubmissionRecord } from '../../src/store/types.js';
import { startBackend, type StoreBackend } from '../store/backend.js';

export const storedUrl = (id: string) => `https://cdn.example/${id}.mp4`;

/** The stored record of a hotkey that left (uid 40, an old commitment), listing `ids` on YouTube. */
export function goneRecord(hotkey: string, ids: string[]): SubmissionRecord {
  return {
    hotkey,
    uid: 40,
    commitment: 'gone:abc',
    commitment_block: 3,
    interval: '2026-01-01-00-00',
    submissions: ids.map((id, i) => ({ platform: 'youtube/video' as const, content_id: id, direct_video_url: storedUrl(id), line: i + 1 })),
    listed_content_ids: ids,
    rejections: [],
    rejections_total: 0,
    updated_at: new Date(0),
  };
}

/**
 * A store on the suite's backend for the whole file, and a supervisor per test stopped after it
 * (set `world.stop`).
 */
export function useStoredListWorld(): { backend: StoreBackend; store: MongoStore; stop: (() => Promise<void>) | undefined } {
  const world = {} as { backend: StoreBackend; store: MongoStore; stop: (() => Promise<void>) | undefined };
  beforeAll(async () => {
    world.backend = await startBackend();
    world.store = await openStore({ uri: world.backend.uri, db: world.backend.db });
  });
  afterEach(async () => {
    await world.stop?.();
    world.stop = undefined;
  });
  afterAll(async () => {
    await world.store.close();
    await world.backend.stop();
  });
  return world;
}
