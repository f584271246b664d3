import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { GistFetchError, GistFetcher } from '../../../src/services/gist/index.js';

let standins: ServiceStandins | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await standins?.close();
  standins = undefined;
});

const LINE = JSON.stringify({ content_id: 'abc', platform: 'youtube/video', direct_video_url: 'https://v/x.mp4' });

async function setup(gists: Record<string, string | Buffer>, opts: { timeoutMs?: number; maxBytes?: number; concurrency?: number } = {}) {
  standins = await startServiceStandins({ gists, aiStandins: false });
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  const fetcher = new GistFetcher({ baseUrl: standins.gistBaseUrl, metrics, ...opts });
  closers.push(() => fetcher.close());
  return { fetcher, metrics, standins };
}

async function failure(p: Promise<unknown>): Promise<GistFetchError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GistFetchError);
  return error as GistFetchError;
}

describe('GistFetcher', () => {
  it('fetches <base>/<user>/<gist_id>/raw and counts the request, not the miner\'s read', async () => {
    const { fetcher, metrics, standins } = await setup({ 'alice/0123abcd': `${LINE}\n` });
    await expect(fetcher.fetch({ githubUser: 'alice', gistId: '0123abcd' })).resolves.toBe(`${LINE}\n`);
    expect(standins.stats.gist.calls[0]!.path).toBe('/alice/0123abcd/raw');
    const exposed = await metrics.expose();
    expect(exposed).toMatch(/infinitevibe_external_requests_total\{service="gist",status="2xx"\} 1/);
    // The actor counts each miner's read once, parse included.
    expect(exposed).not.toMatch(/infinitevibe_gist_fetches_total\{/);
    // The dependency limiter alone writes the gist queue gauges (two writers disagreed).
    expect(exposed).not.toMatch(/infinitevibe_dependency_(in_flight|queue_depth)\{dependency="gist"\}/);
  });

  it('returns a body with a huge line count whole, for the parser to limit', async () => {
    const body = `${LINE}\n`.repeat(12_000);
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const { fetcher } = await setup({ 'bob/ff': body });
    const text = await fetcher.fetch({ githubUser: 'bob', gistId: 'ff' });
    expect(text.split('\n')).toHaveLength(12_001);
    expect(text).toBe(body);
  });

  it('404 → not_found, not retried', async () => {
    const { fetcher, metrics, standins } = await setup({});
    const error = await failure(fetcher.fetch({ githubUser: 'ghost', gistId: 'dead' }));
    expect(error).toMatchObject({ reason: 'not_found', code: 'ERR_GIST_NOT_FOUND', status: 404, retryable: false });
    expect(standins.stats.gist.count()).toBe(1);
    expect(await metrics.expose()).toMatch(/infinitevibe_external_requests_total\{service="gist",status="4xx"\} 1/);
  });

  it('a slow host → timeout', async () => {
    const { fetcher, standins } = await setup({ 'slow/1': LINE }, { timeoutMs: 150 });
    standins.faults.gist.latencyMs = 1_000;
    const error = await failure(fetcher.fetch({ githubUser: 'slow', gistId: '1' }));
    expect(error).toMatchObject({ reason: 'timeout', code: 'ERR_GIST_TIMEOUT', retryable: true });
    expect(error.message).toMatch(/not read within 150 ms/);
  });

  it('a caller that gives up mid-read gets its own reason, not a timeout, and nothing waits on the host', async () => {
    const { fetcher, metrics, standins } = await setup({ 'slow/2': LINE }, { timeoutMs: 60_000 });
    standins.faults.gist.latencyMs = 60_000;
    const controller = new AbortController();
    const reason = new Error('cycle over');
    const reading = fetcher.fetchIfChanged({ githubUser: 'slow', gistId: '2' }, { signal: controller.signal });
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
    expect(fetcher.queued).toBe(0);
    expect(await metrics.expose()).not.toMatch(/infinitevibe_external_requests_total\{service="gist",status="timeout"\}/);
  });

  it('a declared oversize body → too_large', async () => {
    const { fetcher } = await setup({ 'big/1': 'x'.repeat(2048) }, { maxBytes: 1024 });
    const error = await failure(fetcher.fetch({ githubUser: 'big', gistId: '1' }));
    expect(error).toMatchObject({ reason: 'too_large', code: 'ERR_GIST_TOO_LARGE', retryable: false });
  });

  it('an oversize stream without Content-Length is aborted once it passes the cap', async () => {
    let written = 0;
    let closed = false;
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const timer = setInterval(() => {
        written += chunk.length;
        res.write(chunk);
      }, 1);
      res.on('close', () => {
        closed = true;
        clearInterval(timer);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.close(r); server.closeAllConnections(); }));
    const fetcher = new GistFetcher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxBytes: 64 * 1024 });
    closers.push(() => fetcher.close());
    const error = await failure(fetcher.fetch({ githubUser: 'stream', gistId: '1' }));
    expect(error.reason).toBe('too_large');
    // The refused body's connection is torn down, not drained.
    await vi.waitFor(() => expect(closed).toBe(true));
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('non-UTF-8 bytes are read as U+FFFD, not a failed read (the parser refuses only their line)', async () => {
    const { fetcher } = await setup({ 'latin/1': Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d, 0x0a]) });
    await expect(fetcher.fetch({ githubUser: 'latin', gistId: '1' })).resolves.toBe('{"\ufffd"}\n');
  });

  it('5xx is retried, then http_error when it persists', async () => {
    const { fetcher, standins } = await setup({ 'flaky/1': LINE });
    standins.faults.gist.failNext({ status: 503 });
    await expect(fetcher.fetch({ githubUser: 'flaky', gistId: '1' })).resolves.toBe(LINE);
    standins.faults.gist.failNext({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await failure(fetcher.fetch({ githubUser: 'flaky', gistId: '1' }));
    expect(error).toMatchObject({ reason: 'http_error', status: 500, retryable: true });
  });

  it('any 2xx answer is the gist, as raise_for_status passes it in the original', async () => {
    const server: Server = createServer((req, res) => {
      res.writeHead(Number(/\/(\d+)\/raw$/.exec(req.url ?? '')?.[1]), { 'content-type': 'text/plain' });
      res.end(LINE);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const fetcher = new GistFetcher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    closers.push(() => fetcher.close(), () => new Promise((r) => server.close(r)));
    for (const status of [201, 202, 203, 299]) {
      await expect(fetcher.fetch({ githubUser: 'x', gistId: String(status) })).resolves.toBe(LINE);
    }
  });

  it('a refused connection → network_error', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const fetcher = new GistFetcher({ baseUrl: `http://127.0.0.1:${port}` });
    closers.push(() => fetcher.close());
    const error = await failure(fetcher.fetch({ githubUser: 'x', gistId: '1' }));
    expect(error).toMatchObject({ reason: 'network_error', code: 'ERR_GIST_NETWORK_ERROR' });
  });

  it('keeps at most `concurrency` fetches in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = createServer((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.end('ok');
      }, 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.close(r); server.closeAllConnections(); }));
    const fetcher = new GistFetcher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, concurrency: 3 });
    closers.push(() => fetcher.close());
    await Promise.all(Array.from({ length: 12 }, (_, i) => fetcher.fetch({ githubUser: 'u', gistId: String(i) })));
    expect(peak).toBe(3);
  });

  it('rejects malformed commitments and options precisely', async () => {
    const fetcher = new GistFetcher({ baseUrl: 'http://127.0.0.1:9' });
    closers.push(() => fetcher.close());
    await expect(fetcher.fetch({ githubUser: 'bad user', gistId: '1' })).rejects.toThrow(/githubUser must be 1-39 characters/);
    await expect(fetcher.fetch({ githubUser: 'ok', gistId: '../x' })).rejects.toThrow(/gistId must be 1-64 letters or digits/);
    expect(() => new GistFetcher({ baseUrl: 'file:///etc' })).toThrow(/baseUrl must be an http\(s\) URL/);
    expect(() => new GistFetcher({ maxBytes: 0 })).toThrow(/maxBytes must be a positive integer/);
    expect(fetcher.url({ githubUser: 'a-b', gistId: 'ff00' })).toBe('http://127.0.0.1:9/a-b/ff00/raw');
  });
});

const REF = { githubUser: 'alice', gistId: '0123abcd' };
const sha = (text: string) => `"${createHash('sha256').update(text).digest('hex')}"`;

const conditionalSetup = (body: string) => setup({ 'alice/0123abcd': body });

describe('GistFetcher conditional reads', () => {
  it('sends the last etag and gets an unchanged gist without its body, then the new body once it changes', async () => {
    const { fetcher, standins } = await conditionalSetup(`${LINE}\n`);
    const first = await fetcher.fetchIfChanged(REF);
    expect(first).toEqual({ unchanged: false, body: `${LINE}\n`, etag: sha(`${LINE}\n`) });
    const again = await fetcher.fetchIfChanged(REF, { etag: first.etag! });
    expect(again).toEqual({ unchanged: true, etag: first.etag });
    expect(standins.stats.gist.calls.map((c) => c.status)).toEqual([200, 304]);

    standins.gistHost.set('alice', '0123abcd', `${LINE}\n${LINE}\n`);
    const changed = await fetcher.fetchIfChanged(REF, { etag: first.etag! });
    expect(changed).toEqual({ unchanged: false, body: `${LINE}\n${LINE}\n`, etag: sha(`${LINE}\n${LINE}\n`) });
  });

  it('matches a weak tag and `*` as RFC 9110 does, and a plain fetch never sends one', async () => {
    const { fetcher, standins } = await conditionalSetup('x\n');
    expect(await fetcher.fetchIfChanged(REF, { etag: `W/${sha('x\n')}` })).toMatchObject({ unchanged: true });
    expect(await fetcher.fetch(REF)).toBe('x\n');
    expect(standins.stats.gist.calls.map((c) => c.status)).toEqual([304, 200]);
  });

  it('reads a host without entity tags in full every time, and calls a 304 nobody asked for an HTTP error', async () => {
    let status = 200;
    const server = createServer((_req, res) => {
      res.writeHead(status);
      res.end(status === 200 ? 'body\n' : undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const fetcher = new GistFetcher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    closers.push(() => fetcher.close());
    expect(await fetcher.fetchIfChanged(REF)).toEqual({ unchanged: false, body: 'body\n' });
    status = 304;
    const error = await fetcher.fetch(REF).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GistFetchError);
    expect(error).toMatchObject({ reason: 'http_error', status: 304 });
  });

  it('refuses an etag that is not an entity tag, and drops one a host sends malformed', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { etag: 'W/no-quotes' });
      res.end('body\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const fetcher = new GistFetcher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    closers.push(() => fetcher.close());
    await expect(fetcher.fetchIfChanged(REF, { etag: 'abc\r\nx-injected: 1' })).rejects.toThrow(
      new TypeError('etag must be an entity tag such as "abc" or W/"abc", got "abc\\r\\nx-injected: 1"'),
    );
    expect(await fetcher.fetchIfChanged(REF)).toEqual({ unchanged: false, body: 'body\n' });
  });
});
