import type { Platform } from '../config/defaults.js';
import type { MetricSnapshot } from '../store/types.js';
import { isSnapshotValid } from './snapshot-validity.js';
import type { ContentScore, EngagementResult } from './types.js';

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
  readonly platform: Platform;
  readonly content_id: string;
  readonly firstInput: number;
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

/**
 * Groups a hotkey's history into one "performance document" per content, the unit the original
 * scores. Deliberate difference: the original keys documents by (hotkey, content_id) without the
 * platform, so the same id on two platforms would share (and overwrite) one history; we keep them
 * apart because which one wins there depends on gist order, which snapshots do not carry.
 */
function groupByContent(history: readonly MetricSnapshot[]): ContentDoc[] {
  const docs = new Map<string, { platform: Platform; content_id: string; firstInput: number; byInterval: Map<string, MetricSnapshot> }>();
  for (let i = 0; i < history.length; i++) {
    const snap = history[i]!;
    const key = `${snap.platform}\u0000${snap.content_id}`;
    let doc = docs.get(key);
    if (!doc) {
      doc = { platform: snap.platform, content_id: snap.content_id, firstInput: i, byInterval: new Map() };
      docs.set(key, doc);
    }
    // One value per interval key, like the original's dict: a repeated key keeps the last write.
    doc.byInterval.delete(snap.interval);
    doc.byInterval.set(snap.interval, snap);
  }
  const out: ContentDoc[] = [];
  for (const doc of docs.values()) {
    // Interval keys are YYYY-MM-DD-HH-MM, so lexicographic order is chronological (as in Python's sorted()).
    const snapshots = [...doc.byInterval.values()].sort((a, b) => compareStrings(a.interval, b.interval));
    out.push({ platform: doc.platform, content_id: doc.content_id, firstInput: doc.firstInput, snapshots });
  }
  return out;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  let prev: number | null = null;
  let intervals = 0;
  let validIntervals = 0;
  let resets = 0;
  for (const m of snapshots) {
    if (!allowed.has(originalPlatformName(m.platform))) continue;
    intervals++;
    if (isSnapshotValid(m, params.aiThreshold)) {
      validIntervals++;
      // to_scalar(): view count (Instagram: video play count, mapped to view_count by the tracker).
      const cur = m.view_count;
      // QUIRK: the baseline scores nothing (028cfe3); the increment is not divided by elapsed
      // time, so a short interval (restart, cached metrics) collapses the score toward 0.
      if (prev !== null) score = params.alpha * (cur - prev) + (1 - params.alpha) * score;
      prev = cur;
    } else {
      // QUIRK: one invalid interval (including a transient AI-detector failure) wipes the chain.
      if (prev !== null || score !== 0) resets++;
      score = 0;
      prev = null;
    }
  }
  return { score, baseline: prev, intervals, validIntervals, resets };
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
    // (frozen at its last score), and the sum may be negative.
    contentScore += s.score;
  }

  // The original iterates perf docs in MongoDB natural order, i.e. the order documents were first
  // written: by first interval, and within one cycle in gist order. Snapshots do not carry gist
  // order, so within one first interval we keep the order of the input history.
  const inCreationOrder = [...docs].sort(
    (a, b) => compareStrings(a.snapshots[0]!.interval, b.snapshots[0]!.interval) || a.firstInput - b.firstInput,
  );

  let likes = 0;
  let comments = 0;
  let validPosts = 0;
  let followerCount = 0;
  for (const doc of inCreationOrder) {
    // QUIRK: only the latest interval of each document counts, and no platform filter applies here.
    const m = doc.snapshots[doc.snapshots.length - 1]!;
    // QUIRK: the follower count is taken before the validity check and overwritten by each later
    // document, so it is the last non-zero count of any document, valid or not.
    if (m.owner_follower_count > 0) followerCount = m.owner_follower_count;
    if (isSnapshotValid(m, params.aiThreshold)) {
      likes += m.like_count;
      comments += m.comment_count;
      validPosts += 1;
    }
  }

  // QUIRK: no valid post or no follower count gives rate 0 (the miner can still be in the top 5
  // when fewer than 5 miners have a positive rate).
  const engagementRate =
    validPosts === 0 || followerCount === 0 ? 0 : (((likes + comments) / validPosts) / followerCount) * 100;

  return {
    policy: 'engagement',
    version: 1,
    contents,
    contentScore,
    engagementRate,
    latest: { likes, comments, validPosts, followerCount },
  };
}
