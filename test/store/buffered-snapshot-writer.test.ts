import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { StoreError } from '../../src/errors.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { BufferedSnapshotWriter, splitSummary } from '../../src/store/buffered-snapshot-writer.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { openStore } from '../../src/runtime/open-store.js';
import { snapshot } from './backend.js';

// The outage is simulated by stopping the embedded server and starting it again on the same
// port and data directory, so these tests always run on the embedded backend.
let dir: string;
let server: EmbeddedMongoServer;
let store: MongoStore;
let metrics: ValidatorMetrics;

async function gauge(): Promise<number> {
  return (await metrics.storePendingWrites.get()).values[0]?.value ?? 0;
}

async function retried(): Promise<number> {
  const values = (await metrics.storeOperationsTotal.get()).values;
  return values.find((v) => v.labels.operation === 'snapshots.flush' && v.labels.result === 'retried')?.value ?? 0;
}

/** Waits (polling, no deadline of its own: the test timeout bounds it) until `check` holds. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function written(): Promise<number> {
  return (await metrics.snapshotsWrittenTotal.get()).values[0]?.value ?? 0;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iv-outage-'));
  server = await EmbeddedMongoServer.start({ dataDir: dir });
  metrics = new ValidatorMetrics({ defaultMetrics: false });
  store = await openStore({ uri: server.uri, db: 'infinitevibe', metrics, serverSelectionTimeoutMS: 400 });
});

afterEach(async () => {
  await store.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('BufferedSnapshotWriter', () => {
  it('writes straight through while the store is up', async () => {
    const writer = new BufferedSnapshotWriter(store, { metrics });
    expect(await writer.write([snapshot(1), snapshot(2)])).toEqual({ inserted: 2, matched: 0, buffered: 0 });
    expect(await writer.write([snapshot(1)])).toEqual({ inserted: 0, matched: 1, buffered: 0 });
    expect(writer.pending).toBe(0);
    await writer.close();
  });

  it('stores the batches of concurrent writers with one bulk write and answers each with its own counts', async () => {
    const writer = new BufferedSnapshotWriter(store, { metrics });
    await writer.write([snapshot(1)]);
    const upserts = async () => (await metrics.storeOperationsTotal.get()).values.find((v) => v.labels.operation === 'snapshots.upsertMany' && v.labels.result === 'ok')?.value ?? 0;
    const before = await upserts();
    // Three miners persisting at once: one re-writes a stored snapshot beside a new one.
    const results = await Promise.all([writer.write([snapshot(1), snapshot(2)]), writer.write([snapshot(3)]), writer.write([snapshot(4), snapshot(5), snapshot(6)])]);
    expect(results).toEqual([
      { inserted: 1, matched: 1, buffered: 0 },
      { inserted: 1, matched: 0, buffered: 0 },
      { inserted: 3, matched: 0, buffered: 0 },
    ]);
    expect((await upserts()) - before).toBe(1);
    expect(await store.snapshots.count()).toBe(6);
    await writer.close();
  });

  it('fails only the writer whose batch is bad when batches were combined', async () => {
    const writer = new BufferedSnapshotWriter(store, { metrics });
    const [good, bad, other] = await Promise.allSettled([
      writer.write([snapshot(1)]),
      writer.write([snapshot(2, { interval: 'yesterday' })]),
      writer.write([snapshot(3), snapshot(4)]),
    ]);
    expect(good).toEqual({ status: 'fulfilled', value: { inserted: 1, matched: 0, buffered: 0 } });
    expect(bad).toMatchObject({ status: 'rejected', reason: new TypeError('snapshot 0: interval: must be YYYY-MM-DD-HH-MM') });
    expect(other).toEqual({ status: 'fulfilled', value: { inserted: 2, matched: 0, buffered: 0 } });
    expect(await store.snapshots.count()).toBe(3);
    await writer.close();
  });

  it('splits a combined write by the inserted positions, or counts inserts first when none are reported', () => {
    expect(splitSummary({ inserted: 2, matched: 3, upserted: [4, 1] }, [2, 1, 2])).toEqual([
      { inserted: 1, matched: 1 },
      { inserted: 0, matched: 1 },
      { inserted: 1, matched: 1 },
    ]);
    expect(splitSummary({ inserted: 3, matched: 2 }, [2, 2, 1])).toEqual([
      { inserted: 2, matched: 0 },
      { inserted: 1, matched: 1 },
      { inserted: 0, matched: 1 },
    ]);
  });

  it('keeps at most maxGroup snapshots in one bulk write', async () => {
    const writer = new BufferedSnapshotWriter(store, { metrics, maxGroup: 2 });
    const upserts = async () => (await metrics.storeOperationsTotal.get()).values.find((v) => v.labels.operation === 'snapshots.upsertMany' && v.labels.result === 'ok')?.value ?? 0;
    const before = await upserts();
    await Promise.all([writer.write([snapshot(1), snapshot(2)]), writer.write([snapshot(3)]), writer.write([snapshot(4)])]);
    expect((await upserts()) - before).toBe(2);
    expect(() => new BufferedSnapshotWriter(store, { maxGroup: 0 })).toThrow(new RangeError('maxGroup must be a positive integer, got 0'));
    await writer.close();
  });

  it('buffers during a Mongo outage and flushes everything, in order, when it is back', async () => {
    const writer = new BufferedSnapshotWriter(store, { metrics, minRetryDelayMs: 50, maxRetryDelayMs: 200 });
    const before = Array.from({ length: 20 }, (_, i) => snapshot(i, { interval: '2026-11-26-04-00' }));
    expect(await writer.write(before)).toMatchObject({ inserted: 20, buffered: 0 });

    const { port } = server;
    await server.close();
    const during1 = Array.from({ length: 30 }, (_, i) => snapshot(i, { interval: '2026-11-26-06-00', view_count: 1 }));
    // The same key again, later and with other figures: the earlier (first-buffered) one must win.
    const during2 = [snapshot(0, { interval: '2026-11-26-06-00', view_count: 2 }), snapshot(100, { interval: '2026-11-26-06-00' })];
    expect(await writer.write(during1)).toEqual({ inserted: 0, matched: 0, buffered: 30 });
    expect(await writer.write(during2)).toEqual({ inserted: 0, matched: 0, buffered: 2 });
    expect(writer.pending).toBe(32);
    expect(await gauge()).toBe(32);
    // Let the flusher meet the outage at least once before the server comes back.
    await until(async () => (await retried()) >= 1);

    server = await EmbeddedMongoServer.start({ port, dataDir: dir });
    await writer.flush();
    expect(writer.pending).toBe(0);
    expect(await gauge()).toBe(0);
    expect(await store.snapshots.count({ interval: '2026-11-26-04-00' })).toBe(20);
    expect(await store.snapshots.count({ interval: '2026-11-26-06-00' })).toBe(31);
    const first = (await store.snapshots.history(snapshot(0).hotkey)).find((s) => s.content_id === 'content-0' && s.interval === '2026-11-26-06-00');
    expect(first?.view_count).toBe(1);
    expect(await written()).toBe(31); // counted when flushed: 30 + 1 new (the repeated key matched)
    // Writes go straight through again.
    expect(await writer.write([snapshot(200)])).toMatchObject({ inserted: 1, buffered: 0 });
    await writer.close();
  });

  it('keeps what it could not flush when closed during an outage', async () => {
    const writer = new BufferedSnapshotWriter(store, { metrics, minRetryDelayMs: 50, maxRetryDelayMs: 100 });
    const { port } = server;
    await server.close();
    expect(await writer.write([snapshot(1)])).toMatchObject({ buffered: 1 });
    const aborted = new AbortController();
    aborted.abort(new Error('gave up waiting'));
    await expect(writer.flush(aborted.signal)).rejects.toThrow('gave up waiting');
    await writer.close();
    expect(writer.pending).toBe(1);
    await expect(writer.write([snapshot(2)])).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
    server = await EmbeddedMongoServer.start({ port, dataDir: dir });
  });

  it('refuses beyond maxPending instead of growing without bound', async () => {
    const writer = new BufferedSnapshotWriter(store, { maxPending: 3, minRetryDelayMs: 50, maxRetryDelayMs: 100 });
    const { port } = server;
    await server.close();
    await writer.write([snapshot(1), snapshot(2)]);
    const error = await writer.write([snapshot(3), snapshot(4)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'ERR_STORE_BUFFER_FULL' });
    expect(writer.pending).toBe(2);
    server = await EmbeddedMongoServer.start({ port, dataDir: dir });
    await writer.flush();
    expect(await store.snapshots.count()).toBe(2);
    await writer.close();
  });

  it('passes bad input and non-outage errors straight to the caller', async () => {
    const writer = new BufferedSnapshotWriter(store);
    await expect(writer.write([snapshot(1, { interval: 'yesterday' })])).rejects.toThrow(new TypeError('snapshot 0: interval: must be YYYY-MM-DD-HH-MM'));
    expect(writer.pending).toBe(0);
    expect(() => new BufferedSnapshotWriter(store, { minRetryDelayMs: 0 })).toThrow(new RangeError('minRetryDelayMs must be a positive integer, got 0'));
    expect(() => new BufferedSnapshotWriter(store, { minRetryDelayMs: 500, maxRetryDelayMs: 100 })).toThrow(RangeError);
    expect(() => new BufferedSnapshotWriter({} as never)).toThrow(new TypeError('store must provide snapshots.upsertMany'));
    await writer.close();
  });
});
