import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { AiDetectionError, QuotaExceededError } from '../../errors.js';
import { abortable } from '../../util/abortable.js';
import { escapeUntrusted } from '../../formats/escape-untrusted.js';
import { componentLogger, silentLogger } from '../../log.js';
import type { AiDetectionResult, AiDetector } from '../types.js';
import { safeDownload, type RateFloor } from '../safe-download/index.js';
import { toAiResultCache, type AiResultCache, type AiResultRepository } from './ai-result-cache.js';
import { FrameSampler } from './frame-sampler.js';
import { MemoryAiResultCache } from './memory-ai-result-cache.js';
import type { FrameScorer } from './sightengine-client.js';

const MiB = 1024 * 1024;
/** Default floor on a video host's delivery, and the window it is checked over. */
export const DEFAULT_MIN_BYTES_PER_SECOND = 8 * 1024;
const RATE_WINDOW_MS = 10_000;
/** How far ahead of this clock a cached result may be dated and still stand (clocks of instances sharing a store differ). */
const FUTURE_TOLERANCE_MS = 60 * 60_000;
/** What the original detector answers for a video none of whose frames could be scored (736c014). */
export const ORIGINAL_NO_FRAME_SCORE = 0.969;
const DOUBLED_R2_PREFIX = 'https://pub-https://pub-';

export interface AiDetectorServiceOptions {
  /** Scores one frame (SightEngineClient, or anything with the same method). */
  readonly scorer: FrameScorer & { close?(): Promise<void> };
  readonly sampler?: FrameSampler;
  /** A detector cache or the store's `aiResults` repository. Default: in memory. */
  readonly cache?: AiResultCache | AiResultRepository;
  /** Default 200 MiB (SPEC §6). */
  readonly maxVideoBytes?: number;
  /** Default 120 s (SPEC §6). */
  readonly downloadTimeoutMs?: number;
  /**
   * Least bytes per second a video host must deliver, checked over 10 s windows; 0 turns the
   * check off. Default 8 KiB/s: a host that drips its body is cut off after 10 s, not 120 s.
   */
  readonly downloadMinBytesPerSecond?: number;
  /** The window that floor is checked over. Default 10 s. */
  readonly downloadRateWindowMs?: number;
  /** Stand-in hosts the downloader may reach on private addresses (see safeDownload). */
  readonly allowPrivate?: boolean | readonly string[];
  /** Fraction of the sampled frames that must be scored for a result. Default 0.5. */
  readonly minScoredFraction?: number;
  /**
   * `compat: original`: the original detector's rule instead of `minScoredFraction`: the mean of
   * however many frames were scored, and 0.969 (which passes the 0.3 threshold) when none was,
   * cached like any result. Default false.
   */
  readonly originalFrameRule?: boolean;
  /** SightEngine calls in flight per video. Default 2. */
  readonly frameConcurrency?: number;
  /**
   * Videos downloaded and scored at once, whoever asks; the rest wait their turn. Default 32.
   * Each holds up to maxVideoBytes of temporary disk, and a separate detector's callers are
   * anyone who reaches its port, each with as many connections and batches as they like.
   */
  readonly maxConcurrentVideos?: number;
  /** Where videos are downloaded to (one private subdirectory per video). Default os.tmpdir(). */
  readonly tmpDir?: string;
  /**
   * How long a cached video result stands, from when it was checked; then the video is checked
   * again. Default 7 days, the original detector's cache lifetime.
   */
  readonly resultTtlMs?: number;
  /** Clock of `checked_at` and of the result lifetime (a simulated network's, in tests). */
  readonly now?: () => Date;
  readonly logger?: Logger;
}

export interface DetectOptions {
  readonly signal?: AbortSignal;
  /** Recorded with the result: the platform's own copy of the video, or the miner's URL. Default 'miner'. */
  readonly source?: 'platform' | 'miner';
}

/**
 * The AI detector of SPEC §6, in process: guarded download → `frames` stills, one per equal
 * slice (FrameSampler) → SightEngine per frame → mean. Results are cached by URL and frames by
 * content hash, concurrent requests for one URL share a single run, and a video that cannot be
 * scored is an error (AiDetectionError, or QuotaExceededError when SightEngine's quota is
 * spent), never a default.
 *
 * Partial failure rule: the mean is taken over the frames that were scored, provided that at
 * least `minScoredFraction` (half) of the requested frames were; otherwise the whole video is an
 * error and nothing is cached, so the next cycle tries again. Under `originalFrameRule` the
 * original's rule applies instead (any scored frame makes a mean; none gives 0.969).
 */
export class AiDetectorService implements AiDetector {
  readonly #scorer: AiDetectorServiceOptions['scorer'];
  readonly #sampler: FrameSampler;
  readonly #cache: AiResultCache;
  readonly #maxVideoBytes: number;
  readonly #downloadTimeoutMs: number;
  readonly #downloadMinRate: RateFloor | undefined;
  readonly #allowPrivate: boolean | readonly string[];
  readonly #minScoredFraction: number;
  readonly #originalFrameRule: boolean;
  readonly #frameConcurrency: number;
  readonly #tmpDir: string;
  readonly #resultTtlMs: number;
  readonly #now: () => Date;
  readonly #logger: Logger;
  readonly #inflight = new Map<string, PendingScore>();
  readonly #videos: PQueue;
  readonly #closing = new AbortController();

  constructor(options: AiDetectorServiceOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (!options.scorer || typeof options.scorer.scoreFrame !== 'function')
      throw new TypeError('options.scorer must have a scoreFrame(image) method');
    this.#scorer = options.scorer;
    this.#sampler = options.sampler ?? new FrameSampler();
    this.#cache = options.cache ? toAiResultCache(options.cache) : new MemoryAiResultCache();
    this.#maxVideoBytes = options.maxVideoBytes ?? 200 * MiB;
    if (!Number.isSafeInteger(this.#maxVideoBytes) || this.#maxVideoBytes <= 0) {
      throw new RangeError(
        `options.maxVideoBytes must be a positive integer, got ${String(options.maxVideoBytes)}`,
      );
    }
    this.#downloadTimeoutMs = options.downloadTimeoutMs ?? 120_000;
    if (!Number.isFinite(this.#downloadTimeoutMs) || this.#downloadTimeoutMs <= 0) {
      throw new RangeError(
        `options.downloadTimeoutMs must be a positive number, got ${String(options.downloadTimeoutMs)}`,
      );
    }
    const minRate = options.downloadMinBytesPerSecond ?? DEFAULT_MIN_BYTES_PER_SECOND;
    if (!Number.isSafeInteger(minRate) || minRate < 0) {
      throw new RangeError(`options.downloadMinBytesPerSecond must be an integer >= 0, got ${String(options.downloadMinBytesPerSecond)}`);
    }
    const windowMs = options.downloadRateWindowMs ?? RATE_WINDOW_MS;
    if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
      throw new RangeError(`options.downloadRateWindowMs must be a positive integer, got ${String(options.downloadRateWindowMs)}`);
    }
    this.#downloadMinRate = minRate === 0 ? undefined : { bytes: Math.max(1, Math.ceil((minRate * windowMs) / 1000)), windowMs };
    this.#minScoredFraction = options.minScoredFraction ?? 0.5;
    if (!(this.#minScoredFraction > 0 && this.#minScoredFraction <= 1)) {
      throw new RangeError(
        `options.minScoredFraction must be in (0, 1], got ${String(options.minScoredFraction)}`,
      );
    }
    this.#originalFrameRule = options.originalFrameRule === true;
    this.#frameConcurrency = options.frameConcurrency ?? 2;
    if (!Number.isInteger(this.#frameConcurrency) || this.#frameConcurrency < 1) {
      throw new RangeError(
        `options.frameConcurrency must be a positive integer, got ${String(options.frameConcurrency)}`,
      );
    }
    const maxVideos = options.maxConcurrentVideos ?? 32;
    if (!Number.isInteger(maxVideos) || maxVideos < 1) {
      throw new RangeError(`options.maxConcurrentVideos must be a positive integer, got ${String(options.maxConcurrentVideos)}`);
    }
    this.#videos = new PQueue({ concurrency: maxVideos });
    this.#allowPrivate = options.allowPrivate ?? false;
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#resultTtlMs = options.resultTtlMs ?? 7 * 24 * 3_600_000;
    if (!(this.#resultTtlMs > 0)) {
      throw new RangeError(`options.resultTtlMs must be a positive number, got ${String(options.resultTtlMs)}`);
    }
    this.#now = options.now ?? (() => new Date());
    this.#logger = componentLogger(options.logger ?? silentLogger(), 'ai-detector');
  }

  async detect(asked: string, options: DetectOptions = {}): Promise<AiDetectionResult> {
    if (typeof asked !== 'string' || asked.trim() === '')
      throw new AiDetectionError('url must be a non-empty string', 'ERR_AI_BAD_URL', { retryable: false });
    options.signal?.throwIfAborted();
    // The original detector's fix-up for a miner tool that doubled the R2 prefix (8698290): the
    // file is fetched, and its result cached, under the repaired URL; the answer names the URL asked.
    const url = asked.replaceAll(DOUBLED_R2_PREFIX, 'https://pub-');
    if (url === asked) return this.#detect(url, options);
    return { ...(await this.#detect(url, options)), url: asked };
  }

  async #detect(url: string, options: DetectOptions): Promise<AiDetectionResult> {
    const hit = await this.#cache.getVideo(url).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'AI result cache unavailable; scoring without it');
      return null;
    });
    // A result past its lifetime is checked again, as the original's detector forgets its own
    // after 7 days: a file gone since then is no longer AI, one still there scores the same
    // frames (their scores are cached by content).
    if (hit && !this.#expired(hit.checked_at))
      return { url, mean_ai_generated: hit.mean_ai_generated, per_frame: [...hit.per_frame], cached: true };

    const pending = this.#inflight.get(url) ?? this.#queueScore(url, options.source ?? 'miner');
    pending.waiting++;
    try {
      return await (options.signal ? abortable(pending.work, options.signal) : pending.work);
    } finally {
      // Every caller gave up before its turn came: nobody would read the result, so the video is
      // neither downloaded nor scored (a client that queues thousands and hangs up costs nothing).
      if (--pending.waiting === 0 && !pending.started) {
        pending.abandoned = true;
        if (this.#inflight.get(url) === pending) this.#inflight.delete(url);
      }
    }
  }

  #queueScore(url: string, source: 'platform' | 'miner'): PendingScore {
    const pending: PendingScore = { work: Promise.resolve(null as never), waiting: 0, started: false, abandoned: false };
    pending.work = this.#videos
      .add(() => {
        if (pending.abandoned) throw new AiDetectionError('every caller gave up before the video was checked', 'ERR_AI_ABANDONED');
        pending.started = true;
        return this.#score(url, source);
      })
      .finally(() => {
        if (this.#inflight.get(url) === pending) this.#inflight.delete(url);
      });
    // Abandoned work rejects with nobody listening.
    pending.work.catch(() => undefined);
    this.#inflight.set(url, pending);
    return pending;
  }

  #expired(checkedAt: unknown): boolean {
    const at = checkedAt instanceof Date ? checkedAt.getTime() : Number.NaN;
    const age = this.#now().getTime() - at;
    // A record without a readable time cannot be dated, and one dated well ahead of this clock
    // (another instance's clock far ahead, a hand edit) would never expire: both checked again.
    return !(age >= -FUTURE_TOLERANCE_MS && age <= this.#resultTtlMs);
  }

  async close(): Promise<void> {
    this.#closing.abort(new AiDetectionError('detector closed', 'ERR_AI_DETECTOR_CLOSED'));
    await Promise.allSettled([...this.#inflight.values()].map((p) => p.work));
    await this.#scorer.close?.();
  }

  async #score(url: string, source: 'platform' | 'miner'): Promise<AiDetectionResult> {
    const signal = this.#closing.signal;
    const dir = await mkdtemp(join(this.#tmpDir, 'iv-ai-'));
    try {
      const file = join(dir, 'video');
      const download = await safeDownload(url, {
        maxBytes: this.#maxVideoBytes,
        timeoutMs: this.#downloadTimeoutMs,
        ...(this.#downloadMinRate ? { minRate: this.#downloadMinRate } : {}),
        allowPrivate: this.#allowPrivate,
        signal,
        destination: file,
      });
      const sample = await this.#sampler.sample(file, { signal });
      const outcomes = await this.#scoreFrames(
        sample.frames.map((f) => f.png),
        signal,
      );
      const scored = outcomes.filter((o): o is { score: number } => 'score' in o).map((o) => o.score);
      const failures = outcomes.filter((o): o is { error: unknown } => 'error' in o).map((o) => o.error);
      const needed = this.#originalFrameRule ? 1 : Math.ceil(sample.requested * this.#minScoredFraction);
      if (scored.length < needed && this.#originalFrameRule) {
        this.#logger.debug({ url: redact(url), failed: failures.length }, `no frame scored: ${ORIGINAL_NO_FRAME_SCORE}, as the original detector answers`);
      } else if (scored.length < needed) {
        const quota = failures.find((e) => e instanceof QuotaExceededError);
        if (quota) throw quota;
        const cause = new AggregateError(failures, 'frame failures');
        if (scored.length === 0) {
          throw new AiDetectionError(
            `no frame of ${redact(url)} could be scored (${failures.length} failed)`,
            'ERR_AI_NO_FRAMES_SCORED',
            { cause },
          );
        }
        throw new AiDetectionError(
          `only ${scored.length} of ${sample.requested} frames of ${redact(url)} were scored (${needed} needed)`,
          'ERR_AI_TOO_FEW_FRAMES',
          { cause },
        );
      }
      const mean = scored.length === 0 ? ORIGINAL_NO_FRAME_SCORE : scored.reduce((sum, s) => sum + s, 0) / scored.length;
      this.#logger.debug(
        { url: redact(url), bytes: download.bytes, frames: scored.length, mean },
        'video scored',
      );
      await this.#cache
        .putVideo({ url, mean_ai_generated: mean, per_frame: scored, source, checked_at: this.#now() })
        .catch((error: unknown) => {
          this.#logger.warn({ err: error }, 'could not cache an AI result; it will be recomputed');
        });
      return { url, mean_ai_generated: mean, per_frame: scored, cached: false };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * One score per frame. The cache is asked about the whole video at once and told the new scores
   * at once (two round trips, not two per frame), and identical frames (a still scene) are scored
   * once between them.
   */
  async #scoreFrames(
    frames: Buffer[],
    signal: AbortSignal,
  ): Promise<Array<{ score: number } | { error: unknown }>> {
    const hashes = frames.map((png) => createHash('sha256').update(png).digest('hex'));
    const known = await this.#cache.getFrames([...new Set(hashes)]).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'frame cache unavailable; scoring every frame');
      return new Map<string, number>();
    });
    const scoring = new Map<string, Promise<number>>();
    const fresh: Array<{ hash: string; score: number }> = [];
    const outcomes: Array<{ score: number } | { error: unknown }> = new Array(frames.length);
    let next = 0;
    let quotaSpent = false;
    // A frame identical to one being scored waits for that score; if that call fails, it makes
    // its own (one failed call must not fail every copy of a still scene), unless quota is spent.
    const scoreOnce = async (index: number): Promise<number> => {
      const hash = hashes[index]!;
      const pending = scoring.get(hash);
      if (pending) {
        try {
          return await pending;
        } catch (error) {
          if (signal.aborted || error instanceof QuotaExceededError) throw error;
        }
      }
      const own = this.#scorer.scoreFrame(frames[index]!, { signal, contentType: 'image/png' }).then(({ aiGenerated }) => {
        fresh.push({ hash, score: aiGenerated });
        return aiGenerated;
      });
      scoring.set(hash, own);
      try {
        return await own;
      } catch (error) {
        if (scoring.get(hash) === own) scoring.delete(hash);
        throw error;
      }
    };
    const worker = async (): Promise<void> => {
      while (next < frames.length) {
        const index = next++;
        const hash = hashes[index]!;
        const cached = known.get(hash);
        if (cached !== undefined) {
          outcomes[index] = { score: cached };
          continue;
        }
        if (quotaSpent && !scoring.has(hash)) {
          outcomes[index] = {
            error: new AiDetectionError('skipped: SightEngine quota exceeded', 'ERR_AI_FRAME_SKIPPED'),
          };
          continue;
        }
        try {
          outcomes[index] = { score: await scoreOnce(index) };
        } catch (error) {
          if (signal.aborted) throw error;
          if (error instanceof QuotaExceededError) quotaSpent = true;
          outcomes[index] = { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#frameConcurrency, frames.length) }, worker));
    if (fresh.length > 0) {
      await this.#cache.putFrames(fresh).catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'could not cache frame scores');
      });
    }
    return outcomes;
  }
}

/** One video's check, shared by every caller asking for its URL meanwhile. */
interface PendingScore {
  work: Promise<AiDetectionResult>;
  /** Callers still waiting for `work`. */
  waiting: number;
  started: boolean;
  abandoned: boolean;
}

/** A miner's URL for a log line or an error message: no query (it may hold tokens), escaped. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return escapeUntrusted(`${parsed.origin}${parsed.pathname}`, 200);
  } catch {
    return escapeUntrusted(url, 100);
  }
}
