import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { ApifyClient, PlatformTracker } from '../../../src/services/platform-tracker/index.js';
import type { ContentMetrics, MetricsBatchResult } from '../../../src/services/types.js';
import { json, routeServer, type ReplayServer } from '../../helpers/replay-server.js';
import { originalFixture } from '../../formats/original-fixtures.js';

/**
 * Differential check of the tracker's Instagram path against the original's pydantic model,
 * recorded by test/fixtures/original/generate_instagram_items.py (pydantic 2.13.4,
 * python-dateutil 2.9.0): each Apify item, written as JSON text, is answered by a local Apify
 * server to the real tracker in one batched run; the original's outcome is whether its validator
 * records an interval for the content, and with which values. Ours must agree exactly: the same
 * values, or no result and a per-item error with a stable code. Cases marked `ours` are the
 * deliberate differences listed in README ("Input read differently from the original").
 */
type Metric = Pick<ContentMetrics, 'caption' | 'like_count' | 'comment_count' | 'owner_username' | 'owner_follower_count' | 'published_at'> & {
  view_count: number;
};
type Outcome = { recorded: true; metric: Metric } | { recorded: false; why: string };
interface Case {
  name: string;
  code: string;
  drop: string[];
  put: Record<string, string>;
  followers: number | null;
  original: Outcome;
  ours?: Outcome;
}
const fixture = originalFixture<{ pydantic: string; base: Record<string, unknown>; cases: Case[] }>('instagram-items.json');

/** The item text exactly as the generator built it (values in `put` spliced in as written). */
function itemText(c: Case): string {
  const base = Object.fromEntries(
    Object.entries(fixture.base)
      .filter(([k]) => !c.drop.includes(k) && !(k in c.put))
      .map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('{code}', c.code) : v]),
  );
  let text = JSON.stringify(base);
  for (const [key, value] of Object.entries(c.put)) text = `${text.slice(0, -1)},${JSON.stringify(key)}:${value}}`;
  return text;
}

let apify: ReplayServer;
let result: MetricsBatchResult;
const NOW = Date.UTC(2026, 0, 2);

beforeAll(async () => {
  // The profile scraper answers each owner's recorded count; an owner recorded with none is absent.
  const owners = new Map<string, number>();
  apify = await routeServer((req) => {
    if (!req.path.includes('/run-sync-get-dataset-items')) return json(404, { error: { type: 'record-not-found', message: 'no runs' } });
    if (req.path.includes('profile-scraper')) {
      const { usernames } = JSON.parse(req.body) as { usernames: string[] };
      return json(201, usernames.flatMap((u) => (owners.has(u) ? [{ username: u, followersCount: owners.get(u) }] : [])));
    }
    return { status: 201, body: `[${fixture.cases.map(itemText).join(',')}]` };
  });
  for (const c of fixture.cases) {
    const owner = (JSON.parse(itemText(c)) as { ownerUsername?: unknown }).ownerUsername;
    if (typeof owner === 'string' && c.followers !== null) owners.set(owner, c.followers);
  }
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const tracker = new PlatformTracker({ apify: new ApifyClient({ token: 't', baseUrl: apify.url, dispatcher }), windowMs: 1, maxBatch: { instagram: 1000 }, now: () => NOW });
  try {
    result = await tracker.getMetrics(fixture.cases.map((c) => ({ platform: 'instagram/reel', content_id: c.code })));
  } finally {
    await tracker.close();
    await dispatcher.close();
  }
});
afterAll(() => apify.close());

describe(`Instagram items against the original's InstagramPostMetadata (pydantic ${fixture.pydantic})`, () => {
  it('the corpus covers both outcomes and every field the model requires', () => {
    const recorded = fixture.cases.filter((c) => c.original.recorded).length;
    expect(recorded).toBeGreaterThan(100);
    expect(fixture.cases.length - recorded).toBeGreaterThan(100);
    expect(apify.received.filter((r) => r.path.includes('/run-sync-get-dataset-items') && !r.path.includes('profile'))).toHaveLength(1);
    expect(result.results.length + result.errors.length).toBe(fixture.cases.length);
  });

  it('records an interval with the same values exactly when the original does', () => {
    const got = new Map(result.results.map((r) => [r.content_id, r]));
    const errors = new Map(result.errors.map((e) => [e.content_id, e]));
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const want = c.ours ?? c.original;
      const ours = got.get(c.code);
      if (want.recorded) {
        const mine = ours && {
          caption: ours.caption,
          view_count: ours.view_count,
          like_count: ours.like_count,
          comment_count: ours.comment_count,
          owner_username: ours.owner_username,
          owner_follower_count: ours.owner_follower_count,
          published_at: ours.published_at,
        };
        if (JSON.stringify(mine) !== JSON.stringify(want.metric)) wrong.push(`${c.name}: original ${JSON.stringify(want.metric)}, ours ${JSON.stringify(mine ?? errors.get(c.code))}`);
      } else if (ours) {
        wrong.push(`${c.name}: original records nothing (${want.why}), ours ${JSON.stringify(ours)}`);
      } else if (!['ERR_CONTENT_INCOMPLETE', 'ERR_CONTENT_INVALID'].includes(errors.get(c.code)?.code ?? '')) {
        wrong.push(`${c.name}: no interval as in the original, but ${JSON.stringify(errors.get(c.code))}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('absent or null required fields are ERR_CONTENT_INCOMPLETE naming them; unreadable values are ERR_CONTENT_INVALID', () => {
    const errors = new Map(result.errors.map((e) => [e.content_id, e]));
    const code = (name: string) => errors.get(fixture.cases.find((c) => c.name === name)!.code);
    expect(code('dimensionsHeight missing')).toMatchObject({ code: 'ERR_CONTENT_INCOMPLETE', retryable: false });
    expect(code('dimensionsHeight missing')!.message).toMatch(/gave no dimensionsHeight$/);
    expect(code('videoUrl null')!.code).toBe('ERR_CONTENT_INCOMPLETE');
    expect(code('image post')!.message).toMatch(/gave no videoDuration, videoPlayCount, videoViewCount \(an image or carousel post/);
    expect(code('commentsCount = 12.5')).toMatchObject({ code: 'ERR_CONTENT_INVALID', retryable: false });
    expect(code("timestamp 'June 20, 2025'")!.message).toMatch(/timestamp must be a date \(ISO 8601\)/);
  });
});
