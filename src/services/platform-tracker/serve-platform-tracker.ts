import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../../config/load-config.js';
import { startServiceStandins, type ServiceStandins } from '../../devnet/http/service-standins.js';
import { buildScenario } from '../../devnet/scenario.js';
import { ConfigError } from '../../errors.js';
import type { ExposedMetrics, ServiceMetrics } from '../../metrics/service-metrics.js';
import type { TrackerMetrics } from './platform-tracker.js';
import { ApifyClient } from './apify-client.js';
import { PlatformTracker } from './platform-tracker.js';
import { createPlatformTrackerServer } from './platform-tracker-server.js';
import { YouTubeClient } from './youtube-client.js';

export interface PlatformTrackerServiceOptions {
  readonly port?: number;
  readonly host?: string;
  readonly logger?: Logger;
  /** The tracker's own registry (`serve platform-tracker` passes a ServiceMetrics), served on /metrics. */
  readonly metrics?: TrackerMetrics & ExposedMetrics & Partial<Pick<ServiceMetrics, 'requestsServedTotal'>>;
  /** Scenario size for `services: embedded` (the stand-ins serve its videos). */
  readonly miners?: number;
  readonly seed?: number;
}

export interface RunningPlatformTrackerService {
  readonly url: string;
  readonly server: Server;
  readonly tracker: PlatformTracker;
  /** The stand-ins behind it in embedded mode. */
  readonly standins?: ServiceStandins;
  close(): Promise<void>;
}

/**
 * Builds the tracker from config (youtube.*, apify.*) and serves it over HTTP. With
 * `services: embedded` the upstream APIs are loopback stand-ins and no keys are needed.
 */
export async function startPlatformTrackerService(config: Config, options: PlatformTrackerServiceOptions = {}): Promise<RunningPlatformTrackerService> {
  let standins: ServiceStandins | undefined;
  let youtubeKey = config.youtube.api_key;
  let apifyKey = config.apify.api_key;
  let youtubeBase = config.youtube.base_url;
  let apifyBase = config.apify.base_url;
  if (config.services === 'embedded') {
    const scenario = await buildScenario({ miners: options.miners ?? 64, netuid: config.netuid, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    standins = await startServiceStandins({ scenario });
    youtubeKey = 'embedded';
    apifyKey = 'embedded';
    youtubeBase = standins.youtubeBaseUrl;
    apifyBase = standins.apifyBaseUrl;
  } else if (!youtubeKey && !apifyKey) {
    throw new ConfigError('the platform tracker needs youtube.api_key (YOUTUBE_API_KEY) and/or apify.api_key (APIFY_API_KEY), or --services embedded', 'youtube.api_key');
  }
  const youtube = youtubeKey
    ? new YouTubeClient({ apiKey: youtubeKey, baseUrl: youtubeBase, dailyQuotaUnits: config.youtube.daily_quota_units, metrics: options.metrics })
    : undefined;
  const apify = apifyKey
    ? new ApifyClient({ token: apifyKey, baseUrl: apifyBase, syncLimitSeconds: Math.min(300, config.apify.sync_limit_s), metrics: options.metrics })
    : undefined;
  const tracker = new PlatformTracker({
    youtube,
    apify,
    instagramPostActor: config.apify.post_actor,
    instagramProfileActor: config.apify.profile_actor,
    logger: options.logger,
    metrics: options.metrics,
  });
  const server = createPlatformTrackerServer(tracker, { logger: options.logger, metrics: options.metrics });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.platform_tracker.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await Promise.all([youtube?.close(), apify?.close(), standins?.close()]);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    tracker,
    ...(standins ? { standins } : {}),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await tracker.close();
      await Promise.all([youtube?.close(), apify?.close()]);
      await standins?.close();
    },
  };
}
