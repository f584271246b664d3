import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/config/defaults.js';
import { compareUtf8, countDifference, scoreContent, scoreMinerEngagement } from '../../src/scoring/engagement-policy.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { hoursKey, snap } from './fixtures.js';

/**
 * Cases worked by hand from the original's tensorflix/validator.py @ ea86bf9 (see
 * original-system.md §4.2–4.3): which document's follower count wins, one document per
 * content_id across platforms, summation order, and exact integer view gains.
 */
const params = { alpha: 0.95, aiThreshold: 0.3, allowedPlatforms: [...PLATFORMS] };

describe('engagement@1 fidelity: performance documents', () => {
  it('the follower count of the greatest content_id wins (index order), not the first listed', () => {
    // aaaReel (owner with 100 followers) was stored first, zzzPost (10,000 followers) later.
    const history = [
      snap({ content_id: 'zzzPost', platform: 'instagram/post', interval: hoursKey(2), like_count: 5, comment_count: 5, owner_follower_count: 10_000 }),
      snap({ content_id: 'aaaReel', platform: 'instagram/reel', interval: hoursKey(0), like_count: 5, comment_count: 5, owner_follower_count: 100 }),
    ];
    const r = scoreMinerEngagement(history, params);
    expect(r.latest.followerCount).toBe(10_000);
    // ((10 + 10) / 2) / 10_000 · 100 = 0.1 %
    expect(r.engagementRate).toBeCloseTo(0.1, 12);
  });

  it('content_id order is byte order (uppercase before lowercase, digits first)', () => {
    expect(['b', 'B', '_', '9', 'a-', 'a'].sort(compareUtf8)).toEqual(['9', 'B', '_', 'a', 'a-', 'b']);
    const history = [
      snap({ content_id: 'a', interval: hoursKey(0), owner_follower_count: 1 }),
      snap({ content_id: 'B', interval: hoursKey(0), owner_follower_count: 2 }),
      snap({ content_id: '_x', interval: hoursKey(0), owner_follower_count: 3 }),
    ];
    // '_' (0x5f) sorts after 'B' (0x42) and before 'a' (0x61): 'a' is last.
    expect(scoreMinerEngagement(history, params).latest.followerCount).toBe(1);
  });

  it('a shortcode listed as post and as reel is one document: one EMA chain, one latest metric', () => {
    const history = [
      snap({ content_id: 'Cabc', platform: 'instagram/post', interval: hoursKey(0), view_count: 100 }),
      snap({ content_id: 'Cabc', platform: 'instagram/reel', interval: hoursKey(2), view_count: 300 }),
      snap({ content_id: 'Cabc', platform: 'instagram/post', interval: hoursKey(4), view_count: 350, like_count: 7 }),
    ];
    const r = scoreMinerEngagement(history, params);
    expect(r.contents).toHaveLength(1);
    // 100 → 300 → 350: 0.95·200 = 190, then 0.95·50 + 0.05·190 = 57
    expect(r.contentScore).toBeCloseTo(57, 10);
    expect(r.latest.validPosts).toBe(1);
    expect(r.latest.likes).toBe(7);
  });

  it('two snapshots of one content in one interval: the later write is the interval metric', () => {
    const t = hoursKey(2);
    const history = [
      snap({ content_id: 'X', interval: hoursKey(0), view_count: 100 }),
      snap({ content_id: 'X', platform: 'instagram/reel', interval: t, view_count: 900, fetched_at: new Date(Date.UTC(2026, 0, 1, 2, 0, 5)) }),
      snap({ content_id: 'X', platform: 'youtube/video', interval: t, view_count: 200, fetched_at: new Date(Date.UTC(2026, 0, 1, 2, 0, 1)) }),
    ];
    expect(scoreMinerEngagement(history, params).contentScore).toBeCloseTo(0.95 * 800, 10);
  });

  it('content scores are summed in content_id order as Python floats', () => {
    // Big + tiny + (−big): the order of float additions decides whether the tiny part survives.
    const big = 2 ** 60;
    const mk = (id: string, from: number, to: number) => [
      snap({ content_id: id, interval: hoursKey(0), view_count: from }),
      snap({ content_id: id, interval: hoursKey(2), view_count: to }),
    ];
    const history = [...mk('c', 0, 1), ...mk('a', 0, big), ...mk('b', big, 0)];
    // Python: 0 + 0.95·2^60 + (−0.95·2^60) + 0.95 = 0.95 (order a, b, c).
    expect(scoreMinerEngagement(history, params).contentScore).toBe(0.95 * big + -0.95 * big + 0.95);
  });
});

describe('engagement@1 fidelity: exact integer view gains', () => {
  it('2^53+1 → 2^53+3 gains exactly 2 (Python ints), not 4', () => {
    const base = 2n ** 53n;
    expect(countDifference(base + 3n, base + 1n)).toBe(2);
    expect(countDifference(String(base + 3n), String(base + 1n))).toBe(2);
    const history: MetricSnapshot[] = [
      snap({ interval: hoursKey(0), view_count: (base + 1n) as unknown as number }),
      snap({ interval: hoursKey(2), view_count: (base + 3n) as unknown as number }),
    ];
    expect(scoreContent(history, params).score).toBe(2 * 0.95);
  });

  it('safe integers take the plain path; mixed forms meet as exact integers', () => {
    expect(countDifference(350, 100)).toBe(250);
    expect(countDifference('9007199254740995', 9_007_199_254_740_992)).toBe(3);
    expect(countDifference(2n ** 60n, '1')).toBe(Number(2n ** 60n - 1n));
  });

  it('a count that is not an integer falls back to float arithmetic', () => {
    expect(countDifference(10.5, 0.5)).toBe(10);
    expect(countDifference('12.5', 2)).toBe(10.5);
  });

  it('a huge difference converts to float once, rounding half to even like float(int)', () => {
    // 2^54 + 2 is a tie between 2^54 and 2^54 + 4 (spacing 4): half to even gives 2^54.
    expect(countDifference(2n ** 54n + 2n, 0n)).toBe(2 ** 54);
  });
});
