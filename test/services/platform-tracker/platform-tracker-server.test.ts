import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import {
  ApifyClient,
  HttpPlatformTrackerClient,
  PlatformTracker,
  YouTubeClient,
  createPlatformTrackerServer,
} from '../../../src/services/platform-tracker/index.js';
import type { ContentRef } from '../../../src/services/types.js';
import { EPOCH, content } from './helpers.js';

let standins: ServiceStandins | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await standins?.close();
  standins = undefined;
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((r) => { server.close(r); server.closeAllConnections(); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function setup(options: { withoutBatch?: boolean } = {}) {
  standins = await startServiceStandins({
    contents: [
      content('youtube/video', 'ytAAAAAAAAA', { owner_username: 'tube' }),
      content('youtube/video', 'ytBBBBBBBBB', { owner_username: 'tube' }),
      content('instagram/reel', 'ReelAAAA', { owner_username: 'insta' }),
      content('instagram/post', 'PostBBBB', { owner_username: 'insta' }),
    ],
    clock: new SimulatedClock(EPOCH),
    aiStandins: false,
  });
  const youtube = new YouTubeClient({ apiKey: 'k', baseUrl: standins.youtubeBaseUrl });
  const apify = new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl, pollIntervalMs: 5 });
  const tracker = new PlatformTracker({ youtube, apify, windowMs: 5 });
  closers.push(() => youtube.close(), () => apify.close(), () => tracker.close());
  const server = createPlatformTrackerServer(tracker);
  if (options.withoutBatch) {
    // The original service: no batch endpoint, FastAPI's 404 body.
    const handler = server.listeners('request')[0] as (req: unknown, res: unknown) => void;
    server.removeAllListeners('request');
    server.on('request', (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url?.startsWith('/get_metrics/batch')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
        return;
      }
      handler(req, res);
    });
  }
  const url = await listen(server);
  const dispatcher = createServiceDispatcher({ retries: 0 });
  closers.push(() => dispatcher.close());
  const post = (path: string, json: unknown) => callService({ service: 't', url: url + path, json, dispatcher });
  const get = (path: string) => callService({ service: 't', url: url + path, dispatcher });
  return { url, post, get, server };
}

const REFS: ContentRef[] = [
  { platform: 'youtube/video', content_id: 'ytAAAAAAAAA' },
  { platform: 'youtube/video', content_id: 'ytBBBBBBBBB' },
  { platform: 'instagram/reel', content_id: 'ReelAAAA' },
  { platform: 'instagram/post', content_id: 'PostBBBB' },
];

describe('platform tracker HTTP service', () => {
  it('POST /get_metrics answers the original field names and ours', async () => {
    const { post } = await setup();
    const res = await post('/get_metrics', { platform: 'instagram', content_type: 'reel', content_id: 'ReelAAAA', get_direct_url: true });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      platform: 'instagram/reel',
      platform_name: 'instagram/reel',
      content_id: 'ReelAAAA',
      view_count: 1000,
      video_play_count: 1000,
      like_count: 100,
      comment_count: 10,
      owner_username: 'insta',
      owner_follower_count: 5000,
      published_at: '2025-12-31T12:00:00.000Z',
      crawl_video_url: expect.stringMatching(/\.mp4$/),
      ai_score: 0,
    });
  });

  it('POST /get_metrics/batch answers results and per-item errors', async () => {
    const { post } = await setup();
    const res = await post('/get_metrics/batch', {
      items: [
        { platform: 'youtube', content_type: 'video', content_id: 'ytAAAAAAAAA' },
        { platform: 'YouTube', content_type: 'video', content_id: 'missing123' },
      ],
    });
    expect(res.status).toBe(200);
    const body = res.json as { results: { content_id: string }[]; errors: { content_id: string; code: string }[] };
    expect(body.results.map((r) => r.content_id)).toEqual(['ytAAAAAAAAA']);
    expect(body.errors).toEqual([
      expect.objectContaining({ platform: 'youtube/video', content_id: 'missing123', code: 'ERR_CONTENT_NOT_FOUND', retryable: false }),
    ]);
  });

  it('answers 404 with a code for unknown content on the single endpoint', async () => {
    const { post } = await setup();
    const res = await post('/get_metrics', { platform: 'youtube', content_type: 'video', content_id: 'missing123' });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'ERR_CONTENT_NOT_FOUND', detail: expect.stringMatching(/^Failed to get metadata: /) });
  });

  it('gives clear 400s for bad bodies', async () => {
    const { post } = await setup();
    const cases: [unknown, RegExp][] = [
      [{ platform: 'tiktok', content_type: 'video', content_id: 'x' }, /platform must be "youtube" or "instagram"/],
      [{ platform: 'youtube', content_type: 'reel', content_id: 'x' }, /content_type: content_type is not supported for this platform/],
      [{ platform: 'youtube', content_type: 'video', content_id: '../etc' }, /content_id: content_id must be 1-64 characters/],
      [{ platform: 'youtube', content_type: 'video' }, /content_id/],
      [{ platform: 'youtube', content_type: 'video', content_id: 'a', get_direct_url: 'yes' }, /get_direct_url must be a boolean/],
      ['[1,2', /not valid JSON/],
    ];
    for (const [body, reason] of cases) {
      const res = await post('/get_metrics', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((res.json as { detail: string }).detail).toMatch(reason);
      expect((res.json as { code: string }).code).toBe('ERR_BAD_REQUEST');
    }
    const batch = await post('/get_metrics/batch', { items: [{ platform: 'youtube', content_type: 'video', content_id: 'ok' }, { platform: 'x' }] });
    expect(batch.status).toBe(400);
    expect((batch.json as { detail: string }).detail).toMatch(/^items\[1\]\.platform/);
    const notArray = await post('/get_metrics/batch', { items: 'nope' });
    expect((notArray.json as { detail: string }).detail).toMatch(/items must be an array/);
  });

  it('GET /platforms, GET /health, 404 and 405', async () => {
    const { get, post } = await setup();
    expect((await get('/platforms')).json).toEqual({
      supported_platforms: { youtube: { supported_content_types: ['video'] }, instagram: { supported_content_types: ['post', 'reel'] } },
    });
    expect((await get('/health')).json).toEqual({ status: 'healthy', supported_platforms: ['youtube', 'instagram'], redis_connected: false });
    expect((await get('/nope')).status).toBe(404);
    const wrong = await get('/get_metrics');
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('POST');
    expect((await post('/health', {})).status).toBe(405);
  });
});

describe('platform tracker HTTP service without upstream clients', () => {
  it('lists no platforms and answers 501 for a platform it cannot serve', async () => {
    const tracker = new PlatformTracker({});
    closers.push(() => tracker.close());
    const url = await listen(createPlatformTrackerServer(tracker));
    const dispatcher = createServiceDispatcher({ retries: 0 });
    closers.push(() => dispatcher.close());
    const platforms = await callService({ service: 't', url: `${url}/platforms/`, dispatcher });
    expect(platforms.json).toEqual({ supported_platforms: {} });
    const health = await callService({ service: 't', url: `${url}/health`, dispatcher });
    expect(health.json).toMatchObject({ status: 'healthy', supported_platforms: [] });
    const res = await callService({ service: 't', url: `${url}/get_metrics`, json: { platform: 'youtube', content_type: 'video', content_id: 'ytAAAAAAAAA' }, dispatcher });
    expect(res.status).toBe(501);
    expect(res.json).toMatchObject({ code: 'ERR_PLATFORM_UNAVAILABLE', retryable: expect.any(Boolean), detail: expect.stringMatching(/^Failed to get metadata: .*not configured/) });
  });

  it('refuses a batch limit below 1', () => {
    expect(() => createPlatformTrackerServer(new PlatformTracker({}), { maxBatchItems: 0 })).toThrow('maxBatchItems must be a positive integer, got 0');
  });
});

describe('HttpPlatformTrackerClient', () => {
  it('uses the batch endpoint in one request', async () => {
    const { url } = await setup();
    const client = new HttpPlatformTrackerClient({ baseUrl: url });
    closers.push(() => client.close());
    const { results, errors } = await client.getMetrics([...REFS, { platform: 'instagram/post', content_id: 'Gone1234' }]);
    expect(client.batchSupported).toBe(true);
    expect(results.map((r) => r.content_id).sort()).toEqual(REFS.map((r) => r.content_id).sort());
    expect(errors).toEqual([expect.objectContaining({ content_id: 'Gone1234', code: 'ERR_CONTENT_NOT_FOUND' })]);
    const reel = results.find((r) => r.content_id === 'ReelAAAA')!;
    expect(reel).toMatchObject({ platform: 'instagram/reel', view_count: 1000, owner_follower_count: 5000, video_url: expect.stringMatching(/\.mp4$/) });
  });

  it('falls back to single /get_metrics calls against a server without the batch endpoint', async () => {
    const { url } = await setup({ withoutBatch: true });
    const client = new HttpPlatformTrackerClient({ baseUrl: url, concurrency: 2 });
    closers.push(() => client.close());
    const first = await client.getMetrics([...REFS, { platform: 'youtube/video', content_id: 'missing123' }]);
    expect(client.batchSupported).toBe(false);
    expect(first.results).toHaveLength(4);
    expect(first.errors).toEqual([expect.objectContaining({ content_id: 'missing123', code: 'ERR_CONTENT_NOT_FOUND', retryable: false })]);
    expect(first.results.find((r) => r.content_id === 'ytAAAAAAAAA')).toMatchObject({ caption: expect.stringContaining('clip ytAAAAAAAAA'), owner_follower_count: 5000 });
    // Once known, the batch endpoint is not tried again.
    const second = await client.getMetrics(REFS.slice(0, 1));
    expect(second.results).toHaveLength(1);
  });

  it("reads the original service's YouTube and Instagram answers", async () => {
    const { createServer } = await import('node:http');
    // Bodies as the original's pydantic models dump them (reference §6.3).
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c));
      req.on('end', () => {
        if (req.url === '/get_metrics/batch') return res.writeHead(405).end('{"detail":"Method Not Allowed"}');
        const body = JSON.parse(raw) as { platform: string; content_id: string };
        const answer =
          body.platform === 'youtube'
            ? { platform_name: 'youtube/video', title: 't', caption: 'desc', thumbnail_url: 'u', published_at: '2025-06-01T00:00:00', view_count: 7, like_count: 2, comment_count: 1, crawl_video_url: '', owner_follower_count: 9, ai_score: 0 }
            : { platform_name: 'instagram/reel', caption: 'cap', comment_count: 3, like_count: 4, owner_username: 'u1', published_at: '2025-06-01T00:00:00Z', video_play_count: 50, video_view_count: 30, crawl_video_url: 'https://cdn/x.mp4', owner_follower_count: 100, ai_score: 0 };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    const url = await listen(server);
    const client = new HttpPlatformTrackerClient({ baseUrl: url });
    closers.push(() => client.close());
    const { results, errors } = await client.getMetrics([REFS[0]!, REFS[2]!, REFS[3]!]);
    expect(errors).toEqual([]);
    expect(results[0]).toMatchObject({ platform: 'youtube/video', content_id: 'ytAAAAAAAAA', caption: 'desc', view_count: 7, owner_follower_count: 9, owner_username: '', video_url: null });
    expect(results[1]).toMatchObject({ platform: 'instagram/reel', content_id: 'ReelAAAA', view_count: 50, owner_username: 'u1', video_url: 'https://cdn/x.mp4' });
    // Its Instagram model names every answer "instagram/reel" (the field's default), posts too:
    // the answer is the post's.
    expect(results[2]).toMatchObject({ platform: 'instagram/post', content_id: 'PostBBBB', view_count: 50, owner_username: 'u1' });
  });

  /** A tracker answering each request with `answer(path, body)`: { status, json? or text? }. */
  async function scripted(answer: (path: string, body: unknown) => { status: number; json?: unknown; text?: string; hangUp?: boolean }) {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c));
      req.on('end', () => {
        seen.push(req.url ?? '');
        const a = answer(req.url ?? '', raw ? JSON.parse(raw) : undefined);
        if (a.hangUp) return req.socket.destroy();
        if (a.json !== undefined) return res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.json));
        res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.text ?? '');
      });
    });
    const url = await listen(server);
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const client = new HttpPlatformTrackerClient({ baseUrl: url, batchSize: 2, dispatcher });
    closers.push(() => dispatcher.close(), () => client.close());
    return { client, seen };
  }

  it('a failing batch endpoint fails the call with its code, or a generic one', async () => {
    const coded = await scripted(() => ({ status: 500, json: { code: 'ERR_TRACKER_DOWN', detail: 'upstream gone' } }));
    await expect(coded.client.getMetrics(REFS.slice(0, 1))).rejects.toMatchObject({ code: 'ERR_TRACKER_DOWN', status: 500, message: expect.stringContaining('upstream gone') });
    const bare = await scripted(() => ({ status: 500, text: 'boom' }));
    await expect(bare.client.getMetrics(REFS.slice(0, 1))).rejects.toMatchObject({ code: 'ERR_PLATFORM_TRACKER', message: expect.stringContaining('boom') });
    expect(bare.client.batchSupported).toBeUndefined();
  });

  it('a batch answer without results and errors is a protocol error', async () => {
    const { client } = await scripted(() => ({ status: 200, json: { items: [] } }));
    await expect(client.getMetrics(REFS.slice(0, 1))).rejects.toMatchObject({ code: 'ERR_PLATFORM_TRACKER_PROTOCOL' });
  });

  it('sends batches of batchSize items', async () => {
    const { client, seen } = await scripted((_path, body) => ({
      status: 200,
      json: { results: [], errors: (body as { items: { platform: string; content_id: string }[] }).items.map((i) => ({ ...i, platform: 'youtube/video', code: 'ERR_CONTENT_NOT_FOUND', message: 'gone', retryable: false })) },
    }));
    const { errors } = await client.getMetrics(REFS.slice(0, 2).concat(REFS.slice(0, 1)));
    expect(seen).toEqual(['/get_metrics/batch', '/get_metrics/batch']);
    expect(errors).toHaveLength(3);
  });

  it('single calls turn answers and transport failures into per-item errors', async () => {
    const { client } = await scripted((path, body) => {
      if (path === '/get_metrics/batch') return { status: 404, json: { detail: 'Not Found' } };
      const id = (body as { content_id: string }).content_id;
      if (id === 'ytAAAAAAAAA') return { status: 503, json: { detail: 'quota', code: 'ERR_QUOTA', retryable: false } };
      if (id === 'ytBBBBBBBBB') return { status: 429, text: 'slow down' };
      return { status: 0, hangUp: true };
    });
    const { results, errors } = await client.getMetrics(REFS.slice(0, 3));
    expect(results).toEqual([]);
    expect(errors).toEqual([
      expect.objectContaining({ content_id: 'ytAAAAAAAAA', code: 'ERR_QUOTA', message: 'quota', retryable: false }),
      expect.objectContaining({ content_id: 'ytBBBBBBBBB', code: 'ERR_HTTP_429', message: 'slow down', retryable: true }),
      expect.objectContaining({ content_id: 'ReelAAAA', retryable: true }),
    ]);
  });

  it('an aborted call rejects instead of reporting per-item errors', async () => {
    const { client } = await scripted((path) => (path === '/get_metrics/batch' ? { status: 405, json: { detail: 'Method Not Allowed' } } : { status: 0, hangUp: true }));
    const first = await client.getMetrics(REFS.slice(0, 1));
    expect(client.batchSupported).toBe(false);
    expect(first.errors).toHaveLength(1);
    const controller = new AbortController();
    controller.abort(new Error('cycle over'));
    await expect(client.getMetrics(REFS.slice(0, 1), { signal: controller.signal })).rejects.toThrow();
    await expect(client.getMetrics('nope' as never)).rejects.toThrow(TypeError);
  });

  it('validates its options', () => {
    expect(() => new HttpPlatformTrackerClient({ baseUrl: 'localhost:12001' })).toThrow('options.baseUrl must be http(s), got localhost:');
    expect(() => new HttpPlatformTrackerClient({ baseUrl: 'http://x', concurrency: 0 })).toThrow(RangeError);
  });
});
