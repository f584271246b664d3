import { describe, expect, it } from 'vitest';
import { QuotaExceededError, ServiceError } from '../../../src/errors.js';
import { SightEngineClient } from '../../../src/services/ai-detector/index.js';
import type { CannedAnswer } from '../../helpers/replay-server.js';
import { flatPng } from './media-helpers.js';
import { useSightEngineUpstream } from './sightengine-upstream.js';

const frame = flatPng(120);
const ok = (over: Record<string, unknown> = {}): CannedAnswer => ({
  status: 200,
  body: JSON.stringify({
    status: 'success',
    request: { id: 'req_1', timestamp: 1, operations: 2 },
    type: { ai_generated: 0.25 },
    media: { id: 'med_1', uri: null },
    ...over,
  }),
});

const { against, upstream } = useSightEngineUpstream({ retries: 2, minRetryDelayMs: 1 });

describe('SightEngineClient option validation', () => {
  const base = { baseUrl: 'http://127.0.0.1:9', apiUser: 'u', apiSecret: 's' };

  it('rejects a missing options object', () => {
    expect(() => new SightEngineClient(null as never)).toThrow(new TypeError('options must be an object'));
  });

  it('names the config key of a missing secret', () => {
    expect(() => new SightEngineClient({ ...base, apiSecret: '' })).toThrow(
      new TypeError('options.apiSecret must be a non-empty string (sightengine.api_secret)'),
    );
    expect(() => new SightEngineClient({ ...base, apiUser: 7 as never })).toThrow(
      new TypeError('options.apiUser must be a non-empty string (sightengine.api_user)'),
    );
  });

  it('rejects out-of-range numbers with the offending value', () => {
    expect(() => new SightEngineClient({ ...base, timeoutMs: 0 })).toThrow(
      new RangeError('options.timeoutMs must be a positive number, got 0'),
    );
    expect(() => new SightEngineClient({ ...base, timeoutMs: Number.POSITIVE_INFINITY })).toThrow(
      new RangeError('options.timeoutMs must be a positive number, got Infinity'),
    );
    expect(() => new SightEngineClient({ ...base, retries: 1.5 })).toThrow(
      new RangeError('options.retries must be a non-negative integer, got 1.5'),
    );
    expect(() => new SightEngineClient({ ...base, minRetryDelayMs: -1 })).toThrow(
      new RangeError('options.minRetryDelayMs must be a non-negative number, got -1'),
    );
    expect(() => new SightEngineClient({ ...base, maxRetryAfterMs: Number.NaN })).toThrow(
      new RangeError('options.maxRetryAfterMs must be a non-negative number, got NaN'),
    );
  });

  it('rejects an image that is not bytes', async () => {
    const c = new SightEngineClient(base);
    await expect(c.scoreFrame('png' as never)).rejects.toThrow(
      new TypeError('image must be a non-empty Uint8Array'),
    );
    await c.close();
  });
});

describe('SightEngineClient response handling', () => {
  it('sends a JPEG under a .jpg name and defaults missing request fields', async () => {
    const c = await against([
      { status: 200, body: JSON.stringify({ status: 'success', type: { ai_generated: 0 } }) },
    ]);
    const score = await c.scoreFrame(frame, { contentType: 'image/jpeg' });
    expect(score).toEqual({ aiGenerated: 0, requestId: '', operations: 1 });
    expect(upstream().received[0]!.body).toContain('filename="frame.jpg"');
    expect(upstream().received[0]!.body).toContain('Content-Type: image/jpeg');
    expect(c.operationsToday).toBe(1);
  });

  it('adds up the operations SightEngine reports over the day', async () => {
    const c = await against([ok()]);
    expect(c.operationsToday).toBe(0);
    await c.scoreFrame(frame);
    await c.scoreFrame(frame);
    expect(c.operationsToday).toBe(4);
  });

  it('retries an api_error failure body even on HTTP 200', async () => {
    const c = await against([
      {
        status: 200,
        body: JSON.stringify({ status: 'failure', error: { type: 'api_error', code: 'x1', message: 'busy' } }),
      },
      ok(),
    ]);
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(0.25);
    expect(upstream().received).toHaveLength(2);
  });

  it('a failure body without an error object is an unknown_error, retried then reported', async () => {
    const c = await against([{ status: 200, body: JSON.stringify({ status: 'failure' }) }], { retries: 1 });
    const error = await c.scoreFrame(frame).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: 'ERR_SIGHTENGINE_UNKNOWN_ERROR', retryable: true, status: 200 });
    expect((error as Error).message).toContain('unknown_error (0): no message');
    expect(upstream().received).toHaveLength(2);
  });

  it('a media error is not retried and keeps its stable code', async () => {
    const c = await against([
      {
        status: 400,
        body: JSON.stringify({
          status: 'failure',
          error: { type: 'media_error', code: 21, message: 'Media could not be read' },
        }),
      },
    ]);
    await expect(c.scoreFrame(frame)).rejects.toMatchObject({
      code: 'ERR_SIGHTENGINE_MEDIA_ERROR',
      status: 400,
      retryable: false,
    });
    expect(upstream().received).toHaveLength(1);
  });

  it('a usage_limit answered with HTTP 200 is still a quota error', async () => {
    const c = await against([
      {
        status: 200,
        body: JSON.stringify({ status: 'failure', error: { type: 'usage_limit', code: 32, message: 'daily' } }),
      },
    ]);
    await expect(c.scoreFrame(frame)).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it.each([
    ['usage_limit code 37 (the plan\'s concurrency throttle)', 429, { type: 'usage_limit', code: 37, message: 'Too many concurrent requests' }],
    ['usage_limit speaking of requests per second', 429, { type: 'usage_limit', code: 38, message: 'Too many requests per second' }],
    ['rate_limit, whatever the HTTP status', 400, { type: 'rate_limit', code: 29, message: 'slow down' }],
  ])('%s is retried, not taken for spent quota', async (_what, status, error) => {
    const c = await against([{ status, body: JSON.stringify({ status: 'failure', request: { id: 'req_t', timestamp: 1, operations: 0 }, error }) }, ok()]);
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(0.25);
    expect(upstream().received).toHaveLength(2);
  });

  it('a non-JSON 4xx is a non-retryable HTTP error that quotes the body', async () => {
    const c = await against([{ status: 404, body: 'no such route' }]);
    const error = await c.scoreFrame(frame).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SIGHTENGINE_HTTP', status: 404, retryable: false });
    expect((error as Error).message).toBe('sightengine: HTTP 404: no such route');
    expect(upstream().received).toHaveLength(1);
  });

  it('a 3xx is not a success', async () => {
    const c = await against([{ status: 304, body: '' }]);
    await expect(c.scoreFrame(frame)).rejects.toMatchObject({ code: 'ERR_SIGHTENGINE_HTTP', status: 304 });
  });

  it('an unparsable or past Retry-After means no extra wait, and the retry still happens', async () => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    const c = await against([
      { status: 503, body: '', headers: { 'retry-after': 'soon' } },
      { status: 429, body: '', headers: { 'retry-after': past } },
      ok(),
    ]);
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(0.25);
    expect(upstream().received).toHaveLength(3);
  });

  it('a Retry-After beyond maxRetryAfterMs is capped, not honoured in full', async () => {
    // An HTTP date an hour ahead; with a cap of 1 ms the retry must still happen within the test timeout.
    const later = new Date(Date.now() + 3_600_000).toUTCString();
    const c = await against([{ status: 503, body: '', headers: { 'retry-after': later } }, ok()], {
      maxRetryAfterMs: 1,
    });
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(0.25);
    expect(upstream().received).toHaveLength(2);
  });
});

describe('SightEngineClient cancellation', () => {
  it('a caller abort ends the request with the caller’s reason, not a retry', async () => {
    const c = await against([{ status: 200, body: '', hang: true }], { retries: 3 });
    const controller = new AbortController();
    const pending = c.scoreFrame(frame, { signal: controller.signal }).catch((e: unknown) => e);
    await upstream().arrived(1);
    const reason = new Error('cycle cancelled');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(upstream().received).toHaveLength(1);
  });

  it('an abort after a 429 with a long Retry-After rejects at once with the caller’s reason, sending nothing more', async () => {
    const c = await against([{ status: 429, body: '', headers: { 'retry-after': '30' } }, ok()], { retries: 3 });
    const controller = new AbortController();
    const pending = c.scoreFrame(frame, { signal: controller.signal }).catch((e: unknown) => e);
    await upstream().arrived(1);
    const reason = new Error('shutting down');
    controller.abort(reason);
    const error = await pending;
    expect(error).toBe(reason);
    expect(upstream().received).toHaveLength(1);
  });
});
