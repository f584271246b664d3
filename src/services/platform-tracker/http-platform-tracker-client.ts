import PQueue from 'p-queue';
import type { Dispatcher } from 'undici';
import { ServiceError, errorCode } from '../../errors.js';
import type { ValidatorMetrics } from '../../metrics/validator-metrics.js';
import { callService, createServiceDispatcher } from '../http/index.js';
import type { ContentMetrics, ContentRef, MetricsBatchResult, MetricsError, MetricsProvider } from '../types.js';
import { toRequest } from './wire-format.js';
import { errorFields, readBatchAnswer, readSingleAnswer } from './batch-answer.js';
import { positiveInt } from '../../util/option-checks.js';
import { parseBaseUrl } from '../http/base-url.js';
import { retryAfterOf } from '../http/retry-after.js';
import { upstreamText } from '../../util/upstream-text.js';

export interface HttpPlatformTrackerClientOptions {
  /** e.g. http://localhost:12001 */
  readonly baseUrl: string;
  readonly dispatcher?: Dispatcher;
  readonly metrics?: ValidatorMetrics;
  /** The original validator waited 64 s for a lookup. */
  readonly timeoutMs?: number;
  /** Single lookups in flight when the server has no batch endpoint. */
  readonly concurrency?: number;
  /** Items per batch request. */
  readonly batchSize?: number;
  /**
   * Extra attempts after an overload answer (429/503/504), when no dispatcher is given. Default
   * 3; 0 asks once, as the original validator does.
   */
  readonly retries?: number;
}

const SERVICE = 'platform_tracker';

/**
 * A remote platform tracker. Uses `POST /get_metrics/batch`; when the server answers 404/405
 * there (the original service has no batch endpoint) it remembers that and falls back to single
 * `POST /get_metrics` calls, at most `concurrency` at a time.
 */
export class HttpPlatformTrackerClient implements MetricsProvider {
  readonly #base: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #metrics: ValidatorMetrics | undefined;
  readonly #timeoutMs: number;
  readonly #queue: PQueue;
  readonly #batchSize: number;
  #batchSupported: boolean | undefined;

  constructor(options: HttpPlatformTrackerClientOptions) {
    const base = parseBaseUrl(options?.baseUrl).href;
    const timeoutMs = options.timeoutMs ?? 64_000;
    positiveInt('timeoutMs', timeoutMs);
    const concurrency = options.concurrency ?? 4;
    positiveInt('concurrency', concurrency);
    const batchSize = options.batchSize ?? 200;
    positiveInt('batchSize', batchSize);
    this.#base = base.replace(/\/+$/, '');
    this.#ownsDispatcher = options.dispatcher === undefined;
    // Metric lookups are reads; replaying them is safe. 500/502 carry a definitive per-item
    // answer from the service, so only overload answers are retried.
    this.#dispatcher = options.dispatcher ?? createServiceDispatcher({ retries: options.retries ?? 3, retryMethods: ['POST'], retryStatusCodes: [429, 503, 504] });
    this.#metrics = options.metrics;
    this.#timeoutMs = timeoutMs;
    this.#queue = new PQueue({ concurrency });
    this.#batchSize = batchSize;
  }

  /** undefined until the first batch call tells. */
  get batchSupported(): boolean | undefined {
    return this.#batchSupported;
  }

  async getMetrics(items: readonly ContentRef[], options: { signal?: AbortSignal } = {}): Promise<MetricsBatchResult> {
    if (!Array.isArray(items)) throw new TypeError('getMetrics takes an array of {platform, content_id}');
    const results: ContentMetrics[] = [];
    const errors: MetricsError[] = [];
    for (let i = 0; i < items.length; i += this.#batchSize) {
      const chunk = items.slice(i, i + this.#batchSize);
      if (this.#batchSupported !== false) {
        const batched = await this.#batch(chunk, options.signal);
        if (batched) {
          results.push(...batched.results);
          errors.push(...batched.errors);
          continue;
        }
      }
      const singles = await Promise.all(chunk.map((ref) => this.#queue.add(() => this.#single(ref, options.signal))));
      for (const s of singles) {
        if (s?.ok) results.push(s.value);
        else if (s) errors.push(s.error);
      }
    }
    return { results, errors };
  }

  async close(): Promise<void> {
    await this.#queue.onIdle();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #batch(refs: readonly ContentRef[], signal?: AbortSignal): Promise<MetricsBatchResult | undefined> {
    const res = await callService({
      service: SERVICE,
      method: 'POST',
      url: `${this.#base}/get_metrics/batch`,
      json: { items: refs.map(toRequest) },
      dispatcher: this.#dispatcher,
      timeoutMs: this.#timeoutMs,
      signal,
      metrics: this.#metrics,
    });
    if (res.status === 404 || res.status === 405) {
      this.#batchSupported = false;
      return undefined;
    }
    if (res.status !== 200) {
      const body = errorFields(res.json);
      const retryAfterMs = retryAfterOf(res.status, res.headers);
      throw new ServiceError(SERVICE, `batch answered ${res.status}: ${upstreamText(body.detail ?? res.text)}`, {
        code: body.code ?? 'ERR_PLATFORM_TRACKER',
        status: res.status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    this.#batchSupported = true;
    const body = res.json as { results?: unknown; errors?: unknown };
    if (!Array.isArray(body?.results) || !Array.isArray(body.errors)) {
      throw new ServiceError(SERVICE, 'batch answer lacks results/errors arrays', { code: 'ERR_PLATFORM_TRACKER_PROTOCOL', status: 200 });
    }
    return readBatchAnswer(refs, body.results, body.errors);
  }

  async #single(ref: ContentRef, signal?: AbortSignal): Promise<{ ok: true; value: ContentMetrics } | { ok: false; error: MetricsError }> {
    try {
      const res = await callService({
        service: SERVICE,
        method: 'POST',
        url: `${this.#base}/get_metrics`,
        json: toRequest(ref),
        dispatcher: this.#dispatcher,
        timeoutMs: this.#timeoutMs,
        signal,
        metrics: this.#metrics,
      });
      if (res.status === 200) return { ok: true, value: readSingleAnswer(ref, res.json) };
      const body = errorFields(res.json);
      const error: MetricsError = {
        ...ref,
        code: body.code ?? (res.status === 404 ? 'ERR_CONTENT_NOT_FOUND' : `ERR_HTTP_${res.status}`),
        message: upstreamText(body.detail ?? res.text),
        retryable: body.retryable ?? (res.status >= 500 || res.status === 429),
      };
      return { ok: false, error };
    } catch (error) {
      if (signal?.aborted) throw error;
      return {
        ok: false,
        error: {
          ...ref,
          code: errorCode(error),
          message: error instanceof Error ? error.message : String(error),
          retryable: error instanceof ServiceError ? error.retryable : true,
        },
      };
    }
  }
}
