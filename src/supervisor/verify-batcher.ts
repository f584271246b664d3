import type { SubmissionVerifier, VerifyOutcome, VerifyRequest } from '../actors/types.js';
import { positiveInt } from '../util/option-checks.js';

export interface VerifyBatcherOptions {
  /** How long the first request of a batch waits for company. */
  readonly windowMs?: number;
  /** Items that trigger an immediate flush. */
  readonly maxItems?: number;
}

interface Waiting {
  readonly items: readonly VerifyRequest[];
  readonly resolve: (outcomes: VerifyOutcome[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Each miner has a handful of submissions, but a pool task pays a thread hop and a structured
 * clone whatever its size, and SPEC §4 wants ≥16 checks per task. Requests arriving from many
 * actors within a short window become one `verify` call (which the pool splits into tasks of
 * its batch size); each actor gets back exactly its own verdicts, in order.
 */
export class VerifyBatcher implements SubmissionVerifier {
  readonly #inner: SubmissionVerifier;
  readonly #windowMs: number;
  readonly #maxItems: number;
  #waiting: Waiting[] = [];
  #items = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(inner: SubmissionVerifier, options: VerifyBatcherOptions = {}) {
    if (!inner || typeof inner.verify !== 'function') throw new TypeError('inner must provide verify(items)');
    const windowMs = options.windowMs ?? 5;
    const maxItems = options.maxItems ?? 1024;
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`windowMs must be a non-negative number, got ${String(windowMs)}`);
    positiveInt('maxItems', maxItems);
    this.#inner = inner;
    this.#windowMs = windowMs;
    this.#maxItems = maxItems;
  }

  verify(items: readonly VerifyRequest[]): Promise<VerifyOutcome[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<VerifyOutcome[]>((resolve, reject) => {
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
    if (batch.length === 0) return;
    const all = batch.flatMap((w) => w.items);
    this.#inner.verify(all).then(
      (outcomes) => {
        if (outcomes.length !== all.length) {
          const error = new RangeError(`verifier returned ${outcomes.length} outcomes for ${all.length} items`);
          for (const w of batch) w.reject(error);
          return;
        }
        let offset = 0;
        for (const w of batch) {
          w.resolve(outcomes.slice(offset, offset + w.items.length));
          offset += w.items.length;
        }
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }
}
