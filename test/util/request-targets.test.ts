import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gistLimitsFromConfig } from '../../src/config/gist-limits.js';
import { loadConfig } from '../../src/config/load-config.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../src/devnet/http/video-host.js';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { MinerUiServer } from '../../src/miner/ui-server.js';
import { MinerReportStore, minerReportRoute } from '../../src/runtime/miner-report.js';
import { AiDetectorService, SightEngineClient, createAiDetectorServer } from '../../src/services/ai-detector/index.js';
import { PlatformTracker, createPlatformTrackerServer } from '../../src/services/platform-tracker/index.js';
import { createLimitedServer } from '../../src/util/server-limits.js';

/**
 * Request lines anyone who reaches a port can send. `new URL(target, base)` reads a target that
 * starts with `//` as a host, and throws for `//` itself: thrown out of a request listener, that
 * was an uncaught exception, the end of the service.
 */
const TARGETS = ['//', '//[', '//a%20b/x', '///health', '*', 'http://[/'];

let standin: SightEngineStandin;
let videos: VideoHost;
let videoBase: string;
let scratch: string;
beforeAll(async () => {
  standin = new SightEngineStandin();
  await standin.listen();
  videos = new VideoHost({ aiScores: { clip: 0.6 } });
  videoBase = await videos.listen();
  scratch = await mkdtemp(join(tmpdir(), 'iv-targets-'));
});
afterAll(async () => {
  await Promise.all([standin.close(), videos.close(), rm(scratch, { recursive: true, force: true })]);
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function listen(server: Server): Promise<number> {
  closers.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function detector(tmpDir?: string): AiDetectorService {
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  const service = new AiDetectorService({ scorer, allowPrivate: [videoBase], frameConcurrency: 1, ...(tmpDir ? { tmpDir } : {}) });
  closers.push(() => service.close());
  return service;
}

/** One request line as sent, the connection closed after it; resolves with the whole answer. */
function rawRequest(port: number, method: string, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

async function servers(): Promise<Array<[string, number, string]>> {
  const tracker = await listen(createPlatformTrackerServer(new PlatformTracker()));
  const ai = await listen(createAiDetectorServer(detector()));
  const metrics = await MetricsServer.start({
    metrics: new ValidatorMetrics({ defaultMetrics: false }),
    host: '127.0.0.1',
    port: 0,
    routes: (path) => minerReportRoute(new MinerReportStore({ aiThreshold: 0.5 }), path, undefined),
  });
  closers.push(() => metrics.close());
  const ui = await MinerUiServer.start({
    hotkey: '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX',
    netuid: 89,
    limits: gistLimitsFromConfig(loadConfig({ flags: {}, env: {} })),
    assetsDir: fileURLToPath(new URL('../../src/miner/ui/', import.meta.url)),
    check: () => Promise.reject(new Error('not used')),
    port: 0,
  });
  closers.push(() => ui.close());
  return [
    ['platform tracker', tracker, '/health'],
    ['ai detector', ai, '/health'],
    ['metrics', metrics.port, '/health'],
    ['miner ui', Number(new URL(ui.url).port), '/api/state'],
  ];
}

describe('request targets that are not paths', () => {
  it('are answered 4xx by every server we run, which goes on answering', async () => {
    for (const [name, port, health] of await servers()) {
      for (const target of TARGETS) {
        for (const method of ['GET', 'POST', 'HEAD']) {
          const answer = await rawRequest(port, method, target);
          expect(answer, `${name}: ${method} ${target}`).toMatch(/^HTTP\/1\.1 4\d\d /);
        }
      }
      expect((await rawRequest(port, 'GET', health)).startsWith('HTTP/1.1 200 '), name).toBe(true);
    }
  });

  it('a handler that throws or rejects costs its own request a bare 500, is reported, and the server answers on', async () => {
    const reported: unknown[] = [];
    const port = await listen(
      createLimitedServer(
        (req, res) => {
          if (req.url === '/throw') throw new Error('open /etc/infinitevibe/secret.key failed');
          if (req.url === '/reject') return Promise.reject(new Error('connect to mongodb://user:pw@db failed')) as never;
          res.end('ok');
        },
        {},
        (error) => reported.push(error),
      ),
    );
    for (const path of ['/throw', '/reject']) {
      const res = await request(`http://127.0.0.1:${port}${path}`);
      const text = await res.body.text();
      expect(res.statusCode).toBe(500);
      expect(text).toBe('{"error":"internal_error"}');
    }
    expect(reported.map((e) => (e as Error).message)).toEqual(['open /etc/infinitevibe/secret.key failed', 'connect to mongodb://user:pw@db failed']);
    expect(await (await request(`http://127.0.0.1:${port}/`)).body.text()).toBe('ok');
  });

  it('an AI detection failing on something other than the video answers 500 without its message (paths, hosts)', async () => {
    const missing = join(scratch, 'no-such-folder');
    const port = await listen(createAiDetectorServer(detector(missing)));
    const url = encodeURIComponent(`${videoBase}/clip.mp4`);
    const single = await request(`http://127.0.0.1:${port}/detect?url=${url}`, { method: 'POST' });
    const text = await single.body.text();
    expect(single.statusCode).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ error: { message: 'internal error', retryable: true } });
    expect(text).not.toContain(scratch);
    const batch = await request(`http://127.0.0.1:${port}/detect/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ url: `${videoBase}/clip.mp4` }] }),
    });
    const lines = await batch.body.text();
    expect(lines).toContain('"message":"internal error"');
    expect(lines).not.toContain(scratch);
  });

  it('the tracker answers a failure of its own without its message', async () => {
    // A provider whose lookup breaks in a way no client caused.
    const broken = { getMetrics: () => Promise.reject(new Error(`EACCES: open '${scratch}/cache'`)) };
    const port = await listen(createPlatformTrackerServer(broken, { platforms: {} }));
    const res = await request(`http://127.0.0.1:${port}/get_metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'youtube', content_type: 'video', content_id: 'dQw4w9WgXcQ' }),
    });
    const text = await res.body.text();
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(text)).toEqual({ detail: 'Failed to get metadata: internal error', code: 'ERR_INTERNAL' });
  });
});
