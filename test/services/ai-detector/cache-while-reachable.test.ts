import { describe, expect, it } from 'vitest';
import { cacheWhileReachable } from '../../../src/services/ai-detector/ai-result-cache.js';
import { MemoryAiResultCache } from '../../../src/services/ai-detector/memory-ai-result-cache.js';

const record = (url: string, score: number) => ({ url, mean_ai_generated: score, per_frame: [score], source: 'miner' as const, checked_at: new Date(0) });

describe('cacheWhileReachable', () => {
  it('uses the cache while its store is reachable or not asked yet; while it is down, reads miss and writes are dropped; says so once per change', async () => {
    const inner = new MemoryAiResultCache();
    let reachable: boolean | null = null;
    const changes: boolean[] = [];
    const cache = cacheWhileReachable(inner, () => reachable, { onChange: (skipping) => void changes.push(skipping) });

    await cache.putVideo(record('a', 0.1));
    await cache.putFrames([{ hash: 'f1', score: 0.2 }]);
    reachable = true;
    expect((await cache.getVideo('a'))?.mean_ai_generated).toBe(0.1);
    expect(await cache.getFrames(['f1'])).toEqual(new Map([['f1', 0.2]]));
    expect(changes).toEqual([]);

    reachable = false;
    expect(await cache.getVideo('a')).toBeNull();
    expect(await cache.getFrame('f1')).toBeNull();
    expect(await cache.getFrames(['f1'])).toEqual(new Map());
    await cache.putVideo(record('b', 0.3));
    await cache.putFrame('f2', 0.4);
    await cache.putFrames([{ hash: 'f3', score: 0.5 }]);
    expect(changes).toEqual([true]);

    reachable = true;
    expect(await cache.getVideo('b')).toBeNull();
    expect(await cache.getFrames(['f1', 'f2', 'f3'])).toEqual(new Map([['f1', 0.2]]));
    expect((await cache.getVideo('a'))?.mean_ai_generated).toBe(0.1);
    expect(changes).toEqual([true, false]);
  });

  it('while passed over, pings the store at most once per probeEveryMs and one at a time; once the ping finds it back, the cache is used', async () => {
    const inner = new MemoryAiResultCache();
    await inner.putVideo(record('a', 0.1));
    let reachable: boolean | null = false;
    let clock = 0;
    const pings: Array<() => void> = [];
    const probe = () => new Promise<void>((resolve) => pings.push(resolve));
    const cache = cacheWhileReachable(inner, () => reachable, { probe, probeEveryMs: 1_000, now: () => clock });

    expect(await cache.getVideo('a')).toBeNull();
    expect(await cache.getVideo('a')).toBeNull();
    expect(pings).toHaveLength(1);
    clock = 5_000;
    // The first ping has not answered: no second one.
    expect(await cache.getVideo('a')).toBeNull();
    expect(pings).toHaveLength(1);
    pings[0]!();
    await Promise.resolve();
    await Promise.resolve();
    // Answered, the store still down: the next one goes out now, the one after 1 s later.
    expect(await cache.getVideo('a')).toBeNull();
    expect(pings).toHaveLength(2);
    pings[1]!();
    await Promise.resolve();
    await Promise.resolve();
    clock = 5_500;
    expect(await cache.getVideo('a')).toBeNull();
    expect(pings).toHaveLength(2);
    clock = 6_000;
    expect(await cache.getVideo('a')).toBeNull();
    expect(pings).toHaveLength(3);
    // The store's ping found it up.
    reachable = true;
    pings[2]!();
    expect((await cache.getVideo('a'))?.mean_ai_generated).toBe(0.1);
    expect(pings).toHaveLength(3);
  });
});
