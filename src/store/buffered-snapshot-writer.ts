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
  /** Most snapshots combined into one bulk write from concurrent `write` calls (default 10 000). */
  readonly maxGroup?: number;
}

interface GroupMember {
  readonly batch: readonly MetricSnapshot[];
  resolve(result: BufferedWriteResult): void;
  reject(error: unknown): void;
}

export type BufferedWriteResult = UpsertSummary & { readonly buffered: number };

/**
 * Each member's share of a combined write, from the positions the store reports as inserted; a
 * store that does not report them gets its inserts counted against the earliest members.
 */
export function splitSummary(summary: UpsertSummary, sizes: readonly number[]): UpsertSummary[] {
  const upserted = summary.upserted ? [...summary.upserted].sort((a, b) => a - b) : undefined;
  let left = summary.inserted;
  let offset = 0;
  let u = 0;
  return sizes.map((size) => {
    const end = offset + size;
    let inserted = 0;
    if (upserted) {
      while (u < upserted.length && upserted[u]! < end) {
        inserted++;
        u++;
      }
    } else {
      inserted = Math.min(size, left);
      left -= inserted;
    }
    offset = end;
    return { inserted, matched: size - inserted };
  });
}

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
  #maxGroup: number;
  /** Writes of this event-loop turn, stored together by one bulk write on the next. */
  #group: GroupMember[] | null = null;
  #groupSize = 0;
  /** Combined writes sent and not yet answered: a shutdown spools them too (see `held`). */
  readonly #inFlight = new Set<GroupMember[]>();

  constructor(store: Pick<Store, 'snapshots'>, options: BufferedSnapshotWriterOptions = {}) {
    if (!store || typeof store.snapshots?.upsertMany !== 'function') throw new TypeError('store must provide snapshots.upsertMany');
    this.#store = store;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#minDelay = positiveInt('minRetryDelayMs', options.minRetryDelayMs ?? 250);
    this.#maxDelay = positiveInt('maxRetryDelayMs', options.maxRetryDelayMs ?? 10_000);
    if (this.#maxDelay < this.#minDelay) throw new RangeError(`maxRetryDelayMs (${this.#maxDelay}) must be >= minRetryDelayMs (${this.#minDelay})`);
    this.#maxPending = positiveInt('maxPending', options.maxPending ?? 1_000_000);
    this.#maxGroup = positiveInt('maxGroup', options.maxGroup ?? 10_000);
  }

  /** Snapshots held in memory, waiting for the store. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Every held snapshot, in the order they will be written, after those of writes sent and not
   * yet answered: what a shutdown spools. A store that hangs may never apply those; a replay of
   * one it did apply is matched by its key, not stored twice.
   */
  get held(): MetricSnapshot[] {
    const sent = [...this.#inFlight].flatMap((group) => group.flatMap((m) => m.batch));
    return [...sent, ...this.#queue.flat()];
  }

  /** The held snapshots of these hotkeys, in the order they will be written (see held-histories.ts). */
  heldFor(hotkeys: ReadonlySet<string>): Map<string, MetricSnapshot[]> {
    const out = new Map<string, MetricSnapshot[]>();
    for (const batch of this.#queue) {
      for (const snapshot of batch) {
        if (!hotkeys.has(snapshot.hotkey)) continue;
        const list = out.get(snapshot.hotkey);
        if (list) list.push(snapshot);
        else out.set(snapshot.hotkey, [snapshot]);
      }
    }
    return out;
  }

  /**
   * Stores the batch now, or buffers it when the store is unreachable (`buffered` > 0) or when
   * older batches are still waiting (so that order is kept). Invalid snapshots throw TypeError;
   * other store errors are thrown as they are. Batches written in the same event-loop turn (one
   * per miner, from many actors at once) go to the store as one bulk write: one round trip and
   * one command to encode instead of one per miner.
   */
  async write(batch: readonly MetricSnapshot[]): Promise<BufferedWriteResult> {
    if (this.#closed) throw new StoreError('snapshot writer is closed', 'ERR_STORE_CLOSED');
    if (!Array.isArray(batch)) throw new TypeError('snapshots must be an array');
    if (batch.length === 0) return { inserted: 0, matched: 0, buffered: 0 };
    // The store checks what it writes; only a batch held back for later is checked here, so a
    // bad one is refused now and not after an outage.
    if (this.#queue.length === 0) return this.#join(batch);
    checkSnapshots(batch);
    this.#enqueue(batch);
    return { inserted: 0, matched: 0, buffered: batch.length };
  }

  #join(batch: readonly MetricSnapshot[]): Promise<BufferedWriteResult> {
    return new Promise((resolve, reject) => {
      if (!this.#group) {
        const group: GroupMember[] = (this.#group = []);
        this.#groupSize = 0;
        setImmediate(() => this.#writeGroup(group));
      }
      this.#group.push({ batch, resolve, reject });
      this.#groupSize += batch.length;
      if (this.#groupSize >= this.#maxGroup) this.#group = null;
    });
  }

  async #writeGroup(group: GroupMember[]): Promise<void> {
    if (this.#group === group) this.#group = null;
    let summary: UpsertSummary;
    this.#inFlight.add(group);
    try {
      summary = await this.#store.snapshots.upsertMany(group.length === 1 ? group[0]!.batch : group.flatMap((m) => m.batch));
    } catch (error) {
      this.#inFlight.delete(group);
      if (error instanceof StoreUnavailableError) {
        this.#logger?.warn({ err: error, snapshots: group.reduce((n, m) => n + m.batch.length, 0) }, 'store unreachable: buffering snapshots');
        for (const m of group) {
          try {
            checkSnapshots(m.batch);
            this.#enqueue(m.batch);
            m.resolve({ inserted: 0, matched: 0, buffered: m.batch.length });
          } catch (full) {
            m.reject(full);
          }
        }
        return;
      }
      if (group.length === 1) return group[0]!.reject(error);
      // One miner's bad batch must not fail the others: write each on its own (upserts are
      // idempotent, so what the combined write already stored is matched, not doubled).
      await Promise.all(group.map((m) => this.#writeGroup([m])));
      return;
    }
    this.#inFlight.delete(group);
    if (group.length === 1) return group[0]!.resolve({ inserted: summary.inserted, matched: summary.matched, buffered: 0 });
    splitSummary(summary, group.map((m) => m.batch.length)).forEach((part, i) => group[i]!.resolve({ ...part, buffered: 0 }));
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
    this.#metrics?.setPendingWrites('snapshots', this.#pending);
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
      this.#metrics?.setPendingWrites('snapshots', this.#pending);
    }
  }
}
