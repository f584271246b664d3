import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/config/defaults.js';
import { originalPlatformName, scoreContent, scoreMinerEngagement } from '../../src/scoring/engagement-policy.js';
import { isSnapshotValid } from '../../src/scoring/snapshot-validity.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { hoursKey, snap } from './fixtures.js';

const params = { alpha: 0.95, aiThreshold: 0.3, allowedPlatforms: [...PLATFORMS] };

/** Views per interval (2 h apart); `false` marks an invalid (non-AI) snapshot. */
function series(views: Array<number | false>, overrides: Partial<MetricSnapshot> = {}) {
  return views.map((v, i) =>
    snap({ interval: hoursKey(2 * i), view_count: v === false ? 999_999 : v, ai_score: v === false ? 0.1 : 0.9, ...overrides }),
  );
}

describe('engagement policy: per-content EMA (Performance.get_score @ ea86bf9)', () => {
  it('the first valid snapshot is only a baseline', () => {
    const r = scoreContent(series([1000]), params);
    expect(r.score).toBe(0);
    expect(r.baseline).toBe(1000);
  });

  it('folds increments into score = inc·α + score·(1−α)', () => {
    // 100 → 300: inc 200 → 0.95·200 = 190; 300 → 350: inc 50 → 0.95·50 + 0.05·190 = 57
    const r = scoreContent(series([100, 300, 350]), params);
    expect(r.score).toBeCloseTo(57, 10);
    expect(r.validIntervals).toBe(3);
  });

  it('an invalid snapshot resets score and baseline; the next valid one is a new baseline', () => {
    // 100, 300 (190), invalid (0, no baseline), 400 (baseline), 500 → 0.95·100 = 95
    const r = scoreContent(series([100, 300, false, 400, 500]), params);
    expect(r.score).toBeCloseTo(95, 10);
    expect(r.resets).toBe(1);
    expect(r.baseline).toBe(500);
  });

  it('an invalid latest snapshot leaves the content at 0', () => {
    const r = scoreContent(series([100, 300, 700, false]), params);
    expect(r.score).toBe(0);
    expect(r.baseline).toBeNull();
  });

  it('falling views give a negative score (the original does not clamp per content)', () => {
    const r = scoreContent(series([500, 300]), params);
    expect(r.score).toBeCloseTo(-190, 10);
  });

  it('walks intervals in key order whatever the input order', () => {
    const s = series([100, 300, 350]);
    const r = scoreContent([s[2]!, s[0]!, s[1]!], params);
    // scoreContent expects sorted input; scoreMinerEngagement sorts, so check through it
    expect(scoreMinerEngagement([s[2]!, s[0]!, s[1]!], params).contentScore).toBeCloseTo(57, 10);
    expect(r.score).not.toBeCloseTo(57, 5);
  });

  it('uses α from the params', () => {
    const r = scoreContent(series([0, 100, 200]), { ...params, alpha: 0.5 });
    // 0.5·100 = 50; 0.5·100 + 0.5·50 = 75
    expect(r.score).toBeCloseTo(75, 10);
  });

  it('skips snapshots of platforms not allowed, without a reset', () => {
    const s = [
      snap({ interval: hoursKey(0), view_count: 100 }),
      snap({ interval: hoursKey(2), view_count: 5, platform: 'instagram/reel', ai_score: 0 }),
      snap({ interval: hoursKey(4), view_count: 300 }),
    ];
    const r = scoreContent(s, { ...params, allowedPlatforms: ['youtube/video'] });
    expect(r.score).toBeCloseTo(190, 10);
    expect(r.intervals).toBe(2);
  });

  it('QUIRK: instagram/post snapshots are filtered under the name instagram/reel', () => {
    expect(originalPlatformName('instagram/post')).toBe('instagram/reel');
    expect(originalPlatformName('youtube/video')).toBe('youtube/video');
    const s = series([100, 300], { platform: 'instagram/post' });
    expect(scoreContent(s, { ...params, allowedPlatforms: ['instagram/reel'] }).score).toBeCloseTo(190, 10);
    expect(scoreContent(s, { ...params, allowedPlatforms: ['instagram/post'] }).intervals).toBe(0);
  });
});

describe('snapshot validity', () => {
  const base = { caption_ok: true, ai_score: 0.9, owner_ok: true, signature_ok: null } as const;
  it('matches the original for an unsigned, uncontested claim', () => {
    expect(isSnapshotValid(base, 0.3)).toBe(true);
    expect(isSnapshotValid({ ...base, caption_ok: false }, 0.3)).toBe(false);
  });
  it('requires ai_score strictly above the threshold; null is invalid', () => {
    expect(isSnapshotValid({ ...base, ai_score: 0.3 }, 0.3)).toBe(false);
    expect(isSnapshotValid({ ...base, ai_score: 0.30001 }, 0.3)).toBe(true);
    expect(isSnapshotValid({ ...base, ai_score: null }, 0.3)).toBe(false);
    expect(isSnapshotValid({ ...base, ai_score: Number.NaN }, 0.3)).toBe(false);
  });
  it('adds our stricter owner and signature conditions', () => {
    expect(isSnapshotValid({ ...base, owner_ok: false }, 0.3)).toBe(false);
    expect(isSnapshotValid({ ...base, signature_ok: false }, 0.3)).toBe(false);
    expect(isSnapshotValid({ ...base, signature_ok: true }, 0.3)).toBe(true);
  });
});

describe('engagement policy: miner totals and engagement rate', () => {
  it('sums content scores and computes 100·((likes+comments)/valid posts)/followers from latest valid snapshots', () => {
    const history = [
      snap({ content_id: 'a', interval: hoursKey(0), view_count: 100, like_count: 1, comment_count: 1 }),
      snap({ content_id: 'a', interval: hoursKey(2), view_count: 300, like_count: 10, comment_count: 5 }),
      snap({ content_id: 'b', interval: hoursKey(0), view_count: 50, like_count: 2, comment_count: 0 }),
      snap({ content_id: 'b', interval: hoursKey(2), view_count: 150, like_count: 20, comment_count: 5 }),
    ];
    const r = scoreMinerEngagement(history, params);
    expect(r.contents).toHaveLength(2);
    expect(r.contentScore).toBeCloseTo(190 + 95, 10);
    expect(r.latest).toEqual({ likes: 30, comments: 10, validPosts: 2, followerCount: 1000 });
    // ((30 + 10) / 2) / 1000 · 100 = 2
    expect(r.engagementRate).toBeCloseTo(2, 12);
    expect(r.policy).toBe('engagement');
    expect(r.version).toBe(1);
  });

  it('an invalid latest snapshot drops the content from likes/comments/valid posts', () => {
    const history = [
      snap({ content_id: 'a', interval: hoursKey(0), like_count: 10, comment_count: 10 }),
      snap({ content_id: 'b', interval: hoursKey(0), like_count: 1000, comment_count: 0, caption_ok: false }),
    ];
    const r = scoreMinerEngagement(history, params);
    expect(r.latest.validPosts).toBe(1);
    expect(r.engagementRate).toBeCloseTo((20 / 1 / 1000) * 100, 12);
  });

  it('QUIRK: the follower count comes from the last document, taken before the validity check', () => {
    const history = [
      snap({ content_id: 'first', interval: hoursKey(0), like_count: 50, comment_count: 50, owner_follower_count: 10_000 }),
      // created later, invalid, but its follower count still overwrites
      snap({ content_id: 'later', interval: hoursKey(2), owner_follower_count: 100, ai_score: 0.1 }),
    ];
    const r = scoreMinerEngagement(history, params);
    expect(r.latest.followerCount).toBe(100);
    expect(r.engagementRate).toBeCloseTo((100 / 1 / 100) * 100, 12);
  });

  it('a zero follower count does not overwrite a known one', () => {
    const history = [
      snap({ content_id: 'first', interval: hoursKey(0), like_count: 5, owner_follower_count: 500 }),
      snap({ content_id: 'later', interval: hoursKey(2), like_count: 5, owner_follower_count: 0 }),
    ];
    expect(scoreMinerEngagement(history, params).latest.followerCount).toBe(500);
  });

  it('QUIRK: hidden Instagram likes (-1) are summed as -1, as the original sums them', () => {
    const history = [
      snap({ platform: 'instagram/reel', content_id: 'a', interval: hoursKey(0), like_count: -1, comment_count: 7 }),
      snap({ platform: 'instagram/reel', content_id: 'b', interval: hoursKey(0), like_count: -1, comment_count: 3 }),
    ];
    const r = scoreMinerEngagement(history, params);
    expect(r.latest).toEqual({ likes: -2, comments: 10, validPosts: 2, followerCount: 1000 });
    // ((-2 + 10) / 2) / 1000 · 100 = 0.4, where clamping to 0 would give 0.5 and could reorder the top 5.
    expect(r.engagementRate).toBeCloseTo(0.4, 12);
  });

  it('zero followers everywhere or no valid post gives rate 0', () => {
    const noFollowers = [snap({ interval: hoursKey(0), like_count: 10, owner_follower_count: 0 })];
    expect(scoreMinerEngagement(noFollowers, params).engagementRate).toBe(0);
    const noValid = [snap({ interval: hoursKey(0), like_count: 10, ai_score: 0.2 })];
    const r = scoreMinerEngagement(noValid, params);
    expect(r.engagementRate).toBe(0);
    expect(r.latest.validPosts).toBe(0);
    expect(scoreMinerEngagement([], params)).toMatchObject({ contentScore: 0, engagementRate: 0, contents: [] });
  });
});
