import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { AiDetectorService, SightEngineClient, createAiDetectorServer } from '../../../src/services/ai-detector/index.js';

let standin: SightEngineStandin;
let videos: VideoHost;
let videoBase: string;
let service: AiDetectorService;
let server: Server;
let base: string;
let metrics: ValidatorMetrics;

beforeAll(async () => {
  standin = new SightEngineStandin();
  await standin.listen();
  videos = new VideoHost({ aiScores: { clip: 0.6 } });
  videoBase = await videos.listen();
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  service = new AiDetectorService({ scorer, allowPrivate: [videoBase], frameConcurrency: 1 });
  metrics = new ValidatorMetrics({ defaultMetrics: false });
  server = createAiDetectorServer(service, { metrics });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
  await Promise.all([standin.close(), videos.close()]);
});

async function call(method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const response = await request(`${base}${path}`, { method: method as 'GET' });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe('AI detector server routes', () => {
  it('health answers GET and HEAD and refuses other methods with Allow', async () => {
    expect((await call('GET', '/health')).text).toBe('{"status":"ok"}');
    expect((await call('HEAD', '/health')).status).toBe(200);
    const refused = await call('POST', '/health');
    expect(refused.status).toBe(405);
    expect(refused.headers['allow']).toBe('GET');
  });

  it('metrics answer GET only, in the Prometheus text format', async () => {
    const ok = await call('GET', '/metrics');
    expect(ok.status).toBe(200);
    expect(String(ok.headers['content-type'])).toMatch(/^text\/plain/);
    expect((await call('DELETE', '/metrics')).status).toBe(405);
  });

  it('detect takes POST only, and unknown paths are 404 with a stable code', async () => {
    const get = await call('GET', '/detect?url=x');
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    const missing = await call('GET', '/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({ error: { code: 'ERR_NOT_FOUND', message: 'no route /nope', retryable: false } });
  });

  it('a blank url is 422 ERR_MISSING_URL', async () => {
    const blank = await call('POST', '/detect?url=%20%20');
    expect(blank.status).toBe(422);
    expect(JSON.parse(blank.text).error.code).toBe('ERR_MISSING_URL');
  });

  it('an unsafe URL is 422 with the refusal reason', async () => {
    const res = await call('POST', `/detect?url=${encodeURIComponent('file:///etc/passwd')}`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'ERR_UNSAFE_URL', reason: 'scheme', retryable: false } });
  });

  it('a name resolving to a private address is refused without the address: anyone asking could map internal names', async () => {
    const res = await call('POST', `/detect?url=${encodeURIComponent('http://localhost:9/v.mp4')}`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'ERR_UNSAFE_URL', reason: 'private_address', message: 'localhost:9 resolves to a non-public address' } });
    expect(res.text).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('a video none of whose frames could be scored is 502 ERR_AI_NO_FRAMES_SCORED, retryable', async () => {
    standin.failNext(...Array.from({ length: 10 }, () => 'server_error' as const));
    const res = await call('POST', `/detect?url=${encodeURIComponent(`${videoBase}/videos/clip.mp4?fresh=1`)}`);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'ERR_AI_NO_FRAMES_SCORED', retryable: true });
    expect(await metrics.expose()).toContain('infinitevibe_ai_detections_total{result="error"}');
  });
});
