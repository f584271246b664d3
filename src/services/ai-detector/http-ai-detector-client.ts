import { Agent, request, type Dispatcher } from 'undici';
import { AiDetectionError, QuotaExceededError } from '../../errors.js';
import type { ExternalCallMetrics } from '../../metrics/service-metrics.js';
import type { AiDetectionResult, AiDetector } from '../types.js';
import { parseBaseUrl } from '../http/base-url.js';

export interface HttpAiDetectorClientOptions {
  /** The detector service, e.g. `http://localhost:12002`. */
  readonly baseUrl: string;
  /** Whole request; a cold video is a download plus ten SightEngine calls. Default 300 s. */
  readonly timeoutMs?: number;
  readonly metrics?: ExternalCallMetrics;
  readonly dispatcher?: Dispatcher;
}

const SERVICE = 'ai_detector';

/**
 * AiDetector over HTTP (`POST /detect?url=<percent-encoded>`), for a detector running as its own
 * service. Remote failures come back as AiDetectionError with the service's code (quota
 * exhaustion as QuotaExceededError), so callers treat in-process and remote detectors alike.
 */
export class HttpAiDetectorClient implements AiDetector {
  readonly #endpoint: URL;
  readonly #timeoutMs: number;
  readonly #metrics: ExternalCallMetrics | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(options: HttpAiDetectorClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const base = parseBaseUrl(options.baseUrl);
    this.#endpoint = new URL('detect', base.href.endsWith('/') ? base.href : `${base.href}/`);
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0)
      throw new RangeError(`options.timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
    this.#metrics = options.metrics;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ?? new Agent({ headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
  }

  async detect(url: string, options: { signal?: AbortSignal } = {}): Promise<AiDetectionResult> {
    if (typeof url !== 'string' || url.trim() === '')
      throw new AiDetectionError('url must be a non-empty string', 'ERR_AI_BAD_URL');
    const endpoint = new URL(this.#endpoint);
    // searchParams percent-encodes `&`, `?`, `#` and `=`, which the original's f-string did not.
    endpoint.searchParams.set('url', url);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const started = performance.now();
    let status: number;
    let text: string;
    try {
      const response = await request(endpoint, { method: 'POST', dispatcher: this.#dispatcher, signal });
      status = response.statusCode;
      text = await response.body.text();
    } catch (cause) {
      this.#observe('error', started);
      if (options.signal?.aborted) throw options.signal.reason ?? cause;
      throw new AiDetectionError(
        timeout.aborted
          ? `AI detector did not answer within ${this.#timeoutMs} ms`
          : `AI detector unreachable at ${this.#endpoint.origin}`,
        'ERR_AI_DETECTOR_UNAVAILABLE',
        { cause },
      );
    }
    this.#observe(`${Math.floor(status / 100)}xx`, started);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status === 200) {
      const result = readResult(body);
      if (!result)
        throw new AiDetectionError(
          `AI detector answered an unexpected body: ${text.slice(0, 200)}`,
          'ERR_AI_DETECTOR_BAD_RESPONSE',
        );
      return { url, ...result };
    }
    const remote = readError(body);
    const message = remote?.message ?? `AI detector answered HTTP ${status}`;
    const code = remote?.code ?? `ERR_AI_DETECTOR_HTTP_${status}`;
    if (code === 'ERR_QUOTA_EXCEEDED') throw new QuotaExceededError('sightengine', message, { status });
    throw new AiDetectionError(message, code);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #observe(statusClass: string, started: number): void {
    if (!this.#metrics) return;
    this.#metrics.externalRequestsTotal.inc({ service: SERVICE, status: statusClass });
    this.#metrics.externalRequestDuration.observe({ service: SERVICE }, (performance.now() - started) / 1000);
  }
}

function readResult(
  body: unknown,
): { mean_ai_generated: number; per_frame: number[]; cached: boolean } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { mean_ai_generated: mean, per_frame: perFrame, cached } = body as Record<string, unknown>;
  if (typeof mean !== 'number' || !(mean >= 0 && mean <= 1)) return undefined;
  if (!Array.isArray(perFrame) || !perFrame.every((v) => typeof v === 'number' && v >= 0 && v <= 1))
    return undefined;
  return { mean_ai_generated: mean, per_frame: perFrame as number[], cached: cached === true };
}

function readError(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  return { code, message: typeof message === 'string' ? message : code };
}
