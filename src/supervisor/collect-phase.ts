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
  /**
   * Past the deadline, collection goes on while it is progressing: as long as a miner reported
   * or `progress()` moved within the last `stallMs`, up to `maxMs` after the start. Work queued
   * behind a busy CPU is slow, not stuck, and should count in its own cycle.
   */
  readonly grace?: {
    readonly stallMs: number;
    readonly maxMs: number;
    /** A count that grows as the actors' work advances (dependency calls finished). */
    readonly progress?: () => number;
  };
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
 * Asks every actor to collect and waits until all have reported, or the deadline passes with
 * the remaining work stalled (see `grace`). The deadline only decides what this cycle's summary
 * can say: nothing is aborted at it, because the original validator has no per-miner deadline (a
 * slow cycle is slow, never thin), and work queued behind the CPU or a rate limit is not a
 * miner's fault.
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
  const started = performance.now();
  // A shutdown aborts every collection, so they all settle promptly; waiting for them keeps
  // the work that did finish (it is persisted before the actors stop).
  const all = Promise.all(running.map((r) => r.result)).then((): true => true);
  let done = await raceTimer(all, input.deadlineMs);
  const grace = input.grace;
  if (!done && grace && !input.signal.aborted) {
    const progressOf = (): number => settled.size + (grace.progress?.() ?? 0);
    let seen = progressOf();
    for (;;) {
      const left = grace.maxMs - (performance.now() - started);
      if (left <= 0 || input.signal.aborted) break;
      done = await raceTimer(all, Math.min(grace.stallMs, left));
      if (done) break;
      const now = progressOf();
      if (now === seen) break;
      seen = now;
    }
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

/** True when `work` settled first, false when `ms` passed first. */
async function raceTimer(work: Promise<true>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/** Gist failures that are the gist's own state (the same on every read), not missing data. */
const MINERS_OWN_GIST_STATE: ReadonlySet<string> = new Set(['not_found', 'too_large', 'not_utf8', 'redirect_refused']);

/** A miner's report counts toward coverage unless its gist could not be read on our side. */
export function isCovered(report: CollectReport): boolean {
  // A gist that does not exist, is too large, is not text or redirects is what the miner
  // published: the original gives it no submissions and still sets weights. A timeout, a network
  // error or an HTTP error is ours (or GitHub's) and leaves the miner unknown this cycle.
  return report.status !== 'gist_failed' || MINERS_OWN_GIST_STATE.has(report.gistResult ?? '');
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
 * One owner per video (SPEC §4.3): the claims each hotkey loses, keyed by hotkey, and who holds
 * each video. Off under `compat: original`, which pays every claimant as the original does.
 * `held`: the holders of claims settled (and written) earlier in the interval; a collection that
 * lands after the deadline is settled with them, so a video never gets a second valid owner.
 */
export function lostClaimsByHotkey(
  claims: readonly OwnershipClaim[],
  options: { readonly enabled: boolean; readonly requireSigned: boolean; readonly held?: ReadonlyMap<string, string> },
): { lost: Map<string, Set<string>>; contested: number; held: ReadonlyMap<string, string> } {
  const lost = new Map<string, Set<string>>();
  if (!options.enabled) return { lost, contested: 0, held: new Map() };
  const resolution = resolveOwners(claims, { requireSigned: options.requireSigned, ...(options.held ? { held: options.held } : {}) });
  for (const loss of resolution.losers) {
    let set = lost.get(loss.hotkey);
    if (!set) lost.set(loss.hotkey, (set = new Set()));
    set.add(claimKey(loss.platform, loss.content_id));
  }
  return { lost, contested: resolution.winners.size, held: resolution.holders };
}

/**
 * Settles the claims of collections that land after the deadline, one report at a time, with
 * the claims settled before them: the cycle's (written already) and earlier late ones. A video
 * stays with the owner written first, so a late claimant never makes a second valid owner of it
 * in the interval; a late claimant that would have won loses it for this interval only.
 */
export class LateOwnership {
  readonly #claims: OwnershipClaim[];
  readonly #options: { readonly enabled: boolean; readonly requireSigned: boolean };
  #held: ReadonlyMap<string, string>;

  constructor(claims: readonly OwnershipClaim[], options: { readonly enabled: boolean; readonly requireSigned: boolean }) {
    this.#claims = [...claims];
    this.#options = options;
    this.#held = lostClaimsByHotkey(this.#claims, options).held;
  }

  /** The claims (`claimKey`) this late report's hotkey loses. */
  lostBy(report: CollectReport): Set<string> {
    this.#claims.push(...claimsOf([report]));
    const owners = lostClaimsByHotkey(this.#claims, { ...this.#options, held: this.#held });
    this.#held = owners.held;
    return owners.lost.get(report.hotkey) ?? new Set();
  }
}
