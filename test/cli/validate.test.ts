import { describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';
import { cli } from '../helpers/cli.js';

// One pool thread: these runs are not about the pool, and each thread costs seconds of CPU to start.
const QUIET = ['--logging.level', 'silent', '--metrics.host', '127.0.0.1', '--metrics.port', '0', '--pool.threads', '1'];

describe('infinitevibe validate', () => {
  it('--once on the embedded network runs a cycle, commits weights and prints a one-line JSON summary', async () => {
    const { code, stdout } = await cli(['validate', '--subtensor.network', 'embedded', '--once', '--miners', '16', ...QUIET]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({ network: 'embedded', endpoint: expect.stringMatching(/^ws:\/\/127.0.0.1:/), miners: 17, actors: 17, cycle: 'ok' });
    expect(summary.submissions.accepted).toBeGreaterThan(0);
    expect(summary.submissions.rejected_by_reason).toMatchObject({ invalid_json: expect.any(Number), invalid_signature: expect.any(Number) });
    expect(summary.snapshots.written).toBeGreaterThan(0);
    expect(summary.weights).toMatchObject({ committed: true, mode: 'set', error: null });
    expect(summary.weights.uids.length).toBeGreaterThan(0);
    expect(summary.weights.uids.length).toBe(summary.weights.values.length);
    expect(summary.weights.block).toBeGreaterThan(0);
    expect(summary.durations_ms.total).toBeGreaterThan(0);
  }, 240_000);

  it('--once --weights.dry_run exits 0 with committed false: nothing was sent', async () => {
    const { code, stdout } = await cli(['validate', '--subtensor.network', 'embedded', '--once', '--miners', '4', '--weights.dry_run', ...QUIET]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.weights).toMatchObject({ committed: false, mode: 'dry_run', error: null });
    expect(summary.weights.uids.length).toBeGreaterThan(0);
  }, 240_000);

  it('--services embedded against a separately started node: the weights it commits are the ones `weights --json` reads', async () => {
    const scenario = await buildScenario({ miners: 16 });
    const devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 500,
      netuid: scenario.netuid,
      neurons: scenarioNeurons(scenario),
      hyperparameters: EMBEDDED_HYPERPARAMETERS,
    });
    try {
      const run = await cli([
        'validate',
        '--once',
        '--subtensor.chain_endpoint',
        devnet.url,
        '--subtensor.network',
        'local',
        '--mongodb.spool_dir',
        'off',
        '--services',
        'embedded',
        '--miners',
        '16',
        '--wallet.path',
        '/nonexistent-wallets',
        ...QUIET,
      ]);
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.endpoint).toBe(devnet.url);
      // --subtensor.network local with another endpoint is not "local".
      expect(summary.network).toBe('custom');
      expect(summary.timed_out_uids).toEqual([]);
      expect(summary.weights.committed).toBe(true);
      const read = await cli(['weights', '--json', '--uid', '0', '--subtensor.chain_endpoint', devnet.url]);
      expect(read.code).toBe(0);
      const onChain = JSON.parse(read.stdout);
      expect(onChain.weights.map((w: { uid: number }) => w.uid)).toEqual(summary.weights.uids);
      expect(onChain.weights.map((w: { value: number }) => w.value)).toEqual(summary.weights.values);
    } finally {
      await devnet.close();
    }
  }, 240_000);

  it('rejects bad flags with a clear message', async () => {
    const bad = await cli(['validate', '--subtensor.network', 'embedded', '--once', '--miners', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--miners must be an integer from 0 to 4095, got "lots"/);
    const unknown = await cli(['validate', '--subtensor.network', 'embedded', '--once', '--cycle-speed', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);
    // A real network needs the wallet's hotkey: say which file is missing and how to point at it.
    const noWallet = await cli([
      'validate',
      '--once',
      '--subtensor.chain_endpoint',
      'ws://127.0.0.1:9',
      '--wallet.path',
      '/nonexistent-wallets',
      '--wallet.name',
      'vali',
      ...QUIET,
    ]);
    expect(noWallet.code).toBe(1);
    expect(noWallet.stderr).toMatch(/ERR_WALLET_NOT_FOUND/);
    expect(noWallet.stderr).toContain('/nonexistent-wallets/vali/hotkeys/default');
  });
});
