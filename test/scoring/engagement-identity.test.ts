import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Neuron } from '../../src/chain/types.js';
import { intervalKey, intervalStart } from '../../src/formats/interval.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import { contentKey, resolveOwners, type OwnershipClaim } from '../../src/scoring/resolve-owners.js';
import type { MinerScoringInput } from '../../src/scoring/types.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';
import { scoreNeurons } from '../../src/supervisor/score-cycle.js';
import { buildWeightVector } from '../../src/weights/process-weights.js';
import { ENGAGEMENT, engagementWeights, OPEN_HYPER, type TestNeuron } from './engagement-pipeline.js';
import { snap } from './fixtures.js';

/**
 * engagement@1 where identity and time matter: interval keys across day, month, year and leap-day
 * boundaries; a video claimed by two hotkeys; hotkeys that moved uid, were replaced, or left the
 * subnet with their history still stored; a full 256-uid metagraph. Expected pairs follow the
 * original's arithmetic (numpy float32 shares, round half to even), worked out case by case.
 */

const series = (hotkey: string, points: ReadonlyArray<[string, number, Partial<MetricSnapshot>?]>, content_id = 'c1'): MetricSnapshot[] =>
  points.map(([interval, view_count, extra]) =>
    snap({ hotkey, content_id, interval, view_count, like_count: 10, owner_follower_count: 1000, ...extra }),
  );

describe('engagement@1 identity and time: interval keys', () => {
  it('a cycle starting exactly on a 2 h boundary gets that key; a millisecond earlier is the previous cycle', () => {
    const key = (iso: string) => intervalKey(intervalStart(new Date(iso), 7200));
    expect(key('2026-01-01T00:00:00.000Z')).toBe('2026-01-01-00-00');
    expect(key('2025-12-31T23:59:59.999Z')).toBe('2025-12-31-22-00');
    expect(key('2028-02-29T01:59:59.999Z')).toBe('2028-02-29-00-00');
    expect(key('2028-03-01T00:00:00.000Z')).toBe('2028-03-01-00-00');
    expect(key('2026-01-31T23:00:00.000Z')).toBe('2026-01-31-22-00');
  });

  it('snapshots are walked in key order across year and leap-day rollovers, whatever the stored order', () => {
    const r = engagementWeights(
      [
        { uid: 0, hotkey: 'hk0' },
        { uid: 1, hotkey: 'hk1' },
      ],
      {
        // 100 → 300 → 350: 190, then 0.95·50 + 0.05·190 = 57.00000000000001
        hk0: series('hk0', [['2026-01-01-02-00', 350], ['2025-12-31-22-00', 100], ['2026-01-01-00-00', 300]]),
        // 0, then an invalid leap-day snapshot (reset), baseline 20 on 1 March, 20 → 60: 38
        hk1: series('hk1', [
          ['2028-03-01-02-00', 60],
          ['2028-02-29-00-00', 10, { caption_ok: false }],
          ['2028-02-28-22-00', 0],
          ['2028-03-01-00-00', 20],
        ]),
      },
    );
    expect(r.selection.scores.map((s) => s.score)).toEqual([57.00000000000001, 38]);
    expect(r.uids).toEqual([0, 1]);
    expect(r.values).toEqual([65_535, 43_690]);
  });
});

describe('engagement@1 identity and time: one owner per video (SPEC §4.3)', () => {
  const claim = (uid: number, hotkey: string, block: number): OwnershipClaim => ({
    uid,
    hotkey,
    platform: 'instagram/reel',
    content_id: 'SHARED',
    caption_ok: true,
    signature: 'unsigned',
    commitment_block: block,
  });

  function world(ownerOk: (hotkey: string) => boolean) {
    const shared = (hotkey: string) => series(hotkey, [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 1000]], 'SHARED').map((s) => ({ ...s, platform: 'instagram/reel' as const, owner_ok: ownerOk(hotkey) }));
    return engagementWeights(
      [
        { uid: 0, hotkey: 'hk-idle' },
        { uid: 1, hotkey: 'hk-late' },
        { uid: 2, hotkey: 'hk-early' },
      ],
      {
        'hk-late': [...shared('hk-late'), ...series('hk-late', [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 100]], 'OWN')],
        'hk-early': shared('hk-early'),
      },
    );
  }

  it('the earlier commitment keeps a video both captions claim, even from the higher uid; the other earns only its own content', () => {
    const owners = resolveOwners([claim(1, 'hk-late', 200), claim(2, 'hk-early', 100)]);
    expect(owners.winners.get(contentKey('instagram/reel', 'SHARED'))).toBe('hk-early');
    const r = world((hotkey) => !owners.loses(hotkey, 'instagram/reel', 'SHARED'));
    // hk-late: 95 (OWN), rate 10/1/1000·100 = 1; hk-early: 950, rate 1.
    expect(r.uids).toEqual([1, 2]);
    expect(r.values).toEqual([6_554, 65_535]);
  });

  it('with no contest resolved (every claim kept) the vector is the original’s, which pays both claimants', () => {
    const r = world(() => true);
    // hk-late: 950 + 95 = 1045; hk-early: 950.
    expect(r.uids).toEqual([1, 2]);
    expect(r.values).toEqual([65_535, 59_577]);
  });
});

describe('engagement@1 identity and time: the metagraph decides who is scored', () => {
  it('a hotkey that moved uid keeps its history, its old uid’s new hotkey starts empty, a departed hotkey is never read', async () => {
    const stored: Record<string, MetricSnapshot[]> = {
      'hk-stay': series('hk-stay', [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 100]]),
      'hk-moved': series('hk-moved', [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 500]]),
      'hk-gone': series('hk-gone', [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 1_000_000]], 'big'),
    };
    const read: string[] = [];
    const limit = { concurrency: 2, maxQueue: 64 };
    const neuron = (uid: number, hotkey: string, stake = 1n): Neuron => ({
      uid, hotkey, coldkey: hotkey, stake, active: true, validatorPermit: false, lastUpdate: 0, blockAtRegistration: 0,
    });
    // uid 3 held hk-moved before; hk-moved re-registered at uid 7; hk-gone left.
    const neurons = [
      neuron(0, 'hk-stay'),
      ...[1, 2, 4, 5, 6].map((uid) => neuron(uid, `hk-idle-${uid}`, 0n)),
      neuron(3, 'hk-new'),
      neuron(7, 'hk-moved'),
    ];
    const selection = await scoreNeurons(
      {
        scorer: { score: async (miners: readonly MinerScoringInput[]) => miners.map((m) => scoreMiner(m, ENGAGEMENT)) },
        history: { history: async (hotkey: string) => (read.push(hotkey), stored[hotkey] ?? []) },
        limiter: new DependencyLimiter({ limits: { gist: limit, platform_tracker: limit, ai_detector: limit, store: limit } }),
        policy: 'engagement',
        topMiners: 5,
        metrics: new ValidatorMetrics(),
      },
      neurons,
      '2026-01-01-02-00',
      pino({ level: 'silent' }),
    );
    expect(read).not.toContain('hk-gone');
    expect(selection.top).toEqual([0, 7, 3]);
    expect(selection.scores.find((s) => s.uid === 3)!.score).toBe(0);
    const vector = buildWeightVector({
      scores: selection.scores,
      neurons: neurons.map((n) => n.uid),
      hyper: OPEN_HYPER,
      versionKey: 0n,
      topFallback: selection.fallback,
    });
    // 95 and 475: 95/475·65535 = 13107.
    expect([...vector.uids]).toEqual([0, 7]);
    expect([...vector.values]).toEqual([13_107, 65_535]);
  });

  it('a full 256-uid subnet: float32 shares move one value off the float64 result, and only five uids are sent', () => {
    const winners = new Map([[3, 4488], [64, 515], [128, 4624], [200, 489], [255, 1688]]);
    const neurons: TestNeuron[] = Array.from({ length: 256 }, (_, uid) => ({
      uid,
      hotkey: `hk${uid}`,
      // uid 0 is a validator (our own hotkey); uids ending in 7 have no stake; the rest are active.
      permit: uid === 0,
      stake: uid % 10 === 7 ? 0n : 1_000n,
    }));
    const histories: Record<string, MetricSnapshot[]> = {};
    for (const [uid, gain] of winners) histories[`hk${uid}`] = series(`hk${uid}`, [['2026-01-01-00-00', 0], ['2026-01-01-02-00', gain]]);
    // The validator, with the best rate and score of all, is not ranked.
    histories.hk0 = series('hk0', [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 1e6, { like_count: 900 }]]);
    // An active miner with a positive score but rate 0 (no followers) stays out: five rates beat it.
    histories.hk1 = series('hk1', [['2026-01-01-00-00', 0], ['2026-01-01-02-00', 9000, { owner_follower_count: 0 }]]);
    const r = engagementWeights(neurons, histories);
    expect(r.selection.top).toEqual([3, 64, 128, 200, 255]);
    expect(r.uids).toEqual([3, 64, 128, 200, 255]);
    // float64 shares would give 63607 for uid 3.
    expect(r.values).toEqual([63_608, 7_299, 65_535, 6_930, 23_924]);
  });
});
