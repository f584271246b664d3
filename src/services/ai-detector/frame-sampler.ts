import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AiDetectionError } from '../../errors.js';

const run = promisify(execFile);

export interface FrameSamplerOptions {
  /** Frames per video, spread evenly over its duration. Default 10 (SPEC §6). */
  readonly frames?: number;
  /** Defaults to the binary shipped in `@ffmpeg-installer/ffmpeg`. */
  readonly ffmpegPath?: string;
  /** Defaults to the binary shipped in `@ffprobe-installer/ffprobe`. */
  readonly ffprobePath?: string;
  /** Per ffmpeg/ffprobe invocation. Default 60 s. */
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

/**
 * Picks `frames` stills at the midpoints of equal slices of the video, so the choice depends on
 * the video alone (the original seeded a PRNG with a salted hash of a random temp path, so two
 * runs never looked at the same frames). Binaries come from npm packages that carry them, so an
 * `npm ci` is enough on a bare machine.
 */
export class FrameSampler {
  readonly frames: number;
  readonly #timeoutMs: number;
  readonly #maxDimension: number;
  readonly #ffmpegPath: string | undefined;
  readonly #ffprobePath: string | undefined;

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
    this.frames = frames;
    this.#timeoutMs = timeoutMs;
    this.#maxDimension = maxDimension;
    this.#ffmpegPath = options.ffmpegPath;
    this.#ffprobePath = options.ffprobePath;
  }

  /** Timestamps (seconds) of the frames sampled from a video of this duration. */
  timestamps(duration: number): number[] {
    return Array.from({ length: this.frames }, (_, i) => (duration * (i + 0.5)) / this.frames);
  }

  /**
   * Duration in seconds and frame rate (0 when unknown) of the first video stream; `still` for a
   * single image (an Instagram image post's media), which has no duration.
   */
  async probe(
    path: string,
    signal?: AbortSignal,
  ): Promise<{ duration: number; fps: number; still: boolean }> {
    const ffprobe = this.#ffprobePath ?? (await ffprobeBinary());
    let stdout: string;
    try {
      ({ stdout } = await run(
        ffprobe,
        [
          '-v',
          'error',
          '-select_streams',
          'v:0',
          '-show_entries',
          'format=duration,format_name:stream=avg_frame_rate,r_frame_rate',
          '-of',
          'json',
          path,
        ],
        { timeout: this.#timeoutMs, signal, maxBuffer: 1 << 20 },
      ));
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      throw new AiDetectionError(`not a readable video: ${firstLine(cause)}`, 'ERR_VIDEO_UNDECODABLE', {
        cause,
      });
    }
    let parsed: {
      format?: { duration?: string; format_name?: string };
      streams?: Array<{ avg_frame_rate?: string; r_frame_rate?: string }>;
    } = {};
    try {
      parsed = JSON.parse(stdout) as typeof parsed;
    } catch {
      // fall through to the checks below
    }
    const stream = parsed.streams?.[0];
    if (!stream) throw new AiDetectionError('file has no video stream', 'ERR_VIDEO_UNDECODABLE');
    const fps = rate(stream.avg_frame_rate) || rate(stream.r_frame_rate);
    const formatName = parsed.format?.format_name ?? '';
    if (/(^|,)(image2|[a-z0-9]+_pipe)(,|$)/.test(formatName)) return { duration: 0, fps, still: true };
    const duration = Number(parsed.format?.duration);
    if (!Number.isFinite(duration) || duration <= 0)
      throw new AiDetectionError('video has no usable duration', 'ERR_VIDEO_UNDECODABLE');
    return { duration, fps, still: false };
  }

  async sample(path: string, options: { signal?: AbortSignal } = {}): Promise<SampleResult> {
    const { duration, fps, still } = await this.probe(path, options.signal);
    if (still) {
      // One image is one frame: asking for ten copies of it would only bill ten identical checks.
      const png = await this.#extract(path, 0, options.signal);
      if (png === undefined)
        throw new AiDetectionError('the image could not be decoded', 'ERR_VIDEO_UNDECODABLE');
      return { duration: 0, requested: 1, frames: [{ index: 0, timestamp: 0, png }] };
    }
    const frames: SampledFrame[] = [];
    // Sequential on purpose: each call is short (input seeking), and the detector already runs
    // several videos at once; more processes would only fight over two cores.
    for (const [index, midpoint] of this.timestamps(duration).entries()) {
      // Seek to the start of the frame showing at the midpoint: seeking past the last frame's
      // timestamp (the final slice of a short clip) would otherwise decode nothing.
      const timestamp = fps > 0 ? Math.floor(midpoint * fps + 1e-6) / fps : midpoint;
      let png = await this.#extract(path, timestamp, options.signal);
      if (png === undefined && fps > 0 && timestamp >= 1 / fps)
        png = await this.#extract(path, timestamp - 1 / fps, options.signal);
      if (png !== undefined) frames.push({ index, timestamp, png });
    }
    if (frames.length === 0)
      throw new AiDetectionError(
        `no frame could be decoded from a ${duration.toFixed(2)} s video`,
        'ERR_VIDEO_UNDECODABLE',
      );
    return { duration, requested: this.frames, frames };
  }

  /** One PNG at `timestamp`, or undefined when ffmpeg cannot produce it (a gap the detector accounts for). */
  async #extract(
    path: string,
    timestamp: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer | undefined> {
    const ffmpeg = this.#ffmpegPath ?? (await ffmpegBinary());
    const scale = `scale='min(${this.#maxDimension},iw)':'min(${this.#maxDimension},ih)':force_original_aspect_ratio=decrease`;
    try {
      const { stdout } = await run(
        ffmpeg,
        [
          '-v',
          'error',
          '-nostdin',
          ...(timestamp > 0 ? ['-ss', timestamp.toFixed(3)] : []),
          '-i',
          path,
          '-frames:v',
          '1',
          '-vf',
          scale,
          '-f',
          'image2pipe',
          '-c:v',
          'png',
          '-',
        ],
        { timeout: this.#timeoutMs, signal, encoding: 'buffer', maxBuffer: 64 << 20 },
      );
      return stdout.length > 0 ? stdout : undefined;
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      return undefined;
    }
  }
}

let ffmpegPathPromise: Promise<string> | undefined;
let ffprobePathPromise: Promise<string> | undefined;

/** The ffmpeg binary shipped in `@ffmpeg-installer/ffmpeg`. */
export function ffmpegBinary(): Promise<string> {
  ffmpegPathPromise ??= import('@ffmpeg-installer/ffmpeg').then((m) => m.default.path);
  return ffmpegPathPromise;
}

/** The ffprobe binary shipped in `@ffprobe-installer/ffprobe`. */
export function ffprobeBinary(): Promise<string> {
  ffprobePathPromise ??= import('@ffprobe-installer/ffprobe').then((m) => m.default.path);
  return ffprobePathPromise;
}

function rate(value: string | undefined): number {
  if (!value) return 0;
  const [num, den] = value.split('/').map(Number);
  const fps = den === undefined ? num! : num! / den;
  return Number.isFinite(fps) && fps > 0 && fps < 1000 ? fps : 0;
}

function firstLine(error: unknown): string {
  const stderr = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr) : '';
  const text = stderr.trim() || (error instanceof Error ? error.message : String(error));
  return text.split('\n')[0]!.slice(0, 200);
}
