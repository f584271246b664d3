import type { ChainClient, Neuron } from '../chain/types.js';
import type { ActorParent } from '../actors/types.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { ScoringPolicyName } from '../scoring/types.js';
import type { ActorHandle } from './actor-handle.js';
import type { CycleProgressHook } from './cycle-progress.js';
import type { CycleScores, CycleSummary } from './cycle-types.js';
import type { DependencyLimiter } from './dependency-limiter.js';
import type { MinerScorer, ScoreLog, SnapshotHistory } from './score-cycle.js';

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
  /**
   * Per-cycle budget for miners to report. Late miners are not aborted: their results are
   * persisted when they land and the scores are recomputed then.
   */
  readonly cycleDeadlineMs?: number;
  /**
   * Past the deadline, collection goes on while miners keep reporting or dependency calls keep
   * finishing (no more than `stallMs` apart), for at most `maxMs` from the cycle's start.
   * Defaults: a tenth of the deadline within 1–30 s, and twice the cycle period. `false` stops
   * at the deadline whatever is in progress.
   */
  readonly collectGrace?: false | { readonly stallMs?: number; readonly maxMs?: number };
  /** One owner per video (SPEC §4.3); off reproduces the original, which pays every claimant. */
  readonly resolveOwnership?: boolean;
  /**
   * Interval keys on the cycle grid (default). Off keys each cycle by its start minute, as the
   * original does, so a restart mid-interval records an extra interval there too.
   */
  readonly alignIntervals?: boolean;
  /** Miners start within a random delay of up to this, spreading load over the cycle. */
  readonly jitterMs?: number;
  /** Clock for interval keys (simulated on the embedded network). */
  readonly now?: () => Date;
  /** Called before each cycle; the embedded network advances simulated time here. */
  readonly beforeCycle?: () => void | Promise<void>;
  readonly onScores?: (scores: CycleScores) => void;
  readonly onCycle?: (summary: CycleSummary) => void;
  /** Told as miners report, for progress lines during long cycles (see cycle-progress.ts). */
  readonly progress?: CycleProgressHook;
  /** Crash-restart backoff. */
  readonly restartDelayMs?: { readonly min: number; readonly max: number };
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
}

/** Throws on options the supervisor cannot run with (a programming error, not a runtime one). */
export function checkSupervisorOptions(options: SupervisorOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  if (typeof options.createActor !== 'function') throw new TypeError('options.createActor must be a function');
  if (!Number.isFinite(options.cycleIntervalMs) || options.cycleIntervalMs <= 0) {
    throw new RangeError(`options.cycleIntervalMs must be a positive number, got ${String(options.cycleIntervalMs)}`);
  }
  if (options.cycleDeadlineMs !== undefined && (!Number.isFinite(options.cycleDeadlineMs) || options.cycleDeadlineMs <= 0)) {
    throw new RangeError(`options.cycleDeadlineMs must be a positive number, got ${String(options.cycleDeadlineMs)}`);
  }
  const grace = options.collectGrace;
  if (grace !== undefined && grace !== false) {
    if (grace === null || typeof grace !== 'object') throw new TypeError('options.collectGrace must be false or an object');
    for (const key of ['stallMs', 'maxMs'] as const) {
      const value = grace[key];
      if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
        throw new RangeError(`options.collectGrace.${key} must be a positive number, got ${String(value)}`);
      }
    }
  }
  if (!Number.isInteger(options.topMiners) || options.topMiners < 1) {
    throw new RangeError(`options.topMiners must be an integer >= 1, got ${String(options.topMiners)}`);
  }
}
