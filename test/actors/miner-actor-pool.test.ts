import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { GistSource } from '../../src/actors/types.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import { CoalescingBatcher } from '../../src/supervisor/coalescing-batcher.js';
import { GIST_LIMITS, NETUID, TableAi, TableMetrics, counterValue, gistLine, keypair, makeDeps, signedLine, tokenFor } from './helpers.js';

const INTERVAL = '2026-01-01-00-00';
const commitment = (value: string) => ({ hotkey: 'x', block: 10, value });

/** The actor on the real path: its gist parsed and its signed lines checked on pool threads. */
describe('MinerActor with the gist parser on the worker pool', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ threads: 2, batchSize: 16, netuid: NETUID });
  });
  afterAll(() => pool.close());

  async function setup(body: string) {
    const miner = await keypair('//Pool/miner/1');
    const other = await keypair('//Pool/miner/2');
    const metrics = new TableMetrics();
    const ai = new TableAi();
    const gists: GistSource & { calls: number } = {
      calls: 0,
      async fetch() {
        this.calls++;
        return body.replaceAll('{signed}', signedLine(miner, 'instagram/reel', 'reel1', 'https://cdn.example/reel1.mp4')).replaceAll(
          '{forged}',
          signedLine(other, 'youtube/video', 'forged1', 'https://cdn.example/forged1.mp4'),
        );
      },
    };
    const batcher = new CoalescingBatcher((items: Parameters<WorkerPool['parseGists']>[0]) => pool.parseGists(items, GIST_LIMITS));
    const deps = makeDeps({ gists, metricsProvider: metrics, aiDetector: ai, gistParser: { parse: (items) => batcher.submit(items) } });
    const actor = new MinerActor({ uid: 3, hotkey: miner.address, deps, parent: { actorFailed: () => undefined } });
    return { miner, metrics, ai, gists, deps, actor };
  }

  it('valid, forged and unsigned lines keep their verdicts across the thread boundary', async () => {
    const unsigned = gistLine({ platform: 'youtube/video', content_id: 'yt1', direct_video_url: 'https://cdn.example/yt1.mp4' });
    const t = await setup(['{signed}', '{forged}', unsigned].join('\n'));
    for (const [platform, content_id] of [['instagram/reel', 'reel1'], ['youtube/video', 'forged1'], ['youtube/video', 'yt1']] as const) {
      t.metrics.add({ platform, content_id, caption: `x ${tokenFor(t.miner.address)}`, views: 10, video_url: null });
    }
    t.ai.scores.set('https://cdn.example/reel1.mp4', 0.9);
    t.ai.scores.set('https://cdn.example/yt1.mp4', 0.9);
    const result = await t.actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(result.ok && result.value.status).toBe('ok');
    const byId = new Map((result.ok ? result.value.candidates : []).map((c) => [c.content_id, c]));
    expect(byId.get('reel1')).toMatchObject({ caption_ok: true, signature_ok: true, ai_score: 0.9 });
    expect(byId.get('forged1')).toMatchObject({ caption_ok: true, signature_ok: false, ai_score: null });
    expect(byId.get('yt1')).toMatchObject({ caption_ok: true, signature_ok: null, ai_score: 0.9 });
    await t.actor.stop();
  });

  it('a gist the parser refuses as a whole drops the miner with the parser’s own reason and code', async () => {
    // Over the byte limit (a source that does not cap it): refused by parseGist in the worker,
    // rebuilt as its FormatError here.
    const body = `{signed}\n${'x'.repeat(GIST_LIMITS.maxBytes)}`;
    const t = await setup(body);
    const bytes = Buffer.byteLength(body.replace('{signed}', signedLine(t.miner, 'instagram/reel', 'reel1', 'https://cdn.example/reel1.mp4')));
    const result = await t.actor.collect({ interval: INTERVAL, commitment: commitment('u:abc') });
    expect(result.ok && result.value).toMatchObject({ status: 'gist_failed', gistResult: 'too_large', submissions: [], candidates: [] });
    expect(result.ok && result.value.failures).toEqual([
      { stage: 'gist', code: 'ERR_FORMAT_TOO_LARGE', message: `gist is ${bytes} bytes, more than the ${GIST_LIMITS.maxBytes}-byte limit` },
    ]);
    // A format error is not retried: the fetch ran once.
    expect(t.gists.calls).toBe(1);
    expect(await counterValue(t.deps.metrics.gistFetchesTotal, { result: 'too_large' })).toBe(1);
    expect(await counterValue(t.deps.metrics.gistFetchesTotal, { result: 'ok' })).toBe(0);
    expect(await counterValue(t.deps.metrics.actorFailuresTotal, { stage: 'gist' })).toBe(1);
    await t.actor.stop();
  });
});
