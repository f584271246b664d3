import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { instagramAccountId } from '../../../src/devnet/http/apify-instagram-items.js';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';
import { ApifyClient, HttpPlatformTrackerClient, PlatformTracker, createPlatformTrackerServer, fromWire, toWire } from '../../../src/services/platform-tracker/index.js';
import type { ContentMetrics, ContentRef, MetricsProvider } from '../../../src/services/types.js';
import { EPOCH, content } from './helpers.js';

/**
 * An Instagram owner's immutable id (the scraper's `ownerId`) travels with the metrics: a
 * username can be changed, or traded between two accounts, and the id is what tells them apart.
 */

let standins: ServiceStandins | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await standins?.close();
  standins = undefined;
});

const SMALL: ContentRef = { platform: 'instagram/reel', content_id: 'SmallReel1' };
const BIG: ContentRef = { platform: 'instagram/post', content_id: 'BigPost001' };

async function setup(options: { original?: boolean } = {}) {
  standins = await startServiceStandins({
    contents: [
      content(SMALL.platform, SMALL.content_id, { owner_username: 'star', base: { views: 10, likes: 1, comments: 0, followers: 1000 } }),
      content(BIG.platform, BIG.content_id, { owner_username: 'spare', base: { views: 10, likes: 1, comments: 0, followers: 100_000 } }),
    ],
    clock: new SimulatedClock(EPOCH),
    apify: { runDurationMs: 0 },
    aiStandins: false,
  });
  const apify = new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl, pollIntervalMs: 5 });
  const tracker = new PlatformTracker({ apify, windowMs: 5, original: options.original, now: () => standins!.clock.now() });
  closers.push(() => apify.close(), () => tracker.close());
  const lookup = async (t: MetricsProvider = tracker): Promise<Map<string, ContentMetrics>> => {
    const { results, errors } = await t.getMetrics([SMALL, BIG]);
    expect(errors).toEqual([]);
    return new Map(results.map((m) => [m.content_id, m]));
  };
  return { standins, tracker, lookup };
}

describe('Instagram owner id', () => {
  it('each account keeps its id when two accounts trade usernames; the follower counts follow the accounts', async () => {
    const { standins, lookup } = await setup();
    const before = await lookup();
    expect(before.get(SMALL.content_id)).toMatchObject({ owner_username: 'star', owner_id: instagramAccountId('star'), owner_follower_count: 1000 });
    expect(before.get(BIG.content_id)).toMatchObject({ owner_username: 'spare', owner_id: instagramAccountId('spare'), owner_follower_count: 100_000 });
    expect(instagramAccountId('star')).toMatch(/^\d+$/);

    standins.apify.renameAccounts({ star: 'spare', spare: 'star' });
    const after = await lookup();
    expect(after.get(SMALL.content_id)).toMatchObject({ owner_username: 'spare', owner_id: instagramAccountId('star'), owner_follower_count: 1000 });
    expect(after.get(BIG.content_id)).toMatchObject({ owner_username: 'star', owner_id: instagramAccountId('spare'), owner_follower_count: 100_000 });
  });

  it('a username that changes hands between the post run and the profile run gives no follower count (0), not the other account\'s', async () => {
    const { standins, lookup } = await setup();
    standins.apify.onRun = (actorId) => {
      if (actorId === 'RB9HEZitC8hIUXAha') standins.apify.renameAccounts({ star: 'spare', spare: 'star' });
    };
    const got = await lookup();
    // The posts were read under the old names; the profiles named so are now the other accounts.
    expect(got.get(SMALL.content_id)).toMatchObject({ owner_username: 'star', owner_id: instagramAccountId('star'), owner_follower_count: 0 });
    expect(got.get(BIG.content_id)).toMatchObject({ owner_username: 'spare', owner_id: instagramAccountId('spare'), owner_follower_count: 0 });
    expect(standins.apify.runs.map((r) => r.actorId)).toEqual(['RB9HEZitC8hIUXAha', 'apify~instagram-profile-scraper']);
  });

  it('--compat original: the same owner id, the original\'s follower reading unchanged', async () => {
    const { standins, lookup } = await setup({ original: true });
    const got = await lookup();
    // The original's follower actor reads followerCount, which the items spell followersCount: 0.
    expect(got.get(SMALL.content_id)).toMatchObject({ owner_username: 'star', owner_id: instagramAccountId('star'), owner_follower_count: 0 });
    expect(standins.apify.runs.map((r) => r.actorId)).toEqual(['RB9HEZitC8hIUXAha', '7RQ4RlfRihUhflQtJ', '7RQ4RlfRihUhflQtJ']);
  });

  it('crosses the tracker service, batched and single, and is left out when an answer has none', async () => {
    const { tracker, lookup } = await setup();
    const listen = async (server: Server): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((r) => { server.close(r); server.closeAllConnections(); }));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const batched = new HttpPlatformTrackerClient({ baseUrl: await listen(createPlatformTrackerServer(tracker)) });
    // As the original service: no batch endpoint, so the client asks POST /get_metrics per item.
    const withoutBatch = createPlatformTrackerServer(tracker);
    const handler = withoutBatch.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
    withoutBatch.removeAllListeners('request');
    let singles = 0;
    withoutBatch.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/get_metrics') singles++;
      if (req.url?.startsWith('/get_metrics/batch')) res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
      else handler(req, res);
    });
    const single = new HttpPlatformTrackerClient({ baseUrl: await listen(withoutBatch) });
    closers.push(() => batched.close(), () => single.close());
    for (const client of [batched, single]) {
      const got = await lookup(client);
      expect(got.get(SMALL.content_id)?.owner_id).toBe(instagramAccountId('star'));
      expect(got.get(BIG.content_id)?.owner_id).toBe(instagramAccountId('spare'));
    }
    expect(singles).toBe(2);

    const m = (await lookup()).get(SMALL.content_id)!;
    expect(toWire(m)).toMatchObject({ owner_username: 'star', owner_id: instagramAccountId('star') });
    // The original's answer has no owner_id; null reads as none; anything else is malformed.
    const { owner_id: _none, ...original } = toWire(m);
    expect(Object.hasOwn(fromWire(original, SMALL), 'owner_id')).toBe(false);
    expect(Object.hasOwn(fromWire({ ...original, owner_id: null }, SMALL), 'owner_id')).toBe(false);
    expect(() => fromWire({ ...original, owner_id: 42 }, SMALL)).toThrow(/owner_id/);
  });
});
