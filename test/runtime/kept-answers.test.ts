import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import { keptAnswers, keptAnswersLookbackMs } from '../../src/runtime/kept-answers.js';
import { COLLECTIONS, MongoStore } from '../../src/store/mongo-store.js';
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
    const answers = await keptAnswers(store.snapshots, () => now, silentLogger(), 7200);
    const byId = new Map(answers.map((a) => [a.content_id, a]));
    expect(byId.get('withId')).toMatchObject({ platform: 'instagram/reel', owner_username: 'owner1', owner_id: '25025320', fetched_at: fetched.toISOString() });
    expect(byId.get('noId')).toBeDefined();
    expect(Object.hasOwn(byId.get('noId')!, 'owner_id')).toBe(false);
  });

  it('read only the intervals a cycle fetching within the hour can have started in, through the interval index', async () => {
    const lookbackMs = keptAnswersLookbackMs(7200);
    expect(lookbackMs).toBe(24 * 3_600_000);
    await store.snapshots.upsertMany([
      // Fetched within the hour by a cycle that started 20 hours before: read.
      snapshot(5, { hotkey: '5Long', content_id: 'longCycle', interval: '2026-11-25-11-00', fetched_at: fetched }),
      // A fetch time no cycle of this interval can have (clock trouble): beyond the bound, not read.
      snapshot(7, { hotkey: '5Long', content_id: 'ancient', interval: '2020-01-01-00-00', fetched_at: fetched }),
    ]);
    const client = new MongoClient(backend.uri, { monitorCommands: true, serverSelectionTimeoutMS: 2_000 });
    const finds: CommandStartedEvent[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'find') finds.push(e);
    });
    await client.connect();
    try {
      const watched = new MongoStore({ client, db: backend.db });
      const answers = await keptAnswers(watched.snapshots, () => now, silentLogger(), 7200);
      const ids = answers.map((a) => a.content_id);
      expect(ids).toContain('longCycle');
      expect(ids).not.toContain('ancient');
      expect(finds).toHaveLength(1);
      expect(finds[0]!.command['find']).toBe(COLLECTIONS.snapshots);
      // The interval index (the snapshots' only index that can bound this read) is constrained.
      expect(finds[0]!.command['filter']).toMatchObject({ interval: { $gte: '2026-11-25-06-00' } });
    } finally {
      await client.close();
    }
  });
});
