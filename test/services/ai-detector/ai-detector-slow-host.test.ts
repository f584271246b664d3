import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../../src/devnet/http/sightengine-standin.js';
import { AiDetectorService, SightEngineClient } from '../../../src/services/ai-detector/index.js';
import { hitServer, type HitServer } from '../../helpers/hit-server.js';

/*
 * A miner's video host that drips its body (a byte now and then, never idle, never done) held a
 * detection slot for the whole download deadline, 120 s by default, on every video it served.
 * The detector now asks a host for a least delivery rate (ai.download_min_bytes_per_second) and
 * gives up on one that falls below it after one window.
 */
let drip: HitServer;
let standin: SightEngineStandin;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  drip = await hitServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    const timer = setInterval(() => res.write('x'), 5);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  standin = new SightEngineStandin();
  await standin.listen();
});

afterAll(async () => {
  timers.forEach((t) => clearInterval(t));
  await standin?.close();
  await drip?.close();
});

function detector(options: { downloadMinBytesPerSecond?: number; downloadRateWindowMs?: number }): AiDetectorService {
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  return new AiDetectorService({ scorer, allowPrivate: [drip.url], downloadTimeoutMs: 600_000, ...options });
}

describe('AI detector: a video host below the delivery floor', () => {
  it('fails the video as too slow after one window, not at the download deadline, and not retryable in the cycle', async () => {
    const service = detector({ downloadMinBytesPerSecond: 64 * 1024, downloadRateWindowMs: 200 });
    try {
      const error = await service.detect(`${drip.url}/v.mp4`).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_TOO_SLOW', retryable: false });
    } finally {
      await service.close();
    }
  });

  it.each([
    [{ downloadMinBytesPerSecond: -1 }, /downloadMinBytesPerSecond must be an integer >= 0/],
    [{ downloadMinBytesPerSecond: 1.5 }, /downloadMinBytesPerSecond must be an integer >= 0/],
    [{ downloadRateWindowMs: 0 }, /downloadRateWindowMs must be a positive integer/],
  ])('refuses %j', (options, message) => {
    expect(() => detector(options)).toThrow(RangeError);
    expect(() => detector(options)).toThrow(message);
  });
});
