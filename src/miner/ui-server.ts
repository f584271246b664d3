/**
 * `miner ui`: a small local page over the toolkit's own functions (parser, signer, gist client,
 * check, R2 upload), so there is no second implementation of the rules. It binds 127.0.0.1 by
 * default, answers only loopback Host names (DNS rebinding) and JSON requests (cross-site forms
 * cannot send them), and never returns a secret: the page only learns whether one is set.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { readSubmissionsFile } from './submissions-file.js';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { errorCode } from '../errors.js';
import type { ParseGistOptions } from '../formats/gist.js';
import { initCrypto, verifySubmissionSignature, type MessageSigner } from '../crypto/index.js';
import type { CheckReport } from './check-submissions.js';
import type { GistClient } from './gist-client.js';
import { parseGistId } from './gist-ref.js';
import { signLines } from './sign-lines.js';
import { analyseLines, appendLine, contentLines, formatLine, joinLines, splitLines } from './submission-lines.js';
import ipaddr from 'ipaddr.js';
import { requestTarget } from '../util/request-target.js';
import { createLimitedServer, type ServerLimits } from '../util/server-limits.js';

export interface MinerUiOptions {
  readonly hotkey: string;
  readonly netuid: number;
  readonly limits: ParseGistOptions;
  /** Validators run with require_signed_submissions: an unsigned line is one they reject. */
  readonly requireSigned?: boolean;
  /** Folder holding index.html and app.js. */
  readonly assetsDir: string;
  readonly check: (text: string) => Promise<CheckReport>;
  readonly signer?: MessageSigner & { readonly address: string };
  readonly gists?: GistClient;
  readonly gistId?: string;
  /** Uploads a video file; resolves to its public URL. */
  readonly upload?: (file: string, key: string) => Promise<{ url: string; bytes: number }>;
  /** Where uploaded bytes are staged before the upload. */
  readonly stagingDir?: string;
  /** Largest video accepted for upload (validators download no more); default 200 MiB. */
  readonly maxUploadBytes?: number;
  /** The working copy is also kept in this file. */
  readonly file?: string;
  readonly host?: string;
  readonly port?: number;
  /** Slow-client timeouts and the connection cap; the whole request may take 10 minutes (an upload). */
  readonly serverLimits?: ServerLimits;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const ASSETS: Readonly<Record<string, string>> = { '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js' };
const TYPES: Readonly<Record<string, string>> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8' };

export class MinerUiServer {
  readonly #o: MinerUiOptions;
  readonly #server: Server;
  #text = '';
  #gistId: string | undefined;
  #commitment: string | undefined;
  #url = '';

  private constructor(options: MinerUiOptions, text: string) {
    this.#o = options;
    this.#text = text;
    this.#gistId = options.gistId;
    // Any local process, or a page open in the miner's browser, can open connections here: a
    // request that drips its headers is dropped as on the validator's servers. The whole request
    // gets longer, for an upload of up to maxUploadBytes. Answers are written in #handle's own
    // catch; one that fails there costs its connection only.
    this.#server = createLimitedServer((req, res) => this.#handle(req, res).catch(() => res.destroy()), { requestTimeoutMs: 600_000, ...options.serverLimits });
  }

  static async start(options: MinerUiOptions): Promise<MinerUiServer> {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (typeof options.hotkey !== 'string' || options.hotkey === '') throw new TypeError('options.hotkey must be an SS58 address');
    if (typeof options.check !== 'function') throw new TypeError('options.check must be a function');
    const port = options.port ?? 8090;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`options.port must be an integer from 0 to 65535, got ${String(port)}`);
    if (options.host !== undefined && !isLoopbackHost(options.host)) {
      // The page signs lines with the miner's hotkey and has no login: on any other interface,
      // anyone who can reach the port could use it. From another machine, use an SSH tunnel.
      throw new RangeError(`options.host must be a loopback address (127.0.0.1, ::1 or localhost), got ${JSON.stringify(options.host)}; reach the page from elsewhere through an SSH tunnel`);
    }
    if (options.maxUploadBytes !== undefined && !(Number.isInteger(options.maxUploadBytes) && options.maxUploadBytes > 0)) {
      throw new RangeError(`options.maxUploadBytes must be a positive integer, got ${String(options.maxUploadBytes)}`);
    }
    const text = options.file ? await readSubmissionsFile(options.file, { flag: 'file', maxBytes: options.limits.maxBytes, missingIsEmpty: true, rewrite: true }) : '';
    await initCrypto();
    const ui = new MinerUiServer(options, text);
    await new Promise<void>((resolve, reject) => {
      ui.#server.once('error', reject);
      ui.#server.listen(port, options.host ?? '127.0.0.1', () => resolve());
    });
    const a = ui.#server.address() as AddressInfo;
    ui.#url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    return ui;
  }

  get url(): string {
    return this.#url;
  }

  get text(): string {
    return this.#text;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #lines() {
    let lines;
    try {
      lines = contentLines(analyseLines(this.#text, this.#o.limits));
    } catch (error) {
      throw new HttpError(422, errorCode(error), (error as Error).message);
    }
    const { hotkey, netuid } = this.#o;
    return lines.map((l) => {
      // As `gist push` and the validator: a signature counts only when it verifies for this
      // hotkey; one copied from another miner's line, or left from an edit, is refused.
      const signature = l.submission ? verifySubmissionSignature(netuid, l.submission, hotkey) : null;
      const forged = signature === 'invalid';
      const unsigned = signature === 'unsigned' && this.#o.requireSigned === true;
      return {
        line: l.line,
        raw: l.raw,
        platform: l.submission?.platform ?? null,
        content_id: l.submission?.content_id ?? null,
        direct_video_url: l.submission?.direct_video_url ?? null,
        signed: signature === 'valid',
        reason: l.rejection?.reason ?? (forged ? 'invalid_signature' : unsigned ? 'unsigned' : null),
        detail:
          l.rejection?.detail ??
          (forged
            ? `signature does not verify for ${hotkey} on netuid ${netuid}; Sign replaces it`
            : unsigned
              ? `validators require signed lines (require_signed_submissions); Sign adds one for ${hotkey}`
              : null),
      };
    });
  }

  async #setText(text: string): Promise<void> {
    this.#text = text;
    if (this.#o.file) await writeFile(this.#o.file, text, 'utf8');
  }

  #state() {
    return {
      hotkey: this.#o.hotkey,
      netuid: this.#o.netuid,
      gist_id: this.#gistId ?? null,
      commitment: this.#commitment ?? null,
      // Whether secrets are configured, never the secrets.
      can_sign: this.#o.signer !== undefined,
      can_save: this.#o.gists?.canWrite ?? false,
      can_upload: this.#o.upload !== undefined,
      lines: this.#lines(),
    };
  }

  async #api(method: string, path: string, req: IncomingMessage): Promise<unknown> {
    const body = method === 'GET' || method === 'DELETE' ? {} : await readJson(req);
    if (method === 'GET' && path === '/api/state') return this.#state();
    if (method === 'POST' && path === '/api/load') {
      if (!this.#o.gists) throw new HttpError(409, 'ERR_UI_NO_GIST_CLIENT', 'no gist client configured');
      const id = typeof body['gist_id'] === 'string' && body['gist_id'] !== '' ? parseGistId(body['gist_id']) : this.#gistId;
      if (!id) throw new HttpError(400, 'ERR_UI_NO_GIST_ID', 'give a gist id');
      const pulled = await this.#o.gists.pull(id);
      this.#gistId = pulled.id;
      this.#commitment = pulled.commitment;
      await this.#setText(pulled.content);
      return this.#state();
    }
    if (method === 'POST' && path === '/api/lines') {
      const line = formatLine({ content_id: str(body, 'content_id'), platform: str(body, 'platform'), direct_video_url: str(body, 'direct_video_url') });
      await this.#setText(appendLine(this.#text, line));
      return this.#state();
    }
    const m = /^\/api\/lines\/(\d+)$/.exec(path);
    if (m && (method === 'PUT' || method === 'DELETE')) {
      const n = Number(m[1]);
      const lines = splitLines(this.#text);
      if (n < 1 || n > lines.length || lines[n - 1]!.trim() === '') throw new HttpError(404, 'ERR_UI_NO_SUCH_LINE', `no line ${n}`);
      if (method === 'DELETE') lines.splice(n - 1, 1);
      else lines[n - 1] = formatLine({ content_id: str(body, 'content_id'), platform: str(body, 'platform'), direct_video_url: str(body, 'direct_video_url') });
      await this.#setText(joinLines(lines));
      return this.#state();
    }
    if (method === 'POST' && path === '/api/sign') {
      if (!this.#o.signer) throw new HttpError(409, 'ERR_UI_NO_WALLET', 'no wallet hotkey loaded: start with --wallet.name/--wallet.hotkey');
      const result = await signLines(this.#text, { netuid: this.#o.netuid, signer: this.#o.signer, limits: this.#o.limits });
      await this.#setText(result.text);
      return { ...this.#state(), signed: result.signed, rejected: result.rejected };
    }
    if (method === 'POST' && path === '/api/check') return this.#o.check(this.#text);
    if (method === 'POST' && path === '/api/save') {
      if (!this.#o.gists?.canWrite) throw new HttpError(409, 'ERR_UI_NO_GIST_TOKEN', 'set GITHUB_TOKEN to save the gist');
      const bad = this.#lines().filter((l) => l.reason !== null);
      if (bad.length > 0 && body['force'] !== true) throw new HttpError(422, 'ERR_UI_INVALID_LINES', `${bad.length} line(s) would be rejected by validators; fix them or save with force`);
      const pushed = await this.#o.gists.push({ gistId: this.#gistId, content: this.#text });
      this.#gistId = pushed.id;
      this.#commitment = pushed.commitment;
      return { ...this.#state(), commit_command: `infinitevibe commit --gist ${pushed.commitment}` };
    }
    throw new HttpError(404, 'ERR_UI_NOT_FOUND', `no route ${method} ${path}`);
  }

  async #uploadVideo(req: IncomingMessage, url: URL): Promise<unknown> {
    if (!this.#o.upload || !this.#o.stagingDir) throw new HttpError(409, 'ERR_UI_NO_UPLOADER', 'set R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and the bucket flags to upload');
    const key = url.searchParams.get('key') ?? '';
    // "." and ".." are path segments, not object names: public URLs would resolve them away.
    if (!/^[A-Za-z0-9!_.*'()-]{1,200}$/.test(key) || /^\.+$/.test(key)) throw new HttpError(400, 'ERR_UI_BAD_KEY', 'key must be 1-200 characters of A-Z a-z 0-9 ! _ . * \' ( ) -');
    const max = this.#o.maxUploadBytes ?? 200 * 1024 * 1024;
    const tooLarge = () => new HttpError(413, 'ERR_UI_TOO_LARGE', `video over ${max} bytes; validators would not download it`);
    if (Number(req.headers['content-length'] ?? 0) > max) throw tooLarge();
    // The key names the R2 object only: the staged file gets a fresh name, so a key such as
    // ".." cannot point outside the staging folder and two uploads never share a file.
    const staged = join(this.#o.stagingDir, randomUUID());
    let size = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > max ? tooLarge() : null, chunk);
      },
    });
    const file = createWriteStream(staged);
    try {
      // Videos can be large: straight to disk, then to R2 in parts.
      await pipeline(req, cap, file);
      return await this.#o.upload(staged, key);
    } finally {
      // A write stream destroyed before its open finished still creates the file on opening it.
      if (!file.closed) await once(file, 'close').catch(() => undefined);
      await rm(staged, { force: true });
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      const payload = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    };
    try {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!LOOPBACK_HOSTS.has(host) && host !== (this.#o.host ?? '127.0.0.1')) throw new HttpError(403, 'ERR_UI_HOST', 'unexpected Host header');
      // Browsers name the page behind every cross-origin request (and "null" for sandboxed
      // frames and files); only this page itself may drive the API.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) throw new HttpError(403, 'ERR_UI_ORIGIN', 'requests from other sites are refused');
      const url = requestTarget(req);
      if (url === undefined) throw new HttpError(400, 'ERR_UI_BAD_REQUEST', 'the request target is not a path');
      const method = req.method ?? 'GET';
      const asset = ASSETS[url.pathname];
      if (method === 'GET' && asset) {
        const body = await readFile(join(this.#o.assetsDir, asset));
        res.writeHead(200, {
          'content-type': TYPES[asset]!,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          // No other site may frame the page and steer clicks on Sign or Save.
          'x-frame-options': 'DENY',
          'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        });
        res.end(body);
        return;
      }
      if (!url.pathname.startsWith('/api/')) throw new HttpError(404, 'ERR_UI_NOT_FOUND', 'not found');
      if (method === 'POST' && url.pathname === '/api/upload') {
        if (req.headers['content-type'] !== 'application/octet-stream') throw new HttpError(415, 'ERR_UI_CONTENT_TYPE', 'uploads are application/octet-stream');
        return send(200, await this.#uploadVideo(req, url));
      }
      if (method !== 'GET' && method !== 'DELETE' && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw new HttpError(415, 'ERR_UI_CONTENT_TYPE', 'requests must be application/json');
      }
      send(200, await this.#api(method, url.pathname, req));
    } catch (error) {
      if (error instanceof HttpError) return send(error.status, { error: error.code, message: error.message });
      if (error instanceof TypeError || error instanceof RangeError) return send(400, { error: 'ERR_UI_BAD_REQUEST', message: error.message });
      const status = (error as { status?: unknown }).status;
      send(typeof status === 'number' && status >= 400 && status < 600 ? 502 : 500, { error: errorCode(error), message: (error as Error).message });
    }
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new HttpError(413, 'ERR_UI_TOO_LARGE', 'request body over 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'ERR_UI_BAD_JSON', 'body must be a JSON object');
  }
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '') throw new HttpError(400, 'ERR_UI_MISSING_FIELD', `${key} is required`);
  return v.trim();
}

/** localhost, or an address in 127.0.0.0/8 or ::1 (IPv4-mapped forms included). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(bare)) return false;
  const address = ipaddr.process(bare);
  return address.range() === 'loopback';
}
