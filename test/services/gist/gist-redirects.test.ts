import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { GistFetchError, GistFetcher } from '../../../src/services/gist/index.js';
import { RedirectRefusal, checkGistRedirect } from '../../../src/services/gist/gist-redirects.js';
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

let elsewhere: Awaited<ReturnType<typeof listen>>;
let origin: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  // Another local service a redirect must never reach.
  elsewhere = await listen(() => ({ status: 200, body: 'internal secret' }));
  const targets: Record<string, string> = {
    '/alice/same/raw': '/alice/real/raw',
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

describe('GistFetcher redirects', () => {
  it('follows a redirect within the gist origin', async () => {
    const { result } = await fetchGist('same');
    expect(result).toBe(LINE);
  });

  it.each([
    ['another port on loopback', 'otherport'],
    ['localhost by name', 'localhost'],
    ['an IPv4-mapped loopback', 'mapped'],
    ['the unspecified address 0.0.0.0', 'unspecified'],
    ['a file: URL', 'file'],
    ['a URL with credentials', 'creds'],
  ])('refuses a redirect to %s: redirect_refused, nothing reached', async (_name, gistId) => {
    const before = elsewhere.hits.length;
    const { result, metrics } = await fetchGist(gistId);
    expect(result).toBeInstanceOf(GistFetchError);
    expect(result).toMatchObject({
      reason: 'redirect_refused',
      code: 'ERR_GIST_REDIRECT_REFUSED',
      status: 302,
      retryable: false,
    });
    expect(elsewhere.hits.length).toBe(before);
    expect(await metrics.expose()).toMatch(/infinitevibe_external_requests_total\{service="gist",status="3xx"\} 1/);
  });

  it('stops after three hops with the redirect status as an http_error', async () => {
    const { result } = await fetchGist('loop');
    expect(result).toMatchObject({ reason: 'http_error', status: 302 });
    expect(origin.hits.filter((h) => h === '/alice/loop/raw')).toHaveLength(4);
  });
});

describe('checkGistRedirect', () => {
  const base = new URL('https://gist.githubusercontent.com');
  it('same origin, or a public address literal', async () => {
    await expect(
      checkGistRedirect(new URL('https://gist.githubusercontent.com/a/b/raw'), base),
    ).resolves.toBe('same_origin');
    await expect(checkGistRedirect(new URL('https://140.82.112.3/a'), base)).resolves.toBe('public');
    await expect(checkGistRedirect(new URL('https://[2606:50c0:8000::154]/a'), base)).resolves.toBe('public');
  });

  it('refuses private literals and IPv4 carried in IPv6', async () => {
    for (const url of [
      'http://10.0.0.1/',
      'http://[::1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:7f00:1::]/',
    ]) {
      await expect(checkGistRedirect(new URL(url), base)).rejects.toBeInstanceOf(RedirectRefusal);
    }
  });
});
