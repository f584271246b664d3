import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { readSpool } from '../../src/store/snapshot-spool.js';
import { cycleScores } from '../weights/cycle-scores.js';
import { embeddedConfig } from './helpers.js';

const SCORES = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3, 4],
  scores: [[1, 'a', 4], [2, 'b', 2], [3, 'c', 1]],
  top: [1, 2, 3],
});

/**
 * SIGTERM while a weights transaction waits for inclusion on a halted chain (the node answers,
 * no block comes), with the store refusing writes. The shutdown must not wait out the inclusion
 * timeout (an hour here, 120 s by default, past docker's 60 s grace): a killed process would lose
 * the snapshots it holds for the store instead of spooling them.
 */
describe('runtime: stopping while a weight transaction waits on a halted chain', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let spoolDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 250 });
    mongo = await EmbeddedMongoServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-stop-halt-'));
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await network?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('leaves the transaction to the chain, spools the held snapshots and stops', async () => {
    const store = await openStore({ uri: mongo.uri, db: 'stop-halt', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const config = embeddedConfig({ 'mongodb.spool_dir': spoolDir, 'subtensor.block_time_ms': 250, 'subtensor.inclusion_timeout_ms': 3_600_000 });
    try {
      mongo.failCommands({ commands: ['update'] });
      const app = await startValidator(config, { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 });
      const cycle = await app.supervisor.runCycle();
      expect(cycle.snapshots.buffered).toBeGreaterThan(0);
      app.committer.update(SCORES);
      network.devnet!.haltBlocks();
      const committing = app.committer.commitNow();
      await vi.waitFor(() => expect(network.devnet!.pendingExtrinsics).toBe(1), { timeout: 20_000, interval: 20 });
      await app.stop();
      const result = await committing;
      expect(result.ok).toBe(false);
      const [file] = await readSpool(spoolDir);
      expect(file!.snapshots).toHaveLength(cycle.snapshots.buffered);
      // The abandoned transaction is still the chain's to include.
      network.devnet!.haltBlocks(false);
      await vi.waitFor(() => expect(network.devnet!.pendingExtrinsics).toBe(0), { timeout: 10_000, interval: 20 });
    } finally {
      mongo.failCommands(null);
      await store.close();
    }
  }, 60_000);
});
