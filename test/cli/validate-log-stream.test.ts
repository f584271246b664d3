import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildScenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';
import { packageRoot } from '../../src/util/paths.js';
import { CLI_ENTRY } from '../helpers/cli.js';

/**
 * The validator as its own process through a chain outage: stdout carries only JSON log lines
 * (no plain-text @polkadot/api lines), stderr stays empty, and reconnects back off.
 */
describe('validate: one JSON log stream through a chain outage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-logstream-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a dead chain produces JSON lines only, the outage logged once, and shutdown adds no plain text', async () => {
    const scenario = await buildScenario({ miners: 4 });
    const devnet = await SubtensorDevnet.start({ port: 0, blockTimeMs: 300, netuid: scenario.netuid, neurons: scenarioNeurons(scenario), hyperparameters: EMBEDDED_HYPERPARAMETERS });
    const port = Number(new URL(devnet.url).port);
    let deadNode: Server | undefined;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI_ENTRY,
        'validate',
        '--subtensor.network',
        'local',
        '--mongodb.spool_dir',
        'off',
        '--subtensor.chain_endpoint',
        devnet.url,
        '--services',
        'embedded',
        '--miners',
        '4',
        '--wallet.path',
        join(dir, 'no-wallets'),
        '--metrics.host',
        '127.0.0.1',
        '--metrics.port',
        '0',
        '--submission_update_interval',
        '3600',
        '--pool.threads',
        '1',
      ],
      { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await vi.waitFor(() => expect(out).toContain('validator ready'), { timeout: 90_000, interval: 100 });
      await devnet.close();
      // The node's port now hangs up on every connection: count the validator's attempts.
      let attempts = 0;
      deadNode = createServer((socket) => {
        attempts++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => deadNode!.listen(port, '127.0.0.1', resolve));
      await vi.waitFor(() => expect(out).toContain('chain connection lost; reconnecting'), { timeout: 30_000, interval: 100 });
      await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(3), { timeout: 30_000, interval: 100 });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await new Promise<void>((resolve) => (deadNode ? deadNode.close(() => resolve()) : resolve()));
    }
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    const notJson = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(err).toBe('');
    const entries = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
    // One line for the outage however many attempts failed (the next comes a minute later at most).
    expect(entries.filter((e) => /chain (connection lost|still unreachable)/.test(e.msg))).toHaveLength(1);
    expect(entries.some((e) => e.msg === 'validator stopped')).toBe(true);
    // The start-up line says which network and which hotkey, as a Bittensor validator's does.
    expect(entries.find((e) => e.msg === 'validator ready')).toMatchObject({ network: 'custom', uid: 0, hotkey: expect.stringMatching(/^5[1-9A-HJ-NP-Za-km-z]{47}$/) });
  }, 180_000);
});
