import { policyId } from './policies.js';
import type { MinerPolicyResult, RankedMiner, ScoringPolicyName, WeightSelection } from './types.js';

export interface SelectWeightsOptions {
  readonly policy: ScoringPolicyName;
  readonly topMiners: number;
}

/**
 * Combines per-miner policy results (from the score workers) into one score per uid, the input of
 * the weight vector builder (SPEC §9). Cross-miner, so it runs once per round in the main thread.
 *
 * engagement@1 (calculate_and_set_weights @ ea86bf9):
 * - rank active miners by engagement rate, descending;
 * - QUIRK: ties keep metagraph uid order (Python's stable sort over a dict filled in uid order);
 * - QUIRK: the top N are taken regardless of value, rate 0 included;
 * - top miners score max(0, content score); everyone else 0;
 * - QUIRK: when every weight converts to 0 the original gives 65535 to each top miner, whatever
 *   their rates and scores (`fallback`; the original's order there was set iteration order, ours
 *   is ranking order);
 * - no active miner at all: the original skips setting weights (`skip`).
 * growth@1 (enhanced_validator_v2.py): rank active miners by score; only positive scores make
 * the top N; weight = score; the fallback is that same (possibly empty) list.
 */
export function selectWeights(results: readonly MinerPolicyResult[], options: SelectWeightsOptions): WeightSelection {
  if (!Array.isArray(results)) throw new TypeError('results must be an array of miner policy results');
  if (!Number.isInteger(options.topMiners) || options.topMiners < 1) {
    throw new RangeError(`topMiners must be an integer >= 1, got ${String(options.topMiners)}`);
  }
  for (const r of results) {
    if (r?.result?.policy !== options.policy) {
      throw new TypeError(`result for uid ${String(r?.uid)} is from policy ${String(r?.result?.policy)}, expected ${options.policy}`);
    }
  }

  // Metagraph order is uid order; it decides ties.
  const byUid = [...results].sort((a, b) => a.uid - b.uid);
  const active = byUid.filter((r) => r.active);

  const rankValue = (r: MinerPolicyResult): number =>
    r.result.policy === 'engagement' ? r.result.engagementRate : r.result.score;
  const weightOf = (r: MinerPolicyResult): number =>
    r.result.policy === 'engagement' ? Math.max(0, r.result.contentScore) : r.result.score;

  // Array.prototype.sort is stable, like Python's sorted(..., reverse=True) on equal keys.
  const ranking: RankedMiner[] = active
    .map((r) => ({ uid: r.uid, hotkey: r.hotkey, rankValue: rankValue(r), score: weightOf(r) }))
    .sort((a, b) => b.rankValue - a.rankValue);

  const topRanked =
    options.policy === 'engagement'
      ? ranking.slice(0, options.topMiners)
      : ranking.slice(0, options.topMiners).filter((m) => m.score > 0);
  const top = topRanked.map((m) => m.uid);
  const topScore = new Map(topRanked.map((m) => [m.uid, m.score]));

  return {
    policy: policyId(options.policy),
    scores: byUid.map((r) => ({ uid: r.uid, hotkey: r.hotkey, score: topScore.get(r.uid) ?? 0 })),
    ranking,
    top,
    fallback: top,
    skip: active.length === 0 ? 'no_active_miners' : null,
  };
}
