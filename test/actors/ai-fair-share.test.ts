import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent, GistSource } from '../../src/actors/types.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../../src/devnet/http/sightengine-standin.js';
import { VideoHost } from '../../src/devnet/http/video-host.js';
import { AiDetectorService, FrameSampler, SightEngineClient } from '../../src/services/ai-detector/index.js';
import { hitServer, type HitServer } from '../helpers/hit-server.js';
import { TableMetrics, gistLine, keypair, makeDeps, tokenFor } from './helpers.js';

/*
 * Miners share the validator's AI-check slots (concurrency.ai_detector, 4 by default). A miner
 * listing videos on a host that drips their bytes holds a slot per listed video until the
 * download deadline; with no per-miner share, three such miners fill every slot and the honest
 * miners' checks wait behind them. Each miner now holds at most its share in flight.
 */

const INTERVAL = '2026-01-01-00-00';
const HOSTILE = 3;
const HONEST = 4;

let drip: HitServer;
/** Responses the drip host is holding open, and waiters for a number of them. */
const held = new Set<ServerResponse>();
const heldWaiters: Array<{ count: number; resolve: () => void }> = [];
let released = false;
let videos: VideoHost;
let standin: SightEngineStandin;
let detector: AiDetectorService;
/** The same, with a download deadline the drip host reaches quickly. */
let shortDeadline: AiDetectorService;

function heldAtLeast(count: number): Promise<void> {
  return new Promise((resolve) => {
    if (held.size >= count) resolve();
    else heldWaiters.push({ count, resolve });
  });
}

function release(): void {
  released = true;
  for (const res of held) res.destroy();
  held.clear();
}

beforeAll(async () => {
  drip = await hitServer((_req, res) => {
    if (released) {
      res.writeHead(404);
      res.end();
      return;
    }
    // Headers and a first byte, then nothing until released: a download that never ends.
    res.writeHead(200, { 'content-type': 'video/mp4' });
    res.write('x');
    held.add(res);
    res.on('close', () => held.delete(res));
    for (const waiter of heldWaiters.filter((w) => held.size >= w.count)) {
      heldWaiters.splice(heldWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  videos = new VideoHost();
  await videos.listen();
  standin = new SightEngineStandin();
  await standin.listen();
  const scorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  // No delivery floor: the drip host's downloads must hang until released, whatever the load.
  detector = new AiDetectorService({ scorer, sampler: new FrameSampler({ frames: 2 }), allowPrivate: [drip.url, videos.url], downloadMinBytesPerSecond: 0 });
  const ownScorer = new SightEngineClient({ baseUrl: standin.url, ...SIGHTENGINE_STANDIN_CREDENTIALS, retries: 0 });
  shortDeadline = new AiDetectorService({ scorer: ownScorer, allowPrivate: [drip.url], downloadTimeoutMs: 300 });
});

afterAll(async () => {
  release();
  await shortDeadline?.close();
  await detector?.close();
  await standin?.close();
  await videos?.close();
  await drip?.close();
});

const parent: ActorParent = { actorFailed: () => undefined };

async function miner(uid: number, urls: (id: string) => string, count: number, metrics: TableMetrics) {
  const pair = await keypair(`//Test/fair/${uid}`);
  const ids = Array.from({ length: count }, (_, i) => `m${uid}v${i}`);
  for (const id of ids) metrics.add({ platform: 'youtube/video', content_id: id, caption: `x ${tokenFor(pair.address)}`, views: 10, video_url: null });
  const body = ids.map((id) => gistLine({ platform: 'youtube/video', content_id: id, direct_video_url: urls(id) })).join('\n');
  const gists: GistSource = { fetch: async () => body };
  return { uid, hotkey: pair.address, ids, gists };
}

describe('AI-check slots: one miner holds at most its share', () => {
  it("three miners whose videos drip forever leave a slot to the honest miners' checks, which all complete", async () => {
    const metrics = new TableMetrics();
    const hostile = await Promise.all(
      Array.from({ length: HOSTILE }, (_, i) => miner(100 + i, (id) => `${drip.url}/${id}.mp4`, 5, metrics)),
    );
    const honest = await Promise.all(
      Array.from({ length: HONEST }, (_, i) => miner(200 + i, (id) => `${videos.url}/videos/${id}.mp4`, 2, metrics)),
    );
    for (const m of honest) for (const id of m.ids) videos.setScore(id, 0.2);
    // One detector, one limiter for every actor, as in the validator (4 AI-check slots).
    const shared = makeDeps({ gists: hostile[0]!.gists, metricsProvider: metrics, aiDetector: detector, aiChecksPerMiner: 1 });
    const actorFor = (m: Awaited<ReturnType<typeof miner>>) =>
      new MinerActor({ uid: m.uid, hotkey: m.hotkey, deps: { ...shared, gists: m.gists }, parent });
    const collect = (m: Awaited<ReturnType<typeof miner>>) =>
      actorFor(m).collect({ interval: INTERVAL, commitment: { hotkey: m.hotkey, block: 1, value: `u${m.uid}:abc123` } });

    try {
      const hostileDone = hostile.map(collect);
      // Every hostile miner has a download hanging before the honest ones ask.
      await heldAtLeast(HOSTILE);
      const honestDone = Promise.all(honest.map(collect));
      const first = await Promise.race([honestDone.then(() => 'honest' as const), heldAtLeast(HOSTILE + 1).then(() => 'slots_taken' as const)]);
      expect(first).toBe('honest');
      // Still one hanging download per hostile miner, no more.
      expect(held.size).toBe(HOSTILE);
      for (const result of await honestDone) {
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        expect(result.value.candidates.map((c) => c.ai_score)).toEqual([expect.closeTo(0.2, 1), expect.closeTo(0.2, 1)]);
      }
      release();
      for (const result of await Promise.all(hostileDone)) {
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        // No verdict for a video that never arrived: skipped, checked again next cycle.
        expect(result.value.candidates).toEqual([]);
      }
    } finally {
      release();
    }
  });
});

describe('AI checks after a download ran to its deadline', () => {
  it("a miner's other videos wait for the next cycle: one deadline per miner per cycle, not one per listed video", async () => {
    const metrics = new TableMetrics();
    const m = await miner(300, (id) => `${drip.url}/${id}.mp4`, 5, metrics);
    const deps = makeDeps({ gists: m.gists, metricsProvider: metrics, aiDetector: shortDeadline, aiChecksPerMiner: 1 });
    const actor = new MinerActor({ uid: m.uid, hotkey: m.hotkey, deps, parent });
    const asked = (): string[] => drip.hits.filter((path) => path.startsWith(`/m${m.uid}v`));
    released = false;
    for (const [cycle, interval] of ['2026-01-01-00-00', '2026-01-01-02-00'].entries()) {
      const result = await actor.collect({ interval, commitment: { hotkey: m.hotkey, block: 1, value: 'u300:abc123' } });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      // The first video is asked for once (a timeout is not retried); the rest are not started.
      expect(asked()).toHaveLength(cycle + 1);
      expect(result.value.candidates).toEqual([]);
      expect(result.value.skipped.map((s) => s.reason)).toEqual(Array(5).fill('ai_unavailable'));
      expect(result.value.failures.map((f) => f.code).sort()).toEqual(['ERR_AI_DEFERRED', 'ERR_AI_DEFERRED', 'ERR_AI_DEFERRED', 'ERR_AI_DEFERRED', 'ERR_DOWNLOAD_TIMEOUT']);
    }
  });
});

describe('AI checks after a download deadline, under compat original', () => {
  it('every listed video is still asked for in the cycle, as the original asks its detector about each', async () => {
    const metrics = new TableMetrics();
    const m = await miner(301, (id) => `${drip.url}/${id}.mp4`, 3, metrics);
    const deps = makeDeps({ gists: m.gists, metricsProvider: metrics, aiDetector: shortDeadline, aiChecksPerMiner: 1, original: true });
    const actor = new MinerActor({ uid: m.uid, hotkey: m.hotkey, deps, parent });
    released = false;
    const result = await actor.collect({ interval: INTERVAL, commitment: { hotkey: m.hotkey, block: 1, value: 'u301:abc123' } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(drip.hits.filter((path) => path.startsWith(`/m${m.uid}v`))).toHaveLength(3);
    // The original records a failed detection as ai 0.0.
    expect(result.value.candidates.map((c) => c.ai_score)).toEqual([0, 0, 0]);
  });
});
