import { MongoClient } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { MetricSnapshot } from '../../src/store/types.js';

/**
 * The store suite's backend: a real MongoDB when MONGODB_URI is set (each run uses its own
 * database, dropped afterwards), otherwise the embedded server on an ephemeral loopback port.
 */
export interface StoreBackend {
  readonly label: string;
  readonly uri: string;
  readonly db: string;
  /** A plain driver client on the same backend, to look behind the store's back. */
  readonly client: MongoClient;
  stop(): Promise<void>;
}

export async function startBackend(): Promise<StoreBackend> {
  const external = process.env.MONGODB_URI;
  const db = `iv_test_${process.pid}_${Date.now().toString(36)}`;
  const embedded = external ? undefined : await EmbeddedMongoServer.start();
  const uri = external ?? embedded!.uri;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  return {
    label: external ? 'MONGODB_URI' : 'embedded',
    uri,
    db,
    client,
    async stop() {
      await client.db(db).dropDatabase();
      await client.close();
      await embedded?.close();
    },
  };
}

export function snapshot(i: number, overrides: Partial<MetricSnapshot> = {}): MetricSnapshot {
  return {
    hotkey: `5Hotkey${i % 7}`,
    platform: i % 2 === 0 ? 'youtube/video' : 'instagram/reel',
    content_id: `content-${i}`,
    interval: '2026-11-26-06-00',
    caption: `caption ${i} #iv`,
    view_count: 1000 + i,
    like_count: 10 + (i % 50),
    comment_count: i % 9,
    owner_username: `owner${i % 7}`,
    owner_follower_count: 5000,
    published_at: '2026-11-01T00:00:00Z',
    ai_score: 0.9,
    ai_source: 'platform',
    caption_ok: true,
    signature_ok: null,
    owner_ok: true,
    fetched_at: new Date(Date.UTC(2026, 10, 26, 6, 0, 0)),
    ...overrides,
  };
}

/**
 * For a whole file: a store opened on the suite's backend with its own metrics and a logger that
 * keeps every warning, for the tests of what a read does with documents it did not write.
 */
export function useWatchedStore(): { backend: StoreBackend; store: MongoStore; metrics: ValidatorMetrics; warnings: Array<Record<string, unknown>> } {
  const watched = { warnings: [] as Array<Record<string, unknown>> } as { backend: StoreBackend; store: MongoStore; metrics: ValidatorMetrics; warnings: Array<Record<string, unknown>> };
  beforeAll(async () => {
    watched.backend = await startBackend();
    watched.metrics = new ValidatorMetrics({ defaultMetrics: false });
    const logger = {
      warn: (fields: Record<string, unknown>, msg: string) => watched.warnings.push({ ...fields, msg }),
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
    };
    watched.store = await openStore({ uri: watched.backend.uri, db: watched.backend.db, metrics: watched.metrics, serverSelectionTimeoutMS: 2_000, logger: logger as never });
  });
  afterAll(async () => {
    await watched.store?.close();
    await watched.backend?.stop();
  });
  return watched;
}
