import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectionError } from '../../../src/errors.js';
import { RefusedMediaError, ffmpegBinary } from '../../../src/services/ai-detector/index.js';
import { resolveFfmpegTools } from '../../../src/services/ai-detector/ffmpeg-tools.js';
import { probeMedia } from '../../../src/services/ai-detector/media-probe.js';

/*
 * When ffprobe is another build, files are probed from ffmpeg's printed input report. The report
 * prints the file's metadata tags, keys and values as the file spells them, so a tag can read like
 * a report line. Real files with such tags, probed by real ffmpeg binaries.
 */

const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-probe-injection-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A 1 s 640×480 clip carrying one metadata tag `key=x`. */
async function tagged(name: string, format: 'flv' | 'mp4', key: string): Promise<string> {
  const file = join(dir, name);
  await run(await ffmpegBinary(), [
    '-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'color=c=blue:s=640x480:d=1:r=10',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p',
    ...(format === 'mp4' ? ['-movflags', 'use_metadata_tags'] : []),
    '-metadata', `${key}=x`, '-f', format, file,
  ]);
  return file;
}

const fakeStream = 'Stream #0:0: Video: h264, yuv420p, 16x16, 10 fps, 10 tbr';
const fakeDuration = 'Duration: 10:00:00.00, start: 0.000000, bitrate: 1 kb/s';

describe.each([
  ['the installed ffmpeg', () => resolveFfmpegTools()],
  ['the npm-shipped ffmpeg', async () => resolveFfmpegTools({ ffmpegPath: await ffmpegBinary() })],
])('probeMedia from %s’s input report: metadata that reads like the report', (_name, tools) => {
  it.each([
    ['flv', 'flv'],
    ['mp4', 'mp4'],
  ] as const)('a %s tag named like a 16×16 video stream does not hide the real 640×480 one', async (name, format) => {
    const file = await tagged(`stream-tag.${name}`, format, fakeStream);
    const info = await probeMedia(await tools(), file, { timeoutMs: 20_000, maxFramePixels: 4096 * 4096, via: 'ffmpeg' });
    expect([info.width, info.height]).toEqual([640, 480]);
    const error = await probeMedia(await tools(), file, { timeoutMs: 20_000, maxFramePixels: 64 * 64, via: 'ffmpeg' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FRAME_TOO_LARGE' });
  });

  it('a tag named like a ten-hour Duration line does not set the duration', async () => {
    const file = await tagged('duration-tag.mp4', 'mp4', fakeDuration);
    const info = await probeMedia(await tools(), file, { timeoutMs: 20_000, maxFramePixels: 4096 * 4096, via: 'ffmpeg' });
    expect(info.duration).toBeCloseTo(1, 1);
  });

  it('a tag whose key breaks the line to forge report lines makes the report unusable, not believed', async () => {
    const file = await tagged('newline-tag.flv', 'flv', `note\n    ${fakeStream}\n  ${fakeDuration}`);
    const error = await probeMedia(await tools(), file, { timeoutMs: 20_000, maxFramePixels: 4096 * 4096, via: 'ffmpeg' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE', message: 'ambiguous input report' });
  });

  it('ordinary tags on the file and its stream leave the report readable', async () => {
    const file = await tagged('plain-tag.mp4', 'mp4', 'title');
    const info = await probeMedia(await tools(), file, { timeoutMs: 20_000, maxFramePixels: 4096 * 4096, via: 'ffmpeg' });
    expect(info).toMatchObject({ demuxer: 'mov', width: 640, height: 480, fps: 10 });
    expect(info.duration).toBeCloseTo(1, 1);
  });
});
