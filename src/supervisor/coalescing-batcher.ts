import { positiveInt } from '../util/option-checks.js';

export interface CoalescingBatcherOptions {
  /** How long the first request of a batch waits for company (default 5 ms). */
  readonly windowMs?: number;
  /** Items that trigger an immediate flush (default 1024). */
  readonly maxItems?: number;
}

interface Waiting<I, O> {
  readonly items: readonly I[];
  readonly resolve: (results: O[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Each miner brings a handful of items (a gist body, its submissions), but a pool task pays a
 * thread hop and a structured clone whatever its size, and SPEC §4 wants ≥16 items per task.
 * Requests arriving from many actors within a short window become one call of `run` (which the
 * pool splits into tasks of its batch size); each caller gets back exactly its own results, in
 * order. A failed call fails every request it carried.
 */
export class CoalescingBatcher<I, O> {
  readonly #run: (items: readonly I[]) => Promise<O[]>;
  readonly #windowMs: number;
  readonly #maxItems: number;
  #waiting: Waiting<I, O>[] = [];
  #items = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(run: (items: readonly I[]) => Promise<O[]>, options: CoalescingBatcherOptions = {}) {
    if (typeof run !== 'function') throw new TypeError('run must be a function (items) => Promise<results>');
    const windowMs = options.windowMs ?? 5;
    const maxItems = options.maxItems ?? 1024;
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`windowMs must be a non-negative number, got ${String(windowMs)}`);
    positiveInt('maxItems', maxItems);
    this.#run = run;
    this.#windowMs = windowMs;
    this.#maxItems = maxItems;
  }

  /** Resolves with one result per item, in order, once the batch carrying them has run. */
  submit(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.#waiting.push({ items, resolve, reject });
      this.#items += items.length;
      if (this.#items >= this.#maxItems) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#windowMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#waiting;
    this.#waiting = [];
    this.#items = 0;
    const all = batch.flatMap((w) => w.items);
    // Called inside a promise chain so that even a synchronous throw reaches the callers.
    Promise.resolve(all)
      .then((items) => this.#run(items))
      .then(
        (results) => {
          if (results.length !== all.length) {
            const error = new RangeError(`batch returned ${results.length} results for ${all.length} items`);
            for (const w of batch) w.reject(error);
            return;
          }
          let offset = 0;
          for (const w of batch) {
            w.resolve(results.slice(offset, offset + w.items.length));
            offset += w.items.length;
          }
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      );
  }
}
