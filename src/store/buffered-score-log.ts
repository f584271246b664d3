import { ObjectId } from 'mongodb';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { ScoreRecord, Store } from './types.js';

export interface BufferedScoreLogOptions {
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** Cycles' records held at most while the store is down; the oldest are dropped past it. */
  readonly maxBatches?: number;
  /** First and longest wait before held records are tried again in the background. */
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

/**
 * The score history, written through a store outage: a cycle's records that find the store
 * unreachable are held, in order, and written once the store is back: tried again in the
 * background with a growing delay, and before the next cycle's (the store keeps one copy of a
 * record sent twice). Before, they were logged and lost, so the history had a gap for every
 * cycle of an outage. Only an unreachable store holds records: a refused batch is a bug to log,
 * and retrying it would not change the answer.
 */
export class BufferedScoreLog {
  readonly #scores: Pick<Store['scores'], 'record'>;
  readonly #logger: Logger;
  readonly #metrics: ValidatorMetrics | undefined;
  readonly #maxBatches: number;
  readonly #held: Array<readonly ScoreRecord[]> = [];
  #flushing: Promise<boolean> | null = null;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  #delayMs: number;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #drained: Array<() => void> = [];

  constructor(scores: Pick<Store['scores'], 'record'>, options: BufferedScoreLogOptions = {}) {
    if (!scores || typeof scores.record !== 'function') throw new TypeError('scores must have a record function');
    const maxBatches = options.maxBatches ?? 240;
    if (!Number.isInteger(maxBatches) || maxBatches < 1) throw new RangeError(`maxBatches must be a positive integer, got ${String(maxBatches)}`);
    this.#scores = scores;
    this.#logger = options.logger ?? silentLogger();
    this.#metrics = options.metrics;
    this.#maxBatches = maxBatches;
    this.#minDelayMs = options.minRetryDelayMs ?? 250;
    this.#maxDelayMs = options.maxRetryDelayMs ?? 5_000;
    if (!Number.isInteger(this.#minDelayMs) || this.#minDelayMs < 1 || !Number.isInteger(this.#maxDelayMs) || this.#maxDelayMs < this.#minDelayMs) {
      throw new RangeError(`retry delays must be integers with 1 <= minRetryDelayMs <= maxRetryDelayMs, got ${String(this.#minDelayMs)} and ${String(this.#maxDelayMs)}`);
    }
    this.#delayMs = this.#minDelayMs;
  }

  /** Stops the background retries; what is still held stays unwritten. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
  }

  /** Records held for the store. */
  get pending(): number {
    return this.#held.reduce((n, batch) => n + batch.length, 0);
  }

  /** Resolves once nothing is held (now, when nothing is): replayed spool files can go then. */
  whenDrained(): Promise<void> {
    if (this.#held.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Every held record, in the order they will be written (what a shutdown spools). */
  get held(): ScoreRecord[] {
    return this.#held.flat();
  }

  /** Writes this cycle's records after any held ones; never throws for an unreachable store. */
  async record(records: readonly ScoreRecord[]): Promise<void> {
    this.#hold(records);
    await this.flush();
  }

  /**
   * Holds records without waiting for the store (a spool replayed at start-up); they are written
   * in the background, or with the next cycle's.
   */
  hold(records: readonly ScoreRecord[]): void {
    this.#hold(records);
    void this.flush();
  }

  #hold(records: readonly ScoreRecord[]): void {
    // Each record gets its document id before its first write: a retry, or a replay of the spool
    // after a restart, then finds it stored (even when the first write's answer was lost) rather
    // than adding a second copy to the history.
    if (records.length > 0) this.#held.push(records.map((r) => (r._id === undefined ? { ...r, _id: new ObjectId().toHexString() } : r)));
    if (this.#held.length > this.#maxBatches) {
      const dropped = this.#held.splice(0, this.#held.length - this.#maxBatches);
      this.#logger.error({ cycles: dropped.length, records: dropped.reduce((n, b) => n + b.length, 0) }, 'score history held too long; oldest cycles dropped');
    }
    this.#gauge();
  }

  /** Writes what is held; true once nothing is. */
  flush(): Promise<boolean> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #drain(): Promise<boolean> {
    while (this.#held.length > 0) {
      try {
        await this.#scores.record(this.#held[0]!);
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          this.#logger.warn({ err: error, held: this.pending, retryInMs: this.#delayMs }, 'store unreachable; score history held');
          this.#scheduleRetry();
          return false;
        }
        this.#logger.error({ err: error, records: this.#held[0]!.length }, 'score history refused by the store; not stored');
      }
      this.#held.shift();
      this.#gauge();
    }
    this.#delayMs = this.#minDelayMs;
    for (const resolve of this.#drained.splice(0)) resolve();
    return true;
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry !== undefined) return;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#maxDelayMs, this.#delayMs * 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.flush();
    }, delay);
    // Held audit data must not keep a stopping process alive.
    this.#retry.unref();
  }

  #gauge(): void {
    this.#metrics?.setPendingWrites('scores', this.pending);
  }
}
