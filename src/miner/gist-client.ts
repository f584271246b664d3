/**
 * Reads and writes a miner's gist through GitHub's REST API (`GET`/`PATCH /gists/{id}`,
 * `POST /gists`) with Octokit, the maintained client. The token is only ever handed to Octokit;
 * it never appears in a result, an error message or a log line.
 */
import { Octokit } from '@octokit/rest';
import { escapeUntrusted } from '../formats/escape-untrusted.js';
import type { Logger } from '../log.js';
import { linkedSignal } from '../util/linked-signal.js';
import { MinerToolError } from './miner-error.js';

export const DEFAULT_GIST_FILENAME = 'submissions.jsonl';

export interface GistClientOptions {
  /** A GitHub token (classic `gist` scope or fine-grained "Gists: write"); GET works without. */
  readonly token?: string | undefined;
  /** `https://api.github.com`, or a stand-in. */
  readonly baseUrl: string;
  readonly logger?: Logger;
  /** Per request, answer body included; default 30 s. */
  readonly timeoutMs?: number;
  /** Largest answer read; default 32 MiB (a gist's files are truncated at 1 MiB each). */
  readonly maxResponseBytes?: number;
}

export interface PulledGist {
  readonly id: string;
  readonly owner: string;
  /** The file validators read (`/raw` serves the first one by name). */
  readonly filename: string;
  readonly content: string;
  readonly commitment: string;
  readonly htmlUrl: string;
}

export interface PushedGist {
  readonly id: string;
  readonly owner: string;
  readonly filename: string;
  readonly created: boolean;
  readonly commitment: string;
  readonly htmlUrl: string;
}

interface GistData {
  id?: string;
  html_url?: string;
  owner?: { login?: string } | null;
  files?: Record<string, { filename?: string; content?: string; truncated?: boolean; raw_url?: string; encoding?: string } | null>;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
const GIST_ID_RE = /^[0-9A-Fa-f]{1,64}$/;
const LOGIN_RE = /^[A-Za-z0-9-]{1,39}$/;

/**
 * fetch for Octokit, which sets no timeout and reads any answer whole: each request (body
 * included) ends at `timeoutMs`, and an answer over `maxBytes` is refused while it streams.
 */
function boundedFetch(timeoutMs: number, maxBytes: number): typeof fetch {
  return async (input, init) => {
    // One linked signal, released once the body is read: a timeout signal held only by
    // AbortSignal.any can be collected before it fires (Node 20), leaving the request unbounded.
    const deadline = linkedSignal([init?.signal ?? undefined], timeoutMs);
    try {
      const res = await fetch(input, { ...init, signal: deadline.signal });
      const tooLarge = () => new MinerToolError(`GitHub answer over ${maxBytes} bytes`, 'ERR_GIST_API_TOO_LARGE');
      if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
        await res.body?.cancel();
        throw tooLarge();
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (res.body) {
        for await (const chunk of res.body) {
          size += chunk.byteLength;
          if (size > maxBytes) throw tooLarge();
          chunks.push(chunk);
        }
      }
      return new Response(NULL_BODY_STATUS.has(res.status) ? null : Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      deadline.dispose();
    }
  };
}

/**
 * The commitment a miner is told to put on chain (and the command shown to paste into a shell) is
 * built from GitHub's answer, so its owner and id must have the commitment's own shape.
 */
function commitmentOf(data: GistData, fallbackId: string, what: string): { id: string; owner: string; commitment: string } {
  const id: unknown = data.id ?? fallbackId;
  const owner: unknown = data.owner?.login ?? '';
  if (typeof id !== 'string' || !GIST_ID_RE.test(id)) {
    throw new MinerToolError(`${what}: GitHub answered gist id ${escapeUntrusted(JSON.stringify(id) ?? String(id), 80)}, not 1-64 hex digits`, 'ERR_GIST_API_BAD_ANSWER');
  }
  if (typeof owner !== 'string' || (owner !== '' && !LOGIN_RE.test(owner))) {
    throw new MinerToolError(`${what}: GitHub answered owner ${escapeUntrusted(JSON.stringify(owner) ?? String(owner), 80)}, not a GitHub login`, 'ERR_GIST_API_BAD_ANSWER');
  }
  return { id, owner, commitment: `${owner}:${id}` };
}

function mapError(error: unknown, what: string): MinerToolError {
  // A limit of boundedFetch, wrapped by Octokit as a request that got no answer.
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof MinerToolError) return new MinerToolError(`${what}: ${cause.message}`, cause.code, { cause });
  const status = (error as { status?: unknown })?.status;
  const headers = ((error as { response?: { headers?: Record<string, string | undefined> } })?.response?.headers ?? {});
  const apiMessage = (error as { response?: { data?: { message?: unknown } } })?.response?.data?.message;
  // GitHub's message reaches terminals and the miner page: escaped and bounded.
  const detail = typeof apiMessage === 'string' ? `: ${escapeUntrusted(apiMessage, 300)}` : '';
  // Octokit reports a request that got no answer (refused, reset, DNS) as status 500 without a response.
  if (typeof status !== 'number' || (error as { response?: unknown }).response === undefined) {
    return new MinerToolError(`${what} failed: ${(error as Error)?.message ?? String(error)}`, 'ERR_GIST_API_NETWORK', { retryable: true, cause: error });
  }
  if (status === 401) return new MinerToolError(`${what}: GitHub refused the token (401${detail}); check GITHUB_TOKEN`, 'ERR_GIST_API_UNAUTHORIZED', { status });
  if (status === 404) return new MinerToolError(`${what}: gist not found, or not editable with this token (404)`, 'ERR_GIST_API_NOT_FOUND', { status });
  if (status === 422) return new MinerToolError(`${what}: GitHub rejected the gist (422${detail})`, 'ERR_GIST_API_INVALID', { status });
  // A secondary limit (bursts of writes, concurrency) is a 403 or 429 whose message says so, often
  // with retry-after, while x-ratelimit-remaining stays above 0.
  const secondary = (status === 403 || status === 429) && ((typeof apiMessage === 'string' && /secondary rate limit/i.test(apiMessage)) || headers['retry-after'] !== undefined);
  if (secondary) {
    const after = Number(headers['retry-after']);
    const when = Number.isInteger(after) && after >= 0 ? `; retry after ${after} s` : '; wait at least a minute';
    return new MinerToolError(`${what}: GitHub secondary rate limit reached (${status})${when}`, 'ERR_GIST_API_RATE_LIMITED', { status, retryable: true });
  }
  if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0')) {
    const reset = Number(headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? `; resets at ${new Date(reset * 1000).toISOString()}` : '';
    return new MinerToolError(`${what}: GitHub API rate limit reached (${status})${when}`, 'ERR_GIST_API_RATE_LIMITED', { status, retryable: true });
  }
  return new MinerToolError(`${what}: GitHub answered ${status}${detail}`, 'ERR_GIST_API_HTTP', { status, retryable: status >= 500 });
}

export class GistClient {
  readonly #octokit: Octokit;
  readonly #hasToken: boolean;

  constructor(options: GistClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError(`options.baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    }
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token.trim() === '')) {
      throw new TypeError('options.token must be a non-empty string when given');
    }
    for (const key of ['timeoutMs', 'maxResponseBytes'] as const) {
      const v = options[key];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`options.${key} must be a positive integer, got ${String(v)}`);
    }
    const log = options.logger;
    this.#hasToken = options.token !== undefined;
    this.#octokit = new Octokit({
      ...(options.token !== undefined ? { auth: options.token } : {}),
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      userAgent: 'infinitevibe-miner',
      request: { fetch: boundedFetch(options.timeoutMs ?? 30_000, options.maxResponseBytes ?? 32 * 1024 * 1024) },
      // Octokit's own messages never carry the token; route them to the JSON logger anyway.
      log: {
        debug: (m: string) => log?.debug(m),
        info: (m: string) => log?.info(m),
        warn: (m: string) => log?.warn(m),
        error: (m: string) => log?.error(m),
      },
    });
  }

  /** Whether a token was given (writing needs one). */
  get canWrite(): boolean {
    return this.#hasToken;
  }

  /** The gist's file that validators read, with the commitment string for it. */
  async pull(gistId: string): Promise<PulledGist> {
    let data: GistData;
    try {
      data = (await this.#octokit.rest.gists.get({ gist_id: gistId })).data as GistData;
    } catch (error) {
      throw mapError(error, `GET /gists/${gistId}`);
    }
    const names = Object.keys(data.files ?? {}).sort();
    const filename = names[0];
    const file = filename === undefined ? undefined : data.files![filename];
    if (!filename || !file || typeof file.content !== 'string') {
      throw new MinerToolError(`gist ${gistId} has no readable file`, 'ERR_GIST_API_EMPTY');
    }
    if (file.truncated) {
      throw new MinerToolError(`gist ${gistId}: ${filename} is too large for the API (truncated); validators read at most 1 MiB anyway`, 'ERR_GIST_API_TRUNCATED');
    }
    // GitHub sends a file's content as text ("utf-8", the default) or as base64 (`encoding`).
    const encoding = file.encoding ?? 'utf-8';
    if (encoding !== 'utf-8' && encoding !== 'base64') {
      throw new MinerToolError(`gist ${gistId}: ${filename} came in encoding ${escapeUntrusted(JSON.stringify(encoding) ?? '', 40)}, neither utf-8 nor base64`, 'ERR_GIST_API_BAD_ANSWER');
    }
    const content = encoding === 'base64' ? Buffer.from(file.content, 'base64').toString('utf8') : file.content;
    const { id, owner, commitment } = commitmentOf(data, gistId, `GET /gists/${gistId}`);
    return { id, owner, filename, content, commitment, htmlUrl: data.html_url ?? '' };
  }

  /**
   * Writes `content` as the gist's first file (creating the gist when `gistId` is undefined) and
   * returns the commitment that points validators at it.
   */
  async push(input: { gistId?: string | undefined; content: string; filename?: string; description?: string }): Promise<PushedGist> {
    if (!this.#hasToken) throw new MinerToolError('writing a gist needs a token: set GITHUB_TOKEN', 'ERR_GIST_API_NO_TOKEN');
    if (typeof input.content !== 'string' || input.content.trim() === '') throw new MinerToolError('refusing to publish an empty submissions file', 'ERR_GIST_EMPTY_FILE');
    let data: GistData;
    let filename = input.filename ?? DEFAULT_GIST_FILENAME;
    if (input.gistId === undefined) {
      try {
        data = (
          await this.#octokit.rest.gists.create({
            description: input.description ?? 'InfiniteVibe submissions',
            public: false,
            files: { [filename]: { content: input.content } },
          })
        ).data as GistData;
      } catch (error) {
        throw mapError(error, 'POST /gists');
      }
    } else {
      // Update the file validators read (the first by name) unless told which one; refuse a
      // name that would not be the first before anything is written.
      let names: string[];
      try {
        const current = (await this.#octokit.rest.gists.get({ gist_id: input.gistId })).data as GistData;
        names = Object.keys(current.files ?? {});
      } catch (error) {
        throw mapError(error, `GET /gists/${input.gistId}`);
      }
      if (input.filename === undefined) filename = [...names].sort()[0] ?? filename;
      const firstAfter = [...new Set([...names, filename])].sort()[0];
      if (firstAfter !== filename) {
        throw new MinerToolError(`gist ${input.gistId}: ${filename} would not be the gist's first file (${String(firstAfter)}); validators read that one`, 'ERR_GIST_WRONG_FILE');
      }
      try {
        data = (
          await this.#octokit.rest.gists.update({
            gist_id: input.gistId,
            files: { [filename]: { content: input.content } },
            ...(input.description !== undefined ? { description: input.description } : {}),
          })
        ).data as GistData;
      } catch (error) {
        throw mapError(error, `PATCH /gists/${input.gistId}`);
      }
    }
    const { id, owner, commitment } = commitmentOf(data, input.gistId ?? '', input.gistId === undefined ? 'POST /gists' : `PATCH /gists/${input.gistId}`);
    return { id, owner, filename, created: input.gistId === undefined, commitment, htmlUrl: data.html_url ?? '' };
  }
}
