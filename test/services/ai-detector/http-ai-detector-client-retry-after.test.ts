import { afterEach, describe, expect, it } from 'vitest';
import { withRetry } from '../../../src/actors/retry.js';
import { AiDetectionError } from '../../../src/errors.js';
import { HttpAiDetectorClient } from '../../../src/services/ai-detector/index.js';
import { DEPENDENCIES } from '../../../src/services/dependency-gate.js';
import { DependencyLimiter } from '../../../src/supervisor/dependency-limiter.js';
import { replayServer, routeServer, type CannedAnswer, type ReplayServer } from '../../helpers/replay-server.js';

/**
 * A detector service that is overloaded says when to come back (429/503 with Retry-After). The
 * actor's retry of an AI check waits that long, not its own 250 ms–4 s backoff, and never past
 * the check's signal. Gaps are asserted from below only: the old backoff's first retry came
 * within 500 ms, so a 2 s header tells the two apart with room to spare.
 */

const VIDEO = 'https://cdn.example/v.mp4';
const SCORE = { mean_ai_generated: 0.25, per_frame: [0.25], cached: false };
// The validator's own retry policy (build-services.ts).
const deps = {
  retry: { retries: 2, minTimeoutMs: 250, maxTimeoutMs: 4_000 },
  limiter: new DependencyLimiter({
    limits: Object.fromEntries(DEPENDENCIES.map((d) => [d, { concurrency: 4, maxQueue: 100 }])) as never,
  }),
};

let upstream: ReplayServer | undefined;
let client: HttpAiDetectorClient | undefined;
afterEach(async () => {
  await client?.close().catch(() => undefined);
  await upstream?.close();
  client = undefined;
  upstream = undefined;
});

const check = (detector: HttpAiDetectorClient, signal: AbortSignal = new AbortController().signal) =>
  withRetry(deps, 'ai_detector', (s) => detector.detect(VIDEO, { signal: s }), signal);

const gap = (server: ReplayServer): number => server.received[1]!.at - server.received[0]!.at;

describe('AI checks honour the detector service\'s Retry-After', () => {
  it('POST /detect answered 429 with Retry-After: 2 is asked again after 2 s, then scored', async () => {
    upstream = await replayServer([
      { status: 429, body: JSON.stringify({ error: { code: 'ERR_BUSY', message: 'busy' } }), headers: { 'retry-after': '2' } },
      { status: 200, body: JSON.stringify(SCORE) },
    ]);
    client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchSize: 1 });
    expect(await check(client)).toEqual({ url: VIDEO, ...SCORE });
    expect(upstream.received).toHaveLength(2);
    expect(gap(upstream)).toBeGreaterThanOrEqual(1_900);
  });

  it('a batch answered 503 with an HTTP-date 3 s ahead waits until then', async () => {
    let calls = 0;
    upstream = await routeServer((req): CannedAnswer => {
      calls += 1;
      if (calls === 1) return { status: 503, body: '{}', headers: { 'retry-after': new Date(Date.now() + 3_000).toUTCString() } };
      const { items } = JSON.parse(req.body) as { items: Array<{ url: string }> };
      return { status: 200, body: items.map((item, index) => JSON.stringify({ index, url: item.url, ...SCORE })).join('\n') + '\n' };
    });
    client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchWindowMs: 1 });
    expect(await check(client)).toEqual({ url: VIDEO, ...SCORE });
    expect(upstream.received.map((r) => r.path)).toEqual(['/detect/batch', '/detect/batch']);
    // An HTTP-date has whole seconds: up to 1 s of the 3 may be gone by the time it is read.
    expect(gap(upstream)).toBeGreaterThanOrEqual(1_900);
  });

  it("the wait ends with the check's signal: no second request, the signal's reason", async () => {
    upstream = await replayServer([{ status: 429, body: '{}', headers: { 'retry-after': '25' } }]);
    client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchSize: 1 });
    // The cycle's deadline, 1 s away: the local answer comes long before it, so it lands in the wait.
    const deadline = AbortSignal.timeout(1_000);
    const outcome = await check(client, deadline).catch((e: unknown) => e);
    expect(deadline.aborted).toBe(true);
    expect(outcome).toBe(deadline.reason);
    expect(upstream.received).toHaveLength(1);
  });

  it('the error carries the wait it was asked for; a status Retry-After is not defined for carries none', async () => {
    upstream = await replayServer([
      { status: 429, body: '{}', headers: { 'retry-after': '7' } },
      { status: 500, body: '{}', headers: { 'retry-after': '7' } },
    ]);
    client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchSize: 1 });
    const busy = await client.detect(VIDEO).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(AiDetectionError);
    expect(busy).toMatchObject({ code: 'ERR_AI_DETECTOR_HTTP_429', retryAfterMs: 7_000 });
    const failed = await client.detect(VIDEO).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'ERR_AI_DETECTOR_HTTP_500', retryAfterMs: undefined });
  });
});
