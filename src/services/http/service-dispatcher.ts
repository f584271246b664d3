import { Agent, interceptors, type Dispatcher } from 'undici';
import { positiveInt } from '../../util/option-checks.js';
import { RETRY_AFTER_MAX_MS } from './retry-after.js';

export interface ServiceDispatcherOptions {
  /** Extra attempts after the first (0 disables retrying). */
  readonly retries?: number;
  /** First back-off delay when the server gives no Retry-After. */
  readonly minRetryDelayMs?: number;
  /** Upper bound for any single wait, Retry-After included. Default RETRY_AFTER_MAX_MS (30 s). */
  readonly maxRetryDelayMs?: number;
  /**
   * Methods that may be replayed. POST is absent by default because it is not idempotent in
   * general; clients whose POSTs are safe to repeat (metric lookups, actor runs that are cheap to
   * repeat) opt in explicitly.
   */
  readonly retryMethods?: readonly string[];
  readonly retryStatusCodes?: readonly number[];
  /** Sockets per origin. */
  readonly connections?: number;
  /** Dispatcher to build on instead of a fresh Agent (tests, shared pools). */
  readonly base?: Dispatcher;
}

const DEFAULT_STATUS_CODES = Object.freeze([429, 500, 502, 503, 504]);
const DEFAULT_METHODS = Object.freeze(['GET', 'HEAD']);

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/**
 * The one place that builds outbound HTTP plumbing for the services: an undici Agent with
 * keep-alive sockets and undici's own retry interceptor, which already honours Retry-After on 429
 * and 503 and backs off exponentially otherwise. `throwOnError: false` hands the caller the last
 * response when retries run out, so the caller can read the service's own error JSON.
 */
export function createServiceDispatcher(options: ServiceDispatcherOptions = {}): Dispatcher {
  const retries = nonNegativeInt('retries', options.retries, 3);
  const minTimeout = nonNegativeInt('minRetryDelayMs', options.minRetryDelayMs, 250);
  const maxTimeout = nonNegativeInt('maxRetryDelayMs', options.maxRetryDelayMs, RETRY_AFTER_MAX_MS);
  if (maxTimeout < minTimeout) {
    throw new RangeError(`maxRetryDelayMs (${maxTimeout}) must be at least minRetryDelayMs (${minTimeout})`);
  }
  const connections = options.connections ?? 32;
  positiveInt('connections', connections);
  const methods = (options.retryMethods ?? DEFAULT_METHODS).map((m) => {
    if (typeof m !== 'string' || !/^[A-Z]+$/.test(m)) throw new TypeError(`retryMethods entries must be upper-case HTTP methods, got ${String(m)}`);
    return m;
  });
  const base = options.base ?? new Agent({ connections, keepAliveTimeout: 10_000 });
  if (retries === 0) return base;
  return base.compose(
    interceptors.retry({
      maxRetries: retries,
      minTimeout,
      maxTimeout,
      timeoutFactor: 2,
      retryAfter: true,
      throwOnError: false,
      methods: methods as Dispatcher.HttpMethod[],
      statusCodes: [...(options.retryStatusCodes ?? DEFAULT_STATUS_CODES)],
    }),
  );
}
