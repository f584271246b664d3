import { afterEach, describe, expect, it } from 'vitest';
import { AiDetectionError, QuotaExceededError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { HttpAiDetectorClient, RemoteAiDetectionError } from '../../../src/services/ai-detector/index.js';
import { isRetryable } from '../../../src/actors/retry.js';
import { replayServer, type CannedAnswer, type ReplayServer } from '../../helpers/replay-server.js';

let upstream: ReplayServer | undefined;
let client: HttpAiDetectorClient | undefined;
afterEach(async () => {
  await client?.close();
  await upstream?.close();
  client = undefined;
  upstream = undefined;
});

async function against(answers: CannedAnswer[], options: { timeoutMs?: number; metrics?: ValidatorMetrics } = {}) {
  upstream = await replayServer(answers);
  // One POST /detect per video: these cases are about the single-video call (batches have their own file).
  client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchSize: 1, ...options });
  return client;
}

const VIDEO = 'https://cdn.example/v.mp4';

describe('HttpAiDetectorClient options and input', () => {
  it('rejects a missing options object and a bad timeout', () => {
    expect(() => new HttpAiDetectorClient(undefined as never)).toThrow(
      new TypeError('options must be an object'),
    );
    expect(() => new HttpAiDetectorClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: -5 })).toThrow(
      new RangeError('options.timeoutMs must be a positive number, got -5'),
    );
    expect(() => new HttpAiDetectorClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: Number.NaN })).toThrow(
      RangeError,
    );
  });

  it('rejects an empty or non-string URL before any request', async () => {
    const c = await against([{ status: 500, body: '' }]);
    for (const bad of ['', '   ', 42 as never]) {
      const error = await c.detect(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AiDetectionError);
      expect(error).toMatchObject({ code: 'ERR_AI_BAD_URL', message: 'url must be a non-empty string' });
    }
    expect(upstream!.received).toHaveLength(0);
  });
});

describe('HttpAiDetectorClient answers', () => {
  it('reads a result, treating a missing cached flag as false, and counts the call', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const c = await against(
      [{ status: 200, body: JSON.stringify({ mean_ai_generated: 0.5, per_frame: [0.4, 0.6] }) }],
      { metrics },
    );
    expect(await c.detect(VIDEO)).toEqual({
      url: VIDEO,
      mean_ai_generated: 0.5,
      per_frame: [0.4, 0.6],
      cached: false,
    });
    expect(upstream!.received[0]!.path).toBe(`/detect?url=${encodeURIComponent(VIDEO)}`);
    expect(await metrics.expose()).toContain(
      'infinitevibe_external_requests_total{service="ai_detector",status="2xx"} 1',
    );
  });

  it.each([
    ['not JSON', '<html>'],
    ['a mean above 1', JSON.stringify({ mean_ai_generated: 1.5, per_frame: [] })],
    ['a missing mean', JSON.stringify({ per_frame: [0.1] })],
    ['per_frame not an array', JSON.stringify({ mean_ai_generated: 0.2, per_frame: 'x' })],
    ['a per_frame score out of range', JSON.stringify({ mean_ai_generated: 0.2, per_frame: [0.1, -0.1] })],
    ['JSON null', 'null'],
  ])('a 200 with %s is ERR_AI_DETECTOR_BAD_RESPONSE, never a score', async (_what, body) => {
    const c = await against([{ status: 200, body }]);
    const error = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_BAD_RESPONSE' });
    expect((error as Error).message).toBe(`AI detector answered an unexpected body: ${body}`);
  });

  it.each([
    ['a 200', 200],
    ['an error status', 502],
  ])('%s with a body of megabytes is refused without being read in full: ERR_AI_DETECTOR_BAD_RESPONSE, retried next cycle', async (_what, status) => {
    const padded = JSON.stringify({ mean_ai_generated: 0.5, per_frame: [0.5], padding: 'x'.repeat(8 * 1024 * 1024) });
    const c = await against([{ status, body: padded }]);
    const error = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_BAD_RESPONSE', message: expect.stringMatching(/^AI detector answered more than \d+ bytes/) });
    expect(isRetryable(error)).toBe(true);
  });

  it('passes on the service’s error code and message', async () => {
    const c = await against([
      { status: 502, body: JSON.stringify({ error: { code: 'ERR_DOWNLOAD_HTTP', message: 'video host said 404' } }) },
    ]);
    await expect(c.detect(VIDEO)).rejects.toMatchObject({
      name: expect.any(String),
      code: 'ERR_DOWNLOAD_HTTP',
      message: 'video host said 404',
    });
  });

  it('carries the service’s word on retrying, so a refused video is not fetched again in the cycle', async () => {
    const c = await against([
      { status: 502, body: JSON.stringify({ error: { code: 'ERR_VIDEO_FORMAT_REFUSED', message: 'a playlist', retryable: false } }) },
      { status: 502, body: JSON.stringify({ error: { code: 'ERR_DOWNLOAD_TIMEOUT', message: 'slow host', retryable: true } }) },
    ]);
    const refused = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteAiDetectionError);
    expect(refused).toMatchObject({ code: 'ERR_VIDEO_FORMAT_REFUSED', retryable: false });
    expect(isRetryable(refused)).toBe(false);
    const slow = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(isRetryable(slow)).toBe(true);
  });

  it('an error without a message uses its code as the message', async () => {
    const c = await against([{ status: 500, body: JSON.stringify({ error: { code: 'ERR_FFMPEG' } }) }]);
    await expect(c.detect(VIDEO)).rejects.toMatchObject({ code: 'ERR_FFMPEG', message: 'ERR_FFMPEG' });
  });

  it.each([
    ['plain text', 'oops'],
    ['an error that is not an object', JSON.stringify({ error: 'boom' })],
    ['an error without a string code', JSON.stringify({ error: { code: 7, message: 'x' } })],
  ])('a non-200 with %s falls back to the HTTP status', async (_what, body) => {
    const c = await against([{ status: 503, body }]);
    const error = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_HTTP_503', message: 'AI detector answered HTTP 503' });
  });

  it.each([
    ['a code of 100,000 letters', 'ERR_'.padEnd(100_000, 'X')],
    ['a code with a line break', 'ERR_DOWNLOAD_HTTP\n{"level":30,"msg":"weights set"}'],
    ['a code that is not of the stable shape', 'not a code'],
  ])('%s from the service is not taken: the HTTP status names the failure', async (_what, code) => {
    const c = await against([{ status: 502, body: JSON.stringify({ error: { code, message: 'x', retryable: false } }) }]);
    const error = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_AI_DETECTOR_HTTP_502', message: 'AI detector answered HTTP 502' });
  });

  it('a multi-line message of half a megabyte from the service is cut to one line', async () => {
    const message = `video host said 404\n{"level":30,"msg":"weights set"}${'m'.repeat(500_000)}`;
    const c = await against([{ status: 502, body: JSON.stringify({ error: { code: 'ERR_DOWNLOAD_HTTP', message } }) }]);
    const error = (await c.detect(VIDEO).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'ERR_DOWNLOAD_HTTP' });
    expect(error.message).not.toMatch(/\n/);
    expect(error.message.length).toBeLessThanOrEqual(201);
  });

  it('quota exhaustion reported by the service is a QuotaExceededError with the status', async () => {
    const c = await against([
      { status: 429, body: JSON.stringify({ error: { code: 'ERR_QUOTA_EXCEEDED', message: 'daily limit' } }) },
    ]);
    const error = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ service: 'sightengine', status: 429, retryable: false });
  });
});

describe('HttpAiDetectorClient timeouts and aborts', () => {
  it('a service that never answers is ERR_AI_DETECTOR_UNAVAILABLE naming the timeout', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const c = await against([{ status: 200, body: '', hang: true }], { timeoutMs: 100, metrics });
    const error = await c.detect(VIDEO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiDetectionError);
    expect(error).toMatchObject({
      code: 'ERR_AI_DETECTOR_UNAVAILABLE',
      message: 'AI detector did not answer within 100 ms',
    });
    expect(await metrics.expose()).toContain(
      'infinitevibe_external_requests_total{service="ai_detector",status="error"} 1',
    );
  });

  it('a caller abort rejects with the caller’s reason', async () => {
    const c = await against([{ status: 200, body: '', hang: true }]);
    const controller = new AbortController();
    const pending = c.detect(VIDEO, { signal: controller.signal }).catch((e: unknown) => e);
    await upstream!.arrived(1);
    const reason = new Error('cycle over');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });
});
