import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ExposedMetrics, ServiceMetrics } from '../../metrics/service-metrics.js';
import { HttpError, WEB_PAGE_REFUSAL, createLimitedServer, fromWebPage, readJsonBody, sendJson, type ServerLimits } from '../http/index.js';
import type { MetricsProvider } from '../types.js';
import { describeIssues, fromRequest, metricsRequestSchema, toWire } from './wire-format.js';
import { positiveInt } from '../../util/option-checks.js';
import { requestTarget } from '../../util/request-target.js';

export interface PlatformTrackerServerOptions {
  readonly logger?: Logger;
  /** Served on `GET /metrics`; requests are counted by route and status when it has the counter. */
  readonly metrics?: ExposedMetrics & Partial<Pick<ServiceMetrics, 'requestsServedTotal'>>;
  /** Items accepted in one batch request. */
  readonly maxBatchItems?: number;
  /** What `GET /platforms` lists (default: both platforms). */
  readonly platforms?: Record<string, { supported_content_types: string[] }>;
  /** Slow-client timeouts and the connection cap (DEFAULT_SERVER_LIMITS). */
  readonly limits?: ServerLimits;
}

/**
 * Request body allowed per batch item. An item is about 130 bytes of JSON; parsing costs the
 * service's only thread, about a second for 4 MiB of empty objects, so the cap follows the item
 * cap instead of a fixed 4 MiB.
 */
const BYTES_PER_ITEM = 1024;

const DEFAULT_PLATFORMS = { youtube: { supported_content_types: ['video'] }, instagram: { supported_content_types: ['post', 'reel'] } };

/** The original's status for an item error: not found is the caller's problem, the rest upstream's. */
function statusOf(code: string): number {
  if (code === 'ERR_CONTENT_NOT_FOUND') return 404;
  if (code === 'ERR_PLATFORM_UNAVAILABLE') return 501;
  return 502;
}

/**
 * The platform tracker over HTTP, request/response compatible with the original service (SPEC
 * §5): `POST /get_metrics`, our `POST /get_metrics/batch`, `GET /platforms`, `GET /health`.
 * Bad bodies get 400 with the reason; errors are `{detail, code, retryable}`.
 */
export function createPlatformTrackerServer(tracker: MetricsProvider, options: PlatformTrackerServerOptions = {}): Server {
  const maxBatch = options.maxBatchItems ?? 500;
  positiveInt('maxBatchItems', maxBatch);
  const platforms = options.platforms ?? (tracker as { supportedPlatforms?: () => Record<string, { supported_content_types: string[] }> }).supportedPlatforms?.() ?? DEFAULT_PLATFORMS;
  const logger = options.logger;
  const metrics = options.metrics;
  const batchSchema = z.object({ items: z.array(z.unknown(), { error: 'items must be an array' }).max(maxBatch, `at most ${maxBatch} items per batch`) });

  async function single(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = metricsRequestSchema.safeParse(await readJsonBody(req));
    if (!parsed.success) throw new HttpError(400, 'ERR_BAD_REQUEST', describeIssues(parsed.error));
    const ref = fromRequest(parsed.data);
    const { results, errors } = await tracker.getMetrics([ref]);
    const result = results[0];
    if (result) return sendJson(res, 200, toWire(result));
    const error = errors[0];
    const code = error?.code ?? 'ERR_UNKNOWN';
    sendJson(res, statusOf(code), { detail: `Failed to get metadata: ${error?.message ?? 'no result'}`, code, retryable: error?.retryable ?? true });
  }

  async function batch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = batchSchema.safeParse(await readJsonBody(req, maxBatch * BYTES_PER_ITEM));
    if (!body.success) throw new HttpError(400, 'ERR_BAD_REQUEST', describeIssues(body.error));
    const refs = body.data.items.map((item, i) => {
      const parsed = metricsRequestSchema.safeParse(item);
      if (!parsed.success) throw new HttpError(400, 'ERR_BAD_REQUEST', describeIssues(parsed.error, `items[${i}].`));
      return fromRequest(parsed.data);
    });
    const { results, errors } = await tracker.getMetrics(refs);
    sendJson(res, 200, { results: results.map(toWire), errors });
  }

  const routes: Record<string, Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void>> = {
    '/get_metrics': { POST: single },
    '/get_metrics/batch': { POST: batch },
    '/platforms': { GET: (_req, res) => sendJson(res, 200, { supported_platforms: platforms }) },
    '/health': {
      GET: (_req, res) => sendJson(res, 200, { status: 'healthy', supported_platforms: Object.keys(platforms), redis_connected: false }),
    },
  };
  if (metrics) {
    routes['/metrics'] = {
      GET: async (_req, res) => {
        const body = await metrics.expose();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
    };
  }

  return createLimitedServer(
    (req, res) => {
      const target = requestTarget(req);
      const path = target === undefined ? undefined : withoutTrailingSlashes(target.pathname);
      const route = path === undefined ? undefined : routes[path];
      // Route labels come from the fixed route table, never from the request path.
      res.once('finish', () =>
        metrics?.requestsServedTotal?.inc({ service: 'platform_tracker', route: route && path ? path : 'other', status: `${Math.floor(res.statusCode / 100)}xx` }),
      );
      if (fromWebPage(req)) return sendJson(res, WEB_PAGE_REFUSAL.status, { detail: WEB_PAGE_REFUSAL.message, code: WEB_PAGE_REFUSAL.code });
      if (path === undefined) return sendJson(res, 400, { detail: 'the request target is not a path', code: 'ERR_BAD_REQUEST' });
      if (!route) return sendJson(res, 404, { detail: 'Not Found', code: 'ERR_NOT_FOUND' });
      const handler = route[req.method ?? 'GET'];
      if (!handler) return sendJson(res, 405, { detail: 'Method Not Allowed', code: 'ERR_METHOD_NOT_ALLOWED' }, { allow: Object.keys(route).join(', ') });
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((error: unknown) => {
          if (error instanceof HttpError) {
            sendJson(res, error.status, { detail: error.message, code: error.code });
            return;
          }
          logger?.error({ err: error, path }, 'platform tracker request failed');
          // The log has the error; its message may name files or hosts, so the client gets none of it.
          if (!res.headersSent) sendJson(res, 500, { detail: 'Failed to get metadata: internal error', code: 'ERR_INTERNAL' });
        });
    },
    options.limits,
    (error) => logger?.error({ err: error }, 'platform tracker request handler threw'),
  );
}

/**
 * `/platforms/` routes as `/platforms`. A loop, not `/\/+$/`: that regex retries from every slash
 * of an inner run, so a request path of 15,000 slashes cost a third of a second per request.
 */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end--;
  return end === path.length ? path : path.slice(0, end);
}
