import { isDeepStrictEqual } from 'node:util';
import PQueue from 'p-queue';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { QuotaExceededError, ServiceError } from '../../errors.js';
import type { MeteredServiceMetrics } from '../../metrics/service-metrics.js';
import { callService, createServiceDispatcher, type ServiceResponse } from '../http/index.js';
import { QuotaLedger } from './quota-ledger.js';
import {
  googleErrorSchema,
  youtubeChannelListSchema,
  youtubeChannelSchema,
  youtubeVideoListSchema,
  youtubeVideoSchema,
  type YouTubeChannel,
  type YouTubeVideo,
} from './youtube-schemas.js';
import { positiveInt } from '../../util/option-checks.js';
import { upstreamList, upstreamText } from '../../util/upstream-text.js';
import { parseBaseUrl } from '../http/base-url.js';

export interface YouTubeClientOptions {
  readonly apiKey: string;
  /** `https://www.googleapis.com` in production; a stand-in's URL in tests. */
  readonly baseUrl?: string;
  /** Units per day (YouTube's default project quota is 10,000). */
  readonly dailyQuotaUnits?: number;
  readonly dispatcher?: Dispatcher;
  readonly metrics?: MeteredServiceMetrics;
  readonly timeoutMs?: number;
  /** Parallel list calls when one request needs several. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** Ids per list call, the API's documented maximum. */
export const YOUTUBE_IDS_PER_CALL = 50;
const SERVICE = 'youtube';
/**
 * Largest list answer read. Fifty videos with the longest description (5,000 characters, three
 * bytes each at most) and its localized copy are under 2 MiB. A JSON answer costs up to twenty
 * times its size in memory once parsed (32 MiB of empty objects held 700 MB), so the cap is the
 * API's own bound, not the 32 MiB every service gets by default.
 */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * YouTube Data API v3 `videos.list` and `channels.list`, batched 50 ids per call, with the daily
 * quota counted locally (1 unit per list call, whatever the id count) so work that would exceed
 * the budget is refused before any call is made.
 */
export class YouTubeClient {
  readonly #key: string;
  readonly #base: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #metrics: MeteredServiceMetrics | undefined;
  readonly #timeoutMs: number;
  readonly #queue: PQueue;
  readonly quota: QuotaLedger;

  constructor(options: YouTubeClientOptions) {
    if (typeof options?.apiKey !== 'string' || options.apiKey.length === 0) {
      throw new TypeError('YouTubeClient needs apiKey (youtube.api_key / YOUTUBE_API_KEY)');
    }
    const base = parseBaseUrl(options.baseUrl ?? 'https://www.googleapis.com').href;
    const timeoutMs = options.timeoutMs ?? 30_000;
    positiveInt('timeoutMs', timeoutMs);
    const concurrency = options.concurrency ?? 4;
    positiveInt('concurrency', concurrency);
    this.#key = options.apiKey;
    this.#base = base.replace(/\/+$/, '');
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? createServiceDispatcher({ retries: 3 });
    this.#metrics = options.metrics;
    this.#timeoutMs = timeoutMs;
    this.#queue = new PQueue({ concurrency });
    this.quota = new QuotaLedger({ service: SERVICE, dailyUnits: options.dailyQuotaUnits ?? 10_000, now: options.now });
    this.#publishQuota();
  }

  /**
   * `videos.list?part=snippet,statistics` for any number of ids (1 unit per 50): per requested id
   * that the API answered, its video or why that item cannot be used (see #listAll).
   */
  lookupVideos(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Map<string, YouTubeVideo | ServiceError>> {
    return this.#listAll('videos', 'snippet,statistics', ids, options.signal, youtubeVideoListSchema, youtubeVideoSchema);
  }

  /** `channels.list?part=statistics` (subscriberCount) for any number of ids (1 unit per 50), as lookupVideos. */
  lookupChannels(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Map<string, YouTubeChannel | ServiceError>> {
    return this.#listAll('channels', 'statistics', ids, options.signal, youtubeChannelListSchema, youtubeChannelSchema);
  }

  /** The usable videos among `ids`. */
  async videos(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<YouTubeVideo[]> {
    return usable(await this.lookupVideos(ids, options));
  }

  /** The usable channels among `ids`. */
  async channels(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<YouTubeChannel[]> {
    return usable(await this.lookupChannels(ids, options));
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #publishQuota(): void {
    this.#metrics?.externalQuotaUnitsUsed.set({ service: SERVICE }, this.quota.used);
    this.#metrics?.externalQuotaUnitsLimit.set({ service: SERVICE }, this.quota.dailyUnits);
  }

  /**
   * `<resource>.list` for the distinct `ids`, 50 per call, quota reserved up front. The answer is
   * read item by item and only for ids that were asked for: an item for another id is never
   * recorded for anything; a malformed item is its id's non-retryable ERR_CONTENT_INVALID; one
   * id answered twice with different values is neither (ERR_YOUTUBE_AMBIGUOUS, retryable). An
   * answer that is not the API's list at all fails the call (ERR_YOUTUBE_PROTOCOL, retryable).
   */
  async #listAll<T extends { id: string }>(
    resource: 'videos' | 'channels',
    part: string,
    ids: readonly string[],
    signal: AbortSignal | undefined,
    envelope: z.ZodType<{ items: unknown[] }>,
    item: z.ZodType<T>,
  ): Promise<Map<string, T | ServiceError>> {
    const wanted = new Set(ids);
    const batches = chunk([...wanted], YOUTUBE_IDS_PER_CALL);
    this.quota.reserve(batches.length);
    this.#publishQuota();
    const pages = await Promise.all(batches.map((batch) => this.#queue.add(() => this.#list(resource, part, batch, signal))));
    const out = new Map<string, T | ServiceError>();
    for (const page of pages) {
      const list = envelope.safeParse(page.json);
      if (!list.success) throw protocolError(resource, page, list.error);
      for (const raw of list.data.items) {
        const id = isRecord(raw) && typeof raw['id'] === 'string' ? raw['id'] : undefined;
        if (id === undefined || !wanted.has(id)) continue;
        const parsed = item.safeParse(raw);
        const value = parsed.success ? parsed.data : invalidItem(resource, id, parsed.error);
        const seen = out.get(id);
        if (seen === undefined) out.set(id, value);
        else if (!isDeepStrictEqual(seen, value)) out.set(id, ambiguous(resource, id));
      }
    }
    return out;
  }

  async #list(resource: 'videos' | 'channels', part: string, ids: string[], signal?: AbortSignal): Promise<ServiceResponse> {
    const url = new URL(`${this.#base}/youtube/v3/${resource}`);
    url.searchParams.set('part', part);
    // No maxResults: the reference documents it as unsupported together with id (the id list,
    // at most 50, is what bounds the answer).
    url.searchParams.set('id', ids.join(','));
    url.searchParams.set('key', this.#key);
    const res = await callService({
      service: SERVICE,
      url,
      dispatcher: this.#dispatcher,
      timeoutMs: this.#timeoutMs,
      signal,
      maxBytes: MAX_ANSWER_BYTES,
      metrics: this.#metrics,
    });
    if (res.status === 200) return res;
    throw this.#error(resource, res);
  }

  #error(resource: string, res: ServiceResponse): ServiceError {
    const parsed = googleErrorSchema.safeParse(res.json);
    const reasons = parsed.success ? (parsed.data.error.errors ?? []).map((e) => e.reason) : [];
    const message = upstreamText(parsed.success ? parsed.data.error.message : res.text);
    if (reasons.includes('quotaExceeded') || reasons.includes('dailyLimitExceeded')) {
      this.quota.exhaust();
      this.#publishQuota();
      return new QuotaExceededError(SERVICE, `${resource}.list: daily quota exhausted (${message})`, { status: res.status });
    }
    // Google's per-minute limits answer 403 (usageLimits domain), not 429: they pass within
    // minutes, so they are an outage to retry, not a refusal.
    const rateLimited = reasons.includes('rateLimitExceeded') || reasons.includes('userRateLimitExceeded');
    const code =
      res.status === 400 && reasons.includes('badRequest') && /API key/i.test(message)
        ? 'ERR_YOUTUBE_AUTH'
        : rateLimited || res.status === 429 || res.status >= 500
          ? 'ERR_YOUTUBE_UNAVAILABLE'
          : res.status === 403
            ? 'ERR_YOUTUBE_FORBIDDEN'
            : 'ERR_YOUTUBE_BAD_REQUEST';
    return new ServiceError(SERVICE, `${resource}.list answered ${res.status}${reasons.length ? ` (${upstreamList(reasons)})` : ''}: ${message}`, {
      code,
      status: res.status,
      ...(rateLimited ? { retryable: true } : {}),
    });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function usable<T>(found: Map<string, T | ServiceError>): T[] {
  return [...found.values()].filter((v): v is T => !(v instanceof ServiceError));
}

/** Issues as `path: message`, a few only: an upstream can send thousands. */
function issues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return shown.join('; ') + (error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '');
}

function protocolError(resource: string, res: ServiceResponse, error: z.ZodError): ServiceError {
  const what = res.json === undefined ? `a body that is not JSON (${JSON.stringify(res.text.slice(0, 80))})` : `JSON that is not a ${resource} list (${issues(error)})`;
  return new ServiceError(SERVICE, `${resource}.list answered 200 with ${what}`.slice(0, 300), {
    code: 'ERR_YOUTUBE_PROTOCOL',
    status: res.status,
    retryable: true,
  });
}

function invalidItem(resource: string, id: string, error: z.ZodError): ServiceError {
  return new ServiceError(SERVICE, `${resource}.list item ${id} is malformed: ${issues(error)}`.slice(0, 300), {
    code: 'ERR_CONTENT_INVALID',
    retryable: false,
  });
}

function ambiguous(resource: string, id: string): ServiceError {
  return new ServiceError(SERVICE, `${resource}.list answered ${id} more than once with different values`, {
    code: 'ERR_YOUTUBE_AMBIGUOUS',
    retryable: true,
  });
}
