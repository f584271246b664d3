import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsAt, type ScenarioContent } from '../scenario.js';
import { seededRandom } from '../seeded-random.js';
import { listen } from '../../util/listen.js';

/**
 * Shared parts of the HTTP stand-ins for external services: a simulated clock, deterministic
 * fault injection (latency, 429 with Retry-After, 5xx), call counting, and a loopback server.
 */

/** Simulated time for the stand-ins; tests and the embedded network advance it explicitly. */
export class SimulatedClock {
  #now: number;
  constructor(startMs = Date.now()) {
    if (!Number.isFinite(startMs)) throw new TypeError(`startMs must be a finite number, got ${String(startMs)}`);
    this.#now = startMs;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() takes a non-negative number of ms, got ${String(ms)}`);
    this.#now += ms;
    return this.#now;
  }
  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError(`set() takes a finite number, got ${String(ms)}`);
    this.#now = ms;
  }
}

export interface InjectedFault {
  readonly status: number;
  /** Seconds sent in Retry-After (429 / 503). */
  readonly retryAfterSeconds?: number;
  /** The service's own error type, for a stand-in whose error bodies carry one (Apify's `error.type`). */
  readonly type?: string;
}

export interface CallRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number; // wall clock ms
}

/** Call counters of one stand-in, keyed by route name (e.g. 'videos.list'). */
export class StandinStats {
  readonly calls: CallRecord[] = [];
  readonly byRoute = new Map<string, number>();
  record(route: string, call: CallRecord): void {
    this.calls.push(call);
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
  }
  count(route?: string): number {
    return route === undefined ? this.calls.length : (this.byRoute.get(route) ?? 0);
  }
  reset(): void {
    this.calls.length = 0;
    this.byRoute.clear();
  }
}

export interface FaultOptions {
  /** Added to every answer, in real milliseconds. */
  readonly latencyMs?: number;
  /** Share of calls (0..1) answered with a fault instead, chosen by a seeded generator. */
  readonly failureRate?: number;
  /** Seed of that generator, so a failing run can be replayed. */
  readonly seed?: number;
  /** Retry-After (seconds) sent with random 429s. Default 0. */
  readonly retryAfterSeconds?: number;
  /** What the random faults are: 429 with Retry-After, 503, or both alternately (default). */
  readonly kind?: FaultKind;
}

/** The random faults' answer: throttling (429), server error (503), or either at random. */
export type FaultKind = 'mixed' | '429' | '503';
export const FAULT_KINDS: readonly FaultKind[] = ['mixed', '429', '503'];

/** Latency and failures for one stand-in: random by rate, or queued explicitly by tests. */
export class FaultInjector {
  #latencyMs: number;
  #failureRate: number;
  #random: () => number;
  #queued: InjectedFault[] = [];
  #retryAfter: number;
  #kind: FaultKind;
  constructor(options: FaultOptions = {}) {
    const latency = options.latencyMs ?? 0;
    if (!Number.isFinite(latency) || latency < 0) throw new RangeError(`latencyMs must be >= 0, got ${String(latency)}`);
    const rate = options.failureRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failureRate must be within [0, 1], got ${String(rate)}`);
    this.#latencyMs = latency;
    this.#failureRate = rate;
    this.#random = seededRandom(options.seed ?? 89);
    this.#retryAfter = checkRetryAfter(options.retryAfterSeconds ?? 0);
    this.#kind = checkKind(options.kind ?? 'mixed');
  }
  set retryAfterSeconds(seconds: number) {
    this.#retryAfter = checkRetryAfter(seconds);
  }
  get retryAfterSeconds(): number {
    return this.#retryAfter;
  }
  set kind(kind: FaultKind) {
    this.#kind = checkKind(kind);
  }
  get kind(): FaultKind {
    return this.#kind;
  }
  set latencyMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latencyMs must be >= 0, got ${String(ms)}`);
    this.#latencyMs = ms;
  }
  get latencyMs(): number {
    return this.#latencyMs;
  }
  set failureRate(rate: number) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failureRate must be within [0, 1], got ${String(rate)}`);
    this.#failureRate = rate;
  }
  get failureRate(): number {
    return this.#failureRate;
  }
  /** The next calls are answered with these faults, in order. */
  failNext(...faults: InjectedFault[]): void {
    this.#queued.push(...faults);
  }
  next(): InjectedFault | undefined {
    const queued = this.#queued.shift();
    if (queued) return queued;
    if (this.#failureRate > 0 && this.#random() < this.#failureRate) {
      // By default, alternate the two kinds of trouble real APIs give: throttling and server errors.
      const throttle = this.#kind === 'mixed' ? this.#random() < 0.5 : this.#kind === '429';
      return throttle ? { status: 429, retryAfterSeconds: this.#retryAfter } : { status: 503 };
    }
    return undefined;
  }
}

export function checkRetryAfter(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer, got ${String(seconds)}`);
  return seconds;
}

export function checkKind(kind: string): FaultKind {
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new RangeError(`kind must be one of ${FAULT_KINDS.join(', ')}, got ${kind}`);
  return kind as FaultKind;
}

export { sendJson } from '../../services/http/json-server.js';

export async function readBody(req: IncomingMessage, maxBytes = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new RangeError(`body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export { setTimeout as sleep } from 'node:timers/promises';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = ephemeral) and closes keep-alive sockets on close(). */
export async function listenLoopback(listener: RequestListener, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const server = createServer(listener);
  server.keepAliveTimeout = 5_000;
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A content as the platform stand-ins serve it: the shared scenario's content. */
export type StandinContent = ScenarioContent;

/** Counters of a content at a simulated instant, never negative. */
export function countsAt(content: StandinContent, atMs: number, epochMs: number): { views: number; likes: number; comments: number; followers: number } {
  const m = metricsAt(content, atMs, epochMs);
  return { views: Math.max(0, m.views), likes: Math.max(0, m.likes), comments: Math.max(0, m.comments), followers: Math.max(0, m.followers) };
}
