import { setMaxListeners } from 'node:events';
import pRetry from 'p-retry';
import { filter, firstValueFrom, timeout, type Subscription } from 'rxjs';
import type { ChainClient, CommitmentRecord, MetagraphDiff, Neuron } from '../chain/types.js';
import { ChainDisconnectedError, ChainTimeoutError, errorCode } from '../errors.js';
import { intervalKey, intervalStart } from '../formats/interval.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { resolveOwners, type OwnershipClaim } from '../scoring/resolve-owners.js';
import { selectWeights } from '../scoring/select-weights.js';
import type { CycleScores } from '../scoring/cycle-types.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringPolicyName, WeightSelection } from '../scoring/types.js';
import type { MetricSnapshot, ScoreRecord } from '../store/types.js';
import type {
  ActorParent,
  ActorResult,
  ActorState,
  CollectReport,
  CollectRequest,
  PersistReport,
  PersistRequest,
} from '../actors/types.js';
import { claimKey } from '../actors/types.js';
import type { DependencyLimiter } from './dependency-limiter.js';

/** What the supervisor needs of an actor; MinerActor is the implementation. */
export interface ActorHandle {
  readonly uid: number;
  readonly hotkey: string;
  readonly state: ActorState;
  collect(request: CollectRequest): Promise<ActorResult<CollectReport>>;
  persist(request: PersistRequest): Promise<ActorResult<PersistReport>>;
  stop(reason?: string): Promise<void>;
}

export interface MinerScorer {
  score(miners: readonly MinerScoringInput[]): Promise<MinerPolicyResult[]>;
}

export interface SnapshotHistory {
  history(hotkey: string): Promise<MetricSnapshot[]>;
  /** Told what was persisted (a HistoryCache keeps loaded histories current with it). */
  record?(snapshots: readonly MetricSnapshot[]): void;
  /** Told that a hotkey left the subnet. */
  forget?(hotkey: string): void;
}

export interface ScoreLog {
  record(records: readonly ScoreRecord[]): Promise<void>;
}

/** What one cycle hands to the weight committer. */
export type { CycleScores } from '../scoring/cycle-types.js';

export interface CycleSummary {
  readonly interval: string;
  readonly result: 'ok' | 'partial' | 'failed';
  readonly block: number | null;
  readonly miners: number;
  readonly actors: number;
  readonly reported: number;
  readonly timedOut: number;
  readonly submissions: { readonly accepted: number; readonly rejected: number; readonly rejectedByReason: Record<string, number> };
  readonly snapshots: { readonly inserted: number; readonly matched: number; readonly buffered: number };
  readonly contested: number;
  readonly scored: boolean;
  readonly top: readonly number[];
  readonly errors: readonly string[];
  readonly durationsMs: { readonly collect: number; readonly persist: number; readonly score: number; readonly total: number };
}

export interface SupervisorOptions {
  readonly chain: Pick<ChainClient, 'metagraphDiffs$' | 'metagraph' | 'commitments'> & Partial<Pick<ChainClient, 'connected$'>>;
  readonly netuid: number;
  /** This validator's hotkey: never run as a miner. */
  readonly selfHotkey: string;
  readonly createActor: (neuron: Neuron, parent: ActorParent) => ActorHandle;
  readonly scorer: MinerScorer;
  readonly history: SnapshotHistory;
  readonly scoreLog?: ScoreLog;
  readonly limiter: DependencyLimiter;
  readonly policy: ScoringPolicyName;
  readonly topMiners: number;
  readonly requireSignedSubmissions: boolean;
  /** Cycle period (submission_update_interval), in ms. */
  readonly cycleIntervalMs: number;
  /** Grid of interval keys in seconds (default: the cycle period, at least 60 s). */
  readonly intervalSeconds?: number;
  /** Per-cycle budget for miners to report; late miners are aborted and skipped this cycle. */
  readonly cycleDeadlineMs?: number;
  /** Miners start within a random delay of up to this, spreading load over the cycle. */
  readonly jitterMs?: number;
  /** Clock for interval keys (simulated on the embedded network). */
  readonly now?: () => Date;
  /** Called before each cycle; the embedded network advances simulated time here. */
  readonly beforeCycle?: () => void | Promise<void>;
  readonly onScores?: (scores: CycleScores) => void;
  readonly onCycle?: (summary: CycleSummary) => void;
  /** Crash-restart backoff. */
  readonly restartDelayMs?: { readonly min: number; readonly max: number };
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
}

interface Slot {
  actor: ActorHandle;
  neuron: Neuron;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Keeps one actor per miner uid in step with the metagraph and drives the validation cycle:
 * every actor collects in parallel under a deadline, ownership is resolved across miners, the
 * actors persist, and the stored histories are scored through the pool. A miner that is slow,
 * failing or crashing only loses its own cycle.
 */
export class Supervisor implements ActorParent {
  readonly #o: SupervisorOptions;
  readonly #logger: Logger;
  readonly #slots = new Map<number, Slot>();
  /** Every neuron (miners, validators, ourselves): the weight vector spans the metagraph. */
  readonly #neurons = new Map<number, Neuron>();
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<CycleSummary> | undefined;
  #running = false;
  #stopping = false;
  #collectAbort = new AbortController();
  #lastCommitments: CommitmentRecord[] = [];
  #cycles = 0;
  #lastSummary: CycleSummary | undefined;

  constructor(options: SupervisorOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (typeof options.createActor !== 'function') throw new TypeError('options.createActor must be a function');
    if (!Number.isFinite(options.cycleIntervalMs) || options.cycleIntervalMs <= 0) {
      throw new RangeError(`options.cycleIntervalMs must be a positive number, got ${String(options.cycleIntervalMs)}`);
    }
    if (options.cycleDeadlineMs !== undefined && (!Number.isFinite(options.cycleDeadlineMs) || options.cycleDeadlineMs <= 0)) {
      throw new RangeError(`options.cycleDeadlineMs must be a positive number, got ${String(options.cycleDeadlineMs)}`);
    }
    if (!Number.isInteger(options.topMiners) || options.topMiners < 1) {
      throw new RangeError(`options.topMiners must be an integer >= 1, got ${String(options.topMiners)}`);
    }
    this.#o = options;
    this.#logger = options.logger.child({ component: 'supervisor' });
  }

  /** Uids with a live actor. */
  get actorUids(): number[] {
    return [...this.#slots.keys()].sort((a, b) => a - b);
  }

  actor(uid: number): ActorHandle | undefined {
    return this.#slots.get(uid)?.actor;
  }

  get cycles(): number {
    return this.#cycles;
  }

  get lastSummary(): CycleSummary | undefined {
    return this.#lastSummary;
  }

  /** Follows the metagraph; actors appear and disappear as miners register and leave. */
  watch(): void {
    if (this.#subscription) return;
    this.#subscription = this.#o.chain.metagraphDiffs$(this.#o.netuid).subscribe({
      next: (diff) => this.#apply(diff),
      error: (error: unknown) => this.#logger.error({ err: error }, 'metagraph diff stream failed'),
    });
  }

  /** Runs a cycle now and then every cycleIntervalMs until stop(). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.watch();
    const loop = async () => {
      if (!this.#running) return;
      const started = Date.now();
      await this.runCycle().catch((error: unknown) => this.#logger.error({ err: error }, 'cycle failed'));
      if (!this.#running) return;
      const wait = Math.max(0, this.#o.cycleIntervalMs - (Date.now() - started));
      this.#timer = setTimeout(() => void loop(), wait);
    };
    void loop();
  }

  /** One full cycle; concurrent calls share the cycle in progress. */
  runCycle(): Promise<CycleSummary> {
    this.#cycle ??= this.#runCycle().finally(() => (this.#cycle = undefined));
    return this.#cycle;
  }

  /**
   * Stops accepting work: no new cycle, in-flight collection aborted, in-flight persists
   * finished, then every actor stopped.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    this.#collectAbort.abort(new Error('validator shutting down'));
    await this.#cycle?.catch(() => undefined);
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    for (const slot of slots) clearTimeout(slot.restartTimer);
    await Promise.all(slots.map((slot) => slot.actor.stop('validator shutting down')));
    this.#o.metrics.actorsRunning.set(0);
  }

  actorFailed(uid: number, hotkey: string, error: Error): void {
    const slot = this.#slots.get(uid);
    if (!slot || slot.actor.hotkey !== hotkey || this.#stopping) return;
    slot.crashes++;
    const { min, max } = this.#o.restartDelayMs ?? { min: 1_000, max: 60_000 };
    const delay = Math.min(max, min * 2 ** (slot.crashes - 1));
    this.#logger.warn({ uid, hotkey: hotkey.slice(0, 8), err: error, delayMs: delay }, 'actor crashed; restarting');
    clearTimeout(slot.restartTimer);
    slot.restartTimer = setTimeout(() => {
      const current = this.#slots.get(uid);
      if (current !== slot || this.#stopping) return;
      void slot.actor.stop('crashed');
      const actor = this.#o.createActor(slot.neuron, this);
      this.#slots.set(uid, { actor, neuron: slot.neuron, crashes: slot.crashes });
      this.#o.metrics.actorRestartsTotal.inc({ reason: 'crashed' });
    }, delay);
    slot.restartTimer.unref?.();
  }

  #eligible(neuron: Neuron): boolean {
    // The original excludes validators (permit holders) from mining, and never scores itself.
    return !neuron.validatorPermit && neuron.hotkey !== this.#o.selfHotkey;
  }

  #apply(diff: MetagraphDiff): void {
    this.#o.metrics.metagraphEventsTotal.inc({ kind: diff.kind });
    switch (diff.kind) {
      case 'joined':
        this.#neurons.set(diff.uid, diff.neuron);
        this.#ensure(diff.neuron, 'joined');
        break;
      case 'left':
        this.#neurons.delete(diff.uid);
        this.#retire(diff.uid, 'deregistered');
        break;
      case 'replaced':
        this.#neurons.set(diff.uid, diff.neuron);
        this.#retire(diff.uid, 'hotkey replaced');
        this.#ensure(diff.neuron, 'hotkey_replaced');
        break;
      case 'permit_changed':
        this.#neurons.set(diff.uid, diff.neuron);
        if (this.#eligible(diff.neuron)) this.#ensure(diff.neuron, 'joined');
        else this.#retire(diff.uid, 'validator permit');
        break;
    }
    this.#observeMetagraph();
  }

  /** Metagraph gauges, including whether our own hotkey holds a permit (an operator's first question). */
  #observeMetagraph(): void {
    this.#o.metrics.metagraphNeurons.set(this.#neurons.size);
    let permit = 0;
    for (const neuron of this.#neurons.values()) {
      if (neuron.hotkey === this.#o.selfHotkey) {
        permit = neuron.validatorPermit ? 1 : 0;
        break;
      }
    }
    this.#o.metrics.validatorPermit.set(permit);
  }

  #ensure(neuron: Neuron, reason: 'joined' | 'hotkey_replaced'): void {
    if (this.#stopping || !this.#eligible(neuron)) return;
    const slot = this.#slots.get(neuron.uid);
    if (slot && slot.actor.hotkey === neuron.hotkey) {
      slot.neuron = neuron;
      return;
    }
    if (slot) this.#retire(neuron.uid, 'hotkey replaced');
    const actor = this.#o.createActor(neuron, this);
    this.#slots.set(neuron.uid, { actor, neuron, crashes: 0 });
    this.#o.metrics.actorRestartsTotal.inc({ reason });
    this.#o.metrics.actorsRunning.set(this.#slots.size);
  }

  #retire(uid: number, reason: string): void {
    const slot = this.#slots.get(uid);
    if (!slot) return;
    this.#slots.delete(uid);
    clearTimeout(slot.restartTimer);
    this.#o.history.forget?.(slot.actor.hotkey);
    // Aborts the actor's in-flight HTTP calls; its pending messages resolve as stopped.
    void slot.actor.stop(reason);
    this.#o.metrics.actorsRunning.set(this.#slots.size);
  }

  /** Brings actors in line with a full metagraph read (diffs may have been missed). */
  #reconcile(neurons: readonly Neuron[]): void {
    const seen = new Set<number>();
    for (const neuron of neurons) {
      seen.add(neuron.uid);
      const known = this.#neurons.get(neuron.uid);
      this.#neurons.set(neuron.uid, neuron);
      if (!this.#eligible(neuron)) this.#retire(neuron.uid, 'validator permit');
      else this.#ensure(neuron, known && known.hotkey !== neuron.hotkey ? 'hotkey_replaced' : 'joined');
    }
    for (const uid of [...this.#neurons.keys()]) {
      if (!seen.has(uid)) {
        this.#neurons.delete(uid);
        this.#retire(uid, 'deregistered');
      }
    }
    this.#observeMetagraph();
  }

  /**
   * A cycle-start chain read that outlives a dropped socket: wait for the reconnect and read
   * again, a few times. Without it the first cycle after a drop would run with no commitments
   * (there is nothing earlier to fall back on) and every miner would lose that interval.
   */
  #chainRead<T>(read: () => Promise<T>): Promise<T> {
    const chain = this.#o.chain;
    return pRetry(read, {
      retries: 3,
      minTimeout: 100,
      maxTimeout: 2_000,
      signal: this.#collectAbort.signal,
      shouldRetry: ({ error }) => error instanceof ChainDisconnectedError || error instanceof ChainTimeoutError,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        this.#logger.warn({ err: error, attemptNumber }, 'chain read failed; waiting for the connection');
        if (!chain.connected$) return;
        await firstValueFrom(
          chain.connected$.pipe(
            filter((up) => up),
            timeout({ first: 30_000 }),
          ),
        ).catch(() => undefined);
      },
    });
  }

  async #runCycle(): Promise<CycleSummary> {
    const o = this.#o;
    const t0 = performance.now();
    const errors: string[] = [];
    await o.beforeCycle?.();
    const now = o.now?.() ?? new Date();
    const interval = intervalKey(intervalStart(now, o.intervalSeconds ?? Math.max(60, Math.round(o.cycleIntervalMs / 1000))));
    const log = this.#logger.child({ interval });

    let block: number | null = null;
    const stage = (name: string, since: number) => o.metrics.stageDuration.observe({ stage: name }, (performance.now() - since) / 1000);
    const tMetagraph = performance.now();
    try {
      const snapshot = await this.#chainRead(() => o.chain.metagraph(o.netuid));
      block = snapshot.block;
      this.#reconcile(snapshot.neurons);
    } catch (error) {
      errors.push(`metagraph: ${errorCode(error)}`);
      log.warn({ err: error }, 'metagraph read failed; using the last known neurons');
    }
    stage('metagraph', tMetagraph);
    const tCommitments = performance.now();
    try {
      this.#lastCommitments = await this.#chainRead(() => o.chain.commitments(o.netuid));
    } catch (error) {
      errors.push(`commitments: ${errorCode(error)}`);
      log.warn({ err: error }, 'commitments read failed; using the last ones read');
    }
    stage('commitments', tCommitments);
    const commitments = new Map(this.#lastCommitments.map((c) => [c.hotkey, c]));

    // Collect: every actor in parallel, each bounded by the shared dependency queues.
    const tCollect = performance.now();
    const deadline = AbortSignal.timeout(o.cycleDeadlineMs ?? Math.max(1_000, o.cycleIntervalMs * 0.8));
    const signal = AbortSignal.any([deadline, this.#collectAbort.signal]);
    // Shared by every actor of the cycle: thousands of listeners are expected, not a leak.
    setMaxListeners(0, signal, this.#collectAbort.signal);
    const jitter = o.jitterMs ?? 0;
    const slots = [...this.#slots.values()];
    const results = await Promise.all(
      slots.map((slot) =>
        slot.actor.collect({
          interval,
          commitment: commitments.get(slot.actor.hotkey),
          signal,
          jitterMs: jitter > 0 ? Math.floor(Math.random() * jitter) : 0,
        }),
      ),
    );
    const collectMs = performance.now() - tCollect;
    const reports: CollectReport[] = [];
    let timedOut = 0;
    for (const result of results) {
      if (result.ok) reports.push(result.value);
      else if (result.code === 'ERR_ACTOR_ABORTED') timedOut++;
    }

    // One owner per video, across every miner that reported.
    const claims: OwnershipClaim[] = [];
    for (const report of reports) {
      for (const c of report.candidates) {
        claims.push({
          uid: report.uid,
          hotkey: report.hotkey,
          platform: c.platform,
          content_id: c.content_id,
          caption_ok: c.caption_ok,
          signature: c.signature_ok === null ? 'unsigned' : c.signature_ok ? 'valid' : 'invalid',
          commitment_block: report.commitmentBlock,
        });
      }
    }
    const resolution = resolveOwners(claims, { requireSigned: o.requireSignedSubmissions });
    const lost = new Map<string, Set<string>>();
    for (const loss of resolution.losers) {
      let set = lost.get(loss.hotkey);
      if (!set) lost.set(loss.hotkey, (set = new Set()));
      set.add(claimKey(loss.platform, loss.content_id));
    }

    // Persist: not bound to the collect deadline, so a shutdown still finishes its writes.
    const tPersist = performance.now();
    const reported = new Set(reports.map((r) => r.uid));
    const persisted = await Promise.all(
      slots
        .filter((slot) => reported.has(slot.actor.uid))
        .map((slot) => slot.actor.persist({ interval, lostClaims: lost.get(slot.actor.hotkey) ?? new Set() })),
    );
    const persistMs = performance.now() - tPersist;
    const totals = { accepted: 0, rejected: 0, rejectedByReason: {} as Record<string, number> };
    const snapshots = { inserted: 0, matched: 0, buffered: 0 };
    for (const result of persisted) {
      if (!result.ok) {
        if (result.code !== 'ERR_ACTOR_STOPPED') errors.push(`persist: ${result.code}`);
        continue;
      }
      const p = result.value;
      o.history.record?.(p.snapshots);
      totals.accepted += p.accepted;
      for (const [reason, n] of Object.entries(p.rejectedByReason)) {
        totals.rejected += n;
        totals.rejectedByReason[reason] = (totals.rejectedByReason[reason] ?? 0) + n;
      }
      snapshots.inserted += p.inserted;
      snapshots.matched += p.matched;
      snapshots.buffered += p.buffered;
    }

    // Score every miner from its stored history, on the pool.
    const tScore = performance.now();
    let scored = false;
    let top: readonly number[] = [];
    if (!this.#stopping) {
      try {
        const selection = await this.#score(interval);
        scored = true;
        top = selection.top;
        o.onScores?.({ interval, selection, neurons: [...this.#neurons.keys()].sort((a, b) => a - b), computedAt: new Date() });
      } catch (error) {
        errors.push(`score: ${errorCode(error)}`);
        log.warn({ err: error }, 'scoring skipped this cycle; the last scores stay in force');
      }
    }
    const scoreMs = performance.now() - tScore;
    stage('score', tScore);
    const totalMs = performance.now() - t0;

    const result: CycleSummary['result'] = errors.length === 0 && timedOut === 0 ? 'ok' : scored || reports.length > 0 ? 'partial' : 'failed';
    const summary: CycleSummary = {
      interval,
      result,
      block,
      miners: this.#neurons.size,
      actors: slots.length,
      reported: reports.length,
      timedOut,
      submissions: totals,
      snapshots,
      contested: resolution.winners.size,
      scored,
      top,
      errors,
      durationsMs: { collect: round(collectMs), persist: round(persistMs), score: round(scoreMs), total: round(totalMs) },
    };
    this.#cycles++;
    this.#lastSummary = summary;
    o.metrics.cyclesTotal.inc({ result });
    o.metrics.cycleDuration.observe({ policy: o.policy }, totalMs / 1000);
    log.info(
      {
        result,
        miners: summary.miners,
        reported: summary.reported,
        timedOut,
        accepted: totals.accepted,
        rejected: totals.rejected,
        snapshots: snapshots.inserted,
        buffered: snapshots.buffered,
        top,
        ms: summary.durationsMs.total,
      },
      `cycle ${interval}: ${summary.reported}/${summary.actors} miners, ${totals.accepted} accepted, ${totals.rejected} rejected, ` +
        `${snapshots.inserted} snapshots, top ${top.join(',') || '-'} in ${(totalMs / 1000).toFixed(1)} s`,
    );
    o.onCycle?.(summary);
    return summary;
  }

  async #score(interval: string): Promise<WeightSelection> {
    const o = this.#o;
    const miners = [...this.#neurons.values()].filter((n) => this.#eligible(n)).sort((a, b) => a.uid - b.uid);
    const inputs = await Promise.all(
      miners.map(async (neuron) => ({
        uid: neuron.uid,
        hotkey: neuron.hotkey,
        stake: neuron.stake,
        validator_permit: neuron.validatorPermit,
        history: await o.limiter.run('store', () => o.history.history(neuron.hotkey)),
      })),
    );
    const results = await o.scorer.score(inputs);
    const selection = selectWeights(results, { policy: o.policy, topMiners: o.topMiners });
    for (const entry of selection.scores) o.metrics.minerScore.set({ uid: String(entry.uid) }, entry.score);
    if (o.scoreLog) {
      const byUid = new Map(results.map((r) => [r.uid, r]));
      const computedAt = new Date();
      const records: ScoreRecord[] = selection.scores.map((s) => ({
        interval,
        policy: selection.policy,
        hotkey: s.hotkey,
        uid: s.uid,
        score: s.score,
        details: summarizeResult(byUid.get(s.uid)),
        computed_at: computedAt,
      }));
      // Audit data: a failed write is logged, not allowed to block the weights.
      await o.limiter.run('store', () => o.scoreLog!.record(records)).catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'score history not stored this cycle');
      });
    }
    return selection;
  }
}

function round(ms: number): number {
  return Math.round(ms);
}

function summarizeResult(result: MinerPolicyResult | undefined): Record<string, unknown> {
  if (!result) return {};
  const r = result.result;
  if (r.policy === 'engagement') {
    return { active: result.active, contentScore: r.contentScore, engagementRate: r.engagementRate, contents: r.contents.length };
  }
  return { active: result.active, score: r.score, reason: r.reason, followersNow: r.followersNow };
}
