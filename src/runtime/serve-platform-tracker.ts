import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import { startServiceStandins, type ServiceStandins } from '../devnet/http/service-standins.js';
import { buildScenario } from '../devnet/scenario.js';
import { ConfigError } from '../errors.js';
import type { ExposedMetrics, ServiceMetrics } from '../metrics/service-metrics.js';
import { buildPlatformTracker } from '../services/platform-tracker/platform-tracker-factory.js';
import { createPlatformTrackerServer } from '../services/platform-tracker/platform-tracker-server.js';
import type { PlatformTracker, TrackerMetrics } from '../services/platform-tracker/platform-tracker.js';
import { listen } from '../util/listen.js';

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
  if (config.services === 'embedded') {
    const scenario = await buildScenario({ miners: options.miners ?? 64, netuid: config.netuid, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    standins = await startServiceStandins({ scenario });
  } else if (!config.youtube.api_key && !config.apify.api_key) {
    throw new ConfigError('the platform tracker needs youtube.api_key (YOUTUBE_API_KEY) and/or apify.api_key (APIFY_API_KEY), or --services embedded', 'youtube.api_key');
  }
  const { tracker, closeClients } = buildPlatformTracker(config, { upstreams: standins, logger: options.logger, metrics: options.metrics });
  const server = createPlatformTrackerServer(tracker, { logger: options.logger, metrics: options.metrics });
  const host = options.host ?? '127.0.0.1';
  try {
    await listen(server, options.port ?? config.platform_tracker.port, host);
  } catch (error) {
    await Promise.all([closeClients(), standins?.close()]);
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
      await closeClients();
      await standins?.close();
    },
  };
}
