import { setTimeout as delay } from 'node:timers/promises';
import { abortable as abortableWork } from '../util/abortable.js';
import pRetry from 'p-retry';
import { FormatError, ServiceError } from '../errors.js';
import type { Dependency } from '../services/dependency-gate.js';
import { retryAfterWait } from '../services/http/retry-after.js';
import type { MinerActorDeps } from './types.js';

/**
 * p-retry options for one miner's calls: backoff with jitter, stopped by the actor's signal. A
 * service that answered 429/503 with Retry-After (the error's `retryAfterMs`, capped at
 * RETRY_AFTER_MAX_MS) is left alone that long instead: asking again sooner only earns another
 * refusal, and costs every miner's calls their retries. The wait ends with the signal.
 */
export function retryOptions(deps: Pick<MinerActorDeps, 'retry'>, signal: AbortSignal) {
  const { retries, minTimeoutMs, maxTimeoutMs } = deps.retry;
  return {
    retries,
    minTimeout: minTimeoutMs,
    maxTimeout: maxTimeoutMs,
    randomize: true,
    signal,
    onFailedAttempt: async ({ error, retriesLeft }: { error: unknown; retriesLeft: number }) => {
      if (retriesLeft <= 0 || signal.aborted || !isRetryable(error)) return;
      // p-retry's own backoff follows, at least minTimeoutMs: together they make the asked wait.
      const wait = retryAfterWait(error) - minTimeoutMs;
      if (wait <= 0) return;
      await delay(wait, undefined, { signal }).catch((cause: unknown) => {
        throw signal.aborted ? signal.reason : cause;
      });
    },
    shouldRetry: ({ error }: { error: unknown }) => !signal.aborted && isRetryable(error),
  };
}

/** A call to one dependency, queued behind its concurrency bound and retried when transient. */
export function withRetry<T>(
  deps: Pick<MinerActorDeps, 'retry' | 'limiter'>,
  dep: Dependency,
  work: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  return pRetry(() => deps.limiter.run(dep, () => work(signal), { signal }), retryOptions(deps, signal));
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof ServiceError) return error.retryable;
  if (error instanceof FormatError) return false;
  if (error && typeof error === 'object' && 'retryable' in error && typeof error.retryable === 'boolean') return error.retryable;
  return true;
}

/** The pool cannot cancel a queued task, but an actor must not outlive its signal. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return abortableWork(
    promise.catch((error: unknown) => {
      throw error instanceof Error ? error : new Error(String(error));
    }),
    signal,
  );
}
