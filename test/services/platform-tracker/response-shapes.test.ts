import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';
import {
  apifyErrorSchema,
  apifyRunListSchema,
  apifyRunResponseSchema,
  googleErrorSchema,
  instagramPostItemSchema,
  instagramProfileItemSchema,
  scraperErrorItemSchema,
  youtubeChannelListSchema,
  youtubeChannelSchema,
  youtubeVideoListSchema,
  youtubeVideoSchema,
} from '../../../src/services/platform-tracker/index.js';
import { EPOCH, content } from './helpers.js';

/**
 * Every upstream response shape the clients read is checked twice: the documented example
 * (test/fixtures, see SOURCE.md) must pass the client's schema, and the stand-in's answer must
 * pass the same schema AND carry every field of the documented example with the same JSON type.
 */

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));

type Shape = string | { [k: string]: Shape } | Shape[];
function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}
/** Paths of the documented shape missing or typed differently in the actual one. */
function missingFrom(documented: Shape, actual: Shape, path = '$'): string[] {
  if (documented === 'null' || (Array.isArray(documented) && documented.length === 0)) return [];
  if (typeof documented === 'string') return documented === actual ? [] : [`${path}: ${documented} vs ${JSON.stringify(actual)}`];
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) return [`${path}: array expected`];
    return actual.length === 0 ? [] : missingFrom(documented[0]!, actual[0]!, `${path}[0]`);
  }
  if (typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: object expected`];
  return Object.entries(documented).flatMap(([k, v]) => (k in actual ? missingFrom(v, actual[k]!, `${path}.${k}`) : [`${path}.${k}: missing`]));
}

let standins: ServiceStandins;
const dispatcher = createServiceDispatcher({ retries: 0 });
beforeAll(async () => {
  standins = await startServiceStandins({
    contents: [content('youtube/video', 'Ks-_Mh1QhMc'), content('instagram/reel', 'C7xAbCdEfGh', { owner_username: 'vibe.studio' })],
    clock: new SimulatedClock(EPOCH),
    apify: { runDurationMs: 0 },
    aiStandins: false,
  });
});
afterAll(async () => {
  await standins.close();
  await dispatcher.close();
});
const get = (url: string) => callService({ service: 'shape', url, dispatcher });
const post = (url: string, json: unknown) => callService({ service: 'shape', url, json, dispatcher });

describe('YouTube response shapes', () => {
  it('videos.list: documented example and stand-in agree with the client schema', async () => {
    const documented = fixture('youtube/videos-list.json');
    expect(youtubeVideoListSchema.parse(documented).items.every((i) => youtubeVideoSchema.safeParse(i).success)).toBe(true);
    const res = await get(`${standins.youtubeBaseUrl}/youtube/v3/videos?part=snippet,statistics&id=Ks-_Mh1QhMc&key=k`);
    const items = youtubeVideoListSchema.parse(res.json).items;
    expect(items).toHaveLength(1);
    expect(youtubeVideoSchema.safeParse(items[0]).success).toBe(true);
    expect(missingFrom(shapeOf(documented), shapeOf(res.json)).filter((p) => !p.includes('.tags'))).toEqual([]);
  });

  it('channels.list', async () => {
    const documented = fixture('youtube/channels-list.json');
    expect(youtubeChannelListSchema.parse(documented).items.every((i) => youtubeChannelSchema.safeParse(i).success)).toBe(true);
    const listed = youtubeVideoListSchema.parse((await get(`${standins.youtubeBaseUrl}/youtube/v3/videos?part=snippet,statistics&id=Ks-_Mh1QhMc&key=k`)).json);
    const video = youtubeVideoSchema.parse(listed.items[0]);
    const res = await get(`${standins.youtubeBaseUrl}/youtube/v3/channels?part=statistics&id=${video.snippet.channelId}&key=k`);
    const channels = youtubeChannelListSchema.parse(res.json).items;
    expect(channels).toHaveLength(1);
    expect(youtubeChannelSchema.safeParse(channels[0]).success).toBe(true);
    expect(missingFrom(shapeOf(documented), shapeOf(res.json))).toEqual([]);
  });

  it('error bodies: missing key, invalid key, quotaExceeded', async () => {
    for (const name of ['error-quota-exceeded', 'error-missing-key', 'error-invalid-key']) {
      expect(googleErrorSchema.safeParse(fixture(`youtube/${name}.json`)).success, name).toBe(true);
    }
    const missing = await get(`${standins.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=x`);
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual(fixture('youtube/error-missing-key.json'));
    const quota = await startServiceStandins({ contents: [], youtube: { dailyQuotaUnits: 0, apiKeys: ['good'] }, aiStandins: false });
    try {
      const bad = await get(`${quota.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=x&key=bad`);
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual(fixture('youtube/error-invalid-key.json'));
      const over = await get(`${quota.youtubeBaseUrl}/youtube/v3/videos?part=snippet&id=x&key=good`);
      expect(over.status).toBe(403);
      expect(missingFrom(shapeOf(fixture('youtube/error-quota-exceeded.json')), shapeOf(over.json))).toEqual([]);
      expect((over.json as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason).toBe('quotaExceeded');
    } finally {
      await quota.close();
    }
  });
});

describe('Apify response shapes', () => {
  it('instagram-api-scraper details items', async () => {
    const documented = fixture('apify/instagram-api-scraper-details.json') as unknown[];
    expect(instagramPostItemSchema.safeParse(documented[0]).success).toBe(true);
    expect(scraperErrorItemSchema.safeParse(documented[1]).success).toBe(true);
    const res = await post(`${standins.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/run-sync-get-dataset-items?token=t`, {
      directUrls: ['https://www.instagram.com/reel/C7xAbCdEfGh/', 'https://www.instagram.com/p/DoesNotExist1/'],
      resultsType: 'details',
      resultsLimit: 1,
    });
    expect(res.status).toBe(201);
    const items = res.json as unknown[];
    expect(instagramPostItemSchema.safeParse(items[0]).success).toBe(true);
    expect(missingFrom(shapeOf(documented[0]), shapeOf(items[0]))).toEqual([]);
    expect(missingFrom(shapeOf(documented[1]), shapeOf(items[1]))).toEqual([]);
  });

  it('instagram-profile-scraper items', async () => {
    const documented = fixture('apify/instagram-profile-scraper.json') as unknown[];
    expect(instagramProfileItemSchema.safeParse(documented[0]).success).toBe(true);
    const res = await post(`${standins.apifyBaseUrl}/v2/acts/apify~instagram-profile-scraper/run-sync-get-dataset-items?token=t`, { usernames: ['vibe.studio'] });
    const items = res.json as unknown[];
    expect(instagramProfileItemSchema.safeParse(items[0]).success).toBe(true);
    expect(missingFrom(shapeOf(documented[0]), shapeOf(items[0]))).toEqual([]);
  });

  it('run objects and error bodies', async () => {
    const documented = fixture('apify/actor-run.json');
    expect(apifyRunResponseSchema.safeParse(documented).success).toBe(true);
    const started = await post(`${standins.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs?token=t`, { directUrls: [] });
    expect(started.status).toBe(201);
    expect(apifyRunResponseSchema.safeParse(started.json).success).toBe(true);
    const polled = await get(`${standins.apifyBaseUrl}/v2/actor-runs/${(started.json as { data: { id: string } }).data.id}?token=t`);
    expect(missingFrom(shapeOf(documented), shapeOf(polled.json))).toEqual([]);
    const documentedList = fixture('apify/actor-runs-list.json');
    expect(apifyRunListSchema.safeParse(documentedList).success).toBe(true);
    const listed = await get(`${standins.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs?token=t&desc=1`);
    expect(apifyRunListSchema.parse(listed.json).data.items.length).toBeGreaterThanOrEqual(1);
    expect(missingFrom(shapeOf(documentedList), shapeOf(listed.json))).toEqual([]);
    for (const name of ['error-record-not-found', 'error-token-not-provided']) expect(apifyErrorSchema.safeParse(fixture(`apify/${name}.json`)).success).toBe(true);
    const noToken = await post(`${standins.apifyBaseUrl}/v2/acts/RB9HEZitC8hIUXAha/runs`, {});
    expect(noToken.status).toBe(401);
    expect(noToken.json).toEqual(fixture('apify/error-token-not-provided.json'));
    const noActor = await post(`${standins.apifyBaseUrl}/v2/acts/nobody~nothing/runs?token=t`, {});
    expect(noActor.status).toBe(404);
    expect(noActor.json).toEqual(fixture('apify/error-record-not-found.json'));
  });
});
