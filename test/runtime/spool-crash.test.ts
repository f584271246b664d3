import { readdirSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { SPOOL_LOCK_FILE } from '../../src/runtime/spool-lock.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { readSpoolFiles } from '../../src/store/spool-files.js';
import { useChainMongoSpool } from './chain-mongo-spool.js';
import { devnetValidateFlags, spawnValidateOnce } from './validate-child.js';

const MINERS = 6;
const DB = 'spool-crash';

/**
 * A validator killed with SIGKILL (the OOM killer, `docker kill`, a power loss) while MongoDB
 * refuses writes: no shutdown path runs, so only what was saved to the spool after the cycle
 * survives. The next start, with MongoDB back, stores all of it once. Before, the held writes
 * reached the spool only at a graceful stop and were lost here.
 */
describe('runtime: a validator killed during a store outage', () => {
  const fx = useChainMongoSpool(MINERS, 'iv-spool-crash-');

  const spooled = async () => ({
    snapshots: (await readSpoolFiles(fx.spoolDir, 'snapshots')).flatMap((f) => f.docs),
    scores: (await readSpoolFiles(fx.spoolDir, 'scores')).flatMap((f) => f.docs),
    submissions: (await readSpoolFiles(fx.spoolDir, 'submissions')).flatMap((f) => f.docs),
  });

  it('leaves the cycle\'s held snapshots, score and submissions records in the spool; the next start stores each once', async () => {
    const flags = devnetValidateFlags({ chainEndpoint: fx.devnet.url, db: DB, spoolDir: fx.spoolDir });
    fx.mongo.failCommands({ commands: ['update', 'insert'] });
    const { child, exited, log } = spawnValidateOnce({ flags, miners: MINERS, mongoUri: fx.mongo.uri });
    let held: Awaited<ReturnType<typeof spooled>>;
    try {
      const blocks = setInterval(() => {
        if (fx.devnet.pendingExtrinsics === 0) fx.devnet.produceBlock();
      }, 100);
      try {
        await vi.waitFor(() => expect(fx.devnet.pendingExtrinsics).toBeGreaterThan(0), { timeout: 120_000, interval: 100 });
      } finally {
        clearInterval(blocks);
      }
      // The cycle is over (its weights wait in the pool): what it holds is on disk.
      held = await vi.waitFor(async () => {
        const now = await spooled();
        expect(now.snapshots.length).toBeGreaterThan(0);
        expect(now.scores.length).toBeGreaterThan(0);
        expect(now.submissions).toHaveLength(MINERS);
        return now;
      }, { timeout: 30_000, interval: 100 });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; validator log:\n${log()}`);
    }
    expect(readdirSync(fx.spoolDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    fx.mongo.failCommands(null);
    const config = loadConfig({ env: {}, flags: { ...flags, 'mongodb.uri': fx.mongo.uri, 'logging.level': 'silent' } });
    const app = await startValidator(config, { miners: MINERS, metricsServer: false });
    const client = await MongoClient.connect(fx.mongo.uri);
    try {
      // The killed run's claim taken over: only this run's is left.
      await vi.waitFor(() => expect(readdirSync(fx.spoolDir)).toEqual([SPOOL_LOCK_FILE]), { timeout: 30_000, interval: 100 });
      const db = client.db(DB);
      expect(await db.collection('metric_snapshots').countDocuments()).toBe(held.snapshots.length);
      expect(await db.collection('scores').countDocuments()).toBe(held.scores.length);
      expect(await db.collection('submissions').countDocuments()).toBe(MINERS);
    } finally {
      await client.close();
      await app.stop();
    }
  }, 240_000);
});
