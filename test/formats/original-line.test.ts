import { describe, expect, it } from 'vitest';
import { pythonSplitLines, pythonStrip, validateOriginalLine } from '../../src/formats/original-line.js';

const base = { content_id: 'a', platform: 'youtube/video', direct_video_url: 'https://x.test/a' };
const line = (extra: Record<string, unknown>) => JSON.stringify({ ...base, ...extra });

describe("the original's line rules (pydantic, lax mode)", () => {
  it.each([
    [false, false],
    [0, false],
    [0.0, false],
    ['No', false],
    ['off', false],
    ['F', false],
    ['0', false],
    [true, true],
    [1, true],
    ['TRUE', true],
    ['y', true],
    ['1', true],
  ])('checked_for_ai %j reads as %s', (value, expected) => {
    const result = validateOriginalLine(line({ checked_for_ai: value }));
    expect(result.ok && result.checked_for_ai).toBe(expected);
  });

  it.each([[2], [0.5], ['maybe'], [' true'], [null], [[]], [{}]])('checked_for_ai %j is not a boolean', (value) => {
    expect(validateOriginalLine(line({ checked_for_ai: value }))).toMatchObject({ ok: false, reason: 'invalid_field_type' });
  });

  it('gives the defaults of the unused optional booleans, and reads them', () => {
    expect(validateOriginalLine(line({}))).toMatchObject({ checked_for_content_matching: false, contains_subnet_tag: true });
    expect(validateOriginalLine(line({ contains_subnet_tag: 'off', checked_for_content_matching: 1 }))).toMatchObject({
      ok: true,
      checked_for_content_matching: true,
      contains_subnet_tag: false,
    });
  });

  it('an unpaired surrogate escape anywhere, keys and arrays included, is invalid JSON', () => {
    expect(validateOriginalLine('{"content_id":"a","platform":"youtube/video","direct_video_url":"u","x":["ok",["\\udc00"]]}')).toMatchObject({ reason: 'invalid_json' });
    expect(validateOriginalLine('{"content_id":"a","platform":"youtube/video","direct_video_url":"u","\\ud800":1}')).toMatchObject({ reason: 'invalid_json' });
    expect(validateOriginalLine('{"content_id":"a","platform":"youtube/video","direct_video_url":"u","x":"\\ud83d\\ude00"}')).toMatchObject({ ok: true });
  });

  it('reads NaN, Infinity and -Infinity as pydantic does: a number, never a string or a boolean', () => {
    for (const word of ['NaN', 'Infinity', '-Infinity']) {
      expect(validateOriginalLine(line({}).replace(/}$/, `,"x":[${word},{"y":${word}}]}`))).toMatchObject({ ok: true, content_id: 'a' });
      expect(validateOriginalLine(line({}).replace(/}$/, `,"checked_for_ai":${word}}`))).toMatchObject({ reason: 'invalid_field_type' });
      expect(validateOriginalLine(line({ content_id: 0 }).replace('0', word))).toMatchObject({ reason: 'invalid_field_type' });
    }
    for (const text of ['-NaN', '+Infinity', 'NaNx', 'nan', '1NaN', '"a":NaN']) {
      expect(validateOriginalLine(line({}).replace(/}$/, `,"x":${text}}`))).toMatchObject({ reason: 'invalid_json' });
    }
    expect(validateOriginalLine(line({ content_id: 'NaN Infinity' }))).toMatchObject({ ok: true, content_id: 'NaN Infinity' });
  });

  it("refuses a number whose integer part, sign included, is longer than 4,300 characters, as pydantic's parser does", () => {
    const withX = (n: string) => validateOriginalLine(line({}).replace(/}$/, `,"x":${n}}`));
    expect(withX('9'.repeat(4300))).toMatchObject({ ok: true });
    expect(withX('9'.repeat(4301))).toMatchObject({ reason: 'invalid_json' });
    expect(withX(`-${'9'.repeat(4299)}e5`)).toMatchObject({ ok: true });
    expect(withX(`-${'9'.repeat(4300)}`)).toMatchObject({ reason: 'invalid_json' });
    expect(withX(`1.${'0'.repeat(9000)}`)).toMatchObject({ ok: true });
    expect(withX(`1e${'0'.repeat(9000)}1`)).toMatchObject({ ok: true });
    expect(validateOriginalLine(line({ content_id: '9'.repeat(5000) }))).toMatchObject({ ok: true });
  });

  it('an unpaired surrogate escape is refused however deep it sits', () => {
    // A raw one cannot come from bytes, and Python could not encode it either.
    const raw = (x: string) => `{"content_id":"a","platform":"youtube/video","direct_video_url":"u","x":"${x}"}`;
    expect(validateOriginalLine(raw('a\ud800'))).toMatchObject({ reason: 'invalid_json', detail: 'text has an unpaired UTF-16 surrogate' });
    expect(validateOriginalLine(raw('a\ud83d\ude00'))).toMatchObject({ ok: true });
    for (const depth of [1, 64, 65, 150, 198]) {
      const x = `${'['.repeat(depth)}"\\udc00"${']'.repeat(depth)}`;
      expect(validateOriginalLine(line({}).replace(/}$/, `,"x":${x}}`))).toMatchObject({ reason: 'invalid_json' });
      const key = `${'{"a":'.repeat(depth)}{"\\ud800":1}${'}'.repeat(depth)}`;
      expect(validateOriginalLine(line({}).replace(/}$/, `,"x":${key}}`))).toMatchObject({ reason: 'invalid_json' });
    }
  });

  it('counts only arrays and objects that hold something towards the 200 levels', () => {
    const nested = (inner: string, levels = 199) => validateOriginalLine(line({}).replace(/}$/, `,"x":${'['.repeat(levels)}${inner}${']'.repeat(levels)}}`));
    expect(nested('[]')).toMatchObject({ ok: true });
    expect(nested('{ \t}')).toMatchObject({ ok: true });
    expect(nested('[1]')).toMatchObject({ reason: 'invalid_json' });
    expect(nested('{"a":1}')).toMatchObject({ reason: 'invalid_json' });
    expect(nested('', 200)).toMatchObject({ ok: true });
    expect(nested('', 201)).toMatchObject({ reason: 'invalid_json' });
  });

  it('reads strings only where the model has str fields', () => {
    expect(validateOriginalLine(line({ direct_video_url: 5 }))).toMatchObject({ reason: 'invalid_field_type' });
    expect(validateOriginalLine('[]')).toMatchObject({ reason: 'not_an_object' });
    expect(validateOriginalLine('{"platform":"youtube/video"}')).toMatchObject({ reason: 'missing_field' });
  });

  it('splits and strips as Python', () => {
    expect(pythonSplitLines('a\r\nb\vc\x85d\n')).toEqual(['a', 'b', 'c', 'd']);
    expect(pythonSplitLines('')).toEqual([]);
    expect(pythonStrip('\x1c\u3000 x \xa0\x1f')).toBe('x');
    expect(pythonStrip('\ufeffx')).toBe('\ufeffx');
  });
});
