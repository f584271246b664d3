import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient, PlatformTracker, createPlatformTrackerServer } from '../../../src/services/platform-tracker/index.js';
import { json, routeServer, type ReplayServer } from '../../helpers/replay-server.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(tracker: PlatformTracker, options: { maxBatchItems?: number } = {}): Promise<string> {
  const server: Server = createPlatformTrackerServer(tracker, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

const ITEM = { platform: 'instagram', content_type: 'reel', content_id: 'ABC123' };

describe('platform tracker server edges', () => {
  it('refuses a batch cap below 1', () => {
    expect(() => createPlatformTrackerServer(new PlatformTracker(), { maxBatchItems: 0 })).toThrow(RangeError);
  });

  it('lists what the tracker supports (nothing configured: nothing), with or without a trailing slash', async () => {
    const base = await serve(new PlatformTracker());
    expect((await call(base, 'GET', '/platforms/')).body).toEqual({ supported_platforms: {} });
    expect((await call(base, 'GET', '/health')).body).toEqual({ status: 'healthy', supported_platforms: [], redis_connected: false });
  });

  it('a path of thousands of slashes is routed in linear time, not one regex retry per slash', async () => {
    const base = await serve(new PlatformTracker());
    const started = performance.now();
    for (let i = 0; i < 10; i++) {
      expect(await call(base, 'GET', `/get_metrics${'/'.repeat(15_000)}x`)).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await call(base, 'GET', '/health//')).status).toBe(200);
  });

  it('unknown paths are 404 and wrong methods 405 with Allow', async () => {
    const base = await serve(new PlatformTracker());
    expect(await call(base, 'GET', '/nope')).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    const wrong = await call(base, 'GET', '/get_metrics');
    expect(wrong).toMatchObject({ status: 405, body: { code: 'ERR_METHOD_NOT_ALLOWED' } });
    expect(wrong.headers['allow']).toBe('POST');
  });

  it('a batch over the cap, or with one bad item, is 400 naming the problem', async () => {
    const base = await serve(new PlatformTracker(), { maxBatchItems: 2 });
    const tooMany = await call(base, 'POST', '/get_metrics/batch', { items: [ITEM, ITEM, ITEM] });
    expect(tooMany).toMatchObject({ status: 400, body: { code: 'ERR_BAD_REQUEST' } });
    expect(String(tooMany.body['detail'])).toContain('at most 2 items per batch');
    const bad = await call(base, 'POST', '/get_metrics/batch', { items: [ITEM, { ...ITEM, content_type: 'video' }] });
    expect(bad.status).toBe(400);
    expect(String(bad.body['detail'])).toContain('items[1].');
    const notArray = await call(base, 'POST', '/get_metrics/batch', { items: 'all' });
    expect(String(notArray.body['detail'])).toContain('items must be an array');
  });

  it('a batch body is capped by the item cap (1 KiB an item), not a fixed 4 MiB the service would spend a second parsing', async () => {
    const base = await serve(new PlatformTracker());
    const full = { items: Array.from({ length: 500 }, (_, i) => ({ ...ITEM, content_id: `${'x'.repeat(60)}${String(i).padStart(4, '0')}` })) };
    const res = await call(base, 'POST', '/get_metrics/batch', full);
    expect(res.status).toBe(200);
    expect(res.body['errors']).toHaveLength(500);
    // Empty objects cost the parser most per byte.
    const spam = `{"items":[${'{},'.repeat(200_000)}{}]}`;
    const refused = await request(`${base}/get_metrics/batch`, { method: 'POST', body: spam, headers: { 'content-type': 'application/json' } });
    expect(refused.statusCode).toBe(413);
    expect(await refused.body.json()).toMatchObject({ code: 'ERR_BODY_TOO_LARGE' });
  });

  it('a batch answers per-item errors next to results', async () => {
    const base = await serve(new PlatformTracker());
    const res = await call(base, 'POST', '/get_metrics/batch', { items: [ITEM] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ results: [], errors: [{ content_id: 'ABC123', code: 'ERR_PLATFORM_UNAVAILABLE', retryable: false }] });
  });

  it('an upstream failure is 502 and retryable', async () => {
    const apifyApi: ReplayServer = await routeServer(() => json(503, { error: { type: 'server-error', message: 'down' } }));
    closers.push(() => apifyApi.close());
    const dispatcher = createServiceDispatcher({ retries: 0 });
    closers.push(() => dispatcher.close());
    const tracker = new PlatformTracker({ apify: new ApifyClient({ token: 't', baseUrl: apifyApi.url, dispatcher }), windowMs: 1 });
    const base = await serve(tracker);
    const res = await call(base, 'POST', '/get_metrics', ITEM);
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'ERR_APIFY_UNAVAILABLE', retryable: true });
    expect(String(res.body['detail'])).toMatch(/^Failed to get metadata: /);
  });
});
