import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { gistExcerpt, parseGist, type ParseGistOptions } from '../../src/formats/gist.js';
import { GIST_OPTS as OPTS, gistLine as entry } from './fixtures.js';

describe('parseGist: whole-body failures', () => {
  it('throws too_large for a string body over maxBytes (bytes, not characters)', () => {
    const body = 'é'.repeat(600);
    expect(() => parseGist(body, { ...OPTS, maxBytes: 1000 })).toThrow(FormatError);
    try {
      parseGist(body, { ...OPTS, maxBytes: 1000 });
    } catch (e) {
      expect((e as FormatError).reason).toBe('too_large');
      expect((e as FormatError).code).toBe('ERR_FORMAT_TOO_LARGE');
    }
  });

  it('throws too_large for a byte body over maxBytes', () => {
    expect(() => parseGist(new Uint8Array(11), { ...OPTS, maxBytes: 10 })).toThrow(
      /11 bytes, more than the 10-byte limit/,
    );
  });

  it.each([
    ['invalid continuation', [0x7b, 0xc3, 0x28, 0x7d]],
    ['lone 0xff', [0xff]],
    ['overlong encoding', [0xc0, 0xaf]],
    ['UTF-16 LE with BOM', [0xff, 0xfe, 0x7b, 0x00]],
  ])('invalid UTF-8 (%s) only costs its own line: the rest of the gist counts', (_name, bad) => {
    const enc = new TextEncoder();
    const bytes = new Uint8Array([...enc.encode(`${entry('a')}\n`), ...bad, ...enc.encode(`\n${entry('b')}`)]);
    const parsed = parseGist(bytes, OPTS);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['a', 'b']);
    expect(parsed.rejections.map((r) => r.line)).toEqual([2]);
  });

  it('a byte body is still checked against maxBytes before decoding', () => {
    expect(() => parseGist(new Uint8Array(11), { ...OPTS, maxBytes: 10 })).toThrow(FormatError);
  });

  it('a raw lone surrogate costs only its line, wherever it sits; the other lines count', () => {
    const lines = [
      entry('a'),
      `{"content_id":"b\ud800","platform":"youtube/video","direct_video_url":"https://cdn.example.com/b.mp4"}`,
      `{"content_id":"c","platform":"youtube/video","direct_video_url":"https://cdn.example.com/\udc00.mp4"}`,
      `{"content_id":"d","platform":"youtube/video","direct_video_url":"https://cdn.example.com/d.mp4","note":"\ud83d"}`,
      `"\ud800"`,
      entry('e'),
    ];
    const parsed = parseGist(lines.join('\n'), OPTS);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['a', 'e']);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'invalid_json'],
      [3, 'invalid_json'],
      [4, 'invalid_json'],
      [5, 'invalid_json'],
    ]);
    for (const r of parsed.rejections) expect(r.excerpt).toMatch(/\\ud[89a-f][0-9a-f]{2}/);
  });
});

describe('parseGist: options', () => {
  it.each<[Partial<ParseGistOptions>, RegExp]>([
    [{ maxBytes: 0 }, /options\.maxBytes must be at least 1/],
    [{ maxLines: 1.5 }, /options\.maxLines must be an integer/],
    [{ maxLineBytes: -1 }, /options\.maxLineBytes must be at least 1/],
    [{ maxSubmissions: Number.NaN }, /options\.maxSubmissions must be an integer/],
    [{ allowedPlatforms: 'youtube/video' as unknown as string[] }, /allowedPlatforms must be an iterable/],
    [{ allowedPlatforms: ['tiktok'] }, /unknown platform "tiktok"/],
  ])('rejects %j', (change, message) => {
    expect(() => parseGist('', { ...OPTS, ...change })).toThrow(message);
  });

  it('rejects a body of the wrong type', () => {
    expect(() => parseGist(42 as unknown as string, OPTS)).toThrow(TypeError);
  });

  it('accepts any iterable of platforms', () => {
    expect(
      parseGist(entry('a'), { ...OPTS, allowedPlatforms: new Set(['youtube/video']) }).submissions,
    ).toHaveLength(1);
  });
});

describe('gistExcerpt', () => {
  it('escapes control, bidi and separator characters', () => {
    expect(gistExcerpt('a\nb\tc\u0000d\u001b[31me\u202ef\u2028g\u0085')).toBe(
      'a\\nb\\tc\\u0000d\\u001b[31me\\u202ef\\u2028g\\u0085',
    );
  });

  it('is at most 120 characters and marks truncation', () => {
    const ex = gistExcerpt('x'.repeat(10_000));
    expect(ex).toHaveLength(120);
    expect(ex.endsWith('…')).toBe(true);
    expect(gistExcerpt('\u0001'.repeat(100))).toHaveLength(120);
    expect(gistExcerpt('y'.repeat(120))).toBe('y'.repeat(120));
  });

  it('does not split a surrogate pair when truncating', () => {
    const ex = gistExcerpt(`${'x'.repeat(118)}😀😀`);
    expect(ex).toBe(`${'x'.repeat(118)}…`);
  });

  it('is used for rejections, so hostile lines cannot forge log lines', () => {
    const parsed = parseGist('{"content_id": "a\\n", "x": "\u001b[2J"}', OPTS);
    expect([...parsed.rejections[0]!.excerpt].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });
});
