import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { publicSubscriberCount } from '../../../src/devnet/http/youtube-standin.js';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { PlatformTracker, YouTubeClient } from '../../../src/services/platform-tracker/index.js';
import { json, replayServer, type ReplayServer } from '../../helpers/replay-server.js';
import { EPOCH, content } from './helpers.js';

/**
 * What Google really sends, through the stand-in and through a replay of documented answers:
 * counts the owner hides are absent (not "0"), subscriber counts are rounded, and the error
 * bodies carry today's wording.
 */

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));

let standins: ServiceStandins | undefined;
let replay: ReplayServer | undefined;
const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await standins?.close();
  await replay?.close();
  standins = undefined;
  replay = undefined;
});

function client(baseUrl: string): YouTubeClient {
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const youtube = new YouTubeClient({ apiKey: 'k', baseUrl, dispatcher });
  closers.push(youtube, { close: () => dispatcher.close() });
  return youtube;
}

describe('YouTube stand-in answers as Google does', () => {
  it('omits likeCount when likes are hidden and commentCount when comments are off; the tracker reads them as 0', async () => {
    standins = await startServiceStandins({
      contents: [
        content('youtube/video', 'hiddenLikes', { owner_username: 'quietchannel' }),
        content('youtube/video', 'noComments1', { owner_username: 'quietchannel' }),
        content('youtube/video', 'plainVideo1', { owner_username: 'quietchannel' }),
      ],
      clock: new SimulatedClock(EPOCH),
      youtube: { hiddenLikes: ['hiddenLikes'], commentsDisabled: ['noComments1'] },
      aiStandins: false,
    });
    const youtube = client(standins.youtubeBaseUrl);
    const videos = new Map((await youtube.videos(['hiddenLikes', 'noComments1', 'plainVideo1'])).map((v) => [v.id, v.statistics]));
    expect(videos.get('hiddenLikes')).toEqual({ viewCount: '1000', commentCount: '10' });
    expect(videos.get('noComments1')).toEqual({ viewCount: '1000', likeCount: '100' });
    expect(videos.get('plainVideo1')).toEqual({ viewCount: '1000', likeCount: '100', commentCount: '10' });

    const tracker = new PlatformTracker({ youtube, windowMs: 1, now: () => standins!.clock.now() });
    closers.push(tracker);
    const answer = await tracker.getMetrics(['hiddenLikes', 'noComments1'].map((content_id) => ({ platform: 'youtube/video' as const, content_id })));
    expect(answer.errors).toEqual([]);
    const byId = new Map(answer.results.map((r) => [r.content_id, r]));
    expect(byId.get('hiddenLikes')).toMatchObject({ view_count: 1000, like_count: 0, comment_count: 10 });
    expect(byId.get('noComments1')).toMatchObject({ view_count: 1000, like_count: 100, comment_count: 0 });
  });

  it('reports subscriberCount rounded down to three significant figures, as channels.list does', async () => {
    expect([0, 999, 1000, 1234, 5000, 12_345, 123_456, 1_234_567, 98_765_432].map(publicSubscriberCount)).toEqual([
      0, 999, 1000, 1230, 5000, 12_300, 123_000, 1_230_000, 98_700_000,
    ]);
    standins = await startServiceStandins({
      contents: [content('youtube/video', 'roundedSubs', { base: { views: 10, likes: 1, comments: 0, followers: 123_456 } })],
      clock: new SimulatedClock(EPOCH),
      aiStandins: false,
    });
    const youtube = client(standins.youtubeBaseUrl);
    const tracker = new PlatformTracker({ youtube, windowMs: 1, now: () => standins!.clock.now() });
    closers.push(tracker);
    const answer = await tracker.getMetrics([{ platform: 'youtube/video', content_id: 'roundedSubs' }]);
    expect(answer.results[0]).toMatchObject({ owner_follower_count: 123_000 });
  });

  it('a request without a key gets the 403 Google sends today, which the client calls forbidden', async () => {
    standins = await startServiceStandins({ contents: [], aiStandins: false });
    const res = await fetch(`${standins.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=x`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(fixture('youtube/error-missing-key.json'));
  });
});

describe('YouTubeClient against replayed Google answers', () => {
  it('asks videos.list with part, id and key only: maxResults is documented as unsupported with id', async () => {
    replay = await replayServer([json(200, fixture('youtube/videos-list.json'))]);
    const videos = await client(replay.url).videos(['Ks-_Mh1QhMc']);
    expect(videos.map((v) => v.id)).toEqual(['Ks-_Mh1QhMc']);
    const query = new URL(replay.received[0]!.path, replay.url).searchParams;
    expect([...query.keys()].sort()).toEqual(['id', 'key', 'part']);
    expect(query.get('part')).toBe('snippet,statistics');
  });

  it('a real invalid-key answer, with its google.rpc.ErrorInfo details, is ERR_YOUTUBE_AUTH', async () => {
    const message = 'API key not valid. Please pass a valid API key.';
    replay = await replayServer([
      json(400, {
        error: {
          code: 400,
          message,
          errors: [{ message, domain: 'global', reason: 'badRequest' }],
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
              metadata: { service: 'youtube.googleapis.com' },
            },
          ],
        },
      }, { 'content-type': 'application/json; charset=UTF-8' }),
    ]);
    await expect(client(replay.url).videos(['Ks-_Mh1QhMc'])).rejects.toMatchObject({ code: 'ERR_YOUTUBE_AUTH', status: 400 });
  });

  it('the real missing-key answer is ERR_YOUTUBE_FORBIDDEN, not an auth error to fix in the key', async () => {
    replay = await replayServer([json(403, fixture('youtube/error-missing-key.json'))]);
    await expect(client(replay.url).videos(['Ks-_Mh1QhMc'])).rejects.toMatchObject({ code: 'ERR_YOUTUBE_FORBIDDEN', status: 403 });
  });
});

describe('YouTube per-minute rate limits (403 in the usageLimits domain)', () => {
  it('the stand-in answers an injected 403 as Google does, and the client calls it a retryable outage, not forbidden', async () => {
    standins = await startServiceStandins({ contents: [content('youtube/video', 'rateLimited')], clock: new SimulatedClock(EPOCH), aiStandins: false });
    standins.faults.youtube.failNext({ status: 403 });
    const youtube = client(standins.youtubeBaseUrl);
    const error = await youtube.videos(['rateLimited']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_YOUTUBE_UNAVAILABLE', status: 403, retryable: true });
    expect(youtube.quota.used).toBeLessThan(youtube.quota.dailyUnits);
    // The limit passes: the next call reads the video.
    expect((await youtube.videos(['rateLimited'])).map((v) => v.id)).toEqual(['rateLimited']);
  });

  it('a replayed userRateLimitExceeded is retryable too; a plain 403 forbidden stays non-retryable', async () => {
    const limited = 'Rate of requests for user exceed configured project quota.';
    replay = await replayServer([
      json(403, { error: { code: 403, message: limited, errors: [{ message: limited, domain: 'usageLimits', reason: 'userRateLimitExceeded' }] } }),
      json(403, fixture('youtube/error-missing-key.json')),
    ]);
    const youtube = client(replay.url);
    await expect(youtube.videos(['a'])).rejects.toMatchObject({ code: 'ERR_YOUTUBE_UNAVAILABLE', retryable: true });
    await expect(youtube.videos(['b'])).rejects.toMatchObject({ code: 'ERR_YOUTUBE_FORBIDDEN', retryable: false });
  });
});
