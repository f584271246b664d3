import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectionError, ConfigError } from '../../../src/errors.js';
import { ffprobeBinary, resolveFfmpegTools } from '../../../src/services/ai-detector/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-ffmpeg-tools-edges-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A PATH directory whose `ffmpeg` is the given shell script and whose `ffprobe` is the real one. */
async function binWith(name: string, script: string): Promise<string> {
  const bin = join(dir, name);
  await mkdir(bin);
  await writeFile(join(bin, 'ffmpeg'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  await symlink(await ffprobeBinary(), join(bin, 'ffprobe'));
  return bin;
}

describe('resolveFfmpegTools: binaries that are not what they claim', () => {
  it('an ffmpeg on the PATH that fails -version is ERR_FFMPEG_UNAVAILABLE, not a config error', async () => {
    const bin = await binWith('failing', 'echo broken >&2; exit 3');
    const error = await resolveFfmpegTools({ env: { PATH: bin } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).not.toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'ERR_FFMPEG_UNAVAILABLE' });
    expect((error as Error).message).toMatch(new RegExp(`^${join(bin, 'ffmpeg')} -version failed: `));
  });

  it('an ffmpeg on the PATH that prints something else is ERR_FFMPEG_UNAVAILABLE quoting its output', async () => {
    const bin = await binWith('impostor', 'echo "hello world"');
    const error = await resolveFfmpegTools({ env: { PATH: bin } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_FFMPEG_UNAVAILABLE' });
    expect((error as Error).message).toBe(`${join(bin, 'ffmpeg')} does not look like ffmpeg: "hello world\\n"`);
  });

  it('a configured ffmpeg that fails -version is a ConfigError naming the flag', async () => {
    const bin = await binWith('configured', 'exit 1');
    const error = await resolveFfmpegTools({ ffmpegPath: join(bin, 'ffmpeg'), env: { PATH: '' } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ flag: '--ai_detector.ffmpeg_path' });
    expect((error as Error).message).toContain('-version failed');
  });

  it('relative and empty PATH entries are never searched', async () => {
    const bin = await binWith('relative', 'echo "ffmpeg version 9.9-test"');
    const relative = join('.', 'relative-not-searched');
    const tools = await resolveFfmpegTools({ env: { PATH: ['', relative, bin].join(delimiter) } });
    expect(tools).toMatchObject({ ffmpeg: join(bin, 'ffmpeg'), ffmpegVersion: '9.9-test', ffmpegSource: 'path' });
    expect(tools.sameBuild).toBe(false);
  });
});
