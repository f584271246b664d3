import type { KeyringPair } from '@polkadot/keyring/types';
import { firstValueFrom, filter, type Observable, type Subscription } from 'rxjs';
import type {
  FinalizedBlock,
  ValidatorStatus,
  WeightCommitOutcome,
  WeightCommitReceipt,
  WeightHyperparameters,
  WeightVector,
} from '../chain/types.js';
import {
  ChainDisconnectedError,
  ChainModuleError,
  ChainTimeoutError,
  ChainTransactionRejectedError,
  errorCode,
} from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { Store, WeightCommitRecord } from '../store/types.js';
import type { CycleScores } from '../scoring/cycle-types.js';
import { buildWeightVector, type ProcessedWeights } from './process-weights.js';

const MODE_SWITCH_ERRORS: ReadonlySet<string> = new Set(['CommitRevealEnabled', 'CommitRevealDisabled']);

/** The slice of the chain client the committer uses (SubtensorClient implements it). */
export interface WeightChain {
  readonly connected$: Observable<boolean>;
  readonly finalizedBlocks$: Observable<FinalizedBlock>;
  bestBlockNumber(): Promise<number>;
  hyperparameters(netuid: number): Promise<WeightHyperparameters>;
  validatorStatus(netuid: number, hotkey: string): Promise<ValidatorStatus>;
  setWeights(netuid: number, vector: WeightVector, signer: KeyringPair): Promise<WeightCommitOutcome>;
  commitWeights(netuid: number, vector: WeightVector, signer: KeyringPair): Promise<WeightCommitReceipt>;
  revealWeights(netuid: number, vector: WeightVector, salt: readonly number[], signer: KeyringPair): Promise<WeightCommitOutcome>;
}

export type WeightAudit = Pick<Store['weightCommits'], 'record' | 'update' | 'pendingReveals'>;

export interface WeightCommitterOptions {
  readonly chain: WeightChain;
  readonly netuid: number;
  readonly signer: KeyringPair;
  readonly audit: WeightAudit;
  /** set_weights_interval, in ms. */
  readonly intervalMs: number;
  /** Configured version key; the chain's WeightsVersionKey wins when larger. */
  readonly versionKey: bigint;
  /** Attempts per due commit (rate-limit waits and reconnects included). */
  readonly maxAttempts?: number;
  /** Pause after an error that is neither a rate limit nor a disconnect. */
  readonly retryDelayMs?: number;
  /** Longest wait for a block or a reconnect before the attempt counts as failed. */
  readonly waitTimeoutMs?: number;
  /**
   * Count attempts in weightCommitsTotal here. Off when the chain client already counts the
   * extrinsics it submits, so the counter is not doubled.
   */
  readonly countAttempts?: boolean;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
}

export interface CommitAttemptResult {
  readonly ok: boolean;
  readonly mode: 'set' | 'commit' | 'reveal' | null;
  readonly uids: readonly number[];
  readonly values: readonly number[];
  readonly block: number | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly latencyMs: number;
  readonly fallback: boolean;
}

/**
 * Sets weights every `set_weights_interval` from the latest cycle scores, never faster than
 * WeightsSetRateLimit blocks after our LastUpdate, by set_weights or commit/reveal as the
 * subnet demands. Every attempt lands in the audit trail; a store outage queues audit records
 * instead of holding up the chain. Pending reveals live in the store with their salt, so a
 * restarted validator still reveals what it committed.
 */
export class WeightCommitter {
  readonly #o: WeightCommitterOptions;
  readonly #logger: Logger;
  #scores: CycleScores | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  readonly #stop = new AbortController();
  /** Commits and reveals never overlap (nonces, rate limits). */
  #chainTurn: Promise<unknown> = Promise.resolve();
  /** Audit records the store could not take yet, flushed in order. */
  readonly #auditBacklog: Array<{ record: WeightCommitRecord; patch?: Partial<WeightCommitRecord> }> = [];
  #blocks: Subscription | undefined;
  #nextReveal: number | null = null;
  #lastResult: CommitAttemptResult | undefined;
  #lastSuccessAt: number | undefined;
  #ageTimer: NodeJS.Timeout | undefined;

  constructor(options: WeightCommitterOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (!options.chain) throw new TypeError('options.chain is required');
    if (!options.signer || typeof options.signer.address !== 'string') throw new TypeError('options.signer must be a KeyringPair');
    if (!options.audit || typeof options.audit.record !== 'function') throw new TypeError('options.audit must have record(), update() and pendingReveals()');
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
      throw new RangeError(`options.intervalMs must be a positive number, got ${String(options.intervalMs)}`);
    }
    if (typeof options.versionKey !== 'bigint' || options.versionKey < 0n) {
      throw new TypeError(`options.versionKey must be a non-negative bigint, got ${String(options.versionKey)}`);
    }
    if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
      throw new RangeError(`options.maxAttempts must be an integer >= 1, got ${String(options.maxAttempts)}`);
    }
    this.#o = options;
    this.#logger = options.logger.child({ component: 'weights' });
  }

  /** Latest scores; the next due commit uses them. */
  update(scores: CycleScores): void {
    this.#scores = scores;
  }

  get hasScores(): boolean {
    return this.#scores !== undefined;
  }

  get lastResult(): CommitAttemptResult | undefined {
    return this.#lastResult;
  }

  get auditBacklog(): number {
    return this.#auditBacklog.length;
  }

  /** Commits every intervalMs (the first as soon as scores exist) and reveals when due. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#blocks = this.#o.chain.finalizedBlocks$.subscribe((block) => {
      if (this.#nextReveal !== null && block.number >= this.#nextReveal) {
        this.#nextReveal = null;
        void this.#serial(() => this.#revealDue(block.number)).catch((error: unknown) =>
          this.#logger.warn({ err: error }, 'reveal failed; retried at the next commit'),
        );
      }
    });
    void this.#refreshRevealSchedule().catch(() => undefined);
    // Counted from start-up until the first success, so a validator that never manages to
    // commit still trips the "weights not committed" alert.
    const startedAt = Date.now();
    this.#ageTimer = setInterval(() => {
      this.#o.metrics.secondsSinceLastWeightCommit.set((Date.now() - (this.#lastSuccessAt ?? startedAt)) / 1000);
    }, 5_000);
    this.#ageTimer.unref();
    const loop = async () => {
      if (!this.#running) return;
      if (this.#scores) await this.commitNow().catch((error: unknown) => this.#logger.error({ err: error }, 'weight commit failed'));
      if (!this.#running) return;
      // Until the first cycle has scored, look again soon rather than a whole interval later.
      this.#timer = setTimeout(() => void loop(), this.#scores ? this.#o.intervalMs : Math.min(1_000, this.#o.intervalMs));
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearInterval(this.#ageTimer);
    this.#blocks?.unsubscribe();
    this.#stop.abort(new Error('weight committer stopped'));
    await this.#chainTurn.catch(() => undefined);
    await this.flushAudit().catch(() => undefined);
  }

  /** One due commit, retried through rate limits and reconnects. */
  commitNow(): Promise<CommitAttemptResult> {
    return this.#serial(() => this.#commitDue());
  }

  /** Writes queued audit records; true when nothing is left. */
  async flushAudit(): Promise<boolean> {
    while (this.#auditBacklog.length > 0) {
      const next = this.#auditBacklog[0]!;
      try {
        const id = await this.#o.audit.record(next.record);
        if (next.patch) await this.#o.audit.update(id, next.patch);
      } catch {
        return false;
      }
      this.#auditBacklog.shift();
    }
    return true;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chainTurn.catch(() => undefined).then(work);
    this.#chainTurn = run;
    return run;
  }

  async #commitDue(): Promise<CommitAttemptResult> {
    const o = this.#o;
    const started = performance.now();
    const scores = this.#scores;
    const maxAttempts = o.maxAttempts ?? 6;
    const empty = { uids: [], values: [], block: null, fallback: false };
    if (!scores) {
      return this.#finish({ ok: false, mode: null, ...empty, attempts: 0, error: 'ERR_WEIGHTS_NO_SCORES', latencyMs: 0 });
    }
    if (scores.selection.skip) {
      // The original sets nothing when no miner is active; recorded so operators see why.
      await this.#audit(this.#record('set', 'error', null, null, { code: 'ERR_WEIGHTS_NO_ACTIVE_MINERS', message: scores.selection.skip }));
      return this.#finish({ ok: false, mode: null, ...empty, attempts: 0, error: 'ERR_WEIGHTS_NO_ACTIVE_MINERS', latencyMs: 0 });
    }
    await this.flushAudit();
    let lastError = 'ERR_UNKNOWN';
    let vector: ProcessedWeights | undefined;
    let mode: 'set' | 'commit' = 'set';
    for (let attempt = 1; attempt <= maxAttempts && !this.#stop.signal.aborted; attempt++) {
      let hyper: WeightHyperparameters | undefined;
      try {
        await this.#waitConnected();
        const block = await o.chain.bestBlockNumber();
        await this.#revealDue(block);
        hyper = await o.chain.hyperparameters(o.netuid);
        mode = hyper.commitRevealEnabled ? 'commit' : 'set';
        const status = await o.chain.validatorStatus(o.netuid, o.signer.address);
        // LastUpdate 0 means "never set": the runtime lets a first-time setter through.
        if (status.lastUpdate !== null && status.lastUpdate !== 0 && hyper.weightsSetRateLimit > 0) {
          const allowedAt = status.lastUpdate + hyper.weightsSetRateLimit;
          if (block < allowedAt) {
            this.#logger.info({ block, allowedAt }, 'waiting for the weights rate limit');
            await this.#waitForBlock(allowedAt);
          }
        }
        vector = buildWeightVector({
          scores: new Map(scores.selection.scores.map((s) => [s.uid, s.score])),
          neurons: scores.neurons,
          hyper,
          versionKey: o.versionKey,
          topFallback: scores.selection.fallback,
        });
        if (vector.uids.length === 0) {
          await this.#audit(this.#record(mode, 'error', vector, null, { code: 'ERR_WEIGHTS_EMPTY', message: 'no uid to give weight to' }));
          return this.#finish({ ok: false, mode, ...empty, attempts: attempt, error: 'ERR_WEIGHTS_EMPTY', latencyMs: performance.now() - started });
        }
        if (mode === 'commit') {
          const receipt = await o.chain.commitWeights(o.netuid, vector, o.signer);
          await this.#audit({
            ...this.#record('commit', 'success', vector, receipt),
            salt: [...receipt.salt],
            commit_hash: receipt.commitHash,
            reveal_from_block: receipt.revealFromBlock,
            revealed: false,
          });
          this.#scheduleReveal(receipt.revealFromBlock);
          this.#succeeded('commit', vector);
          return this.#finish({ ok: true, mode, uids: vector.uids, values: vector.values, block: receipt.block, attempts: attempt, error: null, latencyMs: performance.now() - started, fallback: vector.fallback });
        }
        const outcome = await o.chain.setWeights(o.netuid, vector, o.signer);
        await this.#audit(this.#record('set', 'success', vector, outcome));
        this.#succeeded('set', vector);
        return this.#finish({ ok: true, mode, uids: vector.uids, values: vector.values, block: outcome.block, attempts: attempt, error: null, latencyMs: performance.now() - started, fallback: vector.fallback });
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        lastError = errorCode(error);
        const rateLimited = error instanceof ChainModuleError && error.retryLater;
        await this.#audit(this.#record(mode, rateLimited ? 'rate_limited' : 'error', vector ?? null, null, { code: lastError, message: (error as Error).message }));
        if (o.countAttempts ?? true) o.metrics.weightCommitsTotal.inc({ mode, result: rateLimited ? 'rate_limited' : 'error' });
        if (rateLimited) {
          this.#logger.warn({ attempt, code: lastError }, 'weights rate-limited by the chain; retrying at the next allowed block');
          await this.#waitAfterRateLimit(hyper).catch(() => undefined);
        } else if (error instanceof ChainDisconnectedError || error instanceof ChainTimeoutError) {
          this.#logger.warn({ attempt, code: lastError }, 'chain unavailable during the weight commit; retrying after reconnect');
          await this.#waitReconnected().catch(() => undefined);
        } else if (error instanceof ChainTransactionRejectedError) {
          this.#logger.warn({ attempt, code: lastError, detail: error.detail }, 'weights transaction refused by the pool; retrying next block');
          await this.#waitBlocks(1).catch(() => undefined);
        } else if (error instanceof ChainModuleError && MODE_SWITCH_ERRORS.has(error.errorName)) {
          // The subnet switched between set and commit-reveal since we read it: re-read, retry.
          this.#logger.warn({ attempt, code: lastError }, 'commit-reveal setting changed; retrying in the other mode');
          await this.#waitBlocks(1).catch(() => undefined);
        } else if (error instanceof ChainModuleError) {
          // IncorrectWeightVersionKey, NeuronNoValidatorPermit…: retrying now cannot help.
          this.#logger.error({ attempt, code: lastError }, 'weights refused by the runtime; next try at the next interval');
          break;
        } else {
          this.#logger.warn({ attempt, err: error }, 'weight commit attempt failed; retrying');
          await delay(o.retryDelayMs ?? 1_000, this.#stop.signal).catch(() => undefined);
        }
      }
    }
    return this.#finish({
      ok: false,
      mode,
      uids: vector?.uids ?? [],
      values: vector?.values ?? [],
      block: null,
      attempts: maxAttempts,
      error: lastError,
      latencyMs: performance.now() - started,
      fallback: vector?.fallback ?? false,
    });
  }

  async #revealDue(block: number): Promise<void> {
    const o = this.#o;
    let pending: Awaited<ReturnType<WeightAudit['pendingReveals']>>;
    try {
      pending = await o.audit.pendingReveals(o.netuid);
    } catch (error) {
      this.#logger.warn({ err: error }, 'pending reveals unreadable (store down); retried later');
      return;
    }
    for (const commit of pending) {
      if (commit.reveal_from_block === undefined || !commit.salt) continue;
      if (block < commit.reveal_from_block) {
        this.#scheduleReveal(commit.reveal_from_block);
        continue;
      }
      const vector: WeightVector = { uids: commit.uids, values: commit.values, versionKey: BigInt(commit.version_key) };
      try {
        const outcome = await o.chain.revealWeights(o.netuid, vector, commit.salt, o.signer);
        await this.#audit(this.#record('reveal', 'success', vector, outcome));
        await o.audit.update(commit.id, { revealed: true }).catch(() => undefined);
        this.#succeeded('reveal', vector);
      } catch (error) {
        const code = errorCode(error);
        const rateLimited = error instanceof ChainModuleError && error.retryLater;
        await this.#audit(this.#record('reveal', rateLimited ? 'rate_limited' : 'error', vector, null, { code, message: (error as Error).message }));
        if (error instanceof ChainModuleError && !error.retryLater) {
          // Expired or mismatched commits can never be revealed; stop trying.
          await o.audit.update(commit.id, { revealed: true, error_code: code }).catch(() => undefined);
        } else {
          this.#scheduleReveal(block + 1);
        }
        this.#logger.warn({ code }, 'weight reveal failed');
      }
    }
  }

  async #refreshRevealSchedule(): Promise<void> {
    const pending = await this.#o.audit.pendingReveals(this.#o.netuid);
    for (const commit of pending) if (commit.reveal_from_block !== undefined) this.#scheduleReveal(commit.reveal_from_block);
  }

  #scheduleReveal(block: number): void {
    this.#nextReveal = this.#nextReveal === null ? block : Math.min(this.#nextReveal, block);
  }

  #record(
    mode: 'set' | 'commit' | 'reveal',
    result: WeightCommitRecord['result'],
    vector: WeightVector | null,
    outcome: WeightCommitOutcome | null,
    error?: { code: string; message: string },
  ): WeightCommitRecord {
    return {
      attempted_at: new Date(),
      netuid: this.#o.netuid,
      mode,
      result,
      uids: vector ? [...vector.uids] : [],
      values: vector ? [...vector.values] : [],
      version_key: (vector?.versionKey ?? this.#o.versionKey).toString(),
      block: outcome?.block ?? null,
      tx_hash: outcome?.txHash ?? null,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
    };
  }

  /** Audit first-class, but never at the cost of the commit: a store outage queues the record. */
  async #audit(record: WeightCommitRecord): Promise<void> {
    if (this.#auditBacklog.length === 0) {
      try {
        await this.#o.audit.record(record);
        return;
      } catch (error) {
        this.#logger.warn({ err: error }, 'audit record queued until the store is back');
      }
    }
    this.#auditBacklog.push({ record });
    this.#o.metrics.storePendingWrites.inc();
    void this.flushAudit().then((done) => {
      if (done) this.#o.metrics.storePendingWrites.set(0);
    });
  }

  #succeeded(mode: 'set' | 'commit' | 'reveal', vector: WeightVector): void {
    const m = this.#o.metrics;
    this.#lastSuccessAt = Date.now();
    if (this.#o.countAttempts ?? true) {
      m.weightCommitsTotal.inc({ mode, result: 'success' });
      m.lastWeightCommitTimestamp.set(this.#lastSuccessAt / 1000);
      if (mode !== 'commit') m.weightsSetUids.set(vector.uids.length);
    }
    m.secondsSinceLastWeightCommit.set(0);
    this.#logger.info({ mode, uids: vector.uids, values: vector.values }, `weights ${mode === 'commit' ? 'committed' : mode === 'reveal' ? 'revealed' : 'set'} for ${vector.uids.length} uids`);
  }

  #finish(result: CommitAttemptResult): CommitAttemptResult {
    this.#lastResult = result;
    if (result.attempts > 0) this.#o.metrics.stageDuration.observe({ stage: 'weights' }, result.latencyMs / 1000);
    return result;
  }

  async #waitConnected(): Promise<void> {
    await this.#raceStop(firstValueFrom(this.#o.chain.connected$.pipe(filter(Boolean))), 'reconnect');
  }

  /** After a disconnect the state may still read "connected" until the socket notices. */
  async #waitReconnected(): Promise<void> {
    await delay(Math.min(1_000, this.#o.retryDelayMs ?? 1_000), this.#stop.signal);
    await this.#waitConnected();
  }

  async #waitForBlock(target: number): Promise<void> {
    await this.#raceStop(firstValueFrom(this.#o.chain.finalizedBlocks$.pipe(filter((b) => b.number >= target))), `block ${target}`);
  }

  async #waitBlocks(n: number): Promise<void> {
    const now = await this.#o.chain.bestBlockNumber();
    await this.#waitForBlock(now + n);
  }

  async #waitAfterRateLimit(hyper: WeightHyperparameters | undefined): Promise<void> {
    const o = this.#o;
    const status = await o.chain.validatorStatus(o.netuid, o.signer.address);
    const limit = hyper?.weightsSetRateLimit ?? (await o.chain.hyperparameters(o.netuid)).weightsSetRateLimit;
    const block = await o.chain.bestBlockNumber();
    // The chain said "too fast" even though our read said otherwise: at least one more block.
    const target = Math.max(block + 1, (status.lastUpdate ?? block) + limit);
    await this.#waitForBlock(target);
  }

  async #raceStop<T>(promise: Promise<T>, what: string): Promise<T> {
    const timeoutMs = this.#o.waitTimeoutMs ?? 10 * 60_000;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(timeoutMs)]);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new ChainTimeoutError(`gave up waiting for ${what}`, { cause: signal.reason }));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
