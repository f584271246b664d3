import { afterEach, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { channelIdOf } from '../../../src/devnet/http/youtube-standin.js';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient, PlatformTracker, YouTubeClient } from '../../../src/services/platform-tracker/index.js';
import type { ContentRef } from '../../../src/services/types.js';
import { EPOCH, content, instagramIds, youtubeIds } from './helpers.js';

let standins: ServiceStandins | undefined;
const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await standins?.close();
  standins = undefined;
});

async function setup(opts: { yt?: number; ig?: number; dailyQuotaUnits?: number; windowMs?: number } = {}) {
  const yt = youtubeIds(opts.yt ?? 0);
  const ig = instagramIds(opts.ig ?? 0);
  standins = await startServiceStandins({
    contents: [
      ...yt.map((id) => content('youtube/video', id, { caption: `yt ${id} description`, owner_username: 'tubechannel' })),
      ...ig.map((id, i) => content(i % 2 ? 'instagram/post' : 'instagram/reel', id, { caption: `ig ${id}`, owner_username: `creator${i % 3}` })),
    ],
    clock: new SimulatedClock(EPOCH),
    apify: { runDurationMs: 20 },
    aiStandins: false,
  });
  const dispatcher = createServiceDispatcher({ retries: 2, minRetryDelayMs: 5, retryMethods: ['GET', 'POST'] });
  const youtube = new YouTubeClient({ apiKey: 'k', baseUrl: standins.youtubeBaseUrl, dispatcher, dailyQuotaUnits: opts.dailyQuotaUnits });
  const apify = new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl, dispatcher, pollIntervalMs: 5 });
  const tracker = new PlatformTracker({ youtube, apify, windowMs: opts.windowMs ?? 20, now: () => standins!.clock.now() });
  closers.push(tracker, { close: () => dispatcher.close() });
  const ytRefs: ContentRef[] = yt.map((id) => ({ platform: 'youtube/video', content_id: id }));
  const igRefs: ContentRef[] = ig.map((id, i) => ({ platform: i % 2 ? 'instagram/post' : 'instagram/reel', content_id: id }));
  return { tracker, ytRefs, igRefs, standins };
}

describe('PlatformTracker', () => {
  it('coalesces concurrent single lookups from many actors into one batched call per platform', async () => {
    const { tracker, ytRefs, igRefs, standins } = await setup({ yt: 40, ig: 30 });
    const answers = await Promise.all([...ytRefs, ...igRefs].map((ref) => tracker.getMetrics([ref])));
    expect(answers.every((a) => a.results.length === 1 && a.errors.length === 0)).toBe(true);
    expect(standins.stats.youtube.count('videos.list')).toBe(1);
    expect(standins.stats.youtube.count('channels.list')).toBe(1);
    // One post-scraper run for all 30 URLs, one profile run for their owners.
    expect(standins.apify.runs.map((r) => [r.actorId, r.items])).toEqual([
      ['RB9HEZitC8hIUXAha', 30],
      ['apify~instagram-profile-scraper', 3],
    ]);
    expect(tracker.youtubeBatches.batches).toBe(1);
    expect(tracker.instagramBatches.batches).toBe(1);
  });

  it('a video asked for again while its lookup is in flight (another miner listing it) joins that lookup: one Apify run, one videos.list', async () => {
    const { tracker, ytRefs, igRefs, standins } = await setup({ yt: 1, ig: 1 });
    const first = tracker.getMetrics([...ytRefs, ...igRefs]);
    tracker.youtubeBatches.flush();
    tracker.instagramBatches.flush();
    // The first batches are on their way (an Apify run takes tens of seconds); more miners list
    // the same two videos.
    const more = Array.from({ length: 5 }, () => tracker.getMetrics([...ytRefs, ...igRefs]));
    tracker.youtubeBatches.flush();
    tracker.instagramBatches.flush();
    const answers = await Promise.all([first, ...more]);
    expect(answers.every((a) => a.results.length === 2 && a.errors.length === 0)).toBe(true);
    expect(standins.apify.runs.map((r) => [r.actorId, r.items])).toEqual([
      ['RB9HEZitC8hIUXAha', 1],
      ['apify~instagram-profile-scraper', 1],
    ]);
    expect(standins.stats.youtube.count('videos.list')).toBe(1);
    expect(tracker.instagramBatches.coalesced).toBe(5);
  });

  it('maps YouTube description to caption, the channel id to the owner and subscriberCount to its followers', async () => {
    const { tracker, ytRefs } = await setup({ yt: 1 });
    const { results } = await tracker.getMetrics(ytRefs);
    expect(results[0]).toEqual({
      platform: 'youtube/video',
      content_id: ytRefs[0]!.content_id,
      caption: `yt ${ytRefs[0]!.content_id} description`,
      view_count: 1000,
      like_count: 100,
      comment_count: 10,
      owner_username: channelIdOf('tubechannel'),
      owner_follower_count: 5000,
      published_at: '2025-12-31T12:00:00.000Z',
      video_url: null,
      fetched_at: new Date(EPOCH).toISOString(),
    });
  });

  it('maps Instagram videoPlayCount to view_count and videoUrl to video_url, growing with simulated time', async () => {
    const { tracker, igRefs, standins } = await setup({ ig: 2 });
    standins.clock.advance(2 * 3_600_000);
    const { results } = await tracker.getMetrics(igRefs);
    const reel = results.find((r) => r.platform === 'instagram/reel')!;
    expect(reel).toMatchObject({
      caption: `ig ${igRefs[0]!.content_id}`,
      view_count: 1120,
      like_count: 112,
      comment_count: 12,
      owner_username: 'creator0',
      owner_follower_count: 5004,
      video_url: expect.stringMatching(/\.mp4$/),
    });
    expect(results.find((r) => r.platform === 'instagram/post')).toBeDefined();
  });

  it('reports unknown content per item, not for the whole batch', async () => {
    const { tracker, ytRefs, igRefs } = await setup({ yt: 1, ig: 1 });
    const { results, errors } = await tracker.getMetrics([
      ...ytRefs,
      ...igRefs,
      { platform: 'youtube/video', content_id: 'nosuchvideo' },
      { platform: 'instagram/reel', content_id: 'nosuchreel' },
    ]);
    expect(results).toHaveLength(2);
    expect(errors.map((e) => [e.content_id, e.code, e.retryable]).sort()).toEqual([
      ['nosuchreel', 'ERR_CONTENT_NOT_FOUND', false],
      ['nosuchvideo', 'ERR_CONTENT_NOT_FOUND', false],
    ]);
  });

  it('turns an exhausted YouTube budget into per-item quota errors without calling', async () => {
    const { tracker, ytRefs, standins } = await setup({ yt: 3, dailyQuotaUnits: 1 });
    const { errors } = await tracker.getMetrics(ytRefs);
    expect(errors.map((e) => e.code)).toEqual(['ERR_QUOTA_EXCEEDED', 'ERR_QUOTA_EXCEEDED', 'ERR_QUOTA_EXCEEDED']);
    // videos.list took the only unit; channels.list was refused before calling.
    expect(standins.stats.youtube.count('videos.list')).toBe(1);
    expect(standins.stats.youtube.count('channels.list')).toBe(0);
  });

  it('lets one caller give up while the shared batch still serves the others', async () => {
    const { tracker, ytRefs, standins } = await setup({ yt: 2 });
    standins.faults.youtube.latencyMs = 300;
    const controller = new AbortController();
    const quitter = tracker.getMetrics([ytRefs[0]!], { signal: controller.signal });
    const stayer = tracker.getMetrics([ytRefs[1]!]);
    setTimeout(() => controller.abort(new Error('actor stopped')), 30);
    await expect(quitter).rejects.toThrow('actor stopped');
    const { results } = await stayer;
    expect(results.map((r) => r.content_id)).toEqual([ytRefs[1]!.content_id]);
    expect(standins.stats.youtube.count('videos.list')).toBe(1);
  });

  it('says which platform is not configured', async () => {
    const tracker = new PlatformTracker({});
    const { errors } = await tracker.getMetrics([{ platform: 'instagram/reel', content_id: 'abc' }]);
    expect(errors[0]).toMatchObject({ code: 'ERR_PLATFORM_UNAVAILABLE', message: expect.stringMatching(/apify\.api_key/) });
  });

  it('rejects malformed items with a precise TypeError', async () => {
    const tracker = new PlatformTracker({});
    await expect(tracker.getMetrics([{ platform: 'tiktok/video' as never, content_id: 'x' }])).rejects.toThrow(/items\[0\]\.platform must be one of/);
    await expect(tracker.getMetrics([{ platform: 'youtube/video', content_id: 'a/b' }])).rejects.toThrow(/items\[0\]\.content_id must be 1-64 characters/);
  });
});
