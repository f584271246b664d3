import type { Platform } from '../config/defaults.js';
import type { MetricSnapshot } from '../store/types.js';
import type { CompactHistoryData } from './compact-history.js';

/**
 * Shapes shared by the scoring policies, the score worker and the runtime. Everything here is
 * plain data (structured-clone safe) because miner histories cross into worker threads.
 */

export type ScoringPolicyName = 'engagement' | 'growth';

/**
 * A platform count (views, likes, comments, followers). Python keeps these as exact integers of
 * any size; counts above 2^53 travel as bigint (or a decimal string) so differences stay exact.
 */
export type Count = number | bigint | string;

/** Bot analysis of a miner's audience, when one exists. The original never produced one. */
export interface BotAnalysis {
  /** Probability in [0, 1] that the audience is bought or automated. */
  readonly probability: number;
  /** Confidence in [0, 1] of that estimate. */
  readonly confidence: number;
}

/**
 * A miner's stored snapshots: objects, or the columns the validator's history cache holds them
 * in (materialised one miner at a time by scoreMiner, in the score worker).
 */
export type ScoringHistory = readonly MetricSnapshot[] | CompactHistoryData;

/** What a policy needs to know about one metagraph neuron and its stored history. */
export interface MinerScoringInput {
  readonly uid: number;
  readonly hotkey: string;
  /** Subnet stake (rao); only its sign matters to the original's "active miner" rule. */
  readonly stake: bigint | number;
  readonly validator_permit: boolean;
  /** Every stored snapshot of the hotkey, any order (policies sort what they need). */
  readonly history: ScoringHistory;
  readonly bot?: BotAnalysis | null;
}

export interface GrowthParams {
  /** Followers the account needs now (original: 500). */
  readonly minFollowers: number;
  /** Follower history the account needs, in hours (original: 12). */
  readonly minHistoryHours: number;
  /** Cap on fractional follower growth per hour (original: 0.01, i.e. 1 %/h). */
  readonly maxHourlyGrowth: number;
  /** Share of the growth score kept (original `growth_weight` 0.7). */
  readonly growthWeight: number;
  /** Engagement rate (percent) at which the multiplier saturates (original: 8). */
  readonly engagementCap: number;
  /** Bot penalty applies above this probability… (original: 0.6) */
  readonly botThreshold: number;
  /** …and above this confidence (original: 0.5). */
  readonly botConfidence: number;
}

/** Parameters every policy reads; built from config by `scoringOptionsFromConfig`. */
export interface ScoringOptions {
  readonly policy: ScoringPolicyName;
  /** EMA weight of the newest increment (original 0.95). */
  readonly alpha: number;
  /** Miners that get weight (original 5). */
  readonly topMiners: number;
  /** A snapshot passes the AI check when ai_score is strictly above this (original 0.3). */
  readonly aiThreshold: number;
  /** Platforms whose snapshots feed content scores (the original's allowed_platforms). */
  readonly allowedPlatforms: readonly Platform[];
  readonly growth: GrowthParams;
}

export interface ContentScore {
  readonly platform: Platform;
  readonly content_id: string;
  /** EMA of view increments; may be negative. */
  readonly score: number;
  /** Scalar of the last valid snapshot of the current chain, or null after a reset. */
  readonly baseline: number | null;
  readonly intervals: number;
  readonly validIntervals: number;
  /** Times an invalid snapshot reset the chain. */
  readonly resets: number;
}

export interface LatestValidStats {
  readonly likes: number;
  readonly comments: number;
  readonly validPosts: number;
  /** The follower count the original would use (see the engagement policy for the quirk). */
  readonly followerCount: number;
}

export interface EngagementResult {
  readonly policy: 'engagement';
  readonly version: 1;
  readonly contents: readonly ContentScore[];
  /** Σ of the per-content scores (the original's `_hotkey_scores`). */
  readonly contentScore: number;
  /** Percent; the ranking signal. */
  readonly engagementRate: number;
  readonly latest: LatestValidStats;
}

export type GrowthZeroReason =
  | 'no_valid_snapshots'
  | 'below_min_followers'
  | 'insufficient_history'
  | 'non_positive_growth';

export interface GrowthResult {
  readonly policy: 'growth';
  readonly version: 1;
  readonly score: number;
  /** Why the score is 0, when it is. */
  readonly reason: GrowthZeroReason | null;
  /** The measured account's username (a YouTube channel's id) in its latest sample. */
  readonly account: string | null;
  /** The owner id the series is keyed on (Instagram's ownerId); null when keyed by the username. */
  readonly accountId: string | null;
  readonly followersNow: number;
  readonly followersThen: number | null;
  readonly hours: number | null;
  /** Fractional growth per hour before and after the cap. */
  readonly hourlyGrowth: number | null;
  readonly cappedHourlyGrowth: number | null;
  /** g of SPEC §8 (the original's raw_growth_score). */
  readonly rawGrowthScore: number;
  readonly botMultiplier: number;
  /** G = growthWeight·g·m. */
  readonly growthScore: number;
  /** e of SPEC §8, in percent, capped. */
  readonly engagementRate: number;
  readonly engagementMultiplier: number;
  readonly likes: number;
  readonly comments: number;
}

export type PolicyResult = EngagementResult | GrowthResult;

/** One miner's scored result, as the score worker returns it. */
export interface MinerPolicyResult {
  readonly uid: number;
  readonly hotkey: string;
  /** stake > 0 and no validator permit: the original's eligibility for ranking. */
  readonly active: boolean;
  readonly result: PolicyResult;
}

export interface RankedMiner {
  readonly uid: number;
  readonly hotkey: string;
  /** The ranking signal: engagement rate (engagement) or final score (growth). */
  readonly rankValue: number;
  readonly score: number;
}

export interface WeightSelection {
  /** `<name>@<version>`, recorded with every stored score. */
  readonly policy: string;
  /** One entry per input miner, in uid order; 0 for miners outside the top. */
  readonly scores: ReadonlyArray<{ readonly uid: number; readonly hotkey: string; readonly score: number }>;
  /** Active miners in ranking order. */
  readonly ranking: readonly RankedMiner[];
  /** Uids that may receive weight, in ranking order. */
  readonly top: readonly number[];
  /** Uids the original gives 65535 each when every weight converts to 0. */
  readonly fallback: readonly number[];
  /** Set when the original would not set weights at all this round. */
  readonly skip: 'no_active_miners' | null;
}
