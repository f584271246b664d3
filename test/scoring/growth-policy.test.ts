import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/config/defaults.js';
import {
  DEFAULT_GROWTH_PARAMS,
  botMultiplier,
  engagementMultiplier,
  rawGrowthScore,
  scoreMinerGrowth,
} from '../../src/scoring/growth-policy.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { hoursKey, snap } from './fixtures.js';

const params = { aiThreshold: 0.3, allowedPlatforms: [...PLATFORMS], growth: DEFAULT_GROWTH_PARAMS };

/** Follower samples of one account at the given hours. */
function followers(points: Array<[hours: number, count: number]>, overrides: Partial<MetricSnapshot> = {}): MetricSnapshot[] {
  return points.map(([h, count]) => snap({ interval: hoursKey(h), owner_follower_count: count, ...overrides }));
}

describe('growth policy formulas (SPEC §8)', () => {
  it('g = 100·log10(1 + 100 r′) for r′ > 0, else 500 r′', () => {
    expect(rawGrowthScore(0.005)).toBeCloseTo(100 * Math.log10(1.5), 12);
    expect(rawGrowthScore(0.01)).toBeCloseTo(100 * Math.log10(2), 12); // max 30.103
    expect(rawGrowthScore(0)).toBe(0);
    expect(rawGrowthScore(-0.002)).toBeCloseTo(-1, 12);
  });

  it('bot multiplier max(0.1, 1 − 0.9p) only when p > 0.6 and confidence > 0.5', () => {
    const g = DEFAULT_GROWTH_PARAMS;
    expect(botMultiplier(undefined, g)).toBe(1);
    expect(botMultiplier({ probability: 0.8, confidence: 0.6 }, g)).toBeCloseTo(0.28, 12);
    expect(botMultiplier({ probability: 0.8, confidence: 0.5 }, g)).toBe(1);
    expect(botMultiplier({ probability: 0.6, confidence: 0.9 }, g)).toBe(1);
    expect(botMultiplier({ probability: 1, confidence: 1 }, g)).toBeCloseTo(0.1, 12);
  });

  it('engagement multiplier 0.5 + (min(8, e)/8)·1.5', () => {
    const g = DEFAULT_GROWTH_PARAMS;
    expect(engagementMultiplier(30, 10, 1000, g)).toEqual({ rate: 4, multiplier: 0.5 + (4 / 8) * 1.5 });
    expect(engagementMultiplier(500, 500, 1000, g)).toEqual({ rate: 8, multiplier: 2 });
    expect(engagementMultiplier(0, 0, 1000, g)).toEqual({ rate: 0, multiplier: 0.5 });
    expect(engagementMultiplier(5, 5, 0, g)).toEqual({ rate: 0, multiplier: 0 });
  });
});

describe('growth policy on stored history', () => {
  it('scores 12 h of growth: G = 0.7·g·m, final = G·multiplier', () => {
    const history = [
      ...followers([[0, 1000], [6, 1030]]),
      snap({ interval: hoursKey(12), owner_follower_count: 1060, like_count: 30, comment_count: 10 }),
    ];
    const r = scoreMinerGrowth(history, params);
    const rate = (1060 - 1000) / 1000 / 12; // 0.005 per hour
    const g = 100 * Math.log10(1 + 100 * rate);
    const G = g * 1 * 0.7;
    const e = ((30 + 10) / 1060) * 100;
    expect(r.reason).toBeNull();
    expect(r.hours).toBe(12);
    expect(r.followersThen).toBe(1000);
    expect(r.hourlyGrowth).toBeCloseTo(rate, 15);
    expect(r.growthScore).toBeCloseTo(G, 12);
    expect(r.engagementRate).toBeCloseTo(e, 12);
    expect(r.score).toBeCloseTo(G * (0.5 + (e / 8) * 1.5), 12);
  });

  it('caps growth at 1 %/h', () => {
    const r = scoreMinerGrowth(followers([[0, 1000], [12, 2000]]), params);
    expect(r.cappedHourlyGrowth).toBe(0.01);
    expect(r.rawGrowthScore).toBeCloseTo(100 * Math.log10(2), 12);
  });

  it('applies the bot multiplier given as input', () => {
    const history = followers([[0, 1000], [12, 1060]]);
    const clean = scoreMinerGrowth(history, params);
    const botted = scoreMinerGrowth(history, params, { probability: 0.8, confidence: 0.9 });
    expect(botted.botMultiplier).toBeCloseTo(0.28, 12);
    expect(botted.score).toBeCloseTo(clean.score * 0.28, 10);
  });

  it('compares with the nearest sample at or before latest − 12 h', () => {
    // latest at 25 h: cutoff 13 h; samples at 0, 6, 13 → "then" is the 13 h sample
    const r = scoreMinerGrowth(followers([[0, 600], [6, 700], [13, 1000], [25, 1060]]), params);
    expect(r.followersThen).toBe(1000);
    expect(r.hours).toBe(12);
  });

  it('less than 12 h of history scores 0 (insufficient_history)', () => {
    const r = scoreMinerGrowth(followers([[0, 1000], [11, 1100]]), params);
    expect(r).toMatchObject({ score: 0, reason: 'insufficient_history', followersNow: 1100 });
  });

  it('fewer than 500 followers now scores 0 (below_min_followers)', () => {
    const r = scoreMinerGrowth(followers([[0, 300], [12, 499]]), params);
    expect(r).toMatchObject({ score: 0, reason: 'below_min_followers' });
    const ok = scoreMinerGrowth(followers([[0, 300], [12, 500]]), params);
    expect(ok.score).toBeGreaterThan(0);
  });

  it('thresholds come from the params', () => {
    const loose = { ...params, growth: { ...DEFAULT_GROWTH_PARAMS, minFollowers: 100, minHistoryHours: 4 } };
    expect(scoreMinerGrowth(followers([[0, 300], [4, 310]]), loose).score).toBeGreaterThan(0);
  });

  it('flat or falling followers score 0 (G ≤ 0)', () => {
    expect(scoreMinerGrowth(followers([[0, 1000], [12, 1000]]), params)).toMatchObject({ score: 0, reason: 'non_positive_growth' });
    const falling = scoreMinerGrowth(followers([[0, 1000], [12, 900]]), params);
    expect(falling).toMatchObject({ score: 0, reason: 'non_positive_growth' });
    expect(falling.rawGrowthScore).toBeLessThan(0);
  });

  it('only valid snapshots are follower samples', () => {
    const history = [
      ...followers([[0, 1000]], { ai_score: 0.1 }),
      ...followers([[12, 1060]]),
    ];
    expect(scoreMinerGrowth(history, params).reason).toBe('insufficient_history');
    expect(scoreMinerGrowth(followers([[0, 1000]], { caption_ok: false }), params).reason).toBe('no_valid_snapshots');
    expect(scoreMinerGrowth([], params).reason).toBe('no_valid_snapshots');
  });

  it('measures the account of the latest sample only', () => {
    const history = [
      ...followers([[0, 100_000]], { owner_username: 'other', content_id: 'x' }),
      ...followers([[0, 1000], [12, 1060]], { owner_username: 'main' }),
    ];
    const r = scoreMinerGrowth(history, params);
    expect(r.account).toBe('main');
    expect(r.followersThen).toBe(1000);
  });
});

describe('growth policy: an Instagram account is its owner id', () => {
  // Two accounts of one miner: a small one and a big one, each with its immutable id.
  const small = { owner_id: '1111', owner_follower_count: 1000 };
  const big = { owner_id: '2222', owner_follower_count: 100_000 };
  const ig = (h: number, content_id: string, owner: Partial<MetricSnapshot>) => snap({ interval: hoursKey(h), platform: 'instagram/reel', content_id, ...owner });

  it('two accounts that swap usernames between samples do not make one series jump', () => {
    const history = [
      // Before: the small account is "star", the big one "spare".
      ig(0, 'Csmall', { ...small, owner_username: 'star' }),
      ig(0, 'Cbig', { ...big, owner_username: 'spare' }),
      // After the swap the big account is "star".
      ig(12, 'Cbig', { ...big, owner_follower_count: 100_100, owner_username: 'star' }),
    ];
    const r = scoreMinerGrowth(history, params);
    // Keyed by username the series would run 1000 → 100 100 followers: the 1 %/h cap.
    expect(r).toMatchObject({ account: 'star', accountId: '2222', followersThen: 100_000, followersNow: 100_100 });
    expect(r.hourlyGrowth).toBeCloseTo(100 / 100_000 / 12, 15);
    expect(r.cappedHourlyGrowth).toBeLessThan(DEFAULT_GROWTH_PARAMS.maxHourlyGrowth);
    // Without the big account's own earlier sample there is no 12 h series at all.
    expect(scoreMinerGrowth([history[0]!, history[2]!], params)).toMatchObject({ score: 0, reason: 'insufficient_history', accountId: '2222', followersNow: 100_100 });
  });

  it('one account renamed between samples stays one series', () => {
    const history = [ig(0, 'C1', { ...small, owner_username: 'before' }), ig(12, 'C1', { ...small, owner_follower_count: 1060, owner_username: 'after' })];
    expect(scoreMinerGrowth(history, params)).toMatchObject({ reason: null, account: 'after', accountId: '1111', followersThen: 1000, hours: 12 });
  });

  it('a snapshot without owner_id (written before it existed) is of its username, never of an id', () => {
    const old = ig(0, 'C1', { owner_username: 'star', owner_follower_count: 1000 });
    expect(old.owner_id).toBeUndefined();
    // Old snapshots alone are one series by username, as before.
    const before = scoreMinerGrowth([old, ig(12, 'C1', { owner_username: 'star', owner_follower_count: 1060 })], params);
    expect(before).toMatchObject({ reason: null, account: 'star', accountId: null, followersThen: 1000 });
    // The first snapshot with the id starts the account's series afresh.
    const after = scoreMinerGrowth([old, ig(12, 'C1', { ...big, owner_username: 'star' })], params);
    expect(after).toMatchObject({ score: 0, reason: 'insufficient_history', accountId: '2222' });
    // A username that reads like an id is still a username.
    const lookalike = scoreMinerGrowth([ig(0, 'C1', { owner_username: '2222', owner_follower_count: 1000 }), ig(12, 'C2', { ...big, owner_username: 'star' })], params);
    expect(lookalike).toMatchObject({ reason: 'insufficient_history', accountId: '2222' });
  });
});

describe('growth policy reads stored history as the original reads its documents', () => {
  it('the bot floor is 1 − 0.9 as the original computes it, not the literal 0.1', () => {
    // new_growth_scoring.py: max(1.0 - 0.9, 1.0 - p * 0.9); 1 − 0.9 is 0.09999999999999998.
    expect(botMultiplier({ probability: 1, confidence: 1 }, DEFAULT_GROWTH_PARAMS)).toBe(1 - 0.9);
    expect(botMultiplier({ probability: 0.8, confidence: 0.9 }, DEFAULT_GROWTH_PARAMS)).toBe(1 - 0.8 * 0.9);
  });

  it('likes and comments come from the latest metric of each content, and only when it is valid', () => {
    const history = [
      snap({ interval: hoursKey(0), owner_follower_count: 1000, like_count: 80 }),
      snap({ interval: hoursKey(12), owner_follower_count: 1060, like_count: 80 }),
      snap({ interval: hoursKey(14), owner_follower_count: 1070, like_count: 80, caption_ok: false }),
      snap({ interval: hoursKey(14), content_id: 'vid2', owner_follower_count: 1070, like_count: 7, comment_count: 1 }),
    ];
    const r = scoreMinerGrowth(history, params);
    // vid1's latest metric is invalid: its older valid likes do not stand in for it.
    expect(r).toMatchObject({ likes: 7, comments: 1, followersNow: 1070 });
  });

  it('a shortcode listed as a reel and later as a post is one content', () => {
    const history = [
      snap({ interval: hoursKey(0), platform: 'instagram/reel', content_id: 'Cx1', owner_follower_count: 1000, like_count: 40 }),
      snap({ interval: hoursKey(12), platform: 'instagram/post', content_id: 'Cx1', owner_follower_count: 1060, like_count: 50 }),
    ];
    const r = scoreMinerGrowth(history, params);
    expect(r.likes).toBe(50);
    expect(scoreMinerGrowth([...history].reverse(), params).likes).toBe(50);
  });

  it('a YouTube channel titled like the Instagram account is another account', () => {
    const history = [
      snap({ interval: hoursKey(0), platform: 'instagram/reel', owner_username: 'u', owner_follower_count: 1000 }),
      snap({ interval: hoursKey(1), platform: 'youtube/video', content_id: 'yt', owner_username: 'u', owner_follower_count: 600 }),
      snap({ interval: hoursKey(13), platform: 'instagram/reel', owner_username: 'u', owner_follower_count: 1060 }),
    ];
    const r = scoreMinerGrowth(history, params);
    expect(r).toMatchObject({ account: 'u', followersThen: 1000, hours: 13 });
    // The channel is the latest sample and has no 12 h of its own: the Instagram account's older
    // follower count is not its history.
    const channelLatest = [
      snap({ interval: hoursKey(0), platform: 'instagram/reel', owner_username: 'u', owner_follower_count: 1000 }),
      snap({ interval: hoursKey(12), platform: 'youtube/video', content_id: 'yt', owner_username: 'u', owner_follower_count: 1200 }),
    ];
    expect(scoreMinerGrowth(channelLatest, params)).toMatchObject({ score: 0, reason: 'insufficient_history', followersNow: 1200 });
  });
});
