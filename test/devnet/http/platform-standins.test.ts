import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import { content } from '../../services/platform-tracker/helpers.js';

let s: ServiceStandins;
const dispatcher = createServiceDispatcher({ retries: 0 });
const get = (url: string) => callService({ service: 't', url, dispatcher });
const post = (url: string, json: unknown) => callService({ service: 't', url, json, dispatcher });

beforeAll(async () => {
  s = await startServiceStandins({
    contents: [content('youtube/video', 'vid00000001'), content('instagram/reel', 'ReelOne1')],
    clock: new SimulatedClock(Date.UTC(2026, 0, 1)),
    apify: { runDurationMs: 600_000 },
    aiStandins: false,
  });
});
afterAll(async () => {
  await s.close();
  await dispatcher.close();
});

describe('YouTube stand-in', () => {
  it('requires part, refuses more than 50 ids and unknown parts like Google', async () => {
    const noPart = await get(`${s.youtubeBaseUrl}/youtube/v3/videos?id=a&key=k`);
    expect(noPart.status).toBe(400);
    expect(noPart.json).toMatchObject({ error: { errors: [{ reason: 'required', location: 'part' }] } });
    const many = Array.from({ length: 51 }, (_, i) => `v${i}`).join(',');
    expect((await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=${many}&key=k`)).status).toBe(400);
    const unknownPart = await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=bogus&id=a&key=k`);
    expect(unknownPart.json).toMatchObject({ error: { errors: [{ reason: 'unknownPart' }] } });
    expect((await get(`${s.youtubeBaseUrl}/youtube/v3/search?part=snippet&key=k`)).status).toBe(404);
  });

  it('answers only the parts asked for, counts as strings, unknown ids omitted', async () => {
    const res = await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=statistics&id=vid00000001,nope&key=k`);
    const body = res.json as { items: Record<string, unknown>[] };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).not.toHaveProperty('snippet');
    expect(body.items[0]!['statistics']).toEqual({ viewCount: '1000', likeCount: '100', favoriteCount: '0', commentCount: '10' });
  });

  it('charges a unit for an invalid request too, as the quota guide says; a rejected key costs nothing', async () => {
    const before = s.youtube.quotaUsed();
    expect((await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=bogus&id=a&key=k`)).status).toBe(400);
    expect((await get(`${s.youtubeBaseUrl}/youtube/v3/videos?id=a&key=k`)).status).toBe(400);
    expect((await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=a`)).status).toBe(403);
    expect(s.youtube.quotaUsed() - before).toBe(2);
  });

  it('sends publishedAt in whole seconds, as Google does ("2012-10-01T15:27:35Z")', async () => {
    const res = await get(`${s.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=vid00000001&key=k`);
    const item = (res.json as { items: { snippet: { publishedAt: string } }[] }).items[0]!;
    expect(item.snippet.publishedAt).toBe('2025-12-31T12:00:00Z');
  });
});

describe('Apify stand-in', () => {
  it('keeps an async run RUNNING until done, then serves its dataset; waitForFinish holds the answer', async () => {
    const started = await post(`${s.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs?token=t`, { directUrls: ['https://www.instagram.com/reel/ReelOne1/'] });
    const run = (started.json as { data: { id: string; status: string; defaultDatasetId: string } }).data;
    expect(run.status).toBe('RUNNING');
    const early = await get(`${s.apifyBaseUrl}/v2/datasets/${run.defaultDatasetId}/items?token=t`);
    expect(early.json).toEqual([]);
    const waiting = get(`${s.apifyBaseUrl}/v2/actor-runs/${run.id}?token=t&waitForFinish=60`);
    setTimeout(() => s.apify.completeRuns(), 50);
    const done = await waiting;
    expect((done.json as { data: { status: string; usageTotalUsd: number } }).data).toMatchObject({ status: 'SUCCEEDED', usageTotalUsd: expect.any(Number) });
    const items = await get(`${s.apifyBaseUrl}/v2/datasets/${run.defaultDatasetId}/items?token=t`);
    expect(items.json).toEqual([expect.objectContaining({ shortCode: 'ReelOne1', videoPlayCount: 1000 })]);
    expect(items.headers['x-apify-pagination-total']).toBe('1');
  });

  it('accepts the token as a Bearer header too, and answers 404s in Apify form', async () => {
    const res = await callService({
      service: 't',
      url: `${s.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/run-sync-get-dataset-items`,
      json: { directUrls: [] },
      headers: { authorization: 'Bearer t' },
      dispatcher,
    });
    expect(res.status).toBe(201);
    // run-sync answers with the dataset-items pagination headers, as Apify's reference lists them.
    expect(res.headers['x-apify-pagination-total']).toBe('0');
    expect(res.headers['x-apify-pagination-offset']).toBe('0');
    expect((await get(`${s.apifyBaseUrl}/v2/actor-runs/nope?token=t`)).json).toEqual({ error: { type: 'record-not-found', message: 'Actor run was not found' } });
    expect((await get(`${s.apifyBaseUrl}/v2/whatever?token=t`)).status).toBe(404);
  });

  it('the timeout parameter is the run\'s own limit: work that outlasts it ends TIMED-OUT with the items pushed so far', async () => {
    const reels = ['ReelOne1', 'ReelTwo2', 'ReelThree', 'ReelFour4', 'ReelFive5'];
    const slow = await startServiceStandins({
      contents: reels.map((id) => content('instagram/reel', id)),
      clock: new SimulatedClock(Date.UTC(2026, 0, 1)),
      apify: { runDurationMs: 0, simulatedRunSeconds: (n) => 40 + 100 * n },
      aiStandins: false,
    });
    try {
      const input = { directUrls: reels.map((id) => `https://www.instagram.com/reel/${id}/`) };
      // 540 s of work: the sync endpoint gives up at 300 s (408) and the run stops at its timeout.
      const sync = await post(`${slow.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/run-sync-get-dataset-items?token=t&timeout=300`, input);
      expect(sync.status).toBe(408);
      const listed = await get(`${slow.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs?token=t`);
      const [run] = (listed.json as { data: { items: { status: string; defaultDatasetId: string }[] } }).data.items;
      expect(run).toMatchObject({ status: 'TIMED-OUT' });
      const pushed = await get(`${slow.apifyBaseUrl}/v2/datasets/${run!.defaultDatasetId}/items?token=t`);
      expect(pushed.json).toHaveLength(2);

      const capped = await post(`${slow.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs?token=t&timeout=60`, { directUrls: input.directUrls.slice(0, 1) });
      expect((capped.json as { data: unknown }).data).toMatchObject({ status: 'TIMED-OUT', options: { timeoutSecs: 60 }, isStatusMessageTerminal: true });
      const free = await post(`${slow.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs?token=t`, { directUrls: input.directUrls.slice(0, 1) });
      expect((free.json as { data: unknown }).data).toMatchObject({ status: 'SUCCEEDED', options: { timeoutSecs: 3600 } });
    } finally {
      await slow.close();
    }
  });

  it('a renamed Instagram account keeps its id in post and profile items; two accounts may trade names, never share one', async () => {
    const two = await startServiceStandins({
      contents: [content('instagram/reel', 'ReelOne1', { owner_username: 'ann' }), content('instagram/post', 'PostTwo2', { owner_username: 'bob' })],
      clock: new SimulatedClock(Date.UTC(2026, 0, 1)),
      apify: { runDurationMs: 0 },
      aiStandins: false,
    });
    try {
      const run = async (actor: string, input: unknown) => (await post(`${two.apifyBaseUrl}/v2/acts/${actor}/run-sync-get-dataset-items?token=t`, input)).json as Record<string, unknown>[];
      const owners = async () => (await run('RB9HEZitC8hIUXAha', { directUrls: ['https://www.instagram.com/reel/ReelOne1/', 'https://www.instagram.com/p/PostTwo2/'] })).map((i) => [i['ownerUsername'], i['ownerId']]);
      const profiles = async (usernames: string[]) => (await run('apify~instagram-profile-scraper', { usernames })).map((i) => [i['username'], i['id'] ?? i['error']]);
      const first = await owners();
      const ann = first[0]![1];
      const bob = first[1]![1];
      expect(ann).toMatch(/^\d+$/);
      expect(bob).not.toBe(ann);

      two.apify.renameAccounts({ ann: 'bob', bob: 'ann' });
      expect(await owners()).toEqual([['bob', ann], ['ann', bob]]);
      expect(await profiles(['ann', 'bob'])).toEqual([['ann', bob], ['bob', ann]]);
      two.apify.renameAccounts({ ann: 'ann_new' });
      expect(await profiles(['bob', 'ann_new', 'ann'])).toEqual([['bob', 'not_found'], ['ann_new', ann], ['ann', bob]]);

      expect(() => two.apify.renameAccounts({ bob: 'ann_new' })).toThrow(/two accounts would be named "ann_new"/);
      expect(() => two.apify.renameAccounts({ carol: 'c' })).toThrow(/no Instagram account "carol"/);
      expect(() => two.apify.renameAccounts({ ann: '' })).toThrow(/non-empty username/);
      // A refused call changes nothing.
      expect(await owners()).toEqual([['ann_new', ann], ['ann', bob]]);
    } finally {
      await two.close();
    }
  });
});
