/**
 * A view count exactly as the platform reported it. Python keeps counts as integers of any size
 * and the original's EMA subtracts them exactly, so counts past 2^53 stay bigint here instead of
 * being rounded to the nearest double.
 */
export type ExactCount = number | bigint;

const DIGITS_RE = /^\d+$/;

/** A decimal count string (YouTube's int64-as-string) as a number when safe, else a bigint. */
export function exactCount(value: string | number | bigint): ExactCount {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof value === 'number') return value;
  if (!DIGITS_RE.test(value)) throw new RangeError(`count must be a decimal integer string, got ${JSON.stringify(value.slice(0, 32))}`);
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

/** JSON form of a count: a number, or a decimal string when a number would lose digits. */
export function countToJson(value: ExactCount): number | string {
  return typeof value === 'bigint' ? value.toString() : value;
}
