import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { BufferedSnapshotWriter } from '../../src/store/buffered-snapshot-writer.js';
import { historiesWithHeld } from '../../src/store/held-histories.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { openStore } from '../../src/runtime/open-store.js';
import { snapshot } from './backend.js';

// The store refuses writes (the embedded server's fail point) and still answers reads, so the
// writer holds its snapshots for as long as the test needs.
let server: EmbeddedMongoServer;
let store: MongoStore;

beforeEach(async () => {
  server = await EmbeddedMongoServer.start();
  store = await openStore({ uri: server.uri, db: 'infinitevibe', serverSelectionTimeoutMS: 400 });
});

afterEach(async () => {
  await store.close();
  await server.close();
});

describe('historiesWithHeld', () => {
  it('answers as the store will once the buffer is flushed: stored first, held keys not stored yet, in the order the store gives', async () => {
    const hotkey = snapshot(0).hotkey;
    const other = snapshot(1).hotkey;
    const writer = new BufferedSnapshotWriter(store, { minRetryDelayMs: 50, maxRetryDelayMs: 100 });
    expect(await writer.write([0, 7, 14, 1].map((i) => snapshot(i, { interval: '2026-11-26-04-00' })))).toMatchObject({ inserted: 4 });

    server.failCommands({ commands: ['update'] });
    const held = [
      // Already stored under this key with other figures: the stored one stays.
      snapshot(7, { interval: '2026-11-26-04-00', view_count: 1 }),
      snapshot(14, { interval: '2026-11-26-06-00' }),
      snapshot(0, { interval: '2026-11-26-06-00', view_count: 5 }),
      // The same key twice in the buffer: the first one is written, the second matched.
      snapshot(0, { interval: '2026-11-26-06-00', view_count: 6 }),
      snapshot(21, { interval: '2026-11-26-02-00' }),
      snapshot(1, { interval: '2026-11-26-06-00' }),
    ];
    expect(await writer.write(held.slice(0, 3))).toMatchObject({ buffered: 3 });
    expect(await writer.write(held.slice(3))).toMatchObject({ buffered: 3 });
    expect(writer.heldFor(new Set([hotkey])).get(hotkey)).toHaveLength(5);

    const reads = historiesWithHeld(store.snapshots, writer);
    const seen = await reads.history(hotkey);
    const views = seen.map((s) => [s.content_id, s.interval, s.view_count]);
    // The store's order: platform (odd snapshots are Instagram reels), content, interval.
    expect(views).toEqual([
      ['content-21', '2026-11-26-02-00', 1021],
      ['content-7', '2026-11-26-04-00', 1007],
      ['content-0', '2026-11-26-04-00', 1000],
      ['content-0', '2026-11-26-06-00', 5],
      ['content-14', '2026-11-26-04-00', 1014],
      ['content-14', '2026-11-26-06-00', 1014],
    ]);
    const many = await reads.histories([hotkey, other, '5Nobody']);
    expect(many.get(hotkey)).toEqual(seen);
    expect(many.get(other)!.map((s) => s.interval)).toEqual(['2026-11-26-04-00', '2026-11-26-06-00']);
    expect(many.get('5Nobody')).toEqual([]);

    // Once flushed, the store itself answers the same.
    server.failCommands(null);
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect((await store.snapshots.history(hotkey)).map((s) => [s.content_id, s.interval, s.view_count])).toEqual(views);
    expect(await reads.histories([hotkey, other, '5Nobody'])).toEqual(await store.snapshots.histories([hotkey, other, '5Nobody']));
    await writer.close();
  });
});
