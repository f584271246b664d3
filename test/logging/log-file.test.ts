import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { LOG_FILE_NAME, RotatingLogFile } from '../../src/log-file.js';
import { cli } from '../helpers/cli.js';

const lines = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('--logging.record_log: the log file under --logging.logging_dir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-logfile-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a missing directory with mode 0700 and appends the JSON lines, secrets redacted', async () => {
    const logDir = join(dir, 'a', 'logs');
    const file = new RotatingLogFile(logDir, LOG_FILE_NAME);
    const logger = createLogger({ level: 'debug' }, file);
    logger.info({ youtube: { api_key: 'AIza-secret' }, config: { mongodb: { uri: 'mongodb://u:pw@h' } } }, 'configured');
    logger.debug({ uid: 3 }, 'cycle started');
    logger.trace('below the level');
    file.close();
    expect((await stat(logDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'a'))).mode & 0o777).toBe(0o700);
    const text = await readFile(join(logDir, 'bittensor.log'), 'utf8');
    expect(text).not.toContain('AIza-secret');
    expect(text).not.toContain('pw@h');
    expect(lines(text)).toMatchObject([
      { msg: 'configured', youtube: { api_key: '[redacted]' }, config: { mongodb: { uri: '[redacted]' } } },
      { msg: 'cycle started', uid: 3 },
    ]);
    // A second run appends to what the first wrote.
    const again = new RotatingLogFile(logDir, LOG_FILE_NAME);
    createLogger({}, again).info('restarted');
    again.close();
    expect(lines(await readFile(join(logDir, 'bittensor.log'), 'utf8')).map((l) => l['msg'])).toEqual(['configured', 'cycle started', 'restarted']);
  });

  it('rotates as the SDK does: bittensor.log.1 … .N, the oldest dropped', async () => {
    const file = new RotatingLogFile(dir, LOG_FILE_NAME, { maxBytes: 400, backups: 2 });
    const logger = createLogger({}, file);
    for (let i = 0; i < 12; i++) logger.info({ i }, 'a line of about a hundred and fifty bytes');
    file.close();
    expect((await readdir(dir)).sort()).toEqual(['bittensor.log', 'bittensor.log.1', 'bittensor.log.2']);
    const order = async (name: string) => lines(await readFile(join(dir, name), 'utf8')).map((l) => l['i']);
    const all = [...(await order('bittensor.log.2')), ...(await order('bittensor.log.1')), ...(await order('bittensor.log'))];
    // Oldest to newest with none missing in between, ending with the last line; the first ones are gone.
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => 12 - all.length + k));
    expect(all.length).toBeLessThan(12);
    for (const name of ['bittensor.log', 'bittensor.log.1', 'bittensor.log.2']) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(400);
  });

  it('a write that fails later (a full disk) is reported once per run of failures and throws nothing at the logger', () => {
    const reported: string[] = [];
    // /dev/full opens like a file and answers every write with ENOSPC.
    const file = new RotatingLogFile('/dev', 'full', { onWriteError: (error) => reported.push(String(error.code)) });
    const logger = createLogger({}, file);
    expect(() => {
      logger.info('one');
      logger.info('two');
      logger.error('three');
    }).not.toThrow();
    file.close();
    expect(reported).toEqual(['ENOSPC']);
  });

  it('a directory that cannot be made or written is a ConfigError naming the option', async () => {
    const notADir = join(dir, 'file');
    await writeFile(notADir, 'x');
    expect(() => new RotatingLogFile(join(notADir, 'logs'), LOG_FILE_NAME)).toThrow(ConfigError);
    expect(() => new RotatingLogFile(join(notADir, 'logs'), LOG_FILE_NAME)).toThrow(/--logging\.logging_dir .*\/file\/logs: cannot write bittensor\.log there \(ENOTDIR\)/);
  });

  it('validate exits 2 with a one-line configuration error before starting anything', async () => {
    const notADir = join(dir, 'file');
    await writeFile(notADir, 'x');
    const run = await cli(['validate', '--subtensor.network', 'embedded', '--once', '--logging.record_log', '--logging.logging_dir', join(notADir, 'logs')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^infinitevibe: configuration error: --logging\.logging_dir .*: cannot write bittensor\.log there \(ENOTDIR\)\n$/);
  });
});
