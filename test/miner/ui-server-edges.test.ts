import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Keyring } from '@polkadot/keyring';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { initCrypto, signSubmission } from '../../src/crypto/index.js';
import { GistClient } from '../../src/miner/gist-client.js';
import { gistLimitsFromConfig } from '../../src/config/gist-limits.js';
import { MinerUiServer, type MinerUiOptions } from '../../src/miner/ui-server.js';
import { json, routeServer, type ReplayServer } from '../helpers/replay-server.js';

const HOTKEY = '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX';
const assetsDir = fileURLToPath(new URL('../../src/miner/ui/', import.meta.url));
const limits = gistLimitsFromConfig(loadConfig({ flags: {}, env: {} }));
const LINE = { content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: 'https://cdn.example/v.mp4' };

let dir: string;
let api: ReplayServer;
const servers: MinerUiServer[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iv-ui-edges-'));
  api = await routeServer(() => json(404, { message: 'Not Found' }));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

async function ui(over: Partial<MinerUiOptions> = {}): Promise<MinerUiServer> {
  const server = await MinerUiServer.start({
    hotkey: HOTKEY,
    netuid: 89,
    limits,
    assetsDir,
    check: () => Promise.reject(new Error('check is not part of these tests')),
    port: 0,
    ...over,
  });
  servers.push(server);
  return server;
}

async function call(server: MinerUiServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${server.url}${path}`, {
    method: method as 'GET',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('MinerUiServer.start option checks', () => {
  it.each([
    ['no options', null, new TypeError('options must be an object')],
    ['an empty hotkey', { hotkey: '' }, new TypeError('options.hotkey must be an SS58 address')],
    ['a check that is not a function', { check: 'yes' }, new TypeError('options.check must be a function')],
    ['a port out of range', { port: 70_000 }, new RangeError('options.port must be an integer from 0 to 65535, got 70000')],
  ])('refuses %s', async (_what, over, error) => {
    const options = over === null ? null : { hotkey: HOTKEY, netuid: 89, limits, assetsDir, check: () => Promise.reject(new Error('x')), port: 0, ...over };
    await expect(MinerUiServer.start(options as never)).rejects.toThrow(error);
  });
});

describe('MinerUiServer requests', () => {
  it('refuses a Host that is not loopback (DNS rebinding)', async () => {
    const server = await ui();
    expect(await call(server, 'GET', '/api/state', undefined, { host: 'evil.example' })).toEqual({
      status: 403,
      body: { error: 'ERR_UI_HOST', message: 'unexpected Host header' },
    });
  });

  it('unknown pages and API routes are 404', async () => {
    const server = await ui();
    expect((await call(server, 'GET', '/secrets')).body).toEqual({ error: 'ERR_UI_NOT_FOUND', message: 'not found' });
    expect((await call(server, 'GET', '/api/nothing')).body).toEqual({ error: 'ERR_UI_NOT_FOUND', message: 'no route GET /api/nothing' });
  });

  it('writes need a JSON object body', async () => {
    const server = await ui();
    expect(await call(server, 'POST', '/api/lines', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({
      status: 415,
      body: { error: 'ERR_UI_CONTENT_TYPE' },
    });
    expect(await call(server, 'POST', '/api/lines', '{not json')).toMatchObject({ status: 400, body: { error: 'ERR_UI_BAD_JSON' } });
    expect(await call(server, 'POST', '/api/lines', '[1]')).toMatchObject({ status: 400, body: { error: 'ERR_UI_BAD_JSON' } });
    expect(await call(server, 'POST', '/api/lines', { ...LINE, platform: ' ' })).toEqual({
      status: 400,
      body: { error: 'ERR_UI_MISSING_FIELD', message: 'platform is required' },
    });
    expect(await call(server, 'POST', '/api/lines', 'x'.repeat(1024 * 1024 + 1))).toMatchObject({ status: 413, body: { error: 'ERR_UI_TOO_LARGE' } });
  });

  it('adds, replaces and deletes lines, keeping the working file in step', async () => {
    const file = join(dir, 'missing-at-start.jsonl');
    const server = await ui({ file });
    expect(server.text).toBe('');
    const added = await call(server, 'POST', '/api/lines', LINE);
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ hotkey: HOTKEY, gist_id: null, can_sign: false, can_save: false, can_upload: false });
    expect((added.body['lines'] as unknown[]).length).toBe(1);
    expect(JSON.parse((await readFile(file, 'utf8')).trim())).toEqual(LINE);

    const replaced = await call(server, 'PUT', '/api/lines/1', { ...LINE, content_id: 'aaaaaaaaaaa' });
    expect((replaced.body['lines'] as Array<{ content_id: string }>)[0]!.content_id).toBe('aaaaaaaaaaa');
    expect(await call(server, 'PUT', '/api/lines/7', LINE)).toEqual({ status: 404, body: { error: 'ERR_UI_NO_SUCH_LINE', message: 'no line 7' } });
    const deleted = await call(server, 'DELETE', '/api/lines/1');
    expect(deleted.body['lines']).toEqual([]);
    expect((await readFile(file, 'utf8')).trim()).toBe('');
  });

  it('features without their secrets say what to set', async () => {
    const server = await ui();
    expect(await call(server, 'POST', '/api/load', {})).toMatchObject({ status: 409, body: { error: 'ERR_UI_NO_GIST_CLIENT' } });
    expect(await call(server, 'POST', '/api/sign', {})).toMatchObject({ status: 409, body: { error: 'ERR_UI_NO_WALLET' } });
    expect(await call(server, 'POST', '/api/save', {})).toMatchObject({ status: 409, body: { error: 'ERR_UI_NO_GIST_TOKEN' } });
    expect(await call(server, 'POST', '/api/upload', 'bytes', { 'content-type': 'application/octet-stream' })).toMatchObject({
      status: 409,
      body: { error: 'ERR_UI_NO_UPLOADER' },
    });
    expect(await call(server, 'POST', '/api/upload', {})).toMatchObject({ status: 415, body: { error: 'ERR_UI_CONTENT_TYPE' } });
  });

  it('loading needs a gist id, and a gist GitHub does not know is a 502 with its code', async () => {
    const server = await ui({ gists: new GistClient({ baseUrl: api.url, token: 'ghp_x' }) });
    expect(await call(server, 'POST', '/api/load', {})).toMatchObject({ status: 400, body: { error: 'ERR_UI_NO_GIST_ID' } });
    expect(await call(server, 'POST', '/api/load', { gist_id: 'abcdef0123' })).toMatchObject({
      status: 502,
      body: { error: 'ERR_GIST_API_NOT_FOUND' },
    });
  });

  it("a line signed by another hotkey is not signed for this one: invalid_signature, and saving it needs force, as gist push", async () => {
    await initCrypto();
    const other = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//copied-from');
    const copied = JSON.stringify({ ...LINE, signature: signSubmission(89, LINE, other) });
    const server = await ui({ gists: new GistClient({ baseUrl: api.url, token: 'ghp_x' }) });
    const state = await call(server, 'POST', '/api/lines', LINE);
    expect((state.body['lines'] as Array<{ signed: boolean; reason: string | null }>)[0]).toMatchObject({ signed: false, reason: null });
    const file = join(dir, 'copied.jsonl');
    await writeFile(file, `${copied}\n`);
    const withCopied = await ui({ file, gists: new GistClient({ baseUrl: api.url, token: 'ghp_x' }) });
    const lines = (await call(withCopied, 'GET', '/api/state')).body['lines'] as Array<Record<string, unknown>>;
    expect(lines[0]).toMatchObject({ signed: false, reason: 'invalid_signature', detail: `signature does not verify for ${HOTKEY} on netuid 89; Sign replaces it` });
    expect(await call(withCopied, 'POST', '/api/save', {})).toMatchObject({ status: 422, body: { error: 'ERR_UI_INVALID_LINES' } });
  });

  it('with require_signed_submissions an unsigned line is one validators reject: reason unsigned, and saving it needs force, as gist push', async () => {
    await initCrypto();
    const gists = new GistClient({ baseUrl: api.url, token: 'ghp_x' });
    const lenient = await ui({ gists });
    const state = await call(lenient, 'POST', '/api/lines', LINE);
    expect((state.body['lines'] as Array<Record<string, unknown>>)[0]).toMatchObject({ signed: false, reason: null });
    const strict = await ui({ gists, requireSigned: true });
    const lines = (await call(strict, 'POST', '/api/lines', LINE)).body['lines'] as Array<Record<string, unknown>>;
    expect(lines[0]).toMatchObject({ signed: false, reason: 'unsigned', detail: `validators require signed lines (require_signed_submissions); Sign adds one for ${HOTKEY}` });
    expect(await call(strict, 'POST', '/api/save', {})).toMatchObject({ status: 422, body: { error: 'ERR_UI_INVALID_LINES' } });
  });

  it('saving lines validators would reject needs force', async () => {
    const server = await ui({ gists: new GistClient({ baseUrl: api.url, token: 'ghp_x' }) });
    await call(server, 'POST', '/api/lines', { ...LINE, direct_video_url: 'not a url' });
    const refused = await call(server, 'POST', '/api/save', {});
    expect(refused).toEqual({
      status: 422,
      body: { error: 'ERR_UI_INVALID_LINES', message: '1 line(s) would be rejected by validators; fix them or save with force' },
    });
  });
});
