import { MongoClient } from 'mongodb';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
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
