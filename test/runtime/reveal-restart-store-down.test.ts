import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { cycleScores } from '../weights/cycle-scores.js';
import { embeddedConfig } from './helpers.js';

const SCORES = cycleScores({
  interval: '2026-01-01-02-00',
  neurons: [0, 1, 2, 3, 4],
  scores: [[1, 'a', 4], [2, 'b', 2], [3, 'c', 1]],
  top: [1, 2, 3],
});

/**
 * Commit-reveal: a validator restarted between its commit and the reveal, with MongoDB down
 * from before the stop until after the reveal window. The salt was stored, but the new process
 * cannot read it: without a copy of its own the commit expires unrevealed.
 */
describe('runtime: a restart between commit and reveal while the store is down', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let spoolDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: 4, blockTimeMs: 100, hyperparameters: { commitRevealWeightsEnabled: true, tempo: 200, weightsSetRateLimit: 0 } });
    mongo = await EmbeddedMongoServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-reveal-restart-'));
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await network?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('the restarted validator reveals the commit from the spool', async () => {
    const store = await openStore({ uri: mongo.uri, db: 'reveal-restart', serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const config = embeddedConfig({ 'mongodb.spool_dir': spoolDir, 'subtensor.block_time_ms': 100 });
    const options = { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 } as const;
    const netuid = network.scenario.netuid;
    try {
      const a = await startValidator(config, options);
      a.committer.update(SCORES);
      const commit = await a.committer.commitNow();
      expect(commit).toMatchObject({ ok: true, mode: 'commit', uids: [1, 2, 3] });
      // Every store operation fails from here on.
      mongo.failCommands({ commands: ['find', 'insert', 'update', 'delete', 'aggregate', 'count', 'createIndexes', 'getMore'] });
      await a.stop();

      const b = await startValidator(config, options);
      try {
        b.run();
        await vi.waitFor(() => expect(network.devnet!.state.weightsOf(0, netuid).map(([uid]) => uid)).toEqual([1, 2, 3]), { timeout: 45_000, interval: 100 });
        expect(network.devnet!.state.weightCommitsOf(b.signer.address, netuid)).toEqual([]);
      } finally {
        await b.stop();
      }
    } finally {
      mongo.failCommands(null);
      await store.close();
    }
  }, 120_000);
});
