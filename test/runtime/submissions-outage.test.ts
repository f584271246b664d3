import { describe, expect, it, vi } from 'vitest';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import { batchedSubmissionSink } from '../../src/runtime/submission-sink.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import type { SubmissionRecord } from '../../src/store/types.js';
import { embeddedConfig, networkWithMongo } from './helpers.js';

const MINERS = 16;

function record(hotkey: string, interval: string): SubmissionRecord {
  return { hotkey, uid: 1, commitment: 'miner:abc', commitment_block: 1, interval, submissions: [], rejections: [], updated_at: new Date(0) };
}

async function pendingWrites(metrics: ValidatorMetrics): Promise<number> {
  return (await metrics.storePendingWrites.get()).values[0]?.value ?? 0;
}

/**
 * SPEC §10, a store refusing writes: each miner's submissions record (the gist as this validator
 * read it) waits for the store like the snapshots do, instead of being lost until the next cycle.
 */
describe('submissions records through a store outage', () => {
  const env = networkWithMongo(MINERS);

  it('the sink holds the newest record of each hotkey while the store is down and writes them when it is back', async () => {
    const { mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'sink-outage', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const sink = batchedSubmissionSink(store, { concurrency: 2, metrics, minRetryDelayMs: 50, maxRetryDelayMs: 200 });
    try {
      mongo.failCommands({ commands: ['update'] });
      await sink.upsert(record('5Held1', '2026-12-04-00-00'));
      await sink.upsert(record('5Held2', '2026-12-04-00-00'));
      await sink.upsert(record('5Held1', '2026-12-04-02-00'));
      expect(sink.pending).toBe(2);
      expect(await pendingWrites(metrics)).toBe(2);

      mongo.failCommands(null);
      await vi.waitFor(() => expect(sink.pending).toBe(0), { timeout: 30_000, interval: 50 });
      expect(await pendingWrites(metrics)).toBe(0);
      expect((await store.submissions.latest('5Held1'))?.interval).toBe('2026-12-04-02-00');
      expect((await store.submissions.latest('5Held2'))?.interval).toBe('2026-12-04-00-00');
    } finally {
      mongo.failCommands(null);
      sink.close();
      await store.close();
    }
  });

  it('a cycle run while writes are refused has its submissions records stored once the store is back, before the next cycle', async () => {
    const { network, mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'submissions-outage', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig(), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    try {
      const honest = network.scenario.miners.filter((m) => m.kind === 'honest').map((m) => m.hotkey);
      mongo.failCommands({ commands: ['update'] });
      const cycle = await app.supervisor.runCycle();
      // Every miner and the validator, which is collected too.
      expect(cycle.reported).toBe(MINERS + 1);
      expect(await store.submissions.latest(honest[0]!)).toBeNull();
      expect(app.pendingSubmissions).toBeGreaterThanOrEqual(honest.length);

      mongo.failCommands(null);
      await vi.waitFor(async () => expect(await pendingWrites(app.metrics)).toBe(0), { timeout: 30_000, interval: 100 });
      for (const hotkey of honest) {
        const stored = await store.submissions.latest(hotkey);
        expect(stored?.interval).toBe(cycle.interval);
        expect(stored?.submissions.length).toBeGreaterThan(0);
      }
    } finally {
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 180_000);
});
