import { describe, expect, it } from 'vitest';
import { scoreMiner } from '../../src/scoring/policies.js';
import { selectWeights } from '../../src/scoring/select-weights.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringOptions } from '../../src/scoring/types.js';
import { hoursKey, snap } from './fixtures.js';
import { ENGAGEMENT } from './engagement-pipeline.js';

const options = ENGAGEMENT;

/**
 * A miner whose one content goes from 0 to `gain` views (content score 0.95·gain) with
 * `engagement` likes on 1000 followers (engagement rate = engagement / 10 percent).
 */
function miner(uid: number, gain: number, engagement: number, extra: Partial<MinerScoringInput> = {}): MinerScoringInput {
  const hotkey = `hk${uid}`;
  return {
    uid,
    hotkey,
    stake: 1000n,
    validator_permit: false,
    history: [
      snap({ hotkey, interval: hoursKey(0), view_count: 0 }),
      snap({ hotkey, interval: hoursKey(2), view_count: gain, like_count: engagement, owner_follower_count: 1000 }),
    ],
    ...extra,
  };
}

const score = (miners: MinerScoringInput[], o: ScoringOptions = options): MinerPolicyResult[] => miners.map((m) => scoreMiner(m, o));

describe('selectWeights: engagement@1', () => {
  it('keeps the top 5 by engagement rate, weighted by max(0, content score)', () => {
    const miners = [
      miner(0, 1_000_000, 900, { validator_permit: true }), // validator: excluded from ranking
      miner(1, 1_000_000, 800, { stake: 0n }), // zero stake: never active
      miner(2, 100, 10),
      miner(3, 200, 70),
      miner(4, 300, 60),
      miner(5, -400, 50), // negative content score → weight 0 even in the top
      miner(6, 500, 40),
      miner(7, 600, 30),
      miner(8, 700, 20), // rate 2 %: sixth, cut
    ];
    const sel = selectWeights(score(miners), { policy: 'engagement', topMiners: 5 });
    expect(sel.policy).toBe('engagement@1');
    expect(sel.skip).toBeNull();
    expect(sel.ranking.map((r) => r.uid)).toEqual([3, 4, 5, 6, 7, 8, 2]);
    expect(sel.top).toEqual([3, 4, 5, 6, 7]);
    expect(sel.fallback).toEqual([3, 4, 5, 6, 7]);
    const byUid = Object.fromEntries(sel.scores.map((s) => [s.uid, s.score]));
    expect(byUid[0]).toBe(0);
    expect(byUid[1]).toBe(0);
    expect(byUid[2]).toBe(0);
    expect(byUid[3]).toBeCloseTo(190, 10);
    expect(byUid[4]).toBeCloseTo(285, 10);
    expect(byUid[5]).toBe(0);
    expect(byUid[8]).toBe(0);
    expect(sel.scores.map((s) => s.uid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('breaks rate ties by uid (metagraph order) whatever the input order', () => {
    const miners = [miner(9, 10, 50), miner(4, 10, 50), miner(7, 10, 50)];
    const sel = selectWeights(score(miners), { policy: 'engagement', topMiners: 2 });
    expect(sel.top).toEqual([4, 7]);
  });

  it('QUIRK: takes the top N regardless of value, rate 0 included, and offers them as the fallback', () => {
    const miners = [miner(1, 0, 0), miner(2, 0, 0), miner(3, 0, 0)];
    const sel = selectWeights(score(miners), { policy: 'engagement', topMiners: 5 });
    expect(sel.top).toEqual([1, 2, 3]);
    expect(sel.scores.every((s) => s.score === 0)).toBe(true);
    expect(sel.fallback).toEqual([1, 2, 3]);
  });

  it('no active miner: the original skips setting weights', () => {
    const sel = selectWeights(score([miner(0, 100, 10, { validator_permit: true })]), { policy: 'engagement', topMiners: 5 });
    expect(sel.skip).toBe('no_active_miners');
    expect(sel.top).toEqual([]);
  });

  it('rejects results of another policy and a bad topMiners', () => {
    const results = score([miner(1, 10, 1)]);
    expect(() => selectWeights(results, { policy: 'growth', topMiners: 5 })).toThrow(/from policy engagement, expected growth/);
    expect(() => selectWeights(results, { policy: 'engagement', topMiners: 0 })).toThrow(RangeError);
  });
});

describe('selectWeights: growth@1', () => {
  const growth: ScoringOptions = { ...options, policy: 'growth' };
  function grower(uid: number, from: number, to: number): MinerScoringInput {
    const hotkey = `hk${uid}`;
    return {
      uid,
      hotkey,
      stake: 1,
      validator_permit: false,
      history: [
        snap({ hotkey, interval: hoursKey(0), owner_follower_count: from }),
        snap({ hotkey, interval: hoursKey(12), owner_follower_count: to, like_count: 10 }),
      ],
    };
  }

  it('ranks by final score and keeps only positive scores in the top', () => {
    const miners = [grower(1, 1000, 1000), grower(2, 1000, 1050), grower(3, 1000, 1100), grower(4, 100, 200)];
    const sel = selectWeights(score(miners, growth), { policy: 'growth', topMiners: 5 });
    expect(sel.policy).toBe('growth@1');
    expect(sel.top).toEqual([3, 2]);
    expect(sel.fallback).toEqual([3, 2]);
    const s3 = sel.scores.find((s) => s.uid === 3)!.score;
    expect(s3).toBeGreaterThan(sel.scores.find((s) => s.uid === 2)!.score);
    expect(sel.scores.find((s) => s.uid === 1)!.score).toBe(0);
    expect(sel.scores.find((s) => s.uid === 4)!.score).toBe(0); // below 500 followers
  });
});
