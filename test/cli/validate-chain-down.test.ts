import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpool, writeSpool } from '../../src/store/snapshot-spool.js';
import { snapshot } from '../store/backend.js';
import { cli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';

const QUIET = ['--logging.level', 'silent', '--metrics.host', '127.0.0.1', '--metrics.port', '0', '--pool.threads', '1'];

/**
 * The node down when the validator starts: nothing can be followed or committed without it, so
 * the start fails at once with the chain's error code and the endpoint (exit 1, for the service
 * manager to start it again), and what the last run spooled for the store is left for that start.
 */
describe('validate with the Subtensor node down at start-up', () => {
  it('exits 1 naming the chain error and the endpoint, leaving the spooled snapshots in place', async () => {
    const port = await closedPort();
    const dir = await mkdtemp(join(tmpdir(), 'iv-chain-down-'));
    try {
      await writeSpool(dir, [snapshot(1), snapshot(2)]);
      const run = await cli([
        'validate',
        '--subtensor.chain_endpoint',
        `ws://127.0.0.1:${port}`,
        '--subtensor.network',
        'local',
        '--subtensor.connect_timeout_ms',
        '2000',
        '--mongodb.spool_dir',
        dir,
        '--services',
        'embedded',
        '--miners',
        '4',
        '--wallet.path',
        '/nonexistent-wallets',
        ...QUIET,
      ]);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/ERR_CHAIN_(DISCONNECTED|TIMEOUT)/);
      expect(run.err).toContain(`127.0.0.1:${port}`);
      expect((await readSpool(dir)).flatMap((f) => f.snapshots)).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
