import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';
import { CLI_ENTRY, cli } from '../helpers/cli.js';

/** `--logging.record_log` on the miner toolkit: recorded where there are log lines, refused where there are none. */
describe('miner subcommands and --logging.record_log', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-miner-recordlog-'));
    file = join(dir, 'submissions.jsonl');
    await writeFile(file, `${JSON.stringify({ content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: 'https://cdn.example/a.mp4' })}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('miner check writes its stderr log lines to <logging_dir>/miner.log as well', async () => {
    const logDir = join(dir, 'logs');
    const child = spawn(
      process.execPath,
      [
        '--import', 'tsx', CLI_ENTRY, 'miner', 'check', '--file', file,
        '--hotkey', '5FmmPBfpXjzPawbS1HoXZ9wuDHs94r1mxPvNLvmimsf8UMz9',
        '--subtensor.network', 'embedded', '--logging.debug', '--logging.record_log', '--logging.logging_dir', logDir,
      ],
      { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // The embedded tracker knows no such video: the line is not accepted, so exit 1 with the table on stdout.
    expect(code).toBe(1);
    expect(out).toContain('1 line(s)');
    const stderrLines = err.split('\n').filter((l) => l !== '');
    expect(stderrLines.length).toBeGreaterThan(0);
    const fileLines = (await readFile(join(logDir, 'miner.log'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(fileLines).toEqual(stderrLines);
    expect(fileLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('embedded network up');
  }, 120_000);

  it('sign, gist and upload log nothing, so they refuse the flag (exit 2) instead of recording an empty file', async () => {
    const logDir = join(dir, 'refused');
    for (const [argv, spelled] of [
      [['miner', 'sign', '--file', file, '--logging.record_log'], 'logging.record_log'],
      [['miner', 'gist', 'pull', '--file', file, '--logging-record-log', '--logging.logging_dir', logDir], 'logging-record-log'],
      [['miner', 'upload', 'video.mp4', '--bucket', 'b', '--logging_record_log'], 'logging_record_log'],
    ] as const) {
      const r = await cli([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain(`writes no log lines, so --${spelled} would record nothing; it applies to validate, serve and miner check|ui|playground`);
    }
    await expect(readFile(join(logDir, 'miner.log'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
