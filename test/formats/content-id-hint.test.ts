import { describe, expect, it } from 'vitest';
import { contentIdFromUrl } from '../../src/formats/content-id-hint.js';
import { parseGist } from '../../src/formats/gist.js';

const limits = { maxBytes: 1 << 20, maxLines: 100, maxLineBytes: 8192, maxSubmissions: 5, allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'] };
const line = (content_id: string, platform = 'youtube/video') => JSON.stringify({ content_id, platform, direct_video_url: 'https://pub-1.r2.dev/v.mp4' });

describe('a content_id given as the post link', () => {
  it.each([
    ['https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3s', 'dQw4w9WgXcQ'],
    ['youtube.com/watch?v=dQw4w9WgXcQ', 'dQw4w9WgXcQ'],
    ['https://youtu.be/dQw4w9WgXcQ?si=x', 'dQw4w9WgXcQ'],
    ['https://www.youtube.com/shorts/abcDEF12345', 'abcDEF12345'],
    ['https://www.instagram.com/reel/C1a2B3c4D5e/', 'C1a2B3c4D5e'],
    ['https://www.instagram.com/someone/p/C1a2B3c4D5e/?igsh=x', 'C1a2B3c4D5e'],
  ])('%s names the id %s', (url, id) => {
    expect(contentIdFromUrl(url)).toBe(id);
  });

  it.each([['https://example.com/watch?v=dQw4w9WgXcQ'], ['https://www.youtube.com/channel/x'], ['not a url at all'], ['https://www.instagram.com/someone/']])('%s names none', (url) => {
    expect(contentIdFromUrl(url)).toBeNull();
  });

  it("the validator's rejection keeps its reason and says which id to use", () => {
    const parsed = parseGist([line('https://www.youtube.com/watch?v=dQw4w9WgXcQ'), line('https://www.instagram.com/p/C1a2B3c4D5e/', 'instagram/post'), line('a/b'), line('a b')].join('\n'), limits);
    expect(parsed.rejections.map((r) => [r.reason, r.detail])).toEqual([
      ['invalid_content_id', `content_id must be 1-64 characters of A-Z, a-z, 0-9, _ or -: the video's id, not its link (use "dQw4w9WgXcQ")`],
      ['invalid_content_id', `content_id must be 1-64 characters of A-Z, a-z, 0-9, _ or -: the video's id, not its link (use "C1a2B3c4D5e")`],
      ['invalid_content_id', `content_id must be 1-64 characters of A-Z, a-z, 0-9, _ or -: the video's id (YouTube video id, Instagram shortcode), not its link`],
      ['invalid_content_id', 'content_id must be 1-64 characters of A-Z, a-z, 0-9, _ or -'],
    ]);
  });
});
