import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiDetectionError } from '../../../src/errors.js';
import {
  FrameSampler,
  RefusedMediaError,
  ffmpegBinary,
  ffprobeBinary,
  type SampleResult,
} from '../../../src/services/ai-detector/index.js';
import {
  isBlue,
  isRed,
  playlistDisguisedAsTs,
  rampVideo,
  solidVideo,
  stillImage,
  testsrcVideo,
  tsVideo,
  webmVideo,
} from './media-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-frame-sampler-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('FrameSampler', () => {
  it('midpoints placement: the midpoints of equal slices', () => {
    expect(new FrameSampler({ frames: 4, placement: 'midpoints' }).timestamps(2)).toEqual([0.25, 0.75, 1.25, 1.75]);
    expect(new FrameSampler({ placement: 'midpoints' }).timestamps(10)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]);
  });

  it('refuses an unknown placement and a placement key that is not 32 bytes', () => {
    expect(() => new FrameSampler({ placement: 'random' as never })).toThrow(RangeError);
    expect(() => new FrameSampler({ placementKey: Buffer.alloc(16) })).toThrow(RangeError);
  });

  it('extracts exactly 10 PNG frames from a real video, in time order', async () => {
    const sample = await new FrameSampler().sample(await testsrcVideo(dir));
    expect(sample.requested).toBe(10);
    expect(sample.duration).toBeCloseTo(1, 1);
    expect(sample.frames).toHaveLength(10);
    expect(sample.frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A 1 s clip at 10 fps has exactly 10 frames: each slice gets its own.
    expect(new Set(sample.frames.map((f) => f.timestamp)).size).toBe(10);
    for (const frame of sample.frames) {
      const image = PNG.sync.read(frame.png);
      expect([image.width, image.height]).toEqual([64, 64]);
    }
  });

  it('takes frames from across the duration (a brightening clip gives rising frames)', async () => {
    const sample = await new FrameSampler({ frames: 5 }).sample(await rampVideo(dir));
    const brightness = sample.frames.map((f) => PNG.sync.read(f.png).data[0]!);
    for (let i = 1; i < brightness.length; i++) expect(brightness[i]!).toBeGreaterThan(brightness[i - 1]!);
  });

  it('scales big frames down to maxDimension', async () => {
    const sample = await new FrameSampler({ frames: 1, maxDimension: 32 }).sample(await testsrcVideo(dir));
    const image = PNG.sync.read(sample.frames[0]!.png);
    expect(Math.max(image.width, image.height)).toBe(32);
  });

  it('a still image is one frame, asked for once', async () => {
    const sample = await new FrameSampler().sample(await stillImage(dir));
    expect(sample.requested).toBe(1);
    expect(sample.frames).toHaveLength(1);
    expect(PNG.sync.read(sample.frames[0]!.png).width).toBe(64);
  });

  it('a file that is not a video is a typed error', async () => {
    const file = join(dir, 'page.html');
    await writeFile(file, '<html>not a video</html>');
    const error = await new FrameSampler().sample(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE' });
  });

  it('validates its options', () => {
    expect(() => new FrameSampler({ frames: 0 })).toThrow(RangeError);
    expect(() => new FrameSampler({ frames: 2.5 })).toThrow(/frames/);
    expect(() => new FrameSampler({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

/** The binaries shipped with the npm packages: two different builds, so probing uses ffmpeg. */
async function npmTools(): Promise<{ ffmpegPath: string; ffprobePath: string }> {
  return { ffmpegPath: await ffmpegBinary(), ffprobePath: await ffprobeBinary() };
}

describe.each([
  ['the installed ffmpeg', async () => ({})],
  ['the npm-shipped binaries', npmTools],
])('FrameSampler with %s: hostile files', (_name, tools) => {
  it('a playlist disguised as MPEG-TS never yields frames of the local file it names', async () => {
    const { crafted, secret } = await playlistDisguisedAsTs(dir);
    // The secret file alone decodes (to red): what the extractor would score if it followed the playlist.
    const direct = await new FrameSampler({ frames: 1, ...(await tools()) }).sample(secret);
    expect(isRed(direct.frames[0]!.png)).toBe(true);

    const sampler = new FrameSampler({ frames: 4, ...(await tools()) });
    const outcome = await sampler.sample(crafted).catch((e: unknown) => e);
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(RefusedMediaError);
      expect(outcome).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED', retryable: false });
      expect(outcome.message).toMatch(/hls/);
    } else {
      // Had the probe read the bytes as MPEG-TS, only the stream after the playlist (blue) may show.
      const frames = (outcome as SampleResult).frames;
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.filter((f) => isRed(f.png) || !isBlue(f.png))).toEqual([]);
    }
  });

  it('a concat script naming a local file is refused', async () => {
    const { secret } = await playlistDisguisedAsTs(dir);
    const file = join(dir, 'concat-script');
    await writeFile(file, `ffconcat version 1.0\nfile '${secret}'\n`);
    const error = await new FrameSampler({ frames: 2, ...(await tools()) })
      .sample(file)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED' });
  });

  it('frames larger than maxFramePixels are refused before decoding', async () => {
    const error = await new FrameSampler({ frames: 2, maxFramePixels: 64 * 63, ...(await tools()) })
      .sample(await testsrcVideo(dir))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedMediaError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FRAME_TOO_LARGE', retryable: false });
    expect((error as Error).message).toMatch(/64×64/);
  });

  it('by default a 4112×4096 video is refused and a 64×64 one is sampled', async () => {
    const sampler = new FrameSampler({ frames: 1, ...(await tools()) });
    const error = await sampler.sample(await solidVideo(dir, 'huge', 4112, 4096)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FRAME_TOO_LARGE' });
    expect((await sampler.sample(await testsrcVideo(dir))).frames).toHaveLength(1);
  });

  it('a JPEG image is one frame', async () => {
    const sample = await new FrameSampler({ ...(await tools()) }).sample(await stillImage(dir));
    expect(sample.requested).toBe(1);
    expect(PNG.sync.read(sample.frames[0]!.png).width).toBe(64);
  });

  it('samples WebM and MPEG-TS as well as MP4', async () => {
    for (const file of [await webmVideo(dir), await tsVideo(dir)]) {
      const sample = await new FrameSampler({ frames: 3, ...(await tools()) }).sample(file);
      expect(sample.frames).toHaveLength(3);
    }
  });
});

describe('FrameSampler: the extractor is bound to the probed demuxer', () => {
  it('when the probe reads the disguised playlist as MPEG-TS, the frames come from the MPEG-TS stream only', async () => {
    // The exact pair: the npm ffprobe (a newer build) sees MPEG-TS, while the npm ffmpeg
    // (2018), left to probe the bytes itself, would pick HLS and decode the local red file.
    const { crafted } = await playlistDisguisedAsTs(dir);
    const sampler = new FrameSampler({ frames: 4, probeWith: 'ffprobe', ...(await npmTools()) });
    expect(await sampler.probe(crafted)).toMatchObject({ demuxer: 'mpegts', still: false });
    const sample = await sampler.sample(crafted);
    expect(sample.frames.length).toBeGreaterThan(0);
    expect(sample.frames.filter((f) => !isBlue(f.png))).toEqual([]);
  });
});
