import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGHTENGINE_STANDIN_CREDENTIALS,
  SightEngineStandin,
} from '../../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { AiDetectionError, QuotaExceededError, UnsafeUrlError } from '../../../src/errors.js';
import {
  type AiResultCache,
  AiDetectorService,
  MemoryAiResultCache,
  SightEngineClient,
  type AiDetectorServiceOptions,
} from '../../../src/services/ai-detector/index.js';
import type { AiResultRecord } from '../../../src/store/types.js';
import { fileServer, rampVideo, stillImage } from './media-helpers.js';

let standin: SightEngineStandin;
let videos: VideoHost;
let videoBase: string;
let ramp: Awaited<ReturnType<typeof fileServer>>;
let dir: string;
const detectors: AiDetectorService[] = [];

beforeAll(async () => {
  standin = new SightEngineStandin();
  await standin.listen();
  videos = new VideoHost({
    aiScores: { ai70: 0.7, ai20: 0.2, ai90: 0.9, ai40: 0.4, ai55: 0.55, ai65: 0.65, ai35: 0.35, ai85: 0.85 },
  });
  videoBase = await videos.listen();
  dir = await mkdtemp(join(tmpdir(), 'iv-ai-detector-'));
  ramp = await fileServer(await rampVideo(dir));
});

afterEach(async () => {
  await Promise.all(detectors.splice(0).map((d) => d.close()));
});

afterAll(async () => {
  await Promise.all([standin.close(), videos.close(), ramp.close()]);
  await rm(dir, { recursive: true, force: true });
});

function detector(options: Partial<AiDetectorServiceOptions> & { retries?: number } = {}): AiDetectorService {
  const scorer = new SightEngineClient({
    baseUrl: standin.url,
    ...SIGHTENGINE_STANDIN_CREDENTIALS,
    retries: options.retries ?? 0,
    minRetryDelayMs: 1,
  });
  const made = new AiDetectorService({ scorer, allowPrivate: [videoBase, ramp.url], ...options });
  detectors.push(made);
  return made;
}

/** Counts of calls to the stand-ins, to prove what a detection did or did not touch. */
function counters(): { downloads: number; checks: number } {
  return { downloads: videos.requests + ramp.seen.length, checks: standin.requests };
}

describe('AiDetectorService end to end (real ffmpeg, stand-in SightEngine over HTTP)', () => {
  it('samples exactly 10 frames and averages the per-frame scores', async () => {
    const before = counters();
    const result = await detector().detect(`${ramp.url}/ramp.mp4`);
    expect(result.cached).toBe(false);
    expect(result.per_frame).toHaveLength(10);
    expect(counters().checks - before.checks).toBe(10);
    // The clip brightens over time, so each sampled frame scores higher than the one before.
    for (let i = 1; i < 10; i++) expect(result.per_frame[i]!).toBeGreaterThan(result.per_frame[i - 1]!);
    const mean = result.per_frame.reduce((a, b) => a + b, 0) / 10;
    expect(result.mean_ai_generated).toBeCloseTo(mean, 12);
  });

  it('a scenario video comes back with its scenario score', async () => {
    const result = await detector().detect(`${videoBase}/videos/ai70.mp4`);
    expect(Math.abs(result.mean_ai_generated - 0.7)).toBeLessThanOrEqual(0.003);
    expect(result.per_frame).toHaveLength(10);
  });

  it('hits the video cache on the second call: no second download, no second SightEngine call', async () => {
    const service = detector();
    const url = `${videoBase}/videos/ai20.mp4`;
    const first = await service.detect(url);
    const before = counters();
    const second = await service.detect(url);
    expect(counters()).toEqual(before);
    expect(second).toEqual({ ...first, cached: true });
  });

  it('a cached result stands for its lifetime (7 days by default, as the original detector keeps one), then the video is checked again', async () => {
    let now = Date.UTC(2026, 0, 1);
    const service = detector({ cache: new MemoryAiResultCache(), now: () => new Date(now) });
    const url = `${videoBase}/videos/ai55.mp4`;
    const first = await service.detect(url);
    now += 7 * 24 * 3_600_000;
    const before = counters();
    expect(await service.detect(url)).toEqual({ ...first, cached: true });
    expect(counters()).toEqual(before);
    // One millisecond later it has expired: downloaded and checked again (the frames are the
    // same, so their scores come from the frame cache), and cached anew from then on.
    now += 1;
    const renewed = await service.detect(url);
    expect(renewed.cached).toBe(false);
    expect(counters().downloads - before.downloads).toBe(1);
    expect(counters().checks).toBe(before.checks);
    expect((await service.detect(url)).cached).toBe(true);
  });

  it('a result dated more than an hour ahead of this clock (another instance’s clock, a hand edit) is checked again, not kept for years', async () => {
    const now = Date.UTC(2026, 0, 1);
    const cache = new MemoryAiResultCache();
    const service = detector({ cache, now: () => new Date(now) });
    const url = `${videoBase}/videos/ai35.mp4`;
    const ahead = (ms: number): AiResultRecord => ({ url, mean_ai_generated: 0.99, per_frame: [0.99], source: 'miner', checked_at: new Date(now + ms) });
    // A few minutes ahead is a clock a little fast: the result stands.
    await cache.putVideo(ahead(5 * 60_000));
    expect(await service.detect(url)).toMatchObject({ mean_ai_generated: 0.99, cached: true });
    await cache.putVideo(ahead(50 * 365 * 24 * 3_600_000));
    const before = counters();
    const result = await service.detect(url);
    expect(result.cached).toBe(false);
    expect(result.mean_ai_generated).toBeCloseTo(0.35, 1);
    expect(counters().downloads - before.downloads).toBe(1);
  });

  it('a video gone when its result expires is an error, not the old result', async () => {
    let now = Date.UTC(2026, 0, 1);
    const gone = new VideoHost({ aiScores: { vanishing: 0.8 } });
    const base = await gone.listen();
    try {
      const service = detector({ cache: new MemoryAiResultCache(), now: () => new Date(now), resultTtlMs: 1_000, allowPrivate: [base] });
      const url = `${base}/videos/vanishing.mp4`;
      expect((await service.detect(url)).mean_ai_generated).toBeGreaterThan(0.79);
      gone.remove('vanishing');
      expect((await service.detect(url)).cached).toBe(true);
      now += 1_001;
      await expect(service.detect(url)).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', status: 404 });
    } finally {
      await gone.close();
    }
  });

  it('hits the frame cache for the same video at another URL: a download, but no SightEngine call', async () => {
    const cache = new MemoryAiResultCache();
    await detector({ cache }).detect(`${videoBase}/videos/ai90.mp4`);
    const before = counters();
    const again = await detector({ cache }).detect(`${videoBase}/videos/ai90.mp4?copy=2`);
    expect(counters().downloads - before.downloads).toBe(1);
    expect(counters().checks).toBe(before.checks);
    expect(again.cached).toBe(false);
    expect(Math.abs(again.mean_ai_generated - 0.9)).toBeLessThanOrEqual(0.003);
  });

  it('shares one run between concurrent requests for the same URL', async () => {
    const service = detector();
    const before = counters();
    const url = `${videoBase}/videos/ai40.mp4`;
    const [a, b] = await Promise.all([service.detect(url), service.detect(url)]);
    expect(a).toEqual(b);
    expect(counters().downloads - before.downloads).toBe(1);
  });

  it('one caller giving up does not cancel the shared run for the others', async () => {
    const service = detector();
    const url = `${ramp.url}/shared.mp4`;
    const controller = new AbortController();
    const impatient = service.detect(url, { signal: controller.signal });
    const patient = service.detect(url);
    controller.abort(new Error('cycle deadline'));
    await expect(impatient).rejects.toThrow('cycle deadline');
    expect((await patient).per_frame).toHaveLength(10);
  });

  it('an image post is scored from its single image', async () => {
    const image = await fileServer(await stillImage(dir));
    try {
      const before = counters();
      const result = await detector({ allowPrivate: [image.url] }).detect(`${image.url}/post.jpg`);
      expect(result.per_frame).toHaveLength(1);
      expect(counters().checks - before.checks).toBe(1);
      expect(Math.abs(result.mean_ai_generated - 128 / 255)).toBeLessThanOrEqual(0.01);
    } finally {
      await image.close();
    }
  });

  it('uses a store-shaped aiResults repository and records the source', async () => {
    const videoRecords = new Map<string, AiResultRecord>();
    const frameRecords = new Map<string, number>();
    const repository = {
      get: async (url: string) => videoRecords.get(url) ?? null,
      put: async (record: AiResultRecord) => void videoRecords.set(record.url, record),
      getFrame: async (hash: string) => frameRecords.get(hash) ?? null,
      putFrame: async (hash: string, score: number) => void frameRecords.set(hash, score),
      getFrames: async (hashes: readonly string[]) =>
        new Map(hashes.filter((h) => frameRecords.has(h)).map((h) => [h, frameRecords.get(h)!])),
      putFrames: async (frames: ReadonlyArray<{ hash: string; score: number }>) => {
        frameLookups.push(frames.length);
        for (const { hash, score } of frames) frameRecords.set(hash, score);
      },
    };
    const frameLookups: number[] = [];
    const url = `${videoBase}/videos/ai55.mp4`;
    const result = await detector({ cache: repository }).detect(url, { source: 'platform' });
    expect(videoRecords.get(url)).toMatchObject({
      url,
      source: 'platform',
      mean_ai_generated: result.mean_ai_generated,
      per_frame: result.per_frame,
    });
    expect(videoRecords.get(url)?.checked_at).toBeInstanceOf(Date);
    expect([...frameRecords.keys()].every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
    // A flat clip: every frame hashes the same, so one SightEngine call serves all of them, and
    // the new score reaches the repository in one write.
    expect(frameRecords.size).toBe(1);
    expect(frameLookups).toEqual([1]);
  });
});

describe('AiDetectorService failures are errors, never a default score', () => {
  it('an unreachable video URL is an error and nothing is cached', async () => {
    const closed = await fileServer(join(dir, 'ramp.mp4'));
    await closed.close();
    const cache = new MemoryAiResultCache();
    const error = await detector({ cache, allowPrivate: true })
      .detect(`${closed.url}/v.mp4`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_UNREACHABLE', retryable: true });
    expect(cache.size).toEqual({ videos: 0, frames: 0 });
  });

  it('a 404 video is an error', async () => {
    const error = await detector()
      .detect(`${videoBase}/videos/missing.mp4`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', status: 404, retryable: false });
  });

  it('a private address is refused unless that host is allowed', async () => {
    const error = await detector({ allowPrivate: false })
      .detect(`${videoBase}/videos/ai70.mp4`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeUrlError);
  });

  it('the SightEngine quota error surfaces as QuotaExceededError and stops further calls', async () => {
    standin.maxOperations = standin.operations;
    try {
      const before = counters();
      const error = await detector({ frameConcurrency: 1 })
        .detect(`${ramp.url}/quota.mp4`)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
      expect(counters().checks - before.checks).toBe(1);
    } finally {
      standin.maxOperations = Number.POSITIVE_INFINITY;
    }
  });

  it('no frame scored is an error (the original returned 0.969 here)', async () => {
    standin.failNext(...Array<'server_error'>(10).fill('server_error'));
    const error = await detector({ frameConcurrency: 1 })
      .detect(`${ramp.url}/none.mp4`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_AI_NO_FRAMES_SCORED' });
    expect((error as Error).cause).toBeInstanceOf(AggregateError);
  });

  it('partial failures: the mean of the scored frames when at least half were scored, else an error', async () => {
    standin.failNext(...Array<'server_error'>(5).fill('server_error'));
    const half = await detector({ frameConcurrency: 1 }).detect(`${videoBase}/videos/ai65.mp4`);
    expect(half.per_frame).toHaveLength(5);
    expect(half.mean_ai_generated).toBeCloseTo(half.per_frame.reduce((a, b) => a + b, 0) / 5, 12);

    standin.failNext(...Array<'server_error'>(6).fill('server_error'));
    const cache = new MemoryAiResultCache();
    const error = await detector({ frameConcurrency: 1, cache })
      .detect(`${ramp.url}/too-few.mp4`)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_AI_TOO_FEW_FRAMES' });
    expect((error as Error).message).toContain('only 4 of 10 frames');
    expect(cache.size.videos).toBe(0);
  });

  it('one failed call costs only its own frame: the copies of a still frame waiting on it try again', async () => {
    const before = counters();
    standin.failNext('server_error');
    const result = await detector({ frameConcurrency: 2 }).detect(`${videoBase}/videos/ai40.mp4`);
    // Frame 0's call failed; frame 1 (same pixels) was waiting on it and made its own, whose
    // score then served frames 2-9 without another call.
    expect(result.per_frame).toHaveLength(9);
    expect(counters().checks - before.checks).toBe(2);
  });

  it('a frame cache that is down costs the cache, not the detection', async () => {
    const videosCached: string[] = [];
    const down: AiResultCache = {
      getVideo: async () => null,
      putVideo: async (record) => void videosCached.push(record.url),
      getFrame: async () => null,
      putFrame: async () => undefined,
      getFrames: async () => {
        throw new Error('cache down');
      },
      putFrames: async () => {
        throw new Error('cache down');
      },
    };
    const url = `${videoBase}/videos/ai20.mp4`;
    const result = await detector({ cache: down }).detect(url);
    expect(result.per_frame).toHaveLength(10);
    expect(result.mean_ai_generated).toBeCloseTo(0.2, 1);
    expect(videosCached).toEqual([url]);
  });

  it('a retrying client rides out transient SightEngine faults', async () => {
    standin.failNext('rate_limited', 'server_error');
    const result = await detector({ retries: 2 }).detect(`${videoBase}/videos/ai35.mp4`);
    expect(result.per_frame).toHaveLength(10);
  });

  it('an oversized video is refused by the size cap', async () => {
    const error = await detector({ maxVideoBytes: 100 })
      .detect(`${videoBase}/videos/ai85.mp4`)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_TOO_LARGE' });
  });

  it('validates its options and input', async () => {
    const scorer = new SightEngineClient({ baseUrl: 'http://127.0.0.1:9', apiUser: 'u', apiSecret: 's' });
    expect(() => new AiDetectorService({ scorer, minScoredFraction: 0 })).toThrow(RangeError);
    expect(() => new AiDetectorService({ scorer, frameConcurrency: 0 })).toThrow(/frameConcurrency/);
    expect(() => new AiDetectorService({ scorer, resultTtlMs: 0 })).toThrow(/resultTtlMs/);
    expect(() => new AiDetectorService({ scorer, cache: {} as never })).toThrow(/cache/);
    expect(() => new AiDetectorService({} as never)).toThrow(/scorer/);
    await expect(detector().detect('')).rejects.toMatchObject({ code: 'ERR_AI_BAD_URL' });
    await scorer.close();
  });
});
