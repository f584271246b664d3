import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/runtime/open-store.js';
import { batchedSubmissionSink } from '../../src/runtime/submission-sink.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { SubmissionRecord } from '../../src/store/types.js';
import { isRetryable } from '../../src/actors/retry.js';
import { StoreDocumentTooLargeError } from '../../src/errors.js';
import { MAX_DOCUMENT_BYTES } from '../../src/store/document-size.js';
import { startBackend, type StoreBackend } from '../store/backend.js';

let backend: StoreBackend;
let store: MongoStore;

beforeAll(async () => {
  backend = await startBackend();
  store = await openStore({ uri: backend.uri, db: backend.db });
});

afterAll(async () => {
  await store.close();
  await backend.stop();
});

function record(i: number): SubmissionRecord {
  return {
    hotkey: `5SinkHotkey${i}`,
    uid: i,
    commitment: `miner${i}:abc${i}`,
    commitment_block: 100 + i,
    interval: '2026-12-03-06-00',
    submissions: [],
    rejections: [],
    updated_at: new Date(Date.UTC(2026, 11, 3, 6, 0, 0)),
  };
}

/** The real store's bulk write, counted: calls, records per call and calls in flight. */
function counted(target: MongoStore) {
  const seen = { calls: 0, sizes: [] as number[], inFlight: 0, maxInFlight: 0 };
  const upsertMany = target.submissions.upsertMany.bind(target.submissions);
  const submissions = {
    ...target.submissions,
    upsertMany: async (records: readonly SubmissionRecord[]) => {
      seen.calls++;
      seen.sizes.push(records.length);
      seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
      try {
        return await upsertMany(records);
      } finally {
        seen.inFlight--;
      }
    },
  };
  return { seen, store: { submissions } };
}

describe('batchedSubmissionSink', () => {
  it('merges the records written in the same moment into bulk writes of at most maxItems', async () => {
    const { seen, store: wrapped } = counted(store);
    const sink = batchedSubmissionSink(wrapped, { concurrency: 16 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => sink.upsert(record(i))));
    expect(seen.sizes).toEqual([256, 44]);
    for (const i of [0, 255, 256, 299]) expect((await store.submissions.latest(`5SinkHotkey${i}`))?.uid).toBe(i);
  });

  it('keeps no more than `concurrency` bulk writes in flight', async () => {
    const { seen, store: wrapped } = counted(store);
    const sink = batchedSubmissionSink(wrapped, { concurrency: 2, maxItems: 16 });
    await Promise.all(Array.from({ length: 160 }, (_, i) => sink.upsert(record(1000 + i))));
    expect(seen.calls).toBe(10);
    expect(seen.maxInFlight).toBe(2);
    expect((await store.submissions.latest('5SinkHotkey1159'))?.uid).toBe(1159);
  });

  it('fails every writer of a refused bulk write, and refuses bad options precisely', async () => {
    const sink = batchedSubmissionSink({ submissions: { ...store.submissions, upsertMany: () => Promise.reject(new Error('refused')) } }, { concurrency: 1 });
    await expect(Promise.all([sink.upsert(record(1)), sink.upsert(record(2))])).rejects.toThrow('refused');
    expect(() => batchedSubmissionSink(store, { concurrency: 0 })).toThrow(new RangeError('concurrency must be a positive integer, got 0'));
    expect(() => batchedSubmissionSink(store, { concurrency: 1, maxItems: 1.5 })).toThrow(/maxItems must be a positive integer, got 1.5/);
  });

  it('refuses a record past the document limit alone: the other records merged with it are stored', async () => {
    // ~22 MiB as BSON: 150,000 rejections of 120 characters (a gist of that many lines under a
    // raised gist.max_lines, or submissions under a raised cap, reach it).
    const huge: SubmissionRecord = {
      ...record(2001),
      rejections: Array.from({ length: 150_000 }, (_, j) => ({ line: j + 1, reason: 'invalid_json', excerpt: 'x'.repeat(120) })),
    };
    const { seen, store: wrapped } = counted(store);
    const sink = batchedSubmissionSink(wrapped, { concurrency: 1 });
    const results = await Promise.allSettled([sink.upsert(record(2000)), sink.upsert(huge), sink.upsert(record(2002))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (results[1] as PromiseRejectedResult).reason as StoreDocumentTooLargeError;
    expect(refused).toBeInstanceOf(StoreDocumentTooLargeError);
    expect(refused.code).toBe('ERR_STORE_DOCUMENT_TOO_LARGE');
    expect(refused.bytes).toBeGreaterThan(MAX_DOCUMENT_BYTES);
    expect(refused.message).toContain('5SinkHotkey2001');
    // Not sent again by the actor's retries: no answer of the store can change.
    expect(isRetryable(refused)).toBe(false);
    expect(seen.sizes).toEqual([2]);
    expect((await store.submissions.latest('5SinkHotkey2000'))?.uid).toBe(2000);
    expect((await store.submissions.latest('5SinkHotkey2002'))?.uid).toBe(2002);
    expect(await store.submissions.latest('5SinkHotkey2001')).toBeNull();
  });

  it('the store refuses a record past the document limit with the typed error, in upsert and upsertMany', async () => {
    const huge: SubmissionRecord = {
      ...record(2101),
      submissions: Array.from({ length: 2_100 }, (_, j) => ({ platform: 'youtube/video' as const, content_id: `v${j}`, direct_video_url: `https://v.example/${'a'.repeat(8_000)}`, line: j + 1 })),
    };
    await expect(store.submissions.upsert(huge)).rejects.toMatchObject({ code: 'ERR_STORE_DOCUMENT_TOO_LARGE' });
    await expect(store.submissions.upsertMany([record(2100), huge])).rejects.toMatchObject({ code: 'ERR_STORE_DOCUMENT_TOO_LARGE' });
    expect(await store.submissions.latest('5SinkHotkey2101')).toBeNull();
  });
});
