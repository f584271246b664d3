import {
  ChainDisconnectedError,
  ChainModuleError,
  ChainTimeoutError,
  ChainTransactionRejectedError,
  StoreUnavailableError,
  errorCode,
} from '../errors.js';

/** What the committer does after a failed attempt. */
export type RetryAction =
  /** Wait until WeightsSetRateLimit blocks after LastUpdate, then try again. */
  | 'wait_rate_limit'
  /** Wait for the socket to come back, then try again. */
  | 'wait_reconnect'
  /** Try again in the next block (pool refusals, a mode switch between read and submit). */
  | 'wait_block'
  /** Retrying now cannot help (version key, permit, …): next interval. */
  | 'give_up'
  /** Anything else: a short pause, then try again. */
  | 'pause';

export interface RetryDecision {
  readonly action: RetryAction;
  /** The audit-trail result of the failed attempt. */
  readonly result: 'rate_limited' | 'error';
  /**
   * Whether the extrinsic may be in a block despite the error. A write-ahead commit stays
   * `pending` (reconciled with the chain later) when true and is marked `failed` when false.
   */
  readonly mayHaveLanded: boolean;
  readonly code: string;
}

const MODE_SWITCH_ERRORS: ReadonlySet<string> = new Set(['CommitRevealEnabled', 'CommitRevealDisabled']);

/**
 * The retry table, error class → action. Pure, so every row is tested on its own:
 *
 * | error                                     | action          | result       | may have landed |
 * |-------------------------------------------|-----------------|--------------|-----------------|
 * | module error, retry later (…TooFast, …)   | wait_rate_limit | rate_limited | no              |
 * | module error CommitReveal{En,Dis}abled    | wait_block      | error        | no              |
 * | any other module error                    | give_up         | error        | no              |
 * | pool rejection (1010…1014)                | wait_block      | error        | no              |
 * | disconnect / timeout                      | wait_reconnect  | error        | yes             |
 * | store unavailable (salt not persisted)    | pause           | error        | no              |
 * | anything else                             | pause           | error        | yes             |
 *
 * A module error means the extrinsic was included and failed at dispatch, so nothing was stored;
 * a pool rejection never reached a block. A dropped socket or a timeout can hide an inclusion.
 */
export function decideRetry(error: unknown): RetryDecision {
  const code = errorCode(error);
  if (error instanceof ChainModuleError) {
    if (error.retryLater) return { action: 'wait_rate_limit', result: 'rate_limited', mayHaveLanded: false, code };
    if (MODE_SWITCH_ERRORS.has(error.errorName)) return { action: 'wait_block', result: 'error', mayHaveLanded: false, code };
    return { action: 'give_up', result: 'error', mayHaveLanded: false, code };
  }
  if (error instanceof ChainTransactionRejectedError) return { action: 'wait_block', result: 'error', mayHaveLanded: false, code };
  if (error instanceof ChainDisconnectedError || error instanceof ChainTimeoutError) {
    return { action: 'wait_reconnect', result: 'error', mayHaveLanded: true, code };
  }
  if (error instanceof StoreUnavailableError) return { action: 'pause', result: 'error', mayHaveLanded: false, code };
  return { action: 'pause', result: 'error', mayHaveLanded: true, code };
}

/**
 * When the committer's loop looks again. Until the first cycle has scored: soon, not a whole
 * interval later. After a due commit whose attempts all failed on something that passes (a
 * flapping connection, a node answering errors, the store down): after a backoff from
 * retryDelayMs (doubling, at most a minute), since waiting an interval would skip the commit that
 * was due. Otherwise (success, refusals retrying cannot mend, low coverage): the interval.
 */
export function nextTickMs(s: { intervalMs: number; retryDelayMs: number; hasScores: boolean; transientFailures: number }): number {
  if (!s.hasScores) return Math.min(1_000, s.intervalMs);
  if (s.transientFailures === 0) return s.intervalMs;
  const base = Math.max(s.retryDelayMs, 100);
  return Math.min(s.intervalMs, 60_000, base * 2 ** Math.min(s.transientFailures - 1, 20));
}
