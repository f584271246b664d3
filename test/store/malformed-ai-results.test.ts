import { describe, expect, it } from 'vitest';
import { Double } from 'mongodb';
import { COLLECTIONS } from '../../src/store/mongo-store.js';
import { useWatchedStore } from './backend.js';

/**
 * AI verdicts the validator did not write as they are now (a hand edit, another version, a
 * detector cache shared with someone else): a read treats them as not known, so the video or
 * frame is scored again, instead of passing a string, NaN or 7 on as an AI score.
 */

const watched = useWatchedStore();

const good = { mean_ai_generated: 0.5, per_frame: [0.4, 0.6], source: 'miner', checked_at: new Date('2026-11-26T00:00:00Z') };
const badVideos: Array<[string, Record<string, unknown>]> = [
  ['a score as a string', { mean_ai_generated: '0.9' }],
  ['a score above 1', { mean_ai_generated: 7 }],
  ['a negative score', { mean_ai_generated: -0.5 }],
  ['a NaN score', { mean_ai_generated: new Double(Number.NaN) }],
  ['a missing score', { mean_ai_generated: undefined }],
  ['per-frame scores that are not an array', { per_frame: 'x' }],
  ['a per-frame score as a string', { per_frame: [0.5, '0.9'] }],
  ['a per-frame score above 1', { per_frame: [0.5, 3] }],
];
const hash = (i: number): string => i.toString(16).padStart(64, '0');
const badFrames: unknown[] = ['0.9', 7, -1, new Double(Number.NaN), null, [0.5]];

describe('AI results of the wrong shape', () => {
  it('a malformed video result is not known: get answers null, warns and counts it', async () => {
    const docs = badVideos.map(([, over], i) => {
      const doc: Record<string, unknown> = { url: `https://cdn.example/bad${i}.mp4`, ...good, ...over };
      for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
      return doc;
    });
    await watched.backend.client.db(watched.backend.db).collection(COLLECTIONS.aiResults).insertMany([{ url: 'https://cdn.example/good.mp4', ...good }, ...docs]);
    expect(await watched.store.aiResults.get('https://cdn.example/good.mp4')).toEqual({ url: 'https://cdn.example/good.mp4', ...good });
    for (let i = 0; i < badVideos.length; i++) {
      expect(await watched.store.aiResults.get(`https://cdn.example/bad${i}.mp4`), badVideos[i]![0]).toBeNull();
    }
    const warned = watched.warnings.filter((w) => w['code'] === 'ERR_STORE_MALFORMED_DOCUMENT' && w['operation'] === 'aiResults.get');
    expect(warned).toHaveLength(badVideos.length);
    expect(await watched.metrics.registry.metrics()).toContain(`infinitevibe_store_operations_total{operation="aiResults.get",result="malformed"} ${badVideos.length}`);
  });

  it('a malformed frame score is not known: getFrame answers null and getFrames leaves it out', async () => {
    const frames = watched.backend.client.db(watched.backend.db).collection(COLLECTIONS.aiFrames);
    await frames.insertMany([{ hash: hash(0), score: 0.25 }, ...badFrames.map((score, i) => ({ hash: hash(i + 1), score }))]);
    expect(await watched.store.aiResults.getFrame(hash(0))).toBe(0.25);
    for (let i = 1; i <= badFrames.length; i++) expect(await watched.store.aiResults.getFrame(hash(i))).toBeNull();
    const known = await watched.store.aiResults.getFrames(Array.from({ length: badFrames.length + 1 }, (_, i) => hash(i)));
    expect([...known]).toEqual([[hash(0), 0.25]]);
    expect(await watched.metrics.registry.metrics()).toContain(`infinitevibe_store_operations_total{operation="aiResults.getFrames",result="malformed"} ${badFrames.length}`);
  });
});
