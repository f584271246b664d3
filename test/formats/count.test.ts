import { describe, expect, it } from 'vitest';
import { countToJson, exactCount } from '../../src/formats/count.js';
import { fromWire, toWire } from '../../src/services/platform-tracker/wire-format.js';
import type { ContentMetrics } from '../../src/services/types.js';

describe('exact counts', () => {
  it('keeps safe counts as numbers and larger ones as bigint, digit for digit', () => {
    expect(exactCount('12345')).toBe(12_345);
    expect(exactCount('9007199254740993')).toBe(9_007_199_254_740_993n);
    expect(exactCount(2n ** 53n + 3n)).toBe(2n ** 53n + 3n);
    expect(exactCount(7n)).toBe(7);
    expect(() => exactCount('12e3')).toThrow(/decimal integer string/);
    expect(countToJson(9_007_199_254_740_993n)).toBe('9007199254740993');
    expect(countToJson(5)).toBe(5);
  });

  it('cross the tracker wire exactly (as a decimal string past 2^53), and read plain numbers too', () => {
    const metrics: ContentMetrics = {
      platform: 'instagram/reel',
      content_id: 'Cbig',
      caption: 'c',
      view_count: 2n ** 53n + 1n,
      like_count: 1,
      comment_count: 2,
      owner_username: 'o',
      owner_follower_count: 3,
      published_at: '2026-01-01T00:00:00.000Z',
      video_url: null,
      fetched_at: '2026-01-01T00:00:00.000Z',
    };
    const wire = JSON.parse(JSON.stringify(toWire(metrics))) as Record<string, unknown>;
    expect(wire.video_play_count).toBe('9007199254740993');
    expect(fromWire(wire, metrics).view_count).toBe(2n ** 53n + 1n);
    expect(fromWire({ ...wire, view_count: 10, video_play_count: undefined }, metrics).view_count).toBe(10);
  });
});
