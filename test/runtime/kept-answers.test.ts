import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import { keptAnswers } from '../../src/runtime/kept-answers.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { snapshot, startBackend, type StoreBackend } from '../store/backend.js';

let backend: StoreBackend;
let store: MongoStore;

beforeAll(async () => {
  backend = await startBackend();
  store = await openStore({ uri: backend.uri, db: backend.db, metrics: new ValidatorMetrics({ defaultMetrics: false }), serverSelectionTimeoutMS: 2_000 });
});

afterAll(async () => {
  await store?.close();
  await backend?.stop();
});

/** compat original: the tracker answers a restarted validator reads back from its stored snapshots. */
describe("the tracker's kept answers after a restart", () => {
  const now = new Date(Date.UTC(2026, 10, 26, 7, 0, 0));
  const fetched = new Date(now.getTime() - 10 * 60_000);

  it("carry the Instagram owner's id a snapshot has, so the next snapshot stays in the id's growth series", async () => {
    await store.snapshots.upsertMany([
      snapshot(1, { hotkey: '5Kept', content_id: 'withId', owner_id: '25025320', interval: '2026-11-26-06-00', fetched_at: fetched }),
      snapshot(3, { hotkey: '5Kept', content_id: 'noId', interval: '2026-11-26-06-00', fetched_at: fetched }),
    ]);
    const answers = await keptAnswers(store.snapshots, () => now, silentLogger());
    const byId = new Map(answers.map((a) => [a.content_id, a]));
    expect(byId.get('withId')).toMatchObject({ platform: 'instagram/reel', owner_username: 'owner1', owner_id: '25025320', fetched_at: fetched.toISOString() });
    expect(byId.get('noId')).toBeDefined();
    expect(Object.hasOwn(byId.get('noId')!, 'owner_id')).toBe(false);
  });
});
