import { describe, expect, it } from 'vitest';
import { parseGist } from '../../src/formats/gist.js';
import { GIST_OPTS as OPTS, gistLine } from './fixtures.js';

/**
 * ParsedGist.listed: the content_ids the original keeps in a miner's submissions document, which
 * other miners' listings are matched against (supervisor/stored-lists.ts).
 */

const entry = gistLine;

describe('parseGist: listed content ids', () => {
  it('lists every content_id the original stores, once each in gist order: past the cap and after our stricter checks too', () => {
    const body = [
      '{}',
      entry('c0'),
      entry('bad id!'),
      entry('c1', { direct_video_url: 'not a url' }),
      entry('c2', { platform: 'tiktok/video' }),
      entry('c3'),
      entry('c0'),
      entry('c4'),
      entry('c5'),
      'not json',
    ].join('\n');
    const parsed = parseGist(body, { ...OPTS, maxSubmissions: 3 });
    expect(parsed.submissions.map((s) => s.content_id)).toEqual(['c0', 'c1']);
    // The model accepts 'bad id!' (a slot of the cap) but no video has it; tiktok is no platform.
    expect(parsed.listed).toEqual(['c0', 'c1', 'c3', 'c4', 'c5']);
    expect(parseGist(body, { ...OPTS, allowedPlatforms: ['instagram/reel'] }).listed).toEqual([]);
  });
});
