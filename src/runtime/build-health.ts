import { networkLabel } from '../config/network-label.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { version } from '../util/version.js';
import type { BuildContext } from './build-context.js';
import { healthProbe, type HealthSources } from './health-report.js';

/**
 * The health probe over the running parts and, unless turned off, the HTTP server that serves it
 * with /metrics. The probe is registered for closing before the server, so the server stops first.
 */
export async function buildHealth(
  ctx: BuildContext,
  parts: Omit<HealthSources, 'version' | 'network' | 'netuid'>,
  routes?: (path: string) => { status: number; body: unknown } | undefined,
): Promise<MetricsServer | undefined> {
  const { config, options, logger, metrics, closers } = ctx;
  const health = healthProbe({
    version: version(),
    network: networkLabel(config.subtensor),
    netuid: config.netuid,
    ...parts,
  });
  closers.push({ name: 'health probe', close: async () => health.close() });
  if (!(options.metricsServer ?? true)) return undefined;
  const metricsServer = await MetricsServer.start({
    metrics,
    host: config.metrics.host,
    port: config.metrics.port,
    logger,
    health: health.report,
    ...(routes ? { routes } : {}),
  });
  closers.push({ name: 'metrics server', close: () => metricsServer.close() });
  return metricsServer;
}
