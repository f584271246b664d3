import type { Config } from '../config/load-config.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS } from '../devnet/http/sightengine-standin.js';
import type { ServiceStandins } from '../devnet/http/service-standins.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { cacheWhileReachable, createAiDetector, toAiResultCache, type AiResultCache } from '../services/ai-detector/index.js';
import { GistFetcher } from '../services/gist/index.js';
import { HttpPlatformTrackerClient, buildPlatformTracker } from '../services/platform-tracker/index.js';
import type { AiDetector, MetricsProvider } from '../services/types.js';
import type { Store } from '../store/types.js';
import { keptAnswers } from './kept-answers.js';

export interface ValidatorServices {
  readonly mode: Config['services'];
  readonly gists: GistFetcher;
  readonly metricsProvider: MetricsProvider;
  readonly aiDetector: AiDetector;
  close(): Promise<void>;
}

export interface ServiceWiring {
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
  /** The store's AI results, or any cache the detector accepts; passed over while `reachable` is false. */
  readonly store: {
    readonly aiResults: Store['aiResults'] | AiResultCache;
    /** Under compat original, the snapshots of the last hour: the answers the original's tracker would still keep after a restart. */
    readonly snapshots?: Pick<Store['snapshots'], 'fetchedSince'>;
    readonly reachable?: boolean | null;
    ping?(): Promise<void>;
  };
  /** Required for `embedded`: the stand-ins the in-process services talk to. */
  readonly standins?: ServiceStandins;
  /**
   * Embedded only: more private hosts videos may come from besides the stand-ins' video host
   * (the miner toolkit's uploads go to an R2 stand-in of its own).
   */
  readonly privateVideoHosts?: readonly string[];
  /** The validator's clock (simulated on the stand-ins): AI result lifetimes follow it. */
  readonly now?: () => Date;
}

/**
 * The validator's three external dependencies for `config.services`:
 * - `embedded`: in-process PlatformTracker and AI detector pointed at the stand-ins;
 * - `inprocess`: the same clients against the real YouTube / Apify / SightEngine APIs (keys);
 * - `http`: the remote platform-tracker and ai-detector services (`serve ...`).
 * Gists always come straight from the gist host.
 */
export function createServices(config: Config, wiring: ServiceWiring): ValidatorServices {
  const { logger, metrics, store } = wiring;
  const mode = config.services;
  if (mode === 'embedded' && !wiring.standins) {
    throw new ConfigError('--services embedded needs the in-process stand-ins, which were not started', '--services');
  }
  const standins = mode === 'embedded' ? wiring.standins! : undefined;
  const gists = new GistFetcher({
    baseUrl: standins?.gistBaseUrl ?? config.gist.base_url,
    timeoutMs: config.gist.timeout_ms,
    maxBytes: config.gist.max_bytes,
    concurrency: config.gist.concurrency,
    // The original asks the gist host and its tracker once a cycle; a failure there is the
    // miner's loss for that cycle.
    retries: config.compat === 'original' ? 0 : 2,
    metrics,
  });

  let metricsProvider: MetricsProvider;
  const clients: Array<{ close(): Promise<void> }> = [];
  if (mode === 'http') {
    metricsProvider = new HttpPlatformTrackerClient({ baseUrl: config.platform_tracker.url, retries: config.compat === 'original' ? 0 : 3, metrics });
  } else {
    const now = wiring.now;
    const trackerLogger = logger.child({ component: 'platform-tracker' });
    const snapshots = config.compat === 'original' ? store.snapshots : undefined;
    const parts = buildPlatformTracker(config, {
      upstreams: standins,
      logger: trackerLogger,
      metrics,
      ...(now ? { cacheClock: () => now().getTime() } : {}),
      ...(snapshots ? { keptAnswers: () => keptAnswers(snapshots, now ?? (() => new Date()), trackerLogger, config.submission_update_interval) } : {}),
    });
    clients.push({ close: parts.closeClients });
    metricsProvider = parts.tracker;
  }

  const detectorLogger = logger.child({ component: 'ai-detector' });
  const cache = cacheWhileReachable(toAiResultCache(store.aiResults), () => store.reachable, {
    onChange: (skipping) =>
      skipping
        ? detectorLogger.warn({ code: 'ERR_STORE_UNAVAILABLE' }, 'store unreachable: AI result cache passed over until it answers (videos scored without it, results not kept)')
        : detectorLogger.info('store reachable: AI result cache in use again'),
    probe: () => (store.ping ? store.ping() : Promise.resolve()),
  });
  const aiDetector = createAiDetector(config, {
    logger: detectorLogger,
    metrics,
    cache,
    ...(wiring.now ? { now: wiring.now } : {}),
    ...(standins?.sightengineBaseUrl ? { sightengineBaseUrl: standins.sightengineBaseUrl } : {}),
    // Embedded, the SightEngine stand-in's credentials stand in for missing keys.
    ...(config.services === 'embedded' ? { sightengineCredentials: SIGHTENGINE_STANDIN_CREDENTIALS } : {}),
    // The stand-ins' video host lives on loopback; it is the one private host allowed, so a
    // miner's URL naming any other local service is still refused.
    ...(standins ? { allowPrivate: [...(standins.videoBaseUrl ? [standins.videoBaseUrl] : []), ...(wiring.privateVideoHosts ?? [])] } : {}),
  });

  return {
    mode,
    gists,
    metricsProvider,
    aiDetector,
    close: async () => {
      // The tracker drains its batches first; then its HTTP clients can go.
      await Promise.allSettled([gists.close(), metricsProvider.close?.(), aiDetector.close?.()]);
      await Promise.allSettled(clients.map((c) => c.close()));
    },
  };
}
