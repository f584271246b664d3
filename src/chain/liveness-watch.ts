/**
 * Notices a node that hangs without closing its socket (a stuck node process, a half-open TCP
 * connection after a network fault): the socket reads "connected" forever, every request waits
 * out the provider's 60 s timeout, and the reconnect that would reach a working node never comes.
 * When no finalized head has arrived for `stallMs` while connected, a probe goes out; a node
 * that does not answer it within `probeTimeoutMs` is declared stalled (`onStalled`), so the
 * connection can be dropped and made again. A node that answers is alive (finality itself may
 * be stalled chain-wide, which a reconnect cannot mend) and is looked at again `stallMs` later,
 * unless its answer shows heads we never got (it dropped our subscription): that connection is
 * made again too, which subscribes anew.
 */
export interface LivenessOptions {
  readonly stallMs: number;
  readonly isConnected: () => boolean;
  /**
   * A cheap request; any answer, even an error answer, shows the node is alive. Resolves false
   * when the node answers but the connection must be made again all the same.
   */
  readonly probe: () => Promise<boolean>;
  readonly onStalled: (silentMs: number, why: 'unanswered' | 'subscription_lost') => void;
  /** How long the probe may take (default: stallMs, at most 30 s, under the provider's own 60 s). */
  readonly probeTimeoutMs?: number;
  readonly now?: () => number;
}

export interface LivenessWatch {
  /** Something arrived from the node (a finalized head, a fresh connection). */
  seen(): void;
  stop(): void;
}

const PROBE_TIMED_OUT = Symbol('probe timed out');

export function watchLiveness(options: LivenessOptions): LivenessWatch {
  const { stallMs, isConnected, probe, onStalled } = options;
  if (!Number.isInteger(stallMs) || stallMs <= 0) throw new RangeError(`stallMs must be a positive integer of milliseconds, got ${String(stallMs)}`);
  const probeTimeoutMs = options.probeTimeoutMs ?? Math.min(stallMs, 30_000);
  const now = options.now ?? Date.now;
  let lastSeen = now();
  let probing = false;
  let stopped = false;
  const check = (): void => {
    if (stopped || probing) return;
    if (!isConnected()) {
      lastSeen = now();
      return;
    }
    if (now() - lastSeen < stallMs) return;
    probing = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof PROBE_TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(PROBE_TIMED_OUT), probeTimeoutMs);
      timer.unref?.();
    });
    const answered = probe().then(
      (fine) => fine,
      () => true,
    );
    void Promise.race([answered, timeout])
      .then((outcome) => {
        if (stopped) return;
        if (outcome !== true && isConnected()) onStalled(now() - lastSeen, outcome === PROBE_TIMED_OUT ? 'unanswered' : 'subscription_lost');
        lastSeen = now();
      })
      .finally(() => {
        clearTimeout(timer);
        probing = false;
      });
  };
  const ticker = setInterval(check, Math.max(25, Math.floor(stallMs / 4)));
  ticker.unref?.();
  return {
    seen: () => {
      lastSeen = now();
    },
    stop: () => {
      stopped = true;
      clearInterval(ticker);
    },
  };
}
