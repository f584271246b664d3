import { createHash } from 'node:crypto';
import type { AiResultRecord } from '../../store/types.js';
import type { AiResultCache } from './ai-result-cache.js';

/**
 * The process-local cache used when no store is configured (a stand-alone detector service).
 * Bounded by entry count with least-recently-inserted eviction; results never go stale (a
 * frame's pixels do not change), so there is no TTL.
 *
 * Videos are held by the sha256 of their URL, without the URL: a URL is a miner's string, and
 * kept as the key it made an entry as large as the miner liked (100,000 entries of URLs of
 * kilobytes are gigabytes). An entry is now the same size whatever its URL.
 */
type StoredResult = Omit<AiResultRecord, 'url'>;

const urlKey = (url: string): string => createHash('sha256').update(url).digest('base64');

export class MemoryAiResultCache implements AiResultCache {
  readonly #videos = new Map<string, StoredResult>();
  readonly #frames = new Map<string, number>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`options.maxEntries must be a positive integer, got ${String(maxEntries)}`);
    this.#maxEntries = maxEntries;
  }

  get size(): { videos: number; frames: number } {
    return { videos: this.#videos.size, frames: this.#frames.size };
  }

  async getVideo(url: string): Promise<AiResultRecord | null> {
    const stored = this.#videos.get(urlKey(url));
    return stored === undefined ? null : { url, ...stored };
  }

  async putVideo(record: AiResultRecord): Promise<void> {
    const { url, ...stored } = record;
    bounded(this.#videos, urlKey(url), { ...stored, per_frame: [...stored.per_frame] }, this.#maxEntries);
  }

  async getFrame(hash: string): Promise<number | null> {
    return this.#frames.get(hash) ?? null;
  }

  async putFrame(hash: string, score: number): Promise<void> {
    bounded(this.#frames, hash, score, this.#maxEntries);
  }

  async getFrames(hashes: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const hash of hashes) {
      const score = this.#frames.get(hash);
      if (score !== undefined) out.set(hash, score);
    }
    return out;
  }

  async putFrames(frames: ReadonlyArray<{ readonly hash: string; readonly score: number }>): Promise<void> {
    for (const { hash, score } of frames) bounded(this.#frames, hash, score, this.#maxEntries);
  }
}

function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
