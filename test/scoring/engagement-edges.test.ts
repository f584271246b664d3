import { describe, expect, it } from 'vitest';
import { captionMatches } from '../../src/formats/caption.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { engagementWeights, type TestNeuron } from './engagement-pipeline.js';
import { hoursKey, snap } from './fixtures.js';

/**
 * Edge cases of engagement@1 from stored history to the (uid, u16) pairs, each worked out from
 * the original's Performance.get_score, engagement_rate and calculate_and_set_weights
 * (original-system.md §4.2–4.3): numpy float32 shares, then bittensor's max-upscale with
 * round-half-even, zeros dropped.
 */

/** One content whose views go through `views`, one snapshot per 2 h interval. */
function content(hotkey: string, views: ReadonlyArray<number>, extra: Partial<MetricSnapshot> = {}, perStep: ReadonlyArray<Partial<MetricSnapshot>> = []): MetricSnapshot[] {
  return views.map((v, i) =>
    snap({ hotkey, content_id: 'c1', interval: hoursKey(2 * i), view_count: v, like_count: 10, owner_follower_count: 1000, ...extra, ...perStep[i] }),
  );
}

const miners = (count: number): TestNeuron[] => Array.from({ length: count }, (_, uid) => ({ uid, hotkey: `hk${uid}` }));

describe('engagement@1 edges: little or no history', () => {
  it('no snapshots, one snapshot, and two snapshots in the current interval all score 0: the five ranked miners get 65535 each', () => {
    const t = hoursKey(4);
    const r = engagementWeights(
      [
        { uid: 0, hotkey: 'hk-none' },
        { uid: 1, hotkey: 'hk-one' },
        { uid: 2, hotkey: 'hk-now' },
        { uid: 3, hotkey: 'hk-validator', permit: true },
      ],
      {
        'hk-one': [snap({ hotkey: 'hk-one', interval: hoursKey(0), view_count: 500, like_count: 10, owner_follower_count: 1000 })],
        // Listed as post and as reel: one document, one interval, the later write; a baseline only.
        'hk-now': [
          snap({ hotkey: 'hk-now', content_id: 'C1', platform: 'instagram/post', interval: t, view_count: 100, fetched_at: new Date(Date.UTC(2026, 0, 1, 4, 0, 1)) }),
          snap({ hotkey: 'hk-now', content_id: 'C1', platform: 'instagram/reel', interval: t, view_count: 900, like_count: 0, fetched_at: new Date(Date.UTC(2026, 0, 1, 4, 0, 5)) }),
        ],
        'hk-validator': content('hk-validator', [0, 1_000_000]),
      },
    );
    // Rates: hk-one 10/1000·100 = 1; hk-none and hk-now 0 (tie, uid order). The validator never ranks.
    expect(r.selection.ranking.map((m) => [m.uid, m.rankValue])).toEqual([[1, 1], [0, 0], [2, 0]]);
    expect(r.fallback).toBe(true);
    expect(r.uids).toEqual([0, 1, 2]);
    expect(r.values).toEqual([65_535, 65_535, 65_535]);
  });
});

describe('engagement@1 edges: view counts that fall, stay flat or jump', () => {
  it('100→50 and 100→100 get nothing; 100→50→80 keeps the carried-over negative part', () => {
    const r = engagementWeights(miners(5), {
      hk0: content('hk0', [100, 50]), // −47.5 → max(0, ·) = 0
      hk1: content('hk1', [100, 100]), // 0
      hk2: content('hk2', [1000, 1_000_000]), // 0.95·999000 = 949050
      hk3: content('hk3', [100, 50, 80]), // 0.95·30 + 0.05·(−47.5) = 26.125
      hk4: content('hk4', [0, 10]), // 9.5
    });
    // 26.125/949050·65535 = 1.80 → 2; 9.5/949050·65535 = 0.66 → 1.
    expect(r.uids).toEqual([2, 3, 4]);
    expect(r.values).toEqual([65_535, 2, 1]);
    expect(r.selection.scores.map((s) => s.score)).toEqual([0, 0, 949_050, 26.124999999999996, 9.5]);
  });

  it('a negative content score offsets the miner’s other content before the clamp', () => {
    const r = engagementWeights(miners(2), {
      // 0.95·400 + 0.95·(−300) = 95
      hk0: [...content('hk0', [0, 400]), ...content('hk0', [600, 300], { content_id: 'c2' })],
      hk1: content('hk1', [0, 200]), // 190
    });
    expect(r.uids).toEqual([0, 1]);
    expect(r.values).toEqual([32_768, 65_535]); // 95/190·65535 = 32767.5 → 32768 (half to even)
  });
});

describe('engagement@1 edges: ranking ties and the top five', () => {
  it('equal rates keep uid order, not hotkey order or input order; the sixth is cut whatever its score', () => {
    const neurons: TestNeuron[] = [3, 5, 0, 4, 1, 2].map((uid) => ({ uid, hotkey: `hk-${'zyxwvu'[uid]}` }));
    const histories = Object.fromEntries(neurons.map((n) => [n.hotkey, content(n.hotkey, [0, 100 * (n.uid + 1)])]));
    const r = engagementWeights(neurons, histories);
    expect(r.selection.top).toEqual([0, 1, 2, 3, 4]);
    // 95, 190, 285, 380, 475 over 475.
    expect(r.uids).toEqual([0, 1, 2, 3, 4]);
    expect(r.values).toEqual([13_107, 26_214, 39_321, 52_428, 65_535]);
  });

  it('rate-0 miners fill the top five in uid order and are paid their content score', () => {
    const zero = { owner_follower_count: 0 };
    const r = engagementWeights(miners(7), {
      hk0: content('hk0', [0, 100], zero),
      hk1: content('hk1', [0, 200], { like_count: 30 }), // rate 3
      hk2: content('hk2', [0, 300], zero),
      hk3: content('hk3', [0, 400], zero),
      hk4: content('hk4', [0, 500], zero),
      hk5: content('hk5', [0, 600]), // rate 1
      hk6: content('hk6', [0, 700], zero),
    });
    expect(r.selection.top).toEqual([1, 5, 0, 2, 3]);
    expect(r.uids).toEqual([0, 1, 2, 3, 5]);
    expect(r.values).toEqual([10_922, 21_845, 32_768, 43_690, 65_535]);
  });

  it('the five best rates with no gain get 65535 each, even though a lower-ranked miner gained', () => {
    const neurons = miners(6);
    const r = engagementWeights(neurons, {
      hk0: content('hk0', [100, 100], { like_count: 60 }),
      hk1: content('hk1', [100, 90], { like_count: 50 }),
      hk2: content('hk2', [100, 100], { like_count: 40 }),
      hk3: content('hk3', [500], { like_count: 30 }),
      hk4: content('hk4', [100, 0], { like_count: 20 }),
      hk5: content('hk5', [0, 1000], { like_count: 1 }),
    });
    expect(r.selection.top).toEqual([0, 1, 2, 3, 4]);
    expect(r.fallback).toBe(true);
    expect(r.uids).toEqual([0, 1, 2, 3, 4]);
    expect(r.values).toEqual([65_535, 65_535, 65_535, 65_535, 65_535]);
  });
});

describe('engagement@1 edges: validity of a snapshot', () => {
  it('ai_score exactly 0.3 is invalid and resets the chain; the next float above it is valid', () => {
    const ai = (scores: number[]) => scores.map((ai_score) => ({ ai_score }));
    const r = engagementWeights(miners(3), {
      hk0: content('hk0', [100, 200, 300, 450], {}, ai([0.9, 0.3, 0.9, 0.9])), // baseline 300 → 142.5
      hk1: content('hk1', [100, 200, 300, 450], {}, ai([0.9, 0.30000000000000004, 0.9, 0.9])), // 147.4875
      hk2: content('hk2', [100, 200, 300, 450], {}, ai([0.9, 0.9, 0.9, 0.3])), // latest invalid: 0, no valid post
    });
    expect(r.selection.ranking.map((m) => [m.uid, m.rankValue])).toEqual([[0, 1], [1, 1], [2, 0]]);
    expect(r.uids).toEqual([0, 1]);
    expect(r.values).toEqual([63_319, 65_535]);
  });

  it('a caption mismatch or a failed line signature resets; a good or absent signature does not', () => {
    const at1 = (flags: Partial<MetricSnapshot>) => [{}, flags];
    const r = engagementWeights(miners(4), {
      hk0: content('hk0', [100, 200, 300, 400], {}, at1({ caption_ok: false })), // 95
      hk1: content('hk1', [100, 200, 300, 400], {}, at1({ signature_ok: false })), // 95
      hk2: content('hk2', [100, 200, 300, 400], { signature_ok: true }), // 99.9875
      hk3: content('hk3', [100, 200, 300, 400], { signature_ok: null }), // 99.9875
    });
    expect(r.uids).toEqual([0, 1, 2, 3]);
    expect(r.values).toEqual([62_266, 62_266, 65_535, 65_535]);
  });

  it('the caption check lower-cases both sides as Python does: a Kelvin sign stands for k', () => {
    const hotkey = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNo5Hk9K';
    expect(captionMatches('MADE WITH @INFINITEVIBE.AI ON #BITTENSOR --- 5h\u212a9\u212a', hotkey)).toBe(true);
    expect(captionMatches('Made with @infinitevibe.ai on #bittensor ---  5Hk9K', hotkey)).toBe(false);
    expect(captionMatches('Made with @infinitevibe.ai on #bittensor --- 5Hk9', hotkey)).toBe(false);
  });
});

describe('engagement@1 edges: count types', () => {
  it('decimal strings and bigints past 2^53 subtract exactly; integral floats count as integers', () => {
    const big = (s: string | bigint) => s as unknown as number;
    const r = engagementWeights(miners(3), {
      // 9007199254740999 − 9007199254740993 = 6 exactly (as doubles both ends would be …992/…000: 8)
      hk0: content('hk0', [big('9007199254740993'), big(9_007_199_254_740_999n)]),
      hk1: content('hk1', [0, 57]),
      hk2: content('hk2', [1e3, 1.5e3]),
    });
    expect(r.selection.scores.map((s) => s.score)).toEqual([0.95 * 6, 0.95 * 57, 0.95 * 500]);
    expect(r.uids).toEqual([0, 1, 2]);
    expect(r.values).toEqual([786, 7_471, 65_535]);
  });
});
