import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRetry } from '../../src/actors/retry.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../src/devnet/http/sightengine-standin.js';
import { AiDetectorService, FrameSampler, SightEngineClient } from '../../src/services/ai-detector/index.js';
import { DEPENDENCIES } from '../../src/services/dependency-gate.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';

/**
 * A miner's `direct_video_url` that can never give a score (a web page, text, an address the
 * guard refuses) fails the same way every time. The actor's retries are for transient faults;
 * spent on these, each would download the miner's bytes again, up to the 200 MiB cap, within
 * the same cycle.
 */

let host: Server;
let hostUrl: string;
const hits: string[] = [];
let standin: SightEngineStandin;
let detector: AiDetectorService;
/** Same detector, with a download deadline a dripping host reaches quickly. */
let shortDeadline: AiDetectorService;
const drips = new Set<NodeJS.Timeout>();

const deps = {
  retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 },
  limiter: new DependencyLimiter({
    limits: Object.fromEntries(DEPENDENCIES.map((d) => [d, { concurrency: 4, maxQueue: 100 }])) as never,
  }),
};

const BODIES: Record<string, { type: string; body: string; status?: number }> = {
  '/page.mp4': { type: 'text/html', body: '<!doctype html><html><body>watch the video</body></html>' },
  '/notes.mp4': { type: 'video/mp4', body: 'not a video at all\n'.repeat(100) },
  '/busy.mp4': { type: 'text/plain', body: 'busy', status: 503 },
};

beforeAll(async () => {
  host = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/drip.mp4') {
      // A byte every few ms, never done: each attempt holds a detection slot to the deadline.
      res.writeHead(200, { 'content-type': 'video/mp4' });
      const timer = setInterval(() => res.write('x'), 5);
      drips.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        drips.delete(timer);
      });
      return;
    }
    const answer = BODIES[req.url ?? ''] ?? { type: 'text/plain', body: 'missing', status: 404 };
    res.writeHead(answer.status ?? 200, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  standin = new SightEngineStandin();
  await standin.listen();
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  detector = new AiDetectorService({ scorer, sampler: new FrameSampler({ frames: 2 }), allowPrivate: [hostUrl] });
  const ownScorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  shortDeadline = new AiDetectorService({ scorer: ownScorer, sampler: new FrameSampler({ frames: 2 }), allowPrivate: [hostUrl], downloadTimeoutMs: 300 });
});

afterAll(async () => {
  drips.forEach((t) => clearInterval(t));
  await shortDeadline?.close();
  await detector?.close();
  await standin?.close();
  host?.closeAllConnections();
  await new Promise((resolve) => host?.close(resolve));
});

async function detectWithRetry(url: string, using = detector): Promise<unknown> {
  const signal = new AbortController().signal;
  return withRetry(deps, 'ai_detector', (s) => using.detect(url, { signal: s }), signal).catch((e: unknown) => e);
}

describe('AI detection failures a retry cannot change are not retried within the cycle', () => {
  it.each([
    ['a web page', '/page.mp4'],
    ['text served as video/mp4', '/notes.mp4'],
  ])('%s is downloaded once and fails as not retryable', async (_name, path) => {
    const before = hits.length;
    const error = await detectWithRetry(`${hostUrl}${path}`);
    expect(error).toMatchObject({ code: 'ERR_VIDEO_UNDECODABLE', retryable: false });
    expect(hits.slice(before)).toEqual([path]);
  });

  it('a URL the download guard refuses fails once, as not retryable', async () => {
    // Another loopback port: not the allowed host.
    const error = await detectWithRetry('http://127.0.0.1:9/v.mp4');
    expect(error).toMatchObject({ code: 'ERR_UNSAFE_URL', reason: 'private_address', retryable: false });
  });

  it('an empty URL fails once, as not retryable', async () => {
    const error = await detectWithRetry(' ');
    expect(error).toMatchObject({ code: 'ERR_AI_BAD_URL', retryable: false });
  });

  it('a host that drips its body until the download deadline is asked once, not once per retry', async () => {
    const before = hits.length;
    const error = await detectWithRetry(`${hostUrl}/drip.mp4`, shortDeadline);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_TIMEOUT', retryable: false });
    expect(hits.slice(before)).toEqual(['/drip.mp4']);
  });

  it('a host answering 503 is still retried', async () => {
    const before = hits.length;
    const error = await detectWithRetry(`${hostUrl}/busy.mp4`);
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_STATUS', retryable: true });
    expect(hits.slice(before)).toEqual(['/busy.mp4', '/busy.mp4', '/busy.mp4']);
  });
});
