import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { gistLimitsFromConfig } from '../../src/config/gist-limits.js';
import { MinerUiServer, type MinerUiOptions } from '../../src/miner/ui-server.js';

const HOTKEY = '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX';
const assetsDir = fileURLToPath(new URL('../../src/miner/ui/', import.meta.url));
const limits = gistLimitsFromConfig(loadConfig({ flags: {}, env: {} }));
const LINE = { content_id: 'dQw4w9WgXcQ', platform: 'youtube/video', direct_video_url: 'https://cdn.example/v.mp4' };

let root: string;
const servers: MinerUiServer[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iv-ui-hostile-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function ui(over: Partial<MinerUiOptions> = {}): Promise<MinerUiServer> {
  const server = await MinerUiServer.start({ hotkey: HOTKEY, netuid: 89, limits, assetsDir, check: () => Promise.reject(new Error('not used')), port: 0, ...over });
  servers.push(server);
  return server;
}

async function send(server: MinerUiServer, method: string, path: string, headers: Record<string, string>, body?: string | Buffer | Readable) {
  const res = await request(`${server.url}${path}`, { method: method as 'POST', headers, ...(body === undefined ? {} : { body }) });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

/** An uploader that records what it was handed and reads the staged bytes back. */
function recorder(barrier = 1) {
  const calls: Array<{ file: string; key: string }> = [];
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  const upload = async (file: string, key: string) => {
    calls.push({ file, key });
    if (calls.length >= barrier) release();
    await all;
    const bytes = await readFile(file);
    return { url: `https://cdn.example/${key}`, bytes: bytes.length, body: bytes.toString('utf8') };
  };
  return { calls, upload };
}

describe('miner ui: requests other sites can cause', () => {
  it('a write carrying another Origin is refused before it changes anything', async () => {
    const server = await ui();
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1']) {
      const res = await send(server, 'POST', '/api/lines', { 'content-type': 'application/json', origin }, JSON.stringify(LINE));
      expect(res).toMatchObject({ status: 403, body: { error: 'ERR_UI_ORIGIN' } });
    }
    const del = await send(server, 'DELETE', '/api/lines/1', { origin: 'https://evil.example' });
    expect(del.status).toBe(403);
    expect(server.text).toBe('');
    // The page itself sends its own origin with every write.
    const own = await send(server, 'POST', '/api/lines', { 'content-type': 'application/json', origin: server.url }, JSON.stringify(LINE));
    expect(own.status).toBe(200);
    expect(server.text).toContain(LINE.content_id);
  });

  it('the page may not be framed by another site, and API answers are never sniffed as HTML', async () => {
    const server = await ui();
    const page = await request(`${server.url}/`);
    await page.body.dump();
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(String(page.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    const state = await send(server, 'GET', '/api/state', {});
    expect(state.headers['x-content-type-options']).toBe('nosniff');
    expect(state.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('miner ui: uploads', () => {
  const octet = { 'content-type': 'application/octet-stream' };

  it('a key made of dots is refused instead of naming a folder', async () => {
    const stagingDir = await mkdtemp(join(root, 'stage-'));
    const rec = recorder();
    const server = await ui({ upload: rec.upload, stagingDir });
    for (const key of ['..', '.', '...']) {
      expect(await send(server, 'POST', `/api/upload?key=${key}`, octet, 'video')).toMatchObject({ status: 400, body: { error: 'ERR_UI_BAD_KEY' } });
    }
    expect(rec.calls).toEqual([]);
  });

  it('bytes are staged under a fresh name inside the staging folder, then removed', async () => {
    const stagingDir = await mkdtemp(join(root, 'stage-'));
    const rec = recorder();
    const server = await ui({ upload: rec.upload, stagingDir });
    const res = await send(server, 'POST', '/api/upload?key=clip.mp4', octet, 'video bytes');
    expect(res).toMatchObject({ status: 200, body: { url: 'https://cdn.example/clip.mp4', body: 'video bytes' } });
    expect(dirname(rec.calls[0]!.file)).toBe(stagingDir);
    expect(rec.calls[0]!.key).toBe('clip.mp4');
    expect(await readdir(stagingDir)).toEqual([]);
  });

  it('two uploads with the same key at once each upload their own bytes', async () => {
    const stagingDir = await mkdtemp(join(root, 'stage-'));
    const rec = recorder(2);
    const server = await ui({ upload: rec.upload, stagingDir });
    const [a, b] = await Promise.all([
      send(server, 'POST', '/api/upload?key=same.mp4', octet, 'first video'),
      send(server, 'POST', '/api/upload?key=same.mp4', octet, 'second video'),
    ]);
    expect([a.body['body'], b.body['body']]).toEqual(['first video', 'second video']);
    expect(rec.calls[0]!.file).not.toBe(rec.calls[1]!.file);
    expect(await readdir(stagingDir)).toEqual([]);
  });

  it('a video over the size cap is refused, whether announced or streamed, and nothing is left staged', async () => {
    const stagingDir = await mkdtemp(join(root, 'stage-'));
    const rec = recorder();
    const server = await ui({ upload: rec.upload, stagingDir, maxUploadBytes: 1024 });
    expect(await send(server, 'POST', '/api/upload?key=big.mp4', octet, Buffer.alloc(1025))).toMatchObject({ status: 413, body: { error: 'ERR_UI_TOO_LARGE' } });
    // Without a Content-Length the cap is enforced on the stream: the server answers 413 or hangs up.
    async function* chunked() {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(512);
    }
    const streamed = await send(server, 'POST', '/api/upload?key=big.mp4', octet, Readable.from(chunked())).catch((error: unknown) => error);
    if (!(streamed instanceof Error)) expect(streamed).toMatchObject({ status: 413 });
    // The staged part is removed after the refusal is answered: give a loaded machine time.
    await expect.poll(() => readdir(stagingDir), { timeout: 20_000 }).toEqual([]);
    expect(rec.calls).toEqual([]);
    // At the cap itself the upload goes through.
    expect((await send(server, 'POST', '/api/upload?key=ok.mp4', octet, Buffer.alloc(1024))).status).toBe(200);
  });

  it('refuses a cap that is not a positive integer', async () => {
    await expect(ui({ maxUploadBytes: 0 })).rejects.toThrow(new RangeError('options.maxUploadBytes must be a positive integer, got 0'));
  });

  it('listens on loopback only: the page signs with the hotkey and has no login', async () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.20', 'miner.example']) {
      await expect(ui({ host })).rejects.toThrow(RangeError);
    }
    await expect(ui({ host: '0.0.0.0' })).rejects.toThrow(/must be a loopback address .*got "0\.0\.0\.0"; reach the page from elsewhere through an SSH tunnel/);
    const local = await ui({ host: '127.0.0.1' });
    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
