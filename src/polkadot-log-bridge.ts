import { format } from 'node:util';
import { escapeUntrusted } from './formats/escape-untrusted.js';
import type { Logger } from './log.js';
import { componentLogger } from './log.js';

/**
 * @polkadot/util's logger writes plain text through console.* as
 * `console.error('2026-01-02 10:00:00', '          API-WS:', ...values)`. Between pino's JSON
 * lines that breaks every log reader, so while the validator runs those calls go to pino.
 */

type ConsoleMethod = 'log' | 'warn' | 'error' | 'debug';
const METHODS: readonly ConsoleMethod[] = ['log', 'warn', 'error', 'debug'];
const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const ORIGIN = /^\s*([A-Z0-9][A-Z0-9_/.-]*):$/;
/**
 * Lines that only restate a lost connection: the chain client logs the outage and its end
 * itself (once, then at most once a minute), so these are kept for debugging only.
 */
const CONNECTION_NOISE = /disconnected from|Abnormal Closure|WebSocket is not connected|No response received from RPC endpoint|Normal Closure/i;
/**
 * These lines quote the node: an RPC error's message and data, the method names it advertises.
 * A node that is not ours can make them megabytes long and put line breaks or bidi controls in
 * them, on every failing call; each is escaped and cut to this many characters, in the log and in
 * the repeat memory (up to 1,000 of them).
 */
export const MAX_POLKADOT_LINE = 2_000;

export interface PolkadotLogBridgeOptions {
  /** A repeat of the same origin and message within this window goes to debug (default 60 s). */
  readonly repeatWindowMs?: number;
  readonly now?: () => number;
}

let installed: { readonly restore: () => void } | undefined;

/**
 * Routes @polkadot/* console lines into `logger` (component `polkadot`, `origin` api-ws,
 * rpc-core, …): their errors and warnings at warn, the rest at debug; connection noise and
 * repeats at debug. Other console output is left alone. Returns the function that restores
 * the console; installing twice keeps the first bridge.
 */
export function routePolkadotConsole(logger: Logger, options: PolkadotLogBridgeOptions = {}): () => void {
  if (installed) return () => undefined;
  const windowMs = options.repeatWindowMs ?? 60_000;
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`repeatWindowMs must be a non-negative number, got ${String(windowMs)}`);
  const now = options.now ?? Date.now;
  const log = componentLogger(logger, 'polkadot');
  const lastSeen = new Map<string, number>();
  const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  for (const method of METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    originals.set(method, original);
    console[method] = (...args: unknown[]) => {
      const origin = polkadotOrigin(args);
      if (origin === undefined) {
        original.apply(console, args);
        return;
      }
      const message = escapeUntrusted(format(...args.slice(2).map(flatten)), MAX_POLKADOT_LINE);
      const key = `${origin}|${message}`;
      const at = now();
      const previous = lastSeen.get(key);
      lastSeen.set(key, at);
      if (lastSeen.size > 1_000) lastSeen.delete(lastSeen.keys().next().value!);
      const repeat = previous !== undefined && at - previous < windowMs;
      const loud = (method === 'error' || method === 'warn') && !repeat && !CONNECTION_NOISE.test(message);
      log[loud ? 'warn' : 'debug']({ origin }, message);
    };
  }
  const restore = (): void => {
    if (installed?.restore !== restore) return;
    for (const [method, original] of originals) console[method] = original;
    installed = undefined;
  };
  installed = { restore };
  return restore;
}

function polkadotOrigin(args: readonly unknown[]): string | undefined {
  if (args.length < 2 || typeof args[0] !== 'string' || typeof args[1] !== 'string') return undefined;
  if (!DATE.test(args[0])) return undefined;
  const match = ORIGIN.exec(args[1]);
  return match ? match[1]!.toLowerCase() : undefined;
}

/** Errors print as their message: the stack of a socket close says nothing new. */
function flatten(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}
