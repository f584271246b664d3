import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { youtubeIdOf } from '../../../src/devnet/http/apify-media-actors.js';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import { content } from '../../services/platform-tracker/helpers.js';

/*
 * The original platform tracker reads YouTube through Apify's YouTube scraper and asks the media
 * downloader for every video it tracks; the Apify stand-in runs both, from the same contents and
 * counts as the YouTube Data API stand-in, so the original can be pointed at the stand-ins too.
 */

let s: ServiceStandins;
const dispatcher = createServiceDispatcher({ retries: 0 });
const get = (url: string) => callService({ service: 't', url, dispatcher });
const post = (url: string, json: unknown) => callService({ service: 't', url, json, dispatcher });
const runSync = async (actor: string, input: unknown) => post(`${s.apifyBaseUrl}/v2/acts/${actor}/run-sync-get-dataset-items?token=t`, input);

beforeAll(async () => {
  s = await startServiceStandins({
    contents: [
      content('youtube/video', 'vidMedia001'),
      // The same channel, more subscribers by now: the channel's count is the one given.
      content('youtube/video', 'vidMedia002', { base: { views: 50, likes: 5, comments: 1, followers: 7000 } }),
      content('instagram/reel', 'ReelMedia1'),
    ],
    clock: new SimulatedClock(Date.UTC(2026, 0, 1)),
    aiStandins: true,
  });
});
afterAll(async () => {
  await s.close();
  await dispatcher.close();
});

describe('the YouTube scraper the original tracker runs', () => {
  it("gives a watch link's video with the fields the original reads, agreeing with the Data API stand-in", async () => {
    const res = await runSync('h7sDV53CddomktSi5', { maxResults: 1, startUrls: [{ url: 'https://www.youtube.com/watch?v=vidMedia001', method: 'GET' }] });
    expect(res.status).toBe(201);
    const [item] = res.json as Array<Record<string, unknown>>;
    const api = await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=snippet,statistics&id=vidMedia001&key=k`);
    const video = (api.json as { items: Array<{ snippet: Record<string, string>; statistics: Record<string, string> }> }).items[0]!;
    expect(item).toMatchObject({
      id: 'vidMedia001',
      title: video.snippet['title'],
      text: video.snippet['description'],
      viewCount: Number(video.statistics['viewCount']),
      likes: Number(video.statistics['likeCount']),
      commentsCount: Number(video.statistics['commentCount']),
      date: '2025-12-31T12:00:00.000Z',
      numberOfSubscribers: 7000,
      thumbnailUrl: expect.stringMatching(/^https:\/\/i\.ytimg\.com\/vi\/vidMedia001\//),
    });
  });

  it('gives no item for a video that is not there, and refuses input without startUrls', async () => {
    expect((await runSync('h7sDV53CddomktSi5', { startUrls: [{ url: 'https://www.youtube.com/watch?v=missing0001' }] })).json).toEqual([]);
    const refused = await runSync('h7sDV53CddomktSi5', { urls: ['x'] });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: { type: 'invalid-input' } });
  });
});

describe("the YouTube scraper's subscriber count is the Data API stand-in's", () => {
  // The original reads an owner's follower count from the scraper's numberOfSubscribers, this
  // validator from channels.list's subscriberCount; YouTube shows both rounded down to three
  // significant figures ("12.3K subscribers"). Were the stand-ins to give one route the exact
  // count, the two validators would divide the same likes by different follower counts, and
  // their engagement rates, hence their top five, would part.
  const followers = [999, 1234, 12_345, 987_654];
  const ids = followers.map((_, i) => `vidSubs000${i}`);
  const contents = followers.map((n, i) =>
    content('youtube/video', ids[i]!, { owner_username: `subs_owner_${i}`, base: { views: 10, likes: 1, comments: 1, followers: n }, perHour: { views: 0, likes: 0, comments: 0, followers: 0 } }),
  );

  async function bothRoutes(subscriberCounts?: 'rounded' | 'exact'): Promise<Array<[number, number]>> {
    const standins = await startServiceStandins({ contents, clock: new SimulatedClock(Date.UTC(2026, 0, 1)), ...(subscriberCounts ? { youtube: { subscriberCounts } } : {}) });
    try {
      const out: Array<[number, number]> = [];
      for (const id of ids) {
        const scraped = await post(`${standins.apifyBaseUrl}/v2/acts/h7sDV53CddomktSi5/run-sync-get-dataset-items?token=t`, { maxResults: 1, startUrls: [{ url: `https://www.youtube.com/watch?v=${id}`, method: 'GET' }] });
        const item = (scraped.json as Array<{ numberOfSubscribers: number }>)[0]!;
        const video = await get(`${standins.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=${id}&key=k`);
        const channelId = (video.json as { items: Array<{ snippet: { channelId: string } }> }).items[0]!.snippet.channelId;
        const channel = await get(`${standins.youtubeBaseUrl}/youtube/v3/channels?part=statistics&id=${channelId}&key=k`);
        const stats = (channel.json as { items: Array<{ statistics: { subscriberCount: string } }> }).items[0]!.statistics;
        out.push([item.numberOfSubscribers, Number(stats.subscriberCount)]);
      }
      return out;
    } finally {
      await standins.close();
    }
  }

  it('rounded down to three significant figures on both routes by default', async () => {
    expect(await bothRoutes()).toEqual([
      [999, 999],
      [1230, 1230],
      [12_300, 12_300],
      [987_000, 987_000],
    ]);
  });

  it('exact on both routes when the stand-ins are asked for exact counts', async () => {
    expect(await bothRoutes('exact')).toEqual(followers.map((n) => [n, n]));
  });
});

describe('the media downloader the original tracker runs', () => {
  it("links a known video's file on the video host, for YouTube and Instagram links alike", async () => {
    for (const link of ['https://www.youtube.com/watch?v=vidMedia002', 'https://www.instagram.com/reel/ReelMedia1']) {
      const [item] = (await runSync('iZbsVYT4VfdMxoIPL', { link, proxyConfiguration: { useApifyProxy: true, apifyProxyGroups: ['RESIDENTIAL'] } })).json as Array<{
        result: { medias: Array<{ url: string; type: string }> };
      }>;
      const video = item!.result.medias.find((m) => m.type === 'video')!;
      expect(video.url.startsWith(s.videoBaseUrl!)).toBe(true);
      expect((await get(video.url)).status).toBe(200);
    }
  });

  it('answers an unknown link with an item without a result, and refuses input without a link', async () => {
    const [item] = (await runSync('iZbsVYT4VfdMxoIPL', { link: 'https://www.instagram.com/p/Unknown1' })).json as Array<Record<string, unknown>>;
    expect(item).toMatchObject({ url: 'https://www.instagram.com/p/Unknown1', error: expect.any(String) });
    expect(item).not.toHaveProperty('result');
    expect((await runSync('iZbsVYT4VfdMxoIPL', {})).status).toBe(400);
  });
});

describe('youtubeIdOf', () => {
  it('reads watch, short and youtu.be links, and nothing else', () => {
    expect(youtubeIdOf('https://www.youtube.com/watch?v=abc_DEF-123')).toBe('abc_DEF-123');
    expect(youtubeIdOf('https://m.youtube.com/shorts/abc_DEF-123/')).toBe('abc_DEF-123');
    expect(youtubeIdOf('https://youtu.be/abc_DEF-123')).toBe('abc_DEF-123');
    expect(youtubeIdOf('https://www.youtube.com/channel/x')).toBeUndefined();
    expect(youtubeIdOf('https://example.com/watch?v=abc')).toBeUndefined();
    expect(youtubeIdOf('not a url')).toBeUndefined();
  });
});
