import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';
import { CLI_ENTRY } from '../helpers/cli.js';

/** `validate --once | tail -n 1 | jq` is how scripts read the summary while logs share stdout. */
describe('validate --once with logs on stdout', () => {
  it('prints the JSON summary as the last stdout line, after the shutdown log lines', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI_ENTRY, 'validate', '--subtensor.network', 'embedded', '--once', '--miners', '8', '--pool.threads', '1', '--metrics.host', '127.0.0.1', '--metrics.port', '0'],
      { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.some((r) => r['msg'] === 'validator stopped')).toBe(true);
    expect(records.at(-1)).toMatchObject({ network: 'embedded', cycle: 'ok', weights: { committed: true } });
    expect(records.filter((r) => 'weights' in r && 'interval' in r)).toHaveLength(1);
  }, 180_000);
});
