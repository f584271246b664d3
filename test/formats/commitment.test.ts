import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { formatCommitment, gistRawUrl, parseCommitment } from '../../src/formats/commitment.js';
import { commitmentRejection } from './fixtures.js';

const reasonOf = commitmentRejection;

describe('parseCommitment', () => {
  it.each([
    ['octocat:aa5a315d61ae9438b18d', { githubUser: 'octocat', gistId: 'aa5a315d61ae9438b18d' }],
    [
      'octo-cat:0123456789abcdef0123456789abcdef',
      { githubUser: 'octo-cat', gistId: '0123456789abcdef0123456789abcdef' },
    ],
    ['  alice:ABCDEF12 \n', { githubUser: 'alice', gistId: 'ABCDEF12' }],
    ['alice : 1234', { githubUser: 'alice', gistId: '1234' }],
    ['a:1', { githubUser: 'a', gistId: '1' }],
    [`${'u'.repeat(39)}:${'f'.repeat(64)}`, { githubUser: 'u'.repeat(39), gistId: 'f'.repeat(64) }],
  ])('accepts %j', (raw, expected) => {
    expect(parseCommitment(raw)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['   \t\n', 'empty'],
    ['octocat', 'missing_separator'],
    ['octocat/aa5a315d', 'missing_separator'],
    [':aa5a315d', 'invalid_user'],
    ['octo cat:aa5a315d', 'invalid_user'],
    ['octo_cat:aa5a315d', 'invalid_user'],
    ['ünicode:aa5a315d', 'invalid_user'],
    [`${'u'.repeat(40)}:aa5a315d`, 'invalid_user'],
    ['https://gist.github.com/octocat/aa5a315d', 'invalid_gist_id'],
    ['octocat:', 'invalid_gist_id'],
    ['octocat:xyz', 'invalid_gist_id'],
    ['octocat:aa5a315d/raw', 'invalid_gist_id'],
    ['octocat:aa5a:315d', 'invalid_gist_id'],
    ['octocat:../../etc', 'invalid_gist_id'],
    ['octocat:aa 5a', 'invalid_gist_id'],
    [`octocat:${'a'.repeat(65)}`, 'too_long'],
    [`octocat:${'z'.repeat(500)}`, 'too_long'],
  ])('rejects %j as %s', (raw, reason) => {
    expect(reasonOf(raw)).toBe(reason);
  });

  it('uses the reason in the stable error code and quotes the offending part', () => {
    try {
      parseCommitment('octocat:nothex');
      expect.unreachable();
    } catch (error) {
      expect((error as FormatError).code).toBe('ERR_FORMAT_INVALID_GIST_ID');
      expect((error as FormatError).message).toContain('"nothex"');
    }
  });

  it('rejects a non-string with a TypeError', () => {
    expect(() => parseCommitment(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('gistRawUrl', () => {
  const c = { githubUser: 'octocat', gistId: 'aa5a315d61ae9438b18d' };

  it('builds <base>/<user>/<id>/raw', () => {
    expect(gistRawUrl('https://gist.githubusercontent.com', c)).toBe(
      'https://gist.githubusercontent.com/octocat/aa5a315d61ae9438b18d/raw',
    );
  });

  it('keeps a path prefix and ignores trailing slashes', () => {
    expect(gistRawUrl('http://127.0.0.1:8080/gists//', c)).toBe(
      'http://127.0.0.1:8080/gists/octocat/aa5a315d61ae9438b18d/raw',
    );
  });

  it('percent-encodes parts that did not come through parseCommitment', () => {
    expect(gistRawUrl('https://g.test', { githubUser: '../x?y', gistId: 'a#b' })).toBe(
      'https://g.test/..%2Fx%3Fy/a%23b/raw',
    );
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['ftp://g.test', /must be http\(s\)/],
    ['https://g.test/?q=1', /query or a fragment/],
    ['https://user:pw@g.test', /credentials/],
  ])('rejects base %j', (base, message) => {
    expect(() => gistRawUrl(base, c)).toThrow(message);
  });

  it('rejects an empty commitment part', () => {
    expect(() => gistRawUrl('https://g.test', { githubUser: '', gistId: 'a' })).toThrow(/githubUser/);
  });
});

describe('formatCommitment', () => {
  it('round-trips with parseCommitment', () => {
    const text = formatCommitment({ githubUser: 'octocat', gistId: 'aa5a315d' });
    expect(text).toBe('octocat:aa5a315d');
    expect(parseCommitment(text)).toEqual({ githubUser: 'octocat', gistId: 'aa5a315d' });
  });

  it.each([
    [{ githubUser: 'octo cat', gistId: 'aa' }, 'invalid_user'],
    [{ githubUser: 'octocat', gistId: 'xyz' }, 'invalid_gist_id'],
    [{ githubUser: ' octocat', gistId: 'aa' }, 'invalid_user'],
  ])('refuses %j', (c, reason) => {
    expect(() => formatCommitment(c)).toThrow(FormatError);
    try {
      formatCommitment(c);
    } catch (error) {
      expect((error as FormatError).reason).toBe(reason);
    }
  });
});
