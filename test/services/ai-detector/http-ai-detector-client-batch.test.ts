import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AiDetectionError, QuotaExceededError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { isRetryable } from '../../../src/actors/retry.js';
import { HttpAiDetectorClient, type HttpAiDetectorClientOptions } from '../../../src/services/ai-detector/index.js';

interface HeldRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly res: ServerResponse;
}

/** A loopback detector whose answers the test writes by hand, line by line if it likes. */
async function heldServer(): Promise<{ url: string; next(): Promise<HeldRequest>; received: HeldRequest[]; close(): Promise<void> }> {
  const received: HeldRequest[] = [];
  const waiting: Array<(r: HeldRequest) => void> = [];
  const unclaimed: HeldRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const held = { method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), res };
      received.push(held);
      const waiter = waiting.shift();
      if (waiter) waiter(held);
      else unclaimed.push(held);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    next: () => (unclaimed.length > 0 ? Promise.resolve(unclaimed.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let upstream: Awaited<ReturnType<typeof heldServer>> | undefined;
let client: HttpAiDetectorClient | undefined;
afterEach(async () => {
  await upstream?.close();
  await client?.close().catch(() => undefined);
  upstream = undefined;
  client = undefined;
});

async function setup(options: Partial<HttpAiDetectorClientOptions> = {}) {
  upstream = await heldServer();
  client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchWindowMs: 5, ...options });
  return { server: upstream, detector: client };
}

const url = (name: string): string => `https://cdn.example/${name}.mp4?sig=a&b=c`;
const ndjson = (res: ServerResponse): void => void res.writeHead(200, { 'content-type': 'application/x-ndjson' });
const line = (res: ServerResponse, value: unknown): void => void res.write(`${JSON.stringify(value)}\n`);
const scored = (index: number, name: string, mean: number) => ({ index, url: url(name), mean_ai_generated: mean, per_frame: [mean], cached: false });
const itemsOf = (held: HeldRequest): Array<{ url: string; source?: string }> => (JSON.parse(held.body) as { items: Array<{ url: string; source?: string }> }).items;

describe('HttpAiDetectorClient batches', () => {
  it('merges concurrent detections into one POST /detect/batch; identical videos share an item', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const { server, detector } = await setup({ metrics });
    expect(detector.coalesces).toBe(true);
    const a = detector.detect(url('a'));
    const b = detector.detect(url('b'), { source: 'platform' });
    const again = detector.detect(url('a'));
    const held = await server.next();
    expect(held.method).toBe('POST');
    expect(held.path).toBe('/detect/batch');
    expect(itemsOf(held)).toEqual([{ url: url('a') }, { url: url('b'), source: 'platform' }]);
    ndjson(held.res);
    line(held.res, scored(1, 'b', 0.7));
    line(held.res, scored(0, 'a', 0.2));
    held.res.end();
    expect(await a).toEqual({ url: url('a'), mean_ai_generated: 0.2, per_frame: [0.2], cached: false });
    expect(await again).toEqual(await a);
    expect((await b).mean_ai_generated).toBe(0.7);
    expect(detector.batchSupported).toBe(true);
    expect(await metrics.expose()).toContain('infinitevibe_external_requests_total{service="ai_detector",status="2xx"} 1');
  });

  it('a video asked for again while its batch is in flight (another miner listing it) joins that batch instead of being sent again', async () => {
    const { server, detector } = await setup();
    const first = detector.detect(url('a'));
    const held = await server.next();
    // The service is downloading and scoring it; more miners list the same video, one a new one.
    const again = detector.detect(url('a'));
    const other = detector.detect(url('c'));
    const next = await server.next();
    expect(itemsOf(next)).toEqual([{ url: url('c') }]);
    ndjson(held.res);
    line(held.res, scored(0, 'a', 0.4));
    held.res.end();
    ndjson(next.res);
    line(next.res, scored(0, 'c', 0.6));
    next.res.end();
    expect((await first).mean_ai_generated).toBe(0.4);
    expect(await again).toEqual(await first);
    expect((await other).mean_ai_generated).toBe(0.6);
    expect(server.received).toHaveLength(2);
  });

  it('settles a caller as soon as its line arrives, while the rest of the batch is still running', async () => {
    const { server, detector } = await setup();
    const slow = detector.detect(url('slow'));
    const fast = detector.detect(url('fast'));
    const held = await server.next();
    ndjson(held.res);
    line(held.res, scored(1, 'fast', 0.9));
    expect((await fast).mean_ai_generated).toBe(0.9);
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    expect(slowDone).toBe(false);
    line(held.res, scored(0, 'slow', 0.1));
    held.res.end();
    expect((await slow).mean_ai_generated).toBe(0.1);
  });

  it('an error line whose code is not of the stable shape gives ERR_AI_DETECTOR_BAD_RESPONSE, not the code it wrote', async () => {
    const { server, detector } = await setup();
    const outcomes = ['long', 'forged'].map((n) => detector.detect(url(n)).catch((e: unknown) => e));
    const held = await server.next();
    ndjson(held.res);
    line(held.res, { index: 0, url: url('long'), error: { code: 'ERR_'.padEnd(200_000, 'X'), message: 'x', retryable: false } });
    line(held.res, { index: 1, url: url('forged'), error: { code: 'ERR_A\nERR_B', message: 'x', retryable: false } });
    held.res.end();
    for (const outcome of await Promise.all(outcomes)) {
      expect(outcome).toMatchObject({ code: 'ERR_AI_DETECTOR_BAD_RESPONSE', retryable: false });
    }
  });

  it('a failed video rejects its own caller with the service code; quota is a QuotaExceededError', async () => {
    const { server, detector } = await setup();
    const outcomes = ['ok', 'broken', 'quota'].map((n) => detector.detect(url(n)).catch((e: unknown) => e));
    const held = await server.next();
    ndjson(held.res);
    line(held.res, { index: 1, url: url('broken'), error: { code: 'ERR_UNSAFE_URL', message: 'private address', retryable: false } });
    line(held.res, { index: 2, url: url('quota'), error: { code: 'ERR_QUOTA_EXCEEDED', message: 'sightengine: spent', retryable: false } });
    line(held.res, scored(0, 'ok', 0.6));
    held.res.end();
    const [ok, broken, quota] = await Promise.all(outcomes);
    expect(ok).toMatchObject({ mean_ai_generated: 0.6 });
    expect(broken).toBeInstanceOf(AiDetectionError);
    // The service said asking again cannot help: the actor does not retry it within the cycle.
    expect(broken).toMatchObject({ code: 'ERR_UNSAFE_URL', message: 'private address', retryable: false });
    expect(isRetryable(broken)).toBe(false);
    expect(quota).toBeInstanceOf(QuotaExceededError);
    // The service's message already names SightEngine; it is not named twice.
    expect(quota).toMatchObject({ code: 'ERR_QUOTA_EXCEEDED', message: 'sightengine: spent', retryable: false });
  });

  it('ignores lines that are not answers; a video the batch never answered is ERR_AI_DETECTOR_BAD_RESPONSE', async () => {
    const { server, detector } = await setup();
    const outcomes = ['a', 'b'].map((n) => detector.detect(url(n)).catch((e: unknown) => e));
    const held = await server.next();
    ndjson(held.res);
    held.res.write('not json\n');
    line(held.res, { index: 7, url: url('z'), mean_ai_generated: 0.5, per_frame: [0.5] });
    line(held.res, { index: 1, url: url('b'), mean_ai_generated: 1.5, per_frame: [] });
    line(held.res, scored(0, 'a', 0.3));
    line(held.res, scored(0, 'a', 0.99));
    held.res.end();
    const [a, b] = await Promise.all(outcomes);
    expect(a).toMatchObject({ mean_ai_generated: 0.3 });
    expect(b).toBeInstanceOf(AiDetectionError);
    expect(b).toMatchObject({ code: 'ERR_AI_DETECTOR_BAD_RESPONSE', message: 'AI detector ended a batch without answering this video' });
  });

  it('a line whose url is not the url at its index is not taken for either video', async () => {
    const { server, detector } = await setup();
    const outcomes = ['a', 'b'].map((n) => detector.detect(url(n)).catch((e: unknown) => e));
    const held = await server.next();
    ndjson(held.res);
    // b's score sent under a's index, then a's own answer.
    line(held.res, { index: 0, url: url('b'), mean_ai_generated: 0.99, per_frame: [0.99] });
    line(held.res, scored(0, 'a', 0.1));
    held.res.end();
    const [a, b] = await Promise.all(outcomes);
    expect(a).toMatchObject({ url: url('a'), mean_ai_generated: 0.1 });
    expect(b).toMatchObject({ code: 'ERR_AI_DETECTOR_BAD_RESPONSE', message: 'AI detector ended a batch without answering this video' });
  });

  it('a stream broken off keeps the answers that arrived; the open videos are ERR_AI_DETECTOR_UNAVAILABLE', async () => {
    const { server, detector } = await setup();
    const outcomes = ['a', 'b'].map((n) => detector.detect(url(n)).catch((e: unknown) => e));
    const held = await server.next();
    ndjson(held.res);
    line(held.res, scored(0, 'a', 0.4));
    expect(await outcomes[0]).toMatchObject({ mean_ai_generated: 0.4 });
    held.res.socket!.destroy();
    const b = await outcomes[1];
    expect(b).toBeInstanceOf(AiDetectionError);
    expect(b).toMatchObject({ code: 'ERR_AI_DETECTOR_UNAVAILABLE' });
    expect((b as Error).message).toMatch(/^AI detector broke off a batch at http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('an answer line that never ends is refused, not buffered: the open videos are ERR_AI_DETECTOR_UNAVAILABLE', async () => {
    const { server, detector } = await setup();
    const outcome = detector.detect(url('a')).catch((e: unknown) => e);
    const held = await server.next();
    ndjson(held.res);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 17; i++) held.res.write(chunk);
    const error = await outcome;
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_UNAVAILABLE' });
    expect((error as Error).cause).toBeInstanceOf(RangeError);
    expect(((error as Error).cause as Error).message).toBe('an answer line exceeds 1048576 characters without ending');
  });

  it('a batch refused as a whole rejects every caller with the service code', async () => {
    const { server, detector } = await setup();
    const outcomes = ['a', 'b'].map((n) => detector.detect(url(n)).catch((e: unknown) => e));
    const held = await server.next();
    held.res.writeHead(503, { 'content-type': 'application/json' });
    held.res.end(JSON.stringify({ error: { code: 'ERR_OVERLOADED', message: 'try later', retryable: true } }));
    for (const error of await Promise.all(outcomes)) {
      expect(error).toBeInstanceOf(AiDetectionError);
      expect(error).toMatchObject({ code: 'ERR_OVERLOADED', message: 'try later' });
    }
  });

  it('falls back to POST /detect per video when the service has no batch endpoint, and remembers', async () => {
    const { server, detector } = await setup({ concurrency: 2 });
    const first = ['a', 'b'].map((n) => detector.detect(url(n)));
    const batch = await server.next();
    batch.res.writeHead(404, { 'content-type': 'application/json' });
    batch.res.end(JSON.stringify({ error: { code: 'ERR_NOT_FOUND', message: 'no route' } }));
    for (const _ of first) {
      const single = await server.next();
      expect(single.path).toMatch(/^\/detect\?url=/);
      const target = new URL(single.path, 'http://x').searchParams.get('url')!;
      single.res.writeHead(200, { 'content-type': 'application/json' });
      single.res.end(JSON.stringify({ mean_ai_generated: target === url('a') ? 0.1 : 0.2, per_frame: [0.1] }));
    }
    expect((await Promise.all(first)).map((r) => r.mean_ai_generated)).toEqual([0.1, 0.2]);
    expect(detector.batchSupported).toBe(false);
    const later = detector.detect(url('c'));
    const single = await server.next();
    expect(single.path).toBe(`/detect?url=${encodeURIComponent(url('c'))}`);
    single.res.writeHead(200, { 'content-type': 'application/json' });
    single.res.end(JSON.stringify({ mean_ai_generated: 0.3, per_frame: [0.3] }));
    expect((await later).mean_ai_generated).toBe(0.3);
    expect(server.received.filter((r) => r.path === '/detect/batch')).toHaveLength(1);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const { server, detector } = await setup({ batchSize: 2, concurrency: 1 });
    const all = ['a', 'b', 'c', 'd'].map((n) => detector.detect(url(n)));
    const first = await server.next();
    expect(itemsOf(first).map((i) => i.url)).toEqual([url('a'), url('b')]);
    expect(server.received).toHaveLength(1);
    ndjson(first.res);
    line(first.res, scored(0, 'a', 0.1));
    line(first.res, scored(1, 'b', 0.2));
    first.res.end();
    const second = await server.next();
    expect(itemsOf(second).map((i) => i.url)).toEqual([url('c'), url('d')]);
    ndjson(second.res);
    line(second.res, scored(0, 'c', 0.3));
    line(second.res, scored(1, 'd', 0.4));
    second.res.end();
    expect((await Promise.all(all)).map((r) => r.mean_ai_generated)).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('a caller abort rejects that caller with its reason; the batch still answers the others', async () => {
    const { server, detector } = await setup();
    const controller = new AbortController();
    const leaving = detector.detect(url('a'), { signal: controller.signal }).catch((e: unknown) => e);
    const staying = detector.detect(url('b'));
    const held = await server.next();
    const reason = new Error('cycle over');
    controller.abort(reason);
    expect(await leaving).toBe(reason);
    ndjson(held.res);
    line(held.res, scored(1, 'b', 0.5));
    line(held.res, scored(0, 'a', 0.5));
    held.res.end();
    expect((await staying).mean_ai_generated).toBe(0.5);
    await expect(detector.detect(url('c'), { signal: controller.signal })).rejects.toBe(reason);
  });

  it('an unreachable service is ERR_AI_DETECTOR_UNAVAILABLE for every caller', async () => {
    const { server, detector } = await setup();
    await server.close();
    const errors = await Promise.all(['a', 'b'].map((n) => detector.detect(url(n)).catch((e: unknown) => e)));
    for (const error of errors) {
      expect(error).toBeInstanceOf(AiDetectionError);
      expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_UNAVAILABLE' });
      expect((error as Error).message).toMatch(/^AI detector unreachable at http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('validates its batch options; batchSize 1 does not coalesce', () => {
    expect(() => new HttpAiDetectorClient({ baseUrl: 'http://127.0.0.1:9', batchSize: 0 })).toThrow(
      new RangeError('options.batchSize must be a positive integer, got 0'),
    );
    expect(() => new HttpAiDetectorClient({ baseUrl: 'http://127.0.0.1:9', concurrency: 2.5 })).toThrow(
      new RangeError('options.concurrency must be a positive integer, got 2.5'),
    );
    expect(new HttpAiDetectorClient({ baseUrl: 'http://127.0.0.1:9', batchSize: 1 }).coalesces).toBe(false);
  });
});
