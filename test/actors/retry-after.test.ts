import pRetry from 'p-retry';
import { afterEach, describe, expect, it } from 'vitest';
import { retryOptions, withRetry } from '../../src/actors/retry.js';
import { DEPENDENCIES } from '../../src/services/dependency-gate.js';
import { GistFetcher } from '../../src/services/gist/gist-fetcher.js';
import { HttpPlatformTrackerClient } from '../../src/services/platform-tracker/http-platform-tracker-client.js';
import type { ContentRef } from '../../src/services/types.js';
import { DependencyLimiter } from '../../src/supervisor/dependency-limiter.js';
import { replayServer, type ReplayServer } from '../helpers/replay-server.js';

/**
 * The tracker and the gist host answering 429/503 with Retry-After: the HTTP clients' own retries
 * wait as asked, and so does the actors' retry when a client asks once (`retries: 0`) or its own
 * retries are spent. Gaps are bounded from below only; the actors' backoff alone is 250–500 ms.
 */

const deps = {
  retry: { retries: 2, minTimeoutMs: 250, maxTimeoutMs: 4_000 },
  limiter: new DependencyLimiter({
    limits: Object.fromEntries(DEPENDENCIES.map((d) => [d, { concurrency: 4, maxQueue: 100 }])) as never,
  }),
};
const REF: ContentRef = { platform: 'youtube/video', content_id: 'vidA' };
const RESULT = { platform: 'youtube/video', content_id: 'vidA', caption: 'c', published_at: '2026-01-01T00:00:00Z', view_count: 7 };
const OVERLOADED = { status: 429, body: JSON.stringify({ detail: 'slow down' }), headers: { 'retry-after': '2' } };

let upstream: ReplayServer | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const gap = (server: ReplayServer): number => server.received[1]!.at - server.received[0]!.at;

describe('Retry-After from the platform tracker', () => {
  it.each([
    ['its own retries (the default)', {}],
    ["the actors' retry (retries: 0)", { retries: 0 }],
  ])('a batch answered 429 with Retry-After: 2 is asked again after 2 s by %s', async (_who, options) => {
    upstream = await replayServer([OVERLOADED, { status: 200, body: JSON.stringify({ results: [RESULT], errors: [] }) }]);
    const client = new HttpPlatformTrackerClient({ baseUrl: upstream.url, ...options });
    const signal = new AbortController().signal;
    try {
      const batch = await pRetry(() => client.getMetrics([REF], { signal }), retryOptions(deps, signal));
      expect(batch.results).toEqual([expect.objectContaining({ content_id: 'vidA', view_count: 7 })]);
    } finally {
      await client.close();
    }
    expect(upstream.received).toHaveLength(2);
    expect(gap(upstream)).toBeGreaterThanOrEqual(1_900);
  });
});

describe('Retry-After from the gist host', () => {
  it.each([
    ['its own retries (the default)', {}],
    ["the actors' retry (retries: 0)", { retries: 0 }],
  ])('a gist answered 503 with Retry-After: 2 is read again after 2 s by %s', async (_who, options) => {
    upstream = await replayServer([{ ...OVERLOADED, status: 503 }, { status: 200, body: '{"line":1}\n' }]);
    const fetcher = new GistFetcher({ baseUrl: upstream.url, ...options });
    try {
      const body = await withRetry(deps, 'gist', (s) => fetcher.fetch({ githubUser: 'miner', gistId: 'abc123' }, { signal: s }), new AbortController().signal);
      expect(body).toBe('{"line":1}\n');
    } finally {
      await fetcher.close();
    }
    expect(upstream.received).toHaveLength(2);
    expect(gap(upstream)).toBeGreaterThanOrEqual(1_900);
  });
});
