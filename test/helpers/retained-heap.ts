import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** gc() on demand (the flag is set for this process), so the heap is measured without garbage in it. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Heap bytes still in use after `work` once garbage is collected: what the objects it touched
 * kept. `work` must not yield to timers (awaiting settled promises is fine), so nothing else runs.
 */
export async function retainedBytes(work: () => void | Promise<void>): Promise<number> {
  const gc = collector();
  gc();
  const before = process.memoryUsage().heapUsed;
  await work();
  gc();
  return process.memoryUsage().heapUsed - before;
}

/** A flat string of `bytes` one-byte characters, unlike `'x'.repeat(n) + i`, which V8 keeps as a pair sharing one buffer. */
export function flatString(bytes: number, tag: number): string {
  return Buffer.alloc(bytes, String.fromCharCode(97 + (tag % 26))).toString('latin1') + tag;
}
