import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import { parseHolder, SPOOL_LOCK_FILE } from '../../src/runtime/spool-lock.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { useChainMongoSpool } from './chain-mongo-spool.js';
import { devnetValidateFlags, spawnValidateOnce } from './validate-child.js';

const MINERS = 4;
const DB = 'spool-dir-shared';

/**
 * Two validators of one subnet on one machine left on the default spool directory: the second
 * to start would replay, and remove, the first one's live spool files. It refuses to start
 * instead (exit 2, ERR_SPOOL_IN_USE) and leaves them. The first, killed, leaves its claim; the
 * next start finds its process gone, takes the directory over and releases it at stop.
 */
describe('runtime: a second validator on a spool directory in use', () => {
  const fx = useChainMongoSpool(MINERS, 'iv-spool-shared-');

  // The held writes' files (the reveal journal, kept until its commits are revealed, is not among them).
  const spoolFiles = () => readdirSync(fx.spoolDir).filter((name) => /^(snapshots|scores|submissions)-.*\.jsonl$/.test(name)).sort();

  it('exits 2 naming the directory, the holder and the fix, and leaves the first one\'s files', async () => {
    const flags = devnetValidateFlags({ chainEndpoint: fx.devnet.url, db: DB, spoolDir: fx.spoolDir });
    fx.mongo.failCommands({ commands: ['update', 'insert'] });
    const first = spawnValidateOnce({ flags, miners: MINERS, mongoUri: fx.mongo.uri });
    let live: string[];
    try {
      const blocks = setInterval(() => {
        if (fx.devnet.pendingExtrinsics === 0) fx.devnet.produceBlock();
      }, 100);
      try {
        await vi.waitFor(() => expect(fx.devnet.pendingExtrinsics).toBeGreaterThan(0), { timeout: 120_000, interval: 100 });
      } finally {
        clearInterval(blocks);
      }
      // Its cycle is over and its held writes are on disk: the files a second start would take.
      live = await vi.waitFor(() => {
        const names = spoolFiles();
        expect(names.filter((n) => n.startsWith('snapshots-'))).toHaveLength(1);
        expect(names.filter((n) => n.startsWith('submissions-'))).toHaveLength(1);
        return names;
      }, { timeout: 30_000, interval: 100 });

      const second = spawnValidateOnce({ flags, miners: MINERS, mongoUri: fx.mongo.uri });
      try {
        // Until it exits, or (as before the claim) it has replayed the first one's files and replaced them with its own.
        let ended = false;
        void second.code.then(() => (ended = true));
        await vi.waitFor(() => expect(ended || spoolFiles().join() !== live.join()).toBe(true), { timeout: 120_000, interval: 100 });
        expect(spoolFiles()).toEqual(live);
        expect(await second.code, second.log()).toBe(2);
      } finally {
        second.child.kill('SIGKILL');
      }
      const lines = second.log().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^infinitevibe: ERR_SPOOL_IN_USE: spool directory /);
      expect(lines[0]).toContain(fx.spoolDir);
      expect(lines[0]).toContain(`pid ${first.child.pid}`);
      expect(lines[0]).toContain(fx.scenario.validator.hotkey);
      expect(lines[0]).toContain('--mongodb.spool_dir DIR');

      // The first runs on with its files and its claim.
      expect(first.child.exitCode).toBeNull();
      expect(spoolFiles()).toEqual(live);
      expect(parseHolder(readFileSync(join(fx.spoolDir, SPOOL_LOCK_FILE), 'utf8'))).toMatchObject({ pid: first.child.pid, hotkey: fx.scenario.validator.hotkey });
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
    } catch (error) {
      first.child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; first validator's log:\n${first.log()}`);
    }

    // A kill leaves the claim; the next start finds its process gone and takes the directory over.
    expect(existsSync(join(fx.spoolDir, SPOOL_LOCK_FILE))).toBe(true);
    fx.mongo.failCommands(null);
    const config = loadConfig({ env: {}, flags: { ...flags, 'mongodb.uri': fx.mongo.uri, 'logging.level': 'silent' } });
    const app = await startValidator(config, { miners: MINERS, metricsServer: false });
    try {
      expect(parseHolder(readFileSync(join(fx.spoolDir, SPOOL_LOCK_FILE), 'utf8'))?.pid).toBe(process.pid);
      // The killed validator's files replayed and stored, as any start's.
      await vi.waitFor(() => expect(spoolFiles()).toEqual([]), { timeout: 30_000, interval: 100 });
    } finally {
      await app.stop();
    }
    // Released at stop.
    expect(existsSync(join(fx.spoolDir, SPOOL_LOCK_FILE))).toBe(false);
    expect(readdirSync(fx.spoolDir).filter((name) => !name.startsWith('reveals-journal-'))).toEqual([]);
  }, 240_000);

  it('a spool directory that cannot be written takes no lock and, as before the lock, does not stop the start', async () => {
    // A regular file where the directory should be: no user, root included, can make it.
    const notADir = join(fx.spoolDir, 'not-a-directory');
    writeFileSync(notADir, '');
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const flags = devnetValidateFlags({ chainEndpoint: fx.devnet.url, db: DB, spoolDir: notADir });
    const config = loadConfig({ env: {}, flags: { ...flags, 'mongodb.uri': fx.mongo.uri } });
    const app = await startValidator(config, { miners: MINERS, metricsServer: false, logger });
    await app.stop();
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, dir: notADir, msg: expect.stringContaining('spool directory not claimed') }));
  }, 120_000);
});
