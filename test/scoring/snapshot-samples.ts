/** Sample snapshots and an exact comparison, for the tests of the compact history and its cache. */
import { expect } from 'vitest';
import { seededRandom } from '../../src/devnet/seeded-random.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { hoursKey, snap } from './fixtures.js';

export const HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

/** Same values of the same types, -0 and NaN included, in the same key order. */
export function expectSameSnapshot(actual: MetricSnapshot, expected: MetricSnapshot): void {
  expect(describeSnapshot(actual)).toBe(describeSnapshot(expected));
}

/**
 * A snapshot as text that tells apart what equality checks often merge: 1 and 1n, 0 and -0, a
 * Date and its ISO string, null and undefined. Fields by name, so key order does not matter.
 */
export function describeSnapshot(s: MetricSnapshot): string {
  const value = (v: unknown): string => {
    if (typeof v === 'number') return Object.is(v, -0) ? 'number:-0' : `number:${v}`;
    if (typeof v === 'bigint') return `bigint:${v}`;
    if (v instanceof Date) return `Date:${Object.getPrototypeOf(v) === Date.prototype ? v.getTime() : 'subclass'}`;
    return `${v === null ? 'null' : typeof v}:${JSON.stringify(v) ?? ''}`;
  };
  return Object.keys(s)
    .sort()
    .map((k) => `${k}=${value((s as unknown as Record<string, unknown>)[k])}`)
    .join(' ');
}

/** Snapshots with every kind of value the columns hold: bigint and odd numbers, nulls, every enum, owner_id or none. */
export function randomSnapshots(seed: number, count: number, hotkey = HOTKEY): MetricSnapshot[] {
  const rnd = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rnd() * values.length)]!;
  const count_ = (): number | bigint => pick([0, -0, 7, 2 ** 53 + 2, 1.5, Number.NaN, 123_456_789_012n, 2n ** 70n]);
  return Array.from({ length: count }, () =>
    snap({
      hotkey,
      platform: pick(['youtube/video', 'instagram/reel', 'instagram/post'] as const),
      content_id: pick(['a', 'b', 'vid|1', 'ü-ñ', '\u{1F600}', '']),
      interval: hoursKey(Math.floor(rnd() * 48)),
      caption: pick(['', 'c', 'Made with @infinitevibe.ai #bittensor', 'x'.repeat(500)]),
      view_count: count_(),
      like_count: count_() as number,
      comment_count: count_() as number,
      owner_username: pick(['creator', 'other', '']),
      owner_follower_count: count_() as number,
      published_at: pick(['2026-01-01T00:00:00.000Z', '']),
      ai_score: pick([null, 0, 0.3, 0.9, -0, 1]),
      ai_source: pick(['platform', 'miner', null] as const),
      caption_ok: rnd() < 0.5,
      signature_ok: pick([null, true, false]),
      owner_ok: rnd() < 0.5,
      fetched_at: new Date(pick([0, 1_767_225_600_000, 1_767_225_600_123, Number.NaN])),
      // Snapshots written before owner_id existed have none.
      ...(rnd() < 0.5 ? { owner_id: pick(['17841400000000001', '42', 'creator']) } : {}),
    }),
  );
}
