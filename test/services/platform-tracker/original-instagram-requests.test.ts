import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient, PlatformTracker } from '../../../src/services/platform-tracker/index.js';
import { ORIGINAL_FOLLOWER_ACTOR } from '../../../src/services/platform-tracker/original-follower-counts.js';
import type { MetricsBatchResult } from '../../../src/services/types.js';
import { json, routeServer, type ReplayServer } from '../../helpers/replay-server.js';
import { originalFixture } from '../../formats/original-fixtures.js';

/**
 * `compat: original` reads an Instagram owner's follower count as the original's tracker does
 * (test/fixtures/original/generate_instagram_items.py, `followers`): actor 7RQ4RlfRihUhflQtJ on
 * the one owner, `items[0].followerCount`, 0 when absent or when the run fails, and an
 * unreadable value costs the content its interval. That actor's own items spell the count
 * `followersCount`, so against it the original records 0 for every owner.
 */
interface FollowerCase {
  name: string;
  owner: string;
  items: string | null;
  original: { recorded: true; owner_follower_count: number } | { recorded: false; why: string };
}
const fixture = originalFixture<{ base: Record<string, unknown>; followers: FollowerCase[] }>('instagram-items.json');
const codeOf = (i: number) => `F${String(i).padStart(4, '0')}x`;

let apify: ReplayServer;
let result: MetricsBatchResult;

beforeAll(async () => {
  const byOwner = new Map(fixture.followers.map((c) => [c.owner, c]));
  const posts = fixture.followers.map((c, i) => {
    const code = codeOf(i);
    const base = Object.entries(fixture.base).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('{code}', code) : v]);
    return { ...Object.fromEntries(base), ownerUsername: c.owner };
  });
  apify = await routeServer((req) => {
    if (req.path.includes(`/acts/${ORIGINAL_FOLLOWER_ACTOR}/run-sync-get-dataset-items`)) {
      const { usernames } = JSON.parse(req.body) as { usernames: string[] };
      const c = usernames.length === 1 ? byOwner.get(usernames[0]!) : undefined;
      if (!c) return json(400, { error: { type: 'invalid-input', message: 'one known username per run' } });
      if (c.items === null) return json(500, { error: { type: 'run-failed', message: 'Actor run failed' } });
      return { status: 201, body: c.items.replaceAll('{owner}', c.owner) };
    }
    if (req.path.includes('/run-sync-get-dataset-items') && !req.path.includes('profile')) return json(201, posts);
    return json(404, { error: { type: 'record-not-found', message: 'no such actor' } });
  });
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const tracker = new PlatformTracker({
    apify: new ApifyClient({ token: 't', baseUrl: apify.url, dispatcher }),
    original: true,
    windowMs: 1,
    maxBatch: { instagram: 1000 },
  });
  try {
    result = await tracker.getMetrics(fixture.followers.map((_, i) => ({ platform: i % 2 ? 'instagram/post' : 'instagram/reel', content_id: codeOf(i) })));
  } finally {
    await tracker.close();
    await dispatcher.close();
  }
});
afterAll(() => apify.close());

describe("compat original: an Instagram owner's follower count as the original's tracker reads it", () => {
  it('the corpus covers counts the original reads, 0s and refusals', () => {
    expect(fixture.followers.filter((c) => c.original.recorded && c.original.owner_follower_count > 0).length).toBeGreaterThan(3);
    expect(fixture.followers.filter((c) => c.original.recorded && c.original.owner_follower_count === 0).length).toBeGreaterThan(3);
    expect(fixture.followers.filter((c) => !c.original.recorded).length).toBeGreaterThan(2);
  });

  it('records the same count, or no interval, exactly as the original does', () => {
    const got = new Map(result.results.map((r) => [r.content_id, r.owner_follower_count]));
    const errors = new Map(result.errors.map((e) => [e.content_id, e.code]));
    const wrong: string[] = [];
    fixture.followers.forEach((c, i) => {
      const code = codeOf(i);
      if (c.original.recorded) {
        if (got.get(code) !== c.original.owner_follower_count) wrong.push(`${c.name}: original ${c.original.owner_follower_count}, ours ${String(got.get(code) ?? errors.get(code))}`);
      } else if (got.has(code) || errors.get(code) !== 'ERR_CONTENT_INVALID') {
        wrong.push(`${c.name}: original records nothing (${c.original.why}), ours ${String(got.get(code) ?? errors.get(code))}`);
      }
    });
    expect(wrong).toEqual([]);
  });

  it("asks the post actor with the original's input: every shortcode as a /reel/ URL, posts too", () => {
    const [run] = apify.received.filter((r) => r.path.includes('/run-sync-get-dataset-items') && !r.path.includes(ORIGINAL_FOLLOWER_ACTOR));
    const input = JSON.parse(run!.body) as Record<string, unknown>;
    expect(input).toEqual({
      addParentData: false,
      directUrls: fixture.followers.map((_, i) => `https://www.instagram.com/reel/${codeOf(i)}`),
      enhanceUserSearchWithFacebookPage: false,
      isUserReelFeedURL: false,
      isUserTaggedFeedURL: false,
      resultsLimit: 1,
      resultsType: 'details',
      searchLimit: 1,
      searchType: 'hashtag',
    });
  });

  it('asks the original actor once per owner, with that owner alone', () => {
    const runs = apify.received.filter((r) => r.path.includes(`/acts/${ORIGINAL_FOLLOWER_ACTOR}/run-sync-get-dataset-items`));
    expect(runs.map((r) => (JSON.parse(r.body) as { usernames: string[] }).usernames).sort()).toEqual(fixture.followers.map((c) => [c.owner]).sort());
  });
});
