import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createGistHost } from '../../../src/devnet/http/gist-host.js';
import { GIST_API_FILE_CONTENT_BYTES, createGistApiStandin, type GistApiStandin } from '../../../src/devnet/http/github-gist-api-standin.js';
import { listenLoopback, type RunningServer } from '../../../src/devnet/http/standin-server.js';
import { GistClient } from '../../../src/miner/gist-client.js';

describe('GitHub gist API stand-in', () => {
  const host = createGistHost();
  let raw: RunningServer;
  let api: GistApiStandin;
  beforeAll(async () => {
    raw = await listenLoopback(host.handler);
    api = createGistApiStandin({ host, rawBaseUrl: raw.url, tokens: { 'ghp_good': 'octominer', 'ghp_other': 'someone' }, rateLimit: 40 });
    await api.listen();
  });
  afterAll(async () => {
    await api.close();
    await raw.close();
  });

  it('create, update and read through Octokit; /raw serves what was written', async () => {
    const client = new GistClient({ token: 'ghp_good', baseUrl: api.url });
    const created = await client.push({ content: 'line one\n' });
    expect(created).toMatchObject({ owner: 'octominer', filename: 'submissions.jsonl', created: true });
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.commitment).toBe(`octominer:${created.id}`);
    const first = await request(`${raw.url}/octominer/${created.id}/raw`);
    expect(await first.body.text()).toBe('line one\n');

    const updated = await client.push({ gistId: created.id, content: 'line two\n' });
    expect(updated.created).toBe(false);
    const pulled = await new GistClient({ baseUrl: api.url }).pull(created.id);
    expect(pulled).toMatchObject({ owner: 'octominer', filename: 'submissions.jsonl', content: 'line two\n', commitment: created.commitment });
    const read = (await (await request(`${api.url}/gists/${created.id}`)).body.json()) as { files: Record<string, Record<string, unknown>> };
    expect(read.files['submissions.jsonl']).toMatchObject({ content: 'line two\n', encoding: 'utf-8', truncated: false, size: 9 });
    const second = await request(`${raw.url}/octominer/${created.id}/raw`);
    expect(await second.body.text()).toBe('line two\n');

    // A file that would not be the first one is refused before anything is written.
    await expect(client.push({ gistId: created.id, content: 'other\n', filename: 'zzz.jsonl' })).rejects.toMatchObject({ code: 'ERR_GIST_WRONG_FILE' });
    expect([...api.files(created.id)!.keys()]).toEqual(['submissions.jsonl']);

    // The pinned raw_url from the API answers as well.
    const body = (await (await request(`${api.url}/gists/${created.id}`)).body.json()) as { files: Record<string, { raw_url: string; size: number }>; history: unknown[]; html_url: string };
    expect(body.files['submissions.jsonl']!.size).toBe(9);
    expect(body.history).toHaveLength(2);
    expect(body.html_url).toBe(`https://gist.github.com/${created.id}`);
    expect(await (await request(body.files['submissions.jsonl']!.raw_url)).body.text()).toBe('line two\n');
  });

  it('sends at most one megabyte of a file as content, marked truncated, as GitHub documents; raw_url and /raw serve it whole', async () => {
    const client = new GistClient({ token: 'ghp_good', baseUrl: api.url });
    // Three-byte characters across the cut: the content sent stays valid UTF-8.
    const line = `{"content_id":"v","platform":"youtube/video","note":"${'€'.repeat(40)}"}\n`;
    const whole = line.repeat(Math.ceil((GIST_API_FILE_CONTENT_BYTES + 1) / Buffer.byteLength(line)));
    const big = await client.push({ content: whole });
    const body = (await (await request(`${api.url}/gists/${big.id}`)).body.json()) as {
      truncated: boolean;
      files: Record<string, { truncated: boolean; content: string; size: number; raw_url: string }>;
    };
    const file = body.files['submissions.jsonl']!;
    expect(body.truncated).toBe(false);
    expect(file.truncated).toBe(true);
    expect(file.size).toBe(Buffer.byteLength(whole));
    expect(Buffer.byteLength(file.content)).toBeLessThanOrEqual(GIST_API_FILE_CONTENT_BYTES);
    expect(Buffer.byteLength(file.content)).toBeGreaterThan(GIST_API_FILE_CONTENT_BYTES - 3);
    expect(whole.startsWith(file.content)).toBe(true);
    expect(await (await request(file.raw_url)).body.text()).toBe(whole);
    expect(await (await request(`${raw.url}/octominer/${big.id}/raw`)).body.text()).toBe(whole);
    // The miner tool reads the API, so it says the file is too large rather than publishing a cut copy.
    await expect(new GistClient({ baseUrl: api.url }).pull(big.id)).rejects.toMatchObject({ code: 'ERR_GIST_API_TRUNCATED' });

    const small = await client.push({ content: 'x'.repeat(GIST_API_FILE_CONTENT_BYTES) });
    const smallBody = (await (await request(`${api.url}/gists/${small.id}`)).body.json()) as { files: Record<string, { truncated: boolean; content: string }> };
    expect(smallBody.files['submissions.jsonl']!.truncated).toBe(false);
    expect(smallBody.files['submissions.jsonl']!.content).toHaveLength(GIST_API_FILE_CONTENT_BYTES);
  });

  it('answers 401 for a bad token, 404 for unknown or foreign gists, 422 for empty files', async () => {
    const bad = await request(`${api.url}/gists/abc`, { headers: { authorization: 'token nope' } });
    expect(bad.statusCode).toBe(401);
    expect(await bad.body.json()).toMatchObject({ message: 'Bad credentials' });
    await expect(new GistClient({ token: 'nope', baseUrl: api.url }).push({ content: 'x' })).rejects.toMatchObject({ code: 'ERR_GIST_API_UNAUTHORIZED' });
    await expect(new GistClient({ baseUrl: api.url }).pull('0123abcd')).rejects.toMatchObject({ code: 'ERR_GIST_API_NOT_FOUND' });

    const mine = await new GistClient({ token: 'ghp_good', baseUrl: api.url }).push({ content: 'x\n' });
    await expect(new GistClient({ token: 'ghp_other', baseUrl: api.url }).push({ gistId: mine.id, content: 'stolen\n' })).rejects.toMatchObject({ code: 'ERR_GIST_API_NOT_FOUND' });

    const empty = await request(`${api.url}/gists`, {
      method: 'POST',
      headers: { authorization: 'Bearer ghp_good', 'content-type': 'application/json' },
      body: JSON.stringify({ files: { 'a.txt': { content: '' } } }),
    });
    expect(empty.statusCode).toBe(422);
    expect(await empty.body.json()).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'Gist', code: 'missing_field', field: 'files' }] });
    const anonymous = await request(`${api.url}/gists`, { method: 'POST', body: '{}' });
    expect(anonymous.statusCode).toBe(401);
    expect(await anonymous.body.json()).toMatchObject({ message: 'Requires authentication' });
    const notJson = await request(`${api.url}/gists`, { method: 'POST', headers: { authorization: 'token ghp_good' }, body: '{' });
    expect(notJson.statusCode).toBe(400);
    await notJson.body.dump();
  });

  it('sends rate-limit headers and refuses with 403 once the budget is spent', async () => {
    const api2 = createGistApiStandin({ host, rawBaseUrl: raw.url, tokens: { t: 'limited' }, rateLimit: 2 });
    await api2.listen();
    try {
      const one = await request(`${api2.url}/gists`, { headers: { authorization: 'token t' } });
      expect(one.headers['x-ratelimit-limit']).toBe('2');
      expect(one.headers['x-ratelimit-remaining']).toBe('1');
      expect(Number(one.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
      expect(await one.body.json()).toEqual([]);
      await (await request(`${api2.url}/gists`, { headers: { authorization: 'token t' } })).body.dump();
      const limited = await request(`${api2.url}/gists`, { headers: { authorization: 'token t' } });
      expect(limited.statusCode).toBe(403);
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      await limited.body.dump();
      await expect(new GistClient({ token: 't', baseUrl: api2.url }).push({ content: 'x\n' })).rejects.toMatchObject({ code: 'ERR_GIST_API_RATE_LIMITED' });
    } finally {
      await api2.close();
    }
  });

  it('refuses writes past the secondary limit with 403, a retry-after and the primary budget left; the client reads it as rate limited', async () => {
    const api3 = createGistApiStandin({ host, rawBaseUrl: raw.url, tokens: { w: 'writer' }, writesPerMinute: 2 });
    await api3.listen();
    try {
      const client = new GistClient({ token: 'w', baseUrl: api3.url });
      const created = await client.push({ content: 'one\n' });
      await client.push({ gistId: created.id, content: 'two\n' });
      const refused = await request(`${api3.url}/gists`, { method: 'POST', headers: { authorization: 'token w' }, body: JSON.stringify({ files: { 'a.jsonl': { content: 'x' } } }) });
      expect(refused.statusCode).toBe(403);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['x-ratelimit-remaining'])).toBeGreaterThan(0);
      expect(await refused.body.json()).toMatchObject({ message: expect.stringMatching(/^You have exceeded a secondary rate limit/) });
      await expect(client.push({ gistId: created.id, content: 'three\n' })).rejects.toMatchObject({
        code: 'ERR_GIST_API_RATE_LIMITED',
        retryable: true,
        message: expect.stringMatching(/secondary rate limit reached \(403\); retry after \d+ s$/),
      });
      // Reads are not content-generating: still served.
      expect((await client.pull(created.id)).content).toBe('two\n');
      api3.faults.failNext({ status: 429, retryAfterSeconds: 7 });
      await expect(client.pull(created.id)).rejects.toMatchObject({ code: 'ERR_GIST_API_RATE_LIMITED', message: expect.stringMatching(/secondary rate limit reached \(429\); retry after 7 s$/) });
    } finally {
      await api3.close();
    }
  });
});
