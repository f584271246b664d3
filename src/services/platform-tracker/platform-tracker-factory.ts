import type { Config } from '../../config/load-config.js';
import type { Logger } from '../../log.js';
import { ApifyClient } from './apify-client.js';
import type { ContentMetrics } from '../types.js';
import { PlatformTracker, type TrackerMetrics } from './platform-tracker.js';
import { YouTubeClient } from './youtube-client.js';

/** Where the upstream APIs are when they are not the configured ones (the loopback stand-ins). */
export interface PlatformTrackerUpstreams {
  readonly youtubeBaseUrl: string;
  readonly apifyBaseUrl: string;
}

export interface PlatformTrackerParts {
  readonly tracker: PlatformTracker;
  readonly youtube: YouTubeClient | undefined;
  readonly apify: ApifyClient | undefined;
  /** Closes the HTTP clients (after the tracker has drained its batches). */
  closeClients(): Promise<void>;
}

/** Placeholder credential sent to the stand-ins, which accept any key; real services never see it. */
export const STANDIN_KEY = 'embedded-standin';

/**
 * The platform tracker from config (youtube.*, apify.*): a client per platform that has a key,
 * or, with `upstreams`, clients pointed at those stand-ins with the placeholder key.
 */
export function buildPlatformTracker(
  config: Config,
  options: {
    readonly upstreams?: PlatformTrackerUpstreams | undefined;
    readonly logger?: Logger | undefined;
    readonly metrics?: TrackerMetrics | undefined;
    /** The clock of the original's one-hour answer cache (`compat: original`): the cycles' clock. */
    readonly cacheClock?: (() => number) | undefined;
    /** `compat: original`: the answers fetched within the hour before this start (PlatformTrackerOptions). */
    readonly keptAnswers?: (() => Promise<readonly ContentMetrics[]>) | undefined;
  } = {},
): PlatformTrackerParts {
  const { upstreams, logger, metrics, cacheClock, keptAnswers } = options;
  const youtubeKey = upstreams ? STANDIN_KEY : config.youtube.api_key;
  const apifyKey = upstreams ? STANDIN_KEY : config.apify.api_key;
  const youtube = youtubeKey
    ? new YouTubeClient({ apiKey: youtubeKey, baseUrl: upstreams?.youtubeBaseUrl ?? config.youtube.base_url, dailyQuotaUnits: config.youtube.daily_quota_units, metrics })
    : undefined;
  const apify = apifyKey
    ? new ApifyClient({ token: apifyKey, baseUrl: upstreams?.apifyBaseUrl ?? config.apify.base_url, syncLimitSeconds: config.apify.sync_limit_s, metrics })
    : undefined;
  const tracker = new PlatformTracker({
    ...(youtube ? { youtube } : {}),
    ...(apify ? { apify } : {}),
    instagramPostActor: config.apify.post_actor,
    instagramProfileActor: config.apify.profile_actor,
    original: config.compat === 'original',
    logger,
    metrics,
    ...(cacheClock ? { cacheClock } : {}),
    ...(keptAnswers ? { keptAnswers } : {}),
  });
  return {
    tracker,
    youtube,
    apify,
    closeClients: async () => {
      await Promise.allSettled([youtube?.close(), apify?.close()]);
    },
  };
}
