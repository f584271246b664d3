import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../../src/devnet/http/sightengine-standin.js';
import { AiDetectorService, SightEngineClient } from '../../../src/services/ai-detector/index.js';
import { hitServer, type HitServer } from '../../helpers/hit-server.js';

/*
 * A detector run as its own service is asked by anyone who reaches its port, with as many
 * connections and batches as they like; every distinct URL was downloaded (up to 200 MiB of
 * temporary disk each) and scored at once. Videos now take turns in maxConcurrentVideos slots,
 * and a video every caller gave up on before its turn is never fetched.
 */
let host: HitServer;
let standin: SightEngineStandin;
/** Requests the host holds unanswered, oldest first. */
const held: ServerResponse[] = [];

beforeAll(async () => {
  host = await hitServer((_req, res) => held.push(res));
  standin = new SightEngineStandin();
  await standin.listen();
});
afterEach(() => {
  for (const res of held.splice(0)) res.destroy();
  host.hits.splice(0);
});
afterAll(async () => {
  await standin?.close();
  await host?.close();
});

function detector(maxConcurrentVideos: number): AiDetectorService {
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  return new AiDetectorService({ scorer, allowPrivate: [host.url], downloadMinBytesPerSecond: 0, maxConcurrentVideos });
}

/** Answers the oldest held request 404, which fails its video at once and frees its slot. */
function refuseOldest(): void {
  const res = held.shift()!;
  res.writeHead(404);
  res.end();
}

describe('AI detector: video slots', () => {
  it('downloads at most maxConcurrentVideos videos at once; the others start as slots free', async () => {
    const service = detector(2);
    try {
      const urls = Array.from({ length: 5 }, (_, i) => `${host.url}/v${i}.mp4`);
      const results = urls.map((url) => service.detect(url).catch((e: unknown) => e));
      await expect.poll(() => host.hits.length, { timeout: 10_000 }).toBe(2);
      refuseOldest();
      await expect.poll(() => host.hits.length, { timeout: 10_000 }).toBe(3);
      // The first two downloads race each other to the host; the queued ones start in turn.
      expect([...host.hits.slice(0, 2)].sort()).toEqual(['/v0.mp4', '/v1.mp4']);
      expect(host.hits[2]).toBe('/v2.mp4');
      while (held.length > 0 || host.hits.length < 5) {
        await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
        refuseOldest();
      }
      for (const result of await Promise.all(results)) expect(result).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS' });
    } finally {
      await service.close();
    }
  });

  it('a video every caller gave up on before its turn is never fetched; asked again later, it is', async () => {
    const service = detector(1);
    try {
      const first = service.detect(`${host.url}/first.mp4`).catch((e: unknown) => e);
      await expect.poll(() => host.hits.length, { timeout: 10_000 }).toBe(1);
      const gaveUp = new AbortController();
      const waiting = [1, 2, 3].map((i) => service.detect(`${host.url}/queued${i}.mp4`, { signal: gaveUp.signal }).catch((e: unknown) => e));
      gaveUp.abort(new Error('client disconnected'));
      for (const result of await Promise.all(waiting)) expect(result).toMatchObject({ message: 'client disconnected' });
      const later = service.detect(`${host.url}/later.mp4`).catch((e: unknown) => e);
      refuseOldest();
      expect(await first).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS' });
      await expect.poll(() => host.hits.length, { timeout: 10_000 }).toBe(2);
      refuseOldest();
      expect(await later).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS' });
      const again = service.detect(`${host.url}/queued2.mp4`).catch((e: unknown) => e);
      await expect.poll(() => host.hits.length, { timeout: 10_000 }).toBe(3);
      refuseOldest();
      expect(await again).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS' });
      expect(host.hits).toEqual(['/first.mp4', '/later.mp4', '/queued2.mp4']);
    } finally {
      await service.close();
    }
  });

  it('refuses a slot count below 1', () => {
    expect(() => detector(0)).toThrow(/maxConcurrentVideos must be a positive integer/);
  });
});
