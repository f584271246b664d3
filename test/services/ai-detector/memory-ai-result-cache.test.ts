import { describe, expect, it } from 'vitest';
import { MemoryAiResultCache } from '../../../src/services/ai-detector/memory-ai-result-cache.js';
import { flatString, retainedBytes } from '../../helpers/retained-heap.js';

const record = (url: string, score: number) => ({ url, mean_ai_generated: score, per_frame: [score], source: 'miner' as const, checked_at: new Date(0) });

describe('MemoryAiResultCache', () => {
  it('keeps at most maxEntries videos and frames, dropping the oldest insert', async () => {
    const cache = new MemoryAiResultCache({ maxEntries: 2 });
    await cache.putVideo(record('a', 0.1));
    await cache.putVideo(record('b', 0.2));
    await cache.putVideo(record('a', 0.3)); // re-inserted: now the newest
    await cache.putVideo(record('c', 0.4));
    expect(await cache.getVideo('b')).toBeNull();
    expect((await cache.getVideo('a'))?.mean_ai_generated).toBe(0.3);
    await cache.putFrame('f1', 0.5);
    await cache.putFrame('f2', 0.6);
    await cache.putFrame('f3', 0.7);
    expect(await cache.getFrame('f1')).toBeNull();
    expect(await cache.getFrame('f3')).toBe(0.7);
    expect(cache.size).toEqual({ videos: 2, frames: 2 });
  });

  it('answers and takes many frames at once, within the same bound', async () => {
    const cache = new MemoryAiResultCache({ maxEntries: 2 });
    await cache.putFrames([{ hash: 'f1', score: 0.1 }, { hash: 'f2', score: 0.2 }, { hash: 'f3', score: 0.3 }]);
    expect(await cache.getFrames(['f1', 'f2', 'f3', 'f4'])).toEqual(new Map([['f2', 0.2], ['f3', 0.3]]));
    expect(cache.size.frames).toBe(2);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %s', (maxEntries) => {
    expect(() => new MemoryAiResultCache({ maxEntries })).toThrow(new RangeError(`options.maxEntries must be a positive integer, got ${String(maxEntries)}`));
  });
});

describe('MemoryAiResultCache memory', () => {
  it('holds a fixed amount per video whatever the length of its URL: 64 URLs of 1 MiB are not kept', async () => {
    const cache = new MemoryAiResultCache();
    const retained = await retainedBytes(async () => {
      for (let i = 0; i < 64; i++) await cache.putVideo(record(flatString(1 << 20, i), 0.5));
    });
    expect(cache.size.videos).toBe(64);
    expect(retained).toBeLessThan(8 << 20);
  });

  it('answers a video by its URL, with that URL', async () => {
    const cache = new MemoryAiResultCache();
    await cache.putVideo(record('https://cdn.example/a.mp4?x=1', 0.7));
    expect(await cache.getVideo('https://cdn.example/a.mp4?x=1')).toEqual(record('https://cdn.example/a.mp4?x=1', 0.7));
    expect(await cache.getVideo('https://cdn.example/a.mp4?x=2')).toBeNull();
  });
});
