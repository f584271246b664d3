import type { AiResultRecord, Store } from '../../store/types.js';

/**
 * What the detector remembers: whole-video results by URL (a video is checked once, not each
 * cycle) and per-frame scores by the sha256 of the frame bytes (a re-encoded or re-hosted copy of
 * the same video costs no SightEngine operations for the frames that did not change).
 */
export interface AiResultCache {
  getVideo(url: string): Promise<AiResultRecord | null>;
  putVideo(record: AiResultRecord): Promise<void>;
  getFrame(hash: string): Promise<number | null>;
  putFrame(hash: string, score: number): Promise<void>;
  /** Known scores among `hashes`: a video's frames in one lookup. */
  getFrames(hashes: readonly string[]): Promise<Map<string, number>>;
  putFrames(frames: ReadonlyArray<{ readonly hash: string; readonly score: number }>): Promise<void>;
}

/** The store's repository (src/store/types.ts `Store.aiResults`). */
export type AiResultRepository = Store['aiResults'];

/** Adapt the store's `aiResults` repository to the detector's cache interface. */
export function cacheFromRepository(repository: AiResultRepository): AiResultCache {
  return {
    getVideo: (url) => repository.get(url),
    putVideo: (record) => repository.put(record),
    getFrame: (hash) => repository.getFrame(hash),
    putFrame: (hash, score) => repository.putFrame(hash, score),
    getFrames: (hashes) => repository.getFrames(hashes),
    putFrames: (frames) => repository.putFrames(frames),
  };
}

/** Accept either shape: a detector cache, or the store's repository. */
export function toAiResultCache(value: AiResultCache | AiResultRepository): AiResultCache {
  if (typeof (value as AiResultCache).getVideo === 'function') return value as AiResultCache;
  if (
    typeof (value as AiResultRepository).get === 'function' &&
    typeof (value as AiResultRepository).put === 'function'
  ) {
    return cacheFromRepository(value as AiResultRepository);
  }
  throw new TypeError(
    'cache must implement getVideo/putVideo/getFrame(s)/putFrame(s) or be the store aiResults repository (get/put/getFrame(s)/putFrame(s))',
  );
}
