import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, type LoadOptions } from '../../src/config/load-config.js';

function refusal(options: LoadOptions): ConfigError {
  try {
    loadConfig({ env: {}, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const dir = mkdtempSync(join(tmpdir(), 'iv-config-hostile-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${n++}.json`);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig: numbers are taken only in decimal', () => {
  it.each([
    ['hex', '0x10'],
    ['an exponent', '1e1'],
    ['an empty string', ''],
    ['padding', ' 5 '],
    ['Infinity', 'Infinity'],
    ['a fraction', '3.5'],
    ['binary', '0b11'],
  ])('refuses --netuid given as %s', (_what, value) => {
    const error = refusal({ flags: { netuid: value } });
    expect(error.message).toBe(
      `--netuid: invalid value ${JSON.stringify(value)}; expected a whole number from 0 to 65535${value === '3.5' ? '' : ', in decimal digits'}`,
    );
    expect(error.flag).toBe('--netuid');
  });

  it.each([
    ['true', true],
    ['null', null],
    ['an array', [7]],
    ['a string with an exponent', '1e2'],
  ])('refuses netuid as %s in a config file', (_what, value) => {
    const path = file(JSON.stringify({ netuid: value }));
    expect(refusal({ configFile: path }).message).toMatch(new RegExp(`^netuid in ${path}: invalid value .*; expected a whole number from 0 to 65535`));
  });

  it('names a flag given twice instead of calling the pair a wrong type; list options still take repeats', () => {
    expect(refusal({ flags: { netuid: ['89', '90'] } }).message).toBe('--netuid is given more than once; give it once');
    const twice = refusal({ flags: { 'wallet-name': ['a', 'b'] } });
    expect(twice.message).toBe('--wallet.name is given more than once; give it once');
    expect(twice.flag).toBe('--wallet.name');
    expect(refusal({ flags: { 'no.such': ['a', 'b'] } }).message).toMatch(/^unknown option --no.such/);
    const lists = loadConfig({ env: {}, flags: { allowed_platforms: ['youtube/video', 'instagram/reel'] } });
    expect(lists.allowed_platforms).toEqual(['youtube/video', 'instagram/reel']);
  });

  it('refuses exponent and hex forms of decimals, and a switch given as --netuid alone', () => {
    expect(refusal({ flags: { 'ai.threshold': '5e-1' } }).message).toBe('--ai.threshold: invalid value "5e-1"; expected a decimal number such as 0.5');
    expect(refusal({ flags: { set_weights_interval: '0x10' } }).message).toMatch(/^--set_weights_interval: invalid value "0x10"/);
    expect(refusal({ flags: { netuid: true } }).message).toMatch(/^--netuid needs a value \(a whole number/);
    expect(refusal({ flags: { 'wallet.name': true } }).message).toBe('--wallet.name needs a value (a string)');
    expect(refusal({ env: { INFINITEVIBE_POOL__THREADS: '0x2' } }).message).toMatch(/^environment variable INFINITEVIBE_POOL__THREADS: invalid value "0x2"/);
  });

  it('still takes plain decimal forms from flags, variables and JSON numbers', () => {
    const config = loadConfig({
      env: { INFINITEVIBE_POOL__THREADS: '3' },
      flags: { netuid: '+12', 'ai.threshold': '.25', set_weights_interval: '600.' },
      configFile: file(JSON.stringify({ scoring: { alpha: 0.5 }, gist: { max_bytes: 1e6 } })),
    });
    expect([config.netuid, config.ai.threshold, config.set_weights_interval, config.pool.threads]).toEqual([12, 0.25, 600, 3]);
    expect([config.scoring.alpha, config.gist.max_bytes]).toEqual([0.5, 1_000_000]);
  });
});

describe('loadConfig: URLs, wallet names and paths', () => {
  it.each([
    ['subtensor.chain_endpoint', 'wss://alice:hunter2@rpc.example'],
    ['gist.base_url', 'https://alice:hunter2@gist.example'],
    ['github.api_url', 'https://token@api.github.example'],
    ['r2.endpoint', 'https://key:secret@r2.example'],
  ])('refuses --%s with credentials in the URL, without echoing them', (key, value) => {
    const error = refusal({ flags: { [key]: value } });
    expect(error.message).toMatch(new RegExp(`^--${key.replace('.', '\\.')}: invalid value .*; expected a URL without user:password@ credentials`));
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('secret');
    expect(error.message).not.toContain('token');
  });

  it.each([
    ['wallet.name', '../../etc'],
    ['wallet.name', '/etc'],
    ['wallet.hotkey', 'a\0b'],
    ['wallet.hotkey', '..'],
    ['wallet.name', 'a\\b'],
  ])('refuses --%s %j at start-up', (key, value) => {
    expect(refusal({ flags: { [key]: value } }).message).toMatch(
      new RegExp(`^--${key.replace('.', '\\.')}: invalid value .*; expected a plain name, without /, \\\\, NUL or dot segments$`),
    );
  });

  it('refuses NUL bytes in --wallet.path and --mongodb.data_dir, and takes ordinary absolute and relative paths', () => {
    expect(refusal({ flags: { 'wallet.path': '/tmp/a\0b' } }).message).toMatch(/^--wallet\.path: invalid value .*; expected a path without NUL bytes$/);
    expect(refusal({ flags: { 'mongodb.data_dir': 'x\0' } }).message).toMatch(/^--mongodb\.data_dir: .*NUL/);
    expect(loadConfig({ env: {}, flags: { 'wallet.path': '../wallets' } }).wallet.path).toBe('../wallets');
    expect(loadConfig({ env: {}, flags: { 'wallet.path': '/srv/wallets' } }).wallet.path).toBe('/srv/wallets');
  });

  it('never echoes a secret value that is refused', () => {
    const error = refusal({ configFile: file(JSON.stringify({ mongodb: { uri: 'mongo://root:hunter2@db' } })) });
    expect(error.message).toMatch(/mongodb\.uri in .*: invalid value "mongo:\/\/\[redacted\]@db"; expected a URI starting with mongodb/);
    const key = refusal({ configFile: file(JSON.stringify({ youtube: { api_key: 1234567 } })) });
    expect(key.message).toMatch(/youtube\.api_key in .*: invalid value \[redacted\]; expected a string/);
  });
});

describe('loadConfig: the config file', () => {
  it('says a section given as a scalar must be an object', () => {
    const path = file(JSON.stringify({ wallet: 'default' }));
    expect(refusal({ configFile: path }).message).toBe(`wallet in ${path}: must be an object with keys such as wallet.name`);
  });

  it('refuses nesting deeper than any option, by name, instead of overflowing the stack', () => {
    const deep = file('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000));
    expect(refusal({ configFile: deep }).message).toMatch(/^unknown option a(\.a)* in /);
    const arrays = file('{"netuid":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}');
    expect(refusal({ configFile: arrays }).message).toMatch(/^netuid in .*: invalid value \[…\]; expected a whole number/);
  });

  it('does not quote the file in a JSON syntax error (it may hold API keys)', () => {
    const path = file('{"youtube": {"api_key": "AIzaSECRET"},}');
    const error = refusal({ configFile: path });
    expect(error.message).toMatch(new RegExp(`^--config ${path}: not valid JSON \\(.*line 1`));
    expect(error.message).not.toContain('AIzaSECRET');
  });

  it('reads a file that starts with a UTF-8 byte order mark', () => {
    expect(loadConfig({ env: {}, configFile: file('\ufeff{"netuid": 3}') }).netuid).toBe(3);
  });

  it('refuses a directory, a FIFO and an oversized file, saying which', () => {
    expect(refusal({ configFile: dir }).message).toBe(`--config ${dir}: is a directory, not a file`);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(refusal({ configFile: fifo }).message).toBe(`--config ${fifo}: is not a regular file`);
    const big = file(`{"netuid": 3${' '.repeat(1024 * 1024 + 1)}}`);
    expect(refusal({ configFile: big }).message).toBe(`--config ${big}: is larger than 1 MiB; a config file is a few kilobytes`);
  });
});
