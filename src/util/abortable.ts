/**
 * `work`'s outcome, or `signal`'s reason as soon as it aborts: a caller can stop waiting for work
 * that cannot itself be cancelled (a shared detection, a queued pool task), which goes on.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
