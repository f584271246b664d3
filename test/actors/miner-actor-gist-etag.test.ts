import { afterEach, describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent, GistParser } from '../../src/actors/types.js';
import { startServiceStandins, type ServiceStandins } from '../../src/devnet/http/service-standins.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { GistFetcher } from '../../src/services/gist/index.js';
import { TableAi, TableMetrics, counterValue, gistLine, inlineGistParser, keypair, makeDeps, signedLine, tokenFor } from './helpers.js';

const parent: ActorParent = { actorFailed: () => undefined };
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The real parser, counted: how many gist bodies went through it. */
function countingParser(): GistParser & { bodies: number } {
  const parser = {
    bodies: 0,
    parse: (items: Parameters<GistParser['parse']>[0]) => {
      parser.bodies += items.length;
      return inlineGistParser.parse(items);
    },
  };
  return parser;
}

async function world() {
  const miner = await keypair('//Test/miner/etag');
  const first = [signedLine(miner, 'youtube/video', 'yt1', 'https://cdn.example/yt1.mp4'), '{not json'].join('\n');
  const standins: ServiceStandins = await startServiceStandins({ gists: { 'etag-user/abc123': first }, aiStandins: false });
  closers.push(() => standins.close());
  // One registry for the fetcher and the actor, as the validator wires them.
  const registry = new ValidatorMetrics({ defaultMetrics: false });
  const gists = new GistFetcher({ baseUrl: standins.gistBaseUrl, metrics: registry });
  closers.push(() => gists.close());
  const metrics = new TableMetrics();
  for (const id of ['yt1', 'yt2']) metrics.add({ platform: 'youtube/video', content_id: id, caption: `hi ${tokenFor(miner.address)}`, views: 10, video_url: null });
  const ai = new TableAi();
  ai.scores.set('https://cdn.example/yt1.mp4', 0.9);
  ai.scores.set('https://cdn.example/yt2.mp4', 0.9);
  const parser = countingParser();
  const deps = makeDeps({ gists, metricsProvider: metrics, aiDetector: ai, gistParser: parser, metrics: registry });
  const actor = new MinerActor({ uid: 3, hotkey: miner.address, deps, parent });
  const collect = async (interval: string, value = 'etag-user:abc123') => {
    const result = await actor.collect({ interval, commitment: { hotkey: miner.address, block: 1, value } });
    if (!result.ok) throw result.error;
    return result.value;
  };
  return { miner, standins, parser, collect, registry };
}

describe('MinerActor gist reads', () => {
  it('reuses the last parse while the gist host answers 304, and parses again once the gist changes', async () => {
    const w = await world();
    const one = await w.collect('2026-12-03-00-00');
    const two = await w.collect('2026-12-03-00-30');
    expect(w.standins.stats.gist.calls.map((c) => c.status)).toEqual([200, 304]);
    expect(w.parser.bodies).toBe(1);
    for (const report of [one, two]) {
      expect(report.status).toBe('ok');
      expect(report.submissions.map((s) => s.content_id)).toEqual(['yt1']);
      expect(report.rejections.map((r) => r.reason)).toEqual(['invalid_json']);
      expect(report.candidates.map((c) => [c.content_id, c.signature_ok])).toEqual([['yt1', true]]);
    }
    expect(two.candidates[0]!.interval).toBe('2026-12-03-00-30');

    w.standins.gistHost.set('etag-user', 'abc123', gistLine({ platform: 'youtube/video', content_id: 'yt2', direct_video_url: 'https://cdn.example/yt2.mp4' }));
    const three = await w.collect('2026-12-03-01-00');
    expect(w.parser.bodies).toBe(2);
    expect(three.submissions.map((s) => s.content_id)).toEqual(['yt2']);
    expect(three.rejections).toEqual([]);
    // One read per miner and cycle, whether 200 or 304: counted once, by the actor.
    expect(await counterValue(w.registry.gistFetchesTotal, { result: 'ok' })).toBe(3);
    expect(await counterValue(w.registry.submissionsTotal, { outcome: 'rejected', reason: 'invalid_json' })).toBe(2);
  });

  it('forgets the parse when the gist cannot be read, and never reuses it for another gist', async () => {
    const w = await world();
    await w.collect('2026-12-03-00-00');
    w.standins.faults.gist.failNext({ status: 404 });
    const failed = await w.collect('2026-12-03-00-30');
    expect(failed).toMatchObject({ status: 'gist_failed', gistResult: 'not_found' });
    expect(await counterValue(w.registry.gistFetchesTotal, { result: 'not_found' })).toBe(1);
    const back = await w.collect('2026-12-03-01-00');
    expect(back.submissions.map((s) => s.content_id)).toEqual(['yt1']);
    expect(w.parser.bodies).toBe(2);

    w.standins.gistHost.set('etag-user', 'def456', gistLine({ platform: 'youtube/video', content_id: 'yt2', direct_video_url: 'https://cdn.example/yt2.mp4' }));
    const moved = await w.collect('2026-12-03-01-30', 'etag-user:def456');
    expect(moved.submissions.map((s) => s.content_id)).toEqual(['yt2']);
    expect(w.parser.bodies).toBe(3);
    expect(w.standins.stats.gist.calls.at(-1)).toMatchObject({ path: '/etag-user/def456/raw', status: 200 });
  });
});
