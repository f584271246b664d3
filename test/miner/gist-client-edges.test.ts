import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GistClient } from '../../src/miner/gist-client.js';
import { json, routeServer, type CannedAnswer, type ReceivedRequest, type ReplayServer } from '../helpers/replay-server.js';

let api: ReplayServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function github(route: (req: ReceivedRequest) => CannedAnswer, options: { anonymous?: boolean } = {}): Promise<GistClient> {
  api = await routeServer(route);
  return new GistClient({ baseUrl: `${api.url}/`, ...(options.anonymous ? {} : { token: 'ghp_secret' }) });
}

const gist = (files: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: 'abc123',
  html_url: 'https://gist.github.com/miner/abc123',
  owner: { login: 'miner' },
  files,
  ...over,
});

describe('GistClient options', () => {
  it.each([
    ['no options', null, new TypeError('options must be an object')],
    ['a base URL without a scheme', { baseUrl: 'api.github.com' }, new TypeError('options.baseUrl must be an http(s) URL, got "api.github.com"')],
    ['a blank token', { baseUrl: 'https://api.github.com', token: '  ' }, new TypeError('options.token must be a non-empty string when given')],
  ])('refuses %s', (_what, options, error) => {
    expect(() => new GistClient(options as never)).toThrow(error);
  });

  it('without a token it can read but refuses to write, before any request', async () => {
    const client = await github(() => json(500, {}), { anonymous: true });
    expect(client.canWrite).toBe(false);
    await expect(client.push({ content: 'x' })).rejects.toMatchObject({ code: 'ERR_GIST_API_NO_TOKEN' });
    expect(api!.received).toHaveLength(0);
  });

  it('refuses to publish an empty file', async () => {
    const client = await github(() => json(500, {}));
    await expect(client.push({ content: ' \n' })).rejects.toMatchObject({ code: 'ERR_GIST_EMPTY_FILE' });
    expect(api!.received).toHaveLength(0);
  });
});

describe('GistClient.pull answers', () => {
  it('reads the first file by name; a missing owner and id fall back', async () => {
    const client = await github(() => json(200, { files: { 'b.jsonl': { content: 'B' }, 'a.jsonl': { content: 'A' } }, owner: null }));
    expect(await client.pull('f00d')).toEqual({ id: 'f00d', owner: '', filename: 'a.jsonl', content: 'A', commitment: ':f00d', htmlUrl: '' });
    expect(api!.received[0]).toMatchObject({ method: 'GET', path: '/gists/f00d' });
    expect(api!.received[0]!.headers['authorization']).toBe('token ghp_secret');
  });

  it('reads a file GitHub sends base64-encoded (encoding "base64") as its text', async () => {
    const text = '{"platform":"youtube/video","content_id":"abc"}\n';
    const client = await github(() => json(200, gist({ 'a.jsonl': { content: Buffer.from(text).toString('base64'), encoding: 'base64' } })));
    expect((await client.pull('abc123')).content).toBe(text);
    const plain = await github(() => json(200, gist({ 'a.jsonl': { content: text, encoding: 'utf-8' } })));
    expect((await plain.pull('abc123')).content).toBe(text);
  });

  it.each([
    ['no files', gist({}), 'ERR_GIST_API_EMPTY'],
    ['a file in an encoding it does not know', gist({ 'a.jsonl': { content: 'x', encoding: 'utf-16' } }), 'ERR_GIST_API_BAD_ANSWER'],
    ['a file without content', gist({ 'a.jsonl': { filename: 'a.jsonl' } }), 'ERR_GIST_API_EMPTY'],
    ['a truncated file', gist({ 'a.jsonl': { content: 'partial', truncated: true } }), 'ERR_GIST_API_TRUNCATED'],
  ])('a gist with %s is %s', async (_what, body, code) => {
    const client = await github(() => json(200, body));
    await expect(client.pull('abc123')).rejects.toMatchObject({ code });
  });

  it.each([
    [json(401, { message: 'Bad credentials' }), 'ERR_GIST_API_UNAUTHORIZED', false, 'GET /gists/abc123: GitHub refused the token (401: Bad credentials); check GITHUB_TOKEN'],
    [json(404, { message: 'Not Found' }), 'ERR_GIST_API_NOT_FOUND', false, 'GET /gists/abc123: gist not found, or not editable with this token (404)'],
    [json(429, { message: 'slow down' }, { 'x-ratelimit-reset': '1767225600' }), 'ERR_GIST_API_RATE_LIMITED', true, 'GET /gists/abc123: GitHub API rate limit reached (429); resets at 2026-01-01T00:00:00.000Z'],
    [json(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0' }), 'ERR_GIST_API_RATE_LIMITED', true, 'GET /gists/abc123: GitHub API rate limit reached (403)'],
    [json(403, { message: 'Forbidden' }), 'ERR_GIST_API_HTTP', false, 'GET /gists/abc123: GitHub answered 403: Forbidden'],
    [
      json(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '60', 'x-ratelimit-remaining': '4990' }),
      'ERR_GIST_API_RATE_LIMITED',
      true,
      'GET /gists/abc123: GitHub secondary rate limit reached (403); retry after 60 s',
    ],
    [json(403, { message: 'You have exceeded a secondary rate limit.' }, { 'x-ratelimit-remaining': '12' }), 'ERR_GIST_API_RATE_LIMITED', true, 'GET /gists/abc123: GitHub secondary rate limit reached (403); wait at least a minute'],
    [{ status: 502, body: 'bad gateway', headers: { 'content-type': 'text/plain' } }, 'ERR_GIST_API_HTTP', true, 'GET /gists/abc123: GitHub answered 502'],
  ])('%j is %s (retryable %s)', async (answer, code, retryable, message) => {
    const client = await github(() => answer);
    const error = await client.pull('abc123').catch((e: unknown) => e);
    expect(error).toMatchObject({ code, retryable, status: answer.status, message });
    expect((error as Error).message).not.toContain('ghp_secret');
  });

  it('an API nobody answers is ERR_GIST_API_NETWORK, retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new GistClient({ baseUrl: `http://127.0.0.1:${port}`, token: 'ghp_secret' });
    const error = await client.pull('abc123').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_GIST_API_NETWORK', retryable: true, status: undefined });
    expect((error as Error).message).toMatch(/^GET \/gists\/abc123 failed: /);
  });
});

describe('GistClient.push', () => {
  it('creates a private gist with the default file name and description', async () => {
    const client = await github(() => json(201, gist({ 'submissions.jsonl': { content: 'L' } })));
    expect(await client.push({ content: 'L\n' })).toEqual({
      id: 'abc123',
      owner: 'miner',
      filename: 'submissions.jsonl',
      created: true,
      commitment: 'miner:abc123',
      htmlUrl: 'https://gist.github.com/miner/abc123',
    });
    expect(api!.received[0]).toMatchObject({ method: 'POST', path: '/gists' });
    expect(JSON.parse(api!.received[0]!.body)).toEqual({
      description: 'InfiniteVibe submissions',
      public: false,
      files: { 'submissions.jsonl': { content: 'L\n' } },
    });
  });

  it('a refused create is mapped like any other call', async () => {
    const client = await github(() => json(422, { message: 'Validation Failed' }));
    await expect(client.push({ content: 'L' })).rejects.toMatchObject({
      code: 'ERR_GIST_API_INVALID',
      message: 'POST /gists: GitHub rejected the gist (422: Validation Failed)',
    });
  });

  it('updates the file validators read, keeping its name, and passes a description on', async () => {
    const client = await github((r) =>
      r.method === 'GET' ? json(200, gist({ 'b.jsonl': { content: 'old' }, 'a.jsonl': { content: 'old' } })) : json(200, gist({ 'a.jsonl': { content: 'new' } })),
    );
    const out = await client.push({ gistId: 'abc123', content: 'new', description: 'mine' });
    expect(out).toMatchObject({ filename: 'a.jsonl', created: false, commitment: 'miner:abc123' });
    const patch = api!.received.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe('/gists/abc123');
    expect(JSON.parse(patch.body)).toEqual({ files: { 'a.jsonl': { content: 'new' } }, description: 'mine' });
  });

  it('refuses a file name that would not be the first, before writing anything', async () => {
    const client = await github(() => json(200, gist({ 'a.jsonl': { content: 'old' } })));
    await expect(client.push({ gistId: 'abc123', content: 'new', filename: 'z.jsonl' })).rejects.toMatchObject({
      code: 'ERR_GIST_WRONG_FILE',
      message: "gist abc123: z.jsonl would not be the gist's first file (a.jsonl); validators read that one",
    });
    expect(api!.received.map((r) => r.method)).toEqual(['GET']);
  });

  it('a gist that cannot be read, or cannot be written, names the failing call', async () => {
    let client = await github(() => json(404, { message: 'Not Found' }));
    await expect(client.push({ gistId: 'abc123', content: 'x' })).rejects.toMatchObject({ code: 'ERR_GIST_API_NOT_FOUND', message: expect.stringMatching(/^GET \/gists\/abc123/) });
    await api!.close();
    client = await github((r) => (r.method === 'GET' ? json(200, gist({})) : json(500, { message: 'oops' })));
    const error = await client.push({ gistId: 'abc123', content: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_GIST_API_HTTP', retryable: true, message: 'PATCH /gists/abc123: GitHub answered 500: oops' });
  });
});
