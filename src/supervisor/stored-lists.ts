import { AiScoreCache } from '../actors/stages/ai-score-cache.js';
import { checkCandidates } from '../actors/stages/check-candidates.js';
import { fetchMetrics } from '../actors/stages/fetch-metrics.js';
import { persistReport } from '../actors/stages/persist-report.js';
import type { StageContext } from '../actors/stages/stage.js';
import { claimKey, type ActorResult, type CollectReport, type MinerActorDeps, type PersistReport, type StageFailure } from '../actors/types.js';
import { verifySubmissionSignature, type SignatureStatus } from '../crypto/index.js';
import { errorCode } from '../errors.js';
import { isPeerCommitment } from '../formats/commitment.js';
import type { Submission } from '../formats/types.js';
import { failureFields, type Logger } from '../log.js';
import { storedListRecordSchema } from '../store/listed-record-check.js';
import type { Store, SubmissionRecord } from '../store/types.js';

/**
 * The original keeps a hotkey's stored submissions document when the hotkey stops being a peer
 * (commitment removed or without ':', or out of the metagraph), and each cycle it processes
 * every stored document that lists one of the cycle's active content_ids, peer or not
 * (`find({"submissions.content_id": {$in: active_ids}})`, §3.4 of its description): such a
 * hotkey gets new intervals whenever another miner lists one of its videos, and its chains go on.
 *
 * This pass does the same with the submissions records (kept by the same rules, see
 * actors/stages/persist-report.ts): the records of hotkeys that are no peer this cycle whose
 * listed content_ids meet the ids the peers' gists list are processed as a peer's gist is, their
 * stored submissions fetched, checked and recorded under the cycle's interval with the same
 * stages, limits and shared lookups. Their claims join the cycle's one-owner resolution. The
 * records live in the store, so a restarted validator processes them too.
 */

export interface StoredListsOptions {
  readonly store: Pick<Store['submissions'], 'listing'>;
  /** Submissions records still held for the store (an outage): newer than the stored ones. */
  readonly held?: () => readonly SubmissionRecord[];
  /** The collect stages' dependencies, as every miner actor gets them. */
  readonly deps: MinerActorDeps;
  readonly logger: Logger;
}

export interface StoredListsRequest {
  readonly interval: string;
  /** Hotkeys that are peers this cycle (in the metagraph, a commitment with ':'), and our own. */
  readonly peers: ReadonlySet<string>;
  /** Every content_id the peers' gists list this cycle. */
  readonly active: ReadonlySet<string>;
  /** The uid of a hotkey in the metagraph (a hotkey out of it keeps its record's). */
  readonly uidOf: (hotkey: string) => number | undefined;
  readonly signal: AbortSignal;
}


export class StoredLists {
  readonly #o: StoredListsOptions;
  /** Verdicts by the URL checked, as each actor keeps its own; the detector caches them too. */
  readonly #aiCache: AiScoreCache;

  constructor(options: StoredListsOptions) {
    this.#o = options;
    this.#aiCache = new AiScoreCache(1024, options.deps.aiResultTtlMs);
  }

  /** Collects every stored list this cycle processes again, one report per hotkey. */
  async collect(request: StoredListsRequest): Promise<CollectReport[]> {
    if (request.active.size === 0) return [];
    let records: SubmissionRecord[];
    try {
      records = await this.#due(request);
    } catch (error) {
      if (request.signal.aborted) return [];
      this.#o.logger.warn(failureFields(error), 'stored submissions lists not read; none processed again this cycle');
      return [];
    }
    const reports = await Promise.all(records.map((record) => this.#collectOne(record, request)));
    return reports.filter((r): r is CollectReport => r !== null);
  }

  /** Records the snapshots of one report with the cycle's owner decision; the record itself stays. */
  async persist(report: CollectReport, lostClaims: ReadonlySet<string>, signal: AbortSignal): Promise<ActorResult<PersistReport>> {
    try {
      return { ok: true, value: await persistReport(this.#context(report.uid, report.hotkey, signal), report, { interval: report.interval, lostClaims }) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      return { ok: false, error: err, code: signal.aborted ? 'ERR_ACTOR_STOPPED' : errorCode(err) };
    }
  }

  async #due(request: StoredListsRequest): Promise<SubmissionRecord[]> {
    const except = [...request.peers];
    const stored = await this.#o.store.listing([...request.active], except);
    // A record held through an outage is newer than the stored one of its hotkey.
    const held = new Map((this.#o.held?.() ?? []).map((r) => [r.hotkey, r]));
    const due = new Map<string, SubmissionRecord>();
    for (const record of [...stored, ...held.values()]) {
      const newest = held.get(record.hotkey) ?? record;
      // Read before the shape check below: a value of the wrong type must not throw out of the pass.
      const listed: unknown = newest.listed_content_ids;
      if (request.peers.has(newest.hotkey) || !(Array.isArray(listed) && listed.some((id) => request.active.has(id as string)))) continue;
      due.set(newest.hotkey, newest);
    }
    const wellFormed: SubmissionRecord[] = [];
    for (const record of due.values()) {
      if (storedListRecordSchema.safeParse(record).success) wellFormed.push(record);
      else this.#o.logger.warn({ hotkey: String(record.hotkey).slice(0, 8) }, 'stored submissions list malformed; not processed again');
    }
    return wellFormed.sort((a, b) => (a.hotkey < b.hotkey ? -1 : 1));
  }

  #context(uid: number, hotkey: string, signal: AbortSignal): StageContext {
    return { deps: this.#o.deps, uid, hotkey, logger: this.#o.deps.logger.child({ uid, hotkey: hotkey.slice(0, 8), stored_list: true }), signal };
  }

  async #collectOne(record: SubmissionRecord, request: StoredListsRequest): Promise<CollectReport | null> {
    const started = performance.now();
    const { deps } = this.#o;
    const uid = request.uidOf(record.hotkey) ?? record.uid;
    const ctx = this.#context(uid, record.hotkey, request.signal);
    const failures: StageFailure[] = [];
    const skipped: CollectReport['skipped'][number][] = [];
    const submissions: Submission[] = record.submissions.map((s) => submissionOf(s));
    try {
      // The statuses the gist's parse found: checked again here, the record keeps the signatures.
      const signatures = new Map<string, SignatureStatus>();
      for (const s of submissions) {
        for (const line of [s, ...(s.earlier ?? [])]) signatures.set(claimKey(line.platform, line.content_id), verifySubmissionSignature(deps.netuid, line, record.hotkey));
      }
      const wanted = submissions.filter((s) => {
        if (!deps.requireSignedSubmissions || deps.original || s.signature) return true;
        skipped.push({ platform: s.platform, content_id: s.content_id, outcome: 'rejected', reason: 'unsigned' });
        return false;
      });
      const fetched = await fetchMetrics(ctx, wanted);
      failures.push(...fetched.failures);
      skipped.push(...fetched.value.skipped);
      const checked = await checkCandidates(ctx, fetched.value.withMetrics, signatures, request.interval, this.#aiCache);
      failures.push(...checked.failures);
      skipped.push(...checked.value.skipped);
      return {
        uid,
        hotkey: record.hotkey,
        interval: request.interval,
        status: 'ok',
        commitment: null,
        commitmentBlock: null,
        submissions,
        rejections: [],
        listed: [],
        candidates: checked.value.candidates,
        skipped,
        failures,
        durationMs: performance.now() - started,
      };
    } catch (error) {
      if (request.signal.aborted) return null;
      // One record's fault (the pool, a bug): the others and the cycle go on.
      this.#o.logger.error({ err: error, code: errorCode(error), hotkey: record.hotkey.slice(0, 8) }, 'stored submissions list not processed');
      return null;
    }
  }
}

/** A stored line back as the parser's Submission, its fallbacks with it. */
function submissionOf(s: SubmissionRecord['submissions'][number]): Submission {
  const { earlier, ...line } = s;
  return earlier && earlier.length > 0 ? { ...line, earlier: earlier.map((e) => ({ ...e })) } : { ...line };
}

/**
 * The request of a cycle: peers are the metagraph's hotkeys whose commitment has ':' (our own
 * included only as the original includes it, by its commitment); the active ids are what the
 * peers' gists listed, in the reports that landed by the deadline.
 */
export function storedListsRequest(c: {
  readonly interval: string;
  readonly neurons: Iterable<{ readonly uid: number; readonly hotkey: string }>;
  readonly commitments: ReadonlyMap<string, { readonly value: string | null }>;
  readonly reports: readonly CollectReport[];
  readonly signal: AbortSignal;
}): StoredListsRequest {
  const uids = new Map<string, number>();
  const peers = new Set<string>();
  for (const n of c.neurons) {
    uids.set(n.hotkey, n.uid);
    if (isPeerCommitment(c.commitments.get(n.hotkey)?.value)) peers.add(n.hotkey);
  }
  const active = new Set<string>();
  for (const r of c.reports) if (peers.has(r.hotkey)) for (const id of r.listed) active.add(id);
  return { interval: c.interval, peers, active, uidOf: (hotkey) => uids.get(hotkey), signal: c.signal };
}

/**
 * The stored lists due by the ids of miners whose collection landed after the deadline (the
 * original looks for them once every miner has collected), other than those of `except` (the
 * cycle processed them already). Each is settled with the late claims (`settle`: the claims
 * it loses) and recorded in turn; returns how many were recorded.
 */
export async function processLateStoredLists(
  lists: Pick<StoredLists, 'collect' | 'persist'>,
  request: StoredListsRequest,
  o: { readonly except: ReadonlySet<string>; readonly settle: (report: CollectReport) => ReadonlySet<string>; readonly record?: (snapshots: PersistReport['snapshots']) => void },
): Promise<number> {
  if (request.active.size === 0) return 0;
  const due = await lists.collect({ ...request, peers: new Set([...request.peers, ...o.except]) });
  let recorded = 0;
  for (const report of due) {
    const persisted = await lists.persist(report, o.settle(report), request.signal);
    if (!persisted.ok) continue;
    o.record?.(persisted.value.snapshots);
    recorded++;
  }
  return recorded;
}
