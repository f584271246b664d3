import type { Collection } from 'mongodb';
import type { AiResultRecord, Store } from './types.js';

/**
 * The store's AI verdicts: whole-video results by URL and frame scores by sha256, in MongoDB.
 *
 * What is read back is held to the shape the validator writes. A document written otherwise (a
 * hand edit, another version, a detector cache shared with someone else) must not become a
 * score: a string compares as a number (`'0.9' > 0.3`), 7 passes any threshold, NaN turns a
 * video's mean into NaN. Such a verdict is reported and read as not known, so the video or frame
 * is scored again.
 */

export type FrameDocument = { hash: string; score: number; updated_at: Date };

export interface AiResultsRepositoryHooks {
  /** Runs one store operation, counted and with driver errors mapped (MongoStore's #run). */
  run<T>(operation: string, work: () => Promise<T>): Promise<T>;
  /** Told of documents read as not known. */
  malformed(operation: string, count: number, why: string): void;
}

const isScore = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value <= 1;
const BAD_FRAME = 'score is not a number within [0, 1]';

/** Why a video result document cannot be used, or null when it can. */
export function malformedAiResult(doc: Readonly<Record<string, unknown>>): string | null {
  const { url, mean_ai_generated: mean, per_frame: perFrame } = doc;
  if (typeof url !== 'string') return 'url is not a string';
  if (!isScore(mean)) return 'mean_ai_generated is not a number within [0, 1]';
  if (!Array.isArray(perFrame) || !perFrame.every(isScore)) return 'per_frame is not an array of numbers within [0, 1]';
  return null;
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function frameHash(hash: unknown): string {
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw new TypeError(`frame hash must be 64 lowercase hex characters (sha256), got ${JSON.stringify(hash)}`);
  return hash;
}

function finiteScore(score: unknown): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new TypeError(`frame score must be a finite number, got ${String(score)}`);
  return score;
}

export function aiResultsRepository(
  results: Collection<AiResultRecord>,
  frames: Collection<FrameDocument>,
  hooks: AiResultsRepositoryHooks,
): Store['aiResults'] {
  const { run } = hooks;
  return {
    get: (url) =>
      run('aiResults.get', async () => {
        const doc = await results.findOne({ url: nonEmpty('url', url) }, { projection: { _id: 0 } });
        const why = doc === null ? null : malformedAiResult(doc as unknown as Record<string, unknown>);
        if (why === null) return doc;
        hooks.malformed('aiResults.get', 1, why);
        return null;
      }),
    put: (record) =>
      run('aiResults.put', async () => {
        nonEmpty('record.url', record?.url);
        await results.replaceOne({ url: record.url }, { ...record }, { upsert: true });
      }),
    getFrame: (hash) =>
      run('aiResults.getFrame', async () => {
        const doc = await frames.findOne({ hash: frameHash(hash) }, { projection: { _id: 0, score: 1 } });
        if (doc === null) return null;
        if (isScore(doc.score)) return doc.score;
        hooks.malformed('aiResults.getFrame', 1, BAD_FRAME);
        return null;
      }),
    putFrame: (hash, score) =>
      run('aiResults.putFrame', async () => {
        await frames.updateOne({ hash: frameHash(hash) }, { $set: { score: finiteScore(score), updated_at: new Date() } }, { upsert: true });
      }),
    getFrames: (hashes) =>
      run('aiResults.getFrames', async () => {
        if (!Array.isArray(hashes)) throw new TypeError('hashes must be an array of sha256 hex strings');
        const out = new Map<string, number>();
        const wanted = [...new Set(hashes.map(frameHash))];
        if (wanted.length === 0) return out;
        let malformed = 0;
        for await (const doc of frames.find({ hash: { $in: wanted } }, { projection: { _id: 0, hash: 1, score: 1 } })) {
          if (isScore(doc.score)) out.set(doc.hash, doc.score);
          else malformed++;
        }
        if (malformed > 0) hooks.malformed('aiResults.getFrames', malformed, BAD_FRAME);
        return out;
      }),
    putFrames: (list) =>
      run('aiResults.putFrames', async () => {
        if (!Array.isArray(list)) throw new TypeError('frames must be an array of {hash, score}');
        if (list.length === 0) return;
        const now = new Date();
        const operations = list.map(({ hash, score }) => ({
          updateOne: { filter: { hash: frameHash(hash) }, update: { $set: { score: finiteScore(score), updated_at: now } }, upsert: true },
        }));
        await frames.bulkWrite(operations, { ordered: false });
      }),
  };
}
