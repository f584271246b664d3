import { describe, expect, it } from 'vitest';
import { snapshotFromOriginal } from '../../src/store/migrate-original.js';

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
