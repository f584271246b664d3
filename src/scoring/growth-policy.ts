import type { Platform } from '../config/defaults.js';
import type { MetricSnapshot } from '../store/types.js';
import { isSnapshotValid } from './snapshot-validity.js';
import type { BotAnalysis, GrowthParams, GrowthResult, GrowthZeroReason } from './types.js';
import { compareStrings } from '../util/compare-strings.js';

/**
 * The `growth` policy, version 1: the formulas of the original's growth-focused validator
 * (HEAD `enhanced_validator_v2.py` / `new_growth_scoring.py`, SPEC §8), fed from our own stored
 * snapshots so that it actually produces scores. The original could never see 12 h of history
 * (it took the oldest sample *inside* the window) and so always scored 0; we compare the latest
 * sample with the nearest sample at or before `latest − minHistoryHours`.
 * Pure: "now" is the time of the latest sample, never the wall clock.
 */

export const GROWTH_POLICY = Object.freeze({ name: 'growth', version: 1 } as const);

export const DEFAULT_GROWTH_PARAMS: GrowthParams = Object.freeze({
  minFollowers: 500,
  minHistoryHours: 12,
  maxHourlyGrowth: 0.01,
  growthWeight: 0.7,
  engagementCap: 8,
  botThreshold: 0.6,
  botConfidence: 0.5,
});

export interface GrowthPolicyParams {
  readonly aiThreshold: number;
  readonly allowedPlatforms: readonly Platform[];
  readonly growth: GrowthParams;
}

const HOUR_MS = 3_600_000;

function millis(value: Date | string | number): number {
  return value instanceof Date ? value.getTime() : new Date(value).getTime();
}

/** The original's `max_bot_penalty`: a confident bot audience keeps at least 1 − 0.9 of its growth. */
const MAX_BOT_PENALTY = 0.9;

/** The original's authenticity factor: a penalty only for a confident, high bot probability. */
export function botMultiplier(bot: BotAnalysis | null | undefined, params: GrowthParams): number {
  if (!bot) return 1;
  // Written as the original computes it (new_growth_scoring.py): the floor is 1 − 0.9, which is
  // 0.09999999999999998 in doubles, not the literal 0.1, so p = 1 scores the same there.
  return bot.probability > params.botThreshold && bot.confidence > params.botConfidence
    ? Math.max(1 - MAX_BOT_PENALTY, 1 - bot.probability * MAX_BOT_PENALTY)
    : 1;
}

/** g of SPEC §8 from a (capped) fractional hourly growth: 100·log10(1 + 100 r') if r' > 0, else 500 r'. */
export function rawGrowthScore(cappedHourlyGrowth: number): number {
  const percentPerHour = 100 * cappedHourlyGrowth;
  return percentPerHour > 0 ? 100 * Math.log10(1 + percentPerHour) : 5 * percentPerHour;
}

/** 0.5 + (e/cap)·1.5 with e = min(cap, 100·(likes+comments)/followers); in [0.5, 2]. */
export function engagementMultiplier(likes: number, comments: number, followers: number, params: GrowthParams): { rate: number; multiplier: number } {
  if (followers <= 0) return { rate: 0, multiplier: 0 };
  const rate = Math.min(params.engagementCap, ((likes + comments) / followers) * 100);
  return { rate, multiplier: 0.5 + (rate / params.engagementCap) * 1.5 };
}

/**
 * Whether `a` is a later metric of its content than `b`: the later interval, then the later
 * fetch, then the greater platform name, so the choice never depends on the history's order.
 */
function isLaterMetric(a: MetricSnapshot, b: MetricSnapshot): boolean {
  if (a.interval !== b.interval) return a.interval > b.interval;
  const ta = millis(a.fetched_at);
  const tb = millis(b.fetched_at);
  if (ta !== tb) return ta > tb;
  return a.platform > b.platform;
}

interface Sample {
  readonly t: number;
  readonly followers: number;
  /** The owner's username (a YouTube channel's id), as reported. */
  readonly account: string;
  /** The owner's immutable id when the snapshot has one (Instagram's ownerId), else null. */
  readonly accountId: string | null;
  /** The series the sample belongs to: the family, then the owner's id or else its username. */
  readonly series: string;
}

/**
 * The account a snapshot's follower count belongs to. An Instagram username can be changed, or
 * swapped between two accounts between samples, so a snapshot carrying the owner's id is of that
 * id; one without (written before owner_id existed, or by a tracker that does not send it) is of
 * its username. The two never share a series (a username may read like an id), and the family
 * keeps apart a channel id and an Instagram username of the same text.
 */
function seriesOf(s: MetricSnapshot): { accountId: string | null; series: string } {
  const family = s.platform.split('/')[0]!;
  const id = typeof s.owner_id === 'string' && s.owner_id !== '' ? s.owner_id : null;
  return { accountId: id, series: id === null ? `${family}\0name\0${s.owner_username}` : `${family}\0id\0${id}` };
}

/**
 * Scores one miner under the growth policy. Only valid snapshots (same validity as the engagement
 * policy: caption, AI, owner, signature) of an allowed platform with a positive follower count are
 * follower samples; the original skipped validity here, which let any account be scored. The
 * deliberate differences from the original are listed in README ("growth@1 and the original");
 * test/scoring/growth-differential.test.ts holds the rest to the original's arithmetic.
 */
export function scoreMinerGrowth(
  history: readonly MetricSnapshot[],
  params: GrowthPolicyParams,
  bot?: BotAnalysis | null,
): GrowthResult {
  const g = params.growth;
  const allowed = new Set<Platform>(params.allowedPlatforms);
  const valid = history.filter((s) => allowed.has(s.platform) && isSnapshotValid(s, params.aiThreshold));

  const samples: Sample[] = [];
  for (const s of valid) {
    const t = millis(s.fetched_at);
    if (s.owner_follower_count > 0 && Number.isFinite(t)) {
      samples.push({ t, followers: s.owner_follower_count, account: s.owner_username, ...seriesOf(s) });
    }
  }

  // Likes and comments as the original's _get_latest_performance_metrics reads them: one document
  // per content_id whatever the platform (its documents are keyed by (hotkey, content_id), so a
  // shortcode listed as a reel and as a post is one), and only that document's latest metric,
  // added when its platform is allowed and it is valid. An older valid metric does not stand in
  // for an invalid latest one, as in the engagement policy's rate.
  const latestByContent = new Map<string, MetricSnapshot>();
  for (const s of history) {
    const seen = latestByContent.get(s.content_id);
    if (!seen || isLaterMetric(s, seen)) latestByContent.set(s.content_id, s);
  }
  let likes = 0;
  let comments = 0;
  for (const s of latestByContent.values()) {
    if (!allowed.has(s.platform) || !isSnapshotValid(s, params.aiThreshold)) continue;
    likes += s.like_count;
    comments += s.comment_count;
  }

  const multiplier = botMultiplier(bot, g);
  const zero = (reason: GrowthZeroReason, extra: Partial<GrowthResult> = {}): GrowthResult => ({
    policy: 'growth',
    version: 1,
    score: 0,
    reason,
    account: null,
    accountId: null,
    followersNow: 0,
    followersThen: null,
    hours: null,
    hourlyGrowth: null,
    cappedHourlyGrowth: null,
    rawGrowthScore: 0,
    botMultiplier: multiplier,
    growthScore: 0,
    engagementRate: 0,
    engagementMultiplier: 0,
    likes,
    comments,
    ...extra,
  });

  if (samples.length === 0) return zero('no_valid_snapshots');

  // The account whose growth is measured: the one of the latest sample (more followers, then the
  // smaller name, then the smaller series key, on a tie) so a miner posting from several accounts
  // is measured on one series (seriesOf): an Instagram account by its id whatever it was named
  // when, a YouTube channel by its id.
  samples.sort((a, b) => b.t - a.t || b.followers - a.followers || compareStrings(a.account, b.account) || compareStrings(a.series, b.series));
  const latest = samples[0]!;
  const series = samples.filter((s) => s.series === latest.series);
  const engagement = engagementMultiplier(likes, comments, latest.followers, g);
  const base = {
    account: latest.account,
    accountId: latest.accountId,
    followersNow: latest.followers,
    engagementRate: engagement.rate,
    engagementMultiplier: engagement.multiplier,
  };

  if (latest.followers < g.minFollowers) return zero('below_min_followers', base);

  const cutoff = latest.t - g.minHistoryHours * HOUR_MS;
  // series is newest first: the first sample at or before the cutoff is the nearest one.
  const then = series.find((s) => s.t <= cutoff);
  if (!then) return zero('insufficient_history', base);

  const hours = (latest.t - then.t) / HOUR_MS;
  const hourlyGrowth = (latest.followers - then.followers) / then.followers / hours;
  const capped = Math.min(hourlyGrowth, g.maxHourlyGrowth);
  const raw = rawGrowthScore(capped);
  // Same product order as the original: growth_score · auth · growth_weight.
  const growthScore = raw * multiplier * g.growthWeight;
  const measured = { ...base, followersThen: then.followers, hours, hourlyGrowth, cappedHourlyGrowth: capped, rawGrowthScore: raw, growthScore };
  if (!(growthScore > 0)) return zero('non_positive_growth', measured);

  return {
    ...zero('non_positive_growth', measured),
    score: growthScore * engagement.multiplier,
    reason: null,
  };
}
