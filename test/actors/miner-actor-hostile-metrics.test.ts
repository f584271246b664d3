import { describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { GistSource } from '../../src/actors/types.js';
import type { ContentMetrics, ContentRef, MetricsBatchResult } from '../../src/services/types.js';
import { checkSnapshots } from '../../src/store/snapshot-schema.js';
import type { MetricSnapshot } from '../../src/store/types.js';
import { TableAi, TableMetrics, gistLine, keypair, makeDeps, tokenFor } from './helpers.js';

/**
 * Metrics a provider hands over that the store would refuse (a fractional follower count, a
 * count past 2^53 as a plain number) cost that content its interval, not the miner's whole
 * batch: the sink here applies the store's own snapshot check, as the real writer does.
 */

const INTERVAL = '2026-01-01-00-00';

class OddMetrics extends TableMetrics {
  readonly odd = new Map<string, Partial<ContentMetrics>>();
  override async getMetrics(items: readonly ContentRef[]): Promise<MetricsBatchResult> {
    const batch = await super.getMetrics(items);
    return { ...batch, results: batch.results.map((r) => ({ ...r, ...this.odd.get(r.content_id) })) };
  }
}

describe('MinerActor: provider numbers the store would refuse', () => {
  it('each such content is skipped as metrics_ERR_CONTENT_INVALID; the miner’s good content is stored', async () => {
    const miner = await keypair('//Test/miner/odd-numbers');
    const metrics = new OddMetrics();
    const ai = new TableAi();
    const ids = ['good', 'halfFollower', 'viewsPast53', 'likesHuge', 'negFollowers'];
    for (const id of ids) {
      metrics.add({ platform: 'youtube/video', content_id: id, caption: `clip ${tokenFor(miner.address)}`, views: 100, video_url: null });
      ai.scores.set(`https://cdn.example/${id}.mp4`, 0.9);
    }
    metrics.odd.set('halfFollower', { owner_follower_count: 1.5 });
    metrics.odd.set('viewsPast53', { view_count: 2 ** 53 });
    metrics.odd.set('likesHuge', { like_count: 1e300 });
    metrics.odd.set('negFollowers', { owner_follower_count: -4 });
    const body = ids.map((id) => gistLine({ platform: 'youtube/video', content_id: id, direct_video_url: `https://cdn.example/${id}.mp4` })).join('\n');
    const gists: GistSource = { fetch: async () => body };
    const stored: MetricSnapshot[] = [];
    const deps = makeDeps({
      gists,
      metricsProvider: metrics,
      aiDetector: ai,
      snapshots: {
        write: async (batch) => {
          checkSnapshots(batch);
          stored.push(...batch);
          return { inserted: batch.length, matched: 0 };
        },
      },
    });
    const actor = new MinerActor({ uid: 3, hotkey: miner.address, deps, parent: { actorFailed: () => undefined } });
    const collected = await actor.collect({ interval: INTERVAL, commitment: { hotkey: miner.address, block: 1, value: 'vibe-user:abc' } });
    expect(collected.ok).toBe(true);
    if (!collected.ok) return;
    expect(collected.value.candidates.map((c) => c.content_id)).toEqual(['good']);
    expect(collected.value.skipped).toEqual(
      ['halfFollower', 'viewsPast53', 'likesHuge', 'negFollowers'].map((content_id) => ({ platform: 'youtube/video', content_id, outcome: 'ignored', reason: 'metrics_ERR_CONTENT_INVALID' })),
    );
    // Nobody's metrics are fetched for content that was refused this way: no AI check either.
    expect(ai.calls).toEqual(['https://cdn.example/good.mp4']);
    const persisted = await actor.persist({ interval: INTERVAL, lostClaims: new Set() });
    expect(persisted.ok).toBe(true);
    expect(stored.map((s) => s.content_id)).toEqual(['good']);
  });
});

describe('MinerActor: view counts past int64', () => {
  // The original stores a view count as a Python int in Mongo, whose integers are int64: pymongo
  // refuses anything past 2^63 − 1 (OverflowError), so that content gets no interval there
  // (reference §3.4 step 4.6). BSON here would wrap such a bigint modulo 2^64 (2^64 + 5 is stored
  // as 5), so it must be refused before the write, as there.
  it('2^63 − 1 is stored exactly; 2^63 and 2^64 + 5 cost the content its interval', async () => {
    const miner = await keypair('//Test/miner/int64-views');
    const metrics = new OddMetrics();
    const ai = new TableAi();
    const views: Record<string, bigint> = { int64Max: 2n ** 63n - 1n, int64Past: 2n ** 63n, wraps: 2n ** 64n + 5n };
    for (const id of Object.keys(views)) {
      metrics.add({ platform: 'youtube/video', content_id: id, caption: `clip ${tokenFor(miner.address)}`, views: 100, video_url: null });
      metrics.odd.set(id, { view_count: views[id]! });
      ai.scores.set(`https://cdn.example/${id}.mp4`, 0.9);
    }
    const body = Object.keys(views).map((id) => gistLine({ platform: 'youtube/video', content_id: id, direct_video_url: `https://cdn.example/${id}.mp4` })).join('\n');
    const stored: MetricSnapshot[] = [];
    const deps = makeDeps({
      gists: { fetch: async () => body },
      metricsProvider: metrics,
      aiDetector: ai,
      snapshots: {
        write: async (batch) => {
          checkSnapshots(batch);
          stored.push(...batch);
          return { inserted: batch.length, matched: 0 };
        },
      },
    });
    const actor = new MinerActor({ uid: 4, hotkey: miner.address, deps, parent: { actorFailed: () => undefined } });
    const collected = await actor.collect({ interval: INTERVAL, commitment: { hotkey: miner.address, block: 1, value: 'vibe-user:abc' } });
    expect(collected.ok).toBe(true);
    if (!collected.ok) return;
    expect(collected.value.skipped).toEqual(
      ['int64Past', 'wraps'].map((content_id) => ({ platform: 'youtube/video', content_id, outcome: 'ignored', reason: 'metrics_ERR_CONTENT_INVALID' })),
    );
    expect((await actor.persist({ interval: INTERVAL, lostClaims: new Set() })).ok).toBe(true);
    expect(stored.map((s) => [s.content_id, s.view_count])).toEqual([['int64Max', 2n ** 63n - 1n]]);
  });
});
