import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { SPOOL_LOCK_FILE } from '../../src/runtime/spool-lock.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { readSpool } from '../../src/store/snapshot-spool.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 8;

/**
 * SPEC §7 and §10: a validator stopped while the store refuses writes keeps its held snapshots in
 * --mongodb.spool_dir; the next one holds them again before its first cycle and stores them once
 * the store answers, then removes the file. Before, they were logged as not stored and lost.
 */
describe('runtime: held snapshots across a restart during a store outage', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let spoolDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500 });
    mongo = await EmbeddedMongoServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-spool-restart-'));
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await network?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('spools what is held at shutdown and stores it after the next start', async () => {
    const store = await openStore({ uri: mongo.uri, db: 'spool-restart', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const config = embeddedConfig({ 'mongodb.spool_dir': spoolDir });
    const options = { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 } as const;
    try {
      mongo.failCommands({ commands: ['update'] });
      const a = await startValidator(config, options);
      const first = await a.supervisor.runCycle();
      expect(first.snapshots.buffered).toBeGreaterThan(0);
      await a.stop();
      const [file, ...more] = await readSpool(spoolDir);
      expect(more).toEqual([]);
      expect(file!.snapshots).toHaveLength(first.snapshots.buffered);
      expect(await store.snapshots.count({ interval: first.interval })).toBe(0);

      // Still down at the next start: the spooled snapshots are held again.
      const b = await startValidator(config, options);
      try {
        expect(b.pendingSnapshots).toBe(first.snapshots.buffered);
        mongo.failCommands(null);
        await vi.waitFor(() => expect(b.pendingSnapshots).toBe(0), { timeout: 30_000, interval: 100 });
        expect(await store.snapshots.count({ interval: first.interval })).toBe(first.snapshots.buffered);
        // While it runs, only its claim on the directory is there.
        await vi.waitFor(() => expect(readdirSync(spoolDir)).toEqual([SPOOL_LOCK_FILE]), { timeout: 30_000, interval: 100 });
      } finally {
        await b.stop();
      }
      // Nothing held at this shutdown: no new file.
      expect(readdirSync(spoolDir)).toEqual([]);
    } finally {
      mongo.failCommands(null);
      await store.close();
    }
  }, 240_000);
});
