import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../config/load-config.js';
import { ConfigError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import type { AiDetectorMetrics } from './ai-detector-server.js';
import type { AiDetector } from '../types.js';
import type { AiResultCache, AiResultRepository } from './ai-result-cache.js';
import { AiDetectorService } from './ai-detector-service.js';
import { FrameSampler } from './frame-sampler.js';
import { HttpAiDetectorClient } from './http-ai-detector-client.js';
import { SightEngineClient } from './sightengine-client.js';
import { LOOPBACK_HOSTS } from '../safe-download/index.js';

export interface AiDetectorDeps {
  readonly logger?: Logger;
  readonly metrics?: AiDetectorMetrics;
  /** The store's `aiResults` repository (or any detector cache); default in memory. */
  readonly cache?: AiResultCache | AiResultRepository;
  /** Stand-in hosts the downloader may reach on loopback (the devnet video host). */
  readonly allowPrivate?: boolean | readonly string[];
  /** SightEngine base URL overriding `sightengine.base_url` (the devnet stand-in). */
  readonly sightengineBaseUrl?: string;
  /**
   * Credentials used when the config has none and services are embedded: the stand-in's, which
   * the composition root passes (product code does not know the stand-ins).
   */
  readonly sightengineCredentials?: { readonly apiUser: string; readonly apiSecret: string };
  /** The validator's clock (simulated on the stand-ins), for result lifetimes. */
  readonly now?: () => Date;
}

/**
 * The detector a validator should use under `config.services`: the remote service for `http`,
 * the in-process pipeline against SightEngine for `inprocess`, and the in-process pipeline
 * against the SightEngine stand-in (whose URL the caller passes) for `embedded`.
 */
export function createAiDetector(config: Config, deps: AiDetectorDeps = {}): AiDetector {
  if (config.services === 'http') {
    return new HttpAiDetectorClient({
      baseUrl: config.ai_detector.url,
      metrics: deps.metrics,
      batchSize: config.ai_detector.batch_size,
      concurrency: config.concurrency.ai_detector,
    });
  }
  return createLocalDetector(config, deps);
}

function createLocalDetector(config: Config, deps: AiDetectorDeps): AiDetectorService {
  return localDetector(config, deps).detector;
}

/** The in-process pipeline and its frame sampler (the service awaits the sampler's tools at start). */
export function localDetector(
  config: Config,
  deps: AiDetectorDeps,
): { detector: AiDetectorService; sampler: FrameSampler } {
  const embedded = config.services === 'embedded';
  const baseUrl = deps.sightengineBaseUrl ?? config.sightengine.base_url;
  const apiUser = config.sightengine.api_user ?? (embedded ? deps.sightengineCredentials?.apiUser : undefined);
  const apiSecret = config.sightengine.api_secret ?? (embedded ? deps.sightengineCredentials?.apiSecret : undefined);
  if (!apiUser || !apiSecret) {
    throw new ConfigError(
      'the AI detector needs SightEngine credentials: set SIGHTENGINE_USER and SIGHTENGINE_SECRET',
      '--sightengine.api_user',
    );
  }
  const original = config.compat === 'original';
  // compat original: one SightEngine call per frame, as the original detector makes, and its
  // answers read as there (a success without a genai score is 0.0).
  const scorer = new SightEngineClient({ baseUrl, apiUser, apiSecret, metrics: deps.metrics, ...(original ? { retries: 0, original: true } : {}) });
  const sampler = new FrameSampler({
    frames: config.ai.frames,
    // Frames a miner cannot aim at; compat original keeps this validator's earlier fixed midpoints.
    placement: original ? 'midpoints' : 'keyed',
    placementKey: placementKeyOf(apiSecret),
    ffmpegPath: config.ai_detector.ffmpeg_path,
    ffprobePath: config.ai_detector.ffprobe_path,
    maxConcurrentFfmpeg: config.ai_detector.max_concurrent_ffmpeg,
    maxFramePixels: config.ai_detector.max_frame_pixels,
    registry: deps.metrics?.registry,
    logger: (deps.logger ?? silentLogger()).child({ component: 'frame-sampler' }),
  });
  // Resolve (and log) the binaries now rather than at the first video; a failure is reported
  // again by every detection, and awaited by the service at start-up.
  sampler.tools().catch(() => undefined);
  const detector = new AiDetectorService({
    scorer,
    sampler,
    cache: deps.cache,
    maxVideoBytes: config.ai.max_video_bytes,
    maxConcurrentVideos: config.ai_detector.max_concurrent_videos,
    downloadTimeoutMs: config.ai.download_timeout_ms,
    downloadMinBytesPerSecond: config.ai.download_min_bytes_per_second,
    resultTtlMs: config.ai.result_ttl_seconds * 1000,
    // compat original: the mean of any scored frames, 0.969 when none was (the original detector's rule).
    originalFrameRule: original,
    ...(deps.now ? { now: deps.now } : {}),
    // Embedded without a named video host (a separately started devnet): loopback only.
    allowPrivate: deps.allowPrivate ?? (embedded ? LOOPBACK_HOSTS : false),
    logger: deps.logger,
  });
  return { detector, sampler };
}

/**
 * The frame-placement key, derived from the SightEngine secret: as unknown to miners, and the
 * same after a restart, so an unchanged video re-checked then is scored from the frame cache
 * instead of with ten new SightEngine calls (Instagram copies come under a new URL every cycle).
 */
function placementKeyOf(apiSecret: string): Buffer {
  return createHmac('sha256', apiSecret).update('infinitevibe:frame-placement:v1').digest();
}
