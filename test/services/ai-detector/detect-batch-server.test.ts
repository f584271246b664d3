import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AiDetectionError, QuotaExceededError, UnsafeUrlError } from '../../../src/errors.js';
import { ServiceMetrics } from '../../../src/metrics/service-metrics.js';
import { createAiDetectorServer } from '../../../src/services/ai-detector/index.js';
import { ndjsonLines } from '../../../src/services/ai-detector/detect-batch-wire.js';
import type { AiDetectionResult, AiDetector } from '../../../src/services/types.js';

/** A detector whose every detection waits until the test settles it by URL. */
class ScriptedDetector implements AiDetector {
  readonly calls: Array<{ url: string; source: string | undefined; signal: AbortSignal | undefined }> = [];
  readonly #pending = new Map<string, { resolve(r: AiDetectionResult): void; reject(e: unknown): void }>();
  readonly #arrivals: Array<{ n: number; resolve(): void }> = [];
  inFlight = 0;
  maxInFlight = 0;

  detect(url: string, options: { signal?: AbortSignal; source?: 'platform' | 'miner' } = {}): Promise<AiDetectionResult> {
    this.calls.push({ url, source: options.source, signal: options.signal });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const work = new Promise<AiDetectionResult>((resolve, reject) => this.#pending.set(url, { resolve, reject }));
    for (const w of this.#arrivals.filter((a) => this.calls.length >= a.n)) {
      this.#arrivals.splice(this.#arrivals.indexOf(w), 1);
      w.resolve();
    }
    return work.finally(() => this.inFlight--);
  }

  arrived(n: number): Promise<void> {
    return this.calls.length >= n ? Promise.resolve() : new Promise((resolve) => this.#arrivals.push({ n, resolve }));
  }

  score(url: string, mean: number, cached = false): void {
    this.#pending.get(url)!.resolve({ url, mean_ai_generated: mean, per_frame: [mean], cached });
  }

  fail(url: string, error: unknown): void {
    this.#pending.get(url)!.reject(error);
  }
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(detector: AiDetector, options: { maxBatchItems?: number; batchConcurrency?: number; metrics?: ServiceMetrics } = {}) {
  server = createAiDetectorServer(detector, options);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function postBatch(base: string, body: unknown) {
  return request(`${base}/detect/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const url = (name: string): string => `https://cdn.example/${name}.mp4`;

describe('POST /detect/batch', () => {
  it('streams each answer as its detection settles, in settling order, with the item index', async () => {
    const detector = new ScriptedDetector();
    const base = await serve(detector);
    const response = await postBatch(base, { items: [{ url: url('a') }, { url: url('b'), source: 'platform' }] });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const lines = ndjsonLines(response.body);
    await detector.arrived(2);
    expect(detector.calls.map((c) => [c.url, c.source])).toEqual([
      [url('a'), undefined],
      [url('b'), 'platform'],
    ]);
    // b is done first, and its line arrives while a is still being scored.
    detector.score(url('b'), 0.8, true);
    const first = await lines.next();
    expect(JSON.parse(first.value as string)).toEqual({ index: 1, url: url('b'), mean_ai_generated: 0.8, per_frame: [0.8], cached: true });
    detector.score(url('a'), 0.4);
    const second = await lines.next();
    expect(JSON.parse(second.value as string)).toEqual({ index: 0, url: url('a'), mean_ai_generated: 0.4, per_frame: [0.4], cached: false });
    expect((await lines.next()).done).toBe(true);
  });

  it('answers a failed video on its own line with the code the single call would give; the rest still count', async () => {
    const detector = new ScriptedDetector();
    const metrics = new ServiceMetrics({ service: 'ai_detector', defaultMetrics: false });
    const base = await serve(detector, { metrics });
    const response = await postBatch(base, { items: ['ok', 'unsafe', 'quota', 'broken'].map((n) => ({ url: url(n) })) });
    await detector.arrived(4);
    detector.fail(url('unsafe'), new UnsafeUrlError('private address', { cause: undefined }));
    detector.fail(url('quota'), new QuotaExceededError('sightengine', 'monthly operations spent'));
    detector.fail(url('broken'), new AiDetectionError('no frame could be scored', 'ERR_AI_NO_FRAMES_SCORED'));
    detector.score(url('ok'), 0.9);
    const lines: Array<Record<string, unknown>> = [];
    for await (const line of ndjsonLines(response.body)) lines.push(JSON.parse(line) as Record<string, unknown>);
    const byIndex = Object.fromEntries(lines.map((l) => [l['index'], l]));
    expect(byIndex[0]).toMatchObject({ mean_ai_generated: 0.9 });
    expect(byIndex[1]).toEqual({ index: 1, url: url('unsafe'), error: { code: 'ERR_UNSAFE_URL', message: 'private address', retryable: false } });
    expect(byIndex[2]).toEqual({ index: 2, url: url('quota'), error: { code: 'ERR_QUOTA_EXCEEDED', message: 'sightengine: monthly operations spent', retryable: false } });
    expect(byIndex[3]).toEqual({ index: 3, url: url('broken'), error: { code: 'ERR_AI_NO_FRAMES_SCORED', message: 'no frame could be scored', retryable: true } });
    const text = await metrics.expose();
    expect(text).toContain('infinitevibe_ai_detections_total{result="scored"} 1');
    expect(text).toContain('infinitevibe_ai_detections_total{result="error"} 3');
    expect(text).toMatch(/infinitevibe_service_requests_total\{service="ai_detector",route="\/detect\/batch",status="2xx"\} 1/);
  });

  it('runs at most batchConcurrency detections of a batch at once', async () => {
    const detector = new ScriptedDetector();
    const base = await serve(detector, { batchConcurrency: 2 });
    const names = ['a', 'b', 'c', 'd', 'e'];
    const response = await postBatch(base, { items: names.map((n) => ({ url: url(n) })) });
    for (let done = 0; done < names.length; done++) {
      await detector.arrived(Math.min(done + 2, names.length));
      expect(detector.inFlight).toBeLessThanOrEqual(2);
      detector.score(url(names[done]!), 0.5);
    }
    let count = 0;
    for await (const _ of ndjsonLines(response.body)) count++;
    expect(count).toBe(5);
    expect(detector.maxInFlight).toBe(2);
  });

  it('lets every running detection of a batch listen on its abort signal without a MaxListenersExceededWarning', async () => {
    // A real detection listens for the abort (its download, its ffmpeg runs): 16 at once by default.
    class ListeningDetector extends ScriptedDetector {
      override detect(u: string, options: { signal?: AbortSignal; source?: 'platform' | 'miner' } = {}): Promise<AiDetectionResult> {
        options.signal?.addEventListener('abort', () => undefined, { once: true });
        return super.detect(u, options);
      }
    }
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const detector = new ListeningDetector();
      const base = await serve(detector);
      const names = Array.from({ length: 16 }, (_, i) => `v${String(i)}`);
      const response = await postBatch(base, { items: names.map((n) => ({ url: url(n) })) });
      await detector.arrived(16);
      expect(detector.maxInFlight).toBe(16);
      for (const n of names) detector.score(url(n), 0.5);
      let count = 0;
      for await (const _ of ndjsonLines(response.body)) count++;
      expect(count).toBe(16);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  });

  it('a client that hangs up aborts the detections still running and starts no more', async () => {
    const detector = new ScriptedDetector();
    const base = await serve(detector, { batchConcurrency: 1 });
    const controller = new AbortController();
    const response = await request(`${base}/detect/batch`, {
      method: 'POST',
      body: JSON.stringify({ items: [{ url: url('a') }, { url: url('b') }] }),
      signal: controller.signal,
    });
    await detector.arrived(1);
    const signal = detector.calls[0]!.signal!;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    controller.abort();
    await response.body.text().catch(() => undefined);
    await aborted;
    detector.fail(url('a'), signal.reason);
    expect(signal.aborted).toBe(true);
    expect(detector.calls).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', 'items=1', 400, 'ERR_BAD_REQUEST', /request body is not valid JSON/],
    ['no items array', { videos: [] }, 422, 'ERR_BAD_BATCH', /items must be an array/],
    ['an empty batch', { items: [] }, 422, 'ERR_BAD_BATCH', /at least one video/],
    ['a blank url', { items: [{ url: '  ' }] }, 422, 'ERR_BAD_BATCH', /items\.0\.url: url must be a non-empty string/],
    ['a url that is not a string', { items: [{ url: 7 }] }, 422, 'ERR_BAD_BATCH', /items\.0\.url: url must be a string/],
    ['an unknown source', { items: [{ url: url('a'), source: 'tiktok' }] }, 422, 'ERR_BAD_BATCH', /items\.0\.source: source must be "platform" or "miner"/],
    ['more items than allowed', { items: [1, 2, 3].map((n) => ({ url: url(String(n)) })) }, 422, 'ERR_BAD_BATCH', /at most 2 items per batch/],
  ])('refuses %s as a whole, before any detection', async (_what, body, status, code, message) => {
    const detector = new ScriptedDetector();
    const base = await serve(detector, { maxBatchItems: 2 });
    const response = await postBatch(base, body);
    expect(response.statusCode).toBe(status);
    const answer = (await response.body.json()) as { error: { code: string; message: string; retryable: boolean } };
    expect(answer.error.code).toBe(code);
    expect(answer.error.message).toMatch(message);
    expect(answer.error.retryable).toBe(false);
    expect(detector.calls).toHaveLength(0);
  });

  it('refuses a body larger than the batch could need with 413, and GET with 405', async () => {
    const detector = new ScriptedDetector();
    const base = await serve(detector, { maxBatchItems: 1 });
    const response = await postBatch(base, { items: [{ url: `https://cdn.example/${'x'.repeat(9000)}` }] });
    expect(response.statusCode).toBe(413);
    expect(((await response.body.json()) as { error: { code: string } }).error.code).toBe('ERR_BODY_TOO_LARGE');
    const get = await request(`${base}/detect/batch`);
    expect(get.statusCode).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    await get.body.dump();
  });

  it('validates its batch options with precise errors', () => {
    const detector = new ScriptedDetector();
    expect(() => createAiDetectorServer(detector, { maxBatchItems: 0 })).toThrow(new RangeError('maxBatchItems must be a positive integer, got 0'));
    expect(() => createAiDetectorServer(detector, { batchConcurrency: 1.5 })).toThrow(new RangeError('batchConcurrency must be a positive integer, got 1.5'));
  });
});
