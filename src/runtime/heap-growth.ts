import { setFlagsFromString } from 'node:v8';

/** Highest memory.heap_growth_percent: past it the old generation may grow elevenfold. */
export const MAX_HEAP_GROWTH_PERCENT = 1000;

/**
 * How far V8 lets the old generation grow past what survived the last full collection before it
 * collects again: 1 + percent/100 times. 0 leaves V8's own factor, which on a machine where the
 * heap may reach 2 GiB or more goes up to 4: a validator that keeps ~90 MiB live after a cycle
 * then carries ~300 MiB of heap, mostly garbage of the cycle that a full collection would free.
 * The flag is process-wide (every isolate, the pool threads too) and read at every full
 * collection, so setting it at start-up applies to the whole run.
 */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > MAX_HEAP_GROWTH_PERCENT) {
    throw new RangeError(`heap growth must be an integer percent from 0 to ${MAX_HEAP_GROWTH_PERCENT}, got ${String(percent)}`);
  }
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
