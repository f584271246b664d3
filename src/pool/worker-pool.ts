import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { Config } from '../config/load-config.js';
import { PoolError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { DEFAULT_GROWTH_PARAMS } from '../scoring/growth-policy.js';
import { validateScoringOptions } from '../scoring/policies.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringOptions } from '../scoring/types.js';
import { runningFromSource } from '../util/paths.js';
import { toParseResult, type GistParseResult } from './signed-gist.js';
import { workerExecArgv } from './worker-exec-argv.js';
import {
  POOL_TASK_KINDS,
  epochMs,
  type GistEnvelope,
  type GistParseLimits,
  type GistRequest,
  type GistTask,
  type PoolTaskKind,
  type ScoreEnvelope,
  type ScoreTask,
  type TaskEnvelope,
  type VerifyEnvelope,
  type VerifyOutcome,
  type VerifyRequest,
  type VerifyTask,
} from './tasks.js';
import { resolveWorkerFiles } from './worker-files.js';

export type { PoolTaskKind } from './tasks.js';

export interface WorkerPoolOptions {
  /** Worker threads (default 2). */
  readonly threads?: number;
  /** Most items per task (default 64, at least 16: a task must amortise its thread hop). */
  readonly batchSize?: number;
  /** An idle thread above the minimum exits after this long (default 60 000 ms). */
  readonly idleTimeoutMs?: number;
  /** Tasks allowed to wait for a thread; beyond that calls fail fast with ERR_POOL_QUEUE_FULL (default 4096). */
  readonly maxQueue?: number;
  /** Netuid the signed lines are bound to (default 89). */
  readonly netuid?: number;
  /**
   * Cap on each thread's V8 young generation in MiB (0: V8's default, which grows to 48 MiB).
   * The tasks' garbage is short-lived, so a small young generation holds RSS down for little work.
   */
  readonly youngGenerationMb?: number;
  readonly metrics?: ValidatorMetrics;
  readonly logger?: Logger;
  /** Worker entry points, to substitute a module (tests, embedding); defaults to workers/<kind>. */
  readonly workerFiles?: Partial<Record<PoolTaskKind, string>>;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
}

/** Failures of a task itself (its thread died, or it threw), which running it again may not repeat. */
const TASK_FAULTS: ReadonlySet<string> = new Set(['ERR_POOL_WORKER_CRASHED', 'ERR_POOL_TASK_FAILED']);

/** A signed line needs this many items per task at least, so the pool never sends tiny batches. */
export const MIN_BATCH_SIZE = 16;

const WARM_UP_LIMITS: GistParseLimits = { maxBytes: 1, maxLines: 1, maxLineBytes: 1, maxSubmissions: 1, allowedPlatforms: [] };

const WARM_UP_SCORING: ScoringOptions = {
  policy: 'engagement',
  alpha: 0.95,
  topMiners: 1,
  aiThreshold: 0.3,
  allowedPlatforms: [],
  growth: DEFAULT_GROWTH_PARAMS,
};

const DEFAULTS = Object.freeze({ threads: 2, batchSize: 64, idleTimeoutMs: 60_000, maxQueue: 4096, netuid: 89 });

function checkInteger(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`options.${name} must be a number, got ${value === null ? 'null' : typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`options.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

const tsxLoaderUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function splitEven<T>(items: readonly T[], batches: number): T[][] {
  const out: T[][] = [];
  const base = Math.floor(items.length / batches);
  let extra = items.length % batches;
  let at = 0;
  for (let b = 0; b < batches; b++) {
    const size = base + (extra > 0 ? 1 : 0);
    if (extra > 0) extra--;
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
}

/**
 * A Piscina worker-thread pool for the CPU-bound parts of a cycle: gist parsing with the
 * signed-line checks (`gist`), caption/signature checks of loose items (`verify`) and per-miner
 * scoring (`score`). The task kinds share the threads; work is split into batches so every
 * thread gets a share and every task carries at least 16 items.
 */
export class WorkerPool {
  readonly threads: number;
  readonly batchSize: number;
  readonly netuid: number;
  /** Each thread's young-generation cap in MiB (0: V8's default). */
  readonly youngGenerationMb: number;
  #piscina: Piscina;
  #files: Record<PoolTaskKind, string>;
  #metrics: ValidatorMetrics | undefined;
  #logger: Logger | undefined;
  #closing: Promise<void> | undefined;
  #inflight = new Set<Promise<unknown>>();

  constructor(options: WorkerPoolOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    this.threads = checkInteger('threads', options.threads, DEFAULTS.threads, 1, 256);
    this.batchSize = checkInteger('batchSize', options.batchSize, DEFAULTS.batchSize, MIN_BATCH_SIZE, 100_000);
    const idleTimeoutMs = checkInteger('idleTimeoutMs', options.idleTimeoutMs, DEFAULTS.idleTimeoutMs, 0, 3_600_000);
    const maxQueue = checkInteger('maxQueue', options.maxQueue, DEFAULTS.maxQueue, 0, 10_000_000);
    this.netuid = checkInteger('netuid', options.netuid, DEFAULTS.netuid, 0, 65_535);
    this.youngGenerationMb = checkInteger('youngGenerationMb', options.youngGenerationMb, 0, 0, 1024);
    this.#files = resolveWorkerFiles(options.workerFiles);
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#piscina = new Piscina({
      filename: this.#files.verify,
      // One thread stays warm (WASM compiled, modules loaded); the others start with a burst of
      // work and leave after idleTimeoutMs, since cycles run hours apart.
      minThreads: 1,
      maxThreads: this.threads,
      idleTimeout: idleTimeoutMs,
      maxQueue,
      execArgv: workerExecArgv(process.execArgv, runningFromSource(), tsxLoaderUrl),
      ...(this.youngGenerationMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: this.youngGenerationMb } } : {}),
    });
    this.#piscina.on('error', (err: unknown) => this.#logger?.error({ err }, 'worker pool error'));
    // Threads come and go (idle exit, crash replacement); keep the gauge on the real count.
    const countThreads = (): void => this.#metrics?.poolThreads.set(this.#piscina.threads.length);
    this.#piscina.on('workerCreate', countThreads);
    this.#piscina.on('workerDestroy', countThreads);
    countThreads();
    this.#metrics?.poolThreadsMax.set(this.threads);
    this.#metrics?.observePoolUtilization(() => this.#piscina.utilization);
    // Busy time starts at 0 per kind, so the first task's run time shows as an increase.
    for (const kind of POOL_TASK_KINDS) this.#metrics?.poolBusySeconds.inc({ kind }, 0);
  }

  /** A pool sized from `pool.*` and `netuid` of the config. */
  static fromConfig(config: Pick<Config, 'pool' | 'netuid'>, deps: Pick<WorkerPoolOptions, 'metrics' | 'logger' | 'workerFiles'> = {}): WorkerPool {
    return new WorkerPool({
      threads: config.pool.threads,
      batchSize: Math.max(MIN_BATCH_SIZE, config.pool.batch_size),
      idleTimeoutMs: config.pool.idle_timeout_ms,
      maxQueue: config.pool.max_queue,
      youngGenerationMb: config.pool.young_generation_mb,
      netuid: config.netuid,
      ...deps,
    });
  }

  /** Threads currently running (between 1 and `threads`; idle ones exit). */
  get threadCount(): number {
    return this.#piscina.threads.length;
  }

  /** Tasks waiting for a thread. */
  get queueSize(): number {
    return this.#piscina.queueSize;
  }

  /** Share of capacity spent running tasks since start (0–1), as Piscina measures it: a lifetime average. */
  get utilization(): number {
    return this.#piscina.utilization;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Caption-token and signature checks, one outcome per item in input order. Items are split into
   * even batches of about `batchSize`, at least one per thread, never fewer than 16 items each.
   */
  async verify(items: readonly VerifyRequest[], options: RunOptions = {}): Promise<VerifyOutcome[]> {
    if (!Array.isArray(items)) throw new TypeError('items must be an array of verify requests');
    const envelopes = await Promise.all(
      this.#batches(items).map((batch) => this.#run<VerifyTask, VerifyEnvelope>('verify', { netuid: this.netuid, items: batch }, batch.length, options)),
    );
    return envelopes.flatMap((e) => e.results);
  }

  /**
   * Parses many miners' gist bodies as `parseGist` does and checks every parsed submission's
   * signed line against its miner's hotkey ('unsigned' without a signature), one result per body
   * in input order, batched as `verify` is. A body `parseGist` refuses gives `{ ok: false, error }`
   * with the error it threw (FormatError `too_large` / `not_utf8`, or the options' TypeError or
   * RangeError); a body whose task fails even on its own gives `{ ok: false, error: PoolError }`;
   * an aborted or refused call rejects with PoolError. `limits` must be structured-cloneable.
   */
  async parseGists(items: readonly GistRequest[], limits: GistParseLimits, options: RunOptions = {}): Promise<GistParseResult[]> {
    if (!Array.isArray(items)) throw new TypeError('items must be an array of gist requests');
    const parts = await Promise.all(this.#batches(items).map((batch) => this.#parseIsolating(batch, limits, options, 1)));
    return parts.flat();
  }

  /**
   * One batch of gist bodies. A batch whose task fails even when run again is split in halves,
   * down to single bodies, so a body that kills its thread or makes the task throw (a parser
   * fault a hostile gist reaches) costs its own miner, as a `{ ok: false, error: PoolError }`
   * result, and not the other miners of its batch and of every batch of the call; before, the
   * whole call rejected and each of its miners lost the cycle.
   */
  async #parseIsolating(batch: GistRequest[], limits: GistParseLimits, options: RunOptions, retries: number): Promise<GistParseResult[]> {
    try {
      const envelope = await this.#run<GistTask, GistEnvelope>('gist', { netuid: this.netuid, limits, items: batch }, batch.length, options, retries);
      return envelope.results.map(toParseResult);
    } catch (error) {
      if (!(error instanceof PoolError) || !TASK_FAULTS.has(error.code)) throw error;
      if (batch.length === 1) return [{ ok: false, error }];
      const half = Math.ceil(batch.length / 2);
      const [first, second] = await Promise.all([
        this.#parseIsolating(batch.slice(0, half), limits, options, 0),
        this.#parseIsolating(batch.slice(half), limits, options, 0),
      ]);
      return [...first, ...second];
    }
  }

  /** Per-miner scores under `scoringOptions.policy`, one result per miner in input order. */
  async score(miners: readonly MinerScoringInput[], scoringOptions: ScoringOptions, options: RunOptions = {}): Promise<MinerPolicyResult[]> {
    if (!Array.isArray(miners)) throw new TypeError('miners must be an array of miner scoring inputs');
    // Fail in the caller's thread with the precise message rather than once per worker task.
    const validated = validateScoringOptions(scoringOptions);
    if (miners.length === 0) return [];
    const count = Math.min(miners.length, Math.max(Math.ceil(miners.length / this.batchSize), this.threads));
    const batches = splitEven(miners, count);
    const envelopes = await Promise.all(
      batches.map((batch) => this.#run<ScoreTask, ScoreEnvelope>('score', { options: validated, miners: batch }, batch.length, options)),
    );
    return envelopes.flatMap((e) => e.results);
  }

  /**
   * Starts every thread and waits until each has loaded every worker module and initialised
   * its WASM, so the first real batch does not pay for thread start-up (or a benchmark measure
   * it). Resolves with the number of threads seen warm; gives up quietly after `timeoutMs`.
   */
  async warmUp({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<number> {
    const seen: Record<PoolTaskKind, Set<number>> = { gist: new Set(), verify: new Set(), score: new Set() };
    const coldest = (): number => Math.min(...POOL_TASK_KINDS.map((kind) => seen[kind].size));
    const deadline = Date.now() + timeoutMs;
    const probe: VerifyRequest = { hotkey: '', platform: '', content_id: '', direct_video_url: '', caption: null };
    const options = validateScoringOptions(WARM_UP_SCORING);
    while (coldest() < this.threads && Date.now() < deadline) {
      // Several tiny tasks per thread each round: once a new thread is ready the balancer hands
      // it some, and each answer names the thread that ran it.
      const round = Array.from({ length: 2 * this.threads }, () => [
        this.#run<GistTask, GistEnvelope>('gist', { netuid: this.netuid, limits: WARM_UP_LIMITS, items: [{ hotkey: '', body: '' }] }, 0, {}).then((e) =>
          seen.gist.add(e.threadId),
        ),
        this.#run<VerifyTask, VerifyEnvelope>('verify', { netuid: this.netuid, items: [probe] }, 0, {}).then((e) => seen.verify.add(e.threadId)),
        this.#run<ScoreTask, ScoreEnvelope>('score', { options, miners: [] }, 0, {}).then((e) => seen.score.add(e.threadId)),
      ]).flat();
      await Promise.all(round);
      if (coldest() < this.threads) await new Promise((r) => setTimeout(r, 20));
    }
    return coldest();
  }

  /**
   * Enough batches to respect batchSize and to give every thread a share, but never one under 16
   * items (unless the whole call is smaller): below that the thread hop costs more than it buys.
   */
  #batches<T>(items: readonly T[]): T[][] {
    if (items.length === 0) return [];
    const most = Math.max(1, Math.floor(items.length / MIN_BATCH_SIZE));
    return splitEven(items, Math.min(most, Math.max(Math.ceil(items.length / this.batchSize), this.threads)));
  }

  /** Finishes queued and running tasks, then stops the threads. New calls fail with ERR_POOL_CLOSED. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Piscina's close() waits only for tasks already on a thread and cancels queued ones, so
      // drain everything accepted before closing (nothing new is accepted once #closing is set).
      await Promise.allSettled([...this.#inflight]);
      await this.#piscina.close();
      this.#metrics?.poolThreads.set(0);
      this.#metrics?.poolQueueSize.set(0);
    })();
    return this.#closing;
  }

  /**
   * Runs a task, and once more (`retries`) when its thread died under it or it threw: Piscina
   * replaces a dead thread, so a crash that was the thread's (memory, a native fault) costs a
   * second run instead of the results of every miner in the task. Aborted, cancelled or refused
   * tasks are not run again.
   */
  async #run<T, R extends TaskEnvelope<unknown>>(kind: PoolTaskKind, task: T, items: number, options: RunOptions, retries = 1): Promise<R> {
    if (this.#closing) throw new PoolError('worker pool is closed', 'ERR_POOL_CLOSED');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#runOnce<T, R>(kind, task, items, options);
      } catch (error) {
        const again = attempt < retries && error instanceof PoolError && TASK_FAULTS.has(error.code) && !this.#closing && !options.signal?.aborted;
        // A failed run that is tried again counts as retried; only the last one as an error.
        this.#metrics?.poolTasksTotal.inc({ kind, result: again ? 'retried' : 'error' });
        if (!again) throw error;
        this.#logger?.warn({ kind, code: (error as PoolError).code, items }, `${kind} task failed (${(error as PoolError).code}); running it once more`);
      }
    }
  }

  async #runOnce<T, R extends TaskEnvelope<unknown>>(kind: PoolTaskKind, task: T, items: number, options: RunOptions): Promise<R> {
    const submittedAt = epochMs();
    const metrics = this.#metrics;
    let envelope: R;
    const pending = this.#piscina.run(task, { filename: this.#files[kind], signal: options.signal ?? null }) as Promise<R>;
    this.#inflight.add(pending);
    metrics?.poolQueueSize.set(this.#piscina.queueSize);
    try {
      envelope = await pending;
    } catch (err) {
      this.#updateGauges();
      throw this.#toPoolError(kind, err);
    } finally {
      this.#inflight.delete(pending);
    }
    if (metrics) {
      metrics.poolTaskWait.observe({ kind }, Math.max(0, envelope.startedAt - submittedAt) / 1000);
      const runSeconds = Math.max(0, envelope.finishedAt - envelope.startedAt) / 1000;
      metrics.poolTaskRun.observe({ kind }, runSeconds);
      // A counter of busy time stays meaningful under rate(); Piscina's utilization is a lifetime average.
      metrics.poolBusySeconds.inc({ kind }, runSeconds);
      metrics.poolTasksTotal.inc({ kind, result: 'ok' });
      metrics.poolItemsTotal.inc({ kind }, items);
      this.#updateGauges();
    }
    return envelope;
  }

  #updateGauges(): void {
    const metrics = this.#metrics;
    if (!metrics) return;
    metrics.poolThreads.set(this.#piscina.threads.length);
    metrics.poolQueueSize.set(this.#piscina.queueSize);
  }

  #toPoolError(kind: PoolTaskKind, err: unknown): PoolError {
    if (err instanceof PoolError) return err;
    const message = err instanceof Error ? err.message : String(err);
    if (message === 'Task queue is at limit' || message.startsWith('No task queue available')) {
      return new PoolError(`worker pool queue is full (${this.#piscina.queueSize} tasks waiting); retry later`, 'ERR_POOL_QUEUE_FULL', { cause: err });
    }
    if (/^worker exited with code/.test(message)) {
      this.#logger?.warn({ kind, err }, 'worker thread crashed; the pool replaces it');
      return new PoolError(`${kind} worker crashed (${message})`, 'ERR_POOL_WORKER_CRASHED', { cause: err });
    }
    if (err instanceof Error && err.name === 'AbortError') {
      return new PoolError(`${kind} task aborted`, 'ERR_POOL_ABORTED', { cause: err });
    }
    if (message === 'Terminating worker thread') {
      return new PoolError(`${kind} task cancelled: the pool is shutting down`, 'ERR_POOL_CLOSED', { cause: err });
    }
    return new PoolError(`${kind} task failed: ${message}`, 'ERR_POOL_TASK_FAILED', { cause: err });
  }
}
