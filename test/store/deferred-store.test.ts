import { describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore, openStoreOrDefer } from '../../src/runtime/open-store.js';
import { MongoStore } from '../../src/store/mongo-store.js';
import { snapshot } from './backend.js';
import { closedPort } from '../helpers/closed-port.js';

async function storeUp(metrics: ValidatorMetrics): Promise<number | undefined> {
  return (await metrics.storeUp.get()).values[0]?.value;
}

describe('openStoreOrDefer: a MongoDB down at start-up', () => {
  it('returns a store that fails as unreachable until the server is up, then connects with its indexes and serves', async () => {
    const port = await closedPort();
    const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
    const metrics = new ValidatorMetrics();
    const store = await openStoreOrDefer({ uri, db: 'deferred', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300, metrics });
    let mongo: EmbeddedMongoServer | undefined;
    try {
      expect(store.reachable).toBe(false);
      expect(await storeUp(metrics)).toBe(0);
      // Operations arriving together share one attempt and fail as a store that went away does.
      const [a, b] = await Promise.allSettled([store.snapshots.upsertMany([snapshot(1)]), store.snapshots.histories(['hk'])]);
      expect(a).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
      expect(b).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
      expect((await metrics.storeOperationsTotal.get()).values.find((v) => v.labels['operation'] === 'connect')?.value).toBe(1);

      mongo = await EmbeddedMongoServer.start({ port });
      expect(await store.snapshots.upsertMany([snapshot(1)])).toEqual({ inserted: 1, matched: 0, upserted: [0] });
      expect(store.reachable).toBe(true);
      expect(await storeUp(metrics)).toBe(1);
      // The unique snapshot key exists: the same snapshot again is matched, not stored twice.
      expect(await store.snapshots.upsertMany([snapshot(1)])).toEqual({ inserted: 0, matched: 1, upserted: [] });
      const check = await openStore({ uri, db: 'deferred' });
      try {
        expect(await check.snapshots.count()).toBe(1);
      } finally {
        await check.close();
      }
    } finally {
      await store.close();
      await mongo?.close();
    }
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('still fails the start on what waiting cannot fix, and never defers the embedded server', async () => {
    await expect(openStoreOrDefer({ db: 'bad name', uri: 'mongodb://127.0.0.1:1' })).rejects.toThrow(TypeError);
    const store = await openStoreOrDefer({ db: 'deferred-embedded' });
    try {
      // Opened at once (indexes created), not deferred.
      expect(store).toBeInstanceOf(MongoStore);
      expect(store.reachable).toBe(true);
    } finally {
      await store.close();
    }
  });
});
