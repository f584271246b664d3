import type { Platform } from '../config/defaults.js';
import type { MetricSnapshot } from '../store/types.js';
import { isSnapshotValid } from './snapshot-validity.js';
import type { ContentScore, Count, EngagementResult } from './types.js';
import { compareStrings } from '../util/compare-strings.js';

/**
 * The `engagement` policy, version 1: the original validator's production scoring
 * (tensorflix/validator.py @ ea86bf9, `Performance.get_score` + `engagement_rate`), reproduced
 * quirk for quirk so our weights agree with every other validator running the original.
 * Pure: no I/O, no clock.
 */

export const ENGAGEMENT_POLICY = Object.freeze({ name: 'engagement', version: 1 } as const);

export interface EngagementParams {
  readonly alpha: number;
  readonly aiThreshold: number;
  readonly allowedPlatforms: readonly Platform[];
}

interface ContentDoc {
  readonly content_id: string;
  /** The platform of the latest snapshot (what the document's newest metric came from). */
  readonly platform: Platform;
  /** Snapshots sorted by interval, one per interval. */
  readonly snapshots: MetricSnapshot[];
}

/**
 * QUIRK (platform_name): the original stores Instagram metrics with the model default
 * `platform_name = "instagram/reel"`, even for `instagram/post` submissions, and filters intervals
 * on that name. So an `instagram/post` snapshot passes the filter exactly when `instagram/reel`
 * is allowed.
 */
export function originalPlatformName(platform: Platform): Platform {
  return platform.startsWith('instagram/') ? 'instagram/reel' : platform;
}

/** MongoDB's default string order: UTF-8 bytes, which is what an index on content_id serves. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function laterWrite(a: MetricSnapshot, b: MetricSnapshot): MetricSnapshot {
  // Two snapshots of one content in one interval (listed as reel and as post): the original keeps
  // one metric per interval key, the one written last.
  return b.fetched_at.getTime() >= a.fetched_at.getTime() ? b : a;
}

/**
 * Groups a hotkey's history into the original's performance documents: one per content_id
 * (whatever the platform, as the original keys them by (hotkey, content_id)), returned in the
 * order `find({hotkey})` serves them through the (hotkey, content_id) index: content_id bytes.
 */
function groupByContent(history: readonly MetricSnapshot[]): ContentDoc[] {
  const docs = new Map<string, Map<string, MetricSnapshot>>();
  for (const snap of history) {
    let byInterval = docs.get(snap.content_id);
    if (!byInterval) docs.set(snap.content_id, (byInterval = new Map()));
    const existing = byInterval.get(snap.interval);
    byInterval.set(snap.interval, existing ? laterWrite(existing, snap) : snap);
  }
  const out: ContentDoc[] = [];
  for (const [content_id, byInterval] of docs) {
    // Interval keys are YYYY-MM-DD-HH-MM, so lexicographic order is chronological (as in Python's sorted()).
    const snapshots = [...byInterval.values()].sort((a, b) => compareStrings(a.interval, b.interval));
    out.push({ content_id, platform: snapshots[snapshots.length - 1]!.platform, snapshots });
  }
  return out.sort((a, b) => compareUtf8(a.content_id, b.content_id));
}

/**
 * `current − prev` of two view counts as Python computes it: exactly on integers of any size,
 * then converted to a float (round half to even, as Number(bigint) does). Counts above 2^53
 * arrive as bigint or decimal strings; plain safe integers take the fast path.
 */
export function countDifference(current: Count, previous: Count): number {
  if (typeof current === 'number' && typeof previous === 'number' && Number.isSafeInteger(current) && Number.isSafeInteger(previous)) {
    return current - previous;
  }
  const a = toBigIntCount(current);
  const b = toBigIntCount(previous);
  if (a === null || b === null) return Number(current) - Number(previous);
  return Number(a - b);
}

/** A count as Python's float(int) sees it. */
export function countToNumber(value: Count): number {
  return typeof value === 'number' ? value : Number(value);
}

function toBigIntCount(value: Count): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : null;
  return /^-?\d+$/.test(value) ? BigInt(value) : null;
}

/**
 * `Performance.get_score(alpha)` of one content: walk the intervals in order; skip (without reset)
 * intervals of platforms not allowed; the first valid snapshot only sets the baseline; each next
 * valid one folds `inc = scalar − prev` into `score = inc·α + score·(1−α)`; an invalid snapshot
 * resets both score and baseline.
 */
export function scoreContent(snapshots: readonly MetricSnapshot[], params: EngagementParams): Omit<ContentScore, 'platform' | 'content_id'> {
  const allowed = new Set<Platform>(params.allowedPlatforms);
  let score = 0;
  let prev: Count | null = null;
  let intervals = 0;
  let validIntervals = 0;
  let resets = 0;
  for (const m of snapshots) {
    if (!allowed.has(originalPlatformName(m.platform))) continue;
    intervals++;
    if (isSnapshotValid(m, params.aiThreshold)) {
      validIntervals++;
      // to_scalar(): view count (Instagram: video play count, mapped to view_count by the tracker).
      const cur = m.view_count as Count;
      // QUIRK: the baseline scores nothing (028cfe3); the increment is not divided by elapsed
      // time, so a short interval (restart, cached metrics) collapses the score toward 0.
      if (prev !== null) score = countDifference(cur, prev) * params.alpha + score * (1 - params.alpha);
      prev = cur;
    } else {
      // QUIRK: one invalid interval (including a transient AI-detector failure) wipes the chain.
      if (prev !== null || score !== 0) resets++;
      score = 0;
      prev = null;
    }
  }
  return { score, baseline: prev === null ? null : countToNumber(prev), intervals, validIntervals, resets };
}

/**
 * Scores one miner under the engagement policy: per-content EMA scores, their sum, and the
 * engagement rate used to pick the top miners.
 */
export function scoreMinerEngagement(history: readonly MetricSnapshot[], params: EngagementParams): EngagementResult {
  const docs = groupByContent(history);

  const contents: ContentScore[] = [];
  let contentScore = 0;
  for (const doc of docs) {
    const s = scoreContent(doc.snapshots, params);
    contents.push({ platform: doc.platform, content_id: doc.content_id, ...s });
    // QUIRK: every stored document counts, including content that left the gist long ago
    // (frozen at its last score), and the sum may be negative. Summed in content_id order, as
    // _hotkey_scores reads the documents through the same index.
    contentScore += s.score;
  }

  // The original reads the documents with find({hotkey}), which its (hotkey, content_id) index
  // serves in content_id order; the follower count of the last document that has one wins.
  // Likes and comments accumulate as Python floats (they start at 0.0).
  let likes = 0;
  let comments = 0;
  let validPosts = 0;
  let followerCount = 0;
  for (const doc of docs) {
    // QUIRK: only the latest interval of each document counts, and no platform filter applies here.
    const m = doc.snapshots[doc.snapshots.length - 1]!;
    // QUIRK: the follower count is taken before the validity check and overwritten by each later
    // document, so it is the last non-zero count of any document, valid or not.
    if (countToNumber(m.owner_follower_count as Count) > 0) followerCount = countToNumber(m.owner_follower_count as Count);
    if (isSnapshotValid(m, params.aiThreshold)) {
      likes += countToNumber(m.like_count as Count);
      comments += countToNumber(m.comment_count as Count);
      validPosts += 1;
    }
  }

  // QUIRK: no valid post or no follower count gives rate 0 (the miner can still be in the top 5
  // when fewer than 5 miners have a positive rate).
  const engagementRate =
    validPosts === 0 || followerCount === 0 ? 0 : ((likes + comments) / validPosts / followerCount) * 100;

  return {
    policy: 'engagement',
    version: 1,
    contents,
    contentScore,
    engagementRate,
    latest: { likes, comments, validPosts, followerCount },
  };
}
