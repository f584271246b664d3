import PQueue from 'p-queue';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { DEPENDENCIES, type Dependency, type DependencyGate } from '../services/dependency-gate.js';
import { whileQueued } from '../util/while-queued.js';
import { isRetryable } from '../actors/retry.js';

export { DEPENDENCIES, type Dependency } from '../services/dependency-gate.js';

export interface DependencyLimits {
  /** Requests allowed in flight at once. */
  readonly concurrency: number;
  /** Requests allowed to wait for a slot; a producer beyond it waits before enqueueing. */
  readonly maxQueue: number;
}

/**
 * Calls to one dependency so far: `answered` it answered (a success, or a refusal a retry cannot
 * change, such as a miner's missing video), `unavailable` it did not (refused, timed out, 5xx).
 */
export interface DependencyCalls {
  readonly answered: number;
  readonly unavailable: number;
}

export interface DependencyLimiterOptions {
  readonly limits: Readonly<Record<Dependency, DependencyLimits>>;
  readonly metrics?: ValidatorMetrics;
}

/**
 * One bounded p-queue per external dependency. Actors call `run(dep, fn)`; when the queue is
 * full the caller is held (backpressure) instead of piling up promises, so 4,096 miners cannot
 * flood the tracker or the store. Queue depth and in-flight counts are exported as gauges.
 */
export class DependencyLimiter implements DependencyGate {
  readonly #queues = new Map<Dependency, PQueue>();
  readonly #limits: Readonly<Record<Dependency, DependencyLimits>>;
  readonly #metrics: ValidatorMetrics | undefined;
  /**
   * Producers waiting for room in a full queue, in arrival order, counted in the depth gauge.
   * They are woken one per free slot (with a reservation), not all at once: with thousands of
   * miners, waking every waiter on every completion would cost O(n²) wake-ups per cycle.
   */
  readonly #waiters = new Map<Dependency, Array<() => void>>();
  /** Slots promised to woken producers that have not enqueued yet. */
  readonly #reserved = new Map<Dependency, number>();
  #finished = 0;
  readonly #calls = new Map<Dependency, { answered: number; unavailable: number }>();

  constructor(options: DependencyLimiterOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (options.limits === null || typeof options.limits !== 'object') {
      throw new TypeError('options.limits must be an object keyed by dependency');
    }
    for (const dep of DEPENDENCIES) {
      const limit = options.limits[dep];
      if (!limit) throw new TypeError(`options.limits.${dep} is required`);
      if (!Number.isInteger(limit.concurrency) || limit.concurrency < 1) {
        throw new RangeError(`options.limits.${dep}.concurrency must be an integer >= 1, got ${String(limit.concurrency)}`);
      }
      if (!Number.isInteger(limit.maxQueue) || limit.maxQueue < 1) {
        throw new RangeError(`options.limits.${dep}.maxQueue must be an integer >= 1, got ${String(limit.maxQueue)}`);
      }
    }
    this.#limits = options.limits;
    this.#metrics = options.metrics;
    for (const dep of DEPENDENCIES) {
      const queue = new PQueue({ concurrency: options.limits[dep].concurrency });
      const update = () => this.#observe(dep);
      queue.on('add', update);
      queue.on('active', () => {
        this.#pump(dep);
        update();
      });
      queue.on('next', () => {
        this.#pump(dep);
        update();
      });
      queue.on('idle', update);
      queue.on('completed', () => this.#finished++);
      queue.on('error', () => this.#finished++);
      this.#queues.set(dep, queue);
      this.#waiters.set(dep, []);
      this.#reserved.set(dep, 0);
      this.#calls.set(dep, { answered: 0, unavailable: 0 });
    }
  }

  /**
   * Runs `work` when a slot for `dep` is free. Aborting `signal` while waiting removes the task
   * from the queue (p-queue rejects it); aborting while running is up to `work`, which gets the
   * signal and keeps its slot until it settles, so the bound holds for calls still in flight.
   */
  async run<T>(dep: Dependency, work: (signal?: AbortSignal) => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    const queue = this.#queue(dep);
    const { signal } = options;
    signal?.throwIfAborted();
    const waiters = this.#waiters.get(dep)!;
    if (waiters.length > 0 || queue.size + this.#reserved.get(dep)! >= this.#limits[dep].maxQueue) {
      await this.#wait(dep, signal);
      // Woken with a reservation: trade it for the real queue entry below.
      this.#reserved.set(dep, this.#reserved.get(dep)! - 1);
    }
    const queued = whileQueued(signal);
    const task = queue.add(
      () => {
        queued.started();
        return work(signal);
      },
      queued.signal ? { signal: queued.signal } : {},
    ) as Promise<T>;
    const calls = this.#calls.get(dep)!;
    task.then(
      () => calls.answered++,
      (error: unknown) => {
        // A queued task removed by its signal frees room without an 'active' event.
        this.#pump(dep);
        if (signal?.aborted) return;
        if (isRetryable(error)) calls.unavailable++;
        else calls.answered++;
      },
    );
    return task;
  }

  #wait(dep: Dependency, signal: AbortSignal | undefined): Promise<void> {
    const waiters = this.#waiters.get(dep)!;
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = waiters.indexOf(wake);
        if (index >= 0) waiters.splice(index, 1);
        this.#observe(dep);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.push(wake);
      this.#observe(dep);
    });
  }

  /** A task left the queue for a worker slot: hand the room to the longest-waiting producers. */
  #pump(dep: Dependency): void {
    const queue = this.#queues.get(dep)!;
    const waiters = this.#waiters.get(dep)!;
    const limit = this.#limits[dep].maxQueue;
    while (waiters.length > 0 && queue.size + this.#reserved.get(dep)! < limit) {
      this.#reserved.set(dep, this.#reserved.get(dep)! + 1);
      waiters.shift()!();
    }
  }

  /** Calls finished so far, over every dependency, failed ones included: a measure of progress. */
  get finished(): number {
    return this.#finished;
  }

  /** Calls per dependency since the start, by whether the dependency answered them. */
  calls(): Readonly<Record<Dependency, DependencyCalls>> {
    return Object.fromEntries(DEPENDENCIES.map((dep) => [dep, { ...this.#calls.get(dep)! }])) as Record<Dependency, DependencyCalls>;
  }

  stats(dep: Dependency): { inFlight: number; queued: number; held: number } {
    const queue = this.#queue(dep);
    return { inFlight: queue.pending, queued: queue.size, held: this.#waiters.get(dep)!.length };
  }

  /** Resolves when every queue has nothing queued or running. */
  async onIdle(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.onIdle()));
  }

  /** Drops queued (not running) work; used on shutdown after accepting no more. */
  clear(): void {
    for (const queue of this.#queues.values()) queue.clear();
    for (const dep of DEPENDENCIES) this.#observe(dep);
  }

  #queue(dep: Dependency): PQueue {
    const queue = this.#queues.get(dep);
    if (!queue) throw new TypeError(`unknown dependency "${String(dep)}"; expected one of ${DEPENDENCIES.join(', ')}`);
    return queue;
  }

  #observe(dep: Dependency): void {
    if (!this.#metrics) return;
    const queue = this.#queues.get(dep)!;
    this.#metrics.dependencyInFlight.set({ dependency: dep }, queue.pending);
    this.#metrics.dependencyQueueDepth.set({ dependency: dep }, queue.size + this.#waiters.get(dep)!.length);
  }
}

/**
 * Limits from the config object (`concurrency.*`, `gist.concurrency`), with queues 4× deep.
 * `coalescingTracker`: the in-process platform tracker merges concurrent lookups into batched
 * upstream calls (its own clients bound those), so a caller slot there is not an upstream
 * request; capping callers at the HTTP limit would starve the batches (8 actors per batch at
 * 1024 miners made metrics the slowest stage). Callers get 32× the configured limit instead.
 * `coalescingAiDetector` does the same for a detector client that batches videos (its own
 * request bound is `concurrency.ai_detector`): four callers at a time kept a cold cycle waiting.
 */
export function limitsFromConfig(
  config: {
    gist: { concurrency: number };
    concurrency: { platform_tracker: number; ai_detector: number; store: number };
  },
  options: { coalescingTracker?: boolean; coalescingAiDetector?: boolean } = {},
): Record<Dependency, DependencyLimits> {
  const make = (concurrency: number) => ({ concurrency, maxQueue: Math.max(16, concurrency * 4) });
  const tracker = config.concurrency.platform_tracker * (options.coalescingTracker ? 32 : 1);
  return {
    gist: make(config.gist.concurrency),
    platform_tracker: make(tracker),
    ai_detector: make(config.concurrency.ai_detector * (options.coalescingAiDetector ? 32 : 1)),
    store: make(config.concurrency.store),
  };
}

/**
 * AI checks one miner may have in flight: `configured` (concurrency.ai_detector_per_miner) when
 * set, else a quarter of the AI-check slots every miner shares, at least 1. Four miners whose
 * downloads hang cannot take every slot of the default 4 (nor 128 of a batching client's 128
 * callers: 32 each), while a load of many honest miners still fills every slot.
 */
export function aiChecksPerMiner(configured: number, slots: number): number {
  if (configured > 0) return configured;
  return Math.max(1, Math.ceil(slots / 4));
}
