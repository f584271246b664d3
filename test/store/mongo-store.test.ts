import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateKeyError, StoreError, StoreUnavailableError } from '../../src/errors.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { COLLECTIONS, LISTING_IDS_PER_QUERY, type MongoStore } from '../../src/store/mongo-store.js';
import { openStore } from '../../src/runtime/open-store.js';
import { toStoreError } from '../../src/store/store-error-mapping.js';
import type { ScoreRecord, SubmissionRecord, WeightCommitRecord } from '../../src/store/types.js';
import { snapshot, startBackend, type StoreBackend } from './backend.js';

let backend: StoreBackend;
let store: MongoStore;
let metrics: ValidatorMetrics;

beforeAll(async () => {
  backend = await startBackend();
  metrics = new ValidatorMetrics({ defaultMetrics: false });
  store = await openStore({ uri: backend.uri, db: backend.db, metrics, serverSelectionTimeoutMS: 2_000 });
});

afterAll(async () => {
  await store?.close();
  await backend?.stop();
});

function submission(hotkey: string, interval: string): SubmissionRecord {
  return {
    hotkey,
    uid: 3,
    commitment: 'gist-abc',
    commitment_block: 120,
    interval,
    submissions: [{ platform: 'youtube/video', content_id: 'vid1', direct_video_url: 'https://example.invalid/v.mp4', line: 1 }],
    rejections: [{ line: 2, reason: 'invalid_json', excerpt: '{oops' }],
    updated_at: new Date(Date.UTC(2026, 10, 26)),
  };
}

function commit(overrides: Partial<WeightCommitRecord> = {}): WeightCommitRecord {
  return {
    attempted_at: new Date(Date.UTC(2026, 10, 26, 6, 0, 0)),
    netuid: 89,
    hotkey: '5Hk',
    mode: 'set',
    result: 'success',
    uids: [1, 2],
    values: [65535, 1000],
    version_key: '1000',
    block: 500,
    tx_hash: '0xabc',
    error_code: null,
    error_message: null,
    ...overrides,
  };
}

describe(`MongoStore (${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded'} backend)`, () => {
  it('creates the indexes it relies on, idempotently', async () => {
    await store.ensureIndexes();
    const indexes = await backend.client.db(backend.db).collection(COLLECTIONS.snapshots).indexes();
    expect(indexes.find((i) => i.name === 'snapshot_key')).toMatchObject({ key: { hotkey: 1, platform: 1, content_id: 1, interval: 1 }, unique: true });
    for (const [collection, name] of [
      [COLLECTIONS.submissions, 'hotkey_unique'],
      [COLLECTIONS.aiResults, 'url_unique'],
      [COLLECTIONS.aiFrames, 'hash_unique'],
    ]) {
      const found = (await backend.client.db(backend.db).collection(collection!).indexes()).find((i) => i.name === name);
      expect(found?.unique).toBe(true);
    }
  });

  it('keeps one submissions document per hotkey', async () => {
    await store.submissions.upsert(submission('5Sub', '2026-11-26-04-00'));
    await store.submissions.upsert(submission('5Sub', '2026-11-26-06-00'));
    expect(await backend.client.db(backend.db).collection(COLLECTIONS.submissions).countDocuments({ hotkey: '5Sub' })).toBe(1);
    expect(await store.submissions.latest('5Sub')).toEqual(submission('5Sub', '2026-11-26-06-00'));
    expect(await store.submissions.latest('5Nobody')).toBeNull();
    await expect(store.submissions.upsert({ ...submission('x', 'y'), hotkey: '' })).rejects.toThrow(new TypeError('record.hotkey must be a non-empty string, got ""'));
  });

  it('finds the records listing any of some content_ids, but those of the hotkeys left out, without their rejections', async () => {
    const listing = (hotkey: string, listed: string[]) => ({ ...submission(hotkey, '2026-11-26-08-00'), listed_content_ids: listed });
    await store.submissions.upsertMany([listing('5ListA', ['la1', 'la2']), listing('5ListB', ['la2', 'lb1']), listing('5ListC', ['lc1']), submission('5ListOld', 'x')]);
    const hotkeys = async (ids: string[], except: string[] = []) => (await store.submissions.listing(ids, except)).map((r) => r.hotkey).sort();
    expect(await hotkeys(['la2'])).toEqual(['5ListA', '5ListB']);
    expect(await hotkeys(['la2', 'lc1'], ['5ListB'])).toEqual(['5ListA', '5ListC']);
    expect(await hotkeys(['vid1'])).toEqual([]);
    expect(await hotkeys([])).toEqual([]);
    const [record] = await store.submissions.listing(['lc1'], []);
    expect(record).toEqual({ ...listing('5ListC', ['lc1']), rejections: undefined });
    expect('rejections' in record!).toBe(false);
    // Past one query's worth of ids: the match in a later query is found, once.
    const many = Array.from({ length: LISTING_IDS_PER_QUERY * 2 + 1 }, (_, i) => `many${i}`);
    expect(await hotkeys([...many, 'lb1', 'la1'])).toEqual(['5ListA', '5ListB']);
    const indexes = await backend.client.db(backend.db).collection(COLLECTIONS.submissions).indexes();
    expect(indexes.find((i) => i.name === 'listed_content_ids')?.key).toEqual({ listed_content_ids: 1 });
  });

  it('writes many hotkeys\' submissions records in one call, keeping the last record given for a hotkey', async () => {
    await store.submissions.upsert(submission('5ManySubA', '2026-11-26-02-00'));
    await store.submissions.upsertMany([
      submission('5ManySubA', '2026-11-26-04-00'),
      submission('5ManySubB', '2026-11-26-04-00'),
      submission('5ManySubA', '2026-11-26-06-00'),
    ]);
    expect(await store.submissions.latest('5ManySubA')).toEqual(submission('5ManySubA', '2026-11-26-06-00'));
    expect(await store.submissions.latest('5ManySubB')).toEqual(submission('5ManySubB', '2026-11-26-04-00'));
    expect(await backend.client.db(backend.db).collection(COLLECTIONS.submissions).countDocuments({ hotkey: { $in: ['5ManySubA', '5ManySubB'] } })).toBe(2);
    await store.submissions.upsertMany([]);
    await expect(store.submissions.upsertMany([{ ...submission('x', 'y'), hotkey: '' }])).rejects.toThrow(new TypeError('record.hotkey must be a non-empty string, got ""'));
    await expect(store.submissions.upsertMany({} as never)).rejects.toThrow(new TypeError('records must be an array of submission records'));
  });

  it('stores a snapshot once: re-writing it is matched, not duplicated, and the first write wins', async () => {
    const batch = [0, 1, 2].map((i) => snapshot(i, { hotkey: '5Idem' }));
    expect(await store.snapshots.upsertMany(batch)).toEqual({ inserted: 3, matched: 0, upserted: [0, 1, 2] });
    const rewritten = batch.map((s) => ({ ...s, view_count: 999_999 }));
    expect(await store.snapshots.upsertMany(rewritten)).toEqual({ inserted: 0, matched: 3, upserted: [] });
    expect(await store.snapshots.count({ hotkey: '5Idem' })).toBe(3);
    const history = await store.snapshots.history('5Idem');
    // platform, then content: instagram/reel content-1 before youtube/video content-0 and content-2
    expect(history).toEqual([batch[1], batch[0], batch[2]]);
    expect(await store.snapshots.upsertMany([])).toEqual({ inserted: 0, matched: 0 });
  });

  it('orders history by content then interval', async () => {
    await store.snapshots.upsertMany([
      snapshot(1, { hotkey: '5Hist', content_id: 'b', interval: '2026-11-26-02-00' }),
      snapshot(1, { hotkey: '5Hist', content_id: 'a', interval: '2026-11-26-04-00' }),
      snapshot(1, { hotkey: '5Hist', content_id: 'a', interval: '2026-11-26-02-00' }),
    ]);
    expect((await store.snapshots.history('5Hist')).map((s) => `${s.content_id}@${s.interval}`)).toEqual(['a@2026-11-26-02-00', 'a@2026-11-26-04-00', 'b@2026-11-26-02-00']);
  });

  it('reads many hotkeys\' histories in one query, each as history() gives it, and an empty one for a hotkey with nothing', async () => {
    await store.snapshots.upsertMany([
      snapshot(1, { hotkey: '5ManyB', content_id: 'z', interval: '2026-11-26-02-00' }),
      snapshot(1, { hotkey: '5ManyA', content_id: 'b', interval: '2026-11-26-04-00' }),
      snapshot(1, { hotkey: '5ManyA', content_id: 'a', interval: '2026-11-26-04-00' }),
      snapshot(1, { hotkey: '5ManyA', content_id: 'a', interval: '2026-11-26-02-00' }),
      snapshot(1, { hotkey: '5ManyBig', view_count: 2n ** 53n + 1n }),
    ]);
    const many = await store.snapshots.histories(['5ManyA', '5ManyB', '5ManyNone', '5ManyBig', '5ManyA']);
    expect([...many.keys()]).toEqual(['5ManyA', '5ManyB', '5ManyNone', '5ManyBig']);
    for (const hotkey of ['5ManyA', '5ManyB', '5ManyNone', '5ManyBig']) expect(many.get(hotkey)).toEqual(await store.snapshots.history(hotkey));
    expect(many.get('5ManyA')!.map((s) => `${s.content_id}@${s.interval}`)).toEqual(['a@2026-11-26-02-00', 'a@2026-11-26-04-00', 'b@2026-11-26-04-00']);
    expect(many.get('5ManyBig')![0]!.view_count).toBe(2n ** 53n + 1n);
    expect((await store.snapshots.histories([])).size).toBe(0);
    await expect(store.snapshots.histories(['5ManyA', ''])).rejects.toThrow(new TypeError('hotkey must be a non-empty string, got ""'));
    await expect(store.snapshots.histories('5ManyA' as never)).rejects.toThrow(new TypeError('hotkeys must be an array of SS58 strings'));
  });

  it('keeps view counts past 2^53 exact through the store (int64 in, bigint out)', async () => {
    const big = 2n ** 53n + 1n;
    await store.snapshots.upsertMany([snapshot(1, { hotkey: '5BigViews', view_count: big }), snapshot(2, { hotkey: '5BigViews', view_count: 42 })]);
    const history = await store.snapshots.history('5BigViews');
    expect(history.map((h) => h.view_count)).toEqual([big, 42]);
  });

  it('bulk-upserts 10,000 snapshots in one call, and reports all of them matched the second time', async () => {
    const batch = Array.from({ length: 10_000 }, (_, i) => snapshot(i, { interval: '2026-11-26-08-00' }));
    const first = await store.snapshots.upsertMany(batch);
    expect(first).toMatchObject({ inserted: 10_000, matched: 0 });
    expect(first.upserted).toHaveLength(10_000);
    expect(await store.snapshots.upsertMany(batch)).toEqual({ inserted: 0, matched: 10_000, upserted: [] });
    expect(await store.snapshots.count({ interval: '2026-11-26-08-00' })).toBe(10_000);
    expect(await store.snapshots.count({ interval: '2026-11-26-08-00', platform: 'youtube/video' })).toBe(5_000);
  });

  it('refuses malformed snapshots and filters with precise errors, storing nothing', async () => {
    await expect(store.snapshots.upsertMany([snapshot(1, { hotkey: '5Bad' }), snapshot(2, { hotkey: '5Bad', interval: '2026-11-26' })])).rejects.toThrow(
      new TypeError('snapshot 1: interval: must be YYYY-MM-DD-HH-MM'),
    );
    await expect(store.snapshots.upsertMany([snapshot(1, { hotkey: '5Bad', platform: 'tiktok' as never })])).rejects.toThrow(/snapshot 0: platform/);
    await expect(store.snapshots.upsertMany([snapshot(1, { hotkey: '5Bad', view_count: 1.5 })])).rejects.toThrow(/snapshot 0: view_count/);
    await expect(store.snapshots.upsertMany([snapshot(1, { hotkey: '5Bad', comment_count: '3' as never })])).rejects.toThrow(/snapshot 0: comment_count/);
    await expect(store.snapshots.upsertMany([snapshot(1, { hotkey: '5Bad', owner_follower_count: -1 })])).rejects.toThrow(/snapshot 0: owner_follower_count/);
    expect(await store.snapshots.count({ hotkey: '5Bad' })).toBe(0);
    // A post's counts are kept as the platform gave them, as the original records them: hidden
    // likes are -1, and its model takes negative counts of any kind.
    await store.snapshots.upsertMany([snapshot(1, { hotkey: '5Hidden', like_count: -1, comment_count: -3, view_count: -10 })]);
    expect((await store.snapshots.history('5Hidden'))[0]).toMatchObject({ like_count: -1, comment_count: -3, view_count: -10 });
    await expect(store.snapshots.count({ owner: 'x' } as never)).rejects.toThrow(new TypeError('filter.owner is not a snapshot count filter (hotkey, interval, platform)'));
  });

  it('caches AI results per URL and frame scores per hash', async () => {
    const url = 'https://cdn.example.invalid/v1.mp4';
    expect(await store.aiResults.get(url)).toBeNull();
    const record = { url, mean_ai_generated: 0.8, per_frame: [0.7, 0.9], source: 'platform' as const, checked_at: new Date(1_000) };
    await store.aiResults.put(record);
    await store.aiResults.put({ ...record, mean_ai_generated: 0.6 });
    expect(await store.aiResults.get(url)).toEqual({ ...record, mean_ai_generated: 0.6 });
    const hash = 'a'.repeat(64);
    expect(await store.aiResults.getFrame(hash)).toBeNull();
    await store.aiResults.putFrame(hash, 0.42);
    await store.aiResults.putFrame(hash, 0.43);
    expect(await store.aiResults.getFrame(hash)).toBe(0.43);
    await expect(store.aiResults.getFrame('not-a-hash')).rejects.toThrow(TypeError);
    await expect(store.aiResults.putFrame(hash, Number.NaN)).rejects.toThrow(new TypeError('frame score must be a finite number, got NaN'));
  });

  it('reads and writes a video’s frame scores in one round trip each', async () => {
    const [b, c, d] = ['1', '2', '3'].map((x) => x.repeat(64)) as [string, string, string];
    expect(await store.aiResults.getFrames([])).toEqual(new Map());
    await store.aiResults.putFrames([]);
    await store.aiResults.putFrames([{ hash: b, score: 0.1 }, { hash: c, score: 0.2 }]);
    await store.aiResults.putFrames([{ hash: c, score: 0.25 }]);
    // Unknown hashes are left out; a hash asked for twice is answered once.
    expect(await store.aiResults.getFrames([b, c, d, b])).toEqual(new Map([[b, 0.1], [c, 0.25]]));
    expect(await store.aiResults.getFrame(c)).toBe(0.25);
    await expect(store.aiResults.getFrames(['not-a-hash'])).rejects.toThrow(TypeError);
    await expect(store.aiResults.getFrames('b' as never)).rejects.toThrow(new TypeError('hashes must be an array of sha256 hex strings'));
    await expect(store.aiResults.putFrames([{ hash: d, score: Number.POSITIVE_INFINITY }])).rejects.toThrow(new TypeError('frame score must be a finite number, got Infinity'));
    expect(await store.aiResults.getFrames([d])).toEqual(new Map());
  });

  it('returns the latest score computation of a policy, by uid', async () => {
    const at = (m: number): Date => new Date(Date.UTC(2026, 10, 26, 6, m));
    const rec = (uid: number, score: number, computed_at: Date, policy = 'engagement'): ScoreRecord => ({ interval: '2026-11-26-06-00', policy, hotkey: `5H${uid}`, uid, score, details: { n: uid }, computed_at });
    expect(await store.scores.latest('engagement')).toEqual([]);
    await store.scores.record([rec(2, 0.5, at(0)), rec(1, 0.5, at(0))]);
    await store.scores.record([rec(3, 0.7, at(20)), rec(1, 0.3, at(20))]);
    await store.scores.record([rec(9, 1, at(30), 'growth')]);
    await store.scores.record([]);
    expect((await store.scores.latest('engagement')).map((r) => [r.uid, r.score])).toEqual([
      [1, 0.3],
      [3, 0.7],
    ]);
    expect(await store.scores.latest('growth')).toEqual([rec(9, 1, at(30), 'growth')]);
  });

  it('stores a score record under its own _id once, whichever copy of it comes (a spool replayed after a restart)', async () => {
    const _id = '0123456789abcdef0123abcd';
    const rec = (): ScoreRecord => ({ interval: '2026-11-27-06-00', policy: 'own-id', hotkey: '5H1', uid: 1, score: 0.25, details: {}, computed_at: new Date(Date.UTC(2026, 10, 27, 6)), _id });
    // Distinct objects, as a new process reads them back from a file.
    await store.scores.record([rec()]);
    await store.scores.record([rec()]);
    const docs = await backend.client.db(backend.db).collection(COLLECTIONS.scores).find({ policy: 'own-id' }).toArray();
    expect(docs.map((d) => [String(d['_id']), d['score']])).toEqual([[_id, 0.25]]);
    const { _id: _omitted, ...fields } = rec();
    expect(await store.scores.latest('own-id')).toEqual([fields]);
    await expect(store.scores.record([{ ...rec(), _id: 'not-an-id' }])).rejects.toThrow(/24-character hex/);
  });

  it('keeps the weight-commit audit trail and the pending reveals', async () => {
    const setId = await store.weightCommits.record(commit());
    expect(setId).toMatch(/^[0-9a-f]{24}$/);
    const commitId = await store.weightCommits.record(commit({ mode: 'commit', attempted_at: new Date(Date.UTC(2026, 10, 26, 7)), salt: [1, 2, 3], commit_hash: '0xhash', reveal_from_block: 600, revealed: false }));
    await store.weightCommits.record(commit({ mode: 'commit', result: 'rate_limited', attempted_at: new Date(Date.UTC(2026, 10, 26, 8)), error_code: 'ERR_CHAIN_MODULE_CommittingWeightsTooFast' }));
    const pending = await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid: 89 });
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ id: commitId, salt: [1, 2, 3], commit_hash: '0xhash', reveal_from_block: 600 });
    expect(await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid: 1 })).toEqual([]);
    await store.weightCommits.update(commitId, { revealed: true });
    expect(await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid: 89 })).toEqual([]);
    const recent = await store.weightCommits.recent({ hotkey: '5Hk', netuid: 89 }, 2);
    expect(recent.map((r) => [r.mode, r.result])).toEqual([
      ['commit', 'rate_limited'],
      ['commit', 'success'],
    ]);
    expect(recent[1]?.revealed).toBe(true);
    await expect(store.weightCommits.update('0123456789abcdef01234567', { revealed: true })).rejects.toMatchObject({ code: 'ERR_STORE_NOT_FOUND' });
    await expect(store.weightCommits.update('nope', { revealed: true })).rejects.toThrow(TypeError);
    await expect(store.weightCommits.recent({ hotkey: '5Hk', netuid: 89 }, 0)).rejects.toThrow(new RangeError('limit must be an integer in [1, 10000], got 0'));
    await expect(store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid: -1 })).rejects.toThrow(RangeError);
  });

  it('write-ahead commits: pending and committed ones await a reveal; latestSuccess finds the last applied vector', async () => {
    const netuid = 7;
    const at = (h: number) => new Date(Date.UTC(2026, 10, 27, h));
    const pendingId = await store.weightCommits.record(commit({ netuid, mode: 'commit', result: 'pending', state: 'pending', attempted_at: at(1), salt: [5], hotkey: '5Hk', intended_at: at(1), intended_block: 10, commit_hash: '0xa', block: null }));
    const committedId = await store.weightCommits.record(commit({ netuid, mode: 'commit', result: 'success', state: 'committed', attempted_at: at(2), salt: [6], uids: [4], values: [65535] }));
    await store.weightCommits.record(commit({ netuid, mode: 'commit', result: 'error', state: 'failed', attempted_at: at(3), salt: [7] }));
    await store.weightCommits.record(commit({ netuid, mode: 'set', result: 'error', attempted_at: at(4), uids: [9], values: [1] }));
    await store.weightCommits.record(commit({ netuid, mode: 'dry_run', result: 'success', attempted_at: at(5), uids: [8], values: [1] }));
    expect((await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid })).map((r) => [r.id, r.state])).toEqual([
      [pendingId, 'pending'],
      [committedId, 'committed'],
    ]);
    expect((await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid }))[0]).toMatchObject({ salt: [5], hotkey: '5Hk', intended_at: at(1), intended_block: 10, commit_hash: '0xa' });
    await store.weightCommits.update(pendingId, { state: 'dropped', error_code: 'ERR_WEIGHTS_COMMIT_NOT_ON_CHAIN' });
    await store.weightCommits.update(committedId, { state: 'revealed', revealed: true });
    expect(await store.weightCommits.pendingReveals({ hotkey: '5Hk', netuid })).toEqual([]);
    expect(await store.weightCommits.latestSuccess({ hotkey: '5Hk', netuid }, ['set', 'commit'])).toMatchObject({ mode: 'commit', uids: [4], values: [65535] });
    expect(await store.weightCommits.latestSuccess({ hotkey: '5Hk', netuid }, ['dry_run'])).toMatchObject({ mode: 'dry_run', uids: [8] });
    expect(await store.weightCommits.latestSuccess({ hotkey: '5Hk', netuid: netuid + 1 }, ['set'])).toBeNull();
    await expect(store.weightCommits.latestSuccess({ hotkey: '5Hk', netuid }, [])).rejects.toThrow(TypeError);
    await expect(store.weightCommits.latestSuccess({ hotkey: '5Hk', netuid: 70_000 }, ['set'])).rejects.toThrow(RangeError);
  });

  it('answers ping and counts operations by result', async () => {
    await store.ping();
    const values = (await metrics.storeOperationsTotal.get()).values;
    expect(values.find((v) => v.labels.operation === 'ping' && v.labels.result === 'ok')?.value).toBeGreaterThanOrEqual(1);
    expect(values.find((v) => v.labels.operation === 'weightCommits.update' && v.labels.result === 'error')?.value).toBeGreaterThanOrEqual(1);
  });

  it('maps driver errors: E11000 → DuplicateKeyError with keyValue, others → StoreError', async () => {
    const raw = backend.client.db(backend.db).collection(COLLECTIONS.aiFrames);
    await raw.insertOne({ hash: 'b'.repeat(64), score: 1 });
    const single = await raw.insertOne({ hash: 'b'.repeat(64), score: 2 }).catch((e: unknown) => e);
    expect(single).toBeInstanceOf(MongoServerError);
    const mapped = toStoreError(single, 'frames.insert');
    expect(mapped).toBeInstanceOf(DuplicateKeyError);
    expect(mapped.code).toBe('ERR_STORE_DUPLICATE_KEY');
    expect((mapped as DuplicateKeyError).keyValue).toEqual({ hash: 'b'.repeat(64) });
    expect(mapped.message).toMatch(/^frames\.insert: E11000 duplicate key error/);
    const bulk = await raw.insertMany([{ hash: 'c'.repeat(64) }, { hash: 'b'.repeat(64) }]).catch((e: unknown) => e);
    const bulkMapped = toStoreError(bulk, 'frames.insertMany');
    // The driver keeps only code and errmsg of each bulk write error, so keyValue is not known here.
    expect(bulkMapped).toBeInstanceOf(DuplicateKeyError);
    expect(bulkMapped.message).toMatch(/^frames\.insertMany: E11000 duplicate key error .* dup key: \{ hash: "b{64}" \}$/);
    const other = await backend.client.db(backend.db).command({ noSuchCommandHere: 1 }).catch((e: unknown) => e);
    const otherMapped = toStoreError(other, 'cmd');
    expect(otherMapped).toBeInstanceOf(StoreError);
    expect(otherMapped).not.toBeInstanceOf(StoreUnavailableError);
    expect(otherMapped.code).toBe('ERR_STORE_COMMAND');
  });
});
