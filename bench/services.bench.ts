/**
 * Upstream requests per 1,000 submissions: the batched platform tracker (coalesced lookups, 50
 * YouTube ids per videos.list, one Apify run per Instagram batch) against one lookup per video
 * (what the original does: a run or a call per video), both through the same clients against
 * the loopback stand-ins. Prints request counts, the ratio, and lookups per second.
 */
import { startServiceStandins } from '../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../src/devnet/http/standin-server.js';
import type { ScenarioContent } from '../src/devnet/scenario.js';
import { ApifyClient, PlatformTracker, YouTubeClient } from '../src/services/platform-tracker/index.js';
import type { ContentRef } from '../src/services/types.js';

const SUBMISSIONS = 1000;
const OWNERS = 200; // five submissions per miner, as the original processes

function contents(): ScenarioContent[] {
  return Array.from({ length: SUBMISSIONS }, (_, i) => {
    const platform: ScenarioContent['platform'] = i % 2 === 0 ? 'youtube/video' : i % 4 === 1 ? 'instagram/reel' : 'instagram/post';
    const id = `${platform === 'youtube/video' ? 'yt' : 'ig'}${String(i).padStart(9, '0')}`;
    return {
      platform,
      content_id: id,
      caption: `clip ${id}`,
      owner_username: `owner${i % OWNERS}`,
      published_at: '2025-12-31T00:00:00.000Z',
      base: { views: 1000 + i, likes: 100, comments: 10, followers: 5000 },
      perHour: { views: 50, likes: 5, comments: 1, followers: 1 },
      ai_score: 0.8,
      video_path: `/videos/${id}.mp4`,
    };
  });
}

async function measure(mode: 'batched' | 'per-video'): Promise<{ requests: number; youtube: number; apify: number; seconds: number; errors: number; usd: number; units: number }> {
  const all = contents();
  const standins = await startServiceStandins({ contents: all, clock: new SimulatedClock(Date.UTC(2026, 0, 1)), apify: { runDurationMs: 0 }, aiStandins: false });
  const youtube = new YouTubeClient({ apiKey: 'bench', baseUrl: standins.youtubeBaseUrl, dailyQuotaUnits: 100_000 });
  const apify = new ApifyClient({ token: 'bench', baseUrl: standins.apifyBaseUrl, pollIntervalMs: 0 });
  const tracker =
    mode === 'batched'
      ? new PlatformTracker({ youtube, apify, windowMs: 20 })
      : new PlatformTracker({ youtube, apify, windowMs: 0, maxBatch: { youtube: 1, instagram: 1 } });
  const refs: ContentRef[] = all.map((c) => ({ platform: c.platform, content_id: c.content_id }));
  const started = performance.now();
  // Each submission is looked up on its own, as miner actors do.
  const answers = await Promise.all(refs.map((ref) => tracker.getMetrics([ref])));
  const seconds = (performance.now() - started) / 1000;
  const errors = answers.reduce((n, a) => n + a.errors.length, 0);
  const result = {
    requests: standins.stats.youtube.count() + standins.stats.apify.count(),
    youtube: standins.stats.youtube.count(),
    apify: standins.stats.apify.count(),
    seconds,
    errors,
    usd: apify.spentUsd,
    units: youtube.quota.used,
  };
  await tracker.close();
  await youtube.close();
  await apify.close();
  await standins.close();
  return result;
}

export default async function bench(): Promise<void> {
  const batched = await measure('batched');
  const single = await measure('per-video');
  const line = (name: string, r: Awaited<ReturnType<typeof measure>>) =>
    `${name.padEnd(10)} ${String(r.requests).padStart(5)} upstream requests per ${SUBMISSIONS} submissions ` +
    `(youtube ${r.youtube}, apify ${r.apify}), ${r.units} YouTube units, $${r.usd.toFixed(2)} Apify (stand-in prices), ` +
    `${Math.round(SUBMISSIONS / r.seconds)} lookups/s, ${r.errors} errors\n`;
  process.stdout.write(line('batched', batched));
  process.stdout.write(line('per-video', single));
  process.stdout.write(`ratio      ${(single.requests / batched.requests).toFixed(1)}x fewer requests with batching (target >= 25x)\n`);
}
