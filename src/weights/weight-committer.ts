import type { Subscription } from 'rxjs';
import type { WeightHyperparameters } from '../chain/types.js';
import type { Logger } from '../log.js';
import type { CycleScores } from '../scoring/cycle-types.js';
import { AuditTrail, auditRecord, type AuditBase } from './audit-trail.js';
import { CommitOutcomes } from './commit-outcomes.js';
import { sendCommit, settleFailedCommit, type CommitProgress, type CommitSendContext } from './commit-send.js';
import { checkCommitterOptions, type CommitAttemptResult, type WeightCommitterOptions } from './committer-options.js';
import { gateCycle, storedSource, vectorFrom, withoutReplacedUids, type VectorSource } from './coverage-gate.js';
import type { ProcessedWeights } from './process-weights.js';
import { decideRetry, nextTickMs, type RetryAction } from './retry-policy.js';
import { RevealScheduler, type ReconcileSummary } from './reveal-scheduler.js';
import { ChainWaits } from './weight-chain.js';

export type { WeightAudit } from './audit-trail.js';
export type { CommitAttemptResult, WeightCommitterOptions } from './committer-options.js';
export type { WeightChain } from './weight-chain.js';

type Mode = 'set' | 'commit';

/**
 * Sets weights every `set_weights_interval` from the latest cycle scores, never faster than
 * WeightsSetRateLimit blocks after our LastUpdate, by set_weights or commit/reveal as the subnet
 * demands. A thin cycle (coverage below minCoverage) never replaces the weights on chain: the
 * last good vector is committed instead. Commits are written ahead: the salt is generated here
 * and stored before the commit is sent, so a crash at any point still leaves a revealable record,
 * reconciled with the chain's WeightCommits at start-up.
 */
export class WeightCommitter {
  readonly #o: WeightCommitterOptions;
  readonly #logger: Logger;
  readonly #trail: AuditTrail;
  readonly #reveals: RevealScheduler;
  readonly #outcomes: CommitOutcomes;
  readonly #stop = new AbortController();
  readonly #waits: ChainWaits;
  #scores: CycleScores | undefined;
  #lastGood: VectorSource | null = null;
  #storedLoaded = false;
  #reconciled = false;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Commits and reveals never overlap (nonces, rate limits). */
  #chainTurn: Promise<unknown> = Promise.resolve();
  #revealQueued = false;
  /** The commit holding the chain turn waits (rate limit, store) and sends nothing meanwhile. */
  #idleWait = false;
  #retryingStartUp = false;
  #blocks: Subscription | undefined;
  #ageTimer: NodeJS.Timeout | undefined;

  constructor(options: WeightCommitterOptions) {
    checkCommitterOptions(options);
    this.#o = options;
    this.#logger = options.logger.child({ component: 'weights' });
    this.#trail = new AuditTrail(options.audit, this.#logger, options.metrics);
    this.#outcomes = new CommitOutcomes({ metrics: options.metrics, logger: this.#logger, countAttempts: options.countAttempts ?? true, stop: this.#stop.signal });
    // Both reasons exported from the start, so rate() and increase() see a series at zero.
    for (const reason of ['low_coverage', 'store_unavailable']) options.metrics.weightsSkippedTotal.inc({ reason }, 0);
    this.#waits = new ChainWaits(options.chain, this.#stop.signal, options.waitTimeoutMs ?? 10 * 60_000);
    this.#reveals = new RevealScheduler({
      chain: options.chain,
      netuid: options.netuid,
      signer: options.signer,
      trail: this.#trail,
      versionKey: options.versionKey,
      pendingGraceBlocks: options.pendingGraceBlocks ?? 10,
      logger: this.#logger,
      onRevealed: (vector) => this.#outcomes.succeeded('reveal', vector),
      onAttempt: (result) => this.#outcomes.count('reveal', result),
      onPendingChanged: (blocks) => options.metrics.ops.setPendingReveals(blocks),
      // A dry run sends nothing: it neither reveals what the journal holds nor writes it.
      ...(options.journal && !options.dryRun ? { journal: options.journal } : {}),
    });
  }

  /** Latest scores; the next due commit uses them (if their coverage allows). */
  update(scores: CycleScores): void {
    this.#scores = scores;
  }

  get hasScores(): boolean {
    return this.#scores !== undefined;
  }
  get lastResult(): CommitAttemptResult | undefined {
    return this.#outcomes.lastResult;
  }

  get auditBacklog(): number {
    return this.#trail.backlog;
  }

  /** Commits every intervalMs (the first as soon as scores exist) and reveals when due. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#blocks = this.#o.chain.finalizedBlocks$.subscribe((block) => {
      const due = this.#reveals.nextDue;
      if (due === null || block.number < due) return;
      const failed = (error: unknown) => this.#logger.warn({ err: error }, 'reveal failed; retried at the next block');
      // A commit waiting out the rate limit or the store sends nothing meanwhile: reveals need not queue behind it.
      if (this.#idleWait) return void this.#reveals.revealDue().catch(failed);
      if (this.#revealQueued) return;
      this.#revealQueued = true;
      void this.#serial(() => {
        this.#revealQueued = false;
        return this.#reveals.revealDue();
      }).catch(failed);
    });
    void this.reconcile().catch((error: unknown) => this.#logger.warn({ err: error }, 'start-up reconciliation failed (store or chain down); retried'));
    // Counted from start-up until the first success, so a validator that never manages to
    // commit still trips the "weights not committed" alert.
    const startedAt = Date.now();
    this.#ageTimer = setInterval(() => {
      this.#o.metrics.secondsSinceLastWeightCommit.set((Date.now() - (this.#outcomes.lastSuccessAt ?? startedAt)) / 1000);
      if (this.#trail.backlog > 0) void this.#trail.flush();
      // One retry at a time: a commit waiting out a rate limit must not pile them up behind it.
      if ((!this.#reconciled || !this.#storedLoaded) && !this.#retryingStartUp) {
        this.#retryingStartUp = true;
        void this.reconcile().catch(() => undefined).finally(() => (this.#retryingStartUp = false));
      }
    }, 5_000);
    this.#ageTimer.unref();
    const loop = async () => {
      if (!this.#running) return;
      if (this.#scores) {
        await this.commitNow().catch((error: unknown) => {
          this.#outcomes.failedOutright();
          this.#logger.error({ err: error }, 'weight commit failed');
        });
      }
      if (!this.#running) return;
      this.#timer = setTimeout(() => void loop(), nextTickMs({ intervalMs: this.#o.intervalMs, retryDelayMs: this.#o.retryDelayMs ?? 1_000, hasScores: this.#scores !== undefined, transientFailures: this.#outcomes.transientFailures }));
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearInterval(this.#ageTimer);
    this.#blocks?.unsubscribe();
    this.#stop.abort(new Error('weight committer stopped'));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), this.#o.stopGraceMs ?? 10_000)));
    const turn = await Promise.race([this.#chainTurn.then(() => 'done', () => 'done'), grace]).finally(() => clearTimeout(timer));
    if (turn === 'grace') this.#logger.warn('weight transaction still in flight at shutdown; left to the chain (a commit is reconciled at the next start)');
    await this.#reveals.journalWritten();
    await this.flushAudit().catch(() => undefined);
  }

  /** One due commit, retried through rate limits and reconnects. */
  commitNow(): Promise<CommitAttemptResult> {
    return this.#serial(() => this.#commitDue());
  }

  /** Writes queued audit records; true when nothing is left. */
  flushAudit(): Promise<boolean> {
    return this.#trail.flush();
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chainTurn.catch(() => undefined).then(work);
    this.#chainTurn = run;
    return run;
  }

  /**
   * Start-up work, retried until done: loads the last applied vector and reconciles the commits
   * a previous run left with the chain. start() runs it; callers may await it.
   */
  reconcile(): Promise<ReconcileSummary | null> {
    return this.#serial(() => this.#startUp());
  }

  async #startUp(): Promise<ReconcileSummary | null> {
    const o = this.#o;
    if (!o.dryRun) {
      // The journal needs no store: its commits are revealed even while the store is down.
      await this.#reveals.readJournal();
      await this.#reveals.settleIntended().catch((error: unknown) => this.#logger.warn({ err: error }, 'commits written ahead not matched with the chain yet; retried'));
    }
    if (!this.#storedLoaded) {
      const latest = o.audit.latestSuccess ? await o.audit.latestSuccess({ hotkey: o.signer.address, netuid: o.netuid }, o.dryRun ? ['dry_run'] : ['set', 'commit']) : null;
      this.#storedLoaded = true;
      const stored = storedSource(latest);
      if (stored && this.#lastGood === null) {
        this.#lastGood = stored;
        this.#logger.info({ uids: stored.uids, from: stored.from }, 'last applied weights loaded; used until a cycle reaches the coverage threshold');
      }
    }
    if (o.dryRun) this.#reconciled = true; // nothing of a dry run is on chain
    if (this.#reconciled) return null;
    const summary = await this.#reveals.reconcile();
    // A pending commit too recent to judge is looked at again at the next chance.
    this.#reconciled = summary.undecided === 0 && this.#reveals.intended === 0;
    return summary;
  }

  async #commitDue(): Promise<CommitAttemptResult> {
    const o = this.#o;
    const started = performance.now();
    const scores = this.#scores;
    const fail = (error: string, mode: CommitAttemptResult['mode'] = null, attempts = 0): CommitAttemptResult =>
      this.#outcomes.finish({ ok: false, mode, uids: [], values: [], block: null, fallback: false, attempts, error, latencyMs: performance.now() - started });
    if (!scores) return fail('ERR_WEIGHTS_NO_SCORES');
    await this.#startUp().catch((error: unknown) => this.#logger.warn({ err: error }, 'start-up reconciliation not done yet (store or chain down); retried'));
    const gate = gateCycle(scores, this.#lastGood, o.minCoverage ?? 0.9);
    if (gate.skipped) {
      o.metrics.weightsSkippedTotal.inc({ reason: gate.skipped });
      this.#logger.warn(
        { interval: scores.interval, coverage: scores.coverage ?? null, min: o.minCoverage ?? 0.9, fallback: gate.source?.kind ?? null },
        gate.source ? 'cycle coverage below weights.min_coverage: committing the last good vector instead' : 'cycle coverage below weights.min_coverage and no good vector yet: waiting for the next cycle',
      );
      if (!gate.source) {
        const message = `coverage ${gate.coverage.toFixed(3)} below ${o.minCoverage ?? 0.9} and no earlier good vector`;
        await this.#trail.record(auditRecord(this.#base(), o.dryRun ? 'dry_run' : 'set', 'skipped', null, null, { code: 'ERR_WEIGHTS_LOW_COVERAGE', message }));
        return fail('ERR_WEIGHTS_LOW_COVERAGE');
      }
    } else {
      this.#lastGood = gate.source;
    }
    const source = gate.source!;
    if (source.kind === 'cycle' && source.scores.selection.skip) {
      // The original sets nothing when no miner is active; recorded so operators see why.
      await this.#trail.record(auditRecord(this.#base(), 'set', 'error', null, null, { code: 'ERR_WEIGHTS_NO_ACTIVE_MINERS', message: source.scores.selection.skip }));
      return fail('ERR_WEIGHTS_NO_ACTIVE_MINERS');
    }
    await this.#trail.flush();
    const maxAttempts = o.maxAttempts ?? 6;
    let lastError = 'ERR_UNKNOWN';
    let lastAction: RetryAction | undefined;
    let vector: ProcessedWeights | undefined;
    let mode: Mode = 'set';
    let held = false;
    /** Best block before a set_weights whose answer was lost was sent: our LastUpdate past it means it landed (only our own set_weights moves it). */
    let setSentAfter: number | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !this.#stop.signal.aborted; attempt++) {
      let hyper: WeightHyperparameters | undefined;
      const progress: CommitProgress = {};
      try {
        await this.#waits.connected();
        const block = await o.chain.bestBlockNumber();
        hyper = await o.chain.hyperparameters(o.netuid);
        o.metrics.ops.subnetTempo.set(hyper.tempo);
        const checked = withoutReplacedUids(vectorFrom(source, hyper, o.versionKey), scores);
        vector = checked.vector;
        if (checked.replaced.length > 0) {
          this.#logger.warn({ uids: checked.replaced, from: source.kind }, 're-sent weights leave out uids re-registered to another hotkey since they were computed');
        }
        if (o.dryRun) return await this.#dryRun(vector, block, started);
        mode = hyper.commitRevealEnabled ? 'commit' : 'set';
        const status = await o.chain.validatorStatus(o.netuid, o.signer.address);
        if (mode === 'set' && setSentAfter !== undefined && status.lastUpdate !== null && status.lastUpdate > setSentAfter) {
          this.#logger.info({ block: status.lastUpdate }, 'set_weights cut off on its way landed; not sent again');
          await this.#trail.record(auditRecord(this.#base(), 'set', 'success', vector, { block: status.lastUpdate }));
          this.#outcomes.succeeded('set', vector);
          return this.#outcomes.finish({ ok: true, mode, uids: vector.uids, values: vector.values, block: status.lastUpdate, attempts: attempt, error: null, latencyMs: performance.now() - started, fallback: vector.fallback });
        }
        // LastUpdate 0 means "never set": the runtime lets a first-time setter through.
        if (status.lastUpdate !== null && status.lastUpdate !== 0 && hyper.weightsSetRateLimit > 0) {
          const allowedAt = status.lastUpdate + hyper.weightsSetRateLimit;
          if (block < allowedAt) {
            this.#logger.info({ block, allowedAt }, 'waiting for the weights rate limit');
            this.#idleWait = true;
            await this.#waits.forBlock(allowedAt).finally(() => (this.#idleWait = false));
          }
        }
        // Reveals skip the rate limit; one that came due during the wait goes first.
        await this.#reveals.revealDue().catch((error: unknown) => this.#logger.warn({ err: error }, 'due reveals not sent; retried at the next block'));
        if (vector.uids.length === 0) {
          await this.#trail.record(auditRecord(this.#base(), mode, 'error', vector, null, { code: 'ERR_WEIGHTS_EMPTY', message: 'no uid to give weight to' }));
          return fail('ERR_WEIGHTS_EMPTY', mode, attempt);
        }
        let landed: number;
        if (mode === 'commit') {
          // The store being down holds the commit: counted once per due commit.
          const onHold = () => {
            if (held) return;
            held = true;
            o.metrics.weightsSkippedTotal.inc({ reason: 'store_unavailable' });
          };
          landed = await sendCommit(this.#sendContext(onHold), vector, hyper, progress);
        } else {
          setSentAfter = block;
          const outcome = await o.chain.setWeights(o.netuid, vector, o.signer);
          await this.#trail.record(auditRecord(this.#base(), 'set', 'success', vector, outcome));
          landed = outcome.block;
        }
        this.#outcomes.succeeded(mode, vector);
        return this.#outcomes.finish({ ok: true, mode, uids: vector.uids, values: vector.values, block: landed, attempts: attempt, error: null, latencyMs: performance.now() - started, fallback: vector.fallback });
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        const decision = decideRetry(error);
        lastError = decision.code;
        const detail = { code: decision.code, message: (error as Error).message };
        const { ahead, sent } = progress;
        if (ahead) {
          if (decision.mayHaveLanded) this.#reconciled = false;
          const landed = await settleFailedCommit(this.#sendContext(() => undefined), { ...progress, ahead }, decision, detail.message);
          if (landed !== null && sent) {
            this.#outcomes.succeeded('commit', sent.vector);
            return this.#outcomes.finish({ ok: true, mode, uids: sent.vector.uids, values: sent.vector.values, block: landed, attempts: attempt, error: null, latencyMs: performance.now() - started, fallback: sent.vector.fallback });
          }
        } else {
          await this.#trail.record(auditRecord(this.#base(), mode, decision.result, vector ?? null, null, detail));
          if (!decision.mayHaveLanded) setSentAfter = undefined; // else the next attempt looks for it first
        }
        this.#outcomes.count(mode, decision.result);
        lastAction = decision.action;
        await this.#waits.after(decision.action, {
          attempt,
          error,
          retryDelayMs: o.retryDelayMs ?? 1_000,
          logger: this.#logger,
          rateLimitTarget: () => this.#rateLimitTarget(hyper),
        });
        if (decision.action === 'give_up') break;
      }
    }
    return this.#outcomes.finish({
      ok: false,
      mode,
      uids: vector?.uids ?? [],
      values: vector?.values ?? [],
      block: null,
      attempts: maxAttempts,
      error: lastError,
      latencyMs: performance.now() - started,
      fallback: vector?.fallback ?? false,
    }, lastAction !== undefined && lastAction !== 'give_up');
  }

  #sendContext(onHold: () => void): CommitSendContext {
    const o = this.#o;
    return {
      chain: o.chain,
      signer: o.signer,
      base: this.#base(),
      trail: this.#trail,
      reveals: this.#reveals,
      waits: this.#waits,
      retryDelayMs: o.retryDelayMs ?? 1_000,
      cutOff: { chain: o.chain, waits: this.#waits, stop: this.#stop.signal, netuid: o.netuid, hotkey: o.signer.address, graceBlocks: o.pendingGraceBlocks ?? 10, retryDelayMs: o.retryDelayMs ?? 1_000 },
      logger: this.#logger,
      onHold,
      idle: (waiting) => (this.#idleWait = waiting),
    };
  }

  async #dryRun(vector: ProcessedWeights, block: number, started: number): Promise<CommitAttemptResult> {
    await this.#trail.record(auditRecord(this.#base(), 'dry_run', 'success', vector, { block }));
    this.#logger.info({ uids: vector.uids, values: vector.values, block }, `dry run: weights for ${vector.uids.length} uids recorded, nothing submitted`);
    return this.#outcomes.finish({ ok: true, mode: 'dry_run', uids: vector.uids, values: vector.values, block, attempts: 1, error: null, latencyMs: performance.now() - started, fallback: vector.fallback });
  }

  #base(): AuditBase {
    return { hotkey: this.#o.signer.address, netuid: this.#o.netuid, versionKey: this.#o.versionKey };
  }

  /** Where a rate-limited attempt may go again: WeightsSetRateLimit after LastUpdate, at least a block on. */
  async #rateLimitTarget(hyper: WeightHyperparameters | undefined): Promise<number> {
    const o = this.#o;
    const status = await o.chain.validatorStatus(o.netuid, o.signer.address);
    const limit = hyper?.weightsSetRateLimit ?? (await o.chain.hyperparameters(o.netuid)).weightsSetRateLimit;
    const block = await o.chain.bestBlockNumber();
    return Math.max(block + 1, (status.lastUpdate ?? block) + limit);
  }
}
