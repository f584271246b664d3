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
    ['soft hyphen, invisible operators and the deprecated format characters', 'a\u00adb\u2061\u2064\u206a\u206f', 'a\\u00adb\\u2061\\u2064\\u206a\\u206f'],
    ['the Mongolian vowel separator and interlinear annotation marks', '\u180e\ufff9\ufffb', '\\u180e\\ufff9\\ufffb'],
    ['fillers that render as nothing', 'a\u3164\u115f\u034f\u17b4b', 'a\\u3164\\u115f\\u034f\\u17b4b'],
    ['tag characters hiding an ASCII text, written with braces past U+FFFF', 'ok\u{e0001}\u{e0041}\u{e0031}', 'ok\\u{e0001}\\u{e0041}\\u{e0031}'],
    ['musical formatting controls past U+FFFF', 'a\u{1d173}b', 'a\\u{1d173}b'],
    ['an emoji with its presentation selector untouched', 'love \u2764\ufe0f', 'love \u2764\ufe0f'],
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

  it('no character that is a control, a format character or default-ignorable survives', () => {
    const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|(?![\ufe00-\ufe0f])\p{Default_Ignorable_Code_Point}/u;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (unsafe.test(c)) expect(escapeUntrusted(c), cp.toString(16)).not.toContain(c);
    }
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
