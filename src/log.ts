import { pino, type Logger, type DestinationStream } from 'pino';

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

/** The root JSON logger; components take `logger.child({ component })`, actors `{ uid, hotkey }`. */
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

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
