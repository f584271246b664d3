import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectionError } from '../../../src/errors.js';
import { FrameSampler, RefusedMediaError, ffmpegBinary, ffprobeBinary } from '../../../src/services/ai-detector/index.js';
import { MAX_STREAMS, probeMedia } from '../../../src/services/ai-detector/media-probe.js';
import { isBlue, testsrcVideo } from './media-helpers.js';

const run = promisify(execFile);

let dir: string;
/** Where the sampler makes its temporary directories during these tests (os.tmpdir() reads TMPDIR). */
let scratch: string;
const savedTmpdir = process.env['TMPDIR'];
let ffmpeg: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-hostile-media-'));
  scratch = join(dir, 'scratch');
  await mkdir(scratch);
  process.env['TMPDIR'] = scratch;
  ffmpeg = await ffmpegBinary();
});
afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmpdir;
  await rm(dir, { recursive: true, force: true });
});

/** An MPEG-TS clip of one flat colour, every frame a keyframe, starting at `offset` seconds. */
async function tsClip(name: string, colour: string, size: number, offset = 0): Promise<string> {
  const file = join(dir, name);
  await run(ffmpeg, [
    '-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=${size}x${size}:d=1:r=10`,
    '-c:v', 'libx264', '-g', '1', '-pix_fmt', 'yuv420p', '-output_ts_offset', String(offset), '-f', 'mpegts', file,
  ]);
  return file;
}

async function joined(name: string, parts: readonly string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, Buffer.concat(await Promise.all(parts.map((p) => readFile(p)))));
  return file;
}

function isGreen(png: Buffer): boolean {
  const image = PNG.sync.read(png);
  const at = ((image.height >> 1) * image.width + (image.width >> 1)) * 4;
  return image.data[at + 1]! > 100 && image.data[at]! < 60 && image.data[at + 2]! < 60;
}

/** A stand-in binary that ignores SIGTERM (as ffmpeg may while it finishes a frame) and records its pid. */
async function stubborn(name: string): Promise<{ path: string; pids: () => Promise<number[]> }> {
  const pidFile = join(dir, `${name}.pids`);
  const path = join(dir, name);
  await writeFile(
    path,
    `#!/bin/sh\nif [ "$1" = -version ]; then echo "${name} version stub"; exit 0; fi\necho $$ >> ${pidFile}\ntrap '' TERM\nexec sleep 30\n`,
    { mode: 0o755 },
  );
  const pids = async (): Promise<number[]> =>
    (await readFile(pidFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  return { path, pids };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each([
  ['the installed ffmpeg', async () => ({})],
  ['the npm-shipped binaries', async () => ({ ffmpegPath: await ffmpegBinary(), ffprobePath: await ffprobeBinary() })],
])('FrameSampler with %s: files that lie about their size or length', (_name, tools) => {
  it('a stream that switches to larger frames after its start yields no frame above maxFramePixels', async () => {
    // The probe reads the first SPS (64×64); the second half is 160×160 with no new header up front.
    const file = await joined('grows.ts', [await tsClip('small.ts', 'blue', 64), await tsClip('big.ts', 'red', 160, 1)]);
    const sampler = new FrameSampler({ frames: 4, maxFramePixels: 64 * 64, ...(await tools()) });
    const sample = await sampler.sample(file);
    expect(sample.duration).toBeCloseTo(2, 1);
    expect(sample.frames.length).toBeGreaterThan(0);
    for (const frame of sample.frames) {
      const image = PNG.sync.read(frame.png);
      expect(image.width * image.height).toBeLessThanOrEqual(64 * 64);
      expect(isBlue(frame.png)).toBe(true);
    }
  });

  it('a 20 KB file claiming ten hours is sampled from its own two pictures only, without hanging', async () => {
    const file = await joined('hours.ts', [await tsClip('start.ts', 'blue', 64), await tsClip('end.ts', 'green', 64, 36_000)]);
    const sample = await new FrameSampler({ frames: 4, ...(await tools()) }).sample(file);
    expect(sample.duration).toBeGreaterThan(36_000);
    expect(sample.frames.length).toBeGreaterThan(0);
    expect(sample.frames.filter((f) => !isBlue(f.png) && !isGreen(f.png))).toEqual([]);
  });

  it.each([
    ['matroska', 'many.mkv'],
    ['mp4', 'many.mp4'],
  ])('a %s file of 100 copies of one stream is not read (at most MAX_STREAMS), and a file of 2 is', async (format, name) => {
    const source = join(dir, 'one-stream.mp4');
    await run(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=blue:s=16x16:d=0.5:r=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', source]);
    const copies = (n: number) => Array.from({ length: n }, () => ['-map', '0:v:0']).flat();
    const many = join(dir, name);
    const two = join(dir, `two-${name}`);
    await run(ffmpeg, ['-v', 'error', '-y', '-i', source, ...copies(100), '-c', 'copy', '-f', format, many]);
    await run(ffmpeg, ['-v', 'error', '-y', '-i', source, ...copies(2), '-c', 'copy', '-f', format, two]);
    const sampler = new FrameSampler({ frames: 2, ...(await tools()) });
    const error = await sampler.sample(many).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED', retryable: false });
    expect((error as Error).message).toBe(`file has more than ${MAX_STREAMS} streams`);
    expect((await sampler.sample(two)).frames.length).toBeGreaterThan(0);
  });

  it('a zero-length file and an MP4 cut short after its index are ERR_VIDEO_UNDECODABLE, leaving no temp files', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    const whole = await readFile(await testsrcVideo(dir));
    const cut = join(dir, 'cut.mp4');
    // testsrcVideo is not faststart: re-mux it so the index comes first, then drop the media data.
    const faststart = join(dir, 'faststart.mp4');
    await writeFile(join(dir, 'whole.mp4'), whole);
    await run(ffmpeg, ['-v', 'error', '-y', '-i', join(dir, 'whole.mp4'), '-c', 'copy', '-movflags', '+faststart', faststart]);
    await writeFile(cut, (await readFile(faststart)).subarray(0, 2_000));
    const sampler = new FrameSampler({ frames: 3, ...(await tools()) });
    for (const file of [empty, cut]) {
      const error = await sampler.sample(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AiDetectionError);
      expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE' });
    }
    expect(await readdir(scratch)).toEqual([]);
  });
});

describe('ffmpeg and ffprobe processes that ignore SIGTERM', () => {
  it('a probe past its timeout is killed outright: the call rejects at once and the process is gone', async () => {
    const probe = await stubborn('ffprobe-stub');
    const tools = {
      ffmpeg: '/nonexistent/ffmpeg', ffmpegVersion: 'x', ffmpegSource: 'config' as const,
      ffprobe: probe.path, ffprobeVersion: 'x', ffprobeSource: 'config' as const, sameBuild: true,
    };
    const started = Date.now();
    // A timeout long enough for the stub to have started and written its pid on a loaded machine.
    const error = await probeMedia(tools, join(dir, 'any'), { timeoutMs: 1_000, maxFramePixels: 4096 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE' });
    // The stub sleeps 30 s: only a kill that cannot be deferred ends it this soon.
    expect(Date.now() - started).toBeLessThan(10_000);
    const pids = await probe.pids();
    expect(pids).toHaveLength(1);
    expect(pids.filter(alive)).toEqual([]);
  }, 15_000);

  it('frame extraction past its timeout is killed outright, its retries too, and its temp files are removed', async () => {
    const extractor = await stubborn('ffmpeg-stub');
    const sampler = new FrameSampler({
      frames: 2,
      // Long enough for each stub to start and write its pid before its kill, on a loaded machine.
      timeoutMs: 1_000,
      ffmpegPath: extractor.path,
      ffprobePath: await ffprobeBinary(),
      probeWith: 'ffprobe',
    });
    const started = Date.now();
    const error = await sampler.sample(await testsrcVideo(dir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE' });
    expect(Date.now() - started).toBeLessThan(10_000);
    const pids = await extractor.pids();
    // The shared process, then frames alone, until the video's budget (3 timeouts) ends it; the
    // one that budget aborts is killed outright too, before the call settles.
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids.filter(alive)).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
  }, 15_000);
});
