import pRetry from 'p-retry';
import { ServiceError, errorCode } from '../../errors.js';
import { failureFields } from '../../log.js';
import type { Submission } from '../../formats/types.js';
import type { ContentMetrics } from '../../services/types.js';
import { metricsIssue } from '../../store/snapshot-schema.js';
import { retryOptions } from '../retry.js';
import { claimKey, type StageFailure } from '../types.js';
import { timed, type Skipped, type StageContext, type StageOutcome } from './stage.js';

export interface WithMetrics {
  readonly submission: Submission;
  readonly metrics: ContentMetrics;
}

/**
 * Platform metrics for the miner's submissions in one batched call (the tracker coalesces across
 * miners); items that failed transiently are retried alone. A submission without metrics is
 * skipped this interval, not zeroed: the original records nothing for it either.
 */
export async function fetchMetrics(
  ctx: StageContext,
  wanted: readonly Submission[],
): Promise<StageOutcome<{ withMetrics: WithMetrics[]; skipped: Skipped[] }>> {
  const { deps, signal } = ctx;
  const failures: StageFailure[] = [];
  const metricsByKey = new Map<string, ContentMetrics>();
  let refs = wanted.map((s) => ({ platform: s.platform, content_id: s.content_id }));
  const lastErrors = new Map<string, { code: string; message: string }>();
  await timed(ctx, 'metrics', async () => {
    try {
      await pRetry(async () => {
        const batch = await deps.limiter.run('platform_tracker', (s) => deps.metricsProvider.getMetrics(refs, { signal: s ?? signal }), {
          signal,
        });
        for (const result of batch.results) {
          metricsByKey.set(claimKey(result.platform, result.content_id), result);
          lastErrors.delete(claimKey(result.platform, result.content_id));
        }
        for (const e of batch.errors) lastErrors.set(claimKey(e.platform, e.content_id), { code: e.code, message: e.message });
        refs = batch.errors.filter((e) => e.retryable).map((e) => ({ platform: e.platform, content_id: e.content_id }));
        if (refs.length > 0) throw new ServiceError('platform_tracker', `${refs.length} items failed transiently`, { retryable: true });
      }, retryOptions(deps, signal));
    } catch (error) {
      if (signal.aborted) throw error;
      deps.metrics.actorFailuresTotal.inc({ stage: 'metrics' });
      failures.push({ stage: 'metrics', code: errorCode(error), message: (error as Error).message });
      ctx.logger.warn(failureFields(error), 'platform metrics unavailable for some submissions');
    }
  });
  const usable = (s: Submission): boolean => {
    const m = metricsByKey.get(claimKey(s.platform, s.content_id));
    return m !== undefined && metricsIssue(m) === undefined;
  };
  // A content_id listed earlier on another platform: the original writes every line's metrics
  // in gist order under the content_id, so without this line's it keeps the latest earlier one's.
  const fallbackRefs = wanted
    .filter((s) => s.earlier && !usable(s))
    .flatMap((s) => s.earlier!.map((e) => ({ platform: e.platform, content_id: e.content_id })));
  if (fallbackRefs.length > 0 && !signal.aborted) {
    try {
      const batch = await deps.limiter.run('platform_tracker', (s) => deps.metricsProvider.getMetrics(fallbackRefs, { signal: s ?? signal }), { signal });
      for (const result of batch.results) metricsByKey.set(claimKey(result.platform, result.content_id), result);
    } catch (error) {
      if (signal.aborted) throw error;
      ctx.logger.warn(failureFields(error), 'platform metrics unavailable for earlier lines of unavailable submissions');
    }
  }
  const withMetrics: WithMetrics[] = [];
  const skipped: Skipped[] = [];
  for (const submission of wanted) {
    const key = claimKey(submission.platform, submission.content_id);
    const metrics = metricsByKey.get(key);
    const issue = metrics ? metricsIssue(metrics) : undefined;
    if (metrics && issue === undefined) {
      withMetrics.push({ submission, metrics });
      continue;
    }
    const fallback = submission.earlier?.find(usable);
    if (fallback) {
      withMetrics.push({ submission: fallback, metrics: metricsByKey.get(claimKey(fallback.platform, fallback.content_id))! });
      continue;
    }
    if (issue !== undefined) {
      skipped.push({ platform: submission.platform, content_id: submission.content_id, outcome: 'ignored', reason: 'metrics_ERR_CONTENT_INVALID' });
      failures.push({ stage: 'metrics', code: 'ERR_CONTENT_INVALID', message: `metrics the store cannot hold: ${issue}`, platform: submission.platform, content_id: submission.content_id });
      continue;
    }
    const error = lastErrors.get(key);
    skipped.push({
      platform: submission.platform,
      content_id: submission.content_id,
      outcome: 'ignored',
      reason: error ? `metrics_${error.code}` : 'metrics_unavailable',
    });
    if (error) failures.push({ stage: 'metrics', code: error.code, message: error.message, platform: submission.platform, content_id: submission.content_id });
  }
  return { value: { withMetrics, skipped }, failures };
}
