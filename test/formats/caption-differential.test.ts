import { describe, expect, it } from 'vitest';
import { captionMatches, captionToken } from '../../src/formats/caption.js';
import { Disagreements, originalFixture } from './original-fixtures.js';

/**
 * Differential check of the caption token against the original's Python (`hotkey[-5:]`,
 * `token.lower() in caption.lower()`), recorded by
 * test/fixtures/original/generate_caption_cases.py. The check is the same in both modes and
 * must agree exactly.
 */
interface CaptionCases {
  hotkeys: string[];
  tokens: string[];
  cases: Array<[string, number, boolean]>;
  ascii_lower: Array<[number, string]>;
}
const fixture = originalFixture<CaptionCases>('caption-cases.json');
const hasAscii = (text: string): boolean => [...text].some((c) => c.codePointAt(0)! < 0x80);

describe('caption token: the original check, case by case', () => {
  it('builds the token from the last five code points of the hotkey', () => {
    expect(fixture.hotkeys.map(captionToken)).toEqual(fixture.tokens);
  });

  it(`matches ${fixture.cases.length} captions (look-alikes, case variants, İ, Kelvin K, ß, ſ, sigma, joiners, spaces) as Python`, () => {
    const bad = new Disagreements();
    for (const [caption, h, expected] of fixture.cases) {
      if (captionMatches(caption, fixture.hotkeys[h]!) !== expected) bad.add(`${JSON.stringify(caption)} / ${fixture.hotkeys[h]}: Python ${expected}`);
    }
    expect(bad.found).toEqual([]);
    expect(fixture.cases.filter((c) => c[2]).length).toBeGreaterThan(50);
  });

  it("lower-cases into ASCII exactly the characters Python's str.lower() does, and to the same text", () => {
    // Lower-casing is per character but for the final sigma, which is not ASCII; so a caption can
    // match an ASCII token differently only through a character that lower-cases into ASCII.
    // Unicode versions differ (Python 3.11 has 14.0), but not in these.
    const expected = new Map(fixture.ascii_lower);
    const found: Array<[number, string]> = [];
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const lower = String.fromCodePoint(cp).toLowerCase();
      if (hasAscii(lower)) found.push([cp, lower]);
    }
    expect(new Map(found)).toEqual(expected);
  });
});
