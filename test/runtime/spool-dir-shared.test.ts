import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log.js';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';
import { parseHolder, SPOOL_LOCK_FILE } from '../../src/runtime/spool-lock.js';
import { startValidator } from '../../src/runtime/validator-app.js';
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
  let scenario: Scenario;
  let devnet: SubtensorDevnet;
  let mongo: EmbeddedMongoServer;
  let spoolDir: string;
  beforeAll(async () => {
    scenario = await buildScenario({ miners: MINERS });
    // Blocks only when the test makes them, so the first validator waits on its weights while the second starts.
    devnet = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: scenario.netuid, neurons: scenarioNeurons(scenario), hyperparameters: EMBEDDED_HYPERPARAMETERS });
    mongo = await EmbeddedMongoServer.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'iv-spool-shared-'));
  }, 60_000);
  afterAll(async () => {
    await mongo?.close();
    await devnet?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  // The held writes' files (the reveal journal, kept until its commits are revealed, is not among them).
  const spoolFiles = () => readdirSync(spoolDir).filter((name) => /^(snapshots|scores|submissions)-.*\.jsonl$/.test(name)).sort();

  it('exits 2 naming the directory, the holder and the fix, and leaves the first one\'s files', async () => {
    const flags = devnetValidateFlags({ chainEndpoint: devnet.url, db: DB, spoolDir });
    mongo.failCommands({ commands: ['update', 'insert'] });
    const first = spawnValidateOnce({ flags, miners: MINERS, mongoUri: mongo.uri });
    let live: string[];
    try {
      const blocks = setInterval(() => {
        if (devnet.pendingExtrinsics === 0) devnet.produceBlock();
      }, 100);
      try {
        await vi.waitFor(() => expect(devnet.pendingExtrinsics).toBeGreaterThan(0), { timeout: 120_000, interval: 100 });
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

      const second = spawnValidateOnce({ flags, miners: MINERS, mongoUri: mongo.uri });
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
      expect(lines[0]).toContain(spoolDir);
      expect(lines[0]).toContain(`pid ${first.child.pid}`);
      expect(lines[0]).toContain(scenario.validator.hotkey);
      expect(lines[0]).toContain('--mongodb.spool_dir DIR');

      // The first runs on with its files and its claim.
      expect(first.child.exitCode).toBeNull();
      expect(spoolFiles()).toEqual(live);
      expect(parseHolder(readFileSync(join(spoolDir, SPOOL_LOCK_FILE), 'utf8'))).toMatchObject({ pid: first.child.pid, hotkey: scenario.validator.hotkey });
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
    } catch (error) {
      first.child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; first validator's log:\n${first.log()}`);
    }

    // A kill leaves the claim; the next start finds its process gone and takes the directory over.
    expect(existsSync(join(spoolDir, SPOOL_LOCK_FILE))).toBe(true);
    mongo.failCommands(null);
    const config = loadConfig({ env: {}, flags: { ...flags, 'mongodb.uri': mongo.uri, 'logging.level': 'silent' } });
    const app = await startValidator(config, { miners: MINERS, metricsServer: false });
    try {
      expect(parseHolder(readFileSync(join(spoolDir, SPOOL_LOCK_FILE), 'utf8'))?.pid).toBe(process.pid);
      // The killed validator's files replayed and stored, as any start's.
      await vi.waitFor(() => expect(spoolFiles()).toEqual([]), { timeout: 30_000, interval: 100 });
    } finally {
      await app.stop();
    }
    // Released at stop.
    expect(existsSync(join(spoolDir, SPOOL_LOCK_FILE))).toBe(false);
    expect(readdirSync(spoolDir).filter((name) => !name.startsWith('reveals-journal-'))).toEqual([]);
  }, 240_000);

  it('a spool directory that cannot be written takes no lock and, as before the lock, does not stop the start', async () => {
    // A regular file where the directory should be: no user, root included, can make it.
    const notADir = join(spoolDir, 'not-a-directory');
    writeFileSync(notADir, '');
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const flags = devnetValidateFlags({ chainEndpoint: devnet.url, db: DB, spoolDir: notADir });
    const config = loadConfig({ env: {}, flags: { ...flags, 'mongodb.uri': mongo.uri } });
    const app = await startValidator(config, { miners: MINERS, metricsServer: false, logger });
    await app.stop();
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, dir: notADir, msg: expect.stringContaining('spool directory not claimed') }));
  }, 120_000);
});
