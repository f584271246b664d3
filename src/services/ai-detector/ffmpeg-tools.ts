import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { AiDetectionError, ConfigError } from '../../errors.js';

const run = promisify(execFile);

/** Where a binary came from: the config, the PATH, or the npm package that ships it. */
export type ToolSource = 'config' | 'path' | 'npm';

/** The ffmpeg and ffprobe the detector runs, with the versions they report. */
export interface FfmpegTools {
  readonly ffmpeg: string;
  readonly ffmpegVersion: string;
  readonly ffmpegSource: ToolSource;
  readonly ffprobe: string;
  readonly ffprobeVersion: string;
  readonly ffprobeSource: ToolSource;
  /**
   * Whether ffprobe is the same build as ffmpeg. Only then is ffprobe's reading of a file the
   * extractor's reading; otherwise the file is probed with ffmpeg itself.
   */
  readonly sameBuild: boolean;
}

export interface ResolveFfmpegOptions {
  /** `ai_detector.ffmpeg_path`: used as given, never replaced by another binary. */
  readonly ffmpegPath?: string;
  /** `ai_detector.ffprobe_path`; without it, the ffprobe next to the chosen ffmpeg is preferred. */
  readonly ffprobePath?: string;
  /** Environment whose PATH is searched; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Picks the binaries: configured paths first, then ffmpeg/ffprobe on the PATH (the Docker image
 * installs Debian's), then the binaries shipped in `@ffmpeg-installer/ffmpeg` and
 * `@ffprobe-installer/ffprobe`, which are two different builds (ffmpeg from 2018).
 */
export async function resolveFfmpegTools(options: ResolveFfmpegOptions = {}): Promise<FfmpegTools> {
  const env = options.env ?? process.env;
  const ffmpeg = await pick('ffmpeg', options.ffmpegPath, env, [], ffmpegBinary);
  // An ffprobe next to the chosen ffmpeg is most likely the same build.
  const sibling = ffmpeg.source === 'npm' ? [] : [join(dirname(ffmpeg.path), 'ffprobe')];
  const ffprobe = await pick('ffprobe', options.ffprobePath, env, sibling, ffprobeBinary);
  const [ffmpegVersion, ffprobeVersion] = await Promise.all([
    version(ffmpeg.path, 'ffmpeg', ffmpeg.source),
    version(ffprobe.path, 'ffprobe', ffprobe.source),
  ]);
  return {
    ffmpeg: ffmpeg.path,
    ffmpegVersion,
    ffmpegSource: ffmpeg.source,
    ffprobe: ffprobe.path,
    ffprobeVersion,
    ffprobeSource: ffprobe.source,
    sameBuild: ffmpegVersion === ffprobeVersion,
  };
}

async function pick(
  name: 'ffmpeg' | 'ffprobe',
  configured: string | undefined,
  env: NodeJS.ProcessEnv,
  preferred: readonly string[],
  shipped: () => Promise<string>,
): Promise<{ path: string; source: ToolSource }> {
  if (configured !== undefined) {
    if (typeof configured !== 'string' || !isAbsolute(configured) || !(await isExecutable(configured))) {
      throw new ConfigError(
        `ai_detector.${name}_path must be the absolute path of an executable file, got ${JSON.stringify(configured)}`,
        `--ai_detector.${name}_path`,
      );
    }
    return { path: configured, source: 'config' };
  }
  for (const candidate of preferred) {
    if (await isExecutable(candidate)) return { path: candidate, source: 'path' };
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return { path: candidate, source: 'path' };
  }
  return { path: await shipped(), source: 'npm' };
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The build string of `<name> -version`'s first line, e.g. `5.1.6-0+deb12u1`. */
async function version(path: string, name: string, source: ToolSource): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(path, ['-version'], { timeout: 10_000, maxBuffer: 1 << 20 }));
  } catch (cause) {
    const message = `${path} -version failed: ${(cause as Error).message.split('\n')[0] ?? ''}`;
    if (source === 'config') throw new ConfigError(message, `--ai_detector.${name}_path`, { cause });
    throw new AiDetectionError(message, 'ERR_FFMPEG_UNAVAILABLE', { cause });
  }
  const match = /^\S+ version (\S+)/.exec(stdout);
  if (!match) {
    const message = `${path} does not look like ${name}: ${JSON.stringify(stdout.slice(0, 80))}`;
    if (source === 'config') throw new ConfigError(message, `--ai_detector.${name}_path`);
    throw new AiDetectionError(message, 'ERR_FFMPEG_UNAVAILABLE');
  }
  return match[1]!;
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
