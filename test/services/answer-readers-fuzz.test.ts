/**
 * Upstream answers a tracker or AI detector can send, fuzzed against their readers: every answer
 * is read as a result or refused per item with a ServiceError code, never a bare exception, and
 * no `__proto__` / `constructor` key reaches an object's prototype. A fixed seed and FUZZ_RUNS
 * runs (default 300) keep the suite fast; hunt longer with e.g.
 * `FUZZ_RUNS=100000 npx vitest run test/services/answer-readers-fuzz.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { readDetectBatchLine } from '../../src/services/ai-detector/detect-batch-wire.js';
import { errorFields, readBatchAnswer, readSingleAnswer } from '../../src/services/platform-tracker/batch-answer.js';
import type { ContentRef } from '../../src/services/types.js';

const NUM_RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);
const REFS: ContentRef[] = [
  { platform: 'youtube/video', content_id: 'Ks-_Mh1QhMc' },
  { platform: 'instagram/reel', content_id: 'C7xAbCdEfGh' },
];
const KEYS = ['platform', 'platform_name', 'content_id', 'view_count', 'video_play_count', 'like_count', 'comment_count',
  'owner_follower_count', 'published_at', 'caption', 'video_url', 'crawl_video_url', 'code', 'message', 'retryable',
  'detail', '__proto__', 'constructor', 'prototype', 'index', 'url', 'mean_ai_generated', 'per_frame', 'cached', 'error'];

/** JSON values whose objects use the readers' own keys (and prototype keys), with plausible values. */
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...REFS.map((r) => r.platform), ...REFS.map((r) => r.content_id), '2024-02-29T12:00:00', '1e400', '-1', ''),
    fc.jsonValue({ maxDepth: 1 }),
    fc.double(),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 8 }),
    fc.array(tie('v'), { maxLength: 4 }),
  ),
})).v;
/** The same values as JSON text: JSON.parse makes `__proto__` an own key, as a real answer would. */
const answerText = value.map((v) => JSON.stringify(v) ?? 'null');

const protoClean = (): void => {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
};

describe('platform-tracker answers', () => {
  it('a batch answer: every asked item is a result or an error entry, nothing else', () => {
    fc.assert(
      fc.property(fc.array(answerText, { maxLength: 6 }), fc.array(answerText, { maxLength: 4 }), (results, errors) => {
        const out = readBatchAnswer(REFS, results.map((t) => JSON.parse(t) as unknown), errors.map((t) => JSON.parse(t) as unknown));
        expect(out.results.length + out.errors.length).toBe(REFS.length);
        for (const r of out.results) expect(REFS.some((ref) => ref.platform === r.platform && ref.content_id === r.content_id)).toBe(true);
        for (const e of out.errors) expect(typeof e.code).toBe('string');
        protoClean();
      }),
      { numRuns: NUM_RUNS, seed: 7 },
    );
  });

  it('a single answer: the asked item or a ServiceError', () => {
    fc.assert(
      fc.property(answerText, (text) => {
        try {
          const m = readSingleAnswer(REFS[0]!, JSON.parse(text) as unknown);
          expect(m).toMatchObject(REFS[0]!);
        } catch (error) {
          expect(error).toBeInstanceOf(ServiceError);
        }
        expect(errorFields(JSON.parse(text) as unknown)).toBeTypeOf('object');
        protoClean();
      }),
      { numRuns: NUM_RUNS, seed: 7 },
    );
  });
});

describe('AI detector batch answer lines', () => {
  it('a line is one of the two shapes, with a score in [0, 1], or undefined', () => {
    fc.assert(
      fc.property(fc.oneof(answerText, fc.string()), (text) => {
        const line = readDetectBatchLine(text);
        if (line === undefined) return;
        expect(Number.isInteger(line.index) && line.index >= 0).toBe(true);
        if ('error' in line) expect(typeof line.error.code).toBe('string');
        else {
          expect(line.mean_ai_generated).toBeGreaterThanOrEqual(0);
          expect(line.mean_ai_generated).toBeLessThanOrEqual(1);
        }
        protoClean();
      }),
      { numRuns: NUM_RUNS, seed: 7 },
    );
  });
});
