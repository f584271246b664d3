import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { FaultInjector, SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { channelIdOf } from '../../../src/devnet/http/youtube-standin.js';
import { buildScenario, type Scenario } from '../../../src/devnet/scenario.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import { GistFetcher } from '../../../src/services/gist/index.js';
import { ApifyClient, PlatformTracker, YouTubeClient } from '../../../src/services/platform-tracker/index.js';

let scenario: Scenario;
let standins: ServiceStandins;
const dispatcher = createServiceDispatcher({ retries: 0 });
beforeAll(async () => {
  scenario = await buildScenario({ miners: 16 });
  standins = await startServiceStandins({ scenario });
});
afterAll(async () => {
  await standins.close();
  await dispatcher.close();
});

describe('startServiceStandins', () => {
  it('serves every base URL on loopback, starting the clock at the scenario epoch', () => {
    for (const url of [standins.youtubeBaseUrl, standins.apifyBaseUrl, standins.gistBaseUrl, standins.sightengineBaseUrl, standins.videoBaseUrl]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(new Set([standins.youtubeBaseUrl, standins.apifyBaseUrl, standins.gistBaseUrl]).size).toBe(3);
    expect(standins.clock.now()).toBe(scenario.epochMs);
  });

  it("serves each miner's gist (re-pointed at the video host) and 404 for dead gists", async () => {
    const fetcher = new GistFetcher({ baseUrl: standins.gistBaseUrl });
    try {
      const honest = scenario.miners.find((m) => m.kind === 'honest')!;
      const body = await fetcher.fetch({ githubUser: honest.githubUser, gistId: honest.gistId });
      const lines = body.trim().split('\n').map((l) => JSON.parse(l) as { content_id: string; direct_video_url: string });
      expect(lines.map((l) => l.content_id)).toEqual(honest.contents.map((c) => c.content_id));
      expect(lines.every((l) => l.direct_video_url.startsWith(standins.videoBaseUrl!))).toBe(true);
      const dead = scenario.miners.find((m) => m.kind === 'dead_gist')!;
      await expect(fetcher.fetch({ githubUser: dead.githubUser, gistId: dead.gistId })).rejects.toMatchObject({ reason: 'not_found' });
    } finally {
      await fetcher.close();
    }
  });

  it('answers every scenario video through the real clients, growing as the clock advances', async () => {
    const youtube = new YouTubeClient({ apiKey: 'any', baseUrl: standins.youtubeBaseUrl });
    const apify = new ApifyClient({ token: 'any', baseUrl: standins.apifyBaseUrl, pollIntervalMs: 5 });
    const tracker = new PlatformTracker({ youtube, apify, windowMs: 5 });
    try {
      const refs = scenario.contents.map((c) => ({ platform: c.platform, content_id: c.content_id }));
      const before = await tracker.getMetrics(refs);
      expect(before.errors).toEqual([]);
      expect(before.results).toHaveLength(refs.length);
      for (const m of before.results) {
        const c = scenario.contents.find((x) => x.content_id === m.content_id)!;
        expect(m.caption).toBe(c.caption);
        expect(m.view_count).toBe(Math.floor(c.base.views));
        // A YouTube video's owner is its channel's id, not the channel's name.
        expect(m.owner_username).toBe(c.platform === 'youtube/video' ? channelIdOf(c.owner_username) : c.owner_username);
      }
      standins.clock.advance(10 * 3_600_000);
      const after = await tracker.getMetrics(refs);
      const grown = after.results.filter((m) => m.view_count > before.results.find((b) => b.content_id === m.content_id)!.view_count);
      expect(grown.length).toBe(after.results.filter((m) => scenario.contents.find((c) => c.content_id === m.content_id)!.perHour.views >= 0.1).length);
      const ig = after.results.find((m) => m.platform !== 'youtube/video');
      if (ig) expect(ig.video_url).toMatch(new RegExp(`^${standins.videoBaseUrl}/videos/`));
    } finally {
      await tracker.close();
      await youtube.close();
      await apify.close();
    }
  });

  it('counts calls and injects latency and failures by rate', async () => {
    const isolated = await startServiceStandins({ scenario, failureRate: 1, aiStandins: false, clock: new SimulatedClock(0) });
    try {
      const res = await callService({ service: 't', url: `${isolated.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=x&key=k`, dispatcher });
      expect([429, 503]).toContain(res.status);
      expect(isolated.stats.youtube.count('videos.list')).toBe(1);
      isolated.faults.youtube.failureRate = 0;
      const ok = await callService({ service: 't', url: `${isolated.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=x&key=k`, dispatcher });
      expect(ok.status).toBe(200);
      expect(isolated.stats.youtube.calls.map((c) => c.status)).toEqual([res.status, 200]);
    } finally {
      await isolated.close();
    }
  });
});

describe('stand-in helpers', () => {
  it('SimulatedClock and FaultInjector validate their input', () => {
    const clock = new SimulatedClock(1000);
    expect(clock.advance(500)).toBe(1500);
    expect(() => clock.advance(-1)).toThrow(/non-negative/);
    expect(() => new FaultInjector({ failureRate: 2 })).toThrow(/failureRate must be within \[0, 1\]/);
    expect(() => new FaultInjector({ latencyMs: -5 })).toThrow(/latencyMs must be >= 0/);
    const faults = new FaultInjector({ failureRate: 0.5, seed: 7 });
    const a = Array.from({ length: 20 }, () => faults.next()?.status ?? 200);
    const again = new FaultInjector({ failureRate: 0.5, seed: 7 });
    expect(Array.from({ length: 20 }, () => again.next()?.status ?? 200)).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 429, 503]));
    const throttled = new FaultInjector({ failureRate: 1, retryAfterSeconds: 2, seed: 1 });
    const seen = Array.from({ length: 10 }, () => throttled.next()!);
    expect(seen.filter((f) => f.status === 429).every((f) => f.retryAfterSeconds === 2)).toBe(true);
    expect(() => new FaultInjector({ retryAfterSeconds: 1.5 })).toThrow(/retryAfterSeconds must be a non-negative integer/);
  });
});
