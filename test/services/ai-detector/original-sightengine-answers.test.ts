import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { localDetector } from '../../../src/services/ai-detector/ai-detector-runtime.js';
import type { AiDetectorService } from '../../../src/services/ai-detector/index.js';
import { replayServer, type CannedAnswer, type ReplayServer } from '../../helpers/replay-server.js';
import { fileServer, flatPng, rampVideo } from './media-helpers.js';
import { useSightEngineUpstream } from './sightengine-upstream.js';

/*
 * `compat: original` reads a SightEngine answer as the original detector's query_sightengine
 * does (tensorflix/services/ai_detector/app.py @ ea86bf9, reference §5 step 5): HTTP 200 and
 * `status == "success"`, then `float(result["type"].get("ai_generated", 0.0))`. So a success
 * answer without the genai score is a frame scored 0.0, and a bool or a numeric string is read
 * as Python's float() reads it. Any other status (a 201 too) skips the frame there. The values
 * below are what Python 3.11's float() gives for each input.
 */

const frame = flatPng(90);

function answer(type: unknown, status = 200): CannedAnswer {
  return {
    status,
    body: JSON.stringify({ status: 'success', request: { id: 'r', timestamp: 1, operations: 1 }, type, media: { id: 'm', uri: null } }),
  };
}

const { against } = useSightEngineUpstream({ retries: 0, minRetryDelayMs: 1 });

describe('compat original: a SightEngine answer read as the original detector reads it', () => {
  it.each([
    ['no ai_generated in type', 0, {}],
    ['the score under another model name only', 0, { ai_generated_v2: 0.9 }],
    ['true', 1, { ai_generated: true }],
    ['false', 0, { ai_generated: false }],
    ['"0.9"', 0.9, { ai_generated: '0.9' }],
    ['" 0.25 " (float() strips whitespace)', 0.25, { ai_generated: ' 0.25 ' }],
    ['"\\t0.7\\n"', 0.7, { ai_generated: '\t0.7\n' }],
    ['"\\u00a00.6"', 0.6, { ai_generated: '\u00a00.6' }],
    ['".5"', 0.5, { ai_generated: '.5' }],
    ['"5e-1"', 0.5, { ai_generated: '5e-1' }],
    ['"1_0e-1" (underscores between digits)', 1, { ai_generated: '1_0e-1' }],
    ['"+0.4"', 0.4, { ai_generated: '+0.4' }],
    ['"1"', 1, { ai_generated: '1' }],
    ['a plain number', 0.31, { ai_generated: 0.31 }],
  ])('%s is a frame scored %s', async (_what, expected, type) => {
    const c = await against([answer(type)], { original: true });
    expect((await c.scoreFrame(frame)).aiGenerated).toBe(expected);
  });

  it.each([
    ['null (float(None) raises)', { ai_generated: null }],
    ['an array', { ai_generated: [0.9] }],
    ['an object', { ai_generated: { p: 0.9 } }],
    ['"abc"', { ai_generated: 'abc' }],
    ['""', { ai_generated: '' }],
    ['"0x1"', { ai_generated: '0x1' }],
    ['"1__0"', { ai_generated: '1__0' }],
    ['"0.9%"', { ai_generated: '0.9%' }],
    ['a type that is a list', [0.9]],
    ['a type that is a string', '0.9'],
  ])('%s: the frame is not scored, as there', async (_what, type) => {
    const c = await against([answer(type)], { original: true });
    await expect(c.scoreFrame(frame)).rejects.toMatchObject({ code: 'ERR_SIGHTENGINE_BAD_RESPONSE', retryable: false });
  });

  it('no type at all: not scored (a KeyError there)', async () => {
    const c = await against([{ status: 200, body: JSON.stringify({ status: 'success', request: { id: 'r', timestamp: 1, operations: 1 } }) }], { original: true });
    await expect(c.scoreFrame(frame)).rejects.toMatchObject({ code: 'ERR_SIGHTENGINE_BAD_RESPONSE' });
  });

  it('a success answered with HTTP 201 is not scored: the original accepts 200 only', async () => {
    const c = await against([answer({ ai_generated: 0.9 }, 201)], { original: true });
    await expect(c.scoreFrame(frame)).rejects.toMatchObject({ code: 'ERR_SIGHTENGINE_HTTP', status: 201, retryable: false });
  });

  it('the default reading stays strict: a missing score or a string is no score', async () => {
    for (const type of [{}, { ai_generated: '0.9' }, { ai_generated: true }]) {
      const c = await against([answer(type)]);
      await expect(c.scoreFrame(frame)).rejects.toMatchObject({ code: 'ERR_SIGHTENGINE_BAD_RESPONSE' });
    }
  });
});

describe('compat original: the detector built for it reads answers that way', () => {
  let dir: string;
  let video: Awaited<ReturnType<typeof fileServer>>;
  let upstream: ReplayServer | undefined;
  let detector: AiDetectorService | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iv-ai-original-answers-'));
    video = await fileServer(await rampVideo(dir));
  });
  afterEach(async () => {
    await detector?.close();
    await upstream?.close();
  });
  afterAll(async () => {
    await video.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every frame answered without a genai score: mean 0.0, so not AI (not the 0.969 of a video with no frame scored)', async () => {
    upstream = await replayServer([answer({})]);
    const config = loadConfig({ flags: { services: 'embedded', compat: 'original' }, env: {} });
    ({ detector } = localDetector(config, {
      sightengineBaseUrl: upstream.url,
      sightengineCredentials: { apiUser: 'u', apiSecret: 's' },
      allowPrivate: [video.url],
    }));
    const result = await detector.detect(`${video.url}/no-genai.mp4`);
    expect(result.mean_ai_generated).toBe(0);
    expect(result.per_frame.length).toBeGreaterThan(0);
    expect(result.per_frame.every((s) => s === 0)).toBe(true);
  });
});
