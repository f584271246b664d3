import { describe, expect, it } from 'vitest';
import { pythonSplitLines, pythonStrip, validateOriginalLine } from '../../src/formats/original-line.js';
import { Disagreements, originalFixture, unpack, type Packed } from './original-fixtures.js';

/**
 * Differential check of the replica of the original's line reading (src/formats/original-line.ts)
 * against pydantic 2.13.4 itself: str.strip()/str.splitlines() over every code point, and
 * `Submission.model_validate_json` over ~1,300 hostile and valid lines, recorded by
 * test/fixtures/original/generate_line_cases.py. The replica decides which lines fill the cap,
 * in every mode, so it must agree exactly: accepted or not, and every field value.
 */
type Verdict =
  | { line: Packed; ok: true; value: [Packed, string, Packed, boolean, boolean, boolean] }
  | { line: Packed; ok: false; errors: string[] };
interface LineCases {
  pydantic: string;
  python: { isspace: number[]; line_breaks: number[] };
  split: Array<[string, string[], string[]]>;
  lines: Verdict[];
}
const fixture = originalFixture<LineCases>('line-cases.json');

/** pydantic error type → the reason our replica gives for it. */
const REASON_OF: Readonly<Record<string, string>> = {
  json_invalid: 'invalid_json',
  model_type: 'not_an_object',
  missing: 'missing_field',
  string_type: 'invalid_field_type',
  bool_type: 'invalid_field_type',
  bool_parsing: 'invalid_field_type',
  literal_error: 'invalid_platform',
};

const show = (text: string): string => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…(${text.length})` : text);

describe('Python str.strip() and str.splitlines(), every code point', () => {
  it('strip() removes exactly the characters str.isspace() holds for', () => {
    const space = new Set(fixture.python.isspace);
    const wrong: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if ((pythonStrip(`${c}a${c}`) === 'a') !== space.has(cp)) wrong.push(cp);
    }
    expect(wrong).toEqual([]);
    expect(space.size).toBe(29);
  });

  it('splitlines() breaks on exactly the recorded characters', () => {
    const breaks = new Set(fixture.python.line_breaks);
    const wrong: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if ((pythonSplitLines(`a${String.fromCodePoint(cp)}b`).length === 2) !== breaks.has(cp)) wrong.push(cp);
    }
    expect(wrong).toEqual([]);
  });

  it(`splits and strips ${fixture.split.length} mixed texts as Python`, () => {
    const bad = new Disagreements();
    for (const [text, lines, stripped] of fixture.split) {
      const ours = pythonSplitLines(text);
      if (JSON.stringify(ours) !== JSON.stringify(lines)) bad.add(`split ${show(text)}: ${JSON.stringify(ours)}`);
      else if (JSON.stringify(ours.map(pythonStrip)) !== JSON.stringify(stripped)) bad.add(`strip ${show(text)}`);
    }
    expect(bad.found).toEqual([]);
  });
});

describe(`Submission.model_validate_json (pydantic ${fixture.pydantic}), line by line`, () => {
  it('the fixture covers every verdict the model gives', () => {
    const kinds = new Set(fixture.lines.flatMap((c) => (c.ok ? ['ok'] : c.errors)));
    expect([...kinds].sort()).toEqual(['bool_parsing', 'bool_type', 'json_invalid', 'literal_error', 'missing', 'model_type', 'ok', 'string_type']);
  });

  it(`agrees on each of ${fixture.lines.length} lines: accepted or not, every field, and the reason`, () => {
    const bad = new Disagreements();
    for (const expected of fixture.lines) {
      const line = unpack(expected.line);
      const ours = validateOriginalLine(line);
      if (expected.ok) {
        if (!ours.ok) {
          bad.add(`${show(line)}: pydantic accepts, ours ${ours.reason} (${ours.detail})`);
          continue;
        }
        const [contentId, platform, url, ai, matching, tag] = expected.value;
        const want = [unpack(contentId), platform, unpack(url), ai, matching, tag];
        const got = [ours.content_id, ours.platform, ours.direct_video_url, ours.checked_for_ai, ours.checked_for_content_matching, ours.contains_subnet_tag];
        if (JSON.stringify(got) !== JSON.stringify(want)) bad.add(`${show(line)}: values ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
      } else if (ours.ok) {
        bad.add(`${show(line)}: pydantic refuses (${expected.errors.join(', ')}), ours accepts`);
      } else if (!expected.errors.some((type) => REASON_OF[type] === ours.reason)) {
        bad.add(`${show(line)}: pydantic ${expected.errors.join(', ')}, ours ${ours.reason}`);
      }
    }
    expect(bad.found).toEqual([]);
  });
});
