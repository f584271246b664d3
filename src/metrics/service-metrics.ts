import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { packageVersion } from './operator-metrics.js';

/**
 * Instruments of calls to external services, shared by the validator's registry and by the
 * standalone services (`serve platform-tracker`, `serve ai-detector`), which export only these
 * and their own: a service process has no chain, weights or cycles, so it must not export
 * validator gauges whose zero values would read as a disconnected validator.
 */

export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What a measured HTTP call to an external service records. */
export interface ExternalCallMetrics {
  readonly externalRequestsTotal: Counter<'service' | 'status'>;
  readonly externalRequestDuration: Histogram<'service'>;
}

/** Calls plus the daily quota and spend of metered APIs (YouTube, Apify, SightEngine). */
export interface MeteredServiceMetrics extends ExternalCallMetrics {
  readonly externalQuotaUnitsUsed: Gauge<'service'>;
  readonly externalQuotaUnitsLimit: Gauge<'service'>;
  readonly externalCostDollarsTotal: Counter<'service'>;
}

/** What a `/metrics` endpoint serves. */
export interface ExposedMetrics {
  readonly registry: Registry;
  expose(): Promise<string>;
}

/** One definition for the validator's registry and the stand-alone detector's. */
export function defineAiDetections(registry: Registry): Counter<'result'> {
  return new Counter({
    name: 'infinitevibe_ai_detections_total',
    help: 'AI-detection lookups by result (cache_hit, scored, error).',
    labelNames: ['result'],
    registers: [registry],
  });
}

export function defineExternalMetrics(registry: Registry): MeteredServiceMetrics {
  const registers = [registry];
  return {
    externalRequestsTotal: new Counter({
      name: 'infinitevibe_external_requests_total',
      help: 'Calls to external services (gist, youtube, apify, sightengine, platform_tracker, ai_detector) by HTTP status class or error.',
      labelNames: ['service', 'status'],
      registers,
    }),
    externalRequestDuration: new Histogram({
      name: 'infinitevibe_external_request_duration_seconds',
      help: 'Latency of calls to external services.',
      labelNames: ['service'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    externalQuotaUnitsUsed: new Gauge({
      name: 'infinitevibe_external_quota_units_used',
      help: 'Quota units used today per service (YouTube Data API units, SightEngine operations).',
      labelNames: ['service'],
      registers,
    }),
    externalQuotaUnitsLimit: new Gauge({
      name: 'infinitevibe_external_quota_units_limit',
      help: 'Daily quota units allowed per service.',
      labelNames: ['service'],
      registers,
    }),
    externalCostDollarsTotal: new Counter({
      name: 'infinitevibe_external_cost_dollars_total',
      help: 'Estimated spend on metered services (Apify runs) in US dollars.',
      labelNames: ['service'],
      registers,
    }),
  };
}

/**
 * The registry of a standalone service process: external calls, quota and spend, AI detections
 * (detector), requests served and lookups coalesced into shared batches (tracker), build info.
 */
export class ServiceMetrics implements MeteredServiceMetrics, ExposedMetrics {
  readonly registry: Registry;
  readonly externalRequestsTotal: Counter<'service' | 'status'>;
  readonly externalRequestDuration: Histogram<'service'>;
  readonly externalQuotaUnitsUsed: Gauge<'service'>;
  readonly externalQuotaUnitsLimit: Gauge<'service'>;
  readonly externalCostDollarsTotal: Counter<'service'>;
  readonly aiDetectionsTotal: Counter<'result'>;
  readonly requestsServedTotal: Counter<'service' | 'route' | 'status'>;
  readonly trackerLookupsTotal: Counter<'platform' | 'result'>;
  readonly buildInfo: Gauge<'version' | 'node' | 'service'>;

  constructor(options: { service: 'platform_tracker' | 'ai_detector'; registry?: Registry; defaultMetrics?: boolean }) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const external = defineExternalMetrics(registry);
    this.externalRequestsTotal = external.externalRequestsTotal;
    this.externalRequestDuration = external.externalRequestDuration;
    this.externalQuotaUnitsUsed = external.externalQuotaUnitsUsed;
    this.externalQuotaUnitsLimit = external.externalQuotaUnitsLimit;
    this.externalCostDollarsTotal = external.externalCostDollarsTotal;
    this.aiDetectionsTotal = defineAiDetections(registry);
    this.requestsServedTotal = new Counter({
      name: 'infinitevibe_service_requests_total',
      help: 'HTTP requests a service answered, by service, route and status class.',
      labelNames: ['service', 'route', 'status'],
      registers,
    });
    this.trackerLookupsTotal = new Counter({
      name: 'infinitevibe_platform_tracker_lookups_total',
      help: 'Content lookups by platform and result: coalesced (served by a batch already pending, the tracker cache hit) or batched (sent upstream).',
      labelNames: ['platform', 'result'],
      registers,
    });
    this.buildInfo = new Gauge({
      name: 'infinitevibe_service_build_info',
      help: 'Always 1: the service, its version and the Node.js version.',
      labelNames: ['version', 'node', 'service'],
      registers,
    });
    this.buildInfo.set({ version: packageVersion(), node: process.version, service: options.service }, 1);
  }

  async expose(): Promise<string> {
    return this.registry.metrics();
  }
}
