import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceDispatcher } from '../../../src/services/http/index.js';
import { HttpPlatformTrackerClient } from '../../../src/services/platform-tracker/http-platform-tracker-client.js';
import { fromWire } from '../../../src/services/platform-tracker/wire-format.js';
import { instagramPostItemSchema, youtubeVideoSchema } from '../../../src/services/platform-tracker/index.js';
import type { ContentRef } from '../../../src/services/types.js';

/**
 * Metric answers whose numbers are strings, negative, NaN, infinite, huge, missing or not numbers
 * at all, read through the real tracker client from a local server sending the raw JSON text.
 */

const REF: ContentRef = { platform: 'youtube/video', content_id: 'vidA' };
const BASE = { platform: 'youtube/video', content_id: 'vidA', caption: 'c', published_at: '2026-01-01T00:00:00Z' };

/** `raw` is JSON text, so forms JSON.stringify cannot write (1e400) reach the client as sent. */
let answer: (path: string) => string | { status: number; body: string } = () => '{}';
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(req.url ?? '');
      const { status, body } = typeof a === 'string' ? { status: 200, body: a } : a;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function viaBatch(results: string[], refs: ContentRef[] = [REF]) {
  answer = () => `{"results":[${results.join(',')}],"errors":[]}`;
  const dispatcher = createServiceDispatcher({ retries: 0 });
  const client = new HttpPlatformTrackerClient({ baseUrl: base, dispatcher });
  try {
    return await client.getMetrics(refs);
  } finally {
    await client.close();
    await dispatcher.close();
  }
}
const withField = (field: string, rawValue: string, id = 'vidA'): string =>
  JSON.stringify({ ...BASE, content_id: id }).replace(/}$/, `,"${field}":${rawValue}}`);

describe('numeric metric fields from a tracker', () => {
  it.each([
    ['like_count', '"5"', 5],
    ['like_count', 'null', 0],
    // Instagram's hidden likes, passed on as the original passes them.
    ['like_count', '-1', -1],
    ['like_count', '"-1"', -1],
    // Any other negative count too: the original's model takes any integer and its tracker
    // passes it on, so a validator reading that tracker records it as the original does.
    ['like_count', '-2', -2],
    ['comment_count', '-3', -3],
    ['view_count', '-5', -5],
    ['comment_count', '7', 7],
    ['owner_follower_count', '"120"', 120],
    ['view_count', '"123456789012345678901234567890"', 123456789012345678901234567890n],
    ['view_count', '9007199254740993', 9007199254740992],
  ])('%s = %s is read as %s', async (field, raw, expected) => {
    const { results, errors } = await viaBatch([withField(field, raw)]);
    expect(errors).toEqual([]);
    expect((results[0] as unknown as Record<string, unknown>)[field]).toBe(expected);
  });

  it('a count that is missing is 0', async () => {
    const { results } = await viaBatch([JSON.stringify(BASE)]);
    expect(results[0]).toMatchObject({ like_count: 0, comment_count: 0, owner_follower_count: 0, view_count: 0 });
  });

  it.each([
    ['like_count', '1.5'],
    ['like_count', '"NaN"'],
    ['like_count', '1e400'],
    ['like_count', '"1e400"'],
    ['like_count', 'true'],
    ['like_count', '[]'],
    ['like_count', '""'],
    ['like_count', '" 5"'],
    ['comment_count', '{"valueOf":5}'],
    ['owner_follower_count', '"-3"'],
    ['view_count', '2.5'],
    ['view_count', '"1e3"'],
    ['view_count', '1e400'],
    ['published_at', '"not a date"'],
    ['published_at', '0'],
  ])('%s = %s is that item’s protocol error naming the field; the other item still counts', async (field, raw) => {
    const other: ContentRef = { platform: 'youtube/video', content_id: 'vidB' };
    const { results, errors } = await viaBatch([withField(field, raw), JSON.stringify({ ...BASE, content_id: 'vidB' })], [REF, other]);
    expect(results.map((r) => r.content_id)).toEqual(['vidB']);
    expect(errors).toEqual([
      expect.objectContaining({ platform: 'youtube/video', content_id: 'vidA', code: 'ERR_PLATFORM_TRACKER_PROTOCOL', retryable: false }),
    ]);
    expect(errors[0]!.message).toContain(`malformed metrics for youtube/video vidA: ${field}`);
  });

  it('a malformed answer from the single endpoint is a clear per-item error too', async () => {
    // A tracker without the batch endpoint, as the original is.
    answer = (path) =>
      path === '/get_metrics/batch' ? { status: 405, body: '{"detail":"Method Not Allowed"}' } : withField('published_at', '"yesterday-ish"');
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const client = new HttpPlatformTrackerClient({ baseUrl: base, dispatcher });
    try {
      const { results, errors } = await client.getMetrics([REF]);
      expect(results).toEqual([]);
      expect(errors).toEqual([expect.objectContaining({ content_id: 'vidA', code: 'ERR_PLATFORM_TRACKER_PROTOCOL' })]);
      expect(errors[0]!.message).toMatch(/published_at: must be a date/);
    } finally {
      await client.close();
      await dispatcher.close();
    }
  });

  it('a result that names no requested item is dropped, not charged to another', async () => {
    const { results, errors } = await viaBatch([withField('like_count', '1.5', 'someoneElse'), JSON.stringify(BASE)]);
    expect(results.map((r) => r.content_id)).toEqual(['vidA']);
    expect(errors).toEqual([]);
  });

  it('fromWire never throws a bare RangeError for a date it cannot read', () => {
    expect(() => fromWire({ ...BASE, published_at: 'garbage' }, REF)).toThrow(/malformed metrics for youtube\/video vidA: published_at/);
  });
});

describe('a tracker answer about items nobody asked for', () => {
  const B: ContentRef = { platform: 'youtube/video', content_id: 'vidB' };
  const good = (id: string, views = 10) => JSON.stringify({ ...BASE, content_id: id, view_count: views });
  const withErrors = (results: string[], errors: string) => {
    answer = () => `{"results":[${results.join(',')}],"errors":${errors}}`;
  };
  async function call(refs: ContentRef[]) {
    const dispatcher = createServiceDispatcher({ retries: 0 });
    const client = new HttpPlatformTrackerClient({ baseUrl: base, dispatcher });
    try {
      return await client.getMetrics(refs);
    } finally {
      await client.close();
      await dispatcher.close();
    }
  }

  it('a well-formed result for another item is dropped', async () => {
    const { results, errors } = await viaBatch([good('someoneElse'), good('vidA')]);
    expect(results.map((r) => r.content_id)).toEqual(['vidA']);
    expect(errors).toEqual([]);
  });

  it('a result for the same id on another platform is not taken for the requested one', async () => {
    const { results } = await viaBatch([JSON.stringify({ ...BASE, platform: 'instagram/reel', view_count: 999 })]);
    expect(results).toEqual([]);
  });

  it('one item answered twice with different values is neither: a retryable ambiguity', async () => {
    const { results, errors } = await viaBatch([good('vidA', 10), good('vidA', 99_999), good('vidB')], [REF, B]);
    expect(results.map((r) => r.content_id)).toEqual(['vidB']);
    expect(errors).toEqual([expect.objectContaining({ platform: 'youtube/video', content_id: 'vidA', code: 'ERR_PLATFORM_TRACKER_AMBIGUOUS', retryable: true })]);
  });

  it('errors entries that are malformed or name items nobody asked for are dropped; a requested item they omit is a protocol error', async () => {
    withErrors(
      [good('vidB')],
      JSON.stringify([
        null,
        'boom',
        { platform: 'youtube/video', content_id: 'notMine', code: 'X', message: 'm', retryable: true },
        { platform: 'youtube/video', content_id: 'vidA', code: { $gt: 1 }, message: 7, retryable: 'yes' },
      ]),
    );
    const { results, errors } = await call([REF, B]);
    expect(results.map((r) => r.content_id)).toEqual(['vidB']);
    expect(errors).toEqual([expect.objectContaining({ platform: 'youtube/video', content_id: 'vidA', code: 'ERR_PLATFORM_TRACKER_PROTOCOL', retryable: true })]);
    expect(errors[0]!.message).toMatch(/answered neither a result nor an error/);
  });

  it('a well-formed error entry for a requested item is kept as sent', async () => {
    withErrors([], JSON.stringify([{ platform: 'youtube/video', content_id: 'vidA', code: 'ERR_CONTENT_NOT_FOUND', message: 'gone', retryable: false }]));
    const { errors } = await call([REF]);
    expect(errors).toEqual([{ platform: 'youtube/video', content_id: 'vidA', code: 'ERR_CONTENT_NOT_FOUND', message: 'gone', retryable: false }]);
  });

  it('an error entry whose code is not of the stable shape is not passed on; its message is one line', async () => {
    const forged = 'gone\n{"level":30,"msg":"weights set"}';
    withErrors(
      [],
      JSON.stringify([
        { platform: 'youtube/video', content_id: 'vidA', code: 'ERR_A\nERR_B', message: 'm', retryable: false },
        { platform: 'youtube/video', content_id: 'vidB', code: 'ERR_CONTENT_NOT_FOUND', message: forged, retryable: false },
      ]),
    );
    const { errors } = await call([REF, B]);
    expect(errors).toEqual([
      expect.objectContaining({ content_id: 'vidA', code: 'ERR_PLATFORM_TRACKER_PROTOCOL' }),
      expect.objectContaining({ content_id: 'vidB', code: 'ERR_CONTENT_NOT_FOUND', message: 'gone {"level":30,"msg":"weights set"}' }),
    ]);
  });

  it('the single endpoint’s error code is taken only when it has the stable shape', async () => {
    answer = (path) =>
      path === '/get_metrics/batch' ? { status: 404, body: '{"detail":"Not Found"}' } : { status: 502, body: JSON.stringify({ detail: 'x', code: 'ERR_A\nERR_B', retryable: false }) };
    const { errors } = await call([REF]);
    expect(errors).toEqual([expect.objectContaining({ content_id: 'vidA', code: 'ERR_HTTP_502', retryable: false })]);
  });

  it('the single endpoint answering about another item is that item’s protocol error', async () => {
    answer = (path) => (path === '/get_metrics/batch' ? { status: 404, body: '{"detail":"Not Found"}' } : good('someoneElse'));
    const { results, errors } = await call([REF]);
    expect(results).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ content_id: 'vidA', code: 'ERR_PLATFORM_TRACKER_PROTOCOL', retryable: false })]);
    expect(errors[0]!.message).toMatch(/answered about youtube\/video someoneElse/);
  });
});

describe('platform API items with hostile numbers', () => {
  const video = (statistics: Record<string, unknown>) => ({
    kind: 'youtube#video',
    id: 'vidA',
    snippet: { publishedAt: '2026-01-01T00:00:00Z', channelId: 'UCx', title: 't', description: 'd' },
    statistics,
  });
  it.each([['-1'], ['1e3'], [''], [' 5'], ['0x10'], [5], [null]])('YouTube viewCount %j is refused', (viewCount) => {
    expect(youtubeVideoSchema.safeParse(video({ viewCount })).success).toBe(false);
  });

  it('a YouTube count past 2^53 is accepted as digits', () => {
    expect(youtubeVideoSchema.safeParse(video({ viewCount: '99999999999999999999' })).success).toBe(true);
  });

  const post = (extra: Record<string, unknown>) => ({
    shortCode: 'C1',
    url: 'https://www.instagram.com/p/C1/',
    type: 'Video',
    caption: 'c',
    commentsCount: 1,
    likesCount: 2,
    dimensionsHeight: 1920,
    dimensionsWidth: 1080,
    displayUrl: 'https://cdn.example/C1.jpg',
    firstComment: '',
    isCommentsDisabled: false,
    productType: 'clips',
    videoPlayCount: 10,
    videoViewCount: 8,
    videoDuration: 3.5,
    ownerUsername: 'o',
    timestamp: '2026-01-01T00:00:00.000Z',
    ...extra,
  });
  it('the complete item parses', () => {
    expect(instagramPostItemSchema.safeParse(post({})).success).toBe(true);
  });

  // What the original's pydantic model refuses (see instagram-differential.test.ts for the rest).
  it.each([
    [{ likesCount: 1.5 }],
    [{ likesCount: Number.POSITIVE_INFINITY }],
    [{ videoPlayCount: Number.NaN }],
    [{ videoPlayCount: 2 ** 53 }],
    [{ commentsCount: '1e3' }],
    [{ isCommentsDisabled: 'maybe' }],
    [{ timestamp: 'soon' }],
    [{ timestamp: 1767225600 }],
    [{ ownerUsername: 7 }],
    [{ videoUrl: null }],
  ])('an Instagram item with %j is refused', (extra) => {
    expect(instagramPostItemSchema.safeParse(post(extra)).success).toBe(false);
  });

  // ...and what it takes, as pydantic's lax mode reads it.
  it.each([
    [{ commentsCount: -1 }, 'commentsCount', -1],
    [{ commentsCount: ' 5 ' }, 'commentsCount', 5],
    [{ likesCount: -2 }, 'likesCount', -2],
    [{ videoPlayCount: '1_000.00' }, 'videoPlayCount', 1000],
    [{ videoDuration: -1.5 }, 'videoDuration', -1],
    [{ isCommentsDisabled: 'Yes' }, 'isCommentsDisabled', true],
    [{ ownerUsername: '' }, 'ownerUsername', ''],
    [{ timestamp: '2026-01-01 05:30+05:30' }, 'timestamp', '2026-01-01T00:00:00.000Z'],
  ])('an Instagram item with %j is read as the original reads it', (extra, field, value) => {
    expect((instagramPostItemSchema.parse(post(extra)) as Record<string, unknown>)[field]).toBe(value);
  });

  it('hidden Instagram likes (-1) parse as -1, the value the original sums', () => {
    expect(instagramPostItemSchema.parse(post({ likesCount: -1 })).likesCount).toBe(-1);
  });
});

describe("published_at from the original's tracker", () => {
  // Its answer carries Python's isoformat(): no offset for a naive time, which its validator
  // stores as UTC. The reading must not depend on the machine's time zone.
  it.each([
    ['2025-06-20T17:03:12', '2025-06-20T17:03:12.000Z'],
    ['2025-06-20T17:03:12.123999', '2025-06-20T17:03:12.123Z'],
    ['2025-06-20T17:03:12+05:30', '2025-06-20T11:33:12.000Z'],
    ['2025-06-20T00:00:00', '2025-06-20T00:00:00.000Z'],
  ])('%s is %s in any time zone', (sent, stored) => {
    const zone = process.env['TZ'];
    try {
      for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        process.env['TZ'] = tz;
        expect(fromWire({ ...BASE, published_at: sent }, REF).published_at).toBe(stored);
      }
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });
});
