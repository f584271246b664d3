import { ObjectId, type AnyBulkWriteOperation, type Collection, type Db, type Document, type IndexDescription, type MongoClient } from 'mongodb';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import { backfillListedContentIds } from './backfill-listed-ids.js';
import { assertSubmissionRecordFits } from './document-size.js';
import { aiResultsRepository } from './ai-results-repository.js';
import { listedRecordIssue } from './listed-record-check.js';
import { checkSnapshots, wellFormedSnapshots } from './snapshot-schema.js';
import { toStoreError } from './store-error-mapping.js';
import { weightCommitsRepository } from './weight-commits-repository.js';
import type { AiResultRecord, MetricSnapshot, ScoreRecord, Store, SubmissionRecord, UpsertSummary, WeightCommitRecord } from './types.js';

export const COLLECTIONS = Object.freeze({
  submissions: 'submissions',
  snapshots: 'metric_snapshots',
  aiResults: 'ai_results',
  aiFrames: 'ai_frames',
  scores: 'scores',
  weightCommits: 'weight_commits',
});

/** Content ids per `submissions.listing` query. */
export const LISTING_IDS_PER_QUERY = 10_000;

/** Every index the store relies on; created at open, which is idempotent on MongoDB. */
const INDEXES: Readonly<Record<string, readonly IndexDescription[]>> = {
  [COLLECTIONS.submissions]: [
    { key: { hotkey: 1 }, name: 'hotkey_unique', unique: true },
    // Multikey: the stored lists a cycle processes again are found by any content_id they list.
    { key: { listed_content_ids: 1 }, name: 'listed_content_ids' },
  ],
  [COLLECTIONS.snapshots]: [
    { key: { hotkey: 1, platform: 1, content_id: 1, interval: 1 }, name: 'snapshot_key', unique: true },
    { key: { interval: 1 }, name: 'interval' },
  ],
  [COLLECTIONS.aiResults]: [{ key: { url: 1 }, name: 'url_unique', unique: true }],
  [COLLECTIONS.aiFrames]: [{ key: { hash: 1 }, name: 'hash_unique', unique: true }],
  [COLLECTIONS.scores]: [{ key: { policy: 1, computed_at: -1 }, name: 'policy_computed_at' }],
  [COLLECTIONS.weightCommits]: [
    { key: { attempted_at: -1 }, name: 'attempted_at' },
    { key: { netuid: 1, mode: 1, result: 1 }, name: 'netuid_mode_result' },
    { key: { netuid: 1, mode: 1, state: 1 }, name: 'netuid_mode_state' },
    // Every read is scoped to one validator's hotkey (several may share the database).
    { key: { hotkey: 1, netuid: 1, attempted_at: -1 }, name: 'hotkey_netuid_attempted_at' },
  ],
};

const SNAPSHOT_KEY = ['hotkey', 'platform', 'content_id', 'interval'] as const;

export interface MongoStoreOptions {
  readonly client: MongoClient;
  readonly db: string;
  readonly logger?: Logger;
  readonly metrics?: ValidatorMetrics;
  /** Runs after the client is closed (openStore uses it to stop an embedded server). */
  readonly onClose?: () => Promise<void>;
  /** Where the embedded server started by openStore listens (for tools that connect alongside). */
  readonly embedded?: { readonly uri: string; readonly port: number; readonly dataDir: string | undefined };
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function objectId(id: unknown): ObjectId {
  if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) throw new TypeError(`document id must be a 24-character hex string, got ${JSON.stringify(id)}`);
  return new ObjectId(id);
}

/**
 * The validator's repositories over the official MongoDB driver (SPEC §7). Works the same
 * against a real MongoDB and the embedded server. Driver errors are mapped to the project's
 * StoreError family; every operation is counted in `infinitevibe_store_operations_total`.
 */
export class MongoStore implements Store {
  readonly submissions: Store['submissions'];
  readonly snapshots: Store['snapshots'];
  readonly aiResults: Store['aiResults'];
  readonly scores: Store['scores'];
  readonly weightCommits: Store['weightCommits'];
  /** Set when openStore started an embedded server for this store; undefined for an external MongoDB. */
  readonly embedded: MongoStoreOptions['embedded'];
  #client: MongoClient;
  #db: Db;
  #metrics: ValidatorMetrics | undefined;
  #logger: Logger | undefined;
  #onClose: (() => Promise<void>) | undefined;
  #closed: Promise<void> | null = null;
  #reachable: boolean | null = null;
  /**
   * The _id each weight-commit record was first sent with. A write can be applied and its answer
   * lost with the connection; the caller then sends the same record again (the audit backlog, the
   * write-ahead wait), which must find it stored rather than store a second copy: a doubled
   * outcome in the audit trail, or a stray `pending` copy of a commit that is never revealed.
   */
  readonly #recordIds = new WeakMap<object, ObjectId>();

  constructor(options: MongoStoreOptions) {
    this.#client = options.client;
    this.#db = options.client.db(nonEmpty('db', options.db));
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#onClose = options.onClose;
    this.embedded = options.embedded ? Object.freeze({ ...options.embedded }) : undefined;
    const submissions = this.#db.collection<SubmissionRecord>(COLLECTIONS.submissions);
    const snapshots = this.#db.collection<MetricSnapshot>(COLLECTIONS.snapshots);
    const aiResults = this.#db.collection<AiResultRecord>(COLLECTIONS.aiResults);
    const aiFrames = this.#db.collection<{ hash: string; score: number; updated_at: Date }>(COLLECTIONS.aiFrames);
    // A record's own _id is the document's, an ObjectId; the record carries it as hex.
    const scores = this.#db.collection<Omit<ScoreRecord, '_id'>>(COLLECTIONS.scores);
    const commits = this.#db.collection<WeightCommitRecord>(COLLECTIONS.weightCommits);

    this.submissions = {
      upsert: (record) =>
        this.#run('submissions.upsert', async () => {
          assertSubmissionRecordFits(record);
          await submissions.replaceOne({ hotkey: record.hotkey }, { ...record }, { upsert: true });
        }),
      upsertMany: (records) =>
        this.#run('submissions.upsertMany', async () => {
          if (!Array.isArray(records)) throw new TypeError('records must be an array of submission records');
          // One document per hotkey: the last record given for a hotkey is the one kept, whatever
          // order the unordered bulk write applies the operations in.
          const last = new Map<string, SubmissionRecord>();
          for (const record of records) last.set(nonEmpty('record.hotkey', record?.hotkey), record);
          if (last.size === 0) return;
          // The typed error instead of the serializer's RangeError. The batching sink checks each
          // record before it joins a call, so a record refused here came from a direct caller.
          for (const record of last.values()) assertSubmissionRecordFits(record);
          const ops: AnyBulkWriteOperation<SubmissionRecord>[] = [...last].map(([hotkey, record]) => ({
            replaceOne: { filter: { hotkey }, replacement: { ...record }, upsert: true },
          }));
          await submissions.bulkWrite(ops, { ordered: false });
        }),
      latest: (hotkey) =>
        this.#run('submissions.latest', () => submissions.findOne({ hotkey: nonEmpty('hotkey', hotkey) }, { projection: { _id: 0 } })),
      listing: (contentIds, except) =>
        this.#run('submissions.listing', async () => {
          if (!Array.isArray(contentIds) || !Array.isArray(except)) throw new TypeError('contentIds and except must be arrays of strings');
          const found = new Map<string, SubmissionRecord>();
          // A gist may list up to gist.max_lines ids: thousands of miners' ids go in several
          // queries, each command far below the 16 MiB a command may take.
          for (let i = 0; i < contentIds.length; i += LISTING_IDS_PER_QUERY) {
            const docs = await submissions
              .find(
                { listed_content_ids: { $in: contentIds.slice(i, i + LISTING_IDS_PER_QUERY) }, hotkey: { $nin: [...except] } },
                // Rejections are for people; the list is what is processed.
                { projection: { _id: 0, rejections: 0 } },
              )
              .toArray();
            for (const doc of docs) {
              const issue = listedRecordIssue(doc);
              if (issue === undefined) found.set(doc.hotkey, doc);
              else {
                this.#metrics?.storeOperationsTotal.inc({ operation: 'submissions.listing', result: 'malformed' });
                this.#logger?.warn({ code: 'ERR_STORE_MALFORMED_DOCUMENT', operation: 'submissions.listing', hotkey: String(doc.hotkey).slice(0, 64), why: issue }, 'submissions record of the wrong shape left out of the stored lists');
              }
            }
          }
          return [...found.values()];
        }),
    };

    this.snapshots = {
      upsertMany: (batch) => this.#run('snapshots.upsertMany', () => this.#upsertSnapshots(snapshots, batch)),
      history: (hotkey) =>
        this.#run('snapshots.history', async () => {
          const docs = await snapshots
            // int64 counts (past 2^53) come back exact, as bigint.
            .find({ hotkey: nonEmpty('hotkey', hotkey) }, { projection: { _id: 0 }, useBigInt64: true })
            .sort({ platform: 1, content_id: 1, interval: 1 })
            .toArray();
          return this.#wellFormed('snapshots.history', hotkey, docs);
        }),
      histories: (hotkeys) =>
        this.#run('snapshots.histories', async () => {
          if (!Array.isArray(hotkeys)) throw new TypeError('hotkeys must be an array of SS58 strings');
          const out = new Map<string, MetricSnapshot[]>();
          for (const hotkey of hotkeys) out.set(nonEmpty('hotkey', hotkey), []);
          if (out.size === 0) return out;
          const cursor = snapshots
            .find({ hotkey: { $in: [...out.keys()] } }, { projection: { _id: 0 }, useBigInt64: true })
            .sort({ hotkey: 1, platform: 1, content_id: 1, interval: 1 });
          for await (const snapshot of cursor) out.get(snapshot.hotkey)?.push(snapshot);
          for (const [hotkey, docs] of out) out.set(hotkey, this.#wellFormed('snapshots.histories', hotkey, docs));
          return out;
        }),
      fetchedSince: (since, fromInterval) =>
        this.#run('snapshots.fetchedSince', async () => {
          if (!(since instanceof Date) || Number.isNaN(since.getTime())) throw new TypeError('since must be a valid Date');
          if (typeof fromInterval !== 'string' || !/^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/.test(fromInterval)) {
            throw new TypeError(`fromInterval must be an interval key YYYY-MM-DD-HH-MM, got ${JSON.stringify(fromInterval)}`);
          }
          // No index on fetched_at (read once, at a start under compat original: not worth an
          // index every write pays for); the interval bound keeps the read on the interval index,
          // where fetched_at alone scanned the whole collection, every interval ever stored.
          const docs = await snapshots
            .find({ interval: { $gte: fromInterval }, fetched_at: { $gte: since } }, { projection: { _id: 0 }, useBigInt64: true })
            .toArray();
          return this.#wellFormed('snapshots.fetchedSince', '*', docs);
        }),
      count: (filter = {}) =>
        this.#run('snapshots.count', () => {
          const query: Document = {};
          for (const key of ['hotkey', 'interval', 'platform'] as const) {
            if (filter[key] !== undefined) query[key] = nonEmpty(`filter.${key}`, filter[key]);
          }
          for (const key of Object.keys(filter)) {
            if (!['hotkey', 'interval', 'platform'].includes(key)) throw new TypeError(`filter.${key} is not a snapshot count filter (hotkey, interval, platform)`);
          }
          return snapshots.countDocuments(query);
        }),
    };

    this.aiResults = aiResultsRepository(aiResults, aiFrames, {
      run: (operation, work) => this.#run(operation, work),
      malformed: (operation, count, why) => {
        this.#metrics?.storeOperationsTotal.inc({ operation, result: 'malformed' }, count);
        this.#logger?.warn({ code: 'ERR_STORE_MALFORMED_DOCUMENT', operation, count, why }, 'AI result documents of the wrong shape read as not known; scored again');
      },
    });

    this.scores = {
      record: (records) =>
        this.#run('scores.record', async () => {
          if (!Array.isArray(records)) throw new TypeError('score records must be an array');
          if (records.length === 0) return;
          for (const r of records) nonEmpty('record.policy', r?.policy);
          // Each record keeps its own _id (or that of its first attempt) and is written only where
          // that _id is not stored yet: a batch sent again after its answer was lost (the score log
          // retries held batches, a restart replays its spool) adds no second copy.
          const operations = records.map((r) => {
            const { _id: given, ...fields } = r;
            let _id = given === undefined ? this.#recordIds.get(r) : objectId(given);
            if (!_id) this.#recordIds.set(r, (_id = new ObjectId()));
            return { updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } };
          });
          await scores.bulkWrite(operations, { ordered: true });
        }),
      latest: (policy) =>
        this.#run('scores.latest', async () => {
          nonEmpty('policy', policy);
          // "Latest" is the most recent computation: every record sharing its computed_at.
          const last = await scores.findOne({ policy }, { sort: { computed_at: -1, _id: -1 }, projection: { computed_at: 1 } });
          if (!last) return [];
          return scores.find<ScoreRecord>({ policy, computed_at: last.computed_at }, { projection: { _id: 0 } }).sort({ uid: 1 }).toArray();
        }),
    };

    this.weightCommits = weightCommitsRepository(commits, {
      run: (operation, work) => this.#run(operation, work),
      recordIds: this.#recordIds,
      malformed: (operation, skipped, first) => {
        this.#metrics?.storeOperationsTotal.inc({ operation, result: 'malformed' }, skipped);
        this.#logger?.warn({ code: 'ERR_STORE_MALFORMED_DOCUMENT', operation, skipped, first }, 'weight commit records of the wrong shape left out (not revealed, not re-sent)');
      },
    });
  }

  /**
   * Creates every index and brings records written by earlier releases up to date (both
   * idempotent). Called by openStore; fails fast when the database is unreachable.
   */
  async ensureIndexes(): Promise<void> {
    await this.#run('ensureIndexes', async () => {
      for (const [name, indexes] of Object.entries(INDEXES)) {
        await this.#db.collection(name).createIndexes([...indexes]);
      }
      const backfilled = await backfillListedContentIds(this.#db.collection<SubmissionRecord>(COLLECTIONS.submissions));
      if (backfilled > 0) this.#logger?.info({ records: backfilled }, 'submissions records given listed_content_ids from their stored submissions');
    });
  }

  async #upsertSnapshots(collection: Collection<MetricSnapshot>, batch: readonly MetricSnapshot[]): Promise<UpsertSummary> {
    checkSnapshots(batch);
    if (batch.length === 0) return { inserted: 0, matched: 0 };
    // $setOnInsert: the first write of a snapshot wins; a re-write (after a restart or a retry
    // that did reach the server) matches and changes nothing, so nothing is duplicated.
    const ops: AnyBulkWriteOperation<MetricSnapshot>[] = batch.map((snapshot) => {
      const filter: Document = {};
      for (const key of SNAPSHOT_KEY) filter[key] = snapshot[key];
      return { updateOne: { filter, update: { $setOnInsert: { ...snapshot } }, upsert: true } };
    });
    // Unordered: every upsert is independent (one key each), so the server need not stop at the
    // first failure, and it may apply them in any order.
    const result = await collection.bulkWrite(ops, { ordered: false });
    return { inserted: result.upsertedCount, matched: result.matchedCount, upserted: Object.keys(result.upsertedIds).map(Number) };
  }

  /** The well-formed documents of a hotkey's history; the rest are reported and left out. */
  #wellFormed(operation: string, hotkey: string, docs: readonly unknown[]): MetricSnapshot[] {
    const { snapshots, skipped, first } = wellFormedSnapshots(docs);
    if (skipped > 0) {
      this.#metrics?.storeOperationsTotal.inc({ operation, result: 'malformed' }, skipped);
      this.#logger?.warn({ code: 'ERR_STORE_MALFORMED_DOCUMENT', hotkey, skipped, first }, 'snapshot documents of the wrong shape left out of the history');
    }
    return snapshots;
  }

  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      const value = await work();
      this.#metrics?.storeOperationsTotal.inc({ operation, result: 'ok' });
      this.#setReachable(true);
      return value;
    } catch (error) {
      this.#metrics?.storeOperationsTotal.inc({ operation, result: 'error' });
      if (error instanceof TypeError || error instanceof RangeError) throw error;
      const mapped = toStoreError(error, operation);
      // Any answer from the server means it is there; only an unreachable one is down.
      this.#setReachable(!(mapped instanceof StoreUnavailableError));
      this.#logger?.debug({ err: mapped, operation }, 'store operation failed');
      throw mapped;
    }
  }

  /** Whether the last operation reached the database; null before the first. */
  get reachable(): boolean | null {
    return this.#reachable;
  }

  #setReachable(up: boolean): void {
    this.#reachable = up;
    this.#metrics?.storeUp.set(up ? 1 : 0);
  }

  async ping(): Promise<void> {
    await this.#run('ping', () => this.#db.command({ ping: 1 }));
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#client.close();
      await this.#onClose?.();
    })();
    return this.#closed;
  }
}
