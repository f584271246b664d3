import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectionError } from '../../../src/errors.js';
import {
  FrameSampler,
  RefusedMediaError,
  ffmpegBinary,
  ffprobeBinary,
} from '../../../src/services/ai-detector/index.js';
import { stillImage, testsrcVideo } from './media-helpers.js';

const run = promisify(execFile);

let dir: string;
let audioOnly: string;
let gif: string;
let video: string;
let still: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-frame-sampler-edges-'));
  const ffmpeg = await ffmpegBinary();
  audioOnly = join(dir, 'tone.mp4');
  await run(ffmpeg, ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', audioOnly]);
  gif = join(dir, 'anim.gif');
  await run(ffmpeg, ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=32x32:d=1:r=5', gif]);
  video = await testsrcVideo(dir);
  still = await stillImage(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Both npm-shipped binaries, so each probe path can be chosen explicitly. */
async function sampler(probeWith: 'ffprobe' | 'ffmpeg', extra: Record<string, unknown> = {}): Promise<FrameSampler> {
  return new FrameSampler({
    frames: 2,
    probeWith,
    ffmpegPath: await ffmpegBinary(),
    ffprobePath: await ffprobeBinary(),
    ...extra,
  });
}

describe('FrameSampler option validation', () => {
  it('names each bad option and its value', () => {
    expect(() => new FrameSampler({ frames: 101 })).toThrow(
      new RangeError('options.frames must be an integer in 1..100, got 101'),
    );
    expect(() => new FrameSampler({ timeoutMs: Number.NaN })).toThrow(
      new RangeError('options.timeoutMs must be a positive number, got NaN'),
    );
    expect(() => new FrameSampler({ maxDimension: 8 })).toThrow(
      new RangeError('options.maxDimension must be an integer >= 16, got 8'),
    );
    expect(() => new FrameSampler({ maxDimension: 100.5 })).toThrow(/maxDimension/);
    expect(() => new FrameSampler({ maxFramePixels: 255 })).toThrow(
      new RangeError('options.maxFramePixels must be an integer >= 256, got 255'),
    );
    expect(() => new FrameSampler({ maxFramePixels: 2 ** 60 })).toThrow(/maxFramePixels/);
    expect(() => new FrameSampler({ probeWith: 'mediainfo' as never })).toThrow(
      new RangeError('options.probeWith must be auto, ffprobe or ffmpeg, got mediainfo'),
    );
  });
});

describe.each(['ffprobe', 'ffmpeg'] as const)('FrameSampler probing with %s', (probeWith) => {
  it('a file with sound but no picture is ERR_VIDEO_UNDECODABLE', async () => {
    const error = await (await sampler(probeWith)).sample(audioOnly).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE', message: 'file has no video stream' });
  });

  it('a GIF is a refused format, named in the error', async () => {
    const error = await (await sampler(probeWith)).sample(gif).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED', retryable: false });
    expect((error as Error).message).toMatch(/^media format "gif" is not accepted/);
  });

  it('a file that does not exist is ERR_VIDEO_UNDECODABLE, not a crash', async () => {
    const error = await (await sampler(probeWith)).sample(join(dir, 'absent.mp4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE' });
    expect((error as Error).message).toMatch(/^not a readable video: /);
  });

  it('reads a video’s duration, rate and size, and a still as one frame of duration 0', async () => {
    const s = await sampler(probeWith);
    const info = await s.probe(video);
    expect(info).toMatchObject({ demuxer: 'mov', still: false });
    expect(info.duration).toBeGreaterThan(0);
    expect(info.fps).toBeGreaterThan(0);
    expect(info.width * info.height).toBeGreaterThan(0);
    const image = await s.probe(still);
    expect(image).toMatchObject({ demuxer: 'jpeg_pipe', still: true, duration: 0, width: 64, height: 64 });
    expect((await s.sample(video)).frames).toHaveLength(2);
  });

  it('frames over maxFramePixels are refused with the size in the message', async () => {
    const error = await (await sampler(probeWith, { maxFramePixels: 256 })).probe(still).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FRAME_TOO_LARGE' });
    expect((error as Error).message).toBe('frames of 64×64 exceed the 256-pixel limit');
  });

  it('an already aborted signal rejects with its reason before any process starts', async () => {
    const s = await sampler(probeWith);
    const reason = new Error('stop');
    await expect(s.sample(video, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('FrameSampler binaries', () => {
  it('logs the binaries once resolved, saying when files are probed with ffmpeg itself', async () => {
    const lines: Array<{ msg: string; sameBuild: boolean }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const s = await sampler('ffmpeg', { logger });
    const tools = await s.tools();
    expect(await s.tools()).toBe(tools);
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatchObject({ sameBuild: false });
    expect(lines[0]!.msg).toBe(
      'ffmpeg binaries in use; ffprobe is another build, so files are probed with ffmpeg itself',
    );
  });

  it('a failed resolution is not cached: the next call tries again', async () => {
    const s = new FrameSampler({ ffmpegPath: join(dir, 'ffmpeg-later') });
    const first = s.tools();
    await expect(first).rejects.toMatchObject({ flag: '--ai_detector.ffmpeg_path' });
    // The binary appears (an operator fixes the path's target); the sampler must pick it up.
    await writeFile(
      join(dir, 'ffmpeg-later'),
      `#!/bin/sh\nexec ${JSON.stringify(await ffmpegBinary())} "$@"\n`,
      { mode: 0o755 },
    );
    const second = s.tools();
    expect(second).not.toBe(first);
    expect((await second).ffmpeg).toBe(join(dir, 'ffmpeg-later'));
  });
});
