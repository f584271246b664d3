import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AiDetectionError } from '../../../src/errors.js';
import type { FfmpegTools } from '../../../src/services/ai-detector/ffmpeg-tools.js';
import { RefusedMediaError, probeMedia } from '../../../src/services/ai-detector/media-probe.js';

/*
 * The probe parses what ffprobe and ffmpeg print. Real binaries only print well-formed reports for
 * the files we can make, so these tests stand in for the binaries with scripts that print the
 * reports (and failures) a broken or hostile file can produce.
 */

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-media-probe-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function script(body: string): Promise<string> {
  const file = join(dir, `tool-${n++}`);
  await writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

function tools(over: Partial<FfmpegTools>): FfmpegTools {
  return {
    ffmpeg: '/nonexistent/ffmpeg',
    ffmpegVersion: 'x',
    ffmpegSource: 'config',
    ffprobe: '/nonexistent/ffprobe',
    ffprobeVersion: 'x',
    ffprobeSource: 'config',
    sameBuild: true,
    ...over,
  };
}

const limits = { timeoutMs: 10_000, maxFramePixels: 4096 * 4096 };

/** An ffprobe that prints this JSON. */
async function ffprobeSaying(value: unknown): Promise<FfmpegTools> {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return tools({ ffprobe: await script(`cat <<'JSON'\n${text}\nJSON`) });
}

/** An ffmpeg whose input report (on stderr, exit 1 as with no output file) is this text. */
async function ffmpegReporting(report: string, exit = 1): Promise<FfmpegTools> {
  return tools({ ffmpeg: await script(`cat >&2 <<'TXT'\n${report}\nTXT\nexit ${exit}`), sameBuild: false });
}

describe('probeMedia with ffprobe', () => {
  it('is the default when ffprobe is the same build, and falls back to r_frame_rate', async () => {
    const t = await ffprobeSaying({
      format: { format_name: 'mpegts', duration: '4.5' },
      streams: [{ avg_frame_rate: '0/0', r_frame_rate: '30000/1001', width: 320, height: 240 }],
    });
    const info = await probeMedia(t, 'file.ts', limits);
    expect(info).toMatchObject({ demuxer: 'mpegts', still: false, duration: 4.5, width: 320, height: 240 });
    expect(info.fps).toBeCloseTo(29.97, 2);
  });

  it('an absurd or missing frame rate reads as unknown (0)', async () => {
    const t = await ffprobeSaying({
      format: { format_name: 'matroska,webm', duration: '2' },
      streams: [{ avg_frame_rate: '5000/1', width: 16, height: 16 }],
    });
    expect((await probeMedia(t, 'f', { ...limits, via: 'ffprobe' })).fps).toBe(0);
  });

  it('a stream without a size is ERR_VIDEO_UNDECODABLE', async () => {
    const t = await ffprobeSaying({ format: { format_name: 'avi', duration: '1' }, streams: [{}] });
    await expect(probeMedia(t, 'f', limits)).rejects.toMatchObject({
      code: 'ERR_VIDEO_UNDECODABLE',
      message: 'video stream has no frame size',
    });
  });

  it('a container without a duration is ERR_VIDEO_UNDECODABLE', async () => {
    const t = await ffprobeSaying({ format: { format_name: 'flv' }, streams: [{ width: 8, height: 8 }] });
    await expect(probeMedia(t, 'f', limits)).rejects.toMatchObject({
      code: 'ERR_VIDEO_UNDECODABLE',
      message: 'video has no usable duration',
    });
  });

  it('a report without a format name is a refused format', async () => {
    const t = await ffprobeSaying({ streams: [{ width: 8, height: 8 }] });
    const error = await probeMedia(t, 'f', limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect((error as Error).message).toMatch(/^media format "" is not accepted/);
  });

  it('output that is not JSON means no video stream', async () => {
    const t = await ffprobeSaying('this is not json');
    await expect(probeMedia(t, 'f', limits)).rejects.toMatchObject({ message: 'file has no video stream' });
  });

  it('a whitelist refusal on stderr names the refused demuxer', async () => {
    const t = tools({ ffprobe: await script(`echo "[hls @ 0x55d0] Format not on whitelist 'file'" >&2; exit 1`) });
    const error = await probeMedia(t, 'f', limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect((error as Error).message).toMatch(/^media format "hls" is not accepted/);
  });

  it('a failure quotes the first line of stderr', async () => {
    const t = tools({ ffprobe: await script(`printf 'f: Invalid data found\\nsecond line\\n' >&2; exit 1`) });
    await expect(probeMedia(t, 'f', limits)).rejects.toMatchObject({
      code: 'ERR_VIDEO_UNDECODABLE',
      message: 'not a readable video: f: Invalid data found',
    });
  });

  it('a caller abort while probing rejects with the caller’s reason', async () => {
    const marker = join(dir, 'probe-started');
    const t = tools({ ffprobe: await script(`touch ${marker}; exec sleep 30`) });
    const controller = new AbortController();
    const pending = probeMedia(t, 'f', { ...limits, signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(existsSync(marker)).toBe(true));
    const reason = new Error('cycle over');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });
});

describe('probeMedia with ffmpeg’s input report', () => {
  const header = "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':";

  it('reads the rate from tbr when fps is absent', async () => {
    const t = await ffmpegReporting(
      [header, '  Duration: 00:01:02.50, start: 0.000000, bitrate: 100 kb/s', '    Stream #0:0(und): Video: h264, yuv420p, 640x360, 25 tbr, 12800 tbn'].join('\n'),
    );
    expect(await probeMedia(t, 'clip.mp4', limits)).toEqual({ demuxer: 'mov', still: false, duration: 62.5, fps: 25, width: 640, height: 360 });
  });

  it('a report without a Duration line is ERR_VIDEO_UNDECODABLE', async () => {
    const t = await ffmpegReporting([header, '    Stream #0:0: Video: h264, yuv420p, 64x64, 30 fps'].join('\n'));
    await expect(probeMedia(t, 'f', { ...limits, via: 'ffmpeg' })).rejects.toMatchObject({ message: 'video has no usable duration' });
  });

  it('a video stream without size or rate is ERR_VIDEO_UNDECODABLE', async () => {
    const t = await ffmpegReporting([header, '  Duration: 00:00:01.00', '    Stream #0:0: Video: h264'].join('\n'));
    await expect(probeMedia(t, 'f', limits)).rejects.toMatchObject({ message: 'video stream has no frame size' });
  });

  it('a report that exits 0 is read the same way', async () => {
    const t = await ffmpegReporting(
      ["Input #0, png_pipe, from 'x':", '    Stream #0:0: Video: png, rgb24, 10x20, 25 fps'].join('\n'),
      0,
    );
    expect(await probeMedia(t, 'x', limits)).toEqual({ demuxer: 'png_pipe', still: true, duration: 0, fps: 25, width: 10, height: 20 });
  });

  it('a failure without an input report is ERR_VIDEO_UNDECODABLE; with no stderr it quotes the exit', async () => {
    const t = tools({ ffmpeg: await script('exit 2'), sameBuild: false });
    const error = await probeMedia(t, 'f', limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect((error as Error).message).toMatch(/^not a readable video: Command failed: /);
  });

  it('an ffmpeg killed by the timeout is a failure even if it printed a report', async () => {
    const t = tools({ ffmpeg: await script(`echo "${header}" >&2; exec sleep 30`), sameBuild: false });
    await expect(probeMedia(t, 'f', { ...limits, timeoutMs: 200 })).rejects.toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE' });
  });

  it('a caller abort while probing rejects with the caller’s reason', async () => {
    const marker = join(dir, 'ffmpeg-started');
    const t = tools({ ffmpeg: await script(`touch ${marker}; exec sleep 30`), sameBuild: false });
    const controller = new AbortController();
    const pending = probeMedia(t, 'f', { ...limits, signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(existsSync(marker)).toBe(true));
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });
});
