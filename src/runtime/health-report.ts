import type { Observable } from 'rxjs';
import type { FinalizedBlock } from '../chain/types.js';
import type { HealthReport } from '../metrics/metrics-server.js';
import type { Store } from '../store/types.js';
import type { ProgressSnapshot } from '../supervisor/cycle-progress.js';
import type { CycleSummary } from '../supervisor/supervisor.js';
import type { CommitAttemptResult } from '../weights/weight-committer.js';
import { abortable } from '../util/abortable.js';
import { publicEndpoint } from '../util/public-endpoint.js';

/**
 * Longest /health waits for the store's count of pending reveals. A store that is down or does
 * not answer costs its server-selection or socket timeout (5 s, 30 s), past the health check's
 * own (5 s in the Dockerfile): the validator, running on through the outage, was reported dead.
 */
const STORE_READ_BOUND_MS = 1_000;

/**
 * What `GET /health` answers and `infinitevibe status` shows: the chain connection and head,
 * the last cycle (and the running one), the last weight commit, pending reveals, whether the
 * store answers and the write backlog. ok=false (HTTP 503) only when the chain is unreachable.
 */
export interface HealthSources {
  readonly version: string;
  readonly network: string;
  readonly endpoint: string;
  readonly netuid: number;
  readonly hotkey: string;
  readonly connected$: Observable<boolean>;
  readonly finalizedBlocks$: Observable<FinalizedBlock>;
  readonly supervisor: { readonly actorUids: readonly number[]; readonly cycles: number; readonly lastSummary: CycleSummary | undefined };
  readonly progress: () => ProgressSnapshot | undefined;
  readonly committer: { readonly lastResult: CommitAttemptResult | undefined; readonly auditBacklog?: number };
  readonly pendingSnapshots: () => number;
  readonly store: Pick<Store, 'weightCommits' | 'reachable'>;
}

export interface HealthProbe {
  readonly report: () => Promise<HealthReport>;
  readonly close: () => void;
}

export function healthProbe(s: HealthSources): HealthProbe {
  let up = true;
  let head: FinalizedBlock | null = null;
  let lastWeightsAt: string | null = null;
  let seenResult: CommitAttemptResult | undefined;
  const subs = [s.connected$.subscribe((v) => (up = v)), s.finalizedBlocks$.subscribe((b) => (head = b))];
  // One store read at a time, joined by every report asked for meanwhile: anyone who reaches the
  // port could otherwise send a read per request, each holding a pooled store connection for up
  // to the socket timeout while the store hangs, ahead of the validator's own writes.
  let reading: Promise<number> | undefined;
  const countReveals = (): Promise<number> => {
    reading ??= s.store.weightCommits
      .pendingReveals({ hotkey: s.hotkey, netuid: s.netuid })
      .then((r) => r.length)
      .finally(() => (reading = undefined));
    return reading;
  };
  const report = async (): Promise<HealthReport> => {
    const last = s.supervisor.lastSummary;
    const weights = s.committer.lastResult;
    if (weights && weights !== seenResult) {
      seenResult = weights;
      lastWeightsAt = new Date().toISOString();
    }
    // The store may be down while the validator runs on; the report says so instead of failing.
    const reveals = await abortable(countReveals(), AbortSignal.timeout(STORE_READ_BOUND_MS)).catch(() => null);
    const reachable = s.store.reachable;
    return {
      ok: up,
      version: s.version,
      network: s.network,
      netuid: s.netuid,
      hotkey: s.hotkey,
      chain: up ? 'connected' : 'disconnected',
      chain_endpoint: publicEndpoint(s.endpoint),
      chain_head: head,
      actors: s.supervisor.actorUids.length,
      cycles: s.supervisor.cycles,
      last_cycle: last?.interval ?? null,
      last_cycle_summary: last
        ? {
            interval: last.interval,
            result: last.result,
            block: last.block,
            miners: last.miners,
            reported: last.reported,
            timed_out: last.timedOut,
            timed_out_uids: last.timedOutUids,
            accepted: last.submissions.accepted,
            rejected: last.submissions.rejected,
            duration_ms: last.durationsMs.total,
          }
        : null,
      cycle_progress: s.progress() ?? null,
      store: reachable === true ? 'connected' : reachable === false ? 'unreachable' : 'unknown',
      pending_snapshots: s.pendingSnapshots(),
      pending_reveals: reveals,
      last_weights: weights
        ? { ok: weights.ok, mode: weights.mode, block: weights.block, uids: weights.uids.length, error: weights.error, at: lastWeightsAt }
        : null,
    };
  };
  return { report, close: () => subs.forEach((sub) => sub.unsubscribe()) };
}
