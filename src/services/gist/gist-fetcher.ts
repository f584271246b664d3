import PQueue from 'p-queue';
import { request, type Dispatcher } from 'undici';
import type { ValidatorMetrics } from '../../metrics/validator-metrics.js';
import { createServiceDispatcher } from '../http/index.js';
import { discardBody, readCappedBody } from '../http/read-capped-body.js';
import { retryAfterOf } from '../http/retry-after.js';
import { linkedSignal } from '../../util/linked-signal.js';
import { GistFetchError } from './gist-fetch-error.js';

export interface GistCommitment {
  readonly githubUser: string;
  readonly gistId: string;
}

/**
 * A conditional read: a gist whose validator matched `etag` is `unchanged` and comes without its
 * body (HTTP 304); otherwise its body, and the validator to send next time when the host gave one.
 */
export type GistRead =
  | { readonly unchanged: false; readonly body: string; readonly etag?: string }
  | { readonly unchanged: true; readonly etag: string };

export interface GistFetcherOptions {
  /** `https://gist.githubusercontent.com` in production. */
  readonly baseUrl?: string;
  /** Whole fetch, retries included (SPEC §3: 15 s). */
  readonly timeoutMs?: number;
  /** Body cap (SPEC §3: 1 MiB); the stream is aborted when exceeded. */
  readonly maxBytes?: number;
  /** Fetches in flight (SPEC §3: 32); the rest wait. */
  readonly concurrency?: number;
  /** For requests to the gist origin (the only host asked: redirects are not followed). */
  readonly dispatcher?: Dispatcher;
  /**
   * Extra attempts after a 429 or 5xx, when no dispatcher is given. Default 2; 0 fetches once, as
   * the original validator does.
   */
  readonly retries?: number;
  readonly metrics?: ValidatorMetrics;
}

const USER = /^[A-Za-z0-9-]{1,39}$/;
const GIST_ID = /^[A-Za-z0-9]{1,64}$/;
const ACCEPT = Object.freeze({ accept: 'text/plain, */*' });
/** RFC 9110 entity-tag, bounded: anything else from a host is not sent back to it. */
const ETAG = /^(?:W\/)?"[\x21\x23-\x7e]{0,256}"$/;
const gistDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function isEtag(value: string): boolean {
  return ETAG.test(value);
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Fetches a miner's raw gist, `<base>/<user>/<gist_id>/raw`, with the limits of SPEC §3. The
 * body is returned whole (the parser applies line limits); failures are GistFetchError with a
 * reason that also labels the fetch counter.
 */
export class GistFetcher {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #metrics: ValidatorMetrics | undefined;
  readonly #queue: PQueue;

  constructor(options: GistFetcherOptions = {}) {
    const base = options.baseUrl ?? 'https://gist.githubusercontent.com';
    if (typeof base !== 'string' || !/^https?:\/\//.test(base) || !URL.canParse(base)) throw new TypeError(`baseUrl must be an http(s) URL, got ${String(base)}`);
    this.#base = base.replace(/\/+$/, '');
    this.#timeoutMs = positiveInt('timeoutMs', options.timeoutMs ?? 15_000);
    this.#maxBytes = positiveInt('maxBytes', options.maxBytes ?? 1024 * 1024);
    const concurrency = positiveInt('concurrency', options.concurrency ?? 32);
    this.#ownsDispatcher = options.dispatcher === undefined;
    // The service dispatcher follows no redirect: #fetchOnce refuses them, as the original does.
    this.#dispatcher =
      options.dispatcher ??
      createServiceDispatcher({ retries: options.retries ?? 2, minRetryDelayMs: 200, maxRetryDelayMs: 5_000, connections: concurrency });
    this.#metrics = options.metrics;
    this.#queue = new PQueue({ concurrency });
  }

  /** Fetches waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** The raw gist URL for a commitment, with each part encoded. */
  url(commitment: GistCommitment): string {
    return `${this.#base}/${encodeURIComponent(commitment.githubUser)}/${encodeURIComponent(commitment.gistId)}/raw`;
  }

  async fetch(commitment: GistCommitment, options: { signal?: AbortSignal } = {}): Promise<string> {
    const read = await this.fetchIfChanged(commitment, { ...(options.signal ? { signal: options.signal } : {}) });
    // Without an etag to match, the host has nothing to call unchanged.
    return (read as { body: string }).body;
  }

  /**
   * `fetch`, conditional on `etag` (`If-None-Match`): most gists do not change between cycles, and
   * an unchanged one then costs neither its body nor a parse.
   */
  async fetchIfChanged(commitment: GistCommitment, options: { signal?: AbortSignal; etag?: string } = {}): Promise<GistRead> {
    if (!commitment || typeof commitment.githubUser !== 'string' || !USER.test(commitment.githubUser)) {
      throw new TypeError(`githubUser must be 1-39 characters of [A-Za-z0-9-], got ${JSON.stringify(commitment?.githubUser)}`);
    }
    if (typeof commitment.gistId !== 'string' || !GIST_ID.test(commitment.gistId)) {
      throw new TypeError(`gistId must be 1-64 letters or digits, got ${JSON.stringify(commitment.gistId)}`);
    }
    if (options.etag !== undefined && !isEtag(options.etag)) throw new TypeError(`etag must be an entity tag such as "abc" or W/"abc", got ${JSON.stringify(options.etag)}`);
    // Requests are counted here (externalRequestsTotal); a miner's gist read, retries and parse
    // included, is counted once by its actor in gistFetchesTotal. The queue gauges belong to the
    // validator's dependency limiter, the one place that sees every caller of the gist host.
    const read = await this.#queue.add(() => this.#fetchOnce(commitment, options.signal, options.etag));
    return read as GistRead;
  }

  async close(): Promise<void> {
    await this.#queue.onIdle();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #fetchOnce(commitment: GistCommitment, callerSignal: AbortSignal | undefined, etag: string | undefined): Promise<GistRead> {
    const url = this.url(commitment);
    const deadline = linkedSignal([callerSignal], this.#timeoutMs);
    const { signal } = deadline;
    const end = this.#metrics?.externalRequestDuration.startTimer({ service: 'gist' });
    const count = (status: string) => this.#metrics?.externalRequestsTotal.inc({ service: 'gist', status });
    const who = `${commitment.githubUser}/${commitment.gistId}`;
    const fail = (error: unknown): never => {
      if (error instanceof GistFetchError) throw error;
      if (deadline.timedOut) {
        count('timeout');
        throw new GistFetchError('timeout', `gist ${who} not read within ${this.#timeoutMs} ms`, { cause: error });
      }
      if (callerSignal?.aborted) throw callerSignal.reason ?? error;
      count('error');
      throw new GistFetchError('network_error', `gist ${who}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    };
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: 'GET',
          signal,
          dispatcher: this.#dispatcher,
          headers: etag === undefined ? ACCEPT : { ...ACCEPT, 'if-none-match': etag },
        });
      } catch (error) {
        return fail(error);
      }
      count(`${Math.floor(res.statusCode / 100)}xx`);
      if (res.statusCode === 304 && etag !== undefined) {
        discardBody(res.body);
        const current = res.headers['etag'];
        return { unchanged: true, etag: typeof current === 'string' && isEtag(current) ? current : etag };
      }
      if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304) {
        // The original reads gists with httpx's defaults (no redirect following) and
        // raise_for_status: a redirect is a failed read, and the miner has no submissions.
        discardBody(res.body);
        throw new GistFetchError('redirect_refused', `gist ${who} answered HTTP ${res.statusCode}: redirects are not followed`, { status: res.statusCode });
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        discardBody(res.body);
        if (res.statusCode === 404) throw new GistFetchError('not_found', `gist ${who} not found (404)`, { status: 404 });
        throw new GistFetchError('http_error', `gist ${who} answered HTTP ${res.statusCode}`, { status: res.statusCode, retryAfterMs: retryAfterOf(res.statusCode, res.headers) });
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.#maxBytes) {
        discardBody(res.body);
        throw new GistFetchError('too_large', `gist ${who} is ${declared} bytes, over the ${this.#maxBytes}-byte cap`, { status: 200 });
      }
      let bytes: Buffer;
      try {
        bytes = await readCappedBody(
          res.body,
          this.#maxBytes,
          () => new GistFetchError('too_large', `gist ${who} exceeds the ${this.#maxBytes}-byte cap`, { status: 200 }),
        );
      } catch (error) {
        return fail(error);
      }
      // Read as the original reads `r.text`: bytes that are not UTF-8 become U+FFFD, so they cost
      // only the lines they sit in (the parser names them), and a byte-order mark is kept, so a
      // BOM-prefixed first line is refused here as it is there.
      const body = gistDecoder.decode(bytes);
      const next = res.headers['etag'];
      return typeof next === 'string' && isEtag(next) ? { unchanged: false, body, etag: next } : { unchanged: false, body };
    } finally {
      deadline.dispose();
      end?.();
    }
  }
}
