import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import { BufferedScoreLog } from '../../src/store/buffered-score-log.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { ScoreRecord } from '../../src/store/types.js';

const DB = 'score-log';

/** One cycle's score records: `n` miners scored for `interval`. */
function cycle(interval: string, n = 3, policy = 'engagement@1'): ScoreRecord[] {
  const computedAt = new Date();
  return Array.from({ length: n }, (_, uid) => ({ interval, policy, hotkey: `hk${uid}`, uid, score: uid * 1.5, details: { uid }, computed_at: computedAt }));
}

/** The score history through a store that stops taking writes (the embedded server's fail point). */
describe('BufferedScoreLog', () => {
  let mongo: EmbeddedMongoServer;
  let store: MongoStore;
  let client: MongoClient;
  let metrics: ValidatorMetrics;
  const stored = async (interval: string) => client.db(DB).collection('scores').countDocuments({ interval });
  const gauge = async () => (await metrics.storePendingWrites.get()).values[0]?.value ?? 0;

  beforeAll(async () => {
    mongo = await EmbeddedMongoServer.start();
    metrics = new ValidatorMetrics({ defaultMetrics: false });
    store = await openStore({ uri: mongo.uri, db: DB, serverSelectionTimeoutMS: 400, connectTimeoutMS: 400 });
    client = await new MongoClient(mongo.uri).connect();
  });
  afterAll(async () => {
    await client?.close();
    await store?.close();
    await mongo?.close();
  });

  it('holds the cycles whose writes fail and writes them, once and in order, when the store takes writes again', async () => {
    const log = new BufferedScoreLog(store.scores, { metrics, minRetryDelayMs: 20, maxRetryDelayMs: 200 });
    await log.record(cycle('i-00'));
    expect(await stored('i-00')).toBe(3);

    mongo.failCommands({ commands: ['update'] });
    await log.record(cycle('i-02'));
    await log.record(cycle('i-04', 2));
    expect(log.pending).toBe(5);
    expect(await gauge()).toBe(5);
    expect(await stored('i-02')).toBe(0);

    mongo.failCommands(null);
    // Tried again in the background: written without waiting for the next cycle.
    await vi.waitFor(() => expect(log.pending).toBe(0), { timeout: 15_000, interval: 50 });
    expect(await stored('i-04')).toBe(2);
    await log.record(cycle('i-06'));
    expect(log.pending).toBe(0);
    expect(await gauge()).toBe(0);
    for (const [interval, n] of [['i-02', 3], ['i-04', 2], ['i-06', 3]] as const) expect(await stored(interval)).toBe(n);
    const order = await client.db(DB).collection('scores').find({}, { sort: { _id: 1 }, projection: { interval: 1 } }).toArray();
    expect([...new Set(order.map((d) => d['interval']))]).toEqual(['i-00', 'i-02', 'i-04', 'i-06']);
  });

  it('a batch applied whose answer was lost is held, sent again and stored once', async () => {
    const log = new BufferedScoreLog(store.scores, { metrics });
    mongo.failCommands({ commands: ['update'], loseReply: true, times: 1 });
    await log.record(cycle('i-08'));
    expect(log.pending).toBe(3);
    // The driver finds the server again after the dropped connection; the next flush writes.
    await vi.waitFor(async () => expect(await log.flush()).toBe(true), { timeout: 15_000, interval: 100 });
    expect(await stored('i-08')).toBe(3);
  });

  it('drops a batch the store refuses (not an outage) and the oldest cycles past its bound, and goes on', async () => {
    const log = new BufferedScoreLog(store.scores, { metrics, maxBatches: 2 });
    await log.record(cycle('i-10', 2, ''));
    expect(log.pending).toBe(0);
    expect(await stored('i-10')).toBe(0);

    mongo.failCommands({ commands: ['update'] });
    for (const interval of ['i-12', 'i-14', 'i-16']) await log.record(cycle(interval, 1));
    expect(log.pending).toBe(2);
    mongo.failCommands(null);
    expect(await log.flush()).toBe(true);
    expect([await stored('i-12'), await stored('i-14'), await stored('i-16')]).toEqual([0, 1, 1]);
  });

  it('refuses options it cannot use', () => {
    expect(() => new BufferedScoreLog(store.scores, { maxBatches: 0 })).toThrow(new RangeError('maxBatches must be a positive integer, got 0'));
    expect(() => new BufferedScoreLog({} as never)).toThrow(new TypeError('scores must have a record function'));
    expect(() => new BufferedScoreLog(store.scores, { minRetryDelayMs: 10, maxRetryDelayMs: 5 })).toThrow(
      new RangeError('retry delays must be integers with 1 <= minRetryDelayMs <= maxRetryDelayMs, got 10 and 5'),
    );
  });
});
