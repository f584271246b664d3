import { afterEach, describe, expect, it } from 'vitest';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient, instagramUrl } from '../../../src/services/platform-tracker/index.js';
import { EPOCH, content, instagramIds } from './helpers.js';

let standins: ServiceStandins | undefined;
const clients: ApifyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await standins?.close();
  standins = undefined;
});

async function setup(n: number, opts: { estimate?: (n: number) => number; tokens?: string[]; token?: string } = {}) {
  const ids = instagramIds(n);
  standins = await startServiceStandins({
    contents: ids.map((id, i) => content(i % 2 ? 'instagram/post' : 'instagram/reel', id)),
    clock: new SimulatedClock(EPOCH),
    apify: { tokens: opts.tokens, runDurationMs: 40 },
    aiStandins: false,
  });
  const metrics = new ValidatorMetrics({ defaultMetrics: false });
  const client = new ApifyClient({
    token: opts.token ?? 'apify-token',
    baseUrl: standins.apifyBaseUrl,
    metrics,
    pollIntervalMs: 5,
    estimateRunSeconds: opts.estimate,
    dispatcher: createServiceDispatcher({ retries: 2, minRetryDelayMs: 5, retryMethods: ['GET', 'POST'] }),
  });
  clients.push(client);
  const urls = ids.map((id, i) => instagramUrl({ platform: i % 2 ? 'instagram/post' : 'instagram/reel', content_id: id }));
  return { ids, urls, client, metrics, standins };
}

const INPUT = (directUrls: string[]) => ({ directUrls, resultsType: 'details', resultsLimit: 1 });

describe('ApifyClient', () => {
  it('reads 30 Instagram URLs in one actor run through run-sync, and books its cost', async () => {
    const { urls, ids, client, metrics, standins } = await setup(30);
    const run = await client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), urls.length);
    expect(run.mode).toBe('sync');
    expect(run.items).toHaveLength(30);
    expect((run.items as { shortCode: string }[]).map((i) => i.shortCode)).toEqual(ids);
    expect(standins.apify.runs).toHaveLength(1);
    expect(standins.apify.runs[0]).toMatchObject({ actorId: 'RB9HEZitC8hIUXAha', mode: 'sync', items: 30 });
    expect(standins.stats.apify.count('run-sync')).toBe(1);
    expect(run.costUsd).toBeCloseTo(0.0005 + 30 * 0.0023, 6);
    expect(client.spentUsd).toBeCloseTo(run.costUsd!, 9);
    expect(await metrics.expose()).toMatch(/infinitevibe_external_cost_dollars_total\{service="apify"\} 0\.0695/);
  });

  it('starts an async run, polls it and reads its dataset when the batch would outlast run-sync', async () => {
    const { urls, client, standins } = await setup(12, { estimate: (n) => 40 + 30 * n });
    expect(client.fitsSync(12)).toBe(false);
    const run = await client.runActor('apify/instagram-api-scraper', INPUT(urls), urls.length);
    expect(run.mode).toBe('async');
    expect(run.items).toHaveLength(12);
    expect(standins.stats.apify.count('run-sync')).toBe(0);
    expect(standins.stats.apify.count('run-start')).toBe(1);
    expect(standins.stats.apify.count('run-get')).toBeGreaterThanOrEqual(1);
    expect(standins.stats.apify.count('dataset-items')).toBe(1);
    expect(run.costUsd).toBeCloseTo(0.0005 + 12 * 0.0023, 6);
  });

  it('books each concurrent run-sync run exactly once', async () => {
    const { urls, client, metrics, standins } = await setup(12);
    const runs = await Promise.all([urls.slice(0, 2), urls.slice(2, 5), urls.slice(5, 12)].map((batch) => client.runActor('RB9HEZitC8hIUXAha', INPUT(batch), batch.length)));
    expect(runs.map((r) => r.items.length)).toEqual([2, 3, 7]);
    expect(standins.apify.runs).toHaveLength(3);
    const expected = 3 * 0.0005 + 12 * 0.0023;
    expect(client.spentUsd).toBeCloseTo(expected, 9);
    expect(await metrics.expose()).toMatch(new RegExp(`infinitevibe_external_cost_dollars_total\\{service="apify"\\} ${expected.toFixed(4).replace('.', '\\.')}`));
  });

  it('a run-sync past 300 s is a retryable ERR_APIFY_RUN_TIMEOUT (the client estimated wrong)', async () => {
    const { urls, standins } = await setup(4);
    const slow = await startServiceStandins({ contents: [], apify: { simulatedRunSeconds: () => 301 }, aiStandins: false });
    try {
      const wrong = new ApifyClient({ token: 't', baseUrl: slow.apifyBaseUrl, estimateRunSeconds: () => 10 });
      clients.push(wrong);
      await expect(wrong.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 4)).rejects.toMatchObject({ code: 'ERR_APIFY_RUN_TIMEOUT', status: 408, retryable: true });
      expect(slow.stats.apify.count('run-sync')).toBe(1);
    } finally {
      await slow.close();
    }
    expect(standins.stats.apify.count()).toBe(0);
  });

  it('a run-sync whose run fails is a retryable ERR_APIFY_RUN_FAILED (400 run-failed), and the failed run is still booked', async () => {
    const { urls, client, standins } = await setup(2);
    standins.apify.failNextRuns(1);
    await expect(client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2)).rejects.toMatchObject({
      code: 'ERR_APIFY_RUN_FAILED',
      status: 400,
      retryable: true,
      message: expect.stringMatching(/run-failed.*status: FAILED/),
    });
    expect(client.spentUsd).toBeCloseTo(0.0005, 9);
    // The next run succeeds: the failure was the run's, not the batch's.
    expect((await client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2)).items).toHaveLength(2);
  });

  it('a run-sync run that outlasts a run timeout under 300 s ends TIMED-OUT: 400 run-failed, not 408', async () => {
    const { urls } = await setup(2);
    const slow = await startServiceStandins({ contents: [], apify: { simulatedRunSeconds: () => 100 }, aiStandins: false });
    try {
      const client = new ApifyClient({ token: 't', baseUrl: slow.apifyBaseUrl, syncLimitSeconds: 60, estimateRunSeconds: () => 10 });
      clients.push(client);
      await expect(client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2)).rejects.toMatchObject({
        code: 'ERR_APIFY_RUN_FAILED',
        status: 400,
        retryable: true,
        message: expect.stringMatching(/status: TIMED-OUT/),
      });
      expect(slow.stats.apify.calls[0]).toMatchObject({ status: 400 });
    } finally {
      await slow.close();
    }
  });

  it('an async run the actor fails ends FAILED on the poll: ERR_APIFY_RUN_FAILED, its start fee booked', async () => {
    const { urls, client, standins } = await setup(3, { estimate: () => 400 });
    standins.apify.failNextRuns(1);
    await expect(client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 3)).rejects.toMatchObject({ code: 'ERR_APIFY_RUN_FAILED', retryable: true, message: expect.stringMatching(/ended FAILED/) });
    expect(client.spentUsd).toBeCloseTo(0.0005, 9);
    expect(standins.stats.apify.count('dataset-items')).toBe(0);
  });

  it('a 402 for spent credit is a QuotaExceededError; a 402 for memory held by other runs is retryable, and passes', async () => {
    const { urls, client, standins } = await setup(2);
    standins.faults.apify.failNext({ status: 402 }, { status: 402, type: 'actor-memory-limit-exceeded' });
    await expect(client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2)).rejects.toMatchObject({
      code: 'ERR_QUOTA_EXCEEDED',
      status: 402,
      retryable: false,
      message: expect.stringMatching(/not-enough-usage-to-run-paid-actor: By launching this job you will exceed the remaining usage/),
    });
    await expect(client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2)).rejects.toMatchObject({ code: 'ERR_APIFY_UNAVAILABLE', status: 402, retryable: true });
    expect((await client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2)).items).toHaveLength(2);
  });

  it('reads follower counts from the profile scraper', async () => {
    const { client } = await setup(3);
    const run = await client.runActor('apify~instagram-profile-scraper', { usernames: ['owner_IG0', 'nobody_here'] }, 2);
    expect(run.items[0]).toMatchObject({ username: 'owner_IG0', followersCount: 5000 });
    expect(run.items[1]).toMatchObject({ username: 'nobody_here', error: 'not_found' });
  });

  it('retries a 429 on a run-sync POST (opted in) and 5xx on polls', async () => {
    const { urls, client, standins } = await setup(2);
    standins.faults.apify.failNext({ status: 429, retryAfterSeconds: 0 }, { status: 502 });
    const run = await client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 2);
    expect(run.items).toHaveLength(2);
    expect(standins.stats.apify.calls.slice(0, 3).map((c) => c.status)).toEqual([429, 502, 201]);
  });

  it('maps auth, unknown actor and bad input to typed errors', async () => {
    const { urls, client } = await setup(1, { tokens: ['right'], token: 'wrong' });
    await expect(client.runActor('RB9HEZitC8hIUXAha', INPUT(urls), 1)).rejects.toMatchObject({ code: 'ERR_APIFY_AUTH', status: 401 });
    const ok = new ApifyClient({ token: 'right', baseUrl: standins!.apifyBaseUrl });
    clients.push(ok);
    await expect(ok.runActor('someone~unknown-actor', INPUT(urls), 1)).rejects.toMatchObject({ code: 'ERR_APIFY_NOT_FOUND', status: 404 });
    await expect(ok.runActor('RB9HEZitC8hIUXAha', { directUrls: 'nope' }, 1)).rejects.toMatchObject({
      code: 'ERR_APIFY_BAD_REQUEST',
      message: expect.stringMatching(/invalid-input/),
    });
  });

  it('validates its options', () => {
    expect(() => new ApifyClient({ token: '' })).toThrow(/needs token/);
    expect(() => new ApifyClient({ token: 't', syncLimitSeconds: 301 })).toThrow(/within \[1, 300\]/);
    expect(() => new ApifyClient({ token: 't', pollIntervalMs: -1 })).toThrow(RangeError);
  });
});
