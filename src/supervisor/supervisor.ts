import { setMaxListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import type { CommitmentRecord, Neuron } from '../chain/types.js';
import { errorCode } from '../errors.js';
import { intervalKey, intervalStart } from '../formats/interval.js';
import { failureFields, type Logger } from '../log.js';
import type { WeightSelection } from '../scoring/types.js';
import type { ActorResult, CollectReport, PersistReport } from '../actors/types.js';
import { ActorRegistry } from './actor-registry.js';
import { readThroughReconnects } from './chain-read.js';
import { LateOwnership, claimsOf, collectUntilDeadline, isCovered, lostClaimsByHotkey, type LateCollect } from './collect-phase.js';
import { coverageOf, logCycle, type CycleScores, type CycleSummary } from './cycle-types.js';
import { dependencyOutages } from './dependency-outages.js';
import { checkSupervisorOptions, type SupervisorOptions } from './supervisor-options.js';
import { scoreNeurons } from './score-cycle.js';
import { processLateStoredLists, storedListsRequest } from './stored-lists.js';
import { scoringView } from './scoring-view.js';
import type { ActorHandle } from './actor-handle.js';

export type { ActorHandle } from './actor-handle.js';
export type { CycleCoverage, CycleScores, CycleSummary } from './cycle-types.js';
export type { MinerScorer, ScoreLog, SnapshotHistory } from './score-cycle.js';
export type { SupervisorOptions } from './supervisor-options.js';

/**
 * Drives the validation cycle over the actor registry: every actor collects in parallel, owners
 * are resolved across miners, the actors persist, and stored histories are scored on the pool.
 * A slow, failing or crashing miner only loses its own cycle, and a slow one not even that.
 */
export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #logger: Logger;
  readonly #registry: ActorRegistry;
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<CycleSummary> | undefined;
  #running = false;
  #stopping = false;
  #collectAbort = new AbortController();
  #lastCommitments: CommitmentRecord[] = [];
  #cycles = 0;
  #lastSummary: CycleSummary | undefined;
  /** The last scores handed on: their interval, coverage and the metagraph they were computed on. */
  #lastScored: { interval: string; coverage: CycleScores['coverage']; view: string } | undefined;
  /** Bumped by every cycle; late results only rescore while their cycle is still the latest. */
  #cycleSeq = 0;
  /** Late collections of past cycles still running; stop() waits for their writes. */
  readonly #late = new Set<Promise<void>>();

  constructor(options: SupervisorOptions) {
    checkSupervisorOptions(options);
    this.#o = options;
    this.#logger = options.logger.child({ component: 'supervisor' });
    this.#registry = new ActorRegistry({
      selfHotkey: options.selfHotkey,
      createActor: options.createActor,
      ...(options.history.forget ? { forget: (hotkey: string) => options.history.forget!(hotkey) } : {}),
      ...(options.restartDelayMs ? { restartDelayMs: options.restartDelayMs } : {}),
      logger: this.#logger,
      metrics: options.metrics,
    });
  }

  /** Uids with a live actor. */
  get actorUids(): number[] {
    return this.#registry.uids;
  }

  actor(uid: number): ActorHandle | undefined {
    return this.#registry.actor(uid);
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
      next: (diff) => this.#registry.apply(diff),
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
    await Promise.allSettled([...this.#late]);
    await this.#registry.close();
  }

  #chainRead<T>(read: () => Promise<T>): Promise<T> {
    return readThroughReconnects(read, { chain: this.#o.chain, signal: this.#collectAbort.signal, logger: this.#logger });
  }

  async #runCycle(): Promise<CycleSummary> {
    const o = this.#o;
    const t0 = performance.now();
    const seq = ++this.#cycleSeq;
    const errors: string[] = [];
    await o.beforeCycle?.();
    const now = o.now?.() ?? new Date();
    const interval =
      o.alignIntervals === false
        ? intervalKey(now)
        : intervalKey(intervalStart(now, o.intervalSeconds ?? Math.max(60, Math.round(o.cycleIntervalMs / 1000))));
    const log = this.#logger.child({ interval });

    let block: number | null = null;
    const stage = (name: string, since: number) => o.metrics.stageDuration.observe({ stage: name }, (performance.now() - since) / 1000);
    const tMetagraph = performance.now();
    try {
      const snapshot = await this.#chainRead(() => o.chain.metagraph(o.netuid));
      block = snapshot.block;
      this.#registry.reconcile(snapshot.neurons);
    } catch (error) {
      errors.push(`metagraph: ${errorCode(error)}`);
      log.warn(failureFields(error), 'metagraph read failed; using the last known neurons');
    }
    stage('metagraph', tMetagraph);
    // Scored on the metagraph just read until the next cycle reads one, as the original's ticks
    // are: a neuron that registers meanwhile is not ranked (or paid by the fallback) before then.
    const synced = [...this.#registry.neurons.values()];
    await this.#rescoreOnNewMetagraph(synced, log);
    const tCommitments = performance.now();
    try {
      this.#lastCommitments = await this.#chainRead(() => o.chain.commitments(o.netuid));
    } catch (error) {
      errors.push(`commitments: ${errorCode(error)}`);
      log.warn(failureFields(error), 'commitments read failed; using the last ones read');
    }
    stage('commitments', tCommitments);
    const commitments = new Map<string, CommitmentRecord>(this.#lastCommitments.map((c) => [c.hotkey, c]));

    // Collect: every actor in parallel, each bounded by the shared dependency queues.
    const tCollect = performance.now();
    const callsBefore = o.limiter.calls();
    // Shared by every actor of the cycle: thousands of listeners are expected, not a leak.
    setMaxListeners(0, this.#collectAbort.signal);
    const actors = this.#registry.actors;
    const expected = actors.filter((a) => commitments.has(a.hotkey)).length;
    const progress = o.progress?.begin(interval, actors.length);
    const deadlineMs = o.cycleDeadlineMs ?? Math.max(1_000, o.cycleIntervalMs * 0.8);
    const collected = await collectUntilDeadline({
      ...(progress ? { onResult: (result) => progress.done(result) } : {}),
      actors,
      interval,
      commitments,
      signal: this.#collectAbort.signal,
      deadlineMs,
      ...(o.collectGrace === false ? {} : { grace: this.#grace(deadlineMs) }),
      jitterMs: o.jitterMs ?? 0,
    });
    const collectMs = performance.now() - tCollect;
    progress?.end();
    const { reports, late } = collected;
    for (const code of collected.failures) errors.push(`collect: ${code}`);

    // Stored lists of hotkeys that are no peer, processed again as the original does.
    const stored = (await o.storedLists?.collect(storedListsRequest({ interval, neurons: this.#registry.neurons.values(), commitments, reports, signal: this.#collectAbort.signal }))) ?? [];
    const claims = claimsOf([...reports, ...stored]);
    const owners = lostClaimsByHotkey(claims, { enabled: o.resolveOwnership !== false, requireSigned: o.requireSignedSubmissions });

    // Persist: not bound to any deadline, so a shutdown still finishes its writes.
    const tPersist = performance.now();
    const reportedUids = new Set(reports.map((r) => r.uid));
    const totals = { accepted: 0, rejected: 0, rejectedByReason: {} as Record<string, number> };
    const snapshots = { inserted: 0, matched: 0, buffered: 0 };
    const persisted = (result: ActorResult<PersistReport>): void => {
      if (!result.ok) {
        if (result.code !== 'ERR_ACTOR_STOPPED') errors.push(`persist: ${result.code}`);
        return;
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
    };
    const lostOf = (hotkey: string): ReadonlySet<string> => owners.lost.get(hotkey) ?? new Set();
    await Promise.all([
      ...actors.filter((actor) => reportedUids.has(actor.uid)).map(async (actor) => persisted(await actor.persist({ interval, lostClaims: lostOf(actor.hotkey) }))),
      ...stored.map(async (report) => persisted(await o.storedLists!.persist(report, lostOf(report.hotkey), this.#collectAbort.signal))),
    ]);
    const persistMs = performance.now() - tPersist;
    for (const outage of dependencyOutages(callsBefore, o.limiter.calls())) errors.push(outage);

    const covered = reports.filter((r) => commitments.has(r.hotkey) && isCovered(r)).length;
    const coverage = coverageOf(covered, expected);
    o.metrics.cycleCoverage.set(coverage.ratio);

    // Score every neuron from its stored history, on the pool.
    const tScore = performance.now();
    let scored = false;
    let top: readonly number[] = [];
    if (!this.#stopping) {
      try {
        const selection = await this.#score(interval, log, synced);
        scored = true;
        top = selection.top;
        this.#handOn(interval, selection, coverage, synced);
      } catch (error) {
        errors.push(`score: ${errorCode(error)}`);
        // With no history read there is nothing to score from: the cycle's own snapshots alone
        // would set every miner's baseline and score nothing, a vector that zeroes them all.
        log.warn(
          { err: error },
          this.#lastScored
            ? 'scoring skipped this cycle; the last scores stay in force'
            : 'scoring skipped this cycle and nothing scored yet: no weights are set until histories can be read',
        );
      }
    } else {
      // Collection was cut short and nothing was scored: not a cycle to report as ok.
      errors.push('stopped: validator shutting down');
    }
    const scoreMs = performance.now() - tScore;
    stage('score', tScore);
    const totalMs = performance.now() - t0;

    const withGists = reports.filter((r) => commitments.has(r.hotkey) && r.status !== 'no_commitment' && r.status !== 'bad_commitment');
    const everyGistFailed = withGists.length > 0 && withGists.every((r) => r.status === 'gist_failed');
    if (everyGistFailed) errors.push('gists: every fetch failed');
    const timedOutUids = late.map((l) => l.actor.uid).sort((a, b) => a - b);
    const result: CycleSummary['result'] =
      everyGistFailed || (!scored && reports.length === 0) ? 'failed' : errors.length === 0 && late.length === 0 ? 'ok' : 'partial';
    const summary: CycleSummary = {
      interval,
      result,
      block,
      miners: this.#registry.neurons.size,
      actors: actors.length,
      reported: reports.length,
      timedOut: late.length,
      timedOutUids,
      coverage,
      submissions: totals,
      snapshots,
      contested: owners.contested,
      scored,
      top,
      errors,
      durationsMs: { collect: Math.round(collectMs), persist: Math.round(persistMs), score: Math.round(scoreMs), total: Math.round(totalMs) },
    };
    this.#cycles++;
    this.#lastSummary = summary;
    o.metrics.cyclesTotal.inc({ result });
    o.metrics.cycleDuration.observe({ policy: o.policy }, totalMs / 1000);
    logCycle(log, summary);
    o.onCycle?.(summary);
    if (late.length > 0) this.#track(this.#finishLate({ seq, interval, late, claims, commitments, covered, expected, synced, storedHotkeys: new Set(stored.map((r) => r.hotkey)), log }));
    return summary;
  }

  #grace(deadlineMs: number): { stallMs: number; maxMs: number; progress: () => number } {
    const grace = this.#o.collectGrace || {};
    const limiter = this.#o.limiter;
    return {
      stallMs: grace.stallMs ?? Math.min(30_000, Math.max(1_000, deadlineMs / 10)),
      maxMs: Math.max(deadlineMs, grace.maxMs ?? this.#o.cycleIntervalMs * 2),
      progress: () => limiter.finished,
    };
  }

  #handOn(interval: string, selection: WeightSelection, coverage: CycleScores['coverage'], scored: readonly Neuron[]): void {
    this.#lastScored = { interval, coverage, view: scoringView(scored) };
    const neurons = scored.map((n) => n.uid).sort((a, b) => a - b);
    this.#o.onScores?.({ interval, selection, neurons, computedAt: new Date(), coverage });
  }

  #score(interval: string, log: Logger, neurons: readonly Neuron[], record = true): Promise<WeightSelection> {
    return scoreNeurons(record ? this.#o : { ...this.#o, scoreLog: undefined }, neurons, interval, log);
  }

  /**
   * The original's weight ticks score the store with the metagraph synced at the running cycle's
   * start, also while it collects (the loops share the store without locking). So when the
   * metagraph just read changes what scoring reads, the last scores are recomputed on it before
   * collecting: a commit due meanwhile sends what the original's tick would, not a vector whose
   * uids may have other hotkeys now or no longer exist.
   */
  async #rescoreOnNewMetagraph(synced: readonly Neuron[], log: Logger): Promise<void> {
    const last = this.#lastScored;
    if (!last || this.#stopping || scoringView(synced) === last.view) return;
    try {
      // Same history, same interval: not a new entry of the score history.
      const selection = await this.#score(last.interval, log, synced, false);
      this.#handOn(last.interval, selection, last.coverage, synced);
      log.info({ top: selection.top }, 'metagraph changed since the last scores: stored history rescored on it for the weights due during collection');
    } catch (error) {
      log.warn({ err: error }, 'rescoring on the new metagraph failed; the last scores stay in force');
    }
  }

  #track(work: Promise<void>): void {
    this.#late.add(work);
    void work.finally(() => this.#late.delete(work));
  }

  /**
   * Persists collections that missed the deadline as they land (owners decided against the
   * cycle's claims, a video staying with the owner written first), then rescores with the
   * fuller coverage while that cycle is still the latest, so a slow first cycle still produces
   * weights from complete data.
   */
  async #finishLate(c: {
    seq: number;
    interval: string;
    late: readonly LateCollect[];
    claims: ReturnType<typeof claimsOf>;
    commitments: ReadonlyMap<string, CommitmentRecord>;
    covered: number;
    expected: number;
    synced: readonly Neuron[];
    storedHotkeys: ReadonlySet<string>;
    log: Logger;
  }): Promise<void> {
    const o = this.#o;
    const ownership = new LateOwnership(c.claims, { enabled: o.resolveOwnership !== false, requireSigned: o.requireSignedSubmissions });
    let covered = c.covered;
    let landed = 0;
    const lateReports: CollectReport[] = [];
    await Promise.all(
      c.late.map(async ({ actor, result }) => {
        const r = await result;
        if (!r.ok || this.#stopping) return;
        const report: CollectReport = r.value;
        lateReports.push(report);
        const persisted = await actor.persist({ interval: c.interval, lostClaims: ownership.lostBy(report) });
        if (!persisted.ok) return;
        o.history.record?.(persisted.value.snapshots);
        landed++;
        if (c.commitments.has(report.hotkey) && isCovered(report)) covered++;
      }),
    );
    if (o.storedLists && !this.#stopping) {
      const request = storedListsRequest({ ...c, neurons: c.synced, reports: lateReports, signal: this.#collectAbort.signal });
      landed += await processLateStoredLists(o.storedLists, request, { except: c.storedHotkeys, settle: (r) => ownership.lostBy(r), ...(o.history.record ? { record: o.history.record } : {}) });
    }
    if (landed === 0 || this.#stopping || c.seq !== this.#cycleSeq) return;
    const coverage = coverageOf(covered, c.expected);
    o.metrics.cycleCoverage.set(coverage.ratio);
    try {
      const selection = await this.#score(c.interval, c.log, c.synced);
      if (c.seq !== this.#cycleSeq) return;
      this.#handOn(c.interval, selection, coverage, c.synced);
      c.log.info({ landed, coverage: coverage.ratio, top: selection.top }, `late miners reported: ${landed}; scores updated`);
    } catch (error) {
      c.log.warn({ err: error }, 'rescoring after late miners failed; the last scores stay in force');
    }
  }
}
