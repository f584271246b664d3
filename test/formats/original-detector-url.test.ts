import { describe, expect, it } from 'vitest';
import { parseGist } from '../../src/formats/gist.js';
import { originalFixture } from './original-fixtures.js';

/**
 * `compat: original` reads a line's `direct_video_url` as the original's detector receives it
 * (test/fixtures/original/generate_detector_urls.py): the validator puts it unencoded into
 * `/detect?url=…`, so `&`, `#` and `+` cut or change it and `%xx` is decoded, and requests then
 * sends it with spaces encoded. The original's miner tool puts upload file names into R2 URLs as
 * they are, so `my clip.mp4` is downloaded there and `clip+final.mp4` is not. Ours must ask for
 * the same file, or record the video as not AI exactly when the original downloads nothing.
 */
interface Case {
  direct: string;
  original: string | null;
}
const fixture = originalFixture<{ requests: string; cases: Case[] }>('detector-urls.json');
const OPTIONS = { maxBytes: 1 << 20, maxLines: 100, maxLineBytes: 8192, maxSubmissions: 5, allowedPlatforms: ['youtube/video'] };

/** The file a URL names, as a server reads it: scheme, host and port, path and query percent-decoded. */
function resource(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null; // requests built it, but nothing can be fetched from it (a space in the host)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const decode = (s: string) =>
    new TextDecoder('utf-8', { ignoreBOM: true }).decode(
      new Uint8Array([...s.matchAll(/%([0-9A-Fa-f]{2})|([\s\S])/gu)].flatMap((m) => (m[1] ? [parseInt(m[1], 16)] : [...new TextEncoder().encode(m[2]!)]))),
    );
  return `${url.protocol}//${url.host}${decode(url.pathname)}${decode(url.search)}`;
}

function ours(direct: string, original: boolean): string | null {
  const line = JSON.stringify({ content_id: 'v1', platform: 'youtube/video', direct_video_url: direct });
  const [s] = parseGist(line, { ...OPTIONS, originalDetectorUrls: original }).submissions;
  return !s || s.unusable_url ? null : s.direct_video_url;
}

describe(`direct_video_url as the original's detector downloads it (requests ${fixture.requests})`, () => {
  it('the corpus has URLs the original fetches as written, changed, and not at all', () => {
    expect(fixture.cases.filter((c) => c.original === c.direct).length).toBeGreaterThan(3);
    expect(fixture.cases.filter((c) => c.original !== null && c.original !== c.direct).length).toBeGreaterThan(10);
    expect(fixture.cases.filter((c) => c.original === null).length).toBeGreaterThan(3);
  });

  it('compat original: the same file, or no download, for every case', () => {
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const want = c.original === null ? null : resource(c.original);
      // The detector repairs a doubled R2 prefix on what it is given (AiDetectorService, tested there).
      const got = ours(c.direct, true)?.replaceAll('https://pub-https://pub-', 'https://pub-') ?? null;
      const mine = got === null ? null : resource(got);
      if (mine !== want) wrong.push(`${JSON.stringify(c.direct)}: original ${String(want)}, ours ${String(mine)} (${String(got)})`);
    }
    expect(wrong).toEqual([]);
  });

  it('by default a URL is used as written (a space in it is refused)', () => {
    expect(ours('https://pub-0123abcd.r2.dev/videos/1_clip+final.mp4', false)).toBe('https://pub-0123abcd.r2.dev/videos/1_clip+final.mp4');
    expect(ours('https://pub-0123abcd.r2.dev/videos/1_my clip.mp4', false)).toBeNull();
  });
});
