/**
 * Reconnecting to a node that is down. @polkadot/api's WsProvider retries at a fixed delay
 * (every second, with a log line each time); the client turns its auto-connect off and lets
 * this drive it: exponential backoff with jitter, capped, reset once connected.
 */

export interface BackoffOptions {
  /** First delay (default 1 s). */
  readonly initialMs?: number;
  /** Ceiling of any delay (default 30 s). */
  readonly maxMs?: number;
  readonly factor?: number;
  /** Share of each delay drawn at random, 0..1 (default 0.5: "equal jitter"). */
  readonly jitter?: number;
  readonly random?: () => number;
}

function checkOptions(o: BackoffOptions): Required<BackoffOptions> {
  const initialMs = o.initialMs ?? 1_000;
  const maxMs = o.maxMs ?? 30_000;
  const factor = o.factor ?? 2;
  const jitter = o.jitter ?? 0.5;
  if (!Number.isFinite(initialMs) || initialMs <= 0) throw new RangeError(`initialMs must be a positive number, got ${String(initialMs)}`);
  if (!Number.isFinite(maxMs) || maxMs < initialMs) throw new RangeError(`maxMs must be a number >= initialMs, got ${String(maxMs)}`);
  if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`factor must be a number >= 1, got ${String(factor)}`);
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) throw new RangeError(`jitter must be within [0, 1], got ${String(jitter)}`);
  return { initialMs, maxMs, factor, jitter, random: o.random ?? Math.random };
}

/** Delays for successive failed attempts: min(max, initial·factor^n), the jitter share random. */
export class Backoff {
  readonly #o: Required<BackoffOptions>;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#o = checkOptions(options);
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  next(): number {
    const { initialMs, maxMs, factor, jitter, random } = this.#o;
    const ceiling = Math.min(maxMs, initialMs * factor ** Math.min(this.#attempt, 64));
    this.#attempt++;
    return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Lets a repeating log line through the first time, then at most once per interval. */
export class LogGate {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last: number | undefined;
  #suppressed = 0;

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? 60_000;
    if (!Number.isFinite(this.#intervalMs) || this.#intervalMs < 0) throw new RangeError(`intervalMs must be a non-negative number, got ${String(this.#intervalMs)}`);
    this.#now = options.now ?? Date.now;
  }

  /** Whether to log now; `suppressed` counts the occurrences held back since the last line. */
  pass(): { readonly log: boolean; readonly suppressed: number } {
    const now = this.#now();
    if (this.#last !== undefined && now - this.#last < this.#intervalMs) {
      this.#suppressed++;
      return { log: false, suppressed: this.#suppressed };
    }
    const suppressed = this.#suppressed;
    this.#last = now;
    this.#suppressed = 0;
    return { log: true, suppressed };
  }

  reset(): void {
    this.#last = undefined;
    this.#suppressed = 0;
  }
}

/** What the driver needs of a WsProvider built with auto-connect off. */
export interface ReconnectableProvider {
  readonly isConnected: boolean;
  connect(): Promise<void>;
  on(type: 'connected' | 'disconnected', handler: () => void): () => void;
}

export interface ReconnectDriver {
  /** The delay before the attempt now waiting, if one is. */
  readonly pendingDelayMs: number | undefined;
  stop(): void;
}

/**
 * Reconnects `provider` after every disconnect (and failed attempt) with backoff delays, until
 * stopped. `schedule` is setTimeout unless a test records the delays.
 */
export function driveReconnects(
  provider: ReconnectableProvider,
  options: BackoffOptions & {
    readonly schedule?: (run: () => void, delayMs: number) => { cancel(): void };
    readonly onRetry?: (attempt: number, delayMs: number) => void;
  } = {},
): ReconnectDriver {
  const backoff = new Backoff(options);
  const schedule =
    options.schedule ??
    ((run: () => void, delayMs: number) => {
      const timer = setTimeout(run, delayMs);
      timer.unref?.();
      return { cancel: () => clearTimeout(timer) };
    });
  let stopped = false;
  let pending: { cancel(): void; delayMs: number } | undefined;
  const attempt = (): void => {
    pending = undefined;
    if (stopped || provider.isConnected) return;
    // A synchronous refusal ("already connected") needs no retry; a socket that fails to open
    // closes, and the close schedules the next attempt.
    provider.connect().catch(() => {
      if (!provider.isConnected) retry();
    });
  };
  const retry = (): void => {
    if (stopped || pending) return;
    const delayMs = backoff.next();
    options.onRetry?.(backoff.attempts, delayMs);
    pending = { ...schedule(attempt, delayMs), delayMs };
  };
  const offDisconnected = provider.on('disconnected', retry);
  const offConnected = provider.on('connected', () => backoff.reset());
  return {
    get pendingDelayMs() {
      return pending?.delayMs;
    },
    stop() {
      stopped = true;
      pending?.cancel();
      pending = undefined;
      offDisconnected();
      offConnected();
    },
  };
}
