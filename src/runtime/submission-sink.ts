import PQueue from 'p-queue';
import type { SubmissionSink } from '../actors/types.js';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { assertSubmissionRecordFits } from '../store/document-size.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import { CoalescingBatcher } from '../supervisor/coalescing-batcher.js';
import { positiveInt } from '../util/option-checks.js';

export interface SubmissionSinkOptions {
  /** Bulk writes in flight at once (`concurrency.store`). */
  readonly concurrency: number;
  /** Records merged into one bulk write (default 256). */
  readonly maxItems?: number;
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** First and longest wait before held records are tried again in the background. */
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

export interface HeldSubmissionSink extends SubmissionSink {
  /** Records held for the store (one per hotkey at most). */
  readonly pending: number;
  /** The held records themselves (what a shutdown spools). */
  readonly held: SubmissionRecord[];
  /**
   * Holds records without waiting for the store (a spool replayed at start-up), unless a newer
   * record of the hotkey is held; they are written in the background, or with the next write.
   */
  hold(records: readonly SubmissionRecord[]): void;
  /** Resolves once nothing is held (now, when nothing is). */
  whenDrained(): Promise<void>;
  /** Writes what is held; true once nothing is. */
  flush(): Promise<boolean>;
  /** Stops the background retries; what is still held stays unwritten. */
  close(): void;
}

/**
 * Every actor writes its miner's submissions record once a cycle, and they finish persisting
 * together: records written in the same moment go to the store as one unordered bulk write, not
 * one round trip each (1,024 at 1024 miners). The sink bounds its own bulk writes in flight, so
 * actors do not hold a store slot each while their record waits to be merged: that serialised
 * the persist phase into one small batch per slot (about 1 s at 1024 miners).
 *
 * While the store is unreachable the newest record of each hotkey is held (the collection keeps
 * one per hotkey, so an older one is worth nothing once a newer exists) and written when the store
 * is back: in the background with a growing delay, and with the next bulk write. Before, each was
 * retried by its actor, then logged and lost, so the store kept the view of the last cycle before
 * the outage until a full cycle after it.
 */
export function batchedSubmissionSink(store: Pick<Store, 'submissions'>, options: SubmissionSinkOptions): HeldSubmissionSink {
  const writes = new PQueue({ concurrency: positiveInt('concurrency', options.concurrency) });
  const minDelay = positiveInt('minRetryDelayMs', options.minRetryDelayMs ?? 250);
  const maxDelay = positiveInt('maxRetryDelayMs', options.maxRetryDelayMs ?? 5_000);
  if (maxDelay < minDelay) throw new RangeError(`maxRetryDelayMs (${maxDelay}) must be >= minRetryDelayMs (${minDelay})`);
  const held = new Map<string, SubmissionRecord>();
  let delay = minDelay;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const drained: Array<() => void> = [];
  const inFlight = new Map<string, SubmissionRecord>();
  const gauge = (): void => {
    options.metrics?.setPendingWrites('submissions', held.size);
    if (held.size === 0) for (const resolve of drained.splice(0)) resolve();
  };

  /** Writes `records` with every held record no newer one replaces; holds them all when the store is down. */
  const write = async (records: readonly SubmissionRecord[]): Promise<boolean> => {
    const fresh = new Map(records.map((r) => [r.hotkey, r]));
    const before = new Map(held);
    const sent = [...[...before.values()].filter((r) => !fresh.has(r.hotkey)), ...fresh.values()];
    if (sent.length === 0) return true;
    for (const r of fresh.values()) inFlight.set(r.hotkey, r);
    try {
      await store.submissions.upsertMany(sent);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      for (const r of fresh.values()) held.set(r.hotkey, r);
      gauge();
      if (delay === minDelay) options.logger?.warn({ err: error, held: held.size }, 'store unreachable; submissions records held');
      schedule();
      return false;
    } finally {
      for (const r of fresh.values()) if (inFlight.get(r.hotkey) === r) inFlight.delete(r.hotkey);
    }
    // What was held is stored or replaced by a newer record now stored; a record held while the
    // write was out (another write failing meanwhile) is newer and stays.
    for (const r of sent) if (held.get(r.hotkey) === before.get(r.hotkey)) held.delete(r.hotkey);
    gauge();
    if (held.size === 0) delay = minDelay;
    return held.size === 0;
  };

  const schedule = (): void => {
    if (closed || retry !== undefined) return;
    const wait = delay;
    delay = Math.min(maxDelay, delay * 2);
    retry = setTimeout(() => {
      retry = undefined;
      void flush().catch((error: unknown) => options.logger?.error({ err: error, held: held.size }, 'held submissions records refused by the store'));
    }, wait);
    // Held records must not keep a stopping process alive.
    retry.unref();
  };

  const flush = (): Promise<boolean> => (held.size === 0 ? Promise.resolve(true) : writes.add(() => write([])) as Promise<boolean>);

  const batcher = new CoalescingBatcher<SubmissionRecord, undefined>(
    (records) =>
      writes.add(async () => {
        await write(records);
        return records.map(() => undefined);
      }) as Promise<undefined[]>,
    { windowMs: 0, maxItems: positiveInt('maxItems', options.maxItems ?? 256) },
  );
  return {
    upsert: async (record) => {
      // Alone, before it is merged: a record past the document limit would fail the whole bulk
      // write, and with it the records of every other miner in it (and their retries too).
      assertSubmissionRecordFits(record);
      await batcher.submit([record]);
    },
    get pending() {
      return held.size;
    },
    // With the records of writes sent and not yet answered (newer than a held one of their
    // hotkey): a shutdown spools them too, since a store that hangs may never apply them.
    get held() {
      return [...new Map([...held, ...inFlight]).values()];
    },
    hold: (records) => {
      for (const r of records) if (!held.has(r.hotkey)) held.set(r.hotkey, r);
      gauge();
      void flush().catch((error: unknown) => options.logger?.error({ err: error, held: held.size }, 'held submissions records refused by the store'));
    },
    whenDrained: () => (held.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve))),
    flush,
    close: () => {
      closed = true;
      clearTimeout(retry);
    },
  };
}
