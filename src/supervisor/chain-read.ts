import pRetry from 'p-retry';
import { filter, firstValueFrom, fromEvent, takeUntil, timeout, type Observable } from 'rxjs';
import { ChainDisconnectedError, ChainTimeoutError } from '../errors.js';
import { failureFields, type Logger } from '../log.js';

/**
 * A cycle-start chain read that outlives a dropped socket: wait for the reconnect and read
 * again, a few times. Without it the first cycle after a drop would run with no commitments
 * (there is nothing earlier to fall back on) and every miner would lose that interval.
 */
export function readThroughReconnects<T>(
  read: () => Promise<T>,
  context: { readonly chain: { readonly connected$?: Observable<boolean> }; readonly signal: AbortSignal; readonly logger: Logger },
): Promise<T> {
  const { chain, logger } = context;
  return pRetry(read, {
    retries: 3,
    minTimeout: 100,
    maxTimeout: 2_000,
    signal: context.signal,
    shouldRetry: ({ error }) => error instanceof ChainDisconnectedError || error instanceof ChainTimeoutError,
    onFailedAttempt: async ({ error, attemptNumber }) => {
      logger.warn({ ...failureFields(error), attemptNumber }, 'chain read failed; waiting for the connection');
      if (!chain.connected$ || context.signal.aborted) return;
      // A shutdown ends the wait at once (p-retry then rejects with its reason), not after 30 s.
      await firstValueFrom(
        chain.connected$.pipe(
          filter((up) => up),
          timeout({ first: 30_000 }),
          takeUntil(fromEvent(context.signal, 'abort')),
        ),
        { defaultValue: false },
      ).catch(() => undefined);
    },
  });
}
