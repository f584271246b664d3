import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AiDetectorService,
  MemoryAiResultCache,
  SightEngineClient,
} from '../../../src/services/ai-detector/index.js';
import type { CannedAnswer } from '../../helpers/replay-server.js';
import { fileServer, flatPng, testsrcVideo } from './media-helpers.js';
import { useSightEngineUpstream } from './sightengine-upstream.js';

const frame = flatPng(90);

function success(aiGenerated: unknown, extra: Record<string, unknown> = {}): CannedAnswer {
  return {
    status: 200,
    body: JSON.stringify({
      status: 'success',
      request: { id: 'r', timestamp: 1, operations: 1 },
      type: { ai_generated: aiGenerated },
      media: { id: 'm', uri: null },
      ...extra,
    }),
  };
}

const { against, upstream } = useSightEngineUpstream({ retries: 1, minRetryDelayMs: 1 });

describe('SightEngineClient: answers that are not a score', () => {
  it.each([
    ['a negative score', success(-0.2).body],
    ['a score as a string', success('0.9').body],
    ['a null score', success(null).body],
    ['a boolean score', success(true).body],
    ['a score in an array', success([0.9]).body],
    ['a score past the largest double (Infinity once parsed)', success(0.5).body.replace('0.5', '1e400')],
    ['a success status in another case', success(0.9).body.replace('"success"', '"Success"')],
    ['a top-level array', JSON.stringify([{ status: 'success', type: { ai_generated: 0.9 } }])],
    ['the score under another model name', JSON.stringify({ status: 'success', type: { ai_generated_v2: 0.9 } })],
    ['an empty body', ''],
  ])('%s is ERR_SIGHTENGINE_BAD_RESPONSE, asked once', async (_what, body) => {
    const c = await against([{ status: 200, body }]);
    await expect(c.scoreFrame(frame)).rejects.toMatchObject({ code: 'ERR_SIGHTENGINE_BAD_RESPONSE', retryable: false });
    expect(upstream().received).toHaveLength(1);
  });

  it('an answer of megabytes is refused without being read in full, even when it carries a valid score', async () => {
    const padded = success(0.9, { padding: 'x'.repeat(8 * 1024 * 1024) });
    const c = await against([padded]);
    const error = await c.scoreFrame(frame).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SIGHTENGINE_BAD_RESPONSE', retryable: false });
    expect((error as Error).message).toMatch(/larger than \d+ bytes/);
  });

  it.each([
    ['negative', '-50'],
    ['past the largest double', '1e400'],
    ['fractional', '0.5'],
    ['a string', '"7"'],
  ])('an operations count that is %s is counted as the one operation a frame costs', async (_what, raw) => {
    const body = success(0.5).body.replace('"operations":1', `"operations":${raw}`);
    const c = await against([{ status: 200, body }]);
    expect((await c.scoreFrame(frame)).operations).toBe(1);
    expect((await c.scoreFrame(frame)).operations).toBe(1);
    expect(c.operationsToday).toBe(2);
  });

  it('a score of exactly 0 and exactly 1 are scores', async () => {
    const c = await against([success(0), success(1)]);
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(0);
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(1);
  });
});

describe('AiDetectorService: a SightEngine fault never becomes a passing score', () => {
  let dir: string;
  let video: Awaited<ReturnType<typeof fileServer>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-se-hostile-'));
    video = await fileServer(await testsrcVideo(dir));
  });
  afterAll(async () => {
    await video.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['string scores', success('0.97')],
    ['scores above 1', success(3)],
    ['HTML from a proxy', { status: 200, body: '<html>Bad gateway</html>' }],
    ['a 429 with an unparsable Retry-After, every time', { status: 429, body: '', headers: { 'retry-after': '0x7fffffff' } }],
  ])('%s: the video is an error, nothing is cached, and the next request asks again', async (_what, answer) => {
    const cache = new MemoryAiResultCache();
    await against([answer]);
    const detector = new AiDetectorService({
      scorer: new SightEngineClient({
        baseUrl: upstream().url, apiUser: 'u', apiSecret: 's', retries: 1, minRetryDelayMs: 1, maxRetryAfterMs: 5,
      }),
      cache,
      allowPrivate: [video.url],
    });
    try {
      const url = `${video.url}/clip.mp4`;
      const first = await detector.detect(url).catch((e: unknown) => e);
      expect(first).toMatchObject({ code: 'ERR_AI_NO_FRAMES_SCORED' });
      expect(cache.size).toEqual({ videos: 0, frames: 0 });
      const asked = upstream().received.length;
      expect(asked).toBeGreaterThan(0);
      await expect(detector.detect(url)).rejects.toMatchObject({ code: 'ERR_AI_NO_FRAMES_SCORED' });
      expect(upstream().received.length).toBeGreaterThan(asked);
    } finally {
      await detector.close();
    }
  });
});

describe('SightEngineClient: failure answers are upstream text', () => {
  const failure = (type: unknown, message: unknown, status = 400): CannedAnswer => ({
    status,
    body: JSON.stringify({ status: 'failure', request: { id: 'r' }, error: { type, code: 21, message } }),
  });
  const forged = `bad media\n{"level":30,"msg":"weights set"}\r${'m'.repeat(200_000)}`;

  it('a megabyte-long, multi-line message is cut to one line of at most 200 characters', async () => {
    const c = await against([failure('media_error', forged)]);
    const error = (await c.scoreFrame(frame).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'ERR_SIGHTENGINE_MEDIA_ERROR', retryable: false });
    expect(error.message).not.toMatch(/[\n\r]/);
    expect(error.message.length).toBeLessThan(400);
  });

  it('the quota failure, which travels furthest (to the validator and its logs), is bounded too', async () => {
    const c = await against([failure('usage_limit', forged, 429)]);
    const error = (await c.scoreFrame(frame).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
    expect(error.message).not.toMatch(/[\n\r]/);
    expect(error.message.length).toBeLessThan(400);
  });

  it.each([
    ['a type of 100,000 letters', 'x'.repeat(100_000)],
    ['a type with a line break', 'media_error\nERR_FORGED'],
    ['a type of only punctuation', '%%%'],
    ['an empty type', ''],
  ])('%s gives a bounded code of the stable shape, not one the upstream wrote', async (_what, type) => {
    const c = await against([failure(type, 'no')]);
    const error = (await c.scoreFrame(frame).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toMatch(/^ERR_SIGHTENGINE_[A-Z0-9_]{1,40}$/);
    expect(error.code).not.toMatch(/_$/);
    expect(error.message).not.toMatch(/[\n\r]/);
    expect(error.message.length).toBeLessThan(400);
  });
});
