import { describe, expect, it } from 'vitest';
import { upstreamCode, upstreamList, upstreamText } from '../../src/util/upstream-text.js';

describe('upstreamText', () => {
  it('keeps short text as it is', () => {
    expect(upstreamText('The request cannot be completed because you have exceeded your quota.')).toBe(
      'The request cannot be completed because you have exceeded your quota.',
    );
  });

  it('cuts at max characters, never inside a surrogate pair, and marks the cut', () => {
    expect(upstreamText('x'.repeat(5_000_000))).toBe(`${'x'.repeat(200)}…`);
    expect(upstreamText('🎬'.repeat(10), 3)).toBe('🎬🎬🎬…');
  });

  it('shows control and line-separator characters as spaces, so no forged log line gets through', () => {
    expect(upstreamText('bad key\n{"level":30,"msg":"weights set"}\r\u2028\u0000\u009b')).toBe('bad key {"level":30,"msg":"weights set"}    ');
  });
});

describe('upstreamList', () => {
  it('shows the first few items, each cut, and counts the rest', () => {
    expect(upstreamList(['quotaExceeded'])).toBe('quotaExceeded');
    expect(upstreamList(Array.from({ length: 10_000 }, (_, i) => `r${i}`), 2)).toBe('r0, r1 and 9998 more');
    expect(upstreamList(['y'.repeat(100)], 5, 4)).toBe('yyyy…');
  });
});

describe('upstreamCode', () => {
  it('passes on a code of the stable shape', () => {
    expect(upstreamCode('ERR_CONTENT_NOT_FOUND')).toBe('ERR_CONTENT_NOT_FOUND');
    expect(upstreamCode('ERR_HTTP_502')).toBe('ERR_HTTP_502');
  });

  it('refuses anything else: not a string, lower case, a line break, past 64 characters', () => {
    for (const code of [7, null, { $gt: 1 }, 'err_x', 'ERR_', 'ERR_A\nERR_B', 'ERR_A ', `ERR_${'X'.repeat(61)}`]) {
      expect(upstreamCode(code)).toBeUndefined();
    }
    expect(upstreamCode(`ERR_${'X'.repeat(60)}`)).toBe(`ERR_${'X'.repeat(60)}`);
  });
});
