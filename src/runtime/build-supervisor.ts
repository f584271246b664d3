import type { KeyringPair } from '@polkadot/keyring/types';
import { MinerActor } from '../actors/miner-actor.js';
import type { MinerActorDeps } from '../actors/types.js';
import type { SubtensorClient } from '../chain/subtensor-client.js';
import type { BufferedSnapshotWriter } from '../store/buffered-snapshot-writer.js';
import { BufferedScoreLog } from '../store/buffered-score-log.js';
import { wellFormedScoreRecords } from '../store/spooled-records.js';
import type { ScoreRecord } from '../store/types.js';
import { HeldRecordSpool } from './held-record-spool.js';
import { historiesWithHeld } from '../store/held-histories.js';
import type { Store } from '../store/types.js';
import { CycleProgress } from '../supervisor/cycle-progress.js';
import type { DependencyLimiter } from '../supervisor/dependency-limiter.js';
import { HistoryCache } from '../supervisor/history-cache.js';
import { StoredLists } from '../supervisor/stored-lists.js';
import { Supervisor, type MinerScorer } from '../supervisor/supervisor.js';
import type { WeightCommitter } from '../weights/weight-committer.js';
import { abortable } from '../util/abortable.js';
import { linkedSignal } from '../util/linked-signal.js';
import type { BuildContext } from './build-context.js';
import type { MinerReportStore } from './miner-report.js';
import type { HeldSubmissionSink } from './submission-sink.js';

/** How cycles are timed: by the wall clock, or by the stand-ins' simulated time. */
export interface CycleClock {
  readonly now: () => Date;
  /** Seconds one cycle covers in interval keys. */
  readonly intervalSeconds: number;
  /** Moves the stand-ins' time forward before each cycle (simulated time only). */
  readonly beforeCycle?: () => void | Promise<void>;
}

/**
 * The supervisor that runs a miner actor per uid each cycle, scores on the pool and hands the
 * scores to the committer, with the progress reporter it logs through.
 */
export function buildSupervisor(
  ctx: BuildContext,
  parts: {
    chain: SubtensorClient;
    signer: KeyringPair;
    store: Store;
    /** The snapshot write buffer: history reads see what it still holds. */
    writer: BufferedSnapshotWriter;
    /** The submissions records' sink: stored lists are read with what it still holds. */
    submissions: Pick<HeldSubmissionSink, 'held'>;
    deps: MinerActorDeps;
    scorer: MinerScorer;
    limiter: DependencyLimiter;
    committer: WeightCommitter;
    clock: CycleClock;
    /** With miner_report.enabled: what each miner's actor saw, for GET /miners/<hotkey>. */
    reports?: MinerReportStore | undefined;
    /** The other spools (--mongodb.spool_dir) that save what is held after each cycle. */
    spools?: ReadonlyArray<{ checkpoint(): Promise<void> } | undefined>;
  },
): { supervisor: Supervisor; progress: CycleProgress; scoreSpool: HeldRecordSpool<ScoreRecord> | undefined } {
  const { config, options, logger, metrics, closers } = ctx;
  const { chain, signer, store, writer, submissions, deps, scorer, limiter, committer, clock, reports, spools = [] } = parts;
  const scoreLog = new BufferedScoreLog(store.scores, { logger: logger.child({ component: 'score-log' }), metrics });
  const scoreSpool = config.mongodb.spool_dir
    ? new HeldRecordSpool(config.mongodb.spool_dir, { name: 'scores', accept: wellFormedScoreRecords }, scoreLog, logger.child({ component: 'spool' }))
    : undefined;
  closers.push({
    name: 'score log',
    // One last try before the store closes, bounded as the other flushes (a store that hangs
    // would otherwise hold the shutdown for its socket timeout).
    close: async (deadline?: AbortSignal) => {
      const last = linkedSignal([deadline], 15_000);
      const stored = await abortable(scoreLog.flush(), last.signal).catch(() => false);
      last.dispose();
      if (!stored && !scoreSpool) logger.error({ pending: scoreLog.pending }, 'store unreachable at shutdown; held score history not stored');
      scoreLog.close();
      await scoreSpool?.keep();
    },
  });
  // What a cycle left held for a store that is down goes to disk now, not only at a graceful
  // shutdown: a killed validator loses none of it. Each never throws.
  const checkpoint = (): void => {
    for (const spool of [...spools, scoreSpool]) void spool?.checkpoint();
  };
  const progress = new CycleProgress({
    logger: logger.child({ component: 'cycle-progress' }),
    metrics,
    limiter,
    ...(options.progressIntervalMs !== undefined ? { intervalMs: options.progressIntervalMs } : {}),
  });
  const cycleIntervalMs = config.submission_update_interval * 1000;
  const supervisor = new Supervisor({
    chain,
    netuid: config.netuid,
    selfHotkey: signer.address,
    createActor: (neuron, parent) => {
      const actor = new MinerActor({ uid: neuron.uid, hotkey: neuron.hotkey, deps, parent });
      return reports ? reports.wrap(actor) : actor;
    },
    scorer,
    history: new HistoryCache(historiesWithHeld(store.snapshots, writer)),
    scoreLog,
    limiter,
    policy: config.scoring.policy,
    topMiners: config.scoring.top_miners,
    requireSignedSubmissions: config.require_signed_submissions,
    resolveOwnership: config.compat !== 'original',
    alignIntervals: config.compat !== 'original',
    cycleIntervalMs,
    intervalSeconds: clock.intervalSeconds,
    ...(options.cycleDeadlineMs !== undefined ? { cycleDeadlineMs: options.cycleDeadlineMs } : {}),
    jitterMs: options.jitterMs ?? Math.min(5_000, cycleIntervalMs * 0.05),
    now: clock.now,
    ...(clock.beforeCycle ? { beforeCycle: clock.beforeCycle } : {}),
    onScores: (scores) => {
      reports?.recordScores(scores);
      committer.update(scores);
      // Also after late miners are stored and scored, which comes after the cycle's end.
      checkpoint();
    },
    onCycle: (summary) => {
      metrics.ops.recordCycle(summary);
      checkpoint();
    },
    progress,
    storedLists: ((lists) => (reports ? reports.wrapStoredLists(lists) : lists))(
      new StoredLists({ store: store.submissions, held: () => submissions.held, deps, logger: logger.child({ component: 'stored-lists' }) }),
    ),
    logger,
    metrics,
  });
  closers.push({ name: 'supervisor', close: () => supervisor.stop() });
  return { supervisor, progress, scoreSpool };
}
