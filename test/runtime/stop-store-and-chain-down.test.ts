import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { SPOOL_LOCK_FILE } from '../../src/runtime/spool-lock.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { readSpoolFiles } from '../../src/store/spool-files.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 4;

/**
 * SIGTERM (app.stop(), as the signal handler calls it) with MongoDB refusing writes, the cycle's
 * snapshots, scores and submissions records held, and the Subtensor node dropping every
 * connection while a commit-reveal commit is due. The commit is never sent (its salt could not be
 * stored), the stop ends, everything held is in the spool, and the next start, with both back,
 * stores each record exactly once and empties the spool.
 */
describe('runtime: stopping with the store and the chain both down and a commit due', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let spoolDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500, hyperparameters: { commitRevealWeightsEnabled: true } });
    mongo = await EmbeddedMongoServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-stop-both-down-'));
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await network?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('spools everything held; the next start stores it once', async () => {
    const db = 'stop-both-down';
    const devnet = network.devnet!;
    const store = await openStore({ uri: mongo.uri, db, serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const config = embeddedConfig({ 'mongodb.spool_dir': spoolDir });
    const options = { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 } as const;
    const client = await MongoClient.connect(mongo.uri);
    let dropping: NodeJS.Timeout | undefined;
    try {
      mongo.failCommands({ commands: ['update', 'insert'] });
      const a = await startValidator(config, options);
      const cycle = await a.supervisor.runCycle();
      expect(cycle).toMatchObject({ scored: true });
      expect(cycle.snapshots.buffered).toBeGreaterThan(0);

      devnet.dropConnections();
      dropping = setInterval(() => devnet.dropConnections(), 100);
      const committing = a.committer.commitNow();
      const connected = async () => (await a.metrics.registry.getSingleMetric('infinitevibe_chain_connected')!.get()).values[0]?.value;
      await vi.waitFor(async () => expect(await connected()).toBe(0), { timeout: 10_000, interval: 20 });
      await a.stop();
      expect((await committing).ok).toBe(false);
      clearInterval(dropping);
      dropping = undefined;
      expect(devnet.state.weightCommitsOf(a.signer.address, network.scenario.netuid)).toEqual([]);

      const spooled = {
        snapshots: (await readSpoolFiles(spoolDir, 'snapshots')).flatMap((f) => f.docs),
        scores: (await readSpoolFiles(spoolDir, 'scores')).flatMap((f) => f.docs),
        submissions: (await readSpoolFiles(spoolDir, 'submissions')).flatMap((f) => f.docs),
      };
      expect(spooled.snapshots).toHaveLength(cycle.snapshots.buffered);
      expect(spooled.scores.length).toBeGreaterThan(0);
      expect(spooled.submissions.length).toBeGreaterThan(0);
      // No commit was sent, so none waits in the reveal journal.
      expect(readdirSync(spoolDir).filter((name) => name.startsWith('reveals-'))).toEqual([]);

      mongo.failCommands(null);
      const b = await startValidator(config, options);
      try {
        await vi.waitFor(() => expect(readdirSync(spoolDir)).toEqual([SPOOL_LOCK_FILE]), { timeout: 30_000, interval: 100 });
        const docs = client.db(db);
        expect(await docs.collection('metric_snapshots').countDocuments({ interval: cycle.interval })).toBe(spooled.snapshots.length);
        expect(await docs.collection('scores').countDocuments()).toBe(spooled.scores.length);
        expect(await docs.collection('submissions').countDocuments()).toBe(spooled.submissions.length);
        // Both back: the next cycle scores from the replayed history and its commit goes out.
        expect(await b.supervisor.runCycle()).toMatchObject({ result: 'ok', scored: true });
        expect(await b.committer.commitNow()).toMatchObject({ ok: true, mode: 'commit' });
      } finally {
        await b.stop();
      }
      expect(readdirSync(spoolDir).filter((name) => !name.startsWith('reveals-'))).toEqual([]);
    } finally {
      if (dropping) clearInterval(dropping);
      mongo.failCommands(null);
      await client.close();
      await store.close();
    }
  }, 120_000);
});
