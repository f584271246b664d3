import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GistHost } from './gist-host.js';
import { FaultInjector, StandinStats, listenLoopback, readBody, sendJson, sleep, type FaultOptions, type RunningServer } from './standin-server.js';

/**
 * A stand-in for GitHub's gist REST API (api.github.com): `GET /gists`, `POST /gists`,
 * `GET /gists/{id}` and `PATCH /gists/{id}` with GitHub's JSON shapes, status codes (401 bad
 * credentials, 404, 422 validation, 403 rate limit) and `x-ratelimit-*` headers. Every write is
 * published on the gist host, so what a client saves is exactly what validators fetch from `/raw`.
 *
 * Rate limits as GitHub's REST documentation gives them: the primary hourly budget (403 with
 * `x-ratelimit-remaining: 0`), and the secondary limit on content-generating requests (80 writes a
 * minute: 403, a "secondary rate limit" message, `retry-after`, while `x-ratelimit-remaining` stays
 * above 0). Injected 403 and 429 faults answer as a secondary limit. GitHub's other secondary
 * limits (concurrency, CPU time, points per minute) are not modelled.
 */

export interface GistApiStandinOptions extends FaultOptions {
  /** The raw host the API publishes to (its `/raw` is what validators read). */
  readonly host: GistHost;
  /** Base URL of that host, for `raw_url`. */
  readonly rawBaseUrl: string;
  /** Accepted tokens → GitHub login. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Requests per hour per token (GitHub: 5000; 60 without a token). */
  readonly rateLimit?: number;
  /** Content-generating requests (POST, PATCH) a minute per token before the secondary limit (GitHub: 80). */
  readonly writesPerMinute?: number;
}

interface StoredGist {
  readonly id: string;
  readonly owner: string;
  description: string | null;
  readonly public: boolean;
  readonly files: Map<string, string>;
  readonly createdAt: string;
  updatedAt: string;
  readonly history: Array<{ version: string; committed_at: string }>;
}

export interface GistApiStandin {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly stats: StandinStats;
  readonly faults: FaultInjector;
  /** Base URL once listening (Octokit's `baseUrl`). */
  readonly url: string;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
  /** A gist's files as stored (tests). */
  files(id: string): ReadonlyMap<string, string> | undefined;
}

const DOCS = 'https://docs.github.com/rest/gists/gists';
/**
 * The API sends at most one megabyte of each file's content (the rest only through `raw_url`,
 * the file marked `truncated`) and at most 300 files (the gist marked `truncated`), as the
 * "Truncation" section of the gists reference documents.
 */
export const GIST_API_FILE_CONTENT_BYTES = 1024 * 1024;
export const GIST_API_MAX_FILES = 300;

/** The first `max` bytes of `text`'s UTF-8, not splitting a character. */
function utf8Prefix(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
const WINDOW_MS = 3_600_000;
const SECONDARY_DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits';
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.';

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body['message']));
  }
}

const problem = (status: number, message: string, extra: Record<string, unknown> = {}): HttpProblem =>
  new HttpProblem(status, { message, documentation_url: DOCS, status: String(status), ...extra });

const validationFailed = (code: string, field: string, message?: string): HttpProblem =>
  problem(422, 'Validation Failed', { errors: [{ resource: 'Gist', code, field, ...(message ? { message } : {}) }] });

function userJson(login: string, apiUrl: string): Record<string, unknown> {
  const id = Number.parseInt(createHash('sha1').update(login).digest('hex').slice(0, 7), 16);
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `${apiUrl}/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  };
}

export function createGistApiStandin(options: GistApiStandinOptions): GistApiStandin {
  const stats = new StandinStats();
  const faults = new FaultInjector(options);
  const gists = new Map<string, StoredGist>();
  const limit = options.rateLimit ?? 5000;
  const usage = new Map<string, { used: number; resetAt: number }>();
  const writesPerMinute = options.writesPerMinute ?? 80;
  const writes = new Map<string, number[]>();
  const rawBase = options.rawBaseUrl.replace(/\/+$/, '');
  let running: RunningServer | undefined;
  let apiUrl = 'http://127.0.0.1';

  function gistJson(g: StoredGist, withContent: boolean): Record<string, unknown> {
    const sha = g.history[0]!.version;
    const files: Record<string, unknown> = {};
    const names = [...g.files.keys()].sort();
    for (const name of names.slice(0, GIST_API_MAX_FILES)) {
      const content = g.files.get(name)!;
      const size = Buffer.byteLength(content);
      const truncated = size > GIST_API_FILE_CONTENT_BYTES;
      files[name] = {
        filename: name,
        type: 'text/plain',
        language: null,
        raw_url: `${rawBase}/${g.owner}/${g.id}/raw/${sha}/${encodeURIComponent(name)}`,
        size,
        ...(withContent ? { truncated, content: truncated ? utf8Prefix(content, GIST_API_FILE_CONTENT_BYTES) : content, encoding: 'utf-8' } : {}),
      };
    }
    const owner = userJson(g.owner, apiUrl);
    return {
      url: `${apiUrl}/gists/${g.id}`,
      forks_url: `${apiUrl}/gists/${g.id}/forks`,
      commits_url: `${apiUrl}/gists/${g.id}/commits`,
      id: g.id,
      node_id: Buffer.from(`08:Gist${g.id}`).toString('base64'),
      git_pull_url: `https://gist.github.com/${g.id}.git`,
      git_push_url: `https://gist.github.com/${g.id}.git`,
      html_url: `https://gist.github.com/${g.id}`,
      files,
      public: g.public,
      created_at: g.createdAt,
      updated_at: g.updatedAt,
      description: g.description,
      comments: 0,
      user: null,
      comments_url: `${apiUrl}/gists/${g.id}/comments`,
      owner,
      truncated: names.length > GIST_API_MAX_FILES,
      ...(withContent
        ? {
            forks: [],
            history: g.history.map((h) => ({ user: owner, version: h.version, committed_at: h.committed_at, url: `${apiUrl}/gists/${g.id}/${h.version}` })),
          }
        : {}),
    };
  }

  /** The validator reads `/raw`: GitHub serves the first file by name. */
  function publish(g: StoredGist): void {
    const first = [...g.files.keys()].sort()[0];
    options.host.set(g.owner, g.id, first === undefined ? null : g.files.get(first)!);
  }

  function commit(g: StoredGist): void {
    const now = new Date().toISOString();
    const files = [...g.files.entries()].sort(([a], [b]) => a.localeCompare(b));
    g.history.unshift({ version: createHash('sha1').update(JSON.stringify([g.id, g.history.length, files])).digest('hex'), committed_at: now });
    g.updatedAt = now;
    publish(g);
  }

  function parseFiles(value: unknown, creating: boolean): Map<string, { content?: string; filename?: string } | null> {
    if (value === undefined && !creating) return new Map();
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw validationFailed('missing_field', 'files');
    const out = new Map<string, { content?: string; filename?: string } | null>();
    for (const [name, spec] of Object.entries(value as Record<string, unknown>)) {
      if (name.includes('/')) throw validationFailed('invalid', 'files', "Filename can't contain /");
      if (spec === null && !creating) {
        out.set(name, null);
        continue;
      }
      if (spec === null || typeof spec !== 'object') throw validationFailed('missing_field', 'files');
      const { content, filename } = spec as { content?: unknown; filename?: unknown };
      if (content !== undefined && typeof content !== 'string') throw validationFailed('invalid', 'files');
      if (filename !== undefined && (typeof filename !== 'string' || filename === '' || filename.includes('/'))) throw validationFailed('invalid', 'files');
      if (creating && (typeof content !== 'string' || content.trim() === '')) throw validationFailed('missing_field', 'files', "contents can't be blank");
      out.set(name, { ...(typeof content === 'string' ? { content } : {}), ...(typeof filename === 'string' ? { filename } : {}) });
    }
    if (creating && out.size === 0) throw validationFailed('missing_field', 'files');
    return out;
  }

  async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const raw = (await readBody(req, 10 * 1024 * 1024)).toString('utf8');
    try {
      const parsed: unknown = JSON.parse(raw === '' ? '{}' : raw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch {
      throw problem(400, 'Problems parsing JSON');
    }
  }

  async function route(req: IncomingMessage, url: URL, login: string | undefined): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const method = req.method ?? 'GET';
    const needLogin = (): string => {
      if (!login) throw problem(401, 'Requires authentication');
      return login;
    };
    if (url.pathname === '/gists' || url.pathname === '/gists/') {
      if (method === 'GET') {
        const me = needLogin();
        return { status: 200, body: [...gists.values()].filter((g) => g.owner === me).map((g) => gistJson(g, false)) };
      }
      if (method === 'POST') {
        const me = needLogin();
        const body = await jsonBody(req);
        const files = parseFiles(body['files'], true);
        const now = new Date().toISOString();
        const g: StoredGist = {
          id: randomBytes(16).toString('hex'),
          owner: me,
          description: typeof body['description'] === 'string' ? body['description'] : null,
          public: body['public'] === true || body['public'] === 'true',
          files: new Map([...files].map(([name, spec]) => [spec!.filename ?? name, spec!.content!])),
          createdAt: now,
          updatedAt: now,
          history: [],
        };
        gists.set(g.id, g);
        commit(g);
        return { status: 201, body: gistJson(g, true), headers: { location: `${apiUrl}/gists/${g.id}` } };
      }
      throw problem(404, 'Not Found');
    }
    const m = /^\/gists\/([0-9a-fA-F]+)\/?$/.exec(url.pathname);
    const g = m ? gists.get(m[1]!) : undefined;
    if (!g) throw problem(404, 'Not Found');
    if (method === 'GET') return { status: 200, body: gistJson(g, true) };
    if (method === 'PATCH') {
      // GitHub hides gists one cannot edit behind 404.
      if (needLogin() !== g.owner) throw problem(404, 'Not Found');
      const body = await jsonBody(req);
      const files = parseFiles(body['files'], false);
      const next = new Map(g.files);
      for (const [name, spec] of files) {
        if (spec === null) {
          next.delete(name);
          continue;
        }
        const content = spec.content ?? next.get(name);
        if (content === undefined) throw validationFailed('missing_field', 'files', "contents can't be blank");
        next.delete(name);
        next.set(spec.filename ?? name, content);
      }
      if (next.size === 0) throw validationFailed('missing_field', 'files');
      if ([...next.values()].some((c) => c.trim() === '')) throw validationFailed('missing_field', 'files', "contents can't be blank");
      if (typeof body['description'] === 'string') g.description = body['description'];
      g.files.clear();
      for (const [name, content] of next) g.files.set(name, content);
      commit(g);
      return { status: 200, body: gistJson(g, true) };
    }
    throw problem(404, 'Not Found');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const routeName = `${req.method ?? 'GET'} ${url.pathname.replace(/[0-9a-f]{8,}/gi, '{id}')}`;
    const record = (status: number) => stats.record(routeName, { method: req.method ?? 'GET', path: url.pathname, status, at: Date.now() });
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next();
    if (fault) {
      record(fault.status);
      const secondary = fault.status === 403 || fault.status === 429;
      sendJson(
        res,
        fault.status,
        secondary ? { message: SECONDARY_MESSAGE, documentation_url: SECONDARY_DOCS, status: String(fault.status) } : { message: 'Service Unavailable', documentation_url: DOCS, status: String(fault.status) },
        fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
      );
      return;
    }
    const auth = req.headers.authorization;
    const token = auth ? /^(?:token|bearer)\s+(\S+)$/i.exec(auth)?.[1] : undefined;
    const login = token === undefined ? undefined : options.tokens[token];
    const identity = login ?? 'anonymous';
    const cap = login ? limit : Math.min(60, limit);
    const now = Date.now();
    let bucket = usage.get(identity);
    if (!bucket || bucket.resetAt <= now) usage.set(identity, (bucket = { used: 0, resetAt: now + WINDOW_MS }));
    const rateHeaders = (): Record<string, string> => ({
      'x-ratelimit-limit': String(cap),
      'x-ratelimit-remaining': String(Math.max(0, cap - bucket!.used)),
      'x-ratelimit-reset': String(Math.floor(bucket!.resetAt / 1000)),
      'x-ratelimit-used': String(bucket.used),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
    });
    if (auth !== undefined && login === undefined) {
      record(401);
      sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return;
    }
    if (bucket.used >= cap) {
      record(403);
      sendJson(res, 403, { message: `API rate limit exceeded for ${login ? `user ${login}` : 'this address'}.`, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' }, rateHeaders());
      return;
    }
    if (req.method === 'POST' || req.method === 'PATCH') {
      const recent = (writes.get(identity) ?? []).filter((at) => at > now - 60_000);
      writes.set(identity, recent);
      if (recent.length >= writesPerMinute) {
        record(403);
        const wait = Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000));
        sendJson(res, 403, { message: SECONDARY_MESSAGE, documentation_url: SECONDARY_DOCS, status: '403' }, { ...rateHeaders(), 'retry-after': String(wait) });
        return;
      }
      recent.push(now);
    }
    bucket.used++;
    try {
      const out = await route(req, url, login);
      record(out.status);
      sendJson(res, out.status, out.body, { ...rateHeaders(), ...out.headers });
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      record(error.status);
      sendJson(res, error.status, error.body, rateHeaders());
    }
  }

  return {
    handler: (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { message: 'Server Error' });
      });
    },
    stats,
    faults,
    get url() {
      if (!running) throw new Error('gist API stand-in is not listening');
      return running.url;
    },
    async listen(port = 0) {
      running ??= await listenLoopback((req, res) => this.handler(req, res), port);
      apiUrl = running.url;
      return running.url;
    },
    async close() {
      await running?.close();
      running = undefined;
    },
    files: (id) => gists.get(id)?.files,
  };
}
