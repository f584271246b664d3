import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FaultInjector,
  SimulatedClock,
  StandinStats,
  countsAt,
  sendJson,
  sleep,
  type FaultOptions,
  type StandinContent,
} from './standin-server.js';

/**
 * A stand-in for the YouTube Data API v3 `videos.list` and `channels.list` methods: same paths,
 * parameters, JSON shapes (counts as strings, as Google sends them) and error bodies, including
 * `quotaExceeded`. Quota costs 1 unit per list call whatever the id count, an invalid one too, as
 * documented.
 */

export interface YouTubeStandinOptions extends FaultOptions {
  readonly contents: readonly StandinContent[];
  readonly clock: SimulatedClock;
  readonly epochMs?: number;
  /** Accepted keys; any non-empty key when omitted. */
  readonly apiKeys?: readonly string[];
  /** Units per day before 403 quotaExceeded; unlimited when omitted. */
  readonly dailyQuotaUnits?: number;
  /** Videos whose owner hides the like count: their statistics carry no likeCount. */
  readonly hiddenLikes?: readonly string[];
  /** Videos with comments turned off: their statistics carry no commentCount. */
  readonly commentsDisabled?: readonly string[];
  /**
   * 'rounded' (default) reports subscriberCount as Google does (publicSubscriberCount);
   * 'exact' for replayed worlds whose follower counts already are what the platform reported.
   */
  readonly subscriberCounts?: 'rounded' | 'exact';
}

export interface YouTubeStandin {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly stats: StandinStats;
  readonly faults: FaultInjector;
  /** Units spent so far (the stand-in does not roll days over). */
  quotaUsed(): number;
  /** Channel id the stand-in gives an owner, for tests. */
  channelIdOf(owner: string): string;
}

interface GoogleErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

function googleError(res: ServerResponse, code: number, status: string, item: GoogleErrorItem, message = item.message): void {
  sendJson(res, code, { error: { code, message, errors: [item], status } });
}

/**
 * `channels.list` reports subscriberCount rounded down to three significant figures (as the
 * channels resource documents since 2019): 123,456 subscribers read as "123000".
 */
export function publicSubscriberCount(n: number): number {
  if (n < 1000) return n;
  const step = 10 ** (Math.floor(Math.log10(n)) - 2);
  return Math.floor(n / step) * step;
}

export function channelIdOf(owner: string): string {
  return 'UC' + createHash('sha256').update(owner).digest('base64url').slice(0, 22);
}

export function createYouTubeStandin(options: YouTubeStandinOptions): YouTubeStandin {
  const stats = new StandinStats();
  const faults = new FaultInjector(options);
  const clock = options.clock;
  const epochMs = options.epochMs ?? clock.now();
  const videos = new Map<string, StandinContent>();
  const channels = new Map<string, StandinContent[]>();
  for (const c of options.contents) {
    if (c.platform !== 'youtube/video') continue;
    videos.set(c.content_id, c);
    const id = channelIdOf(c.owner_username);
    channels.set(id, [...(channels.get(id) ?? []), c]);
  }
  const keys = options.apiKeys ? new Set(options.apiKeys) : undefined;
  const hiddenLikes = new Set(options.hiddenLikes ?? []);
  const commentsDisabled = new Set(options.commentsDisabled ?? []);
  let used = 0;

  function thumbnails(id: string) {
    const t = (name: string, width: number, height: number) => ({ url: `https://i.ytimg.com/vi/${id}/${name}.jpg`, width, height });
    return { default: t('default', 120, 90), medium: t('mqdefault', 320, 180), high: t('hqdefault', 480, 360) };
  }

  function videoResource(c: StandinContent) {
    const counts = countsAt(c, clock.now(), epochMs);
    return {
      kind: 'youtube#video',
      etag: createHash('sha1').update(`${c.content_id}:${counts.views}`).digest('base64url'),
      id: c.content_id,
      snippet: {
        // Google's timestamps are whole seconds: "2012-10-01T15:27:35Z".
        publishedAt: new Date(c.published_at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        channelId: channelIdOf(c.owner_username),
        title: c.caption.split('\n')[0]!.slice(0, 100),
        description: c.caption,
        thumbnails: thumbnails(c.content_id),
        channelTitle: c.owner_username,
        categoryId: '22',
        liveBroadcastContent: 'none',
        localized: { title: c.caption.split('\n')[0]!.slice(0, 100), description: c.caption },
      },
      // Google omits a hidden or disabled count rather than sending 0 or null.
      statistics: {
        viewCount: String(counts.views),
        ...(hiddenLikes.has(c.content_id) ? {} : { likeCount: String(counts.likes) }),
        favoriteCount: '0',
        ...(commentsDisabled.has(c.content_id) ? {} : { commentCount: String(counts.comments) }),
      },
    };
  }

  function channelResource(id: string, owned: StandinContent[]) {
    const followers = Math.max(...owned.map((c) => countsAt(c, clock.now(), epochMs).followers));
    const views = owned.reduce((sum, c) => sum + countsAt(c, clock.now(), epochMs).views, 0);
    return {
      kind: 'youtube#channel',
      etag: createHash('sha1').update(`${id}:${followers}`).digest('base64url'),
      id,
      statistics: {
        viewCount: String(views),
        subscriberCount: String(options.subscriberCounts === 'exact' ? followers : publicSubscriberCount(followers)),
        hiddenSubscriberCount: false,
        videoCount: String(owned.length),
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const route = url.pathname === '/youtube/v3/videos' ? 'videos.list' : url.pathname === '/youtube/v3/channels' ? 'channels.list' : 'other';
    const record = (status: number) => stats.record(route, { method: req.method ?? 'GET', path: url.pathname, status, at: Date.now() });
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next();
    if (fault) {
      record(fault.status);
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      if (fault.status === 403) {
        // Google's per-minute limits answer 403 in the usageLimits domain, not 429.
        sendJson(res, 403, { error: { code: 403, message: 'Rate Limit Exceeded', errors: [{ message: 'Rate Limit Exceeded', domain: 'usageLimits', reason: 'rateLimitExceeded' }], status: 'PERMISSION_DENIED' } }, headers);
      } else if (fault.status === 429) {
        sendJson(res, 429, { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', errors: [{ message: 'Resource has been exhausted (e.g. check quota).', domain: 'global', reason: 'rateLimitExceeded' }], status: 'RESOURCE_EXHAUSTED' } }, headers);
      } else {
        sendJson(res, fault.status, { error: { code: fault.status, message: 'Backend Error', errors: [{ message: 'Backend Error', domain: 'global', reason: 'backendError' }], status: 'UNAVAILABLE' } }, headers);
      }
      return;
    }
    if (route === 'other' || req.method !== 'GET') {
      record(404);
      res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' });
      res.end('<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins>');
      return;
    }
    const key = url.searchParams.get('key');
    if (!key) {
      record(403);
      return googleError(res, 403, 'PERMISSION_DENIED', {
        message:
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        domain: 'global',
        reason: 'forbidden',
      });
    }
    if (keys && !keys.has(key)) {
      record(400);
      return googleError(res, 400, 'INVALID_ARGUMENT', {
        message: 'API key not valid. Please pass a valid API key.',
        domain: 'global',
        reason: 'badRequest',
      });
    }
    if (options.dailyQuotaUnits !== undefined && used + 1 > options.dailyQuotaUnits) {
      record(403);
      return googleError(res, 403, 'PERMISSION_DENIED', {
        message: 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
        domain: 'youtube.quota',
        reason: 'quotaExceeded',
      });
    }
    // "All API requests, including invalid requests, incur a quota cost of at least one point."
    used += 1;
    const part = url.searchParams.get('part');
    if (!part) {
      record(400);
      return googleError(res, 400, 'INVALID_ARGUMENT', {
        message: 'Required parameter: part',
        domain: 'global',
        reason: 'required',
        location: 'part',
        locationType: 'parameter',
      });
    }
    const parts = part.split(',').map((p) => p.trim());
    const allowed = route === 'videos.list' ? ['snippet', 'statistics', 'id', 'contentDetails', 'status'] : ['statistics', 'snippet', 'id', 'contentDetails'];
    const unknown = parts.find((p) => !allowed.includes(p));
    if (unknown) {
      record(400);
      return googleError(res, 400, 'INVALID_ARGUMENT', {
        message: `'${unknown}'`,
        domain: 'youtube.part',
        reason: 'unknownPart',
        location: 'part',
        locationType: 'parameter',
      });
    }
    const ids = (url.searchParams.get('id') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length > 50) {
      record(400);
      return googleError(res, 400, 'INVALID_ARGUMENT', {
        message: 'The request specifies an invalid filter parameter.',
        domain: 'youtube.parameter',
        reason: 'invalidFilters',
        location: 'parameters.',
        locationType: 'other',
      });
    }
    const pick = <T extends Record<string, unknown>>(resource: T): Partial<T> => {
      const out: Record<string, unknown> = { kind: resource['kind'], etag: resource['etag'], id: resource['id'] };
      for (const p of parts) if (p in resource) out[p] = resource[p];
      return out as Partial<T>;
    };
    const items =
      route === 'videos.list'
        ? ids.flatMap((id) => {
            const c = videos.get(id);
            return c ? [pick(videoResource(c))] : [];
          })
        : ids.flatMap((id) => {
            const owned = channels.get(id);
            return owned ? [pick(channelResource(id, owned))] : [];
          });
    record(200);
    sendJson(res, 200, {
      kind: route === 'videos.list' ? 'youtube#videoListResponse' : 'youtube#channelListResponse',
      etag: createHash('sha1').update(JSON.stringify(items)).digest('base64url'),
      items,
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
    });
  }

  return {
    handler: (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 500, message: String(error), errors: [], status: 'INTERNAL' } });
      });
    },
    stats,
    faults,
    quotaUsed: () => used,
    channelIdOf,
  };
}
