import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import { openStore } from '../../src/runtime/open-store.js';
import { SPOOL_LOCK_FILE } from '../../src/runtime/spool-lock.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { COLLECTIONS } from '../../src/store/mongo-store.js';
import { readSpoolFiles } from '../../src/store/spool-files.js';
import { embeddedConfig } from './helpers.js';

const MINERS = 8;
const DB = 'record-spool-restart';

/**
 * SPEC §7 and §10: a validator stopped while the store refuses writes keeps its held score
 * history and submissions records in --mongodb.spool_dir, as it keeps held snapshots; the next
 * one stores them before its first cycle and removes the files. Before, they were logged as not
 * stored and lost. A score file replayed twice (a crash before its removal) stores each record
 * once: the records carry their own _id across the restart.
 */
describe('runtime: held score history and submissions records across a restart during a store outage', () => {
  let network: EmbeddedNetwork;
  let mongo: EmbeddedMongoServer;
  let client: MongoClient;
  let spoolDir: string;
  beforeAll(async () => {
    network = await startEmbeddedNetwork({ miners: MINERS, blockTimeMs: 500 });
    mongo = await EmbeddedMongoServer.start();
    client = await MongoClient.connect(mongo.uri);
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-record-spool-'));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await mongo?.close();
    await network?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  // Store up at the next start: the first write stores them. Still down: they are held (and the
  // files kept) until the store answers, then stored and the files removed while running.
  it.each([
    ['up', false],
    ['still down', true],
  ])('spools what is held at shutdown and stores it once after the next start (store %s)', async (label, downAtStart) => {
    const dbName = `${DB}-${label.replace(' ', '-')}`;
    const store = await openStore({ uri: mongo.uri, db: dbName, serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    const dir = join(spoolDir, label.replace(' ', '-'));
    const config = embeddedConfig({ 'mongodb.spool_dir': dir });
    const options = { network, storeInstance: store, metricsServer: false, jitterMs: 0, cycleDeadlineMs: 600_000 } as const;
    const db = client.db(dbName);
    try {
      mongo.failCommands({ commands: ['update'] });
      const a = await startValidator(config, options);
      await a.supervisor.runCycle();
      expect(a.pendingSubmissions).toBeGreaterThan(0);
      await a.stop();

      const [scores, ...moreScores] = await readSpoolFiles(dir, 'scores');
      const [submissions, ...moreSubmissions] = await readSpoolFiles(dir, 'submissions');
      expect([moreScores, moreSubmissions]).toEqual([[], []]);
      expect(scores!.docs.length).toBeGreaterThan(0);
      expect(submissions!.docs.map((d) => (d as { hotkey: string }).hotkey).sort()).toEqual(
        [...new Set(submissions!.docs.map((d) => (d as { hotkey: string }).hotkey))].sort(),
      );
      expect(await db.collection(COLLECTIONS.scores).countDocuments()).toBe(0);
      expect(await db.collection(COLLECTIONS.submissions).countDocuments()).toBe(0);
      // As if a start had crashed before removing it: the same records twice in the spool.
      copyFileSync(scores!.path, scores!.path.replace('scores-', 'scores-0-'));

      if (!downAtStart) mongo.failCommands(null);
      const b = await startValidator(config, options);
      try {
        if (downAtStart) {
          expect(b.pendingSubmissions).toBe(submissions!.docs.length);
          // Held, not stored: every file stays (the snapshots' too, and the score file's copy).
          expect(readdirSync(dir).filter((n) => n !== SPOOL_LOCK_FILE).map((n) => n.split('-')[0]).sort()).toEqual(['scores', 'scores', 'snapshots', 'submissions']);
          mongo.failCommands(null);
        }
        await vi.waitFor(() => expect(readdirSync(dir)).toEqual([SPOOL_LOCK_FILE]), { timeout: 30_000, interval: 100 });
        expect(b.pendingSubmissions).toBe(0);
        const ids = scores!.docs.map((d) => (d as { _id: string })._id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(await db.collection(COLLECTIONS.scores).countDocuments()).toBe(ids.length);
        const stored = await db.collection(COLLECTIONS.scores).find({}, { projection: { _id: 1 } }).toArray();
        expect(stored.map((d) => d._id.toHexString()).sort()).toEqual([...ids].sort());
        expect(await db.collection(COLLECTIONS.submissions).countDocuments()).toBe(submissions!.docs.length);
      } finally {
        await b.stop();
      }
      // Nothing held at this shutdown: no new file.
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      mongo.failCommands(null);
      await store.close();
    }
  }, 240_000);
});
