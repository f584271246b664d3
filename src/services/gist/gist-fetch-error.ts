import { ServiceError } from '../../errors.js';

/** Why a gist could not be read; the same words label metrics.gistFetchesTotal. Add a reason here. */
export const GIST_FAILURE_REASONS = Object.freeze(['not_found', 'timeout', 'too_large', 'not_utf8', 'http_error', 'network_error', 'redirect_refused'] as const);
export type GistFailureReason = (typeof GIST_FAILURE_REASONS)[number];

/** A gist that could not be fetched, with a reason from a fixed set (code `ERR_GIST_<REASON>`). */
export class GistFetchError extends ServiceError {
  readonly reason: GistFailureReason;
  constructor(reason: GistFailureReason, message: string, opts: { status?: number; retryAfterMs?: number | undefined; cause?: unknown } = {}) {
    super('gist', message, {
      code: `ERR_GIST_${reason.toUpperCase()}`,
      status: opts.status,
      // A missing or oversized gist, or a refused redirect, stays so until the miner edits it; the rest may pass.
      retryable: reason === 'timeout' || reason === 'network_error' || (reason === 'http_error' && (opts.status === 429 || (opts.status ?? 0) >= 500)),
      ...(opts.retryAfterMs === undefined ? {} : { retryAfterMs: opts.retryAfterMs }),
      cause: opts.cause,
    });
    this.reason = reason;
  }
}
