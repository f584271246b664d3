/**
 * A signal for p-queue's `add` that follows `signal` only while the task waits for its slot.
 *
 * p-queue (8 and later) also races a *running* task against the signal it was given: the
 * caller's promise settles at the abort and the slot is freed at once, while the task itself
 * runs on. A limiter that bounds processes or connections must keep the slot, and its caller
 * must wait, until the task has settled; the task gets the caller's signal and stops itself.
 * Call `started()` first thing in the task.
 */
export function whileQueued(signal: AbortSignal | undefined): { readonly signal: AbortSignal | undefined; started(): void } {
  if (!signal) return { signal: undefined, started: () => undefined };
  const queued = new AbortController();
  const onAbort = (): void => queued.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: queued.signal,
    started: () => signal.removeEventListener('abort', onAbort),
  };
}
