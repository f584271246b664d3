import { MongoClient } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig, networkWithMongo } from './helpers.js';

const MINERS = 8;

/**
 * A MongoDB that flaps through a cycle and a weight commit: writes refused, then answered, then
 * applied with their answers lost (the connection closing after the write), then refused again.
 * What is held is written once the store stays up, and no snapshot, score record, submissions
 * record or audit record is stored twice.
 */
describe('runtime: a store that flaps through a cycle and a commit', () => {
  const env = networkWithMongo(MINERS);

  it('records every snapshot, score and audit record once, and the due commit lands', async () => {
    const { network, mongo } = env;
    const db = 'flapping';
    const store = await openStore({ uri: mongo.uri, db, serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    const client = await MongoClient.connect(mongo.uri);
    try {
      const first = await app.supervisor.runCycle();
      expect(first.result).toBe('ok');

      // Down for a few writes, then up (the fail point turns itself off), during the cycle.
      mongo.failCommands({ commands: ['update', 'insert'], closeConnection: true, times: 3 });
      const second = await app.supervisor.runCycle();
      expect(second.scored).toBe(true);
      expect(second.snapshots.buffered).toBeGreaterThan(0);
      // Writes applied whose answers are lost, then refused again, through the commit and its audit record.
      mongo.failCommands({ commands: ['update', 'insert'], loseReply: true, times: 4 });
      const commit = await app.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, mode: 'set' });
      mongo.failCommands({ commands: ['update', 'insert'], closeConnection: true, times: 2 });
      const third = await app.supervisor.runCycle();
      expect(third.scored).toBe(true);

      await vi.waitFor(() => expect(app.pendingSnapshots).toBe(0), { timeout: 60_000, interval: 100 });
      expect(await app.committer.flushAudit()).toBe(true);
      await vi.waitFor(async () => expect((await app.metrics.storePendingWrites.get()).values[0]?.value).toBe(0), { timeout: 60_000, interval: 100 });

      const docs = client.db(db);
      for (const cycle of [first, second, third]) {
        const stored = await docs.collection('metric_snapshots').countDocuments({ interval: cycle.interval });
        expect(stored).toBe(cycle.snapshots.inserted + cycle.snapshots.matched + cycle.snapshots.buffered);
      }
      // One score record per uid and cycle scored.
      const scores = await docs.collection('scores').aggregate<{ n: number }>([{ $group: { _id: { interval: '$interval', uid: '$uid', policy: '$policy' }, n: { $sum: 1 } } }]).toArray();
      expect(scores.length).toBeGreaterThan(2 * MINERS);
      expect(scores.every((g) => g.n === 1)).toBe(true);
      expect(await docs.collection('submissions').countDocuments()).toBe(new Set((await docs.collection('submissions').find().toArray()).map((d) => d['hotkey'])).size);
      const audit = await store.weightCommits.recent({ hotkey: app.signer.address, netuid: app.config.netuid }, 10);
      expect(audit.filter((r) => r.result === 'success' && r.block === commit.block)).toHaveLength(1);
    } finally {
      mongo.failCommands(null);
      await client.close();
      await app.stop();
      await store.close();
    }
  }, 240_000);
});
