import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { Logger } from '../log.js';
import { ActorError, FormatError, ServiceError, errorCode } from '../errors.js';
import { parseCommitment } from '../formats/commitment.js';
import { parseGist } from '../formats/gist.js';
import type { ParsedCommitment, Submission } from '../formats/types.js';
import type { ContentMetrics } from '../services/types.js';
import type { Dependency } from '../services/dependency-gate.js';
import {
  claimKey,
  type ActorParent,
  type ActorResult,
  type ActorState,
  type CandidateSnapshot,
  type CollectReport,
  type CollectRequest,
  type MinerActorDeps,
  type PersistReport,
  type PersistRequest,
  type StageFailure,
  type VerifyOutcome,
} from './types.js';

const GIST_RESULTS = new Set(['not_found', 'timeout', 'too_large', 'not_utf8', 'http_error', 'network_error']);

type Message =
  | { kind: 'collect'; request: CollectRequest; resolve: (r: ActorResult<CollectReport>) => void }
  | { kind: 'persist'; request: PersistRequest; resolve: (r: ActorResult<PersistReport>) => void };

export interface MinerActorOptions {
  readonly uid: number;
  readonly hotkey: string;
  readonly deps: MinerActorDeps;
  readonly parent: ActorParent;
}

/**
 * One miner, one mailbox. Messages are handled strictly one at a time, so an actor never races
 * itself, while the supervisor runs thousands of actors side by side. Expected failures (bad
 * commitment, gist 404, tracker 5xx, AI errors) are contained: counted, logged and turned into a
 * report. An unexpected exception moves the actor to `failed` and is reported to the parent,
 * never thrown at it.
 */
export class MinerActor {
  readonly uid: number;
  readonly hotkey: string;
  readonly #deps: MinerActorDeps;
  readonly #parent: ActorParent;
  readonly #logger: Logger;
  readonly #lifecycle = new AbortController();
  readonly #mailbox: Message[] = [];
  #state: ActorState = 'idle';
  #draining: Promise<void> | undefined;
  /** Cleared synchronously when the mailbox runs dry, so no message slips past a finishing loop. */
  #busy = false;
  /** The last gist that parsed, reused when a later fetch fails (the original wiped it instead). */
  #lastGood: { commitment: string; submissions: readonly Submission[] } | undefined;
  #lastCollect: CollectReport | undefined;
  /** A video is scored once, not every cycle; keyed by the URL actually checked. */
  readonly #aiCache = new Map<string, number>();

  constructor(options: MinerActorOptions) {
    if (!Number.isInteger(options.uid) || options.uid < 0 || options.uid > 65535) {
      throw new RangeError(`options.uid must be an integer from 0 to 65535, got ${String(options.uid)}`);
    }
    if (typeof options.hotkey !== 'string' || options.hotkey.length === 0) {
      throw new TypeError('options.hotkey must be a non-empty SS58 string');
    }
    if (!options.parent || typeof options.parent.actorFailed !== 'function') {
      throw new TypeError('options.parent must implement actorFailed(uid, hotkey, error)');
    }
    this.uid = options.uid;
    this.hotkey = options.hotkey;
    this.#deps = options.deps;
    this.#parent = options.parent;
    this.#logger = options.deps.logger.child({ uid: options.uid, hotkey: options.hotkey.slice(0, 8) });
  }

  get state(): ActorState {
    return this.#state;
  }

  /** Gist → parse → metrics → verify → AI for one interval; the result feeds owner resolution. */
  collect(request: CollectRequest): Promise<ActorResult<CollectReport>> {
    return this.#enqueue((resolve) => ({ kind: 'collect', request, resolve }));
  }

  /** Writes the submissions record and this interval's snapshots with owner_ok decided. */
  persist(request: PersistRequest): Promise<ActorResult<PersistReport>> {
    return this.#enqueue((resolve) => ({ kind: 'persist', request, resolve }));
  }

  /**
   * Aborts in-flight work (its HTTP calls see the signal), refuses queued messages and waits for
   * the current one to settle. Idempotent.
   */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.#state === 'stopped') return;
    if (this.#state !== 'stopping') {
      this.#setState('stopping');
      this.#lifecycle.abort(new ActorError(`actor ${this.uid} ${reason}`, 'ERR_ACTOR_STOPPED'));
      for (const message of this.#mailbox.splice(0)) message.resolve(this.#stoppedResult());
    }
    await this.#draining;
    this.#setState('stopped');
  }

  #enqueue<T>(make: (resolve: (r: ActorResult<T>) => void) => Message): Promise<ActorResult<T>> {
    return new Promise<ActorResult<T>>((resolve) => {
      if (this.#state === 'stopping' || this.#state === 'stopped') {
        resolve(this.#stoppedResult());
        return;
      }
      if (this.#state === 'failed') {
        resolve({ ok: false, error: new ActorError(`actor ${this.uid} has failed`, 'ERR_ACTOR_FAILED'), code: 'ERR_ACTOR_FAILED' });
        return;
      }
      this.#mailbox.push(make(resolve as never));
      if (!this.#busy) {
        this.#busy = true;
        this.#draining = this.#drainLoop();
      }
    });
  }

  async #drainLoop(): Promise<void> {
    let message: Message | undefined;
    while ((message = this.#mailbox.shift())) {
      if (this.#state === 'stopping' || this.#state === 'failed') {
        message.resolve(this.#stoppedResult());
        continue;
      }
      this.#setState('running');
      try {
        if (message.kind === 'collect') message.resolve({ ok: true, value: await this.#collect(message.request) });
        else message.resolve({ ok: true, value: await this.#persist(message.request) });
        if (this.#state === 'running') this.#setState('idle');
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        const code = errorCode(err);
        if (this.#lifecycle.signal.aborted || isAbort(err, message.request.signal)) {
          // Stopped or past the cycle deadline: not a failure of the actor.
          message.resolve({ ok: false, error: err, code: 'ERR_ACTOR_ABORTED' });
          if (this.#state === 'running') this.#setState('idle');
          continue;
        }
        this.#setState('failed');
        this.#deps.metrics.actorFailuresTotal.inc({ stage: 'crash' });
        this.#logger.error({ err, code }, 'miner actor crashed');
        message.resolve({ ok: false, error: err, code });
        for (const rest of this.#mailbox.splice(0)) rest.resolve({ ok: false, error: err, code });
        this.#parent.actorFailed(this.uid, this.hotkey, err);
      }
    }
    this.#busy = false;
  }

  #setState(state: ActorState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#parent.actorStateChanged?.(this.uid, this.hotkey, state);
  }

  #stoppedResult(): ActorResult<never> {
    return { ok: false, error: new ActorError(`actor ${this.uid} is stopped`, 'ERR_ACTOR_STOPPED'), code: 'ERR_ACTOR_STOPPED' };
  }

  #signal(request: { signal?: AbortSignal }): AbortSignal {
    const signal = request.signal ? AbortSignal.any([this.#lifecycle.signal, request.signal]) : this.#lifecycle.signal;
    // Every concurrent call of this miner (up to one per submission) listens on it.
    setMaxListeners(0, signal);
    return signal;
  }

  async #collect(request: CollectRequest): Promise<CollectReport> {
    const started = performance.now();
    const signal = this.#signal(request);
    const deps = this.#deps;
    if (request.jitterMs && request.jitterMs > 0) await sleep(request.jitterMs, undefined, { signal });
    const failures: StageFailure[] = [];
    const record = request.commitment;
    const base = {
      uid: this.uid,
      hotkey: this.hotkey,
      interval: request.interval,
      commitment: record?.value ?? null,
      commitmentBlock: record?.block ?? null,
    };
    const finish = (report: Omit<CollectReport, keyof typeof base | 'durationMs' | 'failures'>): CollectReport => {
      const full: CollectReport = { ...base, ...report, failures, durationMs: performance.now() - started };
      this.#lastCollect = full;
      return full;
    };
    const empty = { submissions: [], rejections: [], candidates: [], skipped: [] };

    if (!record) {
      deps.metrics.commitmentsTotal.inc({ result: 'missing' });
      return finish({ status: 'no_commitment', ...empty });
    }
    let commitment: ParsedCommitment;
    try {
      if (record.value === null) throw new FormatError(record.error ?? 'commitment is not a UTF-8 Raw field', 'undecodable');
      commitment = parseCommitment(record.value);
      deps.metrics.commitmentsTotal.inc({ result: 'ok' });
    } catch (error) {
      const reason = error instanceof FormatError ? error.reason : 'invalid';
      deps.metrics.commitmentsTotal.inc({ result: reason });
      failures.push({ stage: 'commitment', code: errorCode(error), message: (error as Error).message });
      this.#logger.info({ reason, commitment: excerpt(record.value) }, 'commitment rejected; no submissions this cycle');
      return finish({ status: 'bad_commitment', ...empty });
    }

    // Gist
    let submissions: readonly Submission[];
    let rejections: CollectReport['rejections'] = [];
    let status: CollectReport['status'] = 'ok';
    const gistStarted = performance.now();
    try {
      const body = await this.#withRetry('gist', (s) => deps.gists.fetch(commitment, { signal: s }), signal);
      const parsed = parseGist(body, deps.gistLimits);
      deps.metrics.gistFetchesTotal.inc({ result: 'ok' });
      submissions = parsed.submissions;
      rejections = parsed.rejections;
      for (const rejection of parsed.rejections) {
        deps.metrics.submissionsTotal.inc({ outcome: 'rejected', reason: rejection.reason });
      }
      this.#lastGood = { commitment: record.value!, submissions };
    } catch (error) {
      if (signal.aborted) throw error;
      const result = gistFailureResult(error);
      deps.metrics.gistFetchesTotal.inc({ result });
      deps.metrics.actorFailuresTotal.inc({ stage: 'gist' });
      failures.push({ stage: 'gist', code: errorCode(error), message: (error as Error).message });
      if (this.#lastGood && this.#lastGood.commitment === record.value) {
        this.#logger.warn({ result, err: error }, 'gist fetch failed; reusing the last good gist');
        submissions = this.#lastGood.submissions;
        status = 'stale';
      } else {
        this.#logger.warn({ result, err: error }, 'gist fetch failed; no submissions this cycle');
        return finish({ status: 'gist_failed', ...empty });
      }
    } finally {
      deps.metrics.stageDuration.observe({ stage: 'gist' }, (performance.now() - gistStarted) / 1000);
    }

    const skipped: Array<CollectReport['skipped'][number]> = [];
    const wanted: Submission[] = [];
    for (const submission of submissions) {
      if (deps.requireSignedSubmissions && !submission.signature) {
        skipped.push({ platform: submission.platform, content_id: submission.content_id, outcome: 'rejected', reason: 'unsigned' });
      } else {
        wanted.push(submission);
      }
    }
    if (wanted.length === 0) return finish({ status, submissions, rejections, candidates: [], skipped });

    // Platform metrics (one batched call; the tracker coalesces across miners)
    const metricsByKey = new Map<string, ContentMetrics>();
    const metricsStarted = performance.now();
    let refs = wanted.map((s) => ({ platform: s.platform, content_id: s.content_id }));
    const lastErrors = new Map<string, { code: string; message: string }>();
    try {
      await pRetry(
        async () => {
          const batch = await deps.limiter.run('platform_tracker', (s) => deps.metricsProvider.getMetrics(refs, { signal: s ?? signal }), {
            signal,
          });
          for (const result of batch.results) {
            metricsByKey.set(claimKey(result.platform, result.content_id), result);
            lastErrors.delete(claimKey(result.platform, result.content_id));
          }
          const retryable = batch.errors.filter((e) => e.retryable);
          for (const e of batch.errors) lastErrors.set(claimKey(e.platform, e.content_id), { code: e.code, message: e.message });
          refs = retryable.map((e) => ({ platform: e.platform, content_id: e.content_id }));
          if (refs.length > 0) throw new ServiceError('platform_tracker', `${refs.length} items failed transiently`, { retryable: true });
        },
        this.#retryOptions(signal),
      );
    } catch (error) {
      if (signal.aborted) throw error;
      deps.metrics.actorFailuresTotal.inc({ stage: 'metrics' });
      failures.push({ stage: 'metrics', code: errorCode(error), message: (error as Error).message });
      this.#logger.warn({ err: error }, 'platform metrics unavailable for some submissions');
    } finally {
      deps.metrics.stageDuration.observe({ stage: 'metrics' }, (performance.now() - metricsStarted) / 1000);
    }
    const withMetrics: Array<{ submission: Submission; metrics: ContentMetrics }> = [];
    for (const submission of wanted) {
      const key = claimKey(submission.platform, submission.content_id);
      const metrics = metricsByKey.get(key);
      if (metrics) {
        withMetrics.push({ submission, metrics });
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
    if (withMetrics.length === 0) return finish({ status, submissions, rejections, candidates: [], skipped });

    // Ownership checks through the pool (caption token + signed line)
    const verifyStarted = performance.now();
    let verdicts: VerifyOutcome[];
    try {
      // The pool cannot cancel a queued task, but this actor must not outlive its signal.
      verdicts = await abortable(
        deps.verifier.verify(withMetrics.map(({ submission, metrics }) => ({ hotkey: this.hotkey, caption: metrics.caption, submission }))),
        signal,
      );
      if (verdicts.length !== withMetrics.length) {
        throw new ActorError(`verifier returned ${verdicts.length} verdicts for ${withMetrics.length} items`, 'ERR_ACTOR_VERIFY');
      }
    } finally {
      deps.metrics.stageDuration.observe({ stage: 'verify' }, (performance.now() - verifyStarted) / 1000);
    }

    // AI detection: only for content that could still be valid, each video once
    const aiStarted = performance.now();
    const candidates: CandidateSnapshot[] = [];
    const now = deps.now?.() ?? new Date();
    await Promise.all(
      withMetrics.map(async ({ submission, metrics }, i) => {
        const verdict = verdicts[i]!;
        const signatureOk = verdict.signature === 'unsigned' ? null : verdict.signature === 'valid';
        let aiScore: number | null = null;
        let aiSource: 'platform' | 'miner' | null = null;
        if (verdict.caption_ok && signatureOk !== false) {
          aiSource = metrics.video_url ? 'platform' : 'miner';
          const url = metrics.video_url ?? submission.direct_video_url;
          try {
            aiScore = await this.#aiScore(url, aiSource, signal);
          } catch (error) {
            if (signal.aborted) throw error;
            deps.metrics.actorFailuresTotal.inc({ stage: 'ai' });
            failures.push({
              stage: 'ai',
              code: errorCode(error),
              message: (error as Error).message,
              platform: submission.platform,
              content_id: submission.content_id,
            });
            this.#logger.warn({ err: error, content_id: submission.content_id, source: aiSource }, 'AI detection failed; retried next cycle');
            // Unknown is not a verdict: no snapshot this interval, so the EMA chain is not reset.
            skipped.push({ platform: submission.platform, content_id: submission.content_id, outcome: 'ignored', reason: 'ai_unavailable' });
            return;
          }
        }
        candidates.push({
          hotkey: this.hotkey,
          platform: submission.platform,
          content_id: submission.content_id,
          interval: request.interval,
          caption: metrics.caption,
          view_count: metrics.view_count,
          like_count: metrics.like_count,
          comment_count: metrics.comment_count,
          owner_username: metrics.owner_username,
          owner_follower_count: metrics.owner_follower_count,
          published_at: metrics.published_at,
          ai_score: aiScore,
          ai_source: aiSource,
          caption_ok: verdict.caption_ok,
          signature_ok: signatureOk,
          fetched_at: now,
        });
      }),
    );
    deps.metrics.stageDuration.observe({ stage: 'ai' }, (performance.now() - aiStarted) / 1000);
    // Gist order, whatever order the AI calls finished in.
    const order = new Map(submissions.map((s, i) => [claimKey(s.platform, s.content_id), i]));
    candidates.sort((a, b) => order.get(claimKey(a.platform, a.content_id))! - order.get(claimKey(b.platform, b.content_id))!);
    return finish({ status, submissions, rejections, candidates, skipped });
  }

  async #aiScore(url: string, source: 'platform' | 'miner', signal: AbortSignal): Promise<number> {
    const cached = this.#aiCache.get(url);
    if (cached !== undefined) return cached;
    let result;
    try {
      result = await this.#withRetry('ai_detector', (s) => this.#deps.aiDetector.detect(url, { signal: s, source }), signal);
    } catch (error) {
      this.#deps.metrics.aiDetectionsTotal.inc({ result: 'error' });
      throw error;
    }
    this.#deps.metrics.aiDetectionsTotal.inc({ result: result.cached ? 'cache_hit' : 'scored' });
    this.#aiCache.set(url, result.mean_ai_generated);
    return result.mean_ai_generated;
  }

  async #persist(request: PersistRequest): Promise<PersistReport> {
    const signal = this.#signal(request);
    const deps = this.#deps;
    const report = this.#lastCollect;
    const result = { uid: this.uid, hotkey: this.hotkey, interval: request.interval, inserted: 0, matched: 0, buffered: 0, accepted: 0 };
    const rejectedByReason: Record<string, number> = {};
    if (!report || report.interval !== request.interval) return { ...result, rejectedByReason, snapshots: [] };
    const started = performance.now();

    const snapshots = report.candidates.map((c) => ({ ...c, owner_ok: !request.lostClaims.has(claimKey(c.platform, c.content_id)) }));
    const count = (outcome: 'accepted' | 'rejected' | 'ignored', reason: string) => {
      deps.metrics.submissionsTotal.inc({ outcome, reason });
      if (outcome === 'rejected') rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
      if (outcome === 'accepted') result.accepted++;
    };
    for (const rejection of report.rejections) rejectedByReason[rejection.reason] = (rejectedByReason[rejection.reason] ?? 0) + 1;
    for (const skip of report.skipped) count(skip.outcome, skip.reason);
    for (const s of snapshots) {
      if (s.signature_ok === false) count('rejected', 'invalid_signature');
      else if (!s.caption_ok) count('rejected', 'caption_mismatch');
      else if (!s.owner_ok) count('rejected', 'not_owner');
      else if (s.ai_score === null || s.ai_score <= deps.aiThreshold) count('rejected', 'not_ai');
      else count('accepted', 'ok');
    }

    try {
      // The gist view of a failed fetch is not news; keep the stored one.
      if (report.status !== 'gist_failed' && report.status !== 'stale') {
        await this.#withRetry(
          'store',
          () =>
            deps.submissions.upsert({
              hotkey: this.hotkey,
              uid: this.uid,
              commitment: report.commitment,
              commitment_block: report.commitmentBlock,
              interval: report.interval,
              submissions: report.submissions.map((s) => ({ ...s })),
              rejections: report.rejections.map((r) => ({ line: r.line, reason: r.reason, excerpt: r.excerpt })),
              updated_at: deps.now?.() ?? new Date(),
            }),
          signal,
        );
      }
    } catch (error) {
      if (signal.aborted) throw error;
      deps.metrics.actorFailuresTotal.inc({ stage: 'persist' });
      this.#logger.warn({ err: error }, 'submissions record not stored this cycle');
    }
    if (snapshots.length > 0) {
      // The sink buffers while the store is down, so this does not fail on an outage.
      const written = await deps.limiter.run('store', () => deps.snapshots.write(snapshots), { signal });
      result.inserted = written.inserted;
      result.matched = written.matched;
      result.buffered = written.buffered ?? 0;
      if (written.inserted > 0) deps.metrics.snapshotsWrittenTotal.inc(written.inserted);
    }
    deps.metrics.stageDuration.observe({ stage: 'persist' }, (performance.now() - started) / 1000);
    return { ...result, rejectedByReason, snapshots };
  }

  #retryOptions(signal: AbortSignal) {
    const { retries, minTimeoutMs, maxTimeoutMs } = this.#deps.retry;
    return {
      retries,
      minTimeout: minTimeoutMs,
      maxTimeout: maxTimeoutMs,
      randomize: true,
      signal,
      shouldRetry: ({ error }: { error: unknown }) => !signal.aborted && isRetryable(error),
    };
  }

  #withRetry<T>(dep: Dependency, work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    return pRetry(() => this.#deps.limiter.run(dep, () => work(signal), { signal }), this.#retryOptions(signal));
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function isRetryable(error: unknown): boolean {
  if (error instanceof ServiceError) return error.retryable;
  if (error instanceof FormatError) return false;
  if (error && typeof error === 'object' && 'retryable' in error && typeof error.retryable === 'boolean') return error.retryable;
  return true;
}

function isAbort(error: Error, signal: AbortSignal | undefined): boolean {
  return error.name === 'AbortError' || (signal?.aborted ?? false);
}

/** Maps a gist failure onto the bounded label set of gistFetchesTotal. */
export function gistFailureResult(error: unknown): string {
  if (error instanceof FormatError && GIST_RESULTS.has(error.reason)) return error.reason;
  if (error && typeof error === 'object') {
    for (const field of ['reason', 'result'] as const) {
      const value = (error as Record<string, unknown>)[field];
      if (typeof value === 'string' && GIST_RESULTS.has(value)) return value;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const lowered = code.toLowerCase();
      for (const result of GIST_RESULTS) if (lowered.endsWith(result)) return result;
    }
    if (error instanceof ServiceError && error.status !== undefined) return error.status === 404 ? 'not_found' : 'http_error';
  }
  return 'network_error';
}

function excerpt(value: string | null): string | null {
  if (value === null) return null;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
