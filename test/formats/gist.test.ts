import { describe, expect, it } from 'vitest';
import { parseGist, type ParseGistOptions } from '../../src/formats/gist.js';
import type { GistRejectionReason } from '../../src/formats/types.js';
import { GIST_OPTS as OPTS, gistLine } from './fixtures.js';

const SIG = `0x${'ab'.repeat(64)}`;

const entry = gistLine;

function single(
  line: string,
  options: Partial<ParseGistOptions> = {},
): { reason?: GistRejectionReason; accepted: number } {
  const parsed = parseGist(line, { ...OPTS, ...options });
  return { reason: parsed.rejections[0]?.reason, accepted: parsed.submissions.length };
}

describe('parseGist: accepted lines', () => {
  it('parses the documented example line', () => {
    const parsed = parseGist(
      '{"content_id": "video_id_1", "platform": "youtube/video", "direct_video_url": "https://example.com/video1.mp4"}',
      OPTS,
    );
    expect(parsed).toEqual({
      submissions: [
        {
          content_id: 'video_id_1',
          platform: 'youtube/video',
          direct_video_url: 'https://example.com/video1.mp4',
          line: 1,
        },
      ],
      rejections: [],
      listed: ['video_id_1'],
    });
  });

  it('keeps a well-formed signature and numbers lines physically, skipping blanks', () => {
    const body = `\n   \n${entry('a', { signature: SIG })}\r\n\r\n${entry('b')}\n`;
    const parsed = parseGist(body, OPTS);
    expect(parsed.rejections).toEqual([]);
    expect(parsed.submissions.map((s) => [s.content_id, s.line, s.signature])).toEqual([
      ['a', 3, SIG],
      ['b', 5, undefined],
    ]);
    expect('signature' in parsed.submissions[1]!).toBe(false);
  });

  it('ignores unknown keys; checked_for_ai: false changes nothing', () => {
    const parsed = parseGist(
      entry('a', { checked_for_ai: false, contains_subnet_tag: false, extra: { deep: [1] } }),
      OPTS,
    );
    expect(parsed.submissions[0]).toEqual({
      content_id: 'a',
      platform: 'youtube/video',
      direct_video_url: 'https://cdn.test/a.mp4',
      line: 1,
    });
  });

  it('checked_for_ai: true (or a pydantic-true value) keeps the line, flagged as never valid', () => {
    for (const flag of [true, 1, 'YES', 'on', 't']) {
      const parsed = parseGist(entry('a', { checked_for_ai: flag }), OPTS);
      expect(parsed.submissions[0]).toMatchObject({ content_id: 'a', checked_for_ai: true });
    }
  });

  it('treats a null signature as unsigned', () => {
    expect(parseGist(entry('a', { signature: null }), OPTS).submissions[0]).not.toHaveProperty('signature');
  });

  it('with ignoreSignatures (compat: original) a signature of any shape is an unknown key, as to the original', () => {
    const body = [entry('a', { signature: 12 }), entry('b', { signature: '0xzz' }), entry('c', { signature: SIG })].join('\n');
    expect(parseGist(body, OPTS).rejections.map((r) => r.reason)).toEqual(['invalid_signature_format', 'invalid_signature_format']);
    const parsed = parseGist(body, { ...OPTS, ignoreSignatures: true });
    expect(parsed.rejections).toEqual([]);
    expect(parsed.submissions.map((s) => [s.content_id, s.signature])).toEqual([['a', undefined], ['b', undefined], ['c', undefined]]);
  });

  it('accepts Uint8Array bodies; a BOM makes the first line invalid JSON, as in the original', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`${entry('a')}\n${entry('b')}`)]);
    const parsed = parseGist(bytes, OPTS);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['b']);
    expect(parsed.rejections).toEqual([expect.objectContaining({ line: 1, reason: 'invalid_json' })]);
    expect(parseGist(`\ufeff${entry('a')}`, OPTS).submissions).toHaveLength(0);
  });

  it('accepts lines separated by lone CR', () => {
    expect(parseGist(`${entry('a')}\r${entry('b')}`, OPTS).submissions.map((s) => s.line)).toEqual([1, 2]);
  });

  it('accepts both http and https video URLs, with ports and queries', () => {
    expect(
      single(entry('a', { direct_video_url: 'http://10.0.0.1:8080/v.mp4?sig=a:b&x=%20' })).accepted,
    ).toBe(1);
  });
});

describe('parseGist: every rejection reason', () => {
  it.each<[string, string, GistRejectionReason]>([
    ['docs {} line', '{}', 'missing_field'],
    ['truncated JSON', '{"content_id": "a",', 'invalid_json'],
    ['single quotes', "{'content_id': 'a'}", 'invalid_json'],
    ['array', '[1,2]', 'not_an_object'],
    ['string', '"hello"', 'not_an_object'],
    ['number', '42', 'not_an_object'],
    ['null', 'null', 'not_an_object'],
    ['missing url', '{"content_id":"a","platform":"youtube/video"}', 'missing_field'],
    ['null field', entry('a', { platform: null }), 'invalid_platform'],
    ['null content_id', entry('a', { content_id: null }), 'invalid_field_type'],
    ['checked_for_ai not a boolean', entry('a', { checked_for_ai: 'maybe' }), 'invalid_field_type'],
    ['contains_subnet_tag null', entry('a', { contains_subnet_tag: null }), 'invalid_field_type'],
    ['checked_for_ai 2', entry('a', { checked_for_ai: 2 }), 'invalid_field_type'],
    [
      'REST-server shape',
      '{"id":"1","content_id":"a","platform":"youtube/video","status":"x","hotkey":"5F"}',
      'missing_field',
    ],
    [
      'field only via __proto__',
      '{"__proto__":{"content_id":"a","platform":"youtube/video","direct_video_url":"https://x.test/a"}}',
      'missing_field',
    ],
    ['empty content_id', entry(''), 'invalid_content_id'],
    ['content_id too long', entry('a'.repeat(65)), 'invalid_content_id'],
    ['content_id with slash', entry('a/b'), 'invalid_content_id'],
    ['content_id with colon', entry('a:b'), 'invalid_content_id'],
    [
      'numeric content_id',
      JSON.stringify({ content_id: 12, platform: 'youtube/video', direct_video_url: 'https://x.test' }),
      'invalid_field_type',
    ],
    ['unknown platform', entry('a', { platform: 'tiktok/video' }), 'invalid_platform'],
    ['platform wrong case', entry('a', { platform: 'YouTube/video' }), 'invalid_platform'],
    ['platform not a string', entry('a', { platform: ['youtube/video'] }), 'invalid_platform'],
    ['URL not a string', entry('a', { direct_video_url: 5 }), 'invalid_field_type'],
    ['signature without 0x', entry('a', { signature: 'ab'.repeat(64) }), 'invalid_signature_format'],
    ['signature too short', entry('a', { signature: '0xabcd' }), 'invalid_signature_format'],
    ['signature non-hex', entry('a', { signature: `0x${'zz'.repeat(64)}` }), 'invalid_signature_format'],
    ['signature not a string', entry('a', { signature: true }), 'invalid_signature_format'],
  ])('%s → %s', (_name, line, reason) => {
    const parsed = parseGist(line, OPTS);
    expect(parsed.submissions).toEqual([]);
    expect(parsed.rejections).toHaveLength(1);
    expect(parsed.rejections[0]).toMatchObject({ line: 1, reason });
    expect(parsed.rejections[0]!.detail).toBeTruthy();
  });

  it.each([
    ['javascript: URL', 'javascript:alert(1)'],
    ['ftp URL', 'ftp://x.test/a.mp4'],
    ['file URL', 'file:///etc/passwd'],
    ['relative URL', '/a.mp4'],
    ['URL with space', 'https://x.test/a b.mp4'],
    ['URL with newline', 'https://x.test/a\n.mp4'],
  ])('%s: invalid_url, tracked but never downloaded (the original records it as not AI)', (_name, url) => {
    const parsed = parseGist(entry('a', { direct_video_url: url }), OPTS);
    expect(parsed.rejections).toEqual([expect.objectContaining({ line: 1, reason: 'invalid_url' })]);
    expect(parsed.submissions).toEqual([{ content_id: 'a', platform: 'youtube/video', direct_video_url: '', line: 1, unusable_url: true }]);
  });

  it('platform_not_allowed for a known platform outside allowedPlatforms', () => {
    const parsed = parseGist(entry('a'), { ...OPTS, allowedPlatforms: ['instagram/reel', 'instagram/post'] });
    expect(parsed.rejections).toEqual([expect.objectContaining({ line: 1, reason: 'platform_not_allowed' })]);
  });

  it('a content_id listed again (any platform) keeps its last line; every listing fills a cap slot', () => {
    const body = [
      entry('a'),
      entry('a', { direct_video_url: 'https://other.test/x.mp4' }),
      entry('a', { platform: 'instagram/reel' }),
      entry('b'),
    ].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxSubmissions: 3 });
    expect(parsed.submissions.map((s) => [s.platform, s.line])).toEqual([['instagram/reel', 3]]);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [1, 'duplicate'],
      [2, 'duplicate'],
      [4, 'over_submission_cap'],
    ]);
  });

  it("the kept line carries the latest earlier line of each other platform, latest first: the original's fallback when the kept line has no metrics", () => {
    const body = [
      entry('a', { direct_video_url: 'https://cdn.test/first.mp4' }),
      entry('a', { platform: 'instagram/post' }),
      entry('a', { direct_video_url: 'https://cdn.test/second.mp4' }),
      entry('a', { platform: 'instagram/reel', checked_for_ai: true }),
      entry('a', { platform: 'instagram/post' }),
    ].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxSubmissions: 5 });
    const kept = parsed.submissions.map(({ earlier, ...s }) => [s.platform, s.line, earlier?.map((e) => [e.platform, e.line, e.direct_video_url, e.checked_for_ai])]);
    // Line 5 is kept; instagram/reel's latest is line 4; youtube/video's is line 3 (not line 1); no
    // other instagram/post line is needed, the kept line asks the tracker the same question.
    expect(kept).toEqual([['instagram/post', 5, [['instagram/reel', 4, 'https://cdn.test/a.mp4', true], ['youtube/video', 3, 'https://cdn.test/second.mp4', undefined]]]]);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([[1, 'duplicate'], [2, 'duplicate'], [3, 'duplicate'], [4, 'duplicate']]);
  });

  it('an earlier line our stricter checks refuse is no fallback, nor is an earlier one of its platform', () => {
    const body = [entry('a'), entry('a', { signature: '0x12' }), entry('a', { platform: 'instagram/reel' })].join('\n');
    const parsed = parseGist(body, OPTS);
    expect(parsed.submissions).toEqual([expect.objectContaining({ platform: 'instagram/reel', line: 3 })]);
    expect(parsed.submissions[0]!.earlier).toBeUndefined();
  });

  it('lines A, A, B, C, D, E with a cap of 5: the duplicate takes a slot and E is over the cap', () => {
    const parsed = parseGist(['A', 'A', 'B', 'C', 'D', 'E'].map((id) => entry(id)).join('\n'), OPTS);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['A', 'B', 'C', 'D']);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [1, 'duplicate'],
      [6, 'over_submission_cap'],
    ]);
  });

  it('lines the original accepts fill the cap even when our stricter checks refuse them', () => {
    const body = [entry('bad id'), entry('b', { signature: '0x12' }), entry('c'), entry('d')].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxSubmissions: 3 });
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['c']);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [1, 'invalid_content_id'],
      [2, 'invalid_signature_format'],
      [4, 'over_submission_cap'],
    ]);
  });

  it('lines the original refuses do not fill the cap', () => {
    const body = ['{}', entry('a', { checked_for_ai: 'maybe' }), entry('x', { platform: 'tiktok/video' }), entry('c')].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxSubmissions: 1 });
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['c']);
  });

  it('splits and strips lines as Python does (\\x1e ends a line, \\x1f is stripped)', () => {
    const parsed = parseGist(`${entry('a')}\x1f\x1e${entry('b')}\u2028${entry('c')}`, OPTS);
    expect(parsed.submissions.map((s) => [s.content_id, s.line])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('an escaped lone surrogate anywhere makes the line invalid JSON, as pydantic decides', () => {
    const parsed = parseGist('{"content_id":"a","platform":"youtube/video","direct_video_url":"https://x.test/a","x":"\\ud800"}', OPTS);
    expect(parsed.rejections).toEqual([expect.objectContaining({ reason: 'invalid_json' })]);
  });

  it('over_submission_cap keeps the first maxSubmissions valid lines in gist order', () => {
    const body = ['{}', ...Array.from({ length: 8 }, (_, i) => entry(`c${i}`))].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxSubmissions: 5 });
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [1, 'missing_field'],
      [7, 'over_submission_cap'],
      [8, 'over_submission_cap'],
      [9, 'over_submission_cap'],
    ]);
  });

  it('a repeat after the cap is over the cap, as in the original', () => {
    const parsed = parseGist([entry('a'), entry('b'), entry('a')].join('\n'), { ...OPTS, maxSubmissions: 1 });
    expect(parsed.rejections.map((r) => r.reason)).toEqual(['over_submission_cap', 'over_submission_cap']);
    expect(parsed.submissions.map((s) => s.line)).toEqual([1]);
  });

  it('over_line_limit is a single rejection at the first unread line, blank lines not counted', () => {
    const body = [entry('a'), '', entry('b'), entry('c'), '', entry('d'), 'garbage'].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxLines: 2 });
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['a', 'b']);
    expect(parsed.rejections).toHaveLength(1);
    expect(parsed.rejections[0]).toMatchObject({ line: 4, reason: 'over_line_limit' });
    expect(parsed.rejections[0]!.detail).toMatch(/^3 line\(s\) from line 4/);
  });

  it('handles a huge line count within the byte cap', () => {
    const body = `${entry('a')}\n${'x\n'.repeat(200_000)}`;
    const parsed = parseGist(body, { ...OPTS, maxLines: 10 });
    expect(parsed.submissions).toHaveLength(1);
    expect(parsed.rejections.filter((r) => r.reason === 'invalid_json')).toHaveLength(9);
    expect(parsed.rejections.at(-1)).toMatchObject({ line: 11, reason: 'over_line_limit' });
  });

  it('line_too_long measures UTF-8 bytes, not characters', () => {
    const line = entry('a', { note: 'é'.repeat(60) });
    const bytes = Buffer.byteLength(line);
    expect(single(line, { maxLineBytes: bytes }).accepted).toBe(1);
    expect(single(line, { maxLineBytes: bytes - 1 }).reason).toBe('line_too_long');
    expect(line.length).toBeLessThan(bytes - 1);
  });

  it('one bad line never affects its neighbours', () => {
    const body = [entry('a'), '{"content_id":', entry('b', { platform: 'x' }), entry('c')].join('\n');
    const parsed = parseGist(body, OPTS);
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['a', 'c']);
    expect(parsed.rejections.map((r) => [r.line, r.reason])).toEqual([
      [2, 'invalid_json'],
      [3, 'invalid_platform'],
    ]);
  });
});
