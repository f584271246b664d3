import { describe, expect, it } from 'vitest';
import { AiScoreCache } from '../../src/actors/stages/ai-score-cache.js';
import { flatString, retainedBytes } from '../helpers/retained-heap.js';

describe('AiScoreCache', () => {
  it('keeps at most max entries, evicting the least recently used', () => {
    const cache = new AiScoreCache(2);
    cache.set('a', 0.1);
    cache.set('b', 0.2);
    expect(cache.get('a')).toBe(0.1); // a is now the most recent
    cache.set('c', 0.3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(0.1);
    expect(cache.get('c')).toBe(0.3);
  });

  it('forgets a score older than its lifetime, so the video is checked again', () => {
    const cache = new AiScoreCache(4, 1_000);
    cache.set('a', 0.8, 5_000);
    expect(cache.get('a', 6_000)).toBe(0.8);
    expect(cache.get('a', 6_001)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('a', 0.7, 6_001);
    expect(cache.get('a', 7_001)).toBe(0.7);
  });

  it('refuses a size that is not a positive integer, and a lifetime that is not positive', () => {
    expect(() => new AiScoreCache(0)).toThrow(RangeError);
    expect(() => new AiScoreCache(1.5)).toThrow(/integer >= 1/);
    expect(() => new AiScoreCache(1, 0)).toThrow(/ttlMs/);
  });

  it('holds a fixed amount per video whatever the length of its URL: a miner’s 64 URLs of 1 MiB are not kept', async () => {
    const cache = new AiScoreCache(256);
    const retained = await retainedBytes(() => {
      for (let i = 0; i < 64; i++) cache.set(flatString(1 << 20, i), 0.5);
    });
    expect(cache.size).toBe(64);
    expect(retained).toBeLessThan(8 << 20);
  });
});
