/**
 * One abort signal for "any of these callers gave up, or `timeoutMs` passed", with everything
 * it holds (one controller, at most one timer, one listener per parent) released by `dispose()`.
 *
 * Why not `AbortSignal.any([…, AbortSignal.timeout(ms)])` per request: on Node 20 each of those
 * costs weak references, a finalizer and a timer signal, which showed up at several percent of
 * the main thread at a thousand gist reads a cycle; and a timeout signal held only by `any` can be
 * collected before it fires, leaving the request unbounded. Here the timer holds the controller
 * until it fires or the caller disposes of it.
 */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** True when the signal aborted because `timeoutMs` passed (not because a parent aborted). */
  readonly timedOut: boolean;
  /** Clears the timer and detaches from the parents; the signal stays as it is. Idempotent. */
  dispose(): void;
}

/** The reason `AbortSignal.timeout` gives, so callers that test `name === 'TimeoutError'` agree. */
function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

export function linkedSignal(parents: ReadonlyArray<AbortSignal | undefined>, timeoutMs?: number): LinkedSignal {
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw new RangeError(`timeoutMs must be a finite number ≥ 0, got ${String(timeoutMs)}`);
  }
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const attached: AbortSignal[] = [];
  const onParentAbort = function (this: AbortSignal): void {
    abort(this.reason);
  };
  const dispose = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const parent of attached.splice(0)) parent.removeEventListener('abort', onParentAbort);
  };
  const abort = (reason: unknown): void => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    dispose();
  };
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
    attached.push(parent);
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    timer = setTimeout(() => {
      timedOut = true;
      abort(timeoutReason());
    }, timeoutMs);
    // Like AbortSignal.timeout: a pending request's timer does not keep the process alive.
    timer.unref();
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose,
  };
}
