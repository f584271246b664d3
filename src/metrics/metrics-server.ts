import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { createLimitedServer, type ServerLimits } from '../util/server-limits.js';
import type { ValidatorMetrics } from './validator-metrics.js';

/** What `/health` reports; the runtime supplies it so the server stays ignorant of actors and chains. */
export interface HealthReport {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

export interface MetricsServerOptions {
  readonly metrics: ValidatorMetrics;
  readonly host?: string;
  readonly port?: number;
  readonly logger?: Logger;
  /** Called on every `GET /health`; a report with ok=false answers 503. */
  readonly health?: () => HealthReport | Promise<HealthReport>;
  /** Extra JSON routes (e.g. `/miners/<hotkey>`); undefined lets the request fall through to 404. */
  readonly routes?: (path: string) => { status: number; body: unknown } | undefined;
  /** Slow-client timeouts and the connection cap (DEFAULT_SERVER_LIMITS). */
  readonly limits?: ServerLimits;
  /**
   * Least time between two expositions of `/metrics` (default 1000 ms): a request sooner waits
   * for the next one, shared by every request waiting, so its answer is still as of its arrival.
   */
  readonly minExposeIntervalMs?: number;
}

/**
 * Prometheus scrape endpoint (`GET /metrics`) and liveness probe (`GET /health`) on node:http.
 * Kept separate from the services' HTTP servers so it can bind another interface.
 */
export class MetricsServer {
  readonly #server: Server;
  readonly #metrics: ValidatorMetrics;
  readonly #health: () => HealthReport | Promise<HealthReport>;
  readonly #logger: Logger | undefined;
  readonly #routes: MetricsServerOptions['routes'];
  readonly #minExposeIntervalMs: number;
  #nextExposition: Promise<string> | undefined;
  #lastExposedAt = Number.NEGATIVE_INFINITY;
  #url = '';

  private constructor(options: MetricsServerOptions) {
    this.#metrics = options.metrics;
    this.#health = options.health ?? (() => ({ ok: true }));
    this.#logger = options.logger;
    this.#routes = options.routes;
    this.#minExposeIntervalMs = options.minExposeIntervalMs ?? 1_000;
    // Scrapers keep connections alive; the limited server's 5 s keep-alive does not hold up shutdown.
    this.#server = createLimitedServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#logger?.error({ err: error }, 'metrics server request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    }, options.limits);
  }

  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (!options.metrics || typeof options.metrics.expose !== 'function') {
      throw new TypeError('options.metrics must be a ValidatorMetrics instance');
    }
    const port = options.port ?? 9108;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`options.port must be an integer from 0 to 65535, got ${String(port)}`);
    }
    if (options.minExposeIntervalMs !== undefined && !(Number.isInteger(options.minExposeIntervalMs) && options.minExposeIntervalMs >= 0)) {
      throw new RangeError(`options.minExposeIntervalMs must be an integer >= 0, got ${String(options.minExposeIntervalMs)}`);
    }
    const host = options.host ?? '0.0.0.0';
    const server = new MetricsServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(port, host, () => {
        server.#server.off('error', reject);
        resolve();
      });
    });
    const address = server.#server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    server.#url = `http://${shownHost}:${address.port}`;
    return server;
  }

  /** Base URL actually bound (the real port when 0 was asked). */
  get url(): string {
    return this.#url;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo | null)?.port ?? 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const body = await this.#exposition();
      res.writeHead(200, { 'content-type': this.#metrics.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/health') {
      const report = await this.#health();
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report, bigintSafe));
      return;
    }
    const routed = path === undefined ? undefined : this.#routes?.(path);
    if (routed) {
      res.writeHead(routed.status, { 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(routed.body, bigintSafe));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics or /health\n');
  }

  /**
   * The exposition costs milliseconds of the main thread per request at a thousand uids, and the
   * port is open to anyone who reaches it: asked back to back over one connection, it kept the
   * validator's main thread busy. Expositions are at least minExposeIntervalMs apart, each made
   * after every request it answers arrived.
   */
  #exposition(): Promise<string> {
    if (this.#nextExposition) return this.#nextExposition;
    const next = this.#exposeAfterGap(() => {
      if (this.#nextExposition === next) this.#nextExposition = undefined;
    });
    this.#nextExposition = next;
    return next;
  }

  async #exposeAfterGap(release: () => void): Promise<string> {
    const wait = this.#lastExposedAt + this.#minExposeIntervalMs - performance.now();
    // Awaited either way, so `release` runs once this exposition is the one requests join.
    await (wait > 0 ? delay(wait, undefined, { ref: false }) : Promise.resolve());
    // Requests from here on wait for the next exposition: this one may have begun before them.
    release();
    try {
      return await this.#metrics.expose();
    } finally {
      this.#lastExposedAt = performance.now();
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
