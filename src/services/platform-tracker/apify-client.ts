import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { QuotaExceededError, ServiceError } from '../../errors.js';
import type { MeteredServiceMetrics } from '../../metrics/service-metrics.js';
import { callService, createServiceDispatcher, type ServiceResponse } from '../http/index.js';
import { apifyErrorSchema, apifyRunListSchema, apifyRunResponseSchema, type ApifyRun } from './apify-schemas.js';
import { parseBaseUrl } from '../http/base-url.js';
import { linkedSignal } from '../../util/linked-signal.js';
import { upstreamText } from '../../util/upstream-text.js';

export interface ApifyClientOptions {
  readonly token: string;
  /** `https://api.apify.com` in production. */
  readonly baseUrl?: string;
  readonly dispatcher?: Dispatcher;
  readonly metrics?: MeteredServiceMetrics;
  /** The run-sync endpoints give up after 300 s; bigger batches go through an async run. */
  readonly syncLimitSeconds?: number;
  /** Estimated wall time of a run over `n` inputs (start-up ~30-40 s plus per input). */
  readonly estimateRunSeconds?: (inputs: number) => number;
  /** Waits between run polls; each poll also asks Apify to hold the answer up to 60 s. */
  readonly pollIntervalMs?: number;
  /** Give up on an async run after this long. */
  readonly runTimeoutMs?: number;
  /**
   * How long a run-sync batch may wait, after its items came, for the run list its cost is read
   * from (every page). Default 10 s: cost is best-effort, the items are what the cycle waits for.
   */
  readonly costLookupMs?: number;
}

export interface ActorRunResult {
  readonly items: unknown[];
  readonly mode: 'sync' | 'async';
  readonly runId: string | undefined;
  readonly costUsd: number | undefined;
}

const SERVICE = 'apify';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED-OUT', 'ABORTED']);
/** Apify's error types for a run start refused while the account's other runs hold its capacity. */
const CAPACITY_LIMITS = new Set(['actor-memory-limit-exceeded', 'concurrent-runs-limit-exceeded']);

export const defaultRunEstimate = (inputs: number): number => 40 + 0.5 * inputs;

/**
 * Apify API v2 actor runs. A batch whose estimated run time fits the run-sync limit (300 s) goes
 * through `run-sync-get-dataset-items` in one request; larger ones start an async run, poll it
 * and read its dataset. Each run's `usageTotalUsd` is added to the cost counter.
 */
export class ApifyClient {
  readonly #token: string;
  readonly #base: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #metrics: MeteredServiceMetrics | undefined;
  readonly #syncLimit: number;
  readonly #estimate: (inputs: number) => number;
  readonly #pollMs: number;
  readonly #runTimeoutMs: number;
  readonly #costLookupMs: number;
  #spentUsd = 0;
  /** Runs whose cost is already booked, so concurrent batches never count one twice. */
  readonly #accounted = new Set<string>();

  constructor(options: ApifyClientOptions) {
    if (typeof options?.token !== 'string' || options.token.length === 0) {
      throw new TypeError('ApifyClient needs token (apify.api_key / APIFY_API_KEY)');
    }
    const base = parseBaseUrl(options.baseUrl ?? 'https://api.apify.com').href;
    const syncLimit = options.syncLimitSeconds ?? 300;
    if (!Number.isInteger(syncLimit) || syncLimit < 1 || syncLimit > 300) {
      throw new RangeError(`syncLimitSeconds must be an integer within [1, 300] (Apify's run-sync limit), got ${String(syncLimit)}`);
    }
    const pollMs = options.pollIntervalMs ?? 2_000;
    if (!Number.isInteger(pollMs) || pollMs < 0) throw new RangeError(`pollIntervalMs must be a non-negative integer, got ${String(pollMs)}`);
    const costLookupMs = options.costLookupMs ?? 10_000;
    if (!Number.isInteger(costLookupMs) || costLookupMs < 1) throw new RangeError(`costLookupMs must be a positive integer, got ${String(costLookupMs)}`);
    this.#costLookupMs = costLookupMs;
    this.#token = options.token;
    this.#base = base.replace(/\/+$/, '');
    this.#ownsDispatcher = options.dispatcher === undefined;
    // Replaying a POST that drew 429/5xx can start a second run; that costs cents, losing the
    // batch costs a cycle.
    this.#dispatcher = options.dispatcher ?? createServiceDispatcher({ retries: 3, retryMethods: ['GET', 'POST'] });
    this.#metrics = options.metrics;
    this.#syncLimit = syncLimit;
    this.#estimate = options.estimateRunSeconds ?? defaultRunEstimate;
    this.#pollMs = pollMs;
    this.#runTimeoutMs = options.runTimeoutMs ?? 15 * 60_000;
  }

  /** Total USD reported by the runs this client made. */
  get spentUsd(): number {
    return this.#spentUsd;
  }

  /** Whether a run over `inputs` inputs goes through the run-sync endpoint. */
  fitsSync(inputs: number): boolean {
    return this.#estimate(inputs) <= this.#syncLimit;
  }

  /** Runs an actor on `input` (which has `inputs` URLs or names) and returns its dataset items. */
  async runActor(actorId: string, input: Record<string, unknown>, inputs: number, options: { signal?: AbortSignal } = {}): Promise<ActorRunResult> {
    if (typeof actorId !== 'string' || !/^[A-Za-z0-9~/_.-]+$/.test(actorId)) throw new TypeError(`actorId must be an Apify actor id or owner/name, got ${String(actorId)}`);
    const act = encodeURIComponent(actorId.replace('/', '~'));
    return this.fitsSync(inputs) ? this.#runSync(act, input, options.signal) : this.#runAsync(act, input, options.signal);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #url(path: string, params: Record<string, string> = {}): URL {
    const url = new URL(`${this.#base}/v2/${path}`);
    url.searchParams.set('token', this.#token);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  async #runSync(act: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<ActorRunResult> {
    // Apify stamps startedAt on its own clock; a minute of slack absorbs skew between the two.
    const startedAt = Date.now() - 60_000;
    const res = await callService({
      service: SERVICE,
      method: 'POST',
      url: this.#url(`acts/${act}/run-sync-get-dataset-items`, { timeout: String(this.#syncLimit), format: 'json', clean: 'true' }),
      json: input,
      dispatcher: this.#dispatcher,
      timeoutMs: (this.#syncLimit + 30) * 1000,
      signal,
      metrics: this.#metrics,
    });
    if ((res.status !== 200 && res.status !== 201) || !Array.isArray(res.json)) {
      const error = this.#error('run-sync', res);
      // A run that failed or timed out was billed all the same.
      if (error.code === 'ERR_APIFY_RUN_FAILED') await this.#bookSince(act, startedAt, signal);
      throw error;
    }
    const { runId, cost } = await this.#bookSince(act, startedAt, signal);
    return { items: res.json, mode: 'sync', runId, costUsd: cost };
  }

  /**
   * run-sync answers items only. Its run is among the actor's runs started since the call
   * began; book every finished one not booked yet (a concurrent batch's run may be booked here
   * and then skipped by that batch, the total stays right).
   */
  async #bookSince(act: string, startedAt: number, signal?: AbortSignal): Promise<{ runId: string | undefined; cost: number | undefined }> {
    let runId: string | undefined;
    let cost: number | undefined;
    // A run list that is slow or hangs must not hold the items: it gets a budget of its own.
    const budget = linkedSignal([signal], this.#costLookupMs);
    try {
      const booked = await this.#bookRecentRuns(act, startedAt, budget.signal);
      runId = booked[0]?.id;
      cost = booked.reduce((sum, r) => sum + (r.usageTotalUsd ?? 0), 0);
    } catch {
      // Cost accounting is best-effort; the items are what the caller paid for.
    } finally {
      budget.dispose();
    }
    return { runId, cost };
  }

  async #runAsync(act: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<ActorRunResult> {
    const started = await callService({
      service: SERVICE,
      method: 'POST',
      url: this.#url(`acts/${act}/runs`),
      json: input,
      dispatcher: this.#dispatcher,
      timeoutMs: 60_000,
      signal,
      metrics: this.#metrics,
    });
    if (started.status !== 201 && started.status !== 200) throw this.#error('start run', started);
    let run = this.#run('start run', started);
    const deadline = Date.now() + this.#runTimeoutMs;
    while (!TERMINAL.has(run.status)) {
      if (Date.now() > deadline) {
        throw new ServiceError(SERVICE, `run ${run.id} not finished after ${this.#runTimeoutMs} ms`, { code: 'ERR_APIFY_RUN_TIMEOUT', retryable: true });
      }
      if (this.#pollMs > 0) await delay(this.#pollMs);
      signal?.throwIfAborted();
      run = await this.#getRun(`actor-runs/${encodeURIComponent(run.id)}`, { waitForFinish: '60' }, signal);
    }
    const cost = this.#account(run);
    if (run.status !== 'SUCCEEDED') {
      throw new ServiceError(SERVICE, `run ${run.id} ended ${run.status}`, { code: 'ERR_APIFY_RUN_FAILED', retryable: true });
    }
    const res = await callService({
      service: SERVICE,
      url: this.#url(`datasets/${encodeURIComponent(run.defaultDatasetId)}/items`, { format: 'json', clean: 'true' }),
      dispatcher: this.#dispatcher,
      timeoutMs: 120_000,
      signal,
      metrics: this.#metrics,
    });
    if (res.status !== 200 || !Array.isArray(res.json)) throw this.#error('dataset items', res);
    return { items: res.json, mode: 'async', runId: run.id, costUsd: cost };
  }

  async #getRun(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<ApifyRun> {
    const res = await callService({
      service: SERVICE,
      url: this.#url(path, params),
      dispatcher: this.#dispatcher,
      timeoutMs: 90_000,
      signal,
      metrics: this.#metrics,
    });
    if (res.status !== 200) throw this.#error('get run', res);
    return this.#run('get run', res);
  }

  async #bookRecentRuns(act: string, sinceMs: number, signal?: AbortSignal): Promise<ApifyRun[]> {
    const booked: ApifyRun[] = [];
    const limit = 1000; // Apify's page maximum
    // Newest first, back to the first run older than this call: its own run is always in there.
    for (let offset = 0, page = 0; page < 10; page += 1, offset += limit) {
      const res = await callService({
        service: SERVICE,
        url: this.#url(`acts/${act}/runs`, { desc: '1', limit: String(limit), offset: String(offset) }),
        dispatcher: this.#dispatcher,
        timeoutMs: 30_000,
        signal,
        metrics: this.#metrics,
      });
      if (res.status !== 200) throw this.#error('list runs', res);
      const runs = apifyRunListSchema.parse(res.json).data.items;
      let older = false;
      for (const run of runs) {
        if (Date.parse(run.startedAt) < sinceMs) {
          older = true;
          break;
        }
        if (TERMINAL.has(run.status) && this.#account(run) !== undefined) booked.push(run);
      }
      if (older || runs.length < limit) break;
    }
    return booked;
  }

  /** A run object from a 2xx answer; anything else there is a protocol error worth a retry. */
  #run(what: string, res: ServiceResponse): ApifyRun {
    const parsed = apifyRunResponseSchema.safeParse(res.json);
    if (parsed.success) return parsed.data.data;
    const issue = parsed.error.issues[0]!;
    const detail = res.json === undefined ? `a body that is not JSON (${JSON.stringify(res.text.slice(0, 80))})` : `JSON that is not a run (${issue.path.join('.') || '(root)'}: ${issue.message})`;
    throw new ServiceError(SERVICE, `${what} answered ${res.status} with ${detail}`.slice(0, 300), { code: 'ERR_APIFY_PROTOCOL', status: res.status, retryable: true });
  }

  #account(run: ApifyRun): number | undefined {
    if (this.#accounted.has(run.id)) return undefined;
    if (run.usageTotalUsd === undefined || !(run.usageTotalUsd >= 0)) return undefined;
    this.#accounted.add(run.id);
    if (this.#accounted.size > 10_000) this.#accounted.delete(this.#accounted.values().next().value!);
    this.#spentUsd += run.usageTotalUsd;
    this.#metrics?.externalCostDollarsTotal.inc({ service: SERVICE }, run.usageTotalUsd);
    return run.usageTotalUsd;
  }

  #error(what: string, res: ServiceResponse): ServiceError {
    const parsed = apifyErrorSchema.safeParse(res.json);
    const type = parsed.success ? upstreamText(parsed.data.error.type, 80) : undefined;
    const message = upstreamText(parsed.success ? parsed.data.error.message : res.text);
    if (type !== undefined && CAPACITY_LIMITS.has(type)) {
      // 402 too, but the account's runs hold all the memory (or runs) its plan allows, ours among
      // them: it passes as they finish, unlike spent credit.
      return new ServiceError(SERVICE, `${what} answered ${res.status} (${type}): ${message}`, { code: 'ERR_APIFY_UNAVAILABLE', status: res.status, retryable: true });
    }
    if (res.status === 402 || type === 'not-enough-usage-to-run-paid-actor' || type === 'platform-feature-disabled') {
      return new QuotaExceededError(SERVICE, `${what}: ${type ?? res.status}: ${message}`, { status: res.status });
    }
    if (type === 'run-failed') {
      // run-sync's answer for a run that ended FAILED, ABORTED or TIMED-OUT: the same failure as
      // an async run ending so, and as likely to pass on another run.
      return new ServiceError(SERVICE, `${what} answered ${res.status} (${type}): ${message}`, { code: 'ERR_APIFY_RUN_FAILED', status: res.status, retryable: true });
    }
    const code =
      res.status === 401 || res.status === 403
        ? 'ERR_APIFY_AUTH'
        : res.status === 404
          ? 'ERR_APIFY_NOT_FOUND'
          : res.status === 408
            ? 'ERR_APIFY_RUN_TIMEOUT'
            : res.status === 429 || res.status >= 500
              ? 'ERR_APIFY_UNAVAILABLE'
              : 'ERR_APIFY_BAD_REQUEST';
    return new ServiceError(SERVICE, `${what} answered ${res.status}${type ? ` (${type})` : ''}: ${message}`, {
      code,
      status: res.status,
      retryable: res.status === 408 || res.status === 429 || res.status >= 500 || res.status === 200 || res.status === 201,
    });
  }
}
