import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { ActorError, errorCode } from '../errors.js';
import { linkedSignal } from '../util/linked-signal.js';
import type { Submission } from '../formats/types.js';
import { AiScoreCache } from './stages/ai-score-cache.js';
import { checkCandidates } from './stages/check-candidates.js';
import { fetchMetrics } from './stages/fetch-metrics.js';
import { persistReport } from './stages/persist-report.js';
import { readSubmissions, type GistMemo } from './stages/read-submissions.js';
import type { Skipped, StageContext } from './stages/stage.js';
import type {
  ActorParent,
  ActorResult,
  ActorState,
  CollectReport,
  CollectRequest,
  MinerActorDeps,
  PersistReport,
  PersistRequest,
  StageFailure,
} from './types.js';

export { gistFailureResult } from './stages/read-submissions.js';

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
  /**
   * Collect reports waiting for their persist, by interval. A collection that missed its cycle's
   * deadline is persisted after the next cycle's collect may already have run.
   */
  readonly #collected = new Map<string, CollectReport>();
  /** A video is scored once per verdict lifetime, not every cycle; keyed by the URL actually checked. */
  readonly #aiCache: AiScoreCache;
  /** The last gist parse, reused while the gist host says the gist is unchanged. */
  readonly #gistMemo: GistMemo = {};

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
    this.#aiCache = new AiScoreCache(256, options.deps.aiResultTtlMs);
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
      // The message's own signal (its cycle's deadline) or the actor's stop, whichever comes first.
      const link = message.request.signal ? linkedSignal([this.#lifecycle.signal, message.request.signal]) : undefined;
      const signal = link?.signal ?? this.#lifecycle.signal;
      // Every concurrent call of this miner (up to one per submission) listens on it.
      setMaxListeners(0, signal);
      try {
        if (message.kind === 'collect') message.resolve({ ok: true, value: await this.#collect(message.request, signal) });
        else message.resolve({ ok: true, value: await this.#persist(message.request, signal) });
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
      } finally {
        link?.dispose();
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

  async #collect(request: CollectRequest, signal: AbortSignal): Promise<CollectReport> {
    const started = performance.now();
    const ctx = this.#context(signal);
    const { deps } = ctx;
    if (request.jitterMs && request.jitterMs > 0) await sleep(request.jitterMs, undefined, { signal: ctx.signal });
    const failures: StageFailure[] = [];
    const record = request.commitment;
    const finish = (
      report: Pick<CollectReport, 'status' | 'submissions' | 'rejections' | 'listed' | 'candidates' | 'skipped'> & { gistResult?: string },
    ): CollectReport => {
      const full: CollectReport = {
        uid: this.uid,
        hotkey: this.hotkey,
        interval: request.interval,
        commitment: record?.value ?? null,
        commitmentBlock: record?.block ?? null,
        ...report,
        failures,
        durationMs: performance.now() - started,
      };
      this.#collected.set(full.interval, full);
      // Only the latest few intervals can still be persisted; older reports are dropped.
      for (const key of this.#collected.keys()) if (this.#collected.size > 3) this.#collected.delete(key);
      return full;
    };

    const read = await readSubmissions(ctx, record, this.#gistMemo);
    failures.push(...read.failures);
    const { signatures, ...gist } = read.value;
    const { status, submissions, rejections, listed } = gist;
    if (status !== 'ok') return finish({ ...gist, candidates: [], skipped: [] });

    const skipped: Skipped[] = [];
    const wanted: Submission[] = [];
    for (const submission of submissions) {
      if (deps.requireSignedSubmissions && !deps.original && !submission.signature) {
        skipped.push({ platform: submission.platform, content_id: submission.content_id, outcome: 'rejected', reason: 'unsigned' });
      } else {
        wanted.push(submission);
      }
    }
    if (wanted.length === 0) return finish({ status, submissions, rejections, listed, candidates: [], skipped });

    const fetched = await fetchMetrics(ctx, wanted);
    failures.push(...fetched.failures);
    skipped.push(...fetched.value.skipped);
    if (fetched.value.withMetrics.length === 0) return finish({ status, submissions, rejections, listed, candidates: [], skipped });

    const checked = await checkCandidates(ctx, fetched.value.withMetrics, signatures, request.interval, this.#aiCache);
    failures.push(...checked.failures);
    skipped.push(...checked.value.skipped);
    return finish({ status, submissions, rejections, listed, candidates: checked.value.candidates, skipped });
  }

  async #persist(request: PersistRequest, signal: AbortSignal): Promise<PersistReport> {
    const report = this.#collected.get(request.interval);
    this.#collected.delete(request.interval);
    if (!report) {
      return { uid: this.uid, hotkey: this.hotkey, interval: request.interval, inserted: 0, matched: 0, buffered: 0, accepted: 0, rejectedByReason: {}, snapshots: [] };
    }
    return persistReport(this.#context(signal), report, request);
  }

  #context(signal: AbortSignal): StageContext {
    return { deps: this.#deps, uid: this.uid, hotkey: this.hotkey, logger: this.#logger, signal };
  }
}

function isAbort(error: Error, signal: AbortSignal | undefined): boolean {
  return error.name === 'AbortError' || (signal?.aborted ?? false);
}
