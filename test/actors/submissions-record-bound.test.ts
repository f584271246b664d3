import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON } from 'mongodb';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { ActorParent, GistSource } from '../../src/actors/types.js';
import { MinerReportStore } from '../../src/runtime/miner-report.js';
import { openStore } from '../../src/runtime/open-store.js';
import { batchedSubmissionSink } from '../../src/runtime/submission-sink.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import { startBackend, type StoreBackend } from '../store/backend.js';
import { GIST_LIMITS, TableAi, TableMetrics, keypair, makeDeps } from './helpers.js';

const INTERVAL = '2026-01-01-00-00';
const parent: ActorParent = { actorFailed: () => undefined };

let backend: StoreBackend;
let store: MongoStore;

beforeAll(async () => {
  backend = await startBackend();
  store = await openStore({ uri: backend.uri, db: backend.db });
});

afterAll(async () => {
  await store.close();
  await backend.stop();
});

/** A gist of nothing but bad lines, one per line past the parser's line limit too. */
function badGist(lines: number): GistSource {
  const body = Array.from({ length: lines }, (_, i) => `{not json ${i} ${'~'.repeat(90)}`).join('\n');
  return { fetch: async () => body };
}

async function persistBadGist(uri: string, maxRecordedRejections?: number, reports?: MinerReportStore) {
  const miner = await keypair(uri);
  const deps = makeDeps({
    gists: badGist(GIST_LIMITS.maxLines + 500),
    metricsProvider: new TableMetrics(),
    aiDetector: new TableAi(),
    submissions: batchedSubmissionSink(store, { concurrency: 1 }),
    ...(maxRecordedRejections === undefined ? {} : { maxRecordedRejections }),
  });
  const own = new MinerActor({ uid: 7, hotkey: miner.address, deps, parent });
  const actor = reports ? reports.wrap(own) : own;
  const collected = await actor.collect({ interval: INTERVAL, commitment: { hotkey: miner.address, block: 10, value: 'vibe-user:abc123' } });
  if (!collected.ok) throw collected.error;
  const persisted = await actor.persist({ interval: INTERVAL, lostClaims: new Set() });
  if (!persisted.ok) throw persisted.error;
  await own.stop();
  const stored = await backend.client.db(backend.db).collection('submissions').findOne({ hotkey: miner.address }, { projection: { _id: 0 } });
  return { collected: collected.value, persisted: persisted.value, stored: stored!, hotkey: miner.address };
}

describe('the stored submissions record', () => {
  it('keeps the first gist.max_recorded_rejections rejected lines (100 by default) and counts them all', async () => {
    const { collected, persisted, stored } = await persistBadGist('//Record/bound/1');
    // The parser read max_lines lines and refused the rest in one rejection.
    expect(collected.rejections).toHaveLength(GIST_LIMITS.maxLines + 1);
    expect(persisted.rejectedByReason).toEqual({ invalid_json: GIST_LIMITS.maxLines, over_line_limit: 1 });
    expect(stored['rejections']).toHaveLength(100);
    expect((stored['rejections'] as Array<{ line: number }>).map((r) => r.line)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(stored['rejections_total']).toBe(GIST_LIMITS.maxLines + 1);
    // A hundred excerpts of at most 120 characters: tens of KiB, not the whole gist.
    expect(BSON.calculateObjectSize(stored)).toBeLessThan(32 * 1024);
  });

  it('keeps none with 0, and still counts them', async () => {
    const { stored } = await persistBadGist('//Record/bound/2', 0);
    expect(stored['rejections']).toEqual([]);
    expect(stored['rejections_total']).toBe(GIST_LIMITS.maxLines + 1);
  });

  it('the actor holds excerpts and details of those first lines only; counts and the miner report still see every line', async () => {
    const reports = new MinerReportStore({ aiThreshold: 0.3 });
    const { collected, persisted, hotkey } = await persistBadGist('//Record/bound/3', undefined, reports);
    const all = GIST_LIMITS.maxLines + 1;
    expect(collected.rejections).toHaveLength(all);
    expect(collected.rejections.slice(0, 100).every((r) => r.excerpt.startsWith('{not json') && r.detail !== undefined)).toBe(true);
    // Past them, what a gist of max_lines bad lines would otherwise keep in memory for as long
    // as it stays unchanged: ~4.4 MB per miner at the default limits, ~1 MB without them.
    expect(collected.rejections.slice(100).every((r) => r.excerpt === '' && r.detail === undefined)).toBe(true);
    expect(collected.rejections.map((r) => r.line)).toEqual([...Array.from({ length: GIST_LIMITS.maxLines }, (_, i) => i + 1), GIST_LIMITS.maxLines + 1]);
    expect(persisted.rejectedByReason).toEqual({ invalid_json: GIST_LIMITS.maxLines, over_line_limit: 1 });
    const report = reports.report(hotkey)!;
    expect(report.rejected_lines).toHaveLength(all);
    expect(report.rejected_lines.at(-1)).toEqual({ line: all, reason: 'over_line_limit' });
    expect(report.rejected_lines[500]).toEqual({ line: 501, reason: 'invalid_json' });
  });
});
