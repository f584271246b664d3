import type { Neuron } from '../chain/types.js';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { selectWeights } from '../scoring/select-weights.js';
import type { MinerPolicyResult, MinerScoringInput, ScoringHistory, ScoringPolicyName, WeightSelection } from '../scoring/types.js';
import type { MetricSnapshot, ScoreRecord } from '../store/types.js';
import type { DependencyLimiter } from './dependency-limiter.js';

export interface MinerScorer {
  score(miners: readonly MinerScoringInput[]): Promise<MinerPolicyResult[]>;
}

export interface SnapshotHistory {
  history(hotkey: string): Promise<MetricSnapshot[]>;
  /** Loads many hotkeys' histories at once ahead of `history` calls (a HistoryCache does). */
  preload?(hotkeys: readonly string[]): Promise<void>;
  /** The history as scoring takes it, when the source holds it in another form (HistoryCache: columns). */
  scoringHistory?(hotkey: string): Promise<ScoringHistory>;
  /** Told what was persisted (a HistoryCache keeps loaded histories current with it). */
  record?(snapshots: readonly MetricSnapshot[]): void;
  /** Told that a hotkey left the subnet. */
  forget?(hotkey: string): void;
}

export interface ScoreLog {
  record(records: readonly ScoreRecord[]): Promise<void>;
}

/** Hotkeys per batched history query: one round trip each, replies of a few thousand snapshots. */
const PRELOAD_CHUNK = 256;

export interface ScoreCycleOptions {
  readonly scorer: MinerScorer;
  readonly history: SnapshotHistory;
  readonly scoreLog?: ScoreLog;
  readonly limiter: DependencyLimiter;
  readonly policy: ScoringPolicyName;
  readonly topMiners: number;
  readonly metrics: ValidatorMetrics;
}

/**
 * Scores every neuron of the metagraph from its stored history, on the pool. Every neuron goes
 * in, our own hotkey included: the policy decides who ranks (the original ranks any uid with
 * stake and no permit, a validator without a permit too).
 */
export async function scoreNeurons(
  o: ScoreCycleOptions,
  neurons: Iterable<Neuron>,
  interval: string,
  logger: Logger,
): Promise<WeightSelection> {
  const miners = [...neurons].sort((a, b) => a.uid - b.uid);
  const read = (hotkey: string) => o.limiter.run('store', () => (o.history.scoringHistory ? o.history.scoringHistory(hotkey) : o.history.history(hotkey)));
  if (o.history.preload) {
    const hotkeys = miners.map((n) => n.hotkey);
    const chunks: string[][] = [];
    for (let at = 0; at < hotkeys.length; at += PRELOAD_CHUNK) chunks.push(hotkeys.slice(at, at + PRELOAD_CHUNK));
    // A failed preload only costs speed: the per-hotkey reads below retry what is missing.
    const failed = await Promise.all(chunks.map((chunk) => o.limiter.run('store', () => o.history.preload!(chunk)))).then(
      () => undefined,
      (error: unknown) => {
        logger.warn({ err: error }, 'batched history read failed; reading hotkey by hotkey');
        return error;
      },
    );
    // Unless the store was unreachable: then one hotkey's read says whether it still is. Every
    // miner's read would otherwise wait out server selection (5 s) to fail the same way, 16 at a
    // time, holding the store's slots for minutes at 1024 miners, in every cycle of an outage.
    if (failed instanceof StoreUnavailableError && miners.length > 0) await read(miners[0]!.hotkey);
  }
  const inputs = await Promise.all(
    miners.map(async (neuron) => ({
      uid: neuron.uid,
      hotkey: neuron.hotkey,
      stake: neuron.stake,
      validator_permit: neuron.validatorPermit,
      history: await read(neuron.hotkey),
    })),
  );
  const results = await o.scorer.score(inputs);
  const selection = selectWeights(results, { policy: o.policy, topMiners: o.topMiners });
  // One series per uid scored this cycle: a uid that left the metagraph (or is no longer scored)
  // loses its series instead of showing its last score for ever. Reset and set in one turn of
  // the event loop, so no scrape sees the gauge empty.
  o.metrics.minerScore.reset();
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
    // Audit data: a failed write is logged, not allowed to block the weights (the runtime's
    // score log holds records through a store outage).
    await o.limiter.run('store', () => o.scoreLog!.record(records)).catch((error: unknown) => {
      logger.warn({ err: error }, 'score history not stored this cycle');
    });
  }
  return selection;
}

function summarizeResult(result: MinerPolicyResult | undefined): Record<string, unknown> {
  if (!result) return {};
  const r = result.result;
  if (r.policy === 'engagement') {
    return { active: result.active, contentScore: r.contentScore, engagementRate: r.engagementRate, contents: r.contents.length };
  }
  return { active: result.active, score: r.score, reason: r.reason, followersNow: r.followersNow };
}
