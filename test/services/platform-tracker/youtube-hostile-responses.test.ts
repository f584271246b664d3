import { afterEach, describe, expect, it } from 'vitest';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { PlatformTracker, YouTubeClient } from '../../../src/services/platform-tracker/index.js';
import type { ContentRef } from '../../../src/services/types.js';
import { json, routeServer, type CannedAnswer, type ReplayServer } from '../../helpers/replay-server.js';

/**
 * YouTube Data API answers the tracker must not take on trust: items for ids nobody asked for,
 * one id answered twice, malformed items next to good ones, counts no platform reports, bodies
 * that are not the API's JSON at all. Served raw by a local server.
 */

const servers: ReplayServer[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const A: ContentRef = { platform: 'youtube/video', content_id: 'vidAAAAAAAA' };
const B: ContentRef = { platform: 'youtube/video', content_id: 'vidBBBBBBBB' };

function video(id: string, statistics: Record<string, unknown> = { viewCount: '10' }, channelId = 'UCgood') {
  return { kind: 'youtube#video', id, snippet: { publishedAt: '2025-12-30T10:00:00Z', channelId, title: 't', description: `d ${id}` }, statistics };
}
const videoList = (items: unknown[]): CannedAnswer => json(200, { kind: 'youtube#videoListResponse', items });
const channelList = (items: unknown[]): CannedAnswer => json(200, { kind: 'youtube#channelListResponse', items });
const channel = (id: string, subscriberCount: unknown) => ({ kind: 'youtube#channel', id, statistics: { subscriberCount } });

async function tracker(videos: CannedAnswer, channels: CannedAnswer = channelList([channel('UCgood', '500')])) {
  const server = await routeServer((r) => (r.path.startsWith('/youtube/v3/videos?') ? videos : channels));
  servers.push(server);
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const youtube = new YouTubeClient({ apiKey: 'k', baseUrl: server.url, dispatcher });
  const t = new PlatformTracker({ youtube, windowMs: 1 });
  closers.push(t, { close: () => dispatcher.close() });
  return t;
}

describe('YouTube answers the tracker does not trust', () => {
  it('an answer past 8 MiB is refused before it is parsed (empty objects held twenty times their size); the largest real one is read', async () => {
    const spam: CannedAnswer = { status: 200, body: `{"kind":"youtube#videoListResponse","items":[${'{},'.repeat(3_000_000)}{}]}` };
    const refused = await tracker(spam);
    expect((await refused.getMetrics([A])).errors).toEqual([expect.objectContaining({ content_id: A.content_id, code: 'ERR_SERVICE_RESPONSE_TOO_LARGE' })]);
    // Fifty videos with the longest description, in three-byte characters, and its localized copy.
    const long = '語'.repeat(5_000);
    const ids = Array.from({ length: 50 }, (_, i) => `vid${String(i).padStart(8, '0')}`);
    const items = ids.map((id) => {
      const v = video(id);
      return { ...v, snippet: { ...v.snippet, title: '語'.repeat(100), description: long, localized: { title: '語'.repeat(100), description: long }, tags: ['語'.repeat(500)] } };
    });
    const full = await tracker(videoList(items));
    const { results, errors } = await full.getMetrics(ids.map((content_id) => ({ platform: 'youtube/video', content_id })));
    expect(errors).toEqual([]);
    expect(results).toHaveLength(50);
  });

  it('a malformed item for an id nobody asked for is ignored; the requested videos still count', async () => {
    const t = await tracker(videoList([video(A.content_id), video('someoneElse', { viewCount: '-1' }), 'junk', null]));
    const { results, errors } = await t.getMetrics([A]);
    expect(errors).toEqual([]);
    expect(results).toEqual([expect.objectContaining({ content_id: A.content_id, view_count: 10, owner_follower_count: 500 })]);
  });

  it('a malformed item is that video’s own non-retryable error; the other video in the batch counts', async () => {
    const t = await tracker(videoList([video(A.content_id, { viewCount: 'lots' }), video(B.content_id)]));
    const { results, errors } = await t.getMetrics([A, B]);
    expect(results.map((r) => r.content_id)).toEqual([B.content_id]);
    expect(errors).toEqual([expect.objectContaining({ content_id: A.content_id, code: 'ERR_CONTENT_INVALID', retryable: false })]);
    expect(errors[0]!.message).toMatch(/statistics\.viewCount/);
  });

  it.each([
    ['likeCount', '9'.repeat(400)],
    ['commentCount', '99999999999999999999'],
  ])('%s beyond 2^53 is refused for that video instead of stored as Infinity or rounded', async (field, value) => {
    const t = await tracker(videoList([video(A.content_id, { viewCount: '10', [field]: value }), video(B.content_id)]));
    const { results, errors } = await t.getMetrics([A, B]);
    expect(results.map((r) => r.content_id)).toEqual([B.content_id]);
    expect(errors).toEqual([expect.objectContaining({ content_id: A.content_id, code: 'ERR_CONTENT_INVALID', retryable: false })]);
    expect(errors[0]!.message).toContain(`statistics.${field}`);
  });

  it('one id answered twice with different numbers is neither copy: a retryable ambiguity', async () => {
    const t = await tracker(videoList([video(A.content_id, { viewCount: '10' }), video(A.content_id, { viewCount: '99999' }), video(B.content_id)]));
    const { results, errors } = await t.getMetrics([A, B]);
    expect(results.map((r) => r.content_id)).toEqual([B.content_id]);
    expect(errors).toEqual([expect.objectContaining({ content_id: A.content_id, code: 'ERR_YOUTUBE_AMBIGUOUS', retryable: true })]);
  });

  it('one id answered twice identically is that one video', async () => {
    const t = await tracker(videoList([video(A.content_id), video(A.content_id)]));
    const { results, errors } = await t.getMetrics([A]);
    expect(errors).toEqual([]);
    expect(results).toHaveLength(1);
  });

  it.each([
    ['an HTML page', { status: 200, body: '<html>captive portal</html>', headers: { 'content-type': 'text/html' } }],
    ['JSON of another kind', json(200, { kind: 'youtube#searchListResponse', items: [] })],
    ['items that are not an array', json(200, { kind: 'youtube#videoListResponse', items: { 0: 'x' } })],
    ['an empty body', { status: 200, body: '' }],
  ])('%s instead of a video list is a retryable protocol error for each video, with no ZodError dump', async (_, answer) => {
    const t = await tracker(answer as CannedAnswer);
    const { results, errors } = await t.getMetrics([A, B]);
    expect(results).toEqual([]);
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(e).toMatchObject({ code: 'ERR_YOUTUBE_PROTOCOL', retryable: true });
      expect(e.message).toMatch(/^youtube: videos\.list answered 200 with /);
      expect(e.message.length).toBeLessThan(400);
    }
  });

  it.each([
    ['a subscriber count beyond 2^53', [channel('UCgood', '1' + '0'.repeat(30))]],
    ['a negative subscriber count', [channel('UCgood', '-5')]],
    ['two different answers for the channel', [channel('UCgood', '5'), channel('UCgood', '6')]],
  ])('%s reads as an unknown follower count (0), as an unknown channel does', async (_, channels) => {
    const t = await tracker(videoList([video(A.content_id)]), channelList(channels));
    const { results, errors } = await t.getMetrics([A]);
    expect(errors).toEqual([]);
    expect(results[0]).toMatchObject({ owner_follower_count: 0 });
  });

  it('a channel list that is not the API’s JSON fails the batch with a protocol error', async () => {
    const t = await tracker(videoList([video(A.content_id)]), { status: 200, body: 'nope' });
    const { errors } = await t.getMetrics([A]);
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_YOUTUBE_PROTOCOL', retryable: true })]);
    expect(errors[0]!.message).toMatch(/^youtube: channels\.list answered 200 with /);
  });

  it('an error of a megabyte with thousands of reasons is cut to one line', async () => {
    const reasons = Array.from({ length: 5000 }, (_, i) => ({ message: 'm', domain: 'd', reason: `r${i}\n` }));
    const t = await tracker(json(400, { error: { code: 400, message: `line one\nline two ${'y'.repeat(1_000_000)}`, errors: reasons } }));
    const { errors } = await t.getMetrics([A]);
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_YOUTUBE_BAD_REQUEST' })]);
    expect(errors[0]!.message).toMatch(/^youtube: videos\.list answered 400 \(r0 , r1 , r2 , r3 , r4 {2}and 4995 more\): line one line two y+…$/);
    expect(errors[0]!.message.length).toBeLessThan(350);
  });
});
