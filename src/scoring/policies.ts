import { PLATFORMS, type Platform } from '../config/defaults.js';
import type { Config } from '../config/load-config.js';
import { isCompactHistory, snapshotsOf } from './compact-history.js';
import { ENGAGEMENT_POLICY, scoreMinerEngagement } from './engagement-policy.js';
import { DEFAULT_GROWTH_PARAMS, GROWTH_POLICY, scoreMinerGrowth } from './growth-policy.js';
import type { GrowthParams, MinerPolicyResult, MinerScoringInput, ScoringOptions, ScoringPolicyName } from './types.js';

/**
 * Named, versioned scoring policies. Validators of one subnet must agree to keep their vTrust,
 * so `engagement@1` reproduces the original and stays the default; anything else is opt-in
 * through `scoring.policy`. A behaviour change to a policy bumps its version.
 */
export const SCORING_POLICIES = Object.freeze({
  engagement: ENGAGEMENT_POLICY,
  growth: GROWTH_POLICY,
} as const);

export function policyId(name: ScoringPolicyName): string {
  const policy = SCORING_POLICIES[name];
  return `${policy.name}@${policy.version}`;
}

type ScoringConfig = Pick<Config, 'scoring' | 'ai' | 'allowed_platforms'>;

/** Scoring options from the validated config (`scoring.*`, `ai.threshold`, `allowed_platforms`). */
export function scoringOptionsFromConfig(config: ScoringConfig): ScoringOptions {
  return validateScoringOptions({
    policy: config.scoring.policy,
    alpha: config.scoring.alpha,
    topMiners: config.scoring.top_miners,
    aiThreshold: config.ai.threshold,
    allowedPlatforms: config.allowed_platforms as Platform[],
    growth: {
      ...DEFAULT_GROWTH_PARAMS,
      minFollowers: config.scoring.growth_min_followers,
      minHistoryHours: config.scoring.growth_min_history_hours,
    },
  });
}

function finiteIn(name: string, value: unknown, min: number, max: number, { minExclusive = false } = {}): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number, got ${typeof value === 'number' ? 'NaN' : typeof value}`);
  if (!Number.isFinite(value) || (minExclusive ? value <= min : value < min) || value > max) {
    throw new RangeError(`${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}], got ${value}`);
  }
}

/**
 * Checks options that may come from outside the config loader (tests, worker tasks) and returns
 * them frozen. Throws TypeError for a wrong type and RangeError for a value out of range.
 */
export function validateScoringOptions(options: ScoringOptions): ScoringOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('scoring options must be an object');
  if (!(options.policy in SCORING_POLICIES)) {
    throw new RangeError(`scoring policy must be one of ${Object.keys(SCORING_POLICIES).join(', ')}, got ${String(options.policy)}`);
  }
  finiteIn('scoring.alpha', options.alpha, 0, 1, { minExclusive: true });
  if (typeof options.topMiners !== 'number') throw new TypeError(`scoring.top_miners must be a number, got ${typeof options.topMiners}`);
  if (!Number.isInteger(options.topMiners) || options.topMiners < 1) {
    throw new RangeError(`scoring.top_miners must be an integer >= 1, got ${options.topMiners}`);
  }
  finiteIn('ai.threshold', options.aiThreshold, 0, 1);
  if (!Array.isArray(options.allowedPlatforms)) throw new TypeError('allowed_platforms must be an array');
  for (const p of options.allowedPlatforms) {
    if (!(PLATFORMS as readonly string[]).includes(p)) throw new RangeError(`allowed_platforms: unknown platform ${String(p)}`);
  }
  const g: GrowthParams = options.growth;
  if (g === null || typeof g !== 'object') throw new TypeError('growth params must be an object');
  finiteIn('scoring.growth_min_followers', g.minFollowers, 0, Number.MAX_SAFE_INTEGER);
  finiteIn('scoring.growth_min_history_hours', g.minHistoryHours, 0, 24 * 365, { minExclusive: true });
  finiteIn('growth.maxHourlyGrowth', g.maxHourlyGrowth, 0, 1, { minExclusive: true });
  finiteIn('growth.growthWeight', g.growthWeight, 0, 1, { minExclusive: true });
  finiteIn('growth.engagementCap', g.engagementCap, 0, 100, { minExclusive: true });
  finiteIn('growth.botThreshold', g.botThreshold, 0, 1);
  finiteIn('growth.botConfidence', g.botConfidence, 0, 1);
  return Object.freeze({ ...options, allowedPlatforms: Object.freeze([...options.allowedPlatforms]), growth: Object.freeze({ ...g }) });
}

/** The original's ranking eligibility: stake > 0 and no validator permit. */
export function isActiveMiner(miner: Pick<MinerScoringInput, 'stake' | 'validator_permit'>): boolean {
  // QUIRK: a zero-stake miner is never "active", so newly registered miners cannot earn.
  const stake = typeof miner.stake === 'bigint' ? miner.stake > 0n : miner.stake > 0;
  return stake && !miner.validator_permit;
}

/** Scores one miner under the selected policy; this is what a score worker runs per miner. */
export function scoreMiner(miner: MinerScoringInput, options: ScoringOptions): MinerPolicyResult {
  const active = isActiveMiner(miner);
  const history = isCompactHistory(miner.history) ? snapshotsOf(miner.history) : miner.history;
  const result =
    options.policy === 'engagement'
      ? scoreMinerEngagement(history, options)
      : scoreMinerGrowth(history, options, miner.bot);
  return { uid: miner.uid, hotkey: miner.hotkey, active, result };
}
