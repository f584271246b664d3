import { afterEach, describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent } from '../../src/actors/types.js';
import { PLATFORMS } from '../../src/config/defaults.js';
import { instagramAccountId } from '../../src/devnet/http/apify-instagram-items.js';
import { startServiceStandins } from '../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../src/devnet/http/standin-server.js';
import { DEFAULT_GROWTH_PARAMS, scoreMinerGrowth } from '../../src/scoring/growth-policy.js';
import { GistFetcher } from '../../src/services/gist/index.js';
import { ApifyClient, PlatformTracker } from '../../src/services/platform-tracker/index.js';
import { content } from '../services/platform-tracker/helpers.js';
import { useWatchedStore } from '../store/backend.js';
import { TableAi, gistLine, keypair, makeDeps, tokenFor } from './helpers.js';

/**
 * A miner with two Instagram accounts, a small one and a big one, trades their usernames between
 * two cycles and lists the big account's post under the name the small one had. The owner id
 * goes from the Apify scraper through the platform tracker into the stored snapshots, and
 * growth@1 measures the big account on its own series instead of a jump from 1000 followers.
 */

const watched = useWatchedStore();
const parent: ActorParent = { actorFailed: () => undefined };
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const EPOCH = Date.UTC(2026, 11, 1);
const HOUR = 3_600_000;

describe('MinerActor with the platform tracker: Instagram owner id', () => {
  it('arrives in the stored snapshots, and a username swap between cycles does not make a growth series jump', async () => {
    const miner = await keypair('//Test/miner/owner-id');
    const caption = `mine ${tokenFor(miner.address)}`;
    const steady = { views: 0, likes: 0, comments: 0, followers: 0 };
    const standins = await startServiceStandins({
      contents: [
        content('instagram/reel', 'SmallReel1', { caption, owner_username: 'star', base: { views: 10, likes: 1, comments: 0, followers: 1000 }, perHour: steady }),
        content('instagram/post', 'BigPost001', { caption, owner_username: 'spare', base: { views: 10, likes: 1, comments: 0, followers: 100_000 }, perHour: steady }),
      ],
      gists: { 'swapper/abc123': gistLine({ platform: 'instagram/reel', content_id: 'SmallReel1', direct_video_url: 'https://cdn.example/small.mp4' }) },
      clock: new SimulatedClock(EPOCH),
      apify: { runDurationMs: 0 },
      aiStandins: false,
    });
    closers.push(() => standins.close());
    const gists = new GistFetcher({ baseUrl: standins.gistBaseUrl });
    const apify = new ApifyClient({ token: 't', baseUrl: standins.apifyBaseUrl, pollIntervalMs: 5 });
    const tracker = new PlatformTracker({ apify, windowMs: 5, now: () => standins.clock.now() });
    closers.push(() => gists.close(), () => apify.close(), () => tracker.close());
    const ai = new TableAi();
    for (const id of ['SmallReel1', 'BigPost001']) ai.scores.set(`https://scontent.cdninstagram.com/o1/v/t16/f2/m86/${id}.mp4`, 0.9);
    const deps = makeDeps({
      gists,
      metricsProvider: tracker,
      aiDetector: ai,
      now: () => new Date(standins.clock.now()),
      snapshots: { write: (snapshots) => watched.store.snapshots.upsertMany(snapshots) },
    });
    const actor = new MinerActor({ uid: 4, hotkey: miner.address, deps, parent });
    const cycle = async (interval: string) => {
      const collected = await actor.collect({ interval, commitment: { hotkey: miner.address, block: 1, value: 'swapper:abc123' } });
      if (!collected.ok) throw collected.error;
      const persisted = await actor.persist({ interval, lostClaims: new Set() });
      if (!persisted.ok) throw persisted.error;
      return persisted.value;
    };

    expect(await cycle('2026-12-01-00-00')).toMatchObject({ inserted: 1 });
    standins.clock.advance(12 * HOUR);
    standins.apify.renameAccounts({ star: 'spare', spare: 'star' });
    standins.gistHost.set('swapper', 'abc123', gistLine({ platform: 'instagram/post', content_id: 'BigPost001', direct_video_url: 'https://cdn.example/big.mp4' }));
    expect(await cycle('2026-12-01-12-00')).toMatchObject({ inserted: 1 });

    const history = await watched.store.snapshots.history(miner.address);
    expect(history.map((s) => [s.content_id, s.owner_username, s.owner_id, s.owner_follower_count])).toEqual([
      ['BigPost001', 'star', instagramAccountId('spare'), 100_000],
      ['SmallReel1', 'star', instagramAccountId('star'), 1000],
    ]);
    const growth = scoreMinerGrowth(history, { aiThreshold: 0.3, allowedPlatforms: [...PLATFORMS], growth: DEFAULT_GROWTH_PARAMS });
    // Keyed by the username "star", 1000 → 100 000 followers in 12 h would earn the 1 %/h cap.
    expect(growth).toMatchObject({ score: 0, reason: 'insufficient_history', account: 'star', accountId: instagramAccountId('spare'), followersNow: 100_000 });
  });
});
