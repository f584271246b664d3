/**
 * Snapshot upserts per second against the embedded MongoDB-wire server, through the store
 * (official driver, one bulkWrite of 10,000 updateOne+$setOnInsert upserts). The first pass
 * inserts, the second re-writes the same snapshots (all matched, nothing stored twice).
 * Client and server share one event loop here, as they do when the validator embeds the server.
 */
import { openStore } from '../src/runtime/open-store.js';
import type { MetricSnapshot } from '../src/store/types.js';

const BATCH = 10_000;
const ROUNDS = 3;

function snapshots(round: number): MetricSnapshot[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    hotkey: `5Hotkey${i % 64}`,
    platform: 'youtube/video',
    content_id: `video-${i}`,
    interval: `2026-11-26-${String(round).padStart(2, '0')}-00`,
    caption: `caption ${i} #iv`,
    view_count: 1000 + i,
    like_count: 10,
    comment_count: 2,
    owner_username: `owner${i % 64}`,
    owner_follower_count: 5000,
    published_at: '2026-11-01T00:00:00Z',
    ai_score: 0.9,
    ai_source: 'platform',
    caption_ok: true,
    signature_ok: null,
    owner_ok: true,
    fetched_at: new Date(),
  }));
}

export default async function storeBench(): Promise<void> {
  const store = await openStore({ db: 'bench' });
  try {
    const insertRates: number[] = [];
    const rewriteRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const batch = snapshots(round);
      let t = performance.now();
      const first = await store.snapshots.upsertMany(batch);
      insertRates.push(BATCH / ((performance.now() - t) / 1000));
      t = performance.now();
      const second = await store.snapshots.upsertMany(batch);
      rewriteRates.push(BATCH / ((performance.now() - t) / 1000));
      if (first.inserted !== BATCH || second.matched !== BATCH) throw new Error(`unexpected upsert summary ${JSON.stringify({ first, second })}`);
    }
    const fmt = (xs: number[]): string => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ');
    process.stdout.write(`snapshot upserts/s, bulk of ${BATCH.toLocaleString('en-US')}, new snapshots (per round): ${fmt(insertRates)}\n`);
    process.stdout.write(`snapshot upserts/s, bulk of ${BATCH.toLocaleString('en-US')}, re-writes, all matched (per round): ${fmt(rewriteRates)}\n`);
    process.stdout.write(`collection size after the run: ${(await store.snapshots.count()).toLocaleString('en-US')} snapshots\n`);
  } finally {
    await store.close();
  }
}
