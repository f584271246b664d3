import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AiDetectionError } from '../../errors.js';
import { FfmpegLimiter } from './ffmpeg-limiter.js';
import { PLACEMENT_KEY_BYTES, fileSha256, frameTimestamps, newPlacementKey, type FramePlacement } from './frame-placement.js';
import { resolveFfmpegTools, type FfmpegTools } from './ffmpeg-tools.js';
import { linkedSignal } from '../../util/linked-signal.js';
import { INPUT_GUARD, probeMedia, type MediaInfo, type ProbeTool } from './media-probe.js';
import { runTool } from './run-tool.js';


/** One video's whole sampling, probe and retries included, in per-invocation timeouts. */
const SAMPLE_BUDGET_TIMEOUTS = 3;

/**
 * Decoded pixels one ffmpeg process may hold across its inputs: ten 1080p frames share one
 * process, a 4096×4096 video gets two per process. Spawning ffmpeg from the validator costs its
 * main thread several ms each (the fork of a large process), so a video's frames come from as
 * few processes as memory allows.
 */
const PIXELS_PER_PROCESS = 4096 * 4096 * 2;

// Older import site (the devnet video host) reaches the shipped binary through this module.
export { ffmpegBinary, ffprobeBinary } from './ffmpeg-tools.js';

export interface FrameSamplerOptions {
  /** Frames per video, one in each equal slice of its duration. Default 10 (SPEC §6). */
  readonly frames?: number;
  /** Where in its slice each frame is taken (see frame-placement.ts). Default `keyed`. */
  readonly placement?: FramePlacement;
  /** The key of `keyed` placement (32 bytes); default one drawn at random for this sampler. */
  readonly placementKey?: Uint8Array;
  /** `ai_detector.ffmpeg_path`; default ffmpeg on the PATH, else the npm-shipped one (see resolveFfmpegTools). */
  readonly ffmpegPath?: string;
  /** `ai_detector.ffprobe_path`; default the ffprobe beside ffmpeg, on the PATH, else the npm-shipped one. */
  readonly ffprobePath?: string;
  /** Environment whose PATH is searched for the binaries; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Largest width×height accepted (`ai_detector.max_frame_pixels`). Default 4096×4096. */
  readonly maxFramePixels?: number;
  /** Shared process limit; default a new one of `maxConcurrentFfmpeg` slots. */
  readonly limiter?: FfmpegLimiter;
  /** `ai_detector.max_concurrent_ffmpeg`; default the number of cores. Ignored with `limiter`. */
  readonly maxConcurrentFfmpeg?: number;
  /** Registry for the limiter's queue gauges (the detector's `/metrics`). Ignored with `limiter`. */
  readonly registry?: Registry;
  /** Which tool probes a file; default `auto` (see ProbeTool). */
  readonly probeWith?: ProbeTool;
  /** Gets one line naming the binaries and versions in use, once they are resolved. */
  readonly logger?: Logger;
  /** Per ffmpeg/ffprobe invocation. Default 60 s; one video's whole sampling gets 3 of these. */
  readonly timeoutMs?: number;
  /** Longest side of an extracted frame; larger frames are scaled down. Default 1280. */
  readonly maxDimension?: number;
}

export interface SampledFrame {
  readonly index: number;
  /** Seconds from the start of the video. */
  readonly timestamp: number;
  readonly png: Buffer;
}

export interface SampleResult {
  readonly duration: number;
  /** Frames asked for: `frames` for a video, 1 for a still image. */
  readonly requested: number;
  /** Frames ffmpeg could decode; a frame it could not is left out, not faked. */
  readonly frames: SampledFrame[];
}

/** The frames of an ffmpeg process that exited with an error: unknown, each asked for again. */
const FAILED = Symbol('extraction failed');

/**
 * Picks `frames` stills, one in each equal slice of the video, at points a miner cannot aim at
 * (`keyed`, see frame-placement.ts) or at the slice midpoints. The original seeded a PRNG with a
 * salted hash of a random temp path, so two runs never looked at the same frames; keyed points
 * are as unknown to the miner but the same for one file, so a re-check hits the frame cache.
 *
 * The file is hostile input: it is probed with the extractor's own build, only the container
 * formats of media-probe.ts are accepted, and the extractor is told that format (`-f`) and may
 * open local files only, so a playlist disguised as a video cannot make ffmpeg read other files.
 * Frames above `maxFramePixels` are refused before decoding, and every ffmpeg/ffprobe process
 * waits for a slot of the limiter.
 */
export class FrameSampler {
  readonly frames: number;
  readonly placement: FramePlacement;
  readonly #placementKey: Uint8Array;
  readonly #timeoutMs: number;
  readonly #maxDimension: number;
  readonly #maxFramePixels: number;
  readonly #limiter: FfmpegLimiter;
  readonly #toolOptions: Pick<FrameSamplerOptions, 'ffmpegPath' | 'ffprobePath' | 'env'>;
  readonly #logger: Logger | undefined;
  readonly #probeWith: ProbeTool;
  #tools: Promise<FfmpegTools> | undefined;

  constructor(options: FrameSamplerOptions = {}) {
    const frames = options.frames ?? 10;
    if (!Number.isInteger(frames) || frames < 1 || frames > 100) {
      throw new RangeError(`options.frames must be an integer in 1..100, got ${String(frames)}`);
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new RangeError(`options.timeoutMs must be a positive number, got ${String(timeoutMs)}`);
    const maxDimension = options.maxDimension ?? 1280;
    if (!Number.isInteger(maxDimension) || maxDimension < 16)
      throw new RangeError(`options.maxDimension must be an integer >= 16, got ${String(maxDimension)}`);
    const maxFramePixels = options.maxFramePixels ?? 4096 * 4096;
    if (!Number.isSafeInteger(maxFramePixels) || maxFramePixels < 16 * 16)
      throw new RangeError(`options.maxFramePixels must be an integer >= 256, got ${String(maxFramePixels)}`);
    const placement = options.placement ?? 'keyed';
    if (placement !== 'keyed' && placement !== 'midpoints')
      throw new RangeError(`options.placement must be keyed or midpoints, got ${String(placement)}`);
    if (options.placementKey !== undefined && (!(options.placementKey instanceof Uint8Array) || options.placementKey.length !== PLACEMENT_KEY_BYTES))
      throw new RangeError(`options.placementKey must be ${PLACEMENT_KEY_BYTES} bytes`);
    this.frames = frames;
    this.placement = placement;
    this.#placementKey = options.placementKey ?? newPlacementKey();
    this.#timeoutMs = timeoutMs;
    this.#maxDimension = maxDimension;
    this.#maxFramePixels = maxFramePixels;
    this.#limiter =
      options.limiter ??
      new FfmpegLimiter({ maxConcurrent: options.maxConcurrentFfmpeg, registry: options.registry });
    this.#toolOptions = {
      ffmpegPath: options.ffmpegPath,
      ffprobePath: options.ffprobePath,
      env: options.env,
    };
    this.#logger = options.logger;
    const probeWith = options.probeWith ?? 'auto';
    if (!['auto', 'ffprobe', 'ffmpeg'].includes(probeWith))
      throw new RangeError(`options.probeWith must be auto, ffprobe or ffmpeg, got ${String(probeWith)}`);
    this.#probeWith = probeWith;
  }

  /** The binaries in use, resolved and logged once; callers await it at start-up to fail early. */
  tools(): Promise<FfmpegTools> {
    if (this.#tools) return this.#tools;
    const resolving = resolveFfmpegTools(this.#toolOptions);
    this.#tools = resolving;
    resolving.then(
      (tools) =>
        this.#logger?.info(
          { ...tools, maxConcurrent: this.#limiter.maxConcurrent },
          tools.sameBuild
            ? 'ffmpeg binaries in use'
            : 'ffmpeg binaries in use; ffprobe is another build, so files are probed with ffmpeg itself',
        ),
      // A failed resolution is retried on the next call rather than cached.
      () => {
        if (this.#tools === resolving) this.#tools = undefined;
      },
    );
    return resolving;
  }

  get limiter(): FfmpegLimiter {
    return this.#limiter;
  }

  /** Timestamps (seconds) of the frames sampled from a video of this duration (`fileId`: its sha256). */
  timestamps(duration: number, fileId = ''): number[] {
    return frameTimestamps(duration, this.frames, this.placement, this.#placementKey, fileId);
  }

  /** Format, duration, frame rate and size of the first video stream; refuses formats and sizes we do not decode. */
  async probe(path: string, signal?: AbortSignal): Promise<MediaInfo> {
    const tools = await this.tools();
    return this.#limiter.run(
      () =>
        probeMedia(tools, path, {
          timeoutMs: this.#timeoutMs,
          maxFramePixels: this.#maxFramePixels,
          signal,
          via: this.#probeWith,
        }),
      signal,
    );
  }

  async sample(path: string, options: { signal?: AbortSignal } = {}): Promise<SampleResult> {
    // Each invocation has its own timeout, but a failed group is retried frame by frame and each
    // missing frame once more one frame earlier: a file that decodes slowly on purpose could hold
    // an ffmpeg slot for about twenty timeouts. The whole video gets a few.
    const budgetMs = this.#timeoutMs * SAMPLE_BUDGET_TIMEOUTS;
    const budget = linkedSignal([options.signal], budgetMs);
    try {
      return await this.#sample(path, budget.signal);
    } catch (error) {
      if (!budget.timedOut) throw error;
      throw new AiDetectionError(`frames not sampled within ${budgetMs} ms`, 'ERR_VIDEO_UNDECODABLE', { cause: error });
    } finally {
      budget.dispose();
    }
  }

  async #sample(path: string, signal: AbortSignal): Promise<SampleResult> {
    const options = { signal };
    const media = await this.probe(path, options.signal);
    const { duration, fps } = media;
    if (media.still) {
      // One image is one frame: asking for ten copies of it would only bill ten identical checks.
      const png = await this.#extract(media, path, 0, options.signal);
      if (png === undefined)
        throw new AiDetectionError('the image could not be decoded', 'ERR_VIDEO_UNDECODABLE');
      return { duration: 0, requested: 1, frames: [{ index: 0, timestamp: 0, png }] };
    }
    // Seek to the start of the frame showing at each point: seeking past the last frame's
    // timestamp (the final slice of a short clip) would otherwise decode nothing.
    const fileId = this.placement === 'keyed' ? await fileSha256(path, options.signal) : '';
    const stamps = this.timestamps(duration, fileId).map((point) => (fps > 0 ? Math.floor(point * fps + 1e-6) / fps : point));
    const extracted = await this.#extractAll(media, path, stamps, options.signal);
    const frames: SampledFrame[] = [];
    for (const [index, timestamp] of stamps.entries()) {
      let png = extracted[index];
      // A process that failed as a whole says nothing about this frame: ask for it alone.
      if (png === FAILED) png = await this.#extract(media, path, timestamp, options.signal);
      if (png === undefined && fps > 0 && timestamp >= 1 / fps)
        png = await this.#extract(media, path, timestamp - 1 / fps, options.signal);
      if (png !== undefined) frames.push({ index, timestamp, png });
    }
    if (frames.length === 0)
      throw new AiDetectionError(
        `no frame could be decoded from a ${duration.toFixed(2)} s video`,
        'ERR_VIDEO_UNDECODABLE',
      );
    return { duration, requested: this.frames, frames };
  }

  /**
   * A PNG per timestamp (undefined where ffmpeg decoded nothing there), from one ffmpeg process
   * per group of timestamps: each is its own input with input seeking, each output its own file.
   * FAILED marks the frames of a process that exited with an error.
   */
  async #extractAll(
    media: MediaInfo,
    path: string,
    timestamps: readonly number[],
    signal: AbortSignal | undefined,
  ): Promise<Array<Buffer | undefined | typeof FAILED>> {
    const perProcess = Math.max(1, Math.floor(PIXELS_PER_PROCESS / Math.max(1, media.width * media.height)));
    const out: Array<Buffer | undefined | typeof FAILED> = [];
    for (let i = 0; i < timestamps.length; i += perProcess) {
      const group = timestamps.slice(i, i + perProcess);
      out.push(...(group.length === 1 ? [await this.#extract(media, path, group[0]!, signal)] : await this.#extractGroup(media, path, group, signal)));
    }
    return out;
  }

  async #extractGroup(
    media: MediaInfo,
    path: string,
    timestamps: readonly number[],
    signal: AbortSignal | undefined,
  ): Promise<Array<Buffer | undefined | typeof FAILED>> {
    const { ffmpeg } = await this.tools();
    const dir = await mkdtemp(join(tmpdir(), 'iv-frames-'));
    try {
      const files = timestamps.map((_, i) => join(dir, `frame-${i}.png`));
      const inputs = timestamps.flatMap((timestamp) => this.#input(media, path, timestamp));
      // image2pipe writes the one frame to the named file as is (image2 would read % in the path as a pattern).
      const outputs = files.flatMap((file, i) => ['-map', `${i}:v:0`, '-frames:v', '1', '-vf', this.#scale(), '-c:v', 'png', '-f', 'image2pipe', file]);
      try {
        await this.#limiter.run(
          () => runTool(ffmpeg, ['-v', 'error', '-nostdin', ...inputs, ...outputs], { timeout: this.#timeoutMs, signal, encoding: 'buffer', maxBuffer: 1 << 20 }),
          signal,
        );
      } catch (cause) {
        if (signal?.aborted) throw signal.reason ?? cause;
        return timestamps.map(() => FAILED);
      }
      return await Promise.all(files.map((file) => readFile(file).then((png) => (png.length > 0 ? png : undefined), () => undefined)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Input options for one seek into the file: local file only, the probed demuxer forced. */
  #input(media: MediaInfo, path: string, timestamp: number): string[] {
    return [
      ...INPUT_GUARD,
      // The demuxer the probe found and allowed: ffmpeg must not pick another one itself.
      '-f',
      media.demuxer,
      // The probe sees the first frame's size only; a stream may switch to far larger frames later
      // (a new H.264 SPS). The decoder refuses any frame above the limit, so such frames are gaps.
      '-max_pixels',
      String(this.#maxFramePixels),
      ...(timestamp > 0 ? ['-ss', timestamp.toFixed(3)] : []),
      '-i',
      path,
    ];
  }

  #scale(): string {
    return `scale='min(${this.#maxDimension},iw)':'min(${this.#maxDimension},ih)':force_original_aspect_ratio=decrease`;
  }

  /** One PNG at `timestamp`, or undefined when ffmpeg cannot produce it (a gap the detector accounts for). */
  async #extract(
    media: MediaInfo,
    path: string,
    timestamp: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer | undefined> {
    const { ffmpeg } = await this.tools();
    try {
      const { stdout } = await this.#limiter.run(
        () =>
          runTool(
            ffmpeg,
            [
              '-v',
              'error',
              '-nostdin',
              ...this.#input(media, path, timestamp),
              // The stream that was probed and size-checked, not the one ffmpeg would rank best.
              '-map',
              '0:v:0',
              '-frames:v',
              '1',
              '-vf',
              this.#scale(),
              '-f',
              'image2pipe',
              '-c:v',
              'png',
              '-',
            ],
            { timeout: this.#timeoutMs, signal, encoding: 'buffer', maxBuffer: 64 << 20 },
          ),
        signal,
      );
      return stdout.length > 0 ? stdout : undefined;
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      return undefined;
    }
  }
}
