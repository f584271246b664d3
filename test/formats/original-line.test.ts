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

  it('an unpaired surrogate escape anywhere, keys and arrays included, is invalid JSON', () => {
    expect(validateOriginalLine('{"content_id":"a","platform":"youtube/video","direct_video_url":"u","x":["ok",["\\udc00"]]}')).toMatchObject({ reason: 'invalid_json' });
    expect(validateOriginalLine('{"content_id":"a","platform":"youtube/video","direct_video_url":"u","\\ud800":1}')).toMatchObject({ reason: 'invalid_json' });
    expect(validateOriginalLine('{"content_id":"a","platform":"youtube/video","direct_video_url":"u","x":"\\ud83d\\ude00"}')).toMatchObject({ ok: true });
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
