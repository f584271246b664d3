import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';

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

/**
 * An HTTP server whose slow or stalled clients are answered 408 and dropped within the limits.
 * A handler that throws, or whose promise rejects, costs its own request (a bare 500, or the
 * connection when the answer has begun) and is reported to `onError`, never the process: a throw
 * out of a request listener is an uncaught exception.
 */
export function createLimitedServer(handler: RequestListener, limits: ServerLimits = {}, onError: (error: unknown) => void = () => undefined): Server {
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
    (req, res) => {
      const failed = (error: unknown): void => {
        try {
          onError(error);
        } catch {
          // A reporter that fails must not end the process either.
        }
        answerInternalError(res);
      };
      try {
        const result: unknown = handler(req, res);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    },
  );
  server.maxConnections = positive('maxConnections', limits.maxConnections ?? DEFAULT_SERVER_LIMITS.maxConnections);
  return server;
}

/** A 500 that says nothing of the failure (its message may name files or hosts), or a dropped connection. */
function answerInternalError(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = '{"error":"internal_error"}';
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}
