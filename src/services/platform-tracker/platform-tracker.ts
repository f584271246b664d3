import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { exactCount } from '../../formats/count.js';
import { PLATFORMS, type Platform } from '../../config/defaults.js';
import { ServiceError, errorCode } from '../../errors.js';
import type { MeteredServiceMetrics, ServiceMetrics } from '../../metrics/service-metrics.js';
import type { ContentMetrics, ContentRef, MetricsBatchResult, MetricsError, MetricsProvider } from '../types.js';
import type { ApifyClient } from './apify-client.js';
import { instagramPostItemSchema, scraperErrorItemSchema, type InstagramPostItem } from './apify-schemas.js';
import { originalFollowerCounts } from './original-follower-counts.js';
import { profileFollowerCounts } from './profile-follower-counts.js';
import { AnswerCache, ORIGINAL_ANSWER_TTL_MS } from './original-answer-cache.js';
import { RequestCoalescer } from '../http/request-coalescer.js';
import type { YouTubeClient } from './youtube-client.js';
import type { YouTubeVideo } from './youtube-schemas.js';

/** The validator's registry (embedded tracker) or a standalone tracker's, which also counts lookups. */
export type TrackerMetrics = MeteredServiceMetrics & Partial<Pick<ServiceMetrics, 'trackerLookupsTotal'>>;

export interface PlatformTrackerOptions {
  readonly youtube?: YouTubeClient;
  readonly apify?: ApifyClient;
  /** Actor ids (SPEC §5): the Instagram API scraper and a profile scraper. */
  readonly instagramPostActor?: string;
  readonly instagramProfileActor?: string;
  /**
   * `compat: original`: Instagram asked as the original's tracker asks: the post actor with its
   * input (every shortcode as a `/reel/<id>` URL, posts too), and follower counts read its way
   * (its follower actor, one run per owner, `followerCount`; original-follower-counts.ts)
   * instead of the profile scraper; and each successful answer kept for an hour, as the
   * original's tracker keeps it (original-answer-cache.ts).
   */
  readonly original?: boolean;
  /** Coalescing window and batch caps per platform. */
  readonly windowMs?: number;
  readonly maxBatch?: { readonly youtube?: number; readonly instagram?: number };
  readonly logger?: Logger;
  /** Counts lookups by platform and whether a pending batch already had them. */
  readonly metrics?: TrackerMetrics;
  readonly now?: () => number;
  /** The clock of the original's one-hour answer cache (the cycles' clock); `now` by default. */
  readonly cacheClock?: () => number;
  /** `compat: original`: the answers a previous run fetched (within the hour), read back at the first lookup. */
  readonly keptAnswers?: () => Promise<readonly ContentMetrics[]>;
}

const KEY = (ref: ContentRef) => `${ref.platform}:${ref.content_id}`;
const CONTENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function instagramUrl(ref: ContentRef): string {
  return `https://www.instagram.com/${ref.platform === 'instagram/reel' ? 'reel' : 'p'}/${ref.content_id}/`;
}

/** The original's post URL (InstagramPostMetadataRequest): `/reel/<id>` for every content type. */
const originalInstagramUrl = (ref: ContentRef): string => `https://www.instagram.com/reel/${ref.content_id}`;

/** The rest of the original's post actor input, as it sends it. */
const ORIGINAL_POST_INPUT = Object.freeze({
  addParentData: false,
  enhanceUserSearchWithFacebookPage: false,
  isUserReelFeedURL: false,
  isUserTaggedFeedURL: false,
  resultsLimit: 1,
  resultsType: 'details',
  searchLimit: 1,
  searchType: 'hashtag',
});

const SHORTCODE = /instagram\.com\/(?:reel|reels|p|tv)\/([A-Za-z0-9_-]+)/;

function notFound(ref: ContentRef, detail: string): ServiceError {
  return new ServiceError('platform_tracker', `${ref.platform} ${ref.content_id}: ${detail}`, {
    code: 'ERR_CONTENT_NOT_FOUND',
    status: 404,
    retryable: false,
  });
}

const count = (s: string | undefined): number => (s === undefined ? 0 : Number(s));

/**
 * Platform metrics for submissions (SPEC §5), batched: every lookup goes through a per-platform
 * coalescer, so the lookups of many actors within one window become one `videos.list` per 50
 * YouTube ids and one Apify run per Instagram batch.
 */
export class PlatformTracker implements MetricsProvider {
  readonly #youtube: YouTubeClient | undefined;
  readonly #apify: ApifyClient | undefined;
  readonly #postActor: string;
  readonly #profileActor: string;
  readonly #original: boolean;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #metrics: TrackerMetrics | undefined;
  readonly #answers: AnswerCache<ContentMetrics> | undefined;
  readonly youtubeBatches: RequestCoalescer<ContentRef, ContentMetrics>;
  readonly instagramBatches: RequestCoalescer<ContentRef, ContentMetrics>;

  constructor(options: PlatformTrackerOptions = {}) {
    this.#youtube = options.youtube;
    this.#apify = options.apify;
    this.#postActor = options.instagramPostActor ?? 'RB9HEZitC8hIUXAha';
    this.#profileActor = options.instagramProfileActor ?? 'apify~instagram-profile-scraper';
    this.#original = options.original === true;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#metrics = options.metrics;
    const kept = options.keptAnswers;
    this.#answers = this.#original
      ? new AnswerCache({
          ttlMs: ORIGINAL_ANSWER_TTL_MS,
          now: options.cacheClock ?? this.#now,
          ...(kept ? { kept: async () => (await kept()).map((m) => ({ key: KEY(m), value: m, at: Date.parse(m.fetched_at) })) } : {}),
        })
      : undefined;
    this.youtubeBatches = new RequestCoalescer({
      execute: (refs) => this.#youtubeBatch(refs),
      keyOf: KEY,
      windowMs: options.windowMs,
      maxBatch: options.maxBatch?.youtube ?? 500,
    });
    this.instagramBatches = new RequestCoalescer({
      execute: (refs) => this.#instagramBatch(refs),
      keyOf: KEY,
      windowMs: options.windowMs,
      maxBatch: options.maxBatch?.instagram ?? 200,
    });
  }

  /** Platforms this tracker can serve, by the original's names. */
  supportedPlatforms(): Record<string, { supported_content_types: string[] }> {
    const out: Record<string, { supported_content_types: string[] }> = {};
    if (this.#youtube) out['youtube'] = { supported_content_types: ['video'] };
    if (this.#apify) out['instagram'] = { supported_content_types: ['post', 'reel'] };
    return out;
  }

  async getMetrics(items: readonly ContentRef[], options: { signal?: AbortSignal } = {}): Promise<MetricsBatchResult> {
    if (!Array.isArray(items)) throw new TypeError('getMetrics takes an array of {platform, content_id}');
    const unique = new Map<string, ContentRef>();
    for (const [i, item] of items.entries()) {
      if (!item || !PLATFORMS.includes(item.platform)) {
        throw new TypeError(`items[${i}].platform must be one of ${PLATFORMS.join(', ')}, got ${String(item?.platform)}`);
      }
      if (typeof item.content_id !== 'string' || !CONTENT_ID.test(item.content_id)) {
        throw new TypeError(`items[${i}].content_id must be 1-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(item.content_id)}`);
      }
      unique.set(KEY(item), { platform: item.platform, content_id: item.content_id });
    }
    const refs = [...unique.values()];
    options.signal?.throwIfAborted();
    // A caller that gives up stops waiting; the shared batch still serves the other callers.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(options.signal!.reason);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    let settled;
    try {
      settled = await Promise.all(
        refs.map((ref) =>
          Promise.race([this.#lookup(ref), aborted]).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, ref, error }),
          ),
        ),
      );
    } finally {
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
    options.signal?.throwIfAborted();
    const results: ContentMetrics[] = [];
    const errors: MetricsError[] = [];
    for (const s of settled) {
      if (s.ok) results.push(s.value);
      else
        errors.push({
          platform: s.ref.platform,
          content_id: s.ref.content_id,
          code: errorCode(s.error),
          message: s.error instanceof Error ? s.error.message : String(s.error),
          retryable: s.error instanceof ServiceError ? s.error.retryable : true,
        });
    }
    return { results, errors };
  }

  async close(): Promise<void> {
    await Promise.all([this.youtubeBatches.drain(), this.instagramBatches.drain()]);
  }

  async #lookup(ref: ContentRef): Promise<ContentMetrics> {
    const answers = this.#answers;
    if (!answers) return this.#fetch(ref);
    await answers.ready();
    const kept = answers.get(KEY(ref));
    if (kept !== undefined) return kept;
    const answer = this.#fetch(ref);
    answer.then((m) => answers.set(KEY(ref), m), () => undefined);
    return answer;
  }

  #fetch(ref: ContentRef): Promise<ContentMetrics> {
    if (ref.platform === 'youtube/video') {
      if (!this.#youtube) return Promise.reject(unavailable('youtube', 'youtube.api_key'));
      return this.#load(this.youtubeBatches, 'youtube', ref);
    }
    if (!this.#apify) return Promise.reject(unavailable('instagram', 'apify.api_key'));
    return this.#load(this.instagramBatches, 'instagram', ref);
  }

  #load(batches: RequestCoalescer<ContentRef, ContentMetrics>, platform: string, ref: ContentRef): Promise<ContentMetrics> {
    const before = batches.coalesced;
    const result = batches.load(ref);
    this.#metrics?.trackerLookupsTotal?.inc({ platform, result: batches.coalesced > before ? 'coalesced' : 'batched' });
    return result;
  }

  async #youtubeBatch(refs: ContentRef[]): Promise<Map<string, ContentMetrics | Error>> {
    const youtube = this.#youtube!;
    const found = await youtube.lookupVideos(refs.map((r) => r.content_id));
    const videos = [...found.values()].filter((v): v is YouTubeVideo => !(v instanceof Error));
    const channelIds = [...new Set(videos.map((v) => v.snippet.channelId))];
    // A channel the API does not answer usably has an unknown follower count: 0, as a hidden one.
    const channels = channelIds.length > 0 ? await youtube.channels(channelIds) : [];
    const subscribers = new Map(channels.map((c) => [c.id, count(c.statistics.subscriberCount)]));
    const fetchedAt = new Date(this.#now()).toISOString();
    const out = new Map<string, ContentMetrics | Error>();
    for (const ref of refs) {
      const v = found.get(ref.content_id);
      if (!v) {
        out.set(KEY(ref), notFound(ref, 'no such public video'));
        continue;
      }
      if (v instanceof Error) {
        out.set(KEY(ref), v);
        continue;
      }
      out.set(KEY(ref), {
        platform: 'youtube/video',
        content_id: ref.content_id,
        caption: v.snippet.description,
        view_count: v.statistics.viewCount === undefined ? 0 : exactCount(v.statistics.viewCount),
        like_count: count(v.statistics.likeCount),
        comment_count: count(v.statistics.commentCount),
        owner_username: v.snippet.channelId,
        owner_follower_count: subscribers.get(v.snippet.channelId) ?? 0,
        published_at: new Date(v.snippet.publishedAt).toISOString(),
        video_url: null,
        fetched_at: fetchedAt,
      });
    }
    this.#logger?.debug({ ids: refs.length, channels: channelIds.length }, 'youtube batch');
    return out;
  }

  async #instagramBatch(refs: ContentRef[]): Promise<Map<string, ContentMetrics | Error>> {
    const apify = this.#apify!;
    const directUrls = refs.map(this.#original ? originalInstagramUrl : instagramUrl);
    const input = this.#original ? { ...ORIGINAL_POST_INPUT, directUrls } : { directUrls, resultsType: 'details', resultsLimit: 1, addParentData: false };
    const run = await apify.runActor(this.#postActor, input, directUrls.length);
    // Per shortCode: the item, or the raw item the original's model refuses with the reason.
    const posts = new Map<string, InstagramPostItem | { raw: Record<string, unknown>; error: z.ZodError }>();
    const failures = new Map<string, string>();
    const ambiguous = new Set<string>();
    for (const raw of run.items) {
      const post = instagramPostItemSchema.safeParse(raw);
      if (post.success) {
        // One post answered twice with different values: neither copy can be trusted.
        const seen = posts.get(post.data.shortCode);
        if (seen !== undefined && !isDeepStrictEqual(seen, post.data)) ambiguous.add(post.data.shortCode);
        posts.set(post.data.shortCode, post.data);
        continue;
      }
      const failed = scraperErrorItemSchema.safeParse(raw);
      const code = failed.success ? SHORTCODE.exec(failed.data.inputUrl ?? failed.data.url ?? '')?.[1] : undefined;
      if (failed.success && code) failures.set(code, failed.data.errorDescription ?? failed.data.error);
      else if (!failed.success && isRecord(raw) && typeof raw['shortCode'] === 'string' && raw['shortCode'] !== '') posts.set(raw['shortCode'], { raw, error: post.error });
      else this.#logger?.warn({ issues: post.error.issues.slice(0, 3) }, 'instagram item with an unexpected shape skipped');
    }
    // As the original: no profile run for an empty owner name (its count is 0).
    const usernames = [...new Set([...posts.values()].flatMap((p) => ('ownerUsername' in p && p.ownerUsername !== '' ? [p.ownerUsername] : [])))];
    let followers = new Map<string, number>();
    // Username → the account its profile item named (the profile scraper reads by username).
    let profileIds = new Map<string, string>();
    let followerError: Error | undefined;
    let refusedFollowers = new Map<string, string>();
    if (usernames.length > 0 && this.#original) {
      ({ counts: followers, refused: refusedFollowers, failure: followerError } = await originalFollowerCounts(apify, usernames));
    } else if (usernames.length > 0) {
      ({ counts: followers, ids: profileIds, failure: followerError } = await profileFollowerCounts(apify, this.#profileActor, usernames));
    }
    const fetchedAt = new Date(this.#now()).toISOString();
    const out = new Map<string, ContentMetrics | Error>();
    const noFollowers = new Set<string>();
    const renamed = new Set<string>();
    for (const ref of refs) {
      const p = posts.get(ref.content_id);
      if (!p) {
        out.set(KEY(ref), notFound(ref, failures.get(ref.content_id) ?? 'not in the scraper output'));
        continue;
      }
      if (ambiguous.has(ref.content_id)) {
        out.set(
          KEY(ref),
          new ServiceError('platform_tracker', `${ref.platform} ${ref.content_id}: the scraper answered the post more than once with different values`, {
            code: 'ERR_INSTAGRAM_AMBIGUOUS',
            retryable: true,
          }),
        );
        continue;
      }
      if ('error' in p) {
        out.set(KEY(ref), refusal(ref, p.raw, p.error));
        continue;
      }
      const unreadable = refusedFollowers.get(p.ownerUsername);
      if (unreadable !== undefined) {
        out.set(KEY(ref), new ServiceError('platform_tracker', `${ref.platform} ${ref.content_id}: the follower actor gave a value the original refuses: ${unreadable}`, { code: 'ERR_CONTENT_INVALID', retryable: false }));
        continue;
      }
      // As the original: a follower count that could not be read is 0 and the interval is still
      // recorded. Engagement and growth read only counts above 0, so a 0 moves no rate. A profile
      // of another account than the post's owner (the username changed hands between the two
      // runs) is not this owner's count either.
      const profileId = profileIds.get(p.ownerUsername);
      const otherAccount = p.ownerId !== undefined && profileId !== undefined && profileId !== p.ownerId;
      const owners = otherAccount ? 0 : (followers.get(p.ownerUsername) ?? 0);
      if (otherAccount) renamed.add(p.ownerUsername);
      else if (!followers.has(p.ownerUsername)) noFollowers.add(p.ownerUsername);
      out.set(KEY(ref), {
        platform: ref.platform as Platform,
        content_id: ref.content_id,
        caption: p.caption,
        view_count: p.videoPlayCount,
        // Hidden like counts arrive as -1 and count as -1, as in the original's sums.
        like_count: p.likesCount,
        comment_count: p.commentsCount,
        owner_username: p.ownerUsername,
        ...(p.ownerId === undefined ? {} : { owner_id: p.ownerId }),
        owner_follower_count: owners,
        published_at: p.timestamp,
        video_url: p.videoUrl || null,
        fetched_at: fetchedAt,
      });
    }
    if (noFollowers.size > 0) {
      this.#logger?.warn({ owners: [...noFollowers].slice(0, 10), count: noFollowers.size, err: followerError }, 'instagram follower counts unavailable; recorded as 0');
    }
    if (renamed.size > 0) {
      this.#logger?.warn({ owners: [...renamed].slice(0, 10), count: renamed.size }, 'instagram profile is of another account than the post owner (username changed hands); follower count recorded as 0');
    }
    return out;
  }
}

function unavailable(platform: string, key: string): ServiceError {
  return new ServiceError('platform_tracker', `${platform} is not configured (set ${key})`, {
    code: 'ERR_PLATFORM_UNAVAILABLE',
    retryable: false,
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An item the original's InstagramPostMetadata refuses (reference §6.3): there the tracker answers
 * 500 and no interval is recorded, so the content's chain does not move; recording it with
 * made-up values would reset or bend a chain the network leaves alone. A field that is absent or
 * null (image and carousel posts have no play counts or duration; a post may have no caption) is
 * ERR_CONTENT_INCOMPLETE; a value the model cannot read is ERR_CONTENT_INVALID.
 */
function refusal(ref: ContentRef, raw: Record<string, unknown>, error: z.ZodError): ServiceError {
  const fields = [...new Set(error.issues.map((i) => String(i.path[0] ?? '')))];
  const missing = fields.filter((f) => raw[f] == null);
  const what = `${ref.platform} ${ref.content_id}`;
  if (missing.length > 0) {
    const why = missing.includes('videoPlayCount') ? ' (an image or carousel post has no play counts)' : '';
    return new ServiceError('platform_tracker', `${what}: the scraper gave no ${missing.join(', ')}${why}`, { code: 'ERR_CONTENT_INCOMPLETE', retryable: false });
  }
  const detail = error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; ');
  return new ServiceError('platform_tracker', `${what}: the scraper gave a value the original refuses: ${detail}`, { code: 'ERR_CONTENT_INVALID', retryable: false });
}
