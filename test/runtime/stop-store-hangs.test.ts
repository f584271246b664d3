import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { readSpoolFiles } from '../../src/store/spool-files.js';
import { readSpool } from '../../src/store/snapshot-spool.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 4;

/**
 * SIGTERM while the store hangs (a stalled primary, a partition: writes neither answered nor
 * refused) mid-cycle, with the cycle's bulk writes in flight. The shutdown must end within its
 * budget rather than wait on the store (docker and systemd kill after 60 s), and what was on its
 * way to the store must reach the spool: those writes may never have been applied.
 */
describe('runtime: stopping while the store leaves the cycle\'s writes unanswered', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let spoolDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 250 });
    mongo = await EmbeddedMongoServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-stop-hang-'));
  }, 60_000);
  afterAll(async () => {
    mongo?.failCommands(null);
    await mongo?.close();
    await network?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('stops within the budget and spools the snapshots and submissions records whose writes hang', async () => {
    // No socket timeout within the test: only the shutdown's own bound can end the wait.
    const store = await openStore({ uri: mongo.uri, db: 'stop-hang', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300, socketTimeoutMS: 600_000 });
    const config = embeddedConfig({ 'mongodb.spool_dir': spoolDir, 'subtensor.block_time_ms': 250 });
    const app = await startValidator(config, { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000, shutdownBudgetMs: 5_000 });
    try {
      // A first cycle with the store up: the videos' AI verdicts are stored, so the next cycle's
      // writes are its snapshots and submissions records.
      await app.supervisor.runCycle();
      mongo.failCommands({ commands: ['update', 'insert'], hang: true });
      void app.supervisor.runCycle();
      await vi.waitFor(
        () => {
          expect(mongo.unanswered).toContain('update:metric_snapshots');
          expect(mongo.unanswered).toContain('update:submissions');
        },
        { timeout: 30_000, interval: 20 },
      );
      await app.stop();
      const [snapshots] = await readSpool(spoolDir);
      expect(snapshots!.snapshots.length).toBeGreaterThanOrEqual(MINERS);
      const [submissions] = await readSpoolFiles(spoolDir, 'submissions');
      expect(submissions!.docs.length).toBeGreaterThanOrEqual(MINERS);
    } finally {
      mongo.failCommands(null);
      await store.close();
    }
  }, 60_000);
});
