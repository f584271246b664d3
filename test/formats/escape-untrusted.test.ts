import { describe, expect, it } from 'vitest';
import { escapeUntrusted, escapeUntrustedOrNull, gistExcerpt } from '../../src/formats/index.js';

describe('escapeUntrusted', () => {
  it.each([
    ['right-to-left override', 'a\u202eb', 'a\\u202eb'],
    ['every bidi embedding and override', '\u202a\u202b\u202c\u202d\u202e', '\\u202a\\u202b\\u202c\\u202d\\u202e'],
    ['bidi isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    ['bidi marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['C0 controls with names', 'a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['C0 controls and an ANSI escape', '\u0000\u001b[31mred', '\\u0000\\u001b[31mred'],
    ['DEL and C1 controls', '\u007f\u0085\u009b', '\\u007f\\u0085\\u009b'],
    ['zero-width and BOM', 'a\u200bb\ufeff', 'a\\u200bb\\ufeff'],
    ['an unpaired surrogate', 'a\ud800b', 'a\\ud800b'],
    ['ordinary text, accents and emoji untouched', 'octocat:abc123 café 😀', 'octocat:abc123 café 😀'],
  ])('%s', (_name, input, expected) => {
    expect(escapeUntrusted(input)).toBe(expected);
  });

  it('cuts to maxLength with an ellipsis, never splitting a surrogate pair', () => {
    expect(escapeUntrusted('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(escapeUntrusted('\u202e'.repeat(100), 10)).toHaveLength(10);
    expect(escapeUntrusted(`${'x'.repeat(8)}😀😀`, 10)).toBe(`${'x'.repeat(8)}…`);
    expect(escapeUntrusted('short', 10)).toBe('short');
  });

  it('null stays null; bad arguments are refused', () => {
    expect(escapeUntrustedOrNull(null)).toBeNull();
    expect(escapeUntrustedOrNull('\u202e')).toBe('\\u202e');
    expect(() => escapeUntrusted(42 as unknown as string)).toThrow(TypeError);
    expect(() => escapeUntrusted('x', 1)).toThrow(RangeError);
  });

  it('is the rule gist excerpts use', () => {
    const line = `{"content_id":"a\u202eb","x":"\u2028${'y'.repeat(200)}"}`;
    expect(gistExcerpt(line)).toBe(escapeUntrusted(line, 120));
  });
});
