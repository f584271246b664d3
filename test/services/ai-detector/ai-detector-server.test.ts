import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGHTENGINE_STANDIN_CREDENTIALS,
  SightEngineStandin,
} from '../../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { AiDetectionError, QuotaExceededError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import {
  AiDetectorService,
  HttpAiDetectorClient,
  SightEngineClient,
  createAiDetectorServer,
} from '../../../src/services/ai-detector/index.js';
import { fileServer, playlistDisguisedAsTs, rampVideo } from './media-helpers.js';

let standin: SightEngineStandin;
let videos: VideoHost;
let videoBase: string;
let recorder: Awaited<ReturnType<typeof fileServer>>;
let hostile: Awaited<ReturnType<typeof fileServer>>;
let service: AiDetectorService;
let server: Server;
let base: string;
let client: HttpAiDetectorClient;
let metrics: ValidatorMetrics;
let dir: string;

beforeAll(async () => {
  standin = new SightEngineStandin();
  await standin.listen();
  videos = new VideoHost({ aiScores: { clip: 0.6, fresh: 0.33 } });
  videoBase = await videos.listen();
  dir = await mkdtemp(join(tmpdir(), 'iv-ai-server-'));
  recorder = await fileServer(await rampVideo(dir));
  hostile = await fileServer((await playlistDisguisedAsTs(dir)).crafted);
  const scorer = new SightEngineClient({
    baseUrl: standin.url,
    ...SIGHTENGINE_STANDIN_CREDENTIALS,
    retries: 0,
  });
  service = new AiDetectorService({ scorer, allowPrivate: [videoBase, recorder.url, hostile.url], frameConcurrency: 1 });
  metrics = new ValidatorMetrics({ defaultMetrics: false });
  server = createAiDetectorServer(service, { metrics });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new HttpAiDetectorClient({ baseUrl: base, metrics });
});

afterAll(async () => {
  await client.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await service.close();
  await Promise.all([standin.close(), videos.close(), recorder.close(), hostile.close()]);
  await rm(dir, { recursive: true, force: true });
});

async function post(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${base}${path}`, { method: 'POST' });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

describe('AI detector HTTP service', () => {
  it('POST /detect?url=<encoded> answers mean_ai_generated and per_frame', async () => {
    const { status, body } = await post(`/detect?url=${encodeURIComponent(`${videoBase}/videos/clip.mp4`)}`);
    expect(status).toBe(200);
    expect(Math.abs((body.mean_ai_generated as number) - 0.6)).toBeLessThanOrEqual(0.003);
    expect(body.per_frame).toHaveLength(10);
    expect(body.cached).toBe(false);
    expect(
      (await post(`/detect?url=${encodeURIComponent(`${videoBase}/videos/clip.mp4`)}`)).body.cached,
    ).toBe(true);
    const exposed = await metrics.expose();
    expect(exposed).toContain('infinitevibe_ai_detections_total{result="scored"} 1');
    expect(exposed).toContain('infinitevibe_ai_detections_total{result="cache_hit"} 1');
  });

  it('a video URL with & and ? reaches the video host intact through client and server', async () => {
    const url = `${recorder.url}/v/ramp.mp4?token=a&sig=b?c=d&e=%26`;
    const result = await client.detect(url);
    expect(result.url).toBe(url);
    expect(result.per_frame).toHaveLength(10);
    expect(recorder.seen.at(-1)).toBe('/v/ramp.mp4?token=a&sig=b?c=d&e=%26');
  });

  it('missing url → 422 with a code', async () => {
    const { status, body } = await post('/detect');
    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code: 'ERR_MISSING_URL', retryable: false });
  });

  it('an unsafe URL → 422 ERR_UNSAFE_URL with the reason', async () => {
    for (const [url, reason] of [
      ['http://169.254.169.254/latest/meta-data/', 'private_address'],
      ['file:///etc/passwd', 'scheme'],
    ] as const) {
      const { status, body } = await post(`/detect?url=${encodeURIComponent(url)}`);
      expect(status).toBe(422);
      expect(body.error).toMatchObject({ code: 'ERR_UNSAFE_URL', reason });
    }
  });

  it('a 404 video → 502 with the download code; the client throws AiDetectionError with it', async () => {
    const url = `${videoBase}/videos/missing.mp4`;
    const { status, body } = await post(`/detect?url=${encodeURIComponent(url)}`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', retryable: false });
    const error = await client.detect(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS' });
  });

  it('a playlist disguised as a video → 502 ERR_VIDEO_FORMAT_REFUSED, not retryable, no frame scored', async () => {
    const before = standin.requests;
    const { status, body } = await post(`/detect?url=${encodeURIComponent(`${hostile.url}/clip.ts`)}`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED', retryable: false });
    expect(standin.requests).toBe(before);
    const error = await client.detect(`${hostile.url}/clip.ts`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED' });
  });

  it('SightEngine quota exhaustion → 502 ERR_QUOTA_EXCEEDED; the client throws QuotaExceededError', async () => {
    standin.failNext('usage_limit');
    // A clip no earlier test scored, so its frames are not in the frame cache.
    const error = await client.detect(`${videoBase}/videos/fresh.mp4`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
  });

  it('GET /health, wrong method, unknown route', async () => {
    const health = await request(`${base}/health`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: 'ok' });
    const get = await request(`${base}/detect?url=x`);
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    await get.body.dump();
    const unknown = await request(`${base}/nope`);
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('the client reports an unreachable service as ERR_AI_DETECTOR_UNAVAILABLE', async () => {
    const down = new HttpAiDetectorClient({ baseUrl: 'http://127.0.0.1:9' });
    await expect(down.detect(`${videoBase}/videos/clip.mp4`)).rejects.toMatchObject({
      code: 'ERR_AI_DETECTOR_UNAVAILABLE',
    });
    await down.close();
    expect(() => new HttpAiDetectorClient({ baseUrl: 'x' })).toThrow(/baseUrl/);
    expect(() => createAiDetectorServer({} as never)).toThrow(TypeError);
  });
});
