import { intervalKey } from '../formats/interval.js';
import type { Logger } from '../log.js';
import { ORIGINAL_ANSWER_TTL_MS } from '../services/platform-tracker/original-answer-cache.js';
import type { ContentMetrics } from '../services/types.js';
import type { MetricSnapshot, Store } from '../store/types.js';

/**
 * The tracker answer a stored snapshot was made of: every field the answer gave the snapshot.
 * `video_url` is not stored (compat original, the only reader, checks the miner's URL anyway).
 */
export function answerOfSnapshot(s: MetricSnapshot): ContentMetrics {
  return {
    platform: s.platform,
    content_id: s.content_id,
    caption: s.caption,
    view_count: s.view_count,
    like_count: s.like_count,
    comment_count: s.comment_count,
    owner_username: s.owner_username,
    // A kept answer without it would make the next snapshot of an Instagram account one of its
    // username, outside the series growth@1 keys by the id.
    ...(s.owner_id === undefined ? {} : { owner_id: s.owner_id }),
    owner_follower_count: s.owner_follower_count,
    published_at: s.published_at,
    video_url: null,
    fetched_at: s.fetched_at.toISOString(),
  };
}

/**
 * How long before its fetch a snapshot's cycle can have started: a collection ends by its grace's
 * end, twice the cycle by default, and late reports land soon after. Generous, since it only
 * bounds the read to the interval index (a day of snapshots at least, not every one stored).
 */
export function keptAnswersLookbackMs(cycleSeconds: number): number {
  return Math.max(24 * 3_600_000, 4 * cycleSeconds * 1000);
}

/**
 * The answers the original's tracker would still keep (Redis, an hour) when this validator
 * starts: it keeps them apart from its validator, so a restart within the hour of a fetch is
 * answered from there. Ours are the stored snapshots of that hour, the latest per content. A
 * store that cannot be read keeps none (logged).
 */
export async function keptAnswers(
  snapshots: Pick<Store['snapshots'], 'fetchedSince'>,
  now: () => Date,
  logger: Logger,
  cycleSeconds: number,
): Promise<ContentMetrics[]> {
  try {
    const since = now().getTime() - ORIGINAL_ANSWER_TTL_MS;
    const recent = await snapshots.fetchedSince(new Date(since), intervalKey(new Date(since - keptAnswersLookbackMs(cycleSeconds))));
    return recent.map(answerOfSnapshot);
  } catch (error) {
    logger.warn({ err: error }, 'tracker answers of the last hour not read back from the store; every content is fetched afresh');
    return [];
  }
}
