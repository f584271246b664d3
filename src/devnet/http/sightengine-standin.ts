import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { PNG } from 'pngjs';
import { Response } from 'undici';
import { seededRandom } from '../seeded-random.js';
import { checkKind, checkRetryAfter, listenLoopback, type FaultKind, type RunningServer } from './standin-server.js';
import { sendJson } from '../../services/http/json-server.js';

/**
 * A loopback stand-in for SightEngine's `POST /1.0/check.json` with the `genai` model: same
 * multipart fields, same success and failure JSON (https://sightengine.com/docs/ai-generated-image-detection,
 * https://sightengine.com/docs/api-error-codes-and-responses). Its verdict is computed from the
 * uploaded pixels, not looked up: `ai_generated` = mean luminance / 255 of the decoded PNG, so
 * the video host's gray clips carry their scenario score through a real download, a real
 * ffmpeg decode and a real upload.
 *
 * Limits: the day's operations (`maxOperations`: `usage_limit` code 32, "Daily usage limit
 * reached"), and the plan's requests at a time (`maxConcurrent`: 429 `usage_limit` code 37, the
 * throttle SightEngine integrations see; the message text is ours). Queued `rate_limited` faults
 * answer as that throttle.
 */

/** Credentials the stand-in accepts unless told otherwise; the devnet configures the validator with them. */
export const SIGHTENGINE_STANDIN_CREDENTIALS = Object.freeze({
  apiUser: 'infinitevibe-devnet',
  apiSecret: 'devnet-secret',
});

export type SightEngineFault = 'usage_limit' | 'rate_limited' | 'server_error' | 'bad_json';

export interface SightEngineStandinOptions {
  readonly apiUser?: string;
  readonly apiSecret?: string;
  /** Successful operations allowed before every call answers `usage_limit`. Default unlimited. */
  readonly maxOperations?: number;
  /** Added to every answer, in milliseconds. */
  readonly latencyMs?: number;
  /** Share of calls (0..1) answered with a transient fault (429 or 503), from a seeded generator. */
  readonly failureRate?: number;
  readonly seed?: number;
  /** What those faults are (default both, alternately). */
  readonly kind?: FaultKind;
  /** Retry-After (seconds) on the throttle answers. Default 0. */
  readonly retryAfterSeconds?: number;
  /** Largest upload accepted. Default 16 MiB. */
  readonly maxUploadBytes?: number;
  /** Requests handled at a time; more are refused with the concurrency throttle. Default unlimited. */
  readonly maxConcurrent?: number;
}

export class SightEngineStandin {
  readonly #apiUser: string;
  readonly #apiSecret: string;
  readonly #maxUploadBytes: number;
  readonly #random: () => number;
  #maxOperations: number;
  #latencyMs: number;
  #failureRate: number;
  #kind: FaultKind;
  #retryAfter: number;
  #queued: SightEngineFault[] = [];
  #operations = 0;
  #requests = 0;
  #inFlight = 0;
  #maxConcurrent: number;
  #running: RunningServer | undefined;
  #url: string | undefined;

  constructor(options: SightEngineStandinOptions = {}) {
    this.#apiUser = options.apiUser ?? SIGHTENGINE_STANDIN_CREDENTIALS.apiUser;
    this.#apiSecret = options.apiSecret ?? SIGHTENGINE_STANDIN_CREDENTIALS.apiSecret;
    this.#maxOperations = checkCount(options.maxOperations ?? Number.POSITIVE_INFINITY, 'maxOperations');
    this.#latencyMs = checkLatency(options.latencyMs ?? 0);
    this.#failureRate = checkRate(options.failureRate ?? 0);
    this.#kind = checkKind(options.kind ?? 'mixed');
    this.#retryAfter = checkRetryAfter(options.retryAfterSeconds ?? 0);
    this.#maxUploadBytes = options.maxUploadBytes ?? 16 * 1024 * 1024;
    this.#maxConcurrent = checkCount(options.maxConcurrent ?? Number.POSITIVE_INFINITY, 'maxConcurrent');
    this.#random = seededRandom(options.seed ?? 89);
    this.handler = this.handler.bind(this);
  }

  /** check.json calls received (any outcome). */
  get requests(): number {
    return this.#requests;
  }

  /** Operations billed (successful checks). */
  get operations(): number {
    return this.#operations;
  }

  get url(): string {
    if (!this.#url) throw new Error('SightEngineStandin is not listening; call listen() first');
    return this.#url;
  }

  set latencyMs(ms: number) {
    this.#latencyMs = checkLatency(ms);
  }

  set maxOperations(count: number) {
    this.#maxOperations = checkCount(count, 'maxOperations');
  }

  set failureRate(rate: number) {
    this.#failureRate = checkRate(rate);
  }

  get failureRate(): number {
    return this.#failureRate;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  set kind(kind: FaultKind) {
    this.#kind = checkKind(kind);
  }

  get kind(): FaultKind {
    return this.#kind;
  }

  /** Requests handled at a time (Infinity: unlimited). */
  set maxConcurrent(count: number) {
    this.#maxConcurrent = checkCount(count, 'maxConcurrent');
  }

  get maxConcurrent(): number {
    return this.#maxConcurrent;
  }

  set retryAfterSeconds(seconds: number) {
    this.#retryAfter = checkRetryAfter(seconds);
  }

  get retryAfterSeconds(): number {
    return this.#retryAfter;
  }

  /** The next calls fail like this, in order. */
  failNext(...faults: SightEngineFault[]): void {
    this.#queued.push(...faults);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.#running) return this.url;
    this.#running = await listenLoopback(this.handler, port, host);
    this.#url = this.#running.url;
    return this.#url;
  }

  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    await running?.close();
  }

  handler(req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight++;
    this.#handle(req, res, this.#inFlight > this.#maxConcurrent)
      .catch(() => {
        if (!res.headersSent) failure(res, 500, 'api_error', 9, 'Internal error');
        else res.destroy();
      })
      .finally(() => this.#inFlight--);
  }

  async #handle(req: IncomingMessage, res: ServerResponse, overConcurrency: boolean): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sightengine.invalid').pathname;
    if (path !== '/1.0/check.json') {
      req.resume();
      return failure(res, 404, 'request_error', 404, `Unknown endpoint ${path}`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return failure(res, 405, 'request_error', 405, 'This stand-in accepts POST uploads only');
    }
    this.#requests++;
    if (this.#latencyMs > 0) await delay(this.#latencyMs);

    let form: Awaited<ReturnType<Response['formData']>>;
    try {
      const body = await readCapped(req, this.#maxUploadBytes);
      form = await new Response(body, {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
    } catch {
      return failure(
        res,
        400,
        'argument_error',
        4,
        'Request body must be multipart/form-data within the size limit',
      );
    }

    if (form.get('api_user') !== this.#apiUser || form.get('api_secret') !== this.#apiSecret) {
      return failure(res, 401, 'argument_error', 1, 'Incorrect API user or API secret');
    }
    const fault = this.#nextFault();
    if (fault === 'usage_limit' || this.#operations >= this.#maxOperations) {
      return failure(
        res,
        429,
        'usage_limit',
        32,
        'Daily usage limit reached',
      );
    }
    if (fault === 'rate_limited' || overConcurrency) {
      return failure(res, 429, 'usage_limit', 37, 'Too many concurrent requests for your plan', { 'retry-after': String(this.#retryAfter) });
    }
    if (fault === 'server_error') return failure(res, 503, 'api_error', 9, 'Service temporarily unavailable');
    if (fault === 'bad_json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"success","type":');
      return;
    }

    const models = String(form.get('models') ?? '')
      .split(',')
      .map((m) => m.trim());
    if (!models.includes('genai'))
      return failure(res, 400, 'argument_error', 21, 'This stand-in implements the genai model only');
    const media = form.get('media');
    if (media === null || typeof media === 'string')
      return failure(res, 400, 'argument_error', 2, 'Missing media argument');

    let score: number;
    try {
      score = meanLuminance(Buffer.from(await media.arrayBuffer()));
    } catch {
      return failure(res, 400, 'media_error', 3, 'Media could not be decoded as an image');
    }
    this.#operations++;
    sendJson(res, 200, {
      status: 'success',
      request: { id: requestId('req_'), timestamp: Date.now() / 1000, operations: 1 },
      type: { ai_generated: score },
      media: { id: requestId('med_'), uri: media.name || null },
    });
  }

  #nextFault(): SightEngineFault | undefined {
    const queued = this.#queued.shift();
    if (queued) return queued;
    if (this.#failureRate > 0 && this.#random() < this.#failureRate)
      return (this.#kind === 'mixed' ? this.#random() < 0.5 : this.#kind === '429') ? 'rate_limited' : 'server_error';
    return undefined;
  }
}

/** Factory in the shape the devnet's service stand-ins mount (`handler` + `close`). */
export function createSightEngineStandin(options: SightEngineStandinOptions = {}): SightEngineStandin {
  return new SightEngineStandin(options);
}

/** Mean Rec. 709 luminance of a PNG over all pixels, scaled to 0..1 and rounded to 3 decimals. */
export function meanLuminance(png: Buffer): number {
  const image = PNG.sync.read(png);
  const { data, width, height } = image;
  if (width === 0 || height === 0) throw new RangeError('empty image');
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    sum += 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
  }
  return Math.round((sum / (width * height) / 255) * 1000) / 1000;
}

function failure(
  res: ServerResponse,
  status: number,
  type: string,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    {
      status: 'failure',
      request: { id: requestId('req_'), timestamp: Date.now() / 1000, operations: 0 },
      error: { type, code, message },
    },
    headers,
  );
}

async function readCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new RangeError(`upload over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function requestId(prefix: string): string {
  return prefix + Array.from(randomBytes(21), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

function checkLatency(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latencyMs must be >= 0, got ${String(ms)}`);
  return ms;
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1))
    throw new RangeError(`failureRate must be within [0, 1], got ${String(rate)}`);
  return rate;
}

function checkCount(count: number, name: string): number {
  if (!(count >= 0) || (Number.isFinite(count) && !Number.isInteger(count)))
    throw new RangeError(`${name} must be a non-negative integer, got ${String(count)}`);
  return count;
}
