import { expect } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { parseCommitment } from '../../src/formats/commitment.js';
import type { ParseGistOptions } from '../../src/formats/gist.js';

/** The gist rules of SPEC §3 with the original's cap of 5 submissions. */
export const GIST_OPTS: ParseGistOptions = Object.freeze({
  maxBytes: 1024 * 1024,
  maxLines: 100,
  maxLineBytes: 8192,
  maxSubmissions: 5,
  allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'],
});

/** One gist line for `content_id`, a YouTube video by default; `extra` adds or replaces fields. */
export const gistLine = (content_id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ content_id, platform: 'youtube/video', direct_video_url: `https://cdn.test/${content_id}.mp4`, ...extra });

/** The FormatError reason a refused commitment gives; fails the test when it is accepted. */
export function commitmentRejection(raw: string): string {
  try {
    parseCommitment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as FormatError).reason;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}
