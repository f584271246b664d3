import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { ffmpegBinary, ffprobeBinary, resolveFfmpegTools } from '../../../src/services/ai-detector/index.js';

let dir: string;
let onPath: string;
let npmFfmpeg: string;
let npmFfprobe: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-ffmpeg-tools-'));
  npmFfmpeg = await ffmpegBinary();
  npmFfprobe = await ffprobeBinary();
  // A PATH directory holding a real ffmpeg and ffprobe (the npm ones, under their plain names).
  onPath = join(dir, 'bin');
  await mkdir(onPath);
  await symlink(npmFfmpeg, join(onPath, 'ffmpeg'));
  await symlink(npmFfprobe, join(onPath, 'ffprobe'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('resolveFfmpegTools', () => {
  it('prefers ffmpeg and ffprobe found on the PATH', async () => {
    const tools = await resolveFfmpegTools({ env: { PATH: `/nonexistent:${onPath}` } });
    expect(tools).toMatchObject({
      ffmpeg: join(onPath, 'ffmpeg'),
      ffmpegSource: 'path',
      ffprobe: join(onPath, 'ffprobe'),
      ffprobeSource: 'path',
    });
  });

  it('falls back to the npm-shipped binaries, and says they are two builds', async () => {
    const tools = await resolveFfmpegTools({ env: { PATH: join(dir, 'empty') } });
    expect(tools).toMatchObject({
      ffmpeg: npmFfmpeg,
      ffmpegSource: 'npm',
      ffprobe: npmFfprobe,
      ffprobeSource: 'npm',
    });
    expect(tools.ffmpegVersion).not.toBe(tools.ffprobeVersion);
    expect(tools.sameBuild).toBe(false);
  });

  it('configured paths win over the PATH; ffprobe defaults to the one beside the configured ffmpeg', async () => {
    const tools = await resolveFfmpegTools({
      ffmpegPath: join(onPath, 'ffmpeg'),
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(tools).toMatchObject({
      ffmpeg: join(onPath, 'ffmpeg'),
      ffmpegSource: 'config',
      ffprobe: join(onPath, 'ffprobe'),
    });
    const both = await resolveFfmpegTools({
      ffmpegPath: npmFfmpeg,
      ffprobePath: npmFfprobe,
      env: { PATH: onPath },
    });
    expect(both).toMatchObject({ ffmpeg: npmFfmpeg, ffprobe: npmFfprobe, ffprobeSource: 'config' });
  });

  it('a configured path that is missing, relative or not ffmpeg is a ConfigError naming the flag', async () => {
    const script = join(dir, 'not-ffmpeg');
    await writeFile(script, '#!/bin/sh\necho hello\n', { mode: 0o755 });
    for (const [options, flag] of [
      [{ ffmpegPath: '/nonexistent/ffmpeg' }, '--ai_detector.ffmpeg_path'],
      [{ ffmpegPath: 'ffmpeg' }, '--ai_detector.ffmpeg_path'],
      [{ ffprobePath: join(dir, 'absent') }, '--ai_detector.ffprobe_path'],
      [{ ffmpegPath: script }, '--ai_detector.ffmpeg_path'],
    ] as const) {
      const error = await resolveFfmpegTools({ ...options, env: { PATH: onPath } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ flag });
    }
  });
});
