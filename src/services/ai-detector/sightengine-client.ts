import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import { Agent, FormData, request, type Dispatcher } from 'undici';
import { QuotaExceededError, ServiceError } from '../../errors.js';
import type { MeteredServiceMetrics } from '../../metrics/service-metrics.js';
import { linkedSignal } from '../../util/linked-signal.js';
import { readCappedBody } from '../http/read-capped-body.js';
import { parseBaseUrl } from '../http/base-url.js';
import { RETRY_AFTER_MAX_MS, parseRetryAfter, retryAfterWait } from '../http/retry-after.js';
import { upstreamText } from '../../util/upstream-text.js';
import { originalFrameScore } from './original-sightengine-answer.js';

export interface SightEngineClientOptions {
  /** e.g. `https://api.sightengine.com`, or a stand-in's base URL. */
  readonly baseUrl: string;
  readonly apiUser: string;
  readonly apiSecret: string;
  /** Per attempt. Default 30 s (the original had none). */
  readonly timeoutMs?: number;
  /** Extra attempts after a 429, a 5xx or a network failure. Default 3. */
  readonly retries?: number;
  /** First backoff delay; doubles per attempt. Default 500 ms. */
  readonly minRetryDelayMs?: number;
  /** Longest wait we honour from a Retry-After header. Default RETRY_AFTER_MAX_MS (30 s). */
  readonly maxRetryAfterMs?: number;
  readonly metrics?: MeteredServiceMetrics;
  readonly dispatcher?: Dispatcher;
  /** `compat: original`: answers read as the original detector reads them (original-sightengine-answer.ts). */
  readonly original?: boolean;
}

/** The documented `genai` answer (fields we read; the rest is ignored). */
export interface SightEngineGenAiResponse {
  readonly status: 'success';
  readonly request: { readonly id: string; readonly timestamp: number; readonly operations: number };
  readonly type: { readonly ai_generated: number };
  readonly media: { readonly id: string; readonly uri: string | null };
}

export interface FrameScore {
  readonly aiGenerated: number;
  readonly requestId: string;
  readonly operations: number;
}

/** Anything that turns one still image into an AI-generated probability. */
export interface FrameScorer {
  scoreFrame(
    image: Uint8Array,
    options?: { signal?: AbortSignal; contentType?: string },
  ): Promise<FrameScore>;
}

const SERVICE = 'sightengine';

/**
 * A genai answer is a few hundred bytes; anything past this is not one, and is not buffered
 * (an endless body would otherwise grow in memory until the attempt's timeout).
 */
const MAX_ANSWER_BYTES = 256 * 1024;

/** Most operations one frame check is taken to cost (it costs 1 with the genai model alone). */
const MAX_FRAME_OPERATIONS = 100;

/**
 * SightEngine's `check.json` with the `genai` model, one frame per call. Failures are typed:
 * `usage_limit` is a QuotaExceededError (never retried: it will not clear within a cycle) unless
 * it is the concurrency throttle (isThrottle),
 * credentials, media and argument errors are non-retryable ServiceErrors, and 429/5xx/network
 * failures are retried with exponential backoff, honouring Retry-After.
 */
export class SightEngineClient implements FrameScorer {
  readonly #endpoint: URL;
  readonly #apiUser: string;
  readonly #apiSecret: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #minRetryDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #metrics: MeteredServiceMetrics | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #original: boolean;
  #quotaDay = '';
  #operationsToday = 0;

  constructor(options: SightEngineClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const base = parseBaseUrl(options.baseUrl);
    for (const key of ['apiUser', 'apiSecret'] as const) {
      if (typeof options[key] !== 'string' || options[key] === '') {
        throw new TypeError(
          `options.${key} must be a non-empty string (sightengine.${key === 'apiUser' ? 'api_user' : 'api_secret'})`,
        );
      }
    }
    this.#timeoutMs = positive(options.timeoutMs ?? 30_000, 'timeoutMs');
    this.#retries = nonNegativeInteger(options.retries ?? 3, 'retries');
    this.#minRetryDelayMs = nonNegative(options.minRetryDelayMs ?? 500, 'minRetryDelayMs');
    this.#maxRetryAfterMs = nonNegative(options.maxRetryAfterMs ?? RETRY_AFTER_MAX_MS, 'maxRetryAfterMs');
    this.#endpoint = new URL('1.0/check.json', base.href.endsWith('/') ? base.href : `${base.href}/`);
    this.#apiUser = options.apiUser;
    this.#apiSecret = options.apiSecret;
    this.#metrics = options.metrics;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ connections: 8 });
    this.#original = options.original === true;
  }

  /** Operations SightEngine reported as spent since UTC midnight, by this client. */
  get operationsToday(): number {
    return this.#quotaDay === utcDay() ? this.#operationsToday : 0;
  }

  async scoreFrame(
    image: Uint8Array,
    options: { signal?: AbortSignal; contentType?: string } = {},
  ): Promise<FrameScore> {
    if (!(image instanceof Uint8Array) || image.length === 0)
      throw new TypeError('image must be a non-empty Uint8Array');
    return pRetry(() => this.#attempt(image, options), {
      retries: this.#retries,
      minTimeout: this.#minRetryDelayMs,
      factor: 2,
      randomize: true,
      signal: options.signal,
      shouldRetry: ({ error }) => error instanceof ServiceError && error.retryable,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        const wait = error instanceof ServiceError && error.retryable ? retryAfterWait(error, this.#maxRetryAfterMs) : 0;
        if (wait > 0 && retriesLeft > 0) await delay(wait, undefined, { signal: options.signal });
      },
    });
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #attempt(
    image: Uint8Array,
    options: { signal?: AbortSignal; contentType?: string },
  ): Promise<FrameScore> {
    const form = new FormData();
    const contentType = options.contentType ?? 'image/png';
    form.append(
      'media',
      new Blob([image], { type: contentType }),
      contentType === 'image/png' ? 'frame.png' : 'frame.jpg',
    );
    form.append('models', 'genai');
    form.append('api_user', this.#apiUser);
    form.append('api_secret', this.#apiSecret);

    const deadline = linkedSignal([options.signal], this.#timeoutMs);
    const { signal } = deadline;
    const started = performance.now();
    let status: number;
    let text: string | undefined;
    let retryAfter: number | undefined;
    try {
      const response = await request(this.#endpoint, {
        method: 'POST',
        body: form,
        dispatcher: this.#dispatcher,
        signal,
      });
      status = response.statusCode;
      retryAfter = parseRetryAfter(response.headers['retry-after']);
      text = await readCappedBody(response.body, MAX_ANSWER_BYTES, () => new AnswerTooLarge()).then(
        (bytes) => bytes.toString('utf8'),
        (error: unknown) => {
          if (error instanceof AnswerTooLarge) return undefined;
          throw error;
        },
      );
    } catch (cause) {
      this.#observe('error', started);
      if (options.signal?.aborted) throw options.signal.reason ?? cause;
      const what = deadline.timedOut
        ? `no answer within ${this.#timeoutMs} ms`
        : `unreachable (${describe(cause)})`;
      throw new ServiceError(SERVICE, what, {
        code: deadline.timedOut ? 'ERR_SIGHTENGINE_TIMEOUT' : 'ERR_SIGHTENGINE_UNREACHABLE',
        retryable: true,
        cause,
      });
    } finally {
      deadline.dispose();
    }
    this.#observe(`${Math.floor(status / 100)}xx`, started);
    if (text === undefined) {
      throw new ServiceError(SERVICE, `answer larger than ${MAX_ANSWER_BYTES} bytes`, {
        code: 'ERR_SIGHTENGINE_BAD_RESPONSE',
        status,
        retryable: false,
      });
    }
    return this.#interpret(status, text, retryAfter);
  }

  #interpret(status: number, text: string, retryAfterMs: number | undefined): FrameScore {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const failure = readFailure(body);
    if (failure) {
      const message = `${failure.type} (${failure.code}): ${failure.message}`;
      const throttled = isThrottle(failure);
      if (failure.type === 'usage_limit' && !throttled) throw new QuotaExceededError(SERVICE, message, { status });
      const retryable =
        throttled || status === 429 || status >= 500 || failure.type === 'api_error' || failure.type === 'unknown_error';
      const code = `ERR_SIGHTENGINE_${failure.type.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
      throw new ServiceError(SERVICE, message, { code, status, retryable, ...(retryable && retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    if (status === 429 || status >= 500) {
      throw new ServiceError(SERVICE, `HTTP ${status}`, { code: 'ERR_SIGHTENGINE_HTTP', status, retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    // The original scores a frame only from an HTTP 200.
    if (status < 200 || status >= 300 || (this.#original && status !== 200)) {
      throw new ServiceError(SERVICE, `HTTP ${status}: ${upstreamText(text)}`, {
        code: 'ERR_SIGHTENGINE_HTTP',
        status,
        retryable: false,
      });
    }
    const parsed = this.#original ? readOriginalSuccess(body) : readSuccess(body);
    if (!parsed) {
      // The original read a missing score as 0.0 (compat original does too); by default a
      // malformed answer is an error here, never a score.
      throw new ServiceError(SERVICE, `unexpected response shape: ${upstreamText(text)}`, {
        code: 'ERR_SIGHTENGINE_BAD_RESPONSE',
        status,
        retryable: false,
      });
    }
    this.#countOperations(parsed.request.operations);
    return {
      aiGenerated: parsed.type.ai_generated,
      requestId: parsed.request.id,
      operations: parsed.request.operations,
    };
  }

  #observe(statusClass: string, started: number): void {
    if (!this.#metrics) return;
    this.#metrics.externalRequestsTotal.inc({ service: SERVICE, status: statusClass });
    this.#metrics.externalRequestDuration.observe({ service: SERVICE }, (performance.now() - started) / 1000);
  }

  #countOperations(operations: number): void {
    const today = utcDay();
    if (today !== this.#quotaDay) {
      this.#quotaDay = today;
      this.#operationsToday = 0;
    }
    this.#operationsToday += operations;
    this.#metrics?.externalQuotaUnitsUsed.set({ service: SERVICE }, this.#operationsToday);
  }
}

interface Failure {
  type: string;
  code: number | string;
  message: string;
}

/**
 * SightEngine's error types are short snake_case words (`usage_limit`, `media_error`…); the type
 * becomes part of an error code, so anything else is read as `unknown_error`, never as a code
 * the answer wrote (a line break, a megabyte).
 */
const FAILURE_TYPE = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * SightEngine reports its per-plan throttling (too many requests at a time) as `usage_limit` too,
 * with code 37 (32 is the daily limit), and may report it as `rate_limit`: that passes within
 * seconds, unlike spent operations, so it is retried instead of ending the day's checks.
 */
function isThrottle(failure: Failure): boolean {
  if (failure.type === 'rate_limit') return true;
  return failure.type === 'usage_limit' && (failure.code === 37 || /concurren|per (?:second|minute)|too many requests/i.test(failure.message));
}

function readFailure(body: unknown): Failure | undefined {
  if (!isRecord(body) || body.status !== 'failure') return undefined;
  const error = isRecord(body.error) ? body.error : {};
  return {
    type: typeof error.type === 'string' && FAILURE_TYPE.test(error.type) ? error.type : 'unknown_error',
    code: typeof error.code === 'number' ? error.code : typeof error.code === 'string' ? upstreamText(error.code, 40) : 0,
    message: typeof error.message === 'string' ? upstreamText(error.message) : 'no message',
  };
}

/** A success as the original reads it: its score, with the request fields read as readSuccess reads them. */
function readOriginalSuccess(body: unknown): SightEngineGenAiResponse | undefined {
  const score = originalFrameScore(body);
  if (score === undefined || !isRecord(body)) return undefined;
  return readSuccess({ ...body, type: { ai_generated: score } });
}

function readSuccess(body: unknown): SightEngineGenAiResponse | undefined {
  if (!isRecord(body) || body.status !== 'success') return undefined;
  const type = body.type;
  const req = body.request;
  if (
    !isRecord(type) ||
    typeof type.ai_generated !== 'number' ||
    !(type.ai_generated >= 0 && type.ai_generated <= 1)
  )
    return undefined;
  const operations = isRecord(req) ? frameOperations(req.operations) : 1;
  const id = isRecord(req) && typeof req.id === 'string' ? req.id : '';
  const timestamp = isRecord(req) && typeof req.timestamp === 'number' ? req.timestamp : 0;
  const media = isRecord(body.media) ? body.media : {};
  return {
    status: 'success',
    request: { id, timestamp, operations },
    type: { ai_generated: type.ai_generated },
    media: {
      id: typeof media.id === 'string' ? media.id : '',
      uri: typeof media.uri === 'string' ? media.uri : null,
    },
  };
}

/**
 * The operations a frame check cost, as SightEngine reports them. One frame with one model costs
 * one; a count no frame can cost (negative, fractional, Infinity, millions) would bend the day's
 * quota gauge, so it is counted as one.
 */
function frameOperations(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_FRAME_OPERATIONS ? value : 1;
}

/** A body cut off at the cap: a bad answer, told apart from a transport failure. */
class AnswerTooLarge extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function utcDay(): string {
  return new Date().toISOString().slice(0, 10);
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.message : String(error);
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`options.${name} must be a positive number, got ${String(value)}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`options.${name} must be a non-negative number, got ${String(value)}`);
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`options.${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}
