import { positiveInt } from '../../util/option-checks.js';

/**
 * Turns many single lookups that arrive within a short window into one batched call. Actors ask
 * for their own few videos; the coalescer hands the client one list per window (or per
 * `maxBatch` keys, whichever comes first). Identical keys share one lookup while it is waiting
 * for its window or in flight: many miners list the same video, and their lookups arrive seconds
 * apart (jittered starts, gists read at different times) while an upstream call can take tens of
 * seconds (an Apify run), so sharing only within a window still paid for it once per miner.
 */

/**
 * Answers a batch. An executor whose answers arrive one by one (a streamed response) hands each
 * to `settle` as it comes, so a caller is not held until the slowest item of its batch is done;
 * the returned map (if any) settles the rest.
 */
export type BatchExecutor<K, V> = (
  keys: K[],
  settle: (id: string, result: V | Error) => void,
) => Promise<ReadonlyMap<string, V | Error> | void>;

export interface RequestCoalescerOptions<K, V> {
  readonly execute: BatchExecutor<K, V>;
  /** Identity of a key; results are looked up by it. */
  readonly keyOf: (key: K) => string;
  /** How long the first lookup of a batch waits for company. */
  readonly windowMs?: number;
  /** A batch this big is sent at once. */
  readonly maxBatch?: number;
}

interface Pending<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
  promise: Promise<V>;
}

export class RequestCoalescer<K, V> {
  readonly #execute: BatchExecutor<K, V>;
  readonly #keyOf: (key: K) => string;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  #batch = new Map<string, { key: K; pending: Pending<V> }>();
  /** Keys of the batches sent and not answered yet, with the answer their callers wait for. */
  readonly #sent = new Map<string, Promise<V>>();
  #timer: NodeJS.Timeout | undefined;
  #batches = 0;
  #coalesced = 0;
  #inFlight = new Set<Promise<void>>();

  constructor(options: RequestCoalescerOptions<K, V>) {
    if (typeof options?.execute !== 'function') throw new TypeError('execute must be a function (keys) => Promise<Map>');
    if (typeof options.keyOf !== 'function') throw new TypeError('keyOf must be a function (key) => string');
    const windowMs = options.windowMs ?? 20;
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`windowMs must be a non-negative number, got ${String(windowMs)}`);
    const maxBatch = options.maxBatch ?? 100;
    positiveInt('maxBatch', maxBatch);
    this.#execute = options.execute;
    this.#keyOf = options.keyOf;
    this.#windowMs = windowMs;
    this.#maxBatch = maxBatch;
  }

  /** Batched calls made so far. */
  get batches(): number {
    return this.#batches;
  }

  /** Lookups that joined a pending or in-flight lookup of the same key instead of adding to a batch. */
  get coalesced(): number {
    return this.#coalesced;
  }

  /** Lookups waiting for the current window to close. */
  get pending(): number {
    return this.#batch.size;
  }

  load(key: K): Promise<V> {
    const id = this.#keyOf(key);
    const existing = this.#batch.get(id)?.pending.promise ?? this.#sent.get(id);
    if (existing) {
      this.#coalesced += 1;
      return existing;
    }
    let resolve!: (value: V) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<V>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#batch.set(id, { key, pending: { resolve, reject, promise } });
    if (this.#batch.size >= this.#maxBatch) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
    return promise;
  }

  /** Sends the current batch now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.size === 0) return;
    const batch = this.#batch;
    this.#batch = new Map();
    this.#batches += 1;
    const run = this.#run(batch);
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  /** Flushes and waits for every batch in flight (for shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(batch: Map<string, { key: K; pending: Pending<V> }>): Promise<void> {
    const open = new Map(batch);
    for (const [id, { pending }] of batch) this.#sent.set(id, pending.promise);
    const settle = (id: string, result: V | Error): void => {
      const entry = open.get(id);
      if (!entry) return;
      open.delete(id);
      this.#answered(id, entry.pending.promise);
      if (result instanceof Error) entry.pending.reject(result);
      else entry.pending.resolve(result);
    };
    let results: ReadonlyMap<string, V | Error> | void;
    try {
      results = await this.#execute([...batch.values()].map((b) => b.key), settle);
    } catch (error) {
      for (const [id, { pending }] of open) {
        this.#answered(id, pending.promise);
        pending.reject(error);
      }
      return;
    }
    for (const id of [...open.keys()]) {
      const result = results?.get(id);
      settle(id, result === undefined ? new Error(`batch returned no result for ${id}`) : result);
    }
  }

  /** Answered: a later lookup of the key asks again (metrics move, a failure may pass). */
  #answered(id: string, promise: Promise<V>): void {
    if (this.#sent.get(id) === promise) this.#sent.delete(id);
  }
}
