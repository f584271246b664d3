import type { WeightVector } from '../chain/types.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { CommitAttemptResult } from './committer-options.js';

/**
 * What the committer's attempts come to: the metrics they move, the last result, and the count of
 * due commits in a row that ran out of attempts on transient failures (which sets the backoff).
 */
export class CommitOutcomes {
  readonly #metrics: ValidatorMetrics;
  readonly #logger: Logger;
  /** Off when the chain client already counts the extrinsics it submits. */
  readonly #countAttempts: boolean;
  readonly #stop: AbortSignal;
  #lastResult: CommitAttemptResult | undefined;
  #lastSuccessAt: number | undefined;
  #transientFailures = 0;

  constructor(options: { metrics: ValidatorMetrics; logger: Logger; countAttempts: boolean; stop: AbortSignal }) {
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#countAttempts = options.countAttempts;
    this.#stop = options.stop;
  }

  get lastResult(): CommitAttemptResult | undefined {
    return this.#lastResult;
  }

  get lastSuccessAt(): number | undefined {
    return this.#lastSuccessAt;
  }

  /** Due commits in a row that ran out of attempts on transient failures (0: none). */
  get transientFailures(): number {
    return this.#transientFailures;
  }

  /** A due commit that threw instead of returning a result. */
  failedOutright(): void {
    this.#transientFailures++;
  }

  count(mode: 'set' | 'commit' | 'reveal', result: 'success' | 'rate_limited' | 'error'): void {
    if (this.#countAttempts) this.#metrics.weightCommitsTotal.inc({ mode, result });
  }

  succeeded(mode: 'set' | 'commit' | 'reveal', vector: WeightVector): void {
    const m = this.#metrics;
    this.#lastSuccessAt = Date.now();
    if (this.#countAttempts) {
      m.weightCommitsTotal.inc({ mode, result: 'success' });
      m.lastWeightCommitTimestamp.set(this.#lastSuccessAt / 1000);
      if (mode !== 'commit') m.weightsSetUids.set(vector.uids.length);
    }
    if (mode !== 'reveal') m.ops.recordCommittedWeights(vector.uids, vector.values);
    m.secondsSinceLastWeightCommit.set(0);
    this.#logger.info({ mode, uids: vector.uids, values: vector.values }, `weights ${mode === 'commit' ? 'committed' : mode === 'reveal' ? 'revealed' : 'set'} for ${vector.uids.length} uids`);
  }

  finish(result: CommitAttemptResult, transient = false): CommitAttemptResult {
    this.#lastResult = result;
    this.#transientFailures = transient && !this.#stop.aborted ? this.#transientFailures + 1 : 0;
    if (result.attempts > 0) this.#metrics.stageDuration.observe({ stage: 'weights' }, result.latencyMs / 1000);
    return result;
  }
}
