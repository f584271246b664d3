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
});
