import { RETRY_AFTER_MAX_MS } from '../../config/defaults.js';

export { RETRY_AFTER_MAX_MS };

const DELTA_SECONDS = /^\s*(\d{1,10})\s*$/;

/**
 * A Retry-After header (RFC 9110 §10.2.3) in milliseconds from `now`: delta-seconds or an
 * HTTP-date; a date already past is 0. undefined when absent or unreadable (`1e3`, `-5`, `soon`),
 * so the caller's own backoff applies.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const seconds = DELTA_SECONDS.exec(text);
  if (seconds) return Number(seconds[1]) * 1000;
  // An HTTP-date (any of its three forms) names a day or month and a time of day; a number
  // Date.parse would also take (`1e3`, `-5`) is not one.
  if (!/[A-Za-z]{3}/.test(text) || !/\d{1,2}:\d{2}:\d{2}/.test(text)) return undefined;
  // HTTP-dates are GMT; the asctime form does not say so, and Date.parse would read it as local time.
  const at = Date.parse(/\b(GMT|UTC)\b|[+-]\d{4}\b/.test(text) ? text : `${text} GMT`);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * The Retry-After of an overload answer (429 or 503, the statuses the header is defined for),
 * undefined for any other status or without the header.
 */
export function retryAfterOf(status: number, headers: Record<string, string | string[] | undefined>): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  return parseRetryAfter(headers['retry-after']);
}

/** The wait an error asks for before the next attempt (its `retryAfterMs`), capped; 0 when none. */
export function retryAfterWait(error: unknown, cap: number = RETRY_AFTER_MAX_MS): number {
  if (error === null || typeof error !== 'object' || !('retryAfterMs' in error)) return 0;
  const ms = error.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.min(ms, cap) : 0;
}
