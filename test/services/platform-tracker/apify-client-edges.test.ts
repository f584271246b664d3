import { afterEach, describe, expect, it } from 'vitest';
import { QuotaExceededError, ServiceError } from '../../../src/errors.js';
import { ValidatorMetrics } from '../../../src/metrics/validator-metrics.js';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient } from '../../../src/services/platform-tracker/index.js';
import { json, routeServer, type CannedAnswer, type ReceivedRequest, type ReplayServer } from '../../helpers/replay-server.js';

const ACTOR = 'RB9HEZitC8hIUXAha';
const run = (over: Record<string, unknown> = {}) => ({
  id: 'run1',
  actId: ACTOR,
  status: 'SUCCEEDED',
  startedAt: new Date().toISOString(),
  defaultDatasetId: 'ds1',
  usageTotalUsd: 0.25,
  ...over,
});
const runList = (items: unknown[]) => ({ data: { total: items.length, offset: 0, limit: 1000, count: items.length, desc: true, items } });

let upstream: ReplayServer | undefined;
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await upstream?.close();
  upstream = undefined;
});

/** A client without dispatcher retries, so each canned status is seen once. */
async function against(route: (req: ReceivedRequest) => CannedAnswer, options: Partial<ConstructorParameters<typeof ApifyClient>[0]> = {}) {
  upstream = await routeServer(route);
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const client = new ApifyClient({ token: 'tok', baseUrl: upstream.url, dispatcher, pollIntervalMs: 1, ...options });
  closers.push(client, { close: () => dispatcher.close() });
  return client;
}

const isSync = (r: ReceivedRequest) => r.method === 'POST' && r.path.includes('/run-sync-get-dataset-items');
const isRunList = (r: ReceivedRequest) => r.method === 'GET' && /\/v2\/acts\/[^/]+\/runs\?/.test(r.path);

describe('ApifyClient options', () => {
  it('names each bad option', async () => {
    expect(() => new ApifyClient(undefined as never)).toThrow(new TypeError('ApifyClient needs token (apify.api_key / APIFY_API_KEY)'));
    expect(() => new ApifyClient({ token: 't', syncLimitSeconds: 0 })).toThrow(
      new RangeError("syncLimitSeconds must be an integer within [1, 300] (Apify's run-sync limit), got 0"),
    );
    expect(() => new ApifyClient({ token: 't', syncLimitSeconds: 2.5 })).toThrow(RangeError);
    expect(() => new ApifyClient({ token: 't', pollIntervalMs: 1.5 })).toThrow(new RangeError('pollIntervalMs must be a non-negative integer, got 1.5'));
    const client = new ApifyClient({ token: 't', baseUrl: 'http://127.0.0.1:9' });
    await expect(client.runActor('bad actor!', {}, 1)).rejects.toThrow(new TypeError('actorId must be an Apify actor id or owner/name, got bad actor!'));
    await client.close();
  });

  it('chooses run-sync only while the estimate fits the limit', () => {
    const client = new ApifyClient({ token: 't', syncLimitSeconds: 60, estimateRunSeconds: (n) => n * 10 });
    expect(client.fitsSync(6)).toBe(true);
    expect(client.fitsSync(7)).toBe(false);
    void client.close();
  });
});

describe('ApifyClient run-sync', () => {
  it('books the finished runs started since the call, skipping running and older ones', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const client = await against(
      (r) => {
        if (isSync(r)) return json(201, [{ a: 1 }]);
        if (isRunList(r))
          return json(200, runList([run({ id: 'new-running', status: 'RUNNING' }), run({ id: 'new-free', usageTotalUsd: undefined }), run({ id: 'mine' }), run({ id: 'ancient', startedAt: old })]));
        return json(500, {});
      },
      { metrics },
    );
    const result = await client.runActor('apify/instagram-profile-scraper', { usernames: ['x'] }, 1);
    expect(result).toEqual({ items: [{ a: 1 }], mode: 'sync', runId: 'mine', costUsd: 0.25 });
    expect(client.spentUsd).toBe(0.25);
    expect(upstream!.received[0]!.path).toMatch(/^\/v2\/acts\/apify~instagram-profile-scraper\/run-sync-get-dataset-items\?token=tok&timeout=300&format=json&clean=true$/);
    expect(await metrics.expose()).toContain('infinitevibe_external_cost_dollars_total{service="apify"} 0.25');
    // The same run listed again is not booked twice.
    const again = await client.runActor(ACTOR, {}, 1);
    expect(again.costUsd).toBe(0);
    expect(client.spentUsd).toBe(0.25);
  });

  it('items still arrive when the run list cannot be read (cost is best-effort)', async () => {
    const client = await against((r) => (isSync(r) ? json(200, [{ b: 2 }]) : json(503, { error: { type: 'x', message: 'down' } })));
    expect(await client.runActor(ACTOR, {}, 1)).toEqual({ items: [{ b: 2 }], mode: 'sync', runId: undefined, costUsd: undefined });
  });

  it('a run list that hangs holds the items no longer than the cost lookup budget', async () => {
    // Without the budget the batch would wait out the list's own 30 s timeout, page after page.
    const client = await against((r) => (isSync(r) ? json(200, [{ b: 3 }]) : { status: 200, body: '', hang: true }), { costLookupMs: 50 });
    expect(await client.runActor(ACTOR, {}, 1)).toEqual({ items: [{ b: 3 }], mode: 'sync', runId: undefined, costUsd: undefined });
    const list = upstream!.received.find(isRunList)!;
    // The hanging request was given up, not left open.
    await list.closed;
    expect(upstream!.received.filter(isRunList)).toHaveLength(1);
    expect(() => new ApifyClient({ token: 't', costLookupMs: 0 })).toThrow(new RangeError('costLookupMs must be a positive integer, got 0'));
  }, 10_000);

  it('a 2xx that is not an item array is a retryable error quoting the body', async () => {
    const client = await against(() => ({ status: 200, body: '{"data":"nope"}' }));
    const error = await client.runActor(ACTOR, {}, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: 'ERR_APIFY_BAD_REQUEST', status: 200, retryable: true });
    expect((error as Error).message).toBe('apify: run-sync answered 200: {"data":"nope"}');
  });

  it.each([
    [402, { error: { type: 'payment-required', message: 'top up' } }],
    [400, { error: { type: 'not-enough-usage-to-run-paid-actor', message: 'no credit' } }],
    [403, { error: { type: 'platform-feature-disabled', message: 'disabled' } }],
  ])('HTTP %i with %j is a QuotaExceededError', async (status, body) => {
    const client = await against(() => json(status, body));
    const error = await client.runActor(ACTOR, {}, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ service: 'apify', status, retryable: false });
  });

  it.each(['actor-memory-limit-exceeded', 'concurrent-runs-limit-exceeded'])('HTTP 402 %s (the account\'s runs hold its capacity) is a retryable ERR_APIFY_UNAVAILABLE, not spent quota', async (type) => {
    const client = await against(() => json(402, { error: { type, message: 'wait for some of your runs to finish' } }));
    const error = await client.runActor(ACTOR, {}, 1).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ code: 'ERR_APIFY_UNAVAILABLE', status: 402, retryable: true });
  });

  it.each([
    [408, 'ERR_APIFY_RUN_TIMEOUT', true],
    [429, 'ERR_APIFY_UNAVAILABLE', true],
    [500, 'ERR_APIFY_UNAVAILABLE', true],
    [403, 'ERR_APIFY_AUTH', false],
    [422, 'ERR_APIFY_BAD_REQUEST', false],
  ])('HTTP %i without an error body is %s (retryable: %s)', async (status, code, retryable) => {
    const client = await against(() => ({ status, body: 'plain failure' }));
    const error = await client.runActor(ACTOR, {}, 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, status, retryable });
    expect((error as Error).message).toBe(`apify: run-sync answered ${status}: plain failure`);
  });
});

describe('ApifyClient async runs', () => {
  const big = 10_000; // inputs whose estimate exceeds the run-sync limit

  it('polls a running run until it succeeds, then reads its dataset and books its cost once', async () => {
    let polls = 0;
    const client = await against((r) => {
      if (r.method === 'POST' && /\/v2\/acts\/[^/]+\/runs\?/.test(r.path)) return json(201, { data: run({ status: 'READY', usageTotalUsd: undefined }) });
      if (r.path.startsWith('/v2/actor-runs/run1?')) return json(200, { data: run(++polls < 2 ? { status: 'RUNNING' } : {}) });
      if (r.path.startsWith('/v2/datasets/ds1/items?')) return json(200, [{ c: 3 }]);
      return json(404, {});
    });
    expect(await client.runActor(ACTOR, {}, big)).toEqual({ items: [{ c: 3 }], mode: 'async', runId: 'run1', costUsd: 0.25 });
    expect(polls).toBe(2);
    expect(upstream!.received.find((r) => r.path.startsWith('/v2/actor-runs/'))!.path).toContain('waitForFinish=60');
  });

  it('a run that ends FAILED is a retryable ERR_APIFY_RUN_FAILED', async () => {
    const client = await against((r) => (r.method === 'POST' ? json(201, { data: run({ status: 'FAILED' }) }) : json(404, {})));
    await expect(client.runActor(ACTOR, {}, big)).rejects.toMatchObject({ code: 'ERR_APIFY_RUN_FAILED', retryable: true, message: 'apify: run run1 ended FAILED' });
  });

  it('a run still running at the deadline is ERR_APIFY_RUN_TIMEOUT', async () => {
    const client = await against((r) => json(r.method === 'POST' ? 201 : 200, { data: run({ status: 'RUNNING' }) }), { runTimeoutMs: 1, pollIntervalMs: 5 });
    await expect(client.runActor(ACTOR, {}, big)).rejects.toMatchObject({ code: 'ERR_APIFY_RUN_TIMEOUT', retryable: true, message: 'apify: run run1 not finished after 1 ms' });
  });

  it('a start refused, a vanished run and a broken dataset are typed errors', async () => {
    let c = await against(() => json(400, { error: { type: 'invalid-input', message: 'bad' } }));
    await expect(c.runActor(ACTOR, {}, big)).rejects.toMatchObject({ code: 'ERR_APIFY_BAD_REQUEST', message: 'apify: start run answered 400 (invalid-input): bad' });
    await upstream!.close();

    c = await against((r) => (r.method === 'POST' ? json(201, { data: run({ status: 'RUNNING' }) }) : json(404, { error: { type: 'record-not-found', message: 'gone' } })));
    await expect(c.runActor(ACTOR, {}, big)).rejects.toMatchObject({ code: 'ERR_APIFY_NOT_FOUND', message: expect.stringMatching(/^apify: get run answered 404/) });
    await upstream!.close();

    c = await against((r) => (r.method === 'POST' ? json(201, { data: run() }) : json(200, { not: 'an array' })));
    await expect(c.runActor(ACTOR, {}, big)).rejects.toMatchObject({ message: expect.stringMatching(/^apify: dataset items answered 200/) });
  });

  it('an error message of a megabyte over many lines is cut to one line of 200 characters', async () => {
    const forged = `bad\n{"level":30,"msg":"weights set"}\n${'x'.repeat(1_000_000)}`;
    const c = await against(() => json(400, { error: { type: `invalid-input\n${'t'.repeat(500)}`, message: forged } }));
    const error = (await c.runActor(ACTOR, {}, big).catch((e: unknown) => e)) as ServiceError;
    expect(error).toMatchObject({ code: 'ERR_APIFY_BAD_REQUEST' });
    expect(error.message).not.toMatch(/\n/);
    expect(error.message).toMatch(/^apify: start run answered 400 \(invalid-input t+…\): bad \{"level":30,"msg":"weights set"\} x+…$/);
    expect(error.message.length).toBeLessThan(350);
  });

  it.each([
    ['an HTML page', { status: 201, body: '<html>bad gateway</html>' }],
    ['JSON that is not a run', json(201, { data: { id: 'run1' } })],
    ['a run whose cost is 1e400', { status: 201, body: JSON.stringify({ data: run() }).replace('"usageTotalUsd":0.25', '"usageTotalUsd":1e400') }],
  ])('a started run answered as %s is a retryable ERR_APIFY_PROTOCOL, not a ZodError', async (_, answer) => {
    const client = await against(() => answer as CannedAnswer);
    const error = await client.runActor(ACTOR, {}, big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: 'ERR_APIFY_PROTOCOL', retryable: true, message: expect.stringMatching(/^apify: start run answered 201 with /) });
    expect((error as Error).message.length).toBeLessThan(400);
  });

  it('a poll answered with something that is not a run is a retryable ERR_APIFY_PROTOCOL', async () => {
    const client = await against((r) => (r.method === 'POST' ? json(201, { data: run({ status: 'RUNNING' }) }) : json(200, { data: run({ status: 'EXPLODED' }) })));
    await expect(client.runActor(ACTOR, {}, big)).rejects.toMatchObject({ code: 'ERR_APIFY_PROTOCOL', retryable: true, message: expect.stringMatching(/^apify: get run answered 200 with JSON that is not a run \(data\.status/) });
  });

  it('an abort during a poll ends the run as ERR_SERVICE_ABORTED, with no further poll', async () => {
    const controller = new AbortController();
    const reason = new Error('cycle over');
    const client = await against((r) => {
      if (r.method === 'POST') return json(201, { data: run({ status: 'RUNNING' }) });
      // The first poll is where the caller gives up; its answer says the run still goes on.
      controller.abort(reason);
      return json(200, { data: run({ status: 'RUNNING' }) });
    });
    await expect(client.runActor(ACTOR, {}, big, { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_SERVICE_ABORTED', retryable: false });
    expect(upstream!.received.filter((r) => r.method === 'GET')).toHaveLength(1);
  });
});
