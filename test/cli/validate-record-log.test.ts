import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';
import { CLI_ENTRY } from '../helpers/cli.js';

/** The Bittensor SDK's BT_LOGGING_RECORD_LOG / BT_LOGGING_LOGGING_DIR, as an operator sets them for a validator. */
describe('validate --once with record_log on', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-recordlog-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every stdout log line to <logging_dir>/bittensor.log as well, the directory made 0700', async () => {
    const logDir = join(dir, 'not-yet', 'logs');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI_ENTRY, 'validate', '--subtensor.network', 'embedded', '--once', '--miners', '8', '--pool.threads', '1', '--metrics.host', '127.0.0.1', '--metrics.port', '0'],
      {
        cwd: packageRoot(),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, BT_LOGGING_RECORD_LOG: 'true', BT_LOGGING_LOGGING_DIR: logDir, YOUTUBE_API_KEY: 'AIza-not-for-logs' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
    const stdoutLines = out.split('\n').filter((l) => l !== '');
    const summary = JSON.parse(stdoutLines.at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ network: 'embedded', cycle: 'ok' });
    const fileLines = (await readFile(join(logDir, 'bittensor.log'), 'utf8')).split('\n').filter((l) => l !== '');
    // The same lines in the same order; the --once summary is output, not a log line.
    expect(fileLines).toEqual(stdoutLines.slice(0, -1));
    expect(fileLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(expect.arrayContaining(['validator ready', 'validator stopped']));
    expect(fileLines.join('\n')).not.toContain('AIza-not-for-logs');
    expect((await stat(logDir)).mode & 0o777).toBe(0o700);
  }, 180_000);
});
