import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../../src/devnet/http/video-host.js';
import { AiDetectorService, SightEngineClient, createAiDetectorServer } from '../../../src/services/ai-detector/index.js';
import { PlatformTracker, createPlatformTrackerServer } from '../../../src/services/platform-tracker/index.js';

/**
 * A page the operator opens (a miner's direct_video_url, say) can make the browser send requests
 * to 127.0.0.1: a form or no-cors fetch cross-site, or same-site after pointing its host name at
 * 127.0.0.1 (DNS rebinding). Browsers mark both; validators never do.
 */
let sightengine: SightEngineStandin;
let videos: VideoHost;
let videoBase: string;
let service: AiDetectorService;
const servers: Server[] = [];
let detector: string;
let tracker: string;

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  sightengine = new SightEngineStandin();
  await sightengine.listen();
  videos = new VideoHost({ aiScores: { clip: 0.6 } });
  videoBase = await videos.listen();
  const scorer = new SightEngineClient({ baseUrl: sightengine.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  service = new AiDetectorService({ scorer, allowPrivate: [videoBase], frameConcurrency: 1 });
  detector = await listen(createAiDetectorServer(service));
  tracker = await listen(createPlatformTrackerServer(new PlatformTracker()));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await service.close();
  await Promise.all([sightengine.close(), videos.close()]);
});

const BROWSER_MARKS: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['a cross-site form post', { origin: 'https://miner.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }],
  ['a no-cors fetch', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }],
  ['a rebound host name, same-origin to the browser', { host: 'rebind.miner.example', origin: 'http://rebind.miner.example', 'sec-fetch-site': 'same-origin' }],
  ['a sandboxed frame', { origin: 'null' }],
];

describe('services refuse requests sent by web pages', () => {
  it.each(BROWSER_MARKS)('the AI detector: %s spends no SightEngine call and fetches no video', async (_name, headers) => {
    const before = sightengine.requests;
    const target = `${videoBase}/videos/clip.mp4?page=${encodeURIComponent(_name)}`;
    const res = await request(`${detector}/detect?url=${encodeURIComponent(target)}`, { method: 'POST', headers });
    expect(res.statusCode).toBe(403);
    expect(await res.body.json()).toMatchObject({ error: { code: 'ERR_WEB_PAGE_REQUEST', retryable: false } });
    expect(sightengine.requests).toBe(before);
  });

  it.each(BROWSER_MARKS)('the platform tracker: %s is refused before the body is read', async (_name, headers) => {
    const res = await request(`${tracker}/get_metrics`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: JSON.stringify({ platform: 'youtube', content_type: 'video', content_id: 'dQw4w9WgXcQ' }),
    });
    expect(res.statusCode).toBe(403);
    expect(await res.body.json()).toMatchObject({ code: 'ERR_WEB_PAGE_REQUEST' });
  });

  it('a validator’s request (no browser marks) and an address typed by the operator are served', async () => {
    const detect = await request(`${detector}/detect?url=${encodeURIComponent(`${videoBase}/videos/clip.mp4`)}`, { method: 'POST' });
    expect(detect.statusCode).toBe(200);
    expect(await detect.body.json()).toMatchObject({ mean_ai_generated: expect.any(Number) });
    for (const base of [detector, tracker]) {
      const typed = await request(`${base}/health`, { headers: { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' } });
      expect(typed.statusCode).toBe(200);
      await typed.body.dump();
    }
  });
});
