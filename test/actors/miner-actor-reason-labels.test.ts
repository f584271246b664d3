import { describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { GistSource } from '../../src/actors/types.js';
import { TableAi, TableMetrics, gistLine, keypair, makeDeps } from './helpers.js';

/**
 * Error codes of a remote platform tracker are its own strings. They stay in the miner's report,
 * but as a metric label each new one would be a new series: a tracker inventing codes could grow
 * the validator's exposition without bound.
 */

const INTERVAL = '2026-01-01-00-00';

describe('MinerActor: reason labels from a remote tracker', () => {
  it('codes the validator does not know are counted as metrics_other; known ones keep their name', async () => {
    const miner = await keypair('//Test/miner/labels');
    const metrics = new TableMetrics();
    const ids = Array.from({ length: 3 }, (_, i) => `v${i}`);
    ids.forEach((id, i) => metrics.failing.set(id, { code: `ERR_INVENTED_${i}_${'Z'.repeat(i)}`, retryable: false }));
    metrics.failing.set('known', { code: 'ERR_CONTENT_NOT_FOUND', retryable: false });
    metrics.failing.set('http', { code: 'ERR_HTTP_503', retryable: false });
    const all = [...ids, 'known', 'http'];
    const body = all.map((id) => gistLine({ platform: 'youtube/video', content_id: id, direct_video_url: `https://cdn.example/${id}.mp4` })).join('\n');
    const gists: GistSource = { fetch: async () => body };
    const deps = makeDeps({ gists, metricsProvider: metrics, aiDetector: new TableAi() });
    const actor = new MinerActor({ uid: 4, hotkey: miner.address, deps, parent: { actorFailed: () => undefined } });
    const collected = await actor.collect({ interval: INTERVAL, commitment: { hotkey: miner.address, block: 1, value: 'vibe-user:abc' } });
    expect(collected.ok).toBe(true);
    // The report keeps what the tracker said.
    if (collected.ok) expect(collected.value.skipped.map((s) => s.reason)).toContain('metrics_ERR_INVENTED_0_');
    expect((await actor.persist({ interval: INTERVAL, lostClaims: new Set() })).ok).toBe(true);

    const { values } = await deps.metrics.submissionsTotal.get();
    const reasons = Object.fromEntries(values.map((v) => [String(v.labels.reason), v.value]));
    expect(reasons).toEqual({ metrics_other: 3, metrics_ERR_CONTENT_NOT_FOUND: 1, metrics_ERR_HTTP_503: 1 });
  });
});
