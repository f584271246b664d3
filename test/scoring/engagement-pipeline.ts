/** Stored histories → engagement@1 selection → the u16 vector, as the validator sets it. */
import { PLATFORMS } from '../../src/config/defaults.js';
import { DEFAULT_GROWTH_PARAMS } from '../../src/scoring/growth-policy.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import { selectWeights } from '../../src/scoring/select-weights.js';
import type { ScoringOptions, WeightSelection } from '../../src/scoring/types.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { buildWeightVector } from '../../src/weights/process-weights.js';

export const ENGAGEMENT: ScoringOptions = {
  policy: 'engagement',
  alpha: 0.95,
  topMiners: 5,
  aiThreshold: 0.3,
  allowedPlatforms: [...PLATFORMS],
  growth: DEFAULT_GROWTH_PARAMS,
};

/** The chain's defaults that leave the original's vector untouched. */
export const OPEN_HYPER = { minAllowedWeights: 0, maxWeightsLimit: 65_535, weightsVersionKey: 0n };

export interface TestNeuron {
  readonly uid: number;
  readonly hotkey: string;
  readonly stake?: bigint;
  readonly permit?: boolean;
}

export interface PipelineResult {
  readonly selection: WeightSelection;
  readonly uids: number[];
  readonly values: number[];
  readonly fallback: boolean;
}

export function engagementWeights(
  neurons: readonly TestNeuron[],
  histories: Readonly<Record<string, readonly MetricSnapshot[]>>,
  hyper = OPEN_HYPER,
): PipelineResult {
  const results = neurons.map((n) =>
    scoreMiner(
      { uid: n.uid, hotkey: n.hotkey, stake: n.stake ?? 1_000n, validator_permit: n.permit ?? false, history: histories[n.hotkey] ?? [] },
      ENGAGEMENT,
    ),
  );
  const selection = selectWeights(results, { policy: 'engagement', topMiners: ENGAGEMENT.topMiners });
  const vector = buildWeightVector({
    scores: selection.scores,
    neurons: neurons.map((n) => n.uid),
    hyper,
    versionKey: 0n,
    topFallback: selection.fallback,
  });
  return { selection, uids: [...vector.uids], values: [...vector.values], fallback: vector.fallback };
}
