import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createLimitedServer, type ServerLimits } from '../../util/server-limits.js';
import type { Logger } from 'pino';
import { componentLogger, silentLogger } from '../../log.js';
import type { ExposedMetrics, MeteredServiceMetrics, ServiceMetrics } from '../../metrics/service-metrics.js';

/** The validator's registry or a standalone detector's. */
export type AiDetectorMetrics = MeteredServiceMetrics & ExposedMetrics & Pick<ServiceMetrics, 'aiDetectionsTotal'> & Partial<Pick<ServiceMetrics, 'requestsServedTotal'>>;
import type { AiDetector } from '../types.js';
import { DETECT_BATCH_PATH } from './detect-batch-wire.js';
import { serveDetectBatch } from './detect-batch-handler.js';
import { describeFailure, errorBody } from './detection-failure.js';

export type { AiDetectorErrorBody } from './detection-failure.js';
import { positiveInt } from '../../util/option-checks.js';
import { requestTarget } from '../../util/request-target.js';
import { WEB_PAGE_REFUSAL, fromWebPage } from '../http/json-server.js';

export interface AiDetectorServerOptions {
  readonly logger?: Logger;
  readonly metrics?: AiDetectorMetrics;
  /** Videos accepted in one `POST /detect/batch`. Default 256. */
  readonly maxBatchItems?: number;
  /** Videos of one batch detected at once. Default 16. */
  readonly batchConcurrency?: number;
  /** Slow-client timeouts and the connection cap (DEFAULT_SERVER_LIMITS). */
  readonly limits?: ServerLimits;
}

/**
 * The detector's HTTP API (SPEC §6), compatible with the original's `POST /detect?url=`:
 * 200 `{mean_ai_generated, per_frame, cached}`; 422 for a request we will not serve (no URL, an
 * unsafe URL); 502 when the video or SightEngine failed (the caller retries later); `GET /health`;
 * `GET /metrics` (Prometheus text) when metrics are given.
 * The caller must percent-encode the URL (the original's client concatenated it raw, so a video
 * URL with `&` lost its tail).
 */
export function createAiDetectorServer(detector: AiDetector, options: AiDetectorServerOptions = {}): Server {
  if (!detector || typeof detector.detect !== 'function')
    throw new TypeError('detector must implement detect(url)');
  const logger = componentLogger(options.logger ?? silentLogger(), 'ai-detector-server');
  const metrics = options.metrics;
  const batch = {
    maxItems: positiveInt('maxBatchItems', options.maxBatchItems ?? 256),
    concurrency: positiveInt('batchConcurrency', options.batchConcurrency ?? 16),
  };

  return createLimitedServer(
    (req, res) => {
      const url = requestTarget(req);
      const route = url && ROUTES.includes(url.pathname) ? url.pathname : 'other';
      res.once('finish', () => {
        metrics?.requestsServedTotal?.inc({ service: 'ai_detector', route, status: `${Math.floor(res.statusCode / 100)}xx` });
      });
      if (fromWebPage(req)) return send(res, WEB_PAGE_REFUSAL.status, errorBody(WEB_PAGE_REFUSAL.code, WEB_PAGE_REFUSAL.message, false));
      if (url === undefined) return send(res, 400, errorBody('ERR_BAD_REQUEST', 'the request target is not a path', false));
      handle(req, res, url).catch((error: unknown) => {
        logger.error({ err: error }, 'unhandled error in the AI detector server');
        if (!res.headersSent) send(res, 500, errorBody('ERR_INTERNAL', 'internal error', true));
        else res.destroy();
      });
    },
    options.limits,
    (error) => logger.error({ err: error }, 'AI detector request handler threw'),
  );

  function count(result: 'cache_hit' | 'scored' | 'error'): void {
    metrics?.aiDetectionsTotal.inc({ result });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
      return send(res, 200, { status: 'ok' });
    }
    if (url.pathname === '/metrics' && metrics) {
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      const text = await metrics.expose();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === DETECT_BATCH_PATH) {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      return serveDetectBatch(req, res, { detector, ...batch, onResult: count, logger });
    }
    if (url.pathname !== '/detect')
      return send(res, 404, errorBody('ERR_NOT_FOUND', `no route ${url.pathname}`, false));
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    req.resume();

    const target = url.searchParams.get('url');
    if (target === null || target.trim() === '') {
      return send(
        res,
        422,
        errorBody('ERR_MISSING_URL', 'query parameter url is required (percent-encoded)', false),
      );
    }

    // A client that hangs up should not keep a download and ten SightEngine calls running for it.
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });

    try {
      const result = await detector.detect(target, { signal: controller.signal });
      count(result.cached ? 'cache_hit' : 'scored');
      send(res, 200, {
        mean_ai_generated: result.mean_ai_generated,
        per_frame: result.per_frame,
        cached: result.cached,
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      count('error');
      const { status, body } = describeFailure(error);
      (status >= 500 ? logger.warn.bind(logger) : logger.info.bind(logger))(
        { code: body.error.code, err: error },
        'detection failed',
      );
      send(res, status, body);
    }
  }
}

const ROUTES: readonly string[] = ['/health', '/metrics', '/detect', DETECT_BATCH_PATH];

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  send(res, 405, errorBody('ERR_METHOD_NOT_ALLOWED', `use ${allow}`, false));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
