import { describe, expect, it } from 'vitest';
import { AiScoreCache } from '../../src/actors/stages/ai-score-cache.js';

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

  it('refuses a size that is not a positive integer', () => {
    expect(() => new AiScoreCache(0)).toThrow(RangeError);
    expect(() => new AiScoreCache(1.5)).toThrow(/integer >= 1/);
  });
});
