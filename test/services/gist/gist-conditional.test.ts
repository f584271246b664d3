import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { GistFetchError, GistFetcher } from '../../../src/services/gist/index.js';

let standins: ServiceStandins | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await standins?.close();
  standins = undefined;
});

const LINE = JSON.stringify({ content_id: 'abc', platform: 'youtube/video', direct_video_url: 'https://v/x.mp4' });
const REF = { githubUser: 'alice', gistId: '0123abcd' };
const sha = (text: string) => `"${createHash('sha256').update(text).digest('hex')}"`;

async function setup(body: string) {
  standins = await startServiceStandins({ gists: { 'alice/0123abcd': body }, aiStandins: false });
  const fetcher = new GistFetcher({ baseUrl: standins.gistBaseUrl });
  closers.push(() => fetcher.close());
  return { fetcher, standins };
}

describe('GistFetcher conditional reads', () => {
  it('sends the last etag and gets an unchanged gist without its body, then the new body once it changes', async () => {
    const { fetcher, standins } = await setup(`${LINE}\n`);
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
    const { fetcher, standins } = await setup('x\n');
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
