/**
 * Property tests: miner-controlled strings never crash the parsers. The only exceptions allowed
 * are the documented FormatErrors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError } from '../../src/errors.js';
import { parseCommitment } from '../../src/formats/commitment.js';
import { parseGist, type ParseGistOptions } from '../../src/formats/gist.js';
import { captionMatches } from '../../src/formats/caption.js';

const OPTS: ParseGistOptions = {
  maxBytes: 64 * 1024,
  maxLines: 50,
  maxLineBytes: 2048,
  maxSubmissions: 5,
  allowedPlatforms: ['youtube/video', 'instagram/reel'],
};

const anyString = fc.oneof(
  fc.string({ unit: 'grapheme-composite' }),
  fc.string({ unit: 'binary' }),
  fc.string(),
);

describe('parseCommitment never crashes', () => {
  it('returns a valid commitment or throws FormatError with a known reason', () => {
    const reasons = new Set(['empty', 'missing_separator', 'invalid_user', 'invalid_gist_id', 'too_long']);
    fc.assert(
      fc.property(
        fc.oneof(
          anyString,
          fc.tuple(anyString, anyString).map(([a, b]) => `${a}:${b}`),
        ),
        (raw) => {
          try {
            const c = parseCommitment(raw);
            expect(c.githubUser).toMatch(/^[A-Za-z0-9-]{1,39}$/);
            expect(c.gistId).toMatch(/^[0-9A-Fa-f]{1,64}$/);
          } catch (error) {
            expect(error).toBeInstanceOf(FormatError);
            expect(reasons.has((error as FormatError).reason)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts every well-formed commitment unchanged', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9-]{1,39}$/),
        fc.stringMatching(/^[0-9a-f]{1,64}$/),
        (user, gist) => {
          expect(parseCommitment(` ${user}:${gist} `)).toEqual({ githubUser: user, gistId: gist });
        },
      ),
    );
  });
});

describe('parseGist never crashes', () => {
  const check = (body: string | Uint8Array): void => {
    try {
      const parsed = parseGist(body, OPTS);
      expect(parsed.submissions.length).toBeLessThanOrEqual(OPTS.maxSubmissions);
      for (const r of parsed.rejections) {
        expect(r.excerpt.length).toBeLessThanOrEqual(120);
        expect(r.line).toBeGreaterThanOrEqual(1);
      }
      const ids = parsed.submissions.map((s) => `${s.platform}|${s.content_id}`);
      expect(new Set(ids).size).toBe(ids.length);
    } catch (error) {
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).reason).toBe('too_large');
    }
  };

  it('on arbitrary strings', () => {
    fc.assert(fc.property(anyString, check), { numRuns: 1000 });
  });

  it('on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), check), { numRuns: 1000 });
  });

  it('on arbitrary JSON lines, including near-valid submissions', () => {
    const nearValid = fc.record(
      {
        content_id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.jsonValue()),
        platform: fc.oneof(
          fc.constantFrom('youtube/video', 'instagram/reel', 'instagram/post', 'tiktok'),
          fc.jsonValue(),
        ),
        direct_video_url: fc.oneof(fc.webUrl(), anyString, fc.jsonValue()),
        signature: fc.oneof(fc.stringMatching(/^0x[0-9a-f]{128}$/), fc.jsonValue()),
        checked_for_ai: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const line = fc.oneof(
      fc.json(),
      nearValid.map((o) => JSON.stringify(o)),
      anyString,
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, sep) =>
        check(lines.join(sep)),
      ),
      { numRuns: 500 },
    );
  });

  it('accepts exactly what survives validation (valid lines round-trip)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.webUrl({ withQueryParameters: true }),
        (id, url) => {
          fc.pre(!/\s/.test(url));
          const parsed = parseGist(
            JSON.stringify({ content_id: id, platform: 'instagram/reel', direct_video_url: url }),
            OPTS,
          );
          expect(parsed.submissions).toEqual([
            { content_id: id, platform: 'instagram/reel', direct_video_url: url, line: 1 },
          ]);
        },
      ),
    );
  });
});

describe('captionMatches never crashes', () => {
  it('on arbitrary captions and hotkeys', () => {
    fc.assert(
      fc.property(anyString, fc.string({ minLength: 1 }), (caption, hotkey) => {
        expect(typeof captionMatches(caption, hotkey)).toBe('boolean');
      }),
    );
  });
});
