/**
 * What this validator saw for each miner in its latest cycle, for `GET /miners/<hotkey>` (with
 * `--miner_report.enabled`): every line's verdict and reason, the metrics read, the AI score,
 * ownership, the score and the weight. Fed by observing the actors' own reports, so it adds no
 * work to the cycle and never disagrees with what was stored. Public data only: no error
 * messages of internal services, just stable codes.
 */
import type { ActorHandle, CycleScores } from '../supervisor/supervisor.js';
import type { StoredLists } from '../supervisor/stored-lists.js';
import { countToJson } from '../formats/count.js';
import { claimKey, type CollectReport, type PersistReport } from '../actors/types.js';
import { contentKey, resolveOwners, type OwnershipClaim, type OwnershipResolution } from '../scoring/resolve-owners.js';
import { snapshotReason } from '../scoring/snapshot-reason.js';

export interface MinerReportLine {
  readonly line: number | null;
  readonly platform: string;
  readonly content_id: string;
  readonly verdict: 'accepted' | 'rejected' | 'ignored';
  readonly reason: string;
  readonly ai_score: number | null;
  readonly ai_source: string | null;
  readonly caption_ok: boolean | null;
  readonly signature: 'valid' | 'invalid' | 'unsigned' | null;
  readonly owner_ok: boolean | null;
  /** Set when other miners claimed the same video: who keeps it and why this one lost. */
  readonly ownership: { readonly winner: string | null; readonly lost: string | null } | null;
  readonly metrics: { readonly view_count: number | string; readonly like_count: number; readonly comment_count: number; readonly owner_follower_count: number } | null;
}

export interface MinerReport {
  readonly hotkey: string;
  readonly uid: number;
  readonly interval: string;
  /**
   * `gist`: the miner's gist, read this cycle. `stored_list`: a hotkey that is no peer (no
   * commitment, or out of the metagraph) whose stored list was processed again because a peer
   * listed one of its videos; its uid is the stored one when it left the metagraph.
   */
  readonly source: 'gist' | 'stored_list';
  readonly status: CollectReport['status'];
  readonly commitment: string | null;
  readonly commitment_block: number | null;
  /** Gist lines the parser refused, by line number. */
  readonly rejected_lines: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
  readonly lines: readonly MinerReportLine[];
  readonly failures: ReadonlyArray<{ readonly stage: string; readonly code: string; readonly platform?: string; readonly content_id?: string }>;
  readonly policy: string | null;
  readonly score: number | null;
  /** Share of this validator's last committed weights (0..1), null before the first commit. */
  readonly weight: number | null;
}

export interface WeightVector {
  readonly uids: readonly number[];
  readonly values: readonly number[];
}

export class MinerReportStore {
  readonly #aiThreshold: number;
  readonly #requireSigned: boolean;
  #resolution: { interval: string; size: number; value: Resolved } | undefined;
  readonly #collect = new Map<string, CollectReport>();
  readonly #persist = new Map<string, PersistReport>();
  /** Hotkeys reported through their stored list, not by an actor. */
  readonly #storedOnly = new Set<string>();
  #persistVersion = 0;
  #holderIndex: { interval: string; version: number; value: Map<string, string> } | undefined;
  #scores: CycleScores | undefined;

  constructor(options: { aiThreshold: number; requireSigned?: boolean }) {
    if (typeof options?.aiThreshold !== 'number' || !(options.aiThreshold >= 0 && options.aiThreshold <= 1)) {
      throw new RangeError(`options.aiThreshold must be within [0, 1], got ${String(options?.aiThreshold)}`);
    }
    this.#aiThreshold = options.aiThreshold;
    this.#requireSigned = options.requireSigned ?? false;
  }

  /** The supervisor's one-owner decision, recomputed with the same function from the same claims. */
  #ownership(interval: string): Resolved {
    const reports = [...this.#collect.values()].filter((r) => r.interval === interval);
    if (this.#resolution?.interval === interval && this.#resolution.size === reports.length) return this.#resolution.value;
    const claims: OwnershipClaim[] = reports.flatMap((r) =>
      r.candidates.map((c) => ({
        uid: r.uid,
        hotkey: r.hotkey,
        platform: c.platform,
        content_id: c.content_id,
        caption_ok: c.caption_ok,
        signature: c.signature_ok === null ? ('unsigned' as const) : c.signature_ok ? ('valid' as const) : ('invalid' as const),
        commitment_block: r.commitmentBlock,
      })),
    );
    const resolution = resolveOwners(claims, { requireSigned: this.#requireSigned });
    // Indexed once per decision: a report request then costs its own lines, not every lost claim.
    const lossOf = new Map<string, OwnershipResolution['losers'][number]>();
    for (const l of resolution.losers) if (!lossOf.has(lossKey(l.hotkey, l.platform, l.content_id))) lossOf.set(lossKey(l.hotkey, l.platform, l.content_id), l);
    const value = { winners: resolution.winners, lossOf };
    this.#resolution = { interval, size: reports.length, value };
    return value;
  }

  /** Per content key, the hotkey whose persisted snapshot of the interval keeps the video. */
  #holders(interval: string): ReadonlyMap<string, string> {
    if (this.#holderIndex?.interval === interval && this.#holderIndex.version === this.#persistVersion) return this.#holderIndex.value;
    const value = new Map<string, string>();
    for (const [hotkey, p] of this.#persist) {
      if (p.interval !== interval) continue;
      for (const s of p.snapshots) if (s.owner_ok) value.set(contentKey(s.platform, s.content_id), hotkey);
    }
    this.#holderIndex = { interval, version: this.#persistVersion, value };
    return value;
  }

  /** The same actor, with its collect and persist reports recorded on the way back. */
  wrap(actor: ActorHandle): ActorHandle {
    const collect = this.#collect;
    const persist = this.#persist;
    // Every change to the persist reports invalidates the holder index built from them.
    const changed = (): void => void this.#persistVersion++;
    return {
      get uid() {
        return actor.uid;
      },
      get hotkey() {
        return actor.hotkey;
      },
      get state() {
        return actor.state;
      },
      collect: async (request) => {
        const result = await actor.collect(request);
        if (result.ok) {
          this.#storedOnly.delete(actor.hotkey);
          collect.set(actor.hotkey, result.value);
          // A persist report of an older interval no longer describes this one.
          if (persist.get(actor.hotkey)?.interval !== result.value.interval && persist.delete(actor.hotkey)) changed();
        }
        return result;
      },
      async persist(request) {
        const result = await actor.persist(request);
        if (result.ok) {
          persist.set(actor.hotkey, result.value);
          changed();
        }
        return result;
      },
      stop: async (reason) => {
        this.#forget(actor.hotkey);
        return actor.stop(reason);
      },
    };
  }

  /**
   * The stored-lists processor, with the reports of the hotkeys it processes recorded too: their
   * claims take part in the cycle's one-owner decision, so the recomputed one needs them, and the
   * miner behind such a list can read what became of it. A stored list is reported for the
   * latest interval that processed it, until a cycle of another interval does not.
   */
  wrapStoredLists(lists: Pick<StoredLists, 'collect' | 'persist'>): Pick<StoredLists, 'collect' | 'persist'> {
    return {
      collect: async (request) => {
        const reports = await lists.collect(request);
        for (const hotkey of this.#storedOnly) if (this.#collect.get(hotkey)?.interval !== request.interval) this.#forget(hotkey);
        for (const report of reports) {
          if (this.#collect.has(report.hotkey) && !this.#storedOnly.has(report.hotkey)) continue;
          this.#storedOnly.add(report.hotkey);
          this.#collect.set(report.hotkey, report);
          if (this.#persist.get(report.hotkey)?.interval !== report.interval && this.#persist.delete(report.hotkey)) this.#persistVersion++;
        }
        return reports;
      },
      persist: async (report, lostClaims, signal) => {
        const result = await lists.persist(report, lostClaims, signal);
        if (result.ok && this.#storedOnly.has(report.hotkey)) {
          this.#persist.set(report.hotkey, result.value);
          this.#persistVersion++;
        }
        return result;
      },
    };
  }

  #forget(hotkey: string): void {
    this.#storedOnly.delete(hotkey);
    this.#collect.delete(hotkey);
    if (this.#persist.delete(hotkey)) this.#persistVersion++;
  }

  recordScores(scores: CycleScores): void {
    this.#scores = scores;
  }

  report(hotkey: string, weights?: WeightVector): MinerReport | undefined {
    const c = this.#collect.get(hotkey);
    if (!c) return undefined;
    const p = this.#persist.get(hotkey);
    const lineOf = new Map(c.submissions.map((s) => [claimKey(s.platform, s.content_id), s.line]));
    const lines: MinerReportLine[] = [];
    const empty = { ai_score: null, ai_source: null, caption_ok: null, signature: null, owner_ok: null, ownership: null, metrics: null } as const;
    const resolution = this.#ownership(c.interval);
    for (const skip of c.skipped) {
      lines.push({ line: lineOf.get(claimKey(skip.platform, skip.content_id)) ?? null, platform: skip.platform, content_id: skip.content_id, verdict: skip.outcome, reason: skip.reason, ...empty });
    }
    // Persisted snapshots carry the ownership decision; before persist, the candidates do not.
    const snapshots = p && p.interval === c.interval ? p.snapshots : c.candidates.map((s) => ({ ...s, owner_ok: null as boolean | null }));
    for (const s of snapshots) {
      const reason = s.owner_ok === null ? snapshotReason({ ...s, owner_ok: true }, this.#aiThreshold) : snapshotReason({ ...s, owner_ok: s.owner_ok }, this.#aiThreshold);
      lines.push({
        line: lineOf.get(claimKey(s.platform, s.content_id)) ?? null,
        platform: s.platform,
        content_id: s.content_id,
        verdict: reason === 'ok' ? 'accepted' : 'rejected',
        reason,
        ai_score: s.ai_score,
        ai_source: s.ai_source ?? null,
        caption_ok: s.caption_ok,
        signature: s.signature_ok === null ? 'unsigned' : s.signature_ok ? 'valid' : 'invalid',
        owner_ok: s.owner_ok,
        ownership: ownershipOf(resolution, hotkey, s.platform, s.content_id, s.owner_ok, this.#holders(c.interval)),
        metrics: { view_count: countToJson(s.view_count), like_count: s.like_count, comment_count: s.comment_count, owner_follower_count: s.owner_follower_count },
      });
    }
    lines.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    const scored = this.#scores?.selection.scores.find((s) => s.hotkey === hotkey);
    let weight: number | null = null;
    if (weights && weights.uids.length > 0) {
      const total = weights.values.reduce((a, b) => a + b, 0);
      const i = weights.uids.indexOf(c.uid);
      weight = total > 0 ? (i < 0 ? 0 : weights.values[i]! / total) : 0;
    }
    return {
      hotkey,
      uid: c.uid,
      interval: c.interval,
      source: this.#storedOnly.has(hotkey) ? 'stored_list' : 'gist',
      status: c.status,
      commitment: c.commitment,
      commitment_block: c.commitmentBlock,
      rejected_lines: c.rejections.map((r) => ({ line: r.line, reason: r.reason })),
      lines,
      failures: c.failures.map((f) => ({ stage: f.stage, code: f.code, ...(f.platform ? { platform: f.platform } : {}), ...(f.content_id ? { content_id: f.content_id } : {}) })),
      policy: this.#scores?.selection.policy ?? null,
      score: scored?.score ?? null,
      weight,
    };
  }
}

/** The one-owner decision, its lost claims by hotkey and claim. */
interface Resolved {
  readonly winners: OwnershipResolution['winners'];
  readonly lossOf: ReadonlyMap<string, OwnershipResolution['losers'][number]>;
}

const lossKey = (hotkey: string, platform: string, contentId: string): string => `${hotkey}\n${platform}\n${contentId}`;

/**
 * Who keeps a contested video, as the persisted snapshots say (`holders`) where they say it: a
 * claim settled after the deadline loses to the claimant already written as owner, which the
 * recomputed resolution does not know. Before persist, the recomputed resolution.
 */
function ownershipOf(
  resolution: Resolved,
  hotkey: string,
  platform: string,
  contentId: string,
  ownerOk: boolean | null,
  holders: ReadonlyMap<string, string>,
): MinerReportLine['ownership'] {
  const key = contentKey(platform, contentId);
  const loss = resolution.lossOf.get(lossKey(hotkey, platform, contentId));
  const winner = loss?.winner ?? resolution.winners.get(key);
  if (loss === undefined && winner === undefined) return null;
  if (ownerOk === true) return { winner: hotkey, lost: null };
  const holder = ownerOk === false ? holders.get(key) : undefined;
  if (holder === undefined || holder === winner) return loss ? { winner: loss.winner, lost: loss.reason } : { winner: winner ?? null, lost: null };
  // Kept by a claimant written first: this claim's own fault (caption, signature) still names it.
  const ranked = loss === undefined || loss.reason === 'later_commitment' || loss.reason === 'higher_uid';
  return { winner: holder, lost: ranked ? 'held_by_another' : loss.reason };
}

/** `GET /miners/<hotkey>`: the latest cycle's report for one miner. */
export function minerReportRoute(
  reports: MinerReportStore,
  path: string,
  weights: (WeightVector & { readonly ok: boolean }) | undefined,
): { status: number; body: unknown } | undefined {
  const m = /^\/miners\/([^/]+)\/?$/.exec(path);
  if (!m) return undefined;
  let hotkey: string;
  try {
    hotkey = decodeURIComponent(m[1]!);
  } catch {
    return { status: 400, body: { error: 'bad_request', message: 'the hotkey in the path is not valid percent-encoding' } };
  }
  const report = reports.report(hotkey, weights?.ok ? weights : undefined);
  return report ? { status: 200, body: report } : { status: 404, body: { error: 'not_found', message: `no report for ${hotkey} in the latest cycle` } };
}
