import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultInjector, StandinStats, sleep, type FaultOptions } from './standin-server.js';

/**
 * A stand-in for gist.githubusercontent.com: `GET /<user>/<gist_id>/raw` answers the gist's
 * body as text/plain with a strong ETag of its bytes, `304 Not Modified` to an `If-None-Match`
 * that names it, an unknown gist `404: Not Found` as GitHub does.
 *
 * Simplified: one body per gist (the API stand-in publishes its first file by name), so the pinned
 * form `/raw/<revision>/<file>` serves that body whatever the file, and `/raw/<file>` is not
 * served; a user that does not own the gist gets 404; answers are never stale (GitHub's CDN may
 * serve the previous body for up to the `max-age` of 300 s after an edit).
 */

export type GistBody = string | Buffer;

export interface GistHostOptions extends FaultOptions {
  /** `'<user>/<gist_id>'` → body. */
  readonly gists?: Readonly<Record<string, GistBody>> | ReadonlyMap<string, GistBody>;
  /**
   * Entity tags and 304 answers (default true). Off, every read carries the whole body, as if
   * every gist had changed since the last read: the worst case a load test can ask for.
   */
  readonly etags?: boolean;
}

export interface GistHost {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly stats: StandinStats;
  readonly faults: FaultInjector;
  set(user: string, gistId: string, body: GistBody | null): void;
  /** Answers this gist with an HTTP error status (5xx, 429, …) until cleared with null. */
  failWith(user: string, gistId: string, status: number | null): void;
  /**
   * Holds every request until `release()`: a test acts while a cycle is collecting (its
   * metagraph and commitments read, nothing of its own stored yet). `arrived` settles when the
   * first held request comes in.
   */
  hold(): GistHold;
}

export interface GistHold {
  readonly arrived: Promise<void>;
  release(): void;
}

export function createGistHost(options: GistHostOptions = {}): GistHost {
  const stats = new StandinStats();
  const faults = new FaultInjector(options);
  const gists = new Map<string, GistBody>(options.gists instanceof Map ? options.gists : Object.entries(options.gists ?? {}));
  const failing = new Map<string, number>();
  /** Hashed once per body, not per request: thousands of miners ask every cycle. */
  const etags = new WeakMap<Buffer, string>();
  const bytesOf = new Map<string, Buffer>();
  const encoded = (key: string, body: GistBody): Buffer => {
    let bytes = bytesOf.get(key);
    if (bytes === undefined || (typeof body !== 'string' && bytes !== body)) {
      bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      bytesOf.set(key, bytes);
    }
    return bytes;
  };
  const etagOf = (bytes: Buffer): string => {
    let etag = etags.get(bytes);
    if (etag === undefined) {
      etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
      etags.set(bytes, etag);
    }
    return etag;
  };

  let held: { arrive: () => void; released: Promise<void> } | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (held) {
      held.arrive();
      await held.released;
    }
    const url = new URL(req.url ?? '/', 'http://standin');
    const record = (status: number) => stats.record('raw', { method: req.method ?? 'GET', path: url.pathname, status, at: Date.now() });
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next();
    if (fault) {
      record(fault.status);
      res.writeHead(fault.status, {
        'content-type': 'text/plain; charset=utf-8',
        ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(fault.status === 429 ? '429: Too Many Requests' : `${fault.status}: Service Unavailable`);
      return;
    }
    // `/raw` and the pinned `raw_url` form `/raw/<revision>/<file>` the gist API hands out.
    const m = /^\/([^/]+)\/([^/]+)\/raw(?:\/[0-9a-f]+\/[^/]+)?\/?$/.exec(url.pathname);
    const key = m ? `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}` : undefined;
    const failure = key === undefined ? undefined : failing.get(key);
    if (failure !== undefined) {
      record(failure);
      res.writeHead(failure, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${failure}: Error`);
      return;
    }
    const body = key === undefined ? undefined : gists.get(key);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || body === undefined) {
      record(404);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404: Not Found');
      return;
    }
    const bytes = encoded(key!, body);
    const etag = options.etags === false ? undefined : etagOf(bytes);
    if (etag !== undefined && matches(req.headers['if-none-match'], etag)) {
      record(304);
      res.writeHead(304, { etag, 'cache-control': 'max-age=300' });
      res.end();
      return;
    }
    record(200);
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': bytes.length,
      'cache-control': 'max-age=300',
      ...(etag !== undefined ? { etag } : {}),
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  return {
    handler: (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    },
    stats,
    faults,
    set(user, gistId, body) {
      bytesOf.delete(`${user}/${gistId}`);
      if (body === null) gists.delete(`${user}/${gistId}`);
      else gists.set(`${user}/${gistId}`, body);
    },
    failWith(user, gistId, status) {
      if (status === null) failing.delete(`${user}/${gistId}`);
      else failing.set(`${user}/${gistId}`, status);
    },
    hold() {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const gate = { arrive, released: new Promise<void>((resolve) => (release = resolve)) };
      held = gate;
      return {
        arrived,
        release: () => {
          if (held === gate) held = undefined;
          release();
        },
      };
    },
  };
}

/** `If-None-Match` by the weak comparison of RFC 9110 §13.1.2: `*`, or any listed tag. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
