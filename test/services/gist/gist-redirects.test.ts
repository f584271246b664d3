import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { GistFetchError, GistFetcher } from '../../../src/services/gist/index.js';
import { hitServer, type HitServer } from '../../helpers/hit-server.js';

const LINE = JSON.stringify({
  content_id: 'abc',
  platform: 'youtube/video',
  direct_video_url: 'https://v/x.mp4',
});

function listen(handler: (path: string) => { status: number; location?: string; body?: string }): Promise<HitServer> {
  return hitServer((req, res) => {
    const { status, location, body } = handler(req.url ?? '/');
    res.writeHead(status, location ? { location } : { 'content-type': 'text/plain' });
    res.end(body ?? '');
  });
}

const statusOf = new Map<string, number>();
let elsewhere: Awaited<ReturnType<typeof listen>>;
let origin: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  // Another local service a redirect must never reach.
  elsewhere = await listen(() => ({ status: 200, body: 'internal secret' }));
  const targets: Record<string, string> = {
    '/alice/otherport/raw': `${elsewhere.url}/x`,
    '/alice/localhost/raw': `http://localhost:${elsewhere.port}/x`,
    '/alice/mapped/raw': `http://[::ffff:7f00:1]:${elsewhere.port}/x`,
    // Linux connects 0.0.0.0 to the local host: a "this host" address that must stay closed.
    '/alice/unspecified/raw': `http://0.0.0.0:${elsewhere.port}/x`,
    '/alice/file/raw': 'file:///etc/passwd',
    '/alice/creds/raw': '/alice/real/raw?x=1'.replace('/alice', 'http://user:pw@127.0.0.1:1/alice'),
    '/alice/loop/raw': '/alice/loop/raw',
  };
  origin = await listen((path) => {
    if (path === '/alice/real/raw') return { status: 200, body: LINE };
    const status = statusOf.get(path);
    if (status !== undefined) return { status, location: '/alice/real/raw' };
    const to = targets[path];
    return to ? { status: 302, location: to } : { status: 404 };
  });
});
afterAll(async () => {
  await origin.close();
  await elsewhere.close();
});

async function fetchGist(gistId: string): Promise<{ result: unknown; metrics: ValidatorMetrics }> {
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  const fetcher = new GistFetcher({ baseUrl: origin.url, metrics, timeoutMs: 5_000 });
  try {
    const result = await fetcher.fetch({ githubUser: 'alice', gistId }).catch((e: unknown) => e);
    return { result, metrics };
  } finally {
    await fetcher.close();
  }
}

/**
 * The original reads a gist with httpx's defaults (no redirect following) and raise_for_status,
 * so a gist whose raw URL answers a redirect gives the miner no submissions that cycle, wherever
 * the redirect points. Following one would pay a miner the original does not.
 */
describe('GistFetcher follows no redirect, as the original', () => {
  it.each([301, 302, 303, 307, 308])('a %i within the gist origin: redirect_refused, the target never requested', async (status) => {
    const path = `/alice/toreal${status}/raw`;
    statusOf.set(path, status);
    const { result, metrics } = await fetchGist(`toreal${status}`);
    expect(result).toBeInstanceOf(GistFetchError);
    expect(result).toMatchObject({ reason: 'redirect_refused', code: 'ERR_GIST_REDIRECT_REFUSED', status, retryable: false });
    expect(origin.hits.filter((h) => h === '/alice/real/raw')).toEqual([]);
    expect(await metrics.expose()).toMatch(/infinitevibe_external_requests_total\{service="gist",status="3xx"\} 1/);
  });

  it.each([
    ['another port on loopback', 'otherport'],
    ['localhost by name', 'localhost'],
    ['an IPv4-mapped loopback', 'mapped'],
    ['the unspecified address 0.0.0.0', 'unspecified'],
    ['a file: URL', 'file'],
    ['a URL with credentials', 'creds'],
  ])('a redirect to %s: redirect_refused, nothing reached', async (_name, gistId) => {
    const before = elsewhere.hits.length;
    const { result } = await fetchGist(gistId);
    expect(result).toMatchObject({ reason: 'redirect_refused', code: 'ERR_GIST_REDIRECT_REFUSED', status: 302, retryable: false });
    expect(elsewhere.hits.length).toBe(before);
  });

  it('a redirect to itself is asked once', async () => {
    const { result } = await fetchGist('loop');
    expect(result).toMatchObject({ reason: 'redirect_refused', status: 302 });
    expect(origin.hits.filter((h) => h === '/alice/loop/raw')).toHaveLength(1);
  });
});
