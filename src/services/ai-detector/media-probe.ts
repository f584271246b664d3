import { AiDetectionError } from '../../errors.js';
import type { FfmpegTools } from './ffmpeg-tools.js';
import { runTool } from './run-tool.js';



/**
 * Demuxers the detector lets ffmpeg use, by the name ffmpeg reports for a probed file, mapped
 * to the name passed back with `-f`. Only self-contained containers and single-image formats:
 * playlist, concat, image-sequence and other formats that open further files or URLs (hls,
 * dash, concat, image2, tee…) are refused, since they would read whatever the file names.
 */
const CONTAINERS: Readonly<Record<string, string>> = Object.freeze({
  'mov,mp4,m4a,3gp,3g2,mj2': 'mov',
  'matroska,webm': 'matroska',
  mpegts: 'mpegts',
  avi: 'avi',
  flv: 'flv',
});
/** Single pictures (an Instagram image post's media), read from the file's own bytes only. */
const STILLS: Readonly<Record<string, string>> = Object.freeze({
  jpeg_pipe: 'jpeg_pipe',
  png_pipe: 'png_pipe',
  webp_pipe: 'webp_pipe',
});

/** `-format_whitelist` value: libavformat refuses any other demuxer, whatever the probe says. */
export const FORMAT_WHITELIST = [...Object.keys(CONTAINERS), ...Object.keys(STILLS)].join(',');

/**
 * Streams a file may hold. A real video has a handful; ffmpeg opens a decoder for each while it
 * probes, so a 1 MB file of 900 streams costs seconds per open (and the extractor opens the file
 * once per frame). A file with more is not read (libavformat fails it as it reaches the limit).
 */
export const MAX_STREAMS = 32;

/** Options for every ffmpeg/ffprobe input: local file only, allowed demuxers only, few streams. */
export const INPUT_GUARD: readonly string[] = Object.freeze([
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  FORMAT_WHITELIST,
  '-max_streams',
  String(MAX_STREAMS),
]);

/** What ffprobe reads from the downloaded bytes: reading them again gives the same answer. */
const NOT_RETRYABLE = Object.freeze({ retryable: false });

/** A file the detector will not decode: a refused format or oversized frames. Not retryable. */
export class RefusedMediaError extends AiDetectionError {
  constructor(message: string, code: 'ERR_VIDEO_FORMAT_REFUSED' | 'ERR_VIDEO_FRAME_TOO_LARGE') {
    super(message, code, NOT_RETRYABLE);
  }
}

export interface MediaInfo {
  /** The demuxer to force with `-f` when extracting. */
  readonly demuxer: string;
  readonly still: boolean;
  /** Seconds; 0 for a still. */
  readonly duration: number;
  /** Frames per second, 0 when unknown. */
  readonly fps: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Which tool reads a file: `auto` (the default) is ffprobe when it is the same build as ffmpeg,
 * else ffmpeg's own input report, so the probe and the extractor read a file alike. Either way
 * the extractor is bound to the probed demuxer.
 */
export type ProbeTool = 'auto' | 'ffprobe' | 'ffmpeg';

/**
 * Reads format, duration, frame rate and size of the first video stream. A file whose format
 * is not allowed, or whose frames exceed `maxFramePixels`, is a RefusedMediaError.
 */
export async function probeMedia(
  tools: FfmpegTools,
  path: string,
  options: { timeoutMs: number; maxFramePixels: number; signal?: AbortSignal; via?: ProbeTool },
): Promise<MediaInfo> {
  const via = options.via ?? 'auto';
  const withFfprobe = via === 'ffprobe' || (via === 'auto' && tools.sameBuild);
  const raw = withFfprobe
    ? await probeWithFfprobe(tools.ffprobe, path, options)
    : await probeWithFfmpeg(tools.ffmpeg, path, options);
  const container = CONTAINERS[raw.formatName];
  const still = STILLS[raw.formatName];
  const demuxer = container ?? still;
  if (demuxer === undefined) throw refusedFormat(raw.formatName);
  if (!(raw.width > 0 && raw.height > 0))
    throw new AiDetectionError('video stream has no frame size', 'ERR_VIDEO_UNDECODABLE', NOT_RETRYABLE);
  if (raw.width * raw.height > options.maxFramePixels) {
    throw new RefusedMediaError(
      `frames of ${raw.width}×${raw.height} exceed the ${options.maxFramePixels}-pixel limit`,
      'ERR_VIDEO_FRAME_TOO_LARGE',
    );
  }
  if (still !== undefined)
    return { demuxer, still: true, duration: 0, fps: raw.fps, width: raw.width, height: raw.height };
  if (!Number.isFinite(raw.duration) || raw.duration <= 0)
    throw new AiDetectionError('video has no usable duration', 'ERR_VIDEO_UNDECODABLE', NOT_RETRYABLE);
  return {
    demuxer,
    still: false,
    duration: raw.duration,
    fps: raw.fps,
    width: raw.width,
    height: raw.height,
  };
}

interface RawProbe {
  formatName: string;
  duration: number;
  fps: number;
  width: number;
  height: number;
}

type ProbeOptions = { timeoutMs: number; signal?: AbortSignal };

async function probeWithFfprobe(ffprobe: string, path: string, options: ProbeOptions): Promise<RawProbe> {
  let stdout: string;
  try {
    ({ stdout } = await runTool(
      ffprobe,
      [
        '-v',
        'error',
        ...INPUT_GUARD,
        '-select_streams',
        'v:0',
        '-show_entries',
        'format=duration,format_name:stream=avg_frame_rate,r_frame_rate,width,height',
        '-of',
        'json',
        path,
      ],
      { timeout: options.timeoutMs, signal: options.signal, maxBuffer: 1 << 20 },
    ));
  } catch (cause) {
    throw probeFailure(cause, options.signal);
  }
  let parsed: {
    format?: { duration?: string; format_name?: string };
    streams?: Array<{ avg_frame_rate?: string; r_frame_rate?: string; width?: number; height?: number }>;
  } = {};
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    // fall through to the checks below
  }
  const stream = parsed.streams?.[0];
  if (!stream) throw new AiDetectionError('file has no video stream', 'ERR_VIDEO_UNDECODABLE', NOT_RETRYABLE);
  return {
    formatName: parsed.format?.format_name ?? '',
    duration: Number(parsed.format?.duration),
    fps: rate(stream.avg_frame_rate) || rate(stream.r_frame_rate),
    width: Number(stream.width ?? 0),
    height: Number(stream.height ?? 0),
  };
}

/**
 * `ffmpeg -i file` with no output prints the input report and exits 1 ("At least one output
 * file must be specified"); the report's layout has been stable across ffmpeg releases.
 */
async function probeWithFfmpeg(ffmpeg: string, path: string, options: ProbeOptions): Promise<RawProbe> {
  let stderr: string;
  try {
    ({ stderr } = await runTool(ffmpeg, ['-hide_banner', '-nostdin', ...INPUT_GUARD, '-i', path], {
      timeout: options.timeoutMs,
      signal: options.signal,
      maxBuffer: 1 << 20,
    }));
  } catch (cause) {
    if (options.signal?.aborted) throw options.signal.reason ?? cause;
    const text = cause && typeof cause === 'object' && 'stderr' in cause ? String(cause.stderr) : '';
    const killed = (cause as { killed?: boolean }).killed === true;
    if (killed || !/^Input #0, /m.test(text)) throw probeFailure(cause, options.signal);
    stderr = text;
  }
  const report = ownLines(stderr);
  const format = /^Input #0, (.+?), from '/m.exec(report);
  const streams = [...report.matchAll(/^\s*Stream #0:(\d+)\S*: (.*)$/gm)];
  const durations = [...report.matchAll(/^\s*Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/gm)];
  // One input has one Duration line and one line per stream (a stream in two programs is listed
  // twice, alike). Anything else means text the file chose made it past ownLines: believe none of it.
  const seen = new Map<string, string>();
  let ambiguous = durations.length > 1;
  for (const [line, index] of streams) {
    if ((seen.get(index!) ?? line) !== line) ambiguous = true;
    seen.set(index!, line);
  }
  if (ambiguous) throw new AiDetectionError('ambiguous input report', 'ERR_VIDEO_UNDECODABLE', NOT_RETRYABLE);
  const videos = streams
    .filter((m) => m[2]!.startsWith('Video: '))
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  const video = videos[0]?.[2];
  if (!format || video === undefined)
    throw new AiDetectionError('file has no video stream', 'ERR_VIDEO_UNDECODABLE', NOT_RETRYABLE);
  const duration = durations[0];
  const size = /, (\d{1,6})x(\d{1,6})(?=[\s,]|$)/.exec(video);
  const fps = /, (\d+(?:\.\d+)?) fps\b/.exec(video) ?? /, (\d+(?:\.\d+)?) tbr\b/.exec(video);
  return {
    formatName: format[1]!,
    duration: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : NaN,
    fps: fps ? rate(fps[1]) : 0,
    width: size ? Number(size[1]) : 0,
    height: size ? Number(size[2]) : 0,
  };
}

/**
 * The report without its metadata blocks: their keys and values are the file's own text and may
 * read like report lines ("Stream #0:0: Video: h264, 16x16"). A block is a `Metadata:` line and
 * every line indented deeper below it.
 */
function ownLines(stderr: string): string {
  const kept: string[] = [];
  let block = -1;
  for (const line of stderr.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (block >= 0 && indent > block) continue;
    block = /^\s*Metadata:\s*$/.test(line) ? indent : -1;
    if (block < 0) kept.push(line);
  }
  return kept.join('\n');
}

function probeFailure(cause: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? cause;
  const stderr = cause && typeof cause === 'object' && 'stderr' in cause ? String(cause.stderr) : '';
  // libavformat names the demuxer it refused: "[hls @ 0x…] Format not on whitelist '…'".
  const refused = /\[([^\s@\]]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  if (refused) return refusedFormat(refused[1]!);
  if (/exceeds max_streams/.test(stderr))
    return new RefusedMediaError(`file has more than ${MAX_STREAMS} streams`, 'ERR_VIDEO_FORMAT_REFUSED');
  // A probe killed at its timeout may have been starved of CPU, and one that could not start
  // (a string errno such as EAGAIN) never read the file; a probe that ran and failed read it.
  const failure = cause && typeof cause === 'object' ? (cause as { killed?: unknown; code?: unknown }) : {};
  return new AiDetectionError(`not a readable video: ${firstLine(cause)}`, 'ERR_VIDEO_UNDECODABLE', {
    cause,
    retryable: failure.killed === true || typeof failure.code === 'string',
  });
}

function refusedFormat(name: string): RefusedMediaError {
  return new RefusedMediaError(
    `media format ${JSON.stringify(name.slice(0, 60))} is not accepted (containers: ${Object.keys(CONTAINERS).join(' | ')}; images: ${Object.keys(STILLS).join(' | ')})`,
    'ERR_VIDEO_FORMAT_REFUSED',
  );
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
