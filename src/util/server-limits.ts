import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * How long a client may take to send a request, and how many connections a server holds. Node's
 * defaults (60 s for the headers, 300 s for the whole request, no connection cap) let a client
 * that drips its request a byte at a time hold sockets for minutes; our requests are small JSON
 * bodies or none, sent from the same host or LAN.
 */
export interface ServerLimits {
  readonly headersTimeoutMs?: number;
  /** Until the whole request has arrived; an answer streamed after that is not limited. */
  readonly requestTimeoutMs?: number;
  readonly maxConnections?: number;
}

export const DEFAULT_SERVER_LIMITS = Object.freeze({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 1024 });

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`limits.${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** An HTTP server whose slow or stalled clients are answered 408 and dropped within the limits. */
export function createLimitedServer(handler: RequestListener, limits: ServerLimits = {}): Server {
  const headersTimeout = positive('headersTimeoutMs', limits.headersTimeoutMs ?? DEFAULT_SERVER_LIMITS.headersTimeoutMs);
  const requestTimeout = positive('requestTimeoutMs', limits.requestTimeoutMs ?? DEFAULT_SERVER_LIMITS.requestTimeoutMs);
  if (headersTimeout > requestTimeout) throw new RangeError(`limits.headersTimeoutMs (${headersTimeout}) must not exceed limits.requestTimeoutMs (${requestTimeout})`);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      // Node looks for expired requests on this period (30 s by default), so it bounds how late
      // a limit is enforced.
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 2))),
      keepAliveTimeout: 5_000,
    },
    handler,
  );
  server.maxConnections = positive('maxConnections', limits.maxConnections ?? DEFAULT_SERVER_LIMITS.maxConnections);
  return server;
}
