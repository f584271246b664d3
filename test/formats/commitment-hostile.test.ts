import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { gistRawUrl, parseCommitment } from '../../src/formats/commitment.js';

/**
 * On-chain commitment strings a miner writes to confuse the reader: a Raw field holds up to 128
 * bytes of anything. Whatever is accepted must turn into a raw-gist URL on the configured host,
 * with nothing added to its path, query or fragment.
 */

const BASE = 'https://gist.githubusercontent.com';

function reasonOf(raw: string): string {
  try {
    parseCommitment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as FormatError).reason;
  }
  return 'accepted';
}

describe('hostile commitments', () => {
  it.each([
    ['a second colon', 'alice:abc:def', 'invalid_gist_id'],
    ['a fullwidth colon only', 'alice：abc', 'missing_separator'],
    ['a Cyrillic letter in the user', 'аlice:abc', 'invalid_user'],
    ['a fullwidth hex digit in the gist id', 'alice:abｃ', 'invalid_gist_id'],
    ['a 0x prefix', 'alice:0xabc', 'invalid_gist_id'],
    ['a percent-encoded slash', 'alice:ab%2Fc', 'invalid_gist_id'],
    ['a query', 'alice:abc?raw=1', 'invalid_gist_id'],
    ['a fragment', 'alice:abc#x', 'invalid_gist_id'],
    ['a path in the user', '../alice:abc', 'invalid_user'],
    ['NUL padding after the id', 'alice:abc\u0000\u0000', 'invalid_gist_id'],
    ['a NUL inside the user', 'al\u0000ice:abc', 'invalid_user'],
    ['a zero-width space inside the id', 'alice:ab\u200bc', 'invalid_gist_id'],
    ['a right-to-left override', 'alice:\u202eabc', 'invalid_gist_id'],
    ['a newline between parts', 'alice\n:abc', 'accepted'],
    ['a line break inside the id', 'alice:ab\nc', 'invalid_gist_id'],
    ['128 bytes of hex', `a:${'f'.repeat(126)}`, 'too_long'],
    ['a user of 40 characters', `${'u'.repeat(40)}:abc`, 'invalid_user'],
    ['a JSON object', '{"user":"alice","gist":"abc"}', 'invalid_user'],
    ['a URL with a user-shaped scheme', 'https://gist.github.com/alice/abc', 'invalid_gist_id'],
  ])('%s is refused with its reason (or accepted)', (_name, raw, reason) => {
    expect(reasonOf(raw)).toBe(reason);
  });

  it.each([
    ['NBSP and BOM around the string', '\u00a0\ufeffalice:abc\u3000', { githubUser: 'alice', gistId: 'abc' }],
    ['tabs around each part', '\talice\t:\tABC\t', { githubUser: 'alice', gistId: 'ABC' }],
  ])('surrounding Unicode whitespace is trimmed: %s', (_name, raw, expected) => {
    expect(parseCommitment(raw)).toEqual(expected);
  });

  it('whatever is accepted makes a URL on the configured host with exactly /<user>/<id>/raw as its path', () => {
    const samples = ['alice:abc', ' a-b-c : 0123456789abcdef ', `${'u'.repeat(39)}:${'F'.repeat(64)}`, '-:0'];
    for (const raw of samples) {
      const c = parseCommitment(raw);
      const url = new URL(gistRawUrl(BASE, c));
      expect(url.origin).toBe(BASE);
      expect(url.pathname).toBe(`/${c.githubUser}/${c.gistId}/raw`);
      expect(url.search + url.hash).toBe('');
    }
  });

  it('an error message quotes the hostile part with its control characters escaped, and bounded', () => {
    try {
      parseCommitment(`alice:\u001b[2J${'z'.repeat(40)}`);
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\u001b');
      expect(message).toContain('\\u001b[2J');
    }
    try {
      parseCommitment(`alice:${'z'.repeat(60)}\n`);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200);
    }
  });
});
