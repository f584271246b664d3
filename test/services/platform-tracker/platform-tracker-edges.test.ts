import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient, PlatformTracker, YouTubeClient } from '../../../src/services/platform-tracker/index.js';
import { json, routeServer, type CannedAnswer, type ReceivedRequest, type ReplayServer } from '../../helpers/replay-server.js';

const NOW = Date.UTC(2026, 0, 2);
const servers: ReplayServer[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function upstream(route: (req: ReceivedRequest) => CannedAnswer): Promise<ReplayServer> {
  const server = await routeServer(route);
  servers.push(server);
  return server;
}

function post(shortCode: string, owner: string, over: Record<string, unknown> = {}) {
  return {
    shortCode,
    url: `https://www.instagram.com/p/${shortCode}/`,
    type: 'Video',
    caption: `caption ${shortCode}`,
    commentsCount: 3,
    dimensionsHeight: 1920,
    dimensionsWidth: 1080,
    displayUrl: `https://cdn.example/${shortCode}.jpg`,
    firstComment: '',
    isCommentsDisabled: false,
    productType: 'clips',
    likesCount: 10,
    videoPlayCount: 100,
    videoViewCount: 120,
    videoDuration: 12.5,
    ownerUsername: owner,
    timestamp: '2025-12-31T00:00:00.000Z',
    videoUrl: `https://cdn.example/${shortCode}.mp4`,
    ...over,
  };
}

/** A tracker over an Apify upstream whose post and profile actors answer the given items (or statuses). */
async function instagramTracker(posts: CannedAnswer, profiles: CannedAnswer) {
  const apifyServer = await upstream((r) => {
    if (r.path.includes('/run-sync-get-dataset-items')) return r.path.includes('profile-scraper') ? profiles : posts;
    return json(404, { error: { type: 'record-not-found', message: 'no runs' } });
  });
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const apify = new ApifyClient({ token: 't', baseUrl: apifyServer.url, dispatcher });
  const warnings: Array<{ msg: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  const tracker = new PlatformTracker({ apify, windowMs: 1, now: () => NOW, logger });
  closers.push(tracker, { close: () => dispatcher.close() });
  return { tracker, warnings, apifyServer };
}

describe('PlatformTracker: Instagram scraper output', () => {
  it('maps each input to a result or its own error: scraper errors, missing posts, items the original refuses, odd items', async () => {
    const { tracker, warnings } = await instagramTracker(
      json(201, [
        post('AAA', 'alice', { videoUrl: undefined, likesCount: -1 }),
        { error: 'not_found', errorDescription: 'Post is private', inputUrl: 'https://www.instagram.com/reel/BBB/' },
        { error: 'restricted_page', url: 'https://www.instagram.com/p/CCC/' },
        { error: 'no_url_at_all' },
        { something: 'else' },
        post('DDD', 'nofollow'),
        post('FFF', 'alice', { type: 'Image', caption: null, videoPlayCount: null, videoViewCount: null, videoDuration: null }),
        post('GGG', 'alice', { videoPlayCount: null }),
      ]),
      json(201, [{ username: 'alice', followersCount: 500 }, { username: 'broken', followersCount: -4 }]),
    );
    const { results, errors } = await tracker.getMetrics([
      { platform: 'instagram/post', content_id: 'AAA' },
      { platform: 'instagram/reel', content_id: 'BBB' },
      { platform: 'instagram/post', content_id: 'CCC' },
      { platform: 'instagram/post', content_id: 'DDD' },
      { platform: 'instagram/post', content_id: 'EEE' },
      { platform: 'instagram/post', content_id: 'FFF' },
      { platform: 'instagram/reel', content_id: 'GGG' },
      { platform: 'instagram/post', content_id: 'AAA' },
    ]);
    const common = { comment_count: 3, published_at: '2025-12-31T00:00:00.000Z', fetched_at: new Date(NOW).toISOString() };
    expect(results).toEqual([
      // Hidden likes stay -1, as the original sums them.
      { platform: 'instagram/post', content_id: 'AAA', caption: 'caption AAA', view_count: 100, like_count: -1, owner_username: 'alice', owner_follower_count: 500, video_url: null, ...common },
      // No follower count: recorded with 0, as the original records it (a 0 moves no rate).
      { platform: 'instagram/post', content_id: 'DDD', caption: 'caption DDD', view_count: 100, like_count: 10, owner_username: 'nofollow', owner_follower_count: 0, video_url: 'https://cdn.example/DDD.mp4', ...common },
    ]);
    expect(errors).toEqual([
      { platform: 'instagram/reel', content_id: 'BBB', code: 'ERR_CONTENT_NOT_FOUND', message: 'platform_tracker: instagram/reel BBB: Post is private', retryable: false },
      { platform: 'instagram/post', content_id: 'CCC', code: 'ERR_CONTENT_NOT_FOUND', message: 'platform_tracker: instagram/post CCC: restricted_page', retryable: false },
      { platform: 'instagram/post', content_id: 'EEE', code: 'ERR_CONTENT_NOT_FOUND', message: 'platform_tracker: instagram/post EEE: not in the scraper output', retryable: false },
      {
        platform: 'instagram/post',
        content_id: 'FFF',
        code: 'ERR_CONTENT_INCOMPLETE',
        message: 'platform_tracker: instagram/post FFF: the scraper gave no caption, videoDuration, videoPlayCount, videoViewCount (an image or carousel post has no play counts)',
        retryable: false,
      },
      {
        platform: 'instagram/reel',
        content_id: 'GGG',
        code: 'ERR_CONTENT_INCOMPLETE',
        message: 'platform_tracker: instagram/reel GGG: the scraper gave no videoPlayCount (an image or carousel post has no play counts)',
        retryable: false,
      },
    ]);
    // The error item without a URL and the unknown item are skipped with a warning each; the
    // missing follower count is one warning for the batch.
    expect(warnings.map((w) => w.msg)).toEqual([
      'instagram item with an unexpected shape skipped',
      'instagram item with an unexpected shape skipped',
      'instagram follower counts unavailable; recorded as 0',
    ]);
  });

  it('a post answered twice with different counts is neither copy (retryable); a profile answered twice differently counts 0 followers', async () => {
    const { tracker } = await instagramTracker(
      json(201, [post('AAA', 'alice'), post('AAA', 'alice', { videoPlayCount: 999_999 }), post('BBB', 'alice'), post('BBB', 'alice'), post('ZZZ', 'mallory', { videoPlayCount: 'x' })]),
      json(201, [{ username: 'alice', followersCount: 500 }, { username: 'alice', followersCount: 9_000_000 }]),
    );
    const { results, errors } = await tracker.getMetrics([
      { platform: 'instagram/post', content_id: 'AAA' },
      { platform: 'instagram/post', content_id: 'BBB' },
    ]);
    expect(results).toEqual([expect.objectContaining({ content_id: 'BBB', view_count: 100, owner_follower_count: 0 })]);
    expect(errors).toEqual([
      expect.objectContaining({ content_id: 'AAA', code: 'ERR_INSTAGRAM_AMBIGUOUS', retryable: true, message: expect.stringContaining('more than once with different values') }),
    ]);
  });

  it('a failed profile run records every post with 0 followers, as the original does, and says why once', async () => {
    const { tracker, warnings } = await instagramTracker(
      json(201, [post('AAA', 'alice'), post('BBB', 'bob')]),
      json(401, { error: { type: 'token-not-valid', message: 'bad token' } }),
    );
    const { results, errors } = await tracker.getMetrics([
      { platform: 'instagram/reel', content_id: 'AAA' },
      { platform: 'instagram/reel', content_id: 'BBB' },
    ]);
    expect(errors).toEqual([]);
    expect(results.map((r) => [r.content_id, r.view_count, r.owner_follower_count])).toEqual([
      ['AAA', 100, 0],
      ['BBB', 100, 0],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'instagram follower counts unavailable; recorded as 0', owners: ['alice', 'bob'], count: 2 });
    expect(JSON.stringify(warnings[0])).toContain('bad token');
  });

  it('a failed post run is every item’s error, and no profile run is made', async () => {
    const { tracker, apifyServer } = await instagramTracker(json(402, { error: { type: 'x', message: 'pay' } }), json(201, []));
    const { errors } = await tracker.getMetrics([
      { platform: 'instagram/post', content_id: 'AAA' },
      { platform: 'instagram/post', content_id: 'BBB' },
    ]);
    expect(errors.map((e) => [e.content_id, e.code, e.retryable])).toEqual([
      ['AAA', 'ERR_QUOTA_EXCEEDED', false],
      ['BBB', 'ERR_QUOTA_EXCEEDED', false],
    ]);
    expect(apifyServer.received.filter((r) => r.path.includes('profile-scraper'))).toHaveLength(0);
  });

  it('sends reel and post URLs in the scraper’s input', async () => {
    const { tracker, apifyServer } = await instagramTracker(json(201, []), json(201, []));
    await tracker.getMetrics([
      { platform: 'instagram/reel', content_id: 'R1' },
      { platform: 'instagram/post', content_id: 'P1' },
    ]);
    const sent = JSON.parse(apifyServer.received[0]!.body) as { directUrls: string[] };
    expect(sent.directUrls.sort()).toEqual(['https://www.instagram.com/p/P1/', 'https://www.instagram.com/reel/R1/']);
  });
});

describe('PlatformTracker: YouTube answers with hidden counts', () => {
  async function youtubeTracker(videos: unknown[], channels: unknown[]) {
    const server = await upstream((r) =>
      r.path.startsWith('/youtube/v3/videos?')
        ? json(200, { kind: 'youtube#videoListResponse', items: videos })
        : json(200, { kind: 'youtube#channelListResponse', items: channels }),
    );
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const youtube = new YouTubeClient({ apiKey: 'k', baseUrl: server.url, dispatcher });
    const tracker = new PlatformTracker({ youtube, windowMs: 1, now: () => NOW });
    closers.push(tracker, { close: () => dispatcher.close() });
    return { tracker, server };
  }

  it('the owner is the channel id, not its title: two channels of one title are two accounts', async () => {
    const video = (id: string, channelId: string) => ({
      kind: 'youtube#video',
      id,
      snippet: { publishedAt: '2025-12-30T10:00:00Z', channelId, channelTitle: 'Same Title', title: 't', description: 'd' },
      statistics: { viewCount: '1' },
    });
    const { tracker } = await youtubeTracker(
      [video('vid0000000a', 'UCsmall'), video('vid0000000b', 'UCbig')],
      [
        { kind: 'youtube#channel', id: 'UCsmall', statistics: { subscriberCount: '1000' } },
        { kind: 'youtube#channel', id: 'UCbig', statistics: { subscriberCount: '900000' } },
      ],
    );
    const { results, errors } = await tracker.getMetrics([
      { platform: 'youtube/video', content_id: 'vid0000000a' },
      { platform: 'youtube/video', content_id: 'vid0000000b' },
    ]);
    expect(errors).toEqual([]);
    const owners = new Map(results.map((r) => [r.content_id, [r.owner_username, r.owner_follower_count]]));
    expect(owners).toEqual(
      new Map([
        ['vid0000000a', ['UCsmall', 1000]],
        ['vid0000000b', ['UCbig', 900000]],
      ]),
    );
  });

  it('missing counts are 0, the owner is the channel id, an unknown channel has 0 followers', async () => {
    const { tracker } = await youtubeTracker(
      [
        {
          kind: 'youtube#video',
          id: 'vid00000001',
          snippet: { publishedAt: '2025-12-30T10:00:00Z', channelId: 'UCx', title: 't', description: 'd' },
          statistics: {},
        },
      ],
      [],
    );
    const { results, errors } = await tracker.getMetrics([{ platform: 'youtube/video', content_id: 'vid00000001' }]);
    expect(errors).toEqual([]);
    expect(results[0]).toMatchObject({
      caption: 'd',
      view_count: 0,
      like_count: 0,
      comment_count: 0,
      owner_username: 'UCx',
      owner_follower_count: 0,
      published_at: '2025-12-30T10:00:00.000Z',
      video_url: null,
    });
  });

  it('when no video is found, channels are not asked for', async () => {
    const { tracker, server } = await youtubeTracker([], []);
    const { errors } = await tracker.getMetrics([{ platform: 'youtube/video', content_id: 'gone0000001' }]);
    expect(errors[0]).toMatchObject({ code: 'ERR_CONTENT_NOT_FOUND', message: expect.stringContaining('no such public video') });
    expect(server.received.map((r) => r.path.split('?')[0])).toEqual(['/youtube/v3/videos']);
  });
});

describe('PlatformTracker: input and configuration', () => {
  it('lists only the configured platforms', async () => {
    expect(new PlatformTracker().supportedPlatforms()).toEqual({});
    const youtube = new YouTubeClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
    const apify = new ApifyClient({ token: 't', baseUrl: 'http://127.0.0.1:9' });
    expect(new PlatformTracker({ youtube, apify }).supportedPlatforms()).toEqual({
      youtube: { supported_content_types: ['video'] },
      instagram: { supported_content_types: ['post', 'reel'] },
    });
    await apify.close();
    await youtube.close();
  });

  it('reports an unconfigured YouTube per item', async () => {
    const { errors } = await new PlatformTracker().getMetrics([{ platform: 'youtube/video', content_id: 'abc' }]);
    expect(errors).toEqual([
      { platform: 'youtube/video', content_id: 'abc', code: 'ERR_PLATFORM_UNAVAILABLE', message: 'platform_tracker: youtube is not configured (set youtube.api_key)', retryable: false },
    ]);
  });

  it('rejects a non-array, a null item and a non-string id precisely', async () => {
    const tracker = new PlatformTracker();
    await expect(tracker.getMetrics('abc' as never)).rejects.toThrow(new TypeError('getMetrics takes an array of {platform, content_id}'));
    await expect(tracker.getMetrics([null as never])).rejects.toThrow(/^items\[0\]\.platform must be one of .*, got undefined$/);
    await expect(tracker.getMetrics([{ platform: 'youtube/video', content_id: 7 as never }])).rejects.toThrow(
      new TypeError('items[0].content_id must be 1-64 characters of [A-Za-z0-9_-], got 7'),
    );
  });

  it('an already aborted signal rejects with its reason before any lookup', async () => {
    const reason = new Error('gone');
    await expect(new PlatformTracker().getMetrics([], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
