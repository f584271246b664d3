import pRetry from 'p-retry';
import { StoreError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { checkSnapshots } from './snapshot-schema.js';
import type { MetricSnapshot, Store, UpsertSummary } from './types.js';
import { positiveInt } from '../util/option-checks.js';

export interface BufferedSnapshotWriterOptions {
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** First delay between flush attempts while the store is down (doubles up to the maximum). */
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Upper bound of snapshots held in memory; beyond it `write` refuses with ERR_STORE_BUFFER_FULL. */
  readonly maxPending?: number;
}

export type BufferedWriteResult = UpsertSummary & { readonly buffered: number };


/**
 * Writes snapshots through the store, and while the store is unreachable holds them in memory
 * and flushes them in arrival order once it is back (exponential backoff via p-retry). Because
 * snapshot upserts are idempotent, a batch whose write reached the server before the connection
 * dropped is simply matched on the retry: nothing is lost and nothing is doubled.
 */
export class BufferedSnapshotWriter {
  #store: Pick<Store, 'snapshots'>;
  #logger: Logger | undefined;
  #metrics: ValidatorMetrics | undefined;
  #minDelay: number;
  #maxDelay: number;
  #maxPending: number;
  #queue: Array<readonly MetricSnapshot[]> = [];
  #pending = 0;
  #draining: Promise<void> | null = null;
  #abort = new AbortController();
  #closed = false;

  constructor(store: Pick<Store, 'snapshots'>, options: BufferedSnapshotWriterOptions = {}) {
    if (!store || typeof store.snapshots?.upsertMany !== 'function') throw new TypeError('store must provide snapshots.upsertMany');
    this.#store = store;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#minDelay = positiveInt('minRetryDelayMs', options.minRetryDelayMs ?? 250);
    this.#maxDelay = positiveInt('maxRetryDelayMs', options.maxRetryDelayMs ?? 10_000);
    if (this.#maxDelay < this.#minDelay) throw new RangeError(`maxRetryDelayMs (${this.#maxDelay}) must be >= minRetryDelayMs (${this.#minDelay})`);
    this.#maxPending = positiveInt('maxPending', options.maxPending ?? 1_000_000);
  }

  /** Snapshots held in memory, waiting for the store. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Stores the batch now, or buffers it when the store is unreachable (`buffered` > 0) or when
   * older batches are still waiting (so that order is kept). Invalid snapshots throw TypeError;
   * other store errors are thrown as they are.
   */
  async write(batch: readonly MetricSnapshot[]): Promise<BufferedWriteResult> {
    if (this.#closed) throw new StoreError('snapshot writer is closed', 'ERR_STORE_CLOSED');
    checkSnapshots(batch);
    if (batch.length === 0) return { inserted: 0, matched: 0, buffered: 0 };
    if (this.#queue.length === 0) {
      try {
        const summary = await this.#store.snapshots.upsertMany(batch);
        return { ...summary, buffered: 0 };
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        this.#logger?.warn({ err: error, snapshots: batch.length }, 'store unreachable: buffering snapshots');
      }
    }
    this.#enqueue(batch);
    return { inserted: 0, matched: 0, buffered: batch.length };
  }

  /** Resolves when every buffered snapshot is stored (waits for the store to come back). */
  async flush(signal?: AbortSignal): Promise<void> {
    while (this.#draining) {
      if (!signal) {
        await this.#draining;
        continue;
      }
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason as Error);
        signal.addEventListener('abort', onAbort, { once: true });
        void this.#draining!.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  /** Stops retrying. Snapshots still buffered are reported in the log (and stay in `pending`). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new StoreError('snapshot writer closed', 'ERR_STORE_CLOSED'));
    await this.#draining;
    if (this.#pending > 0) this.#logger?.error({ pending: this.#pending }, 'snapshot writer closed with snapshots still buffered');
  }

  #enqueue(batch: readonly MetricSnapshot[]): void {
    if (this.#pending + batch.length > this.#maxPending) {
      throw new StoreError(`snapshot buffer full: ${this.#pending} pending + ${batch.length} > maxPending ${this.#maxPending}`, 'ERR_STORE_BUFFER_FULL');
    }
    this.#queue.push(batch);
    this.#pending += batch.length;
    this.#metrics?.storePendingWrites.set(this.#pending);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = null;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue[0]!;
      try {
        const summary = await pRetry(() => this.#store.snapshots.upsertMany(batch), {
          retries: Number.POSITIVE_INFINITY,
          factor: 2,
          minTimeout: this.#minDelay,
          maxTimeout: this.#maxDelay,
          randomize: true,
          signal: this.#abort.signal,
          // Only an outage is worth waiting out; anything else would fail the same way forever.
          shouldRetry: ({ error }) => error instanceof StoreUnavailableError,
          onFailedAttempt: ({ error, attemptNumber }) => {
            this.#metrics?.storeOperationsTotal.inc({ operation: 'snapshots.flush', result: 'retried' });
            this.#logger?.debug({ err: error, attemptNumber, pending: this.#pending }, 'buffered snapshots not flushed yet');
          },
        });
        this.#metrics?.snapshotsWrittenTotal.inc(summary.inserted);
        this.#logger?.info({ inserted: summary.inserted, matched: summary.matched, remaining: this.#pending - batch.length }, 'buffered snapshots flushed');
      } catch (error) {
        if (this.#closed) return;
        // Not an outage: this batch cannot be stored. Drop it loudly rather than block the rest.
        this.#metrics?.storeOperationsTotal.inc({ operation: 'snapshots.flush', result: 'error' });
        this.#logger?.error({ err: error, dropped: batch.length }, 'buffered snapshots refused by the store');
      }
      this.#queue.shift();
      this.#pending -= batch.length;
      this.#metrics?.storePendingWrites.set(this.#pending);
    }
  }
}
