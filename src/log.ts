import { pino, type Logger, type DestinationStream } from 'pino';
import { LOG_STREAMS, type LogStreamName } from './config/defaults.js';
import { escapeUntrusted } from './formats/escape-untrusted.js';
import { InfiniteVibeError, errorCode } from './errors.js';

export type { Logger };

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = Object.freeze([
  '*.api_key',
  '*.api_secret',
  '*.api_user',
  '*.apiKey',
  '*.secretPhrase',
  '*.secretSeed',
  '*.secret',
  '*.password',
  '*.token',
  'config.mongodb.uri',
  'headers.authorization',
]);

export { LOG_STREAMS };
export type LogStream = LogStreamName;

/** The root JSON logger; components take `componentLogger(parent, name)`, actors `{ uid, hotkey }`. */
export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'infinitevibe',
      level: options.level ?? 'info',
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * pino's convention (and pm2's, which files stderr as `*-error.log`) is stdout; `stderr` keeps
 * the behaviour of earlier releases. File descriptors, not process.stdout, so lines are written
 * synchronously and none are lost on exit.
 */
export function logDestination(stream: LogStream): DestinationStream {
  if (!LOG_STREAMS.includes(stream)) throw new RangeError(`stream must be one of ${LOG_STREAMS.join(', ')}, got ${String(stream)}`);
  return pino.destination({ fd: stream === 'stdout' ? 1 : 2, sync: true });
}

/**
 * A child logger for a component. A logger handed to a component may already carry a
 * `component` binding (the store's logger, passed on to the embedded MongoDB server); pino
 * would then write the key twice, and JSON readers keep only one of them. The nested name
 * goes under the first free key instead: `component`, `subcomponent`, `subcomponent_2`, …
 */
export function componentLogger(parent: Logger, name: string, bindings: Record<string, unknown> = {}): Logger {
  const bound = parent.bindings();
  let key = 'component';
  for (let depth = 1; key in bound; depth++) key = depth === 1 ? 'subcomponent' : `subcomponent_${depth}`;
  return parent.child({ ...bindings, [key]: name });
}

/**
 * Log fields for a failure the code expects and handles (a miner's gist gone, a platform
 * answering 404): code and message on one line, no stack. Anything else keeps the full `err`,
 * stack included, because it is a bug to look at.
 */
export function failureFields(error: unknown): Record<string, unknown> {
  if (error instanceof InfiniteVibeError) {
    const status = (error as { status?: unknown }).status;
    // Messages of expected failures quote miner-controlled text (URLs, ids): escaped, bounded.
    return { code: error.code, error: escapeUntrusted(error.message, 300), ...(typeof status === 'number' ? { status } : {}) };
  }
  return { code: errorCode(error), err: error };
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
