import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('CLI flag values reach the config as the operator wrote them', () => {
  it('keeps numeric-looking wallet and hotkey names as names', async () => {
    const r = await cli(['config', '--wallet.name', '007', '--wallet.hotkey', '1']);
    expect(r.code).toBe(0);
    const config = JSON.parse(r.out) as { wallet: { name: string; hotkey: string } };
    expect(config.wallet).toMatchObject({ name: '007', hotkey: '1' });
  });

  it.each([
    [['--netuid', '0x10'], '--netuid: invalid value "0x10"'],
    [['--netuid', '1e1'], '--netuid: invalid value "1e1"'],
    [['--netuid'], '--netuid needs a value'],
    [['--pool.threads', 'Infinity'], '--pool.threads: invalid value "Infinity"'],
  ])('refuses %j at start-up with exit code 2', async (flags, message) => {
    const r = await cli(['config', ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`configuration error: ${message}`);
    expect(r.out).toBe('');
  });

  it.each([
    [['miner', 'ui', '--port'], '--port must be an integer from 0 to 65535, got true'],
    [['miner', 'ui', '--port', ''], '--port must be an integer from 0 to 65535, got ""'],
    [['miner', 'ui', '--port', '0x50'], '--port must be an integer from 0 to 65535, got "0x50"'],
    [['miner', 'upload', 'v.mp4', '--bucket', 'b', '--part-size-mib', '1e1'], '--part-size-mib must be an integer from 5 to 5120, got "1e1"'],
    [['validate', '--miners', '0x10'], '--miners must be an integer from 0 to 4095, got "0x10"'],
    [['validate', '--seed'], '--seed must be an integer from 0 to 2147483647, got true'],
    [['serve', 'platform-tracker', '--port', '8e3'], '--port must be an integer from 0 to 65535, got "8e3"'],
    // The devnet commands parse their flags with a schema; it takes the same decimal forms only.
    [['devnet', '--port', '0x50'], '--port must be an integer from 0 to 65535, got "0x50"'],
    [['devnet', '--port'], '--port must be an integer from 0 to 65535, got true'],
    [['devnet', '--miners', '1e2'], '--miners must be an integer from 0 to 4095, got "1e2"'],
    [['devnet', '--block-time-ms', ''], '--block-time-ms must be an integer from 10 to 3600000, got ""'],
    [['devnet', 'standins', '--submissions', '0x5'], '--submissions must be an integer from 1 to 10000, got "0x5"'],
    [['devnet', 'standins', '--latency-ms'], '--latency-ms must be an integer from 0 to 60000, got true'],
    [['devnet', 'mongo', '--port', '0x50'], '--port must be an integer from 0 to 65535, got "0x50"'],
    [['devnet', 'mongo', '--port'], '--port must be an integer from 0 to 65535, got true'],
  ])('refuses a command flag %j before doing anything', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`configuration error: ${message}`);
  });

  it.each([
    [['miner', 'upload', 'v.mp4', '--bucket'], '--bucket needs a value'],
    [['miner', 'upload', 'v.mp4', '--bucket', 'a', '--bucket', 'b'], '--bucket is given more than once'],
    [['miner', 'sign', '--file', 'x.jsonl', '--out'], '--out needs a value'],
    [['miner', 'sign', '--file'], '--file needs a value'],
    [['miner', 'check', '--file', 'x.jsonl', '--hotkey'], '--hotkey needs a value'],
    [['miner', 'gist', 'pull', '--gist-id'], '--gist-id needs a value'],
    [['status', '--url', ''], '--url needs a value'],
    [['migrate', '--from', 'mongodb://a/', '--from', 'mongodb://b/', '--mongodb.uri', 'mongodb://127.0.0.1:1'], '--from is given more than once'],
    [['migrate', '--from', '--mongodb.uri', 'mongodb://127.0.0.1:1'], '--from needs a value'],
  ])('refuses a text flag %j without a single value', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`configuration error: ${message}`);
  });
});
