/**
 * Interval keys (SPEC §7): the UTC start of a cycle as `YYYY-MM-DD-HH-MM`, the format the original
 * stores (`strftime("%Y-%m-%d-%H-%M")`). Lexicographic order equals chronological order.
 */
import { FormatError } from '../errors.js';

const KEY_RE = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/;

function assertDate(date: Date, name = 'date'): number {
  if (!(date instanceof Date)) throw new TypeError(`${name} must be a Date`);
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD-HH-MM` in UTC. Seconds are dropped, not rounded. */
export function intervalKey(date: Date): string {
  assertDate(date);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} cannot be written as an interval key`);
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}-${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}`;
}

/**
 * The start of the cycle containing `date` on a grid of `intervalSeconds` anchored at the Unix epoch,
 * so every validator (and every restart) derives the same key for the same cycle. Intervals that
 * are not whole minutes can map two cycles to one key; callers should use multiples of 60.
 */
export function intervalStart(date: Date, intervalSeconds: number): Date {
  const ms = assertDate(date);
  if (typeof intervalSeconds !== 'number' || !Number.isFinite(intervalSeconds) || intervalSeconds <= 0) {
    throw new RangeError(`intervalSeconds must be a positive finite number, got ${String(intervalSeconds)}`);
  }
  const step = intervalSeconds * 1000;
  return new Date(Math.floor(ms / step) * step);
}

/** Parses a key written by intervalKey back to its UTC Date. Throws FormatError(`invalid_interval_key`). */
export function parseIntervalKey(key: string): Date {
  const m = typeof key === 'string' ? KEY_RE.exec(key) : null;
  if (!m) {
    throw new FormatError(
      `interval key ${JSON.stringify(key)} is not YYYY-MM-DD-HH-MM`,
      'invalid_interval_key',
    );
  }
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, 0, 0);
  // Date.UTC silently rolls 2025-02-30 over to March; a round trip catches every such key.
  if (intervalKey(date) !== key) {
    throw new FormatError(
      `interval key ${JSON.stringify(key)} is not a real UTC date and time`,
      'invalid_interval_key',
    );
  }
  return date;
}
