import { describe, expect, it } from 'vitest';
import { snapshotFromOriginal } from '../../src/store/migrate-original.js';
import { storedListFromOriginal } from '../../src/store/migrate-stored-lists.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const INTERVAL = '2026-01-01-00-00';

describe('snapshotFromOriginal', () => {
  it("keeps a post's counts as the original stored them, negative ones included", () => {
    const metric = { platform_name: 'instagram/reel', video_play_count: -10, like_count: -1, comment_count: -3, owner_follower_count: 50, caption: '' };
    expect(snapshotFromOriginal(HOTKEY, 'C1', INTERVAL, metric, undefined)).toMatchObject({ view_count: -10, like_count: -1, comment_count: -3, owner_follower_count: 50 });
  });

  it('reads a follower count below 0 as 0, like a missing one', () => {
    const metric = { platform_name: 'youtube/video', view_count: 5, owner_follower_count: -4 };
    expect(snapshotFromOriginal(HOTKEY, 'v1', INTERVAL, metric, undefined)).toMatchObject({ view_count: 5, like_count: 0, comment_count: 0, owner_follower_count: 0 });
  });

  it('skips a metric without a view count, and a bad interval key', () => {
    expect(snapshotFromOriginal(HOTKEY, 'v1', INTERVAL, { platform_name: 'youtube/video' }, undefined)).toEqual({ skip: 'no_view_count' });
    expect(snapshotFromOriginal(HOTKEY, 'v1', '2026-01-01', { platform_name: 'youtube/video', view_count: 1 }, undefined)).toEqual({ skip: 'bad_interval' });
  });
});

describe('storedListFromOriginal', () => {
  const rules = { maxBytes: 1 << 20, maxLines: 1000, maxLineBytes: 8192, maxSubmissions: 5, allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'] };
  const line = (id: string, extra: Record<string, unknown> = {}) => ({ content_id: id, platform: 'youtube/video', direct_video_url: `https://v/${id}.mp4`, checked_for_ai: false, ...extra });
  const now = new Date(Date.UTC(2026, 0, 2));

  it("reads the original's stored lines as a gist: the first 5 processed, every id listed", () => {
    const doc = { hotkey: HOTKEY, submissions: [line('a'), line('b', { checked_for_ai: true }), line('c'), line('d'), line('e'), line('f')] };
    const record = storedListFromOriginal(doc, rules, now);
    expect(record).toMatchObject({ hotkey: HOTKEY, commitment: null, commitment_block: null, listed_content_ids: ['a', 'b', 'c', 'd', 'e', 'f'], updated_at: now });
    expect('submissions' in record && record.submissions.map((s) => [s.content_id, s.line, s.checked_for_ai ?? false])).toEqual([
      ['a', 1, false],
      ['b', 2, true],
      ['c', 3, false],
      ['d', 4, false],
      ['e', 5, false],
    ]);
  });

  it('skips a document without a hotkey, and one whose lines list nothing this validator takes', () => {
    expect(storedListFromOriginal({ submissions: [line('a')] }, rules, now)).toEqual({ skip: 'malformed_document' });
    expect(storedListFromOriginal({ hotkey: HOTKEY, submissions: [line('a', { platform: 'tiktok/video' })] }, rules, now)).toEqual({ skip: 'empty_list' });
  });
});
