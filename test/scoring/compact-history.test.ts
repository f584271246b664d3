import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/devnet/seeded-random.js';
import { CompactRows, isCompactHistory, snapshotsOf, type CompactHistoryData } from '../../src/scoring/compact-history.js';
import { DEFAULT_GROWTH_PARAMS } from '../../src/scoring/growth-policy.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import type { MinerScoringInput, ScoringOptions } from '../../src/scoring/types.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { hoursKey, snap } from './fixtures.js';
import { HOTKEY, expectSameSnapshot, randomSnapshots } from './snapshot-samples.js';

function compact(snapshots: readonly MetricSnapshot[], hotkey = HOTKEY): CompactHistoryData {
  const rows = new CompactRows(hotkey, 1);
  const order = new Uint32Array(snapshots.map((s) => rows.add(s)));
  return rows.data(order);
}

describe('CompactRows', () => {
  it('gives back every value with its type, through a structured clone too', () => {
    const input = randomSnapshots(1, 500);
    const data = compact(input);
    // Every one in the columns, those with an owner_id too (half of them).
    expect(input.filter((s) => s.owner_id !== undefined).length).toBeGreaterThan(100);
    expect(data.verbatim.size).toBe(0);
    const cloned = structuredClone(data);
    for (const out of [snapshotsOf(data), snapshotsOf(cloned)]) {
      expect(out).toHaveLength(input.length);
      out.forEach((s, i) => expectSameSnapshot(s, input[i]!));
    }
    expect(isCompactHistory(cloned)).toBe(true);
    expect(isCompactHistory(input)).toBe(false);
    expect(isCompactHistory(null)).toBe(false);
  });

  it('keeps as given whatever the columns cannot hold exactly', () => {
    const base = snap({ hotkey: HOTKEY, interval: hoursKey(1) });
    const { owner_ok: _dropped, ...missing } = base;
    const odd: MetricSnapshot[] = [
      { ...base, extra: 1 } as MetricSnapshot,
      missing as MetricSnapshot,
      { ...base, view_count: '12' as unknown as number },
      { ...base, like_count: null as unknown as number },
      { ...base, platform: 7 as unknown as MetricSnapshot['platform'] },
      { ...base, ai_score: '0.9' as unknown as number },
      { ...base, ai_source: 'elsewhere' as unknown as 'miner' },
      { ...base, caption_ok: 1 as unknown as boolean },
      { ...base, owner_ok: null as unknown as boolean },
      { ...base, signature_ok: 'yes' as unknown as boolean },
      { ...base, fetched_at: '2026-01-01T00:00:00.000Z' as unknown as Date },
      { ...base, fetched_at: Object.assign(Object.create({ __proto__: Date.prototype }), {}) as Date },
      { ...base, hotkey: 'someone-else' },
      { ...base, owner_id: 17841400 as unknown as string },
      { ...base, owner_id: undefined },
    ];
    const data = compact([base, ...odd, base]);
    const out = snapshotsOf(data);
    expectSameSnapshot(out[0]!, base);
    odd.forEach((s, i) => expect(out[i + 1]).toBe(s));
    expectSameSnapshot(out[odd.length + 1]!, base);
    expect(data.verbatim.size).toBe(odd.length);
  });

  it('materialises in the order given and grows past its first capacity', () => {
    const input = randomSnapshots(2, 40);
    const rows = new CompactRows(HOTKEY);
    for (const s of input) rows.add(s);
    expect(rows.rows).toBe(40);
    const order = new Uint32Array(Array.from({ length: 40 }, (_, i) => 39 - i));
    snapshotsOf(rows.data(order)).forEach((s, i) => expectSameSnapshot(s, input[39 - i]!));
    expect([rows.platform(3), rows.contentId(3), rows.interval(3)]).toEqual([input[3]!.platform, input[3]!.content_id, input[3]!.interval]);
  });

  it('hands out copies: rows added later do not reach data already handed out', () => {
    const rows = new CompactRows(HOTKEY);
    const first = randomSnapshots(3, 5);
    first.forEach((s) => rows.add(s));
    const data = rows.data(new Uint32Array([0, 1, 2, 3, 4]));
    randomSnapshots(4, 50).forEach((s) => rows.add(s));
    expect(data.refs.length).toBe(5 * 8);
    snapshotsOf(data).forEach((s, i) => expectSameSnapshot(s, first[i]!));
  });
});

describe('scoring a compact history', () => {
  const options = (policy: 'engagement' | 'growth'): ScoringOptions => ({
    policy,
    alpha: 0.95,
    topMiners: 5,
    aiThreshold: 0.3,
    allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'],
    growth: { ...DEFAULT_GROWTH_PARAMS, minFollowers: 0, minHistoryHours: 1 },
  });

  it('gives bit-identical results to the same snapshots as objects, under both policies', () => {
    const rnd = seededRandom(5);
    const history: MetricSnapshot[] = [];
    for (let h = 0; h < 30; h++) {
      for (const content of ['a', 'b', 'c']) {
        history.push(
          snap({
            hotkey: HOTKEY,
            content_id: content,
            interval: hoursKey(h),
            view_count: Math.floor(1000 * h * rnd()) + (content === 'c' ? 2 ** 60 : 0),
            like_count: Math.floor(50 * rnd()),
            comment_count: Math.floor(9 * rnd()),
            owner_follower_count: 1000 + h * Math.floor(20 * rnd()),
            ai_score: rnd() < 0.1 ? null : rnd(),
            caption_ok: rnd() < 0.9,
            fetched_at: new Date(Date.UTC(2026, 0, 1) + h * 3_600_000 + Math.floor(rnd() * 1000)),
          }),
        );
      }
    }
    history[7] = { ...history[7]!, view_count: 2n ** 64n };
    for (const policy of ['engagement', 'growth'] as const) {
      const miner: MinerScoringInput = { uid: 3, hotkey: HOTKEY, stake: 1n, validator_permit: false, history };
      const fromObjects = scoreMiner(miner, options(policy));
      const fromColumns = scoreMiner(structuredClone({ ...miner, history: compact(history) }), options(policy));
      expect(fromColumns).toStrictEqual(fromObjects);
      expect(JSON.stringify(fromColumns, (_k, v: unknown) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : typeof v === 'bigint' ? `${v}n` : v))).toBe(
        JSON.stringify(fromObjects, (_k, v: unknown) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : typeof v === 'bigint' ? `${v}n` : v)),
      );
    }
  });
});
