import PQueue from 'p-queue';
import type { SubmissionSink } from '../actors/types.js';
import { assertSubmissionRecordFits } from '../store/document-size.js';
import type { Store, SubmissionRecord } from '../store/types.js';
import { CoalescingBatcher } from '../supervisor/coalescing-batcher.js';
import { positiveInt } from '../util/option-checks.js';

export interface SubmissionSinkOptions {
  /** Bulk writes in flight at once (`concurrency.store`). */
  readonly concurrency: number;
  /** Records merged into one bulk write (default 256). */
  readonly maxItems?: number;
}

/**
 * Every actor writes its miner's submissions record once a cycle, and they finish persisting
 * together: records written in the same moment go to the store as one unordered bulk write, not
 * one round trip each (1,024 at 1024 miners). The sink bounds its own bulk writes in flight, so
 * actors do not hold a store slot each while their record waits to be merged: that serialised
 * the persist phase into one small batch per slot (about 1 s at 1024 miners).
 */
export function batchedSubmissionSink(store: Pick<Store, 'submissions'>, options: SubmissionSinkOptions): SubmissionSink {
  const writes = new PQueue({ concurrency: positiveInt('concurrency', options.concurrency) });
  const batcher = new CoalescingBatcher<SubmissionRecord, undefined>(
    (records) =>
      writes.add(async () => {
        await store.submissions.upsertMany(records);
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
  };
}
