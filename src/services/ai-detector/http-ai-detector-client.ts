import PQueue from 'p-queue';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { AiDetectionError, QuotaExceededError } from '../../errors.js';
import type { ExternalCallMetrics } from '../../metrics/service-metrics.js';
import { abortable } from '../../util/abortable.js';
import { linkedSignal } from '../../util/linked-signal.js';
import { positiveInt } from '../../util/option-checks.js';
import type { AiDetectionResult, AiDetector } from '../types.js';
import { parseBaseUrl } from '../http/base-url.js';
import { readCappedBody } from '../http/read-capped-body.js';
import { retryAfterOf } from '../http/retry-after.js';
import { RequestCoalescer } from '../http/request-coalescer.js';
import { DETECT_BATCH_PATH, ndjsonLines, readDetectBatchLine, type DetectBatchItem } from './detect-batch-wire.js';
import { upstreamCode, upstreamText } from '../../util/upstream-text.js';

export interface HttpAiDetectorClientOptions {
  /** The detector service, e.g. `http://localhost:12002`. */
  readonly baseUrl: string;
  /** Whole request; a cold video is a download plus ten SightEngine calls. Default 300 s. */
  readonly timeoutMs?: number;
  readonly metrics?: ExternalCallMetrics;
  readonly dispatcher?: Dispatcher;
  /** Videos per `POST /detect/batch`. Default 64; 1 sends each video on its own `POST /detect`. */
  readonly batchSize?: number;
  /** How long the first video of a batch waits for company. Default 10 ms. */
  readonly batchWindowMs?: number;
  /** Requests in flight at once: batches, or single detections. Default 4. */
  readonly concurrency?: number;
}

const SERVICE = 'ai_detector';
type Source = 'platform' | 'miner';
const keyOf = (item: DetectBatchItem): string => `${item.source ?? 'miner'} ${item.url}`;

/**
 * AiDetector over HTTP, for a detector running as its own service. Concurrent `detect` calls are
 * merged into `POST /detect/batch` requests whose streamed answers settle each caller as its video
 * is scored; a service without that endpoint (the original's answers 404) is remembered and asked
 * `POST /detect?url=<percent-encoded>` per video. Either way at most `concurrency` requests are in
 * flight. Remote failures come back as AiDetectionError with the service's code (quota
 * exhaustion as QuotaExceededError), so callers treat in-process and remote detectors alike.
 */
export class HttpAiDetectorClient implements AiDetector {
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #metrics: ExternalCallMetrics | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #queue: PQueue;
  readonly #batches: RequestCoalescer<DetectBatchItem, AiDetectionResult> | undefined;
  #batchSupported: boolean | undefined;

  constructor(options: HttpAiDetectorClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const base = parseBaseUrl(options.baseUrl);
    this.#base = new URL(base.href.endsWith('/') ? base.href : `${base.href}/`);
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    if (!Number.isFinite(this.#timeoutMs) || this.#timeoutMs <= 0)
      throw new RangeError(`options.timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
    const batchSize = positiveInt('options.batchSize', options.batchSize ?? 64);
    const concurrency = positiveInt('options.concurrency', options.concurrency ?? 4);
    this.#metrics = options.metrics;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ?? new Agent({ headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs });
    this.#queue = new PQueue({ concurrency });
    this.#batches =
      batchSize > 1
        ? new RequestCoalescer({
            keyOf,
            maxBatch: batchSize,
            windowMs: options.batchWindowMs ?? 10,
            execute: (items, settle) => this.#executeBatch(items, settle),
          })
        : undefined;
  }

  /**
   * True when concurrent calls are merged into batched requests: a caller's slot is then not a
   * request to the service, which `concurrency` bounds on its own.
   */
  get coalesces(): boolean {
    return this.#batches !== undefined;
  }

  /** undefined until the first batch request tells. */
  get batchSupported(): boolean | undefined {
    return this.#batchSupported;
  }

  async detect(url: string, options: { signal?: AbortSignal; source?: Source } = {}): Promise<AiDetectionResult> {
    if (typeof url !== 'string' || url.trim() === '')
      throw new AiDetectionError('url must be a non-empty string', 'ERR_AI_BAD_URL');
    options.signal?.throwIfAborted();
    if (!this.#batches || this.#batchSupported === false)
      return this.#queue.add(() => this.#single(url, options.signal)) as Promise<AiDetectionResult>;
    const item: DetectBatchItem = options.source ? { url, source: options.source } : { url };
    const work = this.#batches.load(item);
    return options.signal ? abortable(work, options.signal) : work;
  }

  async close(): Promise<void> {
    await this.#batches?.drain();
    await this.#queue.onIdle();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #executeBatch(
    items: DetectBatchItem[],
    settle: (id: string, result: AiDetectionResult | Error) => void,
  ): Promise<ReadonlyMap<string, AiDetectionResult | Error> | void> {
    const answered = (await this.#queue.add(() => this.#batch(items, settle))) as boolean;
    if (answered) return;
    // The service has no batch endpoint, or refused this batch as a whole: these videos go one by
    // one, under the same bound, so a video it cannot take fails alone.
    await Promise.all(
      items.map((item) =>
        this.#queue
          .add(() => this.#single(item.url))
          .then((result) => settle(keyOf(item), result as AiDetectionResult), (error: Error) => settle(keyOf(item), error)),
      ),
    );
  }

  /**
   * False when the service has no batch endpoint, or refused a batch of several videos as a whole
   * (413: past its body cap, which a few long URLs can reach; 422: an item it will not take);
   * otherwise every item is settled.
   */
  async #batch(items: DetectBatchItem[], settle: (id: string, result: AiDetectionResult | Error) => void): Promise<boolean> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const started = performance.now();
    const unavailable = (cause: unknown, what: string): AiDetectionError =>
      new AiDetectionError(
        timeout.aborted
          ? `AI detector did not answer a batch of ${items.length} within ${this.#timeoutMs} ms`
          : `AI detector ${what} at ${this.#base.origin}`,
        'ERR_AI_DETECTOR_UNAVAILABLE',
        { cause },
      );
    let response: Dispatcher.ResponseData;
    try {
      response = await request(new URL(DETECT_BATCH_PATH.slice(1), this.#base), {
        method: 'POST',
        dispatcher: this.#dispatcher,
        signal: timeout,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
    } catch (cause) {
      this.#observe('error', started);
      throw unavailable(cause, 'unreachable');
    }
    const status = response.statusCode;
    this.#observe(`${Math.floor(status / 100)}xx`, started);
    if (status === 404 || status === 405) {
      await response.body.dump();
      this.#batchSupported = false;
      return false;
    }
    if ((status === 413 || status === 422) && items.length > 1) {
      await response.body.dump();
      return false;
    }
    if (status !== 200) {
      const text = await readAnswer(response.body).catch(() => '');
      throw remoteError(parseJson(text), status, `AI detector answered HTTP ${status} to a batch`, retryAfterOf(status, response.headers));
    }
    this.#batchSupported = true;
    const answered = new Set<number>();
    let missing: Error = new AiDetectionError('AI detector ended a batch without answering this video', 'ERR_AI_DETECTOR_BAD_RESPONSE');
    try {
      for await (const text of ndjsonLines(response.body)) {
        const line = readDetectBatchLine(text);
        const item = line ? items[line.index] : undefined;
        // The service echoes each item's url: a line naming another video under this index is
        // not this video's answer, and taking it would record one video's score for another.
        if (!line || !item || line.url !== item.url || answered.has(line.index)) continue;
        answered.add(line.index);
        settle(
          keyOf(item),
          'error' in line
            ? toError(upstreamCode(line.error.code) ?? 'ERR_AI_DETECTOR_BAD_RESPONSE', upstreamText(line.error.message), line.error.retryable)
            : { url: item.url, mean_ai_generated: line.mean_ai_generated, per_frame: line.per_frame, cached: line.cached },
        );
      }
    } catch (cause) {
      // The answers that arrived stand; the videos still open are retried by their callers.
      missing = unavailable(cause, 'broke off a batch');
    }
    items.forEach((item, index) => {
      if (!answered.has(index)) settle(keyOf(item), missing);
    });
    return true;
  }

  async #single(url: string, signal?: AbortSignal): Promise<AiDetectionResult> {
    const endpoint = new URL('detect', this.#base);
    // searchParams percent-encodes `&`, `?`, `#` and `=`, which the original's f-string did not.
    endpoint.searchParams.set('url', url);
    const deadline = linkedSignal([signal], this.#timeoutMs);
    const started = performance.now();
    let status: number;
    let text: string;
    let retryAfterMs: number | undefined;
    try {
      const response = await request(endpoint, { method: 'POST', dispatcher: this.#dispatcher, signal: deadline.signal });
      status = response.statusCode;
      retryAfterMs = retryAfterOf(status, response.headers);
      text = await readAnswer(response.body);
    } catch (cause) {
      this.#observe('error', started);
      if (signal?.aborted) throw signal.reason ?? cause;
      if (cause instanceof AiDetectionError) throw cause;
      throw new AiDetectionError(
        deadline.timedOut
          ? `AI detector did not answer within ${this.#timeoutMs} ms`
          : `AI detector unreachable at ${this.#base.origin}`,
        'ERR_AI_DETECTOR_UNAVAILABLE',
        { cause },
      );
    } finally {
      deadline.dispose();
    }
    this.#observe(`${Math.floor(status / 100)}xx`, started);
    const body = parseJson(text);
    if (status === 200) {
      const result = readResult(body);
      if (!result)
        throw new AiDetectionError(
          `AI detector answered an unexpected body: ${upstreamText(text)}`,
          'ERR_AI_DETECTOR_BAD_RESPONSE',
        );
      return { url, ...result };
    }
    throw remoteError(body, status, `AI detector answered HTTP ${status}`, retryAfterMs);
  }

  #observe(statusClass: string, started: number): void {
    if (!this.#metrics) return;
    this.#metrics.externalRequestsTotal.inc({ service: SERVICE, status: statusClass });
    this.#metrics.externalRequestDuration.observe({ service: SERVICE }, (performance.now() - started) / 1000);
  }
}

/**
 * A detection the service refused or failed, with its word on whether asking again can help: a
 * refused format or an unsafe URL is not retried within the cycle (each retry would download the
 * file again), a failed download or SightEngine outage is.
 */
export class RemoteAiDetectionError extends AiDetectionError {
  constructor(message: string, code: string, retryable: boolean, retryAfterMs?: number) {
    super(message, code, { retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
}

/**
 * `retryAfterMs`: the Retry-After of an overload answer (429/503), so the caller's retry waits
 * as long as the service asked instead of its own short backoff.
 */
function toError(code: string, message: string, retryable: boolean | undefined, status?: number, retryAfterMs?: number): Error {
  if (code === 'ERR_QUOTA_EXCEEDED') {
    // The service's message already names SightEngine; QuotaExceededError names it again.
    const reason = message.replace(/^sightengine: /, '');
    return new QuotaExceededError('sightengine', reason, status === undefined ? {} : { status });
  }
  // A service that does not say (the original's) is asked again, as before.
  if (retryable === undefined) return new AiDetectionError(message, code, retryAfterMs === undefined ? undefined : { retryAfterMs });
  return new RemoteAiDetectionError(message, code, retryable, retryAfterMs);
}

function remoteError(body: unknown, status: number, fallbackMessage: string, retryAfterMs?: number): Error {
  const remote = readError(body);
  return toError(remote?.code ?? `ERR_AI_DETECTOR_HTTP_${status}`, remote?.message ?? fallbackMessage, remote?.retryable, status, retryAfterMs);
}

/** An answer is a score and a few per-frame ones, or an error: far below this. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** A whole answer body, refused past MAX_ANSWER_BYTES without reading the rest. */
async function readAnswer(body: Readable): Promise<string> {
  const tooLarge = () => new AiDetectionError(`AI detector answered more than ${MAX_ANSWER_BYTES} bytes`, 'ERR_AI_DETECTOR_BAD_RESPONSE');
  return (await readCappedBody(body, MAX_ANSWER_BYTES, tooLarge)).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
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

function readError(body: unknown): { code: string; message: string; retryable: boolean | undefined } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code: sent, message, retryable } = error as Record<string, unknown>;
  const code = upstreamCode(sent);
  if (code === undefined) return undefined;
  return { code, message: typeof message === 'string' ? upstreamText(message) : code, retryable: typeof retryable === 'boolean' ? retryable : undefined };
}
