import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { readSpool } from '../../src/store/snapshot-spool.js';
import { embeddedConfig, networkWithMongo } from './helpers.js';

const MINERS = 6;

/**
 * Miners that report after their cycle's deadline (a slow YouTube) while MongoDB refuses writes:
 * their snapshots are held after the cycle has ended. They reach the spool once they are scored,
 * not only with the next cycle, so a validator killed in between loses none of them.
 */
describe('runtime: late miners during a store outage', () => {
  const env = networkWithMongo(MINERS);
  let spoolDir: string;
  beforeAll(() => {
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-spool-late-'));
  });
  afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('their held snapshots are saved to the spool once they are scored', async () => {
    const { network, mongo } = env;
    const store = await openStore({ uri: mongo.uri, db: 'spool-late', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const app = await startValidator(embeddedConfig({ 'mongodb.spool_dir': spoolDir }), { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 1_500 });
    const youtube = network.standins.faults.youtube;
    try {
      mongo.failCommands({ commands: ['update', 'insert'] });
      youtube.latencyMs = 3_000;
      const cycle = await app.supervisor.runCycle();
      expect(cycle.timedOut).toBeGreaterThan(0);
      // The late miners' snapshots join those held at the cycle's end…
      await vi.waitFor(() => expect(app.pendingSnapshots).toBeGreaterThan(cycle.snapshots.buffered), { timeout: 30_000, interval: 50 });
      // …and the spool holds every one of them, with no cycle or stop since.
      await vi.waitFor(async () => {
        const spooled = (await readSpool(spoolDir)).flatMap((f) => f.snapshots);
        expect(spooled.length).toBeGreaterThan(cycle.snapshots.buffered);
        expect(spooled).toHaveLength(app.pendingSnapshots);
      }, { timeout: 30_000, interval: 100 });
    } finally {
      youtube.latencyMs = 0;
      mongo.failCommands(null);
      await app.stop();
      await store.close();
    }
  }, 120_000);
});
