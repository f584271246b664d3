/**
 * The benches' environment knobs (IV_BENCH_MINERS=256 …), checked when a bench module loads, so a
 * typo fails at once instead of running a NaN-sized workload.
 */

/** A mistake in the bench's command line or knobs: `npm run bench` prints it and exits 2. */
export class BenchUsageError extends Error {}

/** The integer in `process.env[name]`, else `fallback`; BenchUsageError when set but not an integer from min to max. */
export function integerKnob(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new BenchUsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** `IV_BENCH_PERSIST=0` or `=1`; BenchUsageError for anything else. */
export function switchKnob(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new BenchUsageError(`${name} must be 0 or 1, got ${JSON.stringify(raw)}`);
  return raw === '1';
}
