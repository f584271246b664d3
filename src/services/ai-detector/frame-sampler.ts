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

  async probeDuration(path: string, signal?: AbortSignal): Promise<number> {
    const ffprobe = this.#ffprobePath ?? (await ffprobeBinary());
    let stdout: string;
    try {
      ({ stdout } = await run(
        ffprobe,
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', path],
        {
          timeout: this.#timeoutMs,
          signal,
          maxBuffer: 1 << 20,
        },
      ));
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      throw new AiDetectionError(`not a readable video: ${firstLine(cause)}`, 'ERR_VIDEO_UNDECODABLE', {
        cause,
      });
    }
    let duration = Number.NaN;
    try {
      duration = Number((JSON.parse(stdout) as { format?: { duration?: string } }).format?.duration);
    } catch {
      // fall through to the error below
    }
    if (!Number.isFinite(duration) || duration <= 0) {
      throw new AiDetectionError('video has no usable duration', 'ERR_VIDEO_UNDECODABLE');
    }
    return duration;
  }

  async sample(path: string, options: { signal?: AbortSignal } = {}): Promise<SampleResult> {
    const duration = await this.probeDuration(path, options.signal);
    const ffmpeg = this.#ffmpegPath ?? (await ffmpegBinary());
    const frames: SampledFrame[] = [];
    const scale = `scale='min(${this.#maxDimension},iw)':'min(${this.#maxDimension},ih)':force_original_aspect_ratio=decrease`;
    // Sequential on purpose: each call is short (input seeking), and the detector already runs
    // several videos at once; more processes would only fight over two cores.
    for (const [index, timestamp] of this.timestamps(duration).entries()) {
      try {
        const { stdout } = await run(
          ffmpeg,
          [
            '-v',
            'error',
            '-nostdin',
            '-ss',
            timestamp.toFixed(3),
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
          { timeout: this.#timeoutMs, signal: options.signal, encoding: 'buffer', maxBuffer: 64 << 20 },
        );
        if (stdout.length > 0) frames.push({ index, timestamp, png: stdout });
      } catch (cause) {
        if (options.signal?.aborted) throw options.signal.reason ?? cause;
        // One undecodable frame is a gap; the detector decides whether enough remain.
      }
    }
    if (frames.length === 0)
      throw new AiDetectionError(
        `no frame could be decoded from a ${duration.toFixed(2)} s video`,
        'ERR_VIDEO_UNDECODABLE',
      );
    return { duration, requested: this.frames, frames };
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

function firstLine(error: unknown): string {
  const stderr = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr) : '';
  const text = stderr.trim() || (error instanceof Error ? error.message : String(error));
  return text.split('\n')[0]!.slice(0, 200);
}
