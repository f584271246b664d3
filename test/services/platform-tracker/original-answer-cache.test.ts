import { describe, expect, it } from 'vitest';
import { AnswerCache, ORIGINAL_ANSWER_TTL_MS } from '../../../src/services/platform-tracker/original-answer-cache.js';

describe("the original tracker's one-hour answer cache", () => {
  it('answers within the hour, not at it, and forgets expired answers', () => {
    let now = 1_000_000;
    const cache = new AnswerCache<string>({ ttlMs: ORIGINAL_ANSWER_TTL_MS, now: () => now });
    cache.set('instagram/reel:abc', 'first');
    now += ORIGINAL_ANSWER_TTL_MS - 1;
    expect(cache.get('instagram/reel:abc')).toBe('first');
    // A reel and a post of one shortcode are two keys, as in the original's.
    expect(cache.get('instagram/post:abc')).toBeUndefined();
    now += 1;
    expect(cache.get('instagram/reel:abc')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('sweeps answers nobody asks for again once a TTL has passed', () => {
    let now = 0;
    const cache = new AnswerCache<number>({ ttlMs: 100, now: () => now });
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, i);
    now = 150;
    cache.set('fresh', 1);
    expect(cache.size).toBe(1);
  });

  it("a previous run's answers are in once ready: each kept until an hour after its fetch, the latest per key", async () => {
    let now = 10_000_000;
    let reads = 0;
    const cache = new AnswerCache<string>({
      ttlMs: ORIGINAL_ANSWER_TTL_MS,
      now: () => now,
      kept: async () => {
        reads++;
        return [
          { key: 'youtube/video:a', value: 'older', at: now - 2_000 },
          { key: 'youtube/video:a', value: 'latest', at: now - 1_000 },
          { key: 'youtube/video:b', value: 'gone', at: now - ORIGINAL_ANSWER_TTL_MS },
          { key: 'youtube/video:c', value: 'no time', at: Number.NaN },
        ];
      },
    });
    await Promise.all([cache.ready(), cache.ready()]);
    expect(reads).toBe(1);
    expect(cache.get('youtube/video:a')).toBe('latest');
    expect(cache.get('youtube/video:b')).toBeUndefined();
    expect(cache.get('youtube/video:c')).toBeUndefined();
    now += ORIGINAL_ANSWER_TTL_MS - 1_000;
    expect(cache.get('youtube/video:a')).toBeUndefined();
  });

  it('a previous run whose answers cannot be read leaves none, and lookups go on', async () => {
    const cache = new AnswerCache<string>({ ttlMs: ORIGINAL_ANSWER_TTL_MS, now: () => 0, kept: () => Promise.reject(new Error('store down')) });
    await cache.ready();
    expect(cache.size).toBe(0);
  });
});
