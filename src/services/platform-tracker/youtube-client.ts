import PQueue from 'p-queue';
import type { Dispatcher } from 'undici';
import { QuotaExceededError, ServiceError } from '../../errors.js';
import type { MeteredServiceMetrics } from '../../metrics/service-metrics.js';
import { callService, createServiceDispatcher, type ServiceResponse } from '../http/index.js';
import { QuotaLedger } from './quota-ledger.js';
import {
  googleErrorSchema,
  youtubeChannelListSchema,
  youtubeVideoListSchema,
  type YouTubeChannel,
  type YouTubeVideo,
} from './youtube-schemas.js';
import { positiveInt } from '../../util/option-checks.js';
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

  /** `videos.list?part=snippet,statistics` for any number of ids (1 unit per 50). */
  videos(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<YouTubeVideo[]> {
    return this.#listAll('videos', 'snippet,statistics', ids, options.signal, (json) => youtubeVideoListSchema.parse(json).items);
  }

  /** `channels.list?part=statistics` (subscriberCount) for any number of ids (1 unit per 50). */
  channels(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<YouTubeChannel[]> {
    return this.#listAll('channels', 'statistics', ids, options.signal, (json) => youtubeChannelListSchema.parse(json).items);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #publishQuota(): void {
    this.#metrics?.externalQuotaUnitsUsed.set({ service: SERVICE }, this.quota.used);
    this.#metrics?.externalQuotaUnitsLimit.set({ service: SERVICE }, this.quota.dailyUnits);
  }

  /** `<resource>.list` for the distinct `ids`, 50 per call, quota reserved up front; `items` of every page. */
  async #listAll<T>(resource: 'videos' | 'channels', part: string, ids: readonly string[], signal: AbortSignal | undefined, items: (json: unknown) => T[]): Promise<T[]> {
    const batches = chunk([...new Set(ids)], YOUTUBE_IDS_PER_CALL);
    this.quota.reserve(batches.length);
    this.#publishQuota();
    const pages = await Promise.all(batches.map((batch) => this.#queue.add(() => this.#list(resource, part, batch, signal))));
    return pages.flatMap(items);
  }

  async #list(resource: 'videos' | 'channels', part: string, ids: string[], signal?: AbortSignal): Promise<unknown> {
    const url = new URL(`${this.#base}/youtube/v3/${resource}`);
    url.searchParams.set('part', part);
    url.searchParams.set('id', ids.join(','));
    url.searchParams.set('maxResults', String(YOUTUBE_IDS_PER_CALL));
    url.searchParams.set('key', this.#key);
    const res = await callService({
      service: SERVICE,
      url,
      dispatcher: this.#dispatcher,
      timeoutMs: this.#timeoutMs,
      signal,
      metrics: this.#metrics,
    });
    if (res.status === 200) return res.json;
    throw this.#error(resource, res);
  }

  #error(resource: string, res: ServiceResponse): ServiceError {
    const parsed = googleErrorSchema.safeParse(res.json);
    const reasons = parsed.success ? (parsed.data.error.errors ?? []).map((e) => e.reason) : [];
    const message = parsed.success ? parsed.data.error.message : res.text.slice(0, 200);
    if (reasons.includes('quotaExceeded') || reasons.includes('dailyLimitExceeded')) {
      this.quota.exhaust();
      this.#publishQuota();
      return new QuotaExceededError(SERVICE, `${resource}.list: daily quota exhausted (${message})`, { status: res.status });
    }
    const code =
      res.status === 400 && reasons.includes('badRequest') && /API key/i.test(message)
        ? 'ERR_YOUTUBE_AUTH'
        : res.status === 403
          ? 'ERR_YOUTUBE_FORBIDDEN'
          : res.status === 429 || res.status >= 500
            ? 'ERR_YOUTUBE_UNAVAILABLE'
            : 'ERR_YOUTUBE_BAD_REQUEST';
    return new ServiceError(SERVICE, `${resource}.list answered ${res.status}${reasons.length ? ` (${reasons.join(', ')})` : ''}: ${message}`, {
      code,
      status: res.status,
    });
  }
}
