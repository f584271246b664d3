import type { SignatureStatus } from '../../crypto/index.js';
import { errorCode } from '../../errors.js';
import { captionMatches } from '../../formats/caption.js';
import { escapeUntrusted } from '../../formats/escape-untrusted.js';
import { failureFields } from '../../log.js';
import { withRetry } from '../retry.js';
import { claimKey, type CandidateSnapshot, type StageFailure } from '../types.js';
import type { AiScoreCache } from './ai-score-cache.js';
import { MinerAiShare } from './ai-share.js';
import type { WithMetrics } from './fetch-metrics.js';
import { timed, type Skipped, type StageContext, type StageOutcome } from './stage.js';

/**
 * Ownership checks (caption token, and the signed-line status found when the gist was parsed on
 * the pool), then AI detection, each video once: for every listed video as in the original
 * (whatever its caption), except lines our signature check refused. Returns one candidate
 * snapshot per content that has a verdict this interval, in gist order.
 */
export async function checkCandidates(
  ctx: StageContext,
  items: readonly WithMetrics[],
  signatures: ReadonlyMap<string, SignatureStatus>,
  interval: string,
  aiCache: AiScoreCache,
): Promise<StageOutcome<{ candidates: CandidateSnapshot[]; skipped: Skipped[] }>> {
  const { deps, hotkey, signal } = ctx;
  const failures: StageFailure[] = [];
  const skipped: Skipped[] = [];
  // The caption test is a substring search, cheaper inline than a thread hop.
  const verdicts = await timed(ctx, 'verify', async () =>
    items.map(({ submission, metrics }) => ({
      caption_ok: captionMatches(metrics.caption, hotkey),
      // Every parsed submission has a status; were one missing it would read as a bad signature.
      signature: signatures.get(claimKey(submission.platform, submission.content_id))!,
    })),
  );

  const candidates: CandidateSnapshot[] = [];
  const now = deps.now?.() ?? new Date();
  // This miner's share of the AI-check slots every miner draws from. Deferring its checks after a
  // download deadline changes which videos get a verdict this cycle, so not under compat original.
  const share = new MinerAiShare(deps.aiChecksPerMiner, !deps.original);
  await timed(ctx, 'ai', () =>
    Promise.all(
      items.map(async ({ submission, metrics }, i) => {
        const verdict = verdicts[i]!;
        // Signed lines are ours; the original ignores the field.
        const signatureOk = deps.original || verdict.signature === 'unsigned' ? null : verdict.signature === 'valid';
        const candidate = (aiScore: number | null, aiSource: 'platform' | 'miner' | null): CandidateSnapshot => ({
          hotkey,
          platform: submission.platform,
          content_id: submission.content_id,
          interval,
          caption: metrics.caption,
          view_count: metrics.view_count,
          like_count: metrics.like_count,
          comment_count: metrics.comment_count,
          owner_username: metrics.owner_username,
          // Left out when absent: a key holding undefined would be stored as null.
          ...(metrics.owner_id === undefined ? {} : { owner_id: metrics.owner_id }),
          owner_follower_count: metrics.owner_follower_count,
          published_at: metrics.published_at,
          ai_score: aiScore,
          ai_source: aiSource,
          caption_ok: verdict.caption_ok,
          signature_ok: signatureOk,
          fetched_at: now,
        });
        if (submission.checked_for_ai || submission.unusable_url) {
          // The original never scores these (checked_for_ai) or fails to download them: ai 0.0.
          candidates.push(candidate(0, null));
          return;
        }
        // A bad signature is ours alone: that line is never scored, so its video is not checked.
        if (signatureOk === false) {
          candidates.push(candidate(null, null));
          return;
        }
        // A caption without the token is checked all the same: the original asks the detector
        // for every listed video each cycle and its verdict is kept (7 days) whatever the caption
        // said, so a video that cannot be fetched later still has one when the caption is fixed.
        // Ours checks the platform's own copy when there is one (harder to fool); the original
        // checks the miner's file.
        const source = metrics.video_url && !deps.original ? 'platform' : 'miner';
        const url = source === 'platform' ? metrics.video_url! : submission.direct_video_url;
        try {
          candidates.push(candidate(await aiScore(ctx, aiCache, share, url, source), source));
        } catch (error) {
          if (signal.aborted) throw error;
          deps.metrics.actorFailuresTotal.inc({ stage: 'ai' });
          const code = errorCode(error);
          if (deps.original) {
            // The original records a failed detection as ai 0.0, which resets the history.
            ctx.logger.warn({ code, content_id: escapeUntrusted(submission.content_id) }, 'AI detection failed; recorded as not AI');
            candidates.push(candidate(0, source));
            return;
          }
          if (!verdict.caption_ok) {
            // Invalid whatever the detector would say: recorded, so the chain resets as there.
            ctx.logger.warn({ code, content_id: escapeUntrusted(submission.content_id) }, 'AI detection failed for a caption without the token');
            candidates.push(candidate(null, source));
            return;
          }
          failures.push({ stage: 'ai', code, message: (error as Error).message, platform: submission.platform, content_id: submission.content_id });
          ctx.logger.warn(
            { ...failureFields(error), content_id: escapeUntrusted(submission.content_id), source },
            'AI detection failed; retried next cycle',
          );
          // Unknown is not a verdict: no snapshot this interval, so the EMA chain is not reset.
          skipped.push({ platform: submission.platform, content_id: submission.content_id, outcome: 'ignored', reason: 'ai_unavailable' });
        }
      }),
    ),
  );
  // Gist order, whatever order the AI calls finished in.
  const order = new Map(items.map(({ submission: s }, i) => [claimKey(s.platform, s.content_id), i]));
  candidates.sort((a, b) => order.get(claimKey(a.platform, a.content_id))! - order.get(claimKey(b.platform, b.content_id))!);
  return { value: { candidates, skipped }, failures };
}

async function aiScore(ctx: StageContext, cache: AiScoreCache, share: MinerAiShare, url: string, source: 'platform' | 'miner'): Promise<number> {
  const { deps, signal } = ctx;
  const now = (deps.now?.() ?? new Date()).getTime();
  const cached = cache.get(url, now);
  if (cached !== undefined) return cached;
  let result;
  try {
    // Retries stay inside the share: they do not add to what the miner holds.
    result = await share.run(() => withRetry(deps, 'ai_detector', (s) => deps.aiDetector.detect(url, { signal: s, source }), signal), signal);
  } catch (error) {
    deps.metrics.aiDetectionsTotal.inc({ result: 'error' });
    throw error;
  }
  deps.metrics.aiDetectionsTotal.inc({ result: result.cached ? 'cache_hit' : 'scored' });
  cache.set(url, result.mean_ai_generated, now);
  return result.mean_ai_generated;
}
