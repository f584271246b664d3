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

export interface WhileReachableOptions {
  /** Called with true when the cache starts being passed over, false when it is used again. */
  readonly onChange?: (skipping: boolean) => void;
  /**
   * Asks the store whether it is back (its ping), at most once per `probeEveryMs` and one at a
   * time while the cache is passed over: a blip must not leave the cache unused (and every video
   * re-scored at SightEngine's cost) until some other write happens to find the store back.
   */
  readonly probe?: () => Promise<unknown>;
  readonly probeEveryMs?: number;
  readonly now?: () => number;
}

/**
 * `cache` passed over while `reachable()` says its store is down: a read is a miss and a write is
 * dropped at once. Each of them would otherwise wait out the store's server selection (5 s; the
 * socket timeout, 30 s, when the store hangs) and an AI check makes four, so through an outage
 * every video held its detection slot for some 20 s doing nothing and collection stalled behind
 * the store. The probe (and any other user of the store) finds it back; from then on the cache is
 * used again. `null` (nothing asked yet) counts as reachable.
 */
export function cacheWhileReachable(
  cache: AiResultCache,
  reachable: () => boolean | null | undefined,
  options: WhileReachableOptions = {},
): AiResultCache {
  const { onChange = () => undefined, probe, probeEveryMs = 5_000, now = Date.now } = options;
  let skipping = false;
  let probing = false;
  let lastProbe = Number.NEGATIVE_INFINITY;
  const down = (): boolean => {
    const isDown = reachable() === false;
    if (isDown !== skipping) {
      skipping = isDown;
      onChange(isDown);
    }
    if (isDown && probe && !probing && now() - lastProbe >= probeEveryMs) {
      probing = true;
      lastProbe = now();
      void probe()
        .catch(() => undefined)
        .finally(() => (probing = false));
    }
    return isDown;
  };
  return {
    getVideo: (url) => (down() ? Promise.resolve(null) : cache.getVideo(url)),
    putVideo: (record) => (down() ? Promise.resolve() : cache.putVideo(record)),
    getFrame: (hash) => (down() ? Promise.resolve(null) : cache.getFrame(hash)),
    putFrame: (hash, score) => (down() ? Promise.resolve() : cache.putFrame(hash, score)),
    getFrames: (hashes) => (down() ? Promise.resolve(new Map<string, number>()) : cache.getFrames(hashes)),
    putFrames: (frames) => (down() ? Promise.resolve() : cache.putFrames(frames)),
  };
}
