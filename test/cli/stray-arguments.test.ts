import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('words after a command that takes none', () => {
  it.each([
    // A wallet name with a space, unquoted: "wallet" would be dropped and the default wallet used.
    [['validate', '--wallet.name', 'my', 'wallet'], 'wallet'],
    // A flag typed without its dashes.
    [['validate', '--once', 'netuid', '89'], 'netuid'],
    [['config', 'logging.debug'], 'logging.debug'],
    [['weights', '--json', 'extra'], 'extra'],
  ])('%j is a usage error (exit 2) naming the word', async (argv, word) => {
    const { code, err, out } = await cli(argv);
    expect(code).toBe(2);
    expect(err).toContain(`unexpected argument "${word}"`);
    expect(out).toBe('');
  });

  it('is still taken by commands with subcommands', async () => {
    const { code, err } = await cli(['serve', 'nosuchservice']);
    expect(code).toBe(2);
    expect(err).not.toContain('unexpected argument');
  });
});
