import type { CommitmentRecord } from '../chain/types.js';
import type { ActorResult, CollectReport } from '../actors/types.js';
import { claimKey } from '../actors/types.js';
import { resolveOwners, type OwnershipClaim } from '../scoring/resolve-owners.js';
import type { ActorHandle } from './actor-handle.js';

export interface CollectPhaseInput {
  readonly actors: readonly ActorHandle[];
  readonly interval: string;
  readonly commitments: ReadonlyMap<string, CommitmentRecord>;
  /** Ends collection for good (shutdown); the deadline does not. */
  readonly signal: AbortSignal;
  readonly deadlineMs: number;
  readonly jitterMs: number;
  /** Told each result as it lands (progress reporting). */
  readonly onResult?: (result: ActorResult<CollectReport>) => void;
}

export interface LateCollect {
  readonly actor: ActorHandle;
  readonly result: Promise<ActorResult<CollectReport>>;
}

export interface CollectPhaseResult {
  /** Reports that landed by the deadline. */
  readonly reports: CollectReport[];
  /** Collections still running at the deadline: they go on and count when they land. */
  readonly late: LateCollect[];
  /** Codes of collections that failed outright (not stopped, not late). */
  readonly failures: string[];
}

/**
 * Asks every actor to collect and waits until all have reported or the deadline passes. The
 * deadline only decides what this cycle's summary can say: nothing is aborted at it, because
 * the original validator has no per-miner deadline (a slow cycle is slow, never thin), and work
 * queued behind the CPU or a rate limit is not a miner's fault.
 */
export async function collectUntilDeadline(input: CollectPhaseInput): Promise<CollectPhaseResult> {
  const settled = new Map<ActorHandle, ActorResult<CollectReport>>();
  const running = input.actors.map((actor) => {
    const result = actor.collect({
      interval: input.interval,
      commitment: input.commitments.get(actor.hotkey),
      signal: input.signal,
      jitterMs: input.jitterMs > 0 ? Math.floor(Math.random() * input.jitterMs) : 0,
    });
    // Registered before Promise.all's own reactions, so `settled` is complete when it resolves.
    void result.then((r) => {
      settled.set(actor, r);
      input.onResult?.(r);
    });
    return { actor, result };
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, input.deadlineMs);
  });
  try {
    // A shutdown aborts every collection, so they all settle promptly; waiting for them keeps
    // the work that did finish (it is persisted before the actors stop).
    await Promise.race([Promise.all(running.map((r) => r.result)), deadline]);
  } finally {
    clearTimeout(timer);
  }
  const reports: CollectReport[] = [];
  const late: LateCollect[] = [];
  const failures: string[] = [];
  for (const entry of running) {
    const result = settled.get(entry.actor);
    if (!result) late.push(entry);
    else if (result.ok) reports.push(result.value);
    else if (result.code !== 'ERR_ACTOR_STOPPED' && result.code !== 'ERR_ACTOR_ABORTED') failures.push(result.code);
  }
  return { reports, late, failures };
}

/** A miner's report counts toward coverage unless its gist could not be read on our side. */
export function isCovered(report: CollectReport): boolean {
  // A gist that does not exist is the miner's state, not missing data; a network error or a
  // 5xx is ours (or GitHub's) and leaves the miner unknown this cycle.
  return report.status !== 'gist_failed' || report.gistResult === 'not_found';
}

export function claimsOf(reports: readonly CollectReport[]): OwnershipClaim[] {
  const claims: OwnershipClaim[] = [];
  for (const report of reports) {
    for (const c of report.candidates) {
      claims.push({
        uid: report.uid,
        hotkey: report.hotkey,
        platform: c.platform,
        content_id: c.content_id,
        caption_ok: c.caption_ok,
        signature: c.signature_ok === null ? 'unsigned' : c.signature_ok ? 'valid' : 'invalid',
        commitment_block: report.commitmentBlock,
      });
    }
  }
  return claims;
}

/**
 * One owner per video (SPEC §4.3): the claims each hotkey loses, keyed by hotkey. Off under
 * `compat: original`, which pays every claimant as the original does.
 */
export function lostClaimsByHotkey(
  claims: readonly OwnershipClaim[],
  options: { readonly enabled: boolean; readonly requireSigned: boolean },
): { lost: Map<string, Set<string>>; contested: number } {
  const lost = new Map<string, Set<string>>();
  if (!options.enabled) return { lost, contested: 0 };
  const resolution = resolveOwners(claims, { requireSigned: options.requireSigned });
  for (const loss of resolution.losers) {
    let set = lost.get(loss.hotkey);
    if (!set) lost.set(loss.hotkey, (set = new Set()));
    set.add(claimKey(loss.platform, loss.content_id));
  }
  return { lost, contested: resolution.winners.size };
}
