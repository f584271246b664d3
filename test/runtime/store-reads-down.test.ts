import { describe, expect, it, vi } from 'vitest';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { embeddedConfig, networkWithMongo } from './helpers.js';

const MINERS = 16;

async function operations(metrics: ValidatorMetrics, operation: string): Promise<number> {
  return (await metrics.storeOperationsTotal.get()).values.filter((v) => v.labels['operation'] === operation).reduce((n, v) => n + v.value, 0);
}

async function storeWork(metrics: ValidatorMetrics): Promise<number> {
  const of = async (gauge: 'dependencyInFlight' | 'dependencyQueueDepth') =>
    (await metrics[gauge].get()).values.find((v) => v.labels['dependency'] === 'store')?.value ?? 0;
  return (await of('dependencyInFlight')) + (await of('dependencyQueueDepth'));
}

/**
 * SPEC §10, a store that cannot be read: scoring is skipped (the last scores stay in force)
 * after one probe, instead of every miner's history read waiting out the outage in turn (5 s of
 * server selection each, 16 at a time: minutes of store slots at 1024 miners, every cycle).
 */
describe('runtime: store reads down during scoring', () => {
  const env = networkWithMongo(MINERS);

  it('a batched history read that finds the store unreachable is followed by one hotkey read, not one per miner', async () => {
    const { network, mongo } = env;
    // One registry for the app and the store it is given, so store operations are counted.
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const store = await openStore({ uri: mongo.uri, db: 'reads-down', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300, metrics });
    const app = await startValidator(embeddedConfig(), { network, metrics, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
    try {
      mongo.failCommands({ commands: ['find'] });
      const cycle = await app.supervisor.runCycle();
      // Every miner and the validator, which is collected too.
      expect(cycle).toMatchObject({ scored: false, reported: MINERS + 1 });
      expect(cycle.errors).toEqual(['score: ERR_STORE_UNAVAILABLE']);
      // Reads still queued behind the failed cycle would show here once they have run.
      await vi.waitFor(async () => expect(await storeWork(metrics)).toBe(0), { timeout: 60_000, interval: 50 });
      expect(await operations(metrics, 'snapshots.histories')).toBe(1);
      expect(await operations(metrics, 'snapshots.history')).toBe(1);

      mongo.failCommands(null);
      expect(await app.supervisor.runCycle()).toMatchObject({ result: 'ok', scored: true });
    } finally {
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 180_000);
});
