import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../../config/load-config.js';
import {
  SIGHTENGINE_STANDIN_CREDENTIALS,
  SightEngineStandin,
} from '../../devnet/http/sightengine-standin.js';
import { ConfigError } from '../../errors.js';
import { componentLogger, silentLogger } from '../../log.js';
import type { AiDetectorMetrics } from './ai-detector-server.js';
import type { AiDetector } from '../types.js';
import type { AiResultCache, AiResultRepository } from './ai-result-cache.js';
import { AiDetectorService } from './ai-detector-service.js';
import { createAiDetectorServer } from './ai-detector-server.js';
import { FrameSampler } from './frame-sampler.js';
import { HttpAiDetectorClient } from './http-ai-detector-client.js';
import { SightEngineClient } from './sightengine-client.js';

export interface AiDetectorDeps {
  readonly logger?: Logger;
  readonly metrics?: AiDetectorMetrics;
  /** The store's `aiResults` repository (or any detector cache); default in memory. */
  readonly cache?: AiResultCache | AiResultRepository;
  /** Stand-in hosts the downloader may reach on loopback (the devnet video host). */
  readonly allowPrivate?: boolean | readonly string[];
  /** SightEngine base URL overriding `sightengine.base_url` (the devnet stand-in). */
  readonly sightengineBaseUrl?: string;
}

/**
 * The detector a validator should use under `config.services`: the remote service for `http`,
 * the in-process pipeline against SightEngine for `inprocess`, and the in-process pipeline
 * against the SightEngine stand-in (whose URL the caller passes) for `embedded`.
 */
export function createAiDetector(config: Config, deps: AiDetectorDeps = {}): AiDetector {
  if (config.services === 'http') {
    return new HttpAiDetectorClient({ baseUrl: config.ai_detector.url, metrics: deps.metrics });
  }
  return createLocalDetector(config, deps);
}

function createLocalDetector(config: Config, deps: AiDetectorDeps): AiDetectorService {
  return localDetector(config, deps).detector;
}

function localDetector(
  config: Config,
  deps: AiDetectorDeps,
): { detector: AiDetectorService; sampler: FrameSampler } {
  const embedded = config.services === 'embedded';
  const baseUrl = deps.sightengineBaseUrl ?? config.sightengine.base_url;
  const apiUser =
    config.sightengine.api_user ?? (embedded ? SIGHTENGINE_STANDIN_CREDENTIALS.apiUser : undefined);
  const apiSecret =
    config.sightengine.api_secret ?? (embedded ? SIGHTENGINE_STANDIN_CREDENTIALS.apiSecret : undefined);
  if (!apiUser || !apiSecret) {
    throw new ConfigError(
      'the AI detector needs SightEngine credentials: set SIGHTENGINE_USER and SIGHTENGINE_SECRET',
      '--sightengine.api_user',
    );
  }
  const scorer = new SightEngineClient({ baseUrl, apiUser, apiSecret, metrics: deps.metrics });
  const sampler = new FrameSampler({
    frames: config.ai.frames,
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
    downloadTimeoutMs: config.ai.download_timeout_ms,
    allowPrivate: deps.allowPrivate ?? (embedded ? true : false),
    logger: deps.logger,
  });
  return { detector, sampler };
}

export interface RunningAiDetectorService {
  /** Where the HTTP API listens, e.g. `http://127.0.0.1:12002`. */
  readonly url: string;
  readonly server: Server;
  /** The SightEngine stand-in's URL when the service runs embedded. */
  readonly sightengineUrl: string | null;
  close(): Promise<void>;
}

/**
 * `infinitevibe serve ai-detector`: the HTTP API of SPEC §6 on `ai_detector.port`. Embedded, it
 * also starts the SightEngine stand-in and may fetch videos from loopback hosts (the devnet's
 * video host); otherwise it needs real SightEngine credentials and refuses private addresses.
 */
export async function startAiDetectorService(
  config: Config,
  deps: AiDetectorDeps & { readonly host?: string; readonly port?: number } = {},
): Promise<RunningAiDetectorService> {
  const logger = componentLogger(deps.logger ?? silentLogger(), 'ai-detector-service');
  let standin: SightEngineStandin | undefined;
  if (config.services === 'embedded' && deps.sightengineBaseUrl === undefined) {
    standin = new SightEngineStandin();
    await standin.listen();
  }
  const { detector, sampler } = localDetector(config, {
    ...deps,
    logger,
    sightengineBaseUrl: deps.sightengineBaseUrl ?? standin?.url,
  });
  try {
    await sampler.tools();
  } catch (error) {
    await detector.close();
    await standin?.close();
    throw error;
  }
  const server = createAiDetectorServer(detector, { logger, metrics: deps.metrics });
  const host = deps.host ?? '127.0.0.1';
  const port = deps.port ?? config.ai_detector.port;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await detector.close();
    await standin?.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(
    {
      url,
      sightengine: standin ? standin.url : config.sightengine.base_url,
      embedded: standin !== undefined,
    },
    'AI detector listening',
  );
  return {
    url,
    server,
    sightengineUrl: standin?.url ?? null,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await detector.close();
      await standin?.close();
    },
  };
}
