import { afterEach, describe, expect, it } from 'vitest';
import { QuotaExceededError, ServiceError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { YouTubeClient } from '../../../src/services/platform-tracker/index.js';
import { EPOCH, content, youtubeIds } from './helpers.js';

let standins: ServiceStandins | undefined;
const clients: YouTubeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await standins?.close();
  standins = undefined;
});

async function setup(n: number, opts: { dailyQuotaUnits?: number; standinQuota?: number; apiKeys?: string[] } = {}) {
  const ids = youtubeIds(n);
  standins = await startServiceStandins({
    contents: ids.map((id) => content('youtube/video', id, { owner_username: `chan${Number(id.slice(2)) % 7}` })),
    clock: new SimulatedClock(EPOCH),
    youtube: { dailyQuotaUnits: opts.standinQuota, apiKeys: opts.apiKeys },
    aiStandins: false,
  });
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  const client = new YouTubeClient({
    apiKey: 'test-key',
    baseUrl: standins.youtubeBaseUrl,
    dailyQuotaUnits: opts.dailyQuotaUnits,
    metrics,
    dispatcher: createServiceDispatcher({ retries: 2, minRetryDelayMs: 5 }),
  });
  clients.push(client);
  return { ids, client, metrics, standins };
}

describe('YouTubeClient', () => {
  it('fetches 120 videos in exactly 3 videos.list calls and charges 3 units', async () => {
    const { ids, client, metrics, standins } = await setup(120);
    const videos = await client.videos(ids);
    expect(videos).toHaveLength(120);
    expect(standins.stats.youtube.count('videos.list')).toBe(3);
    expect(client.quota.used).toBe(3);
    expect(await metrics.expose()).toMatch(/infinitevibe_external_quota_units_used\{service="youtube"\} 3/);
    const ids0 = standins.stats.youtube.calls.map((c) => c.path);
    expect(ids0.every((p) => p === '/youtube/v3/videos')).toBe(true);
  });

  it('reads channel subscriber counts 50 ids per call', async () => {
    const { ids, client, standins } = await setup(10);
    const videos = await client.videos(ids);
    const channelIds = [...new Set(videos.map((v) => v.snippet.channelId))];
    const channels = await client.channels(channelIds);
    expect(channels.map((c) => c.id).sort()).toEqual(channelIds.sort());
    expect(channels.every((c) => Number(c.statistics.subscriberCount) >= 5000)).toBe(true);
    expect(standins.stats.youtube.count('channels.list')).toBe(1);
  });

  it('refuses work over the daily budget with QuotaExceededError and makes no call', async () => {
    const { ids, client, standins } = await setup(120, { dailyQuotaUnits: 2 });
    const error = await client.videos(ids).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).code).toBe('ERR_QUOTA_EXCEEDED');
    expect((error as Error).message).toMatch(/needs 3 quota unit\(s\) but only 2 of 2 are left today/);
    expect(standins.stats.youtube.count()).toBe(0);
    // What fits still works, and then the budget is spent.
    await client.videos(ids.slice(0, 100));
    expect(standins.stats.youtube.count('videos.list')).toBe(2);
    await expect(client.videos(ids.slice(0, 1))).rejects.toBeInstanceOf(QuotaExceededError);
    expect(standins.stats.youtube.count()).toBe(2);
  });

  it("maps the API's 403 quotaExceeded to QuotaExceededError and stops calling", async () => {
    const { ids, client, standins } = await setup(5, { standinQuota: 1 });
    await client.videos(ids);
    await expect(client.videos(ids)).rejects.toBeInstanceOf(QuotaExceededError);
    expect(standins.stats.youtube.count()).toBe(2);
    await expect(client.videos(ids)).rejects.toBeInstanceOf(QuotaExceededError);
    expect(standins.stats.youtube.count()).toBe(2);
  });

  it('reports a rejected key as ERR_YOUTUBE_AUTH', async () => {
    const { ids, client } = await setup(2, { apiKeys: ['another-key'] });
    await expect(client.videos(ids)).rejects.toMatchObject({ code: 'ERR_YOUTUBE_AUTH', status: 400 });
  });

  it('retries a 429 after its Retry-After delay', async () => {
    const { ids, client, standins } = await setup(3);
    standins.faults.youtube.failNext({ status: 429, retryAfterSeconds: 1 });
    const videos = await client.videos(ids);
    expect(videos).toHaveLength(3);
    const calls = standins.stats.youtube.calls;
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx answers', async () => {
    const { ids, client, standins } = await setup(3);
    standins.faults.youtube.failNext({ status: 503 }, { status: 500 });
    await expect(client.videos(ids)).resolves.toHaveLength(3);
    expect(standins.stats.youtube.calls.map((c) => c.status)).toEqual([503, 500, 200]);
  });

  it('gives a retryable ServiceError when 5xx outlasts the retries', async () => {
    const { ids, client, standins } = await setup(3);
    standins.faults.youtube.failNext({ status: 503 }, { status: 503 }, { status: 503 });
    const error = await client.videos(ids).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: 'ERR_YOUTUBE_UNAVAILABLE', status: 503, retryable: true });
  });

  it('validates its options', () => {
    expect(() => new YouTubeClient({ apiKey: '' })).toThrow(/needs apiKey/);
    expect(() => new YouTubeClient({ apiKey: 'k', baseUrl: 'ftp://x' })).toThrow('options.baseUrl must be http(s), got ftp:');
    expect(() => new YouTubeClient({ apiKey: 'k', dailyQuotaUnits: 0 })).toThrow(/dailyUnits must be a positive integer/);
    expect(() => new YouTubeClient({ apiKey: 'k', concurrency: 0 })).toThrow(RangeError);
  });
});
