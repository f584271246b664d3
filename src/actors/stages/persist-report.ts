import { DEFAULTS } from '../../config/defaults.js';
import { failureFields } from '../../log.js';
import { snapshotReason } from '../../scoring/snapshot-reason.js';
import pRetry from 'p-retry';
import { reasonLabel } from '../reason-label.js';
import { retryOptions } from '../retry.js';
import { isPeerCommitment } from '../../formats/commitment.js';
import type { SubmissionRecord } from '../../store/types.js';
import { claimKey, type CollectReport, type PersistReport, type PersistRequest } from '../types.js';
import { timed, type StageContext } from './stage.js';

/**
 * Writes one interval's collect report: the submissions record, then the snapshots with the
 * owner decision of the cycle. Counts every line's outcome under its reason.
 */
export async function persistReport(ctx: StageContext, report: CollectReport, request: PersistRequest): Promise<PersistReport> {
  const { deps, signal } = ctx;
  const result = { uid: ctx.uid, hotkey: ctx.hotkey, interval: request.interval, inserted: 0, matched: 0, buffered: 0, accepted: 0 };
  const rejectedByReason: Record<string, number> = {};
  const keptRejections = deps.maxRecordedRejections ?? DEFAULTS.gist.max_recorded_rejections;
  return timed(ctx, 'persist', async () => {
    const snapshots = report.candidates.map((c) => ({ ...c, owner_ok: !request.lostClaims.has(claimKey(c.platform, c.content_id)) }));
    const count = (outcome: 'accepted' | 'rejected' | 'ignored', reason: string) => {
      deps.metrics.submissionsTotal.inc({ outcome, reason: reasonLabel(reason) });
      if (outcome === 'rejected') rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
      if (outcome === 'accepted') result.accepted++;
    };
    for (const rejection of report.rejections) rejectedByReason[rejection.reason] = (rejectedByReason[rejection.reason] ?? 0) + 1;
    for (const skip of report.skipped) count(skip.outcome, skip.reason);
    // A snapshot may come from an earlier line of its content_id (Submission.earlier).
    const lines = new Map(report.submissions.flatMap((s) => [s, ...(s.earlier ?? [])]).map((s) => [claimKey(s.platform, s.content_id), s]));
    for (const s of snapshots) {
      const line = lines.get(claimKey(s.platform, s.content_id));
      // Already counted as the gist's invalid_url rejection.
      if (line?.unusable_url) continue;
      if (line?.checked_for_ai) {
        count('rejected', 'checked_for_ai');
        continue;
      }
      const reason = snapshotReason(s, deps.aiThreshold);
      count(reason === 'ok' ? 'accepted' : 'rejected', reason);
    }

    // Both sinks merge concurrent writes from every actor and bound their own round trips, so
    // a write does not wait for a store slot here: holding one per miner while its record waits
    // to be merged turned the persist phase into one small batch per slot.
    const record = async (): Promise<void> => {
      const stored = storedRecordOf(report, keptRejections);
      if (stored === null) return;
      try {
        await pRetry(
          () => deps.submissions.upsert({ ...stored, hotkey: ctx.hotkey, uid: ctx.uid, updated_at: deps.now?.() ?? new Date() }),
          retryOptions(deps, signal),
        );
      } catch (error) {
        if (signal.aborted) throw error;
        deps.metrics.actorFailuresTotal.inc({ stage: 'persist' });
        ctx.logger.warn(failureFields(error), 'submissions record not stored this cycle');
      }
    };
    const store = async (): Promise<void> => {
      if (snapshots.length === 0) return;
      signal.throwIfAborted();
      // The sink buffers while the store is down, so this does not fail on an outage.
      const written = await deps.snapshots.write(snapshots);
      result.inserted = written.inserted;
      result.matched = written.matched;
      result.buffered = written.buffered ?? 0;
      if (written.inserted > 0) deps.metrics.snapshotsWrittenTotal.inc(written.inserted);
    };
    const [recorded, stored] = await Promise.allSettled([record(), store()]);
    if (recorded.status === 'rejected') throw recorded.reason;
    if (stored.status === 'rejected') throw stored.reason;
    return { ...result, rejectedByReason, snapshots };
  });
}

/**
 * The submissions record a collection leaves, by the original's rules for its stored documents
 * (§2.5, §3.3 of its description): a peer's gist read replaces the list, a peer whose gist could
 * not be read (or whose commitment has a ':' we refuse, which the original requests and fails
 * to read) gets an empty one, as the original deletes its document; a hotkey that is no peer
 * (no commitment, or one without ':') keeps the record it has, whose list the cycle may process
 * again (supervisor/stored-lists.ts). null: nothing to write.
 */
export function storedRecordOf(
  report: CollectReport,
  keptRejections: number,
): Omit<SubmissionRecord, 'hotkey' | 'uid' | 'updated_at'> | null {
  if (!isPeerCommitment(report.commitment)) return null;
  const base = { commitment: report.commitment, commitment_block: report.commitmentBlock, interval: report.interval };
  if (report.status !== 'ok') return { ...base, submissions: [], listed_content_ids: [], rejections: [], rejections_total: 0 };
  return {
    ...base,
    submissions: report.submissions.map(({ earlier, ...s }) => ({ ...s, ...(earlier ? { earlier: earlier.map(({ earlier: _e, ...e }) => ({ ...e })) } : {}) })),
    listed_content_ids: [...report.listed],
    // The first few, all counted: a gist can hold gist.max_lines bad lines, and this record is
    // rewritten for every miner every cycle.
    rejections: report.rejections.slice(0, keptRejections).map((r) => ({ line: r.line, reason: r.reason, excerpt: r.excerpt })),
    rejections_total: report.rejections.length,
  };
}
