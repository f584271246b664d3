import { MongoServerError, ObjectId, type Collection, type Filter } from 'mongodb';
import { StoreError } from '../errors.js';
import { wellFormedCommits } from './weight-commit-schema.js';
import type { CommitOwner, Store, WeightCommitRecord } from './types.js';

export const MAX_RECENT = 10_000;

export interface WeightCommitsRepositoryHooks {
  /** Runs one store operation, counted and with driver errors mapped (MongoStore's #run). */
  run<T>(operation: string, work: () => Promise<T>): Promise<T>;
  /** Told of documents of the wrong shape left out of a read. */
  malformed(operation: string, skipped: number, first: string | undefined): void;
  /**
   * The _id each record was first sent with. A write can be applied and its answer lost with the
   * connection; the caller then sends the same record again (the audit backlog, the write-ahead
   * wait), which must find it stored rather than store a second copy: a doubled outcome in the
   * audit trail, or a stray `pending` copy of a commit that is never revealed.
   */
  readonly recordIds: WeakMap<object, ObjectId>;
}

function objectId(id: unknown): ObjectId {
  if (typeof id !== 'string' || !/^[0-9a-f]{24}$/i.test(id)) throw new TypeError(`document id must be a 24-character hex string, got ${JSON.stringify(id)}`);
  return new ObjectId(id);
}

function checkOwner(owner: CommitOwner): void {
  if (!owner || typeof owner !== 'object') throw new TypeError('owner must be { hotkey, netuid }');
  if (typeof owner.hotkey !== 'string' || owner.hotkey === '') throw new TypeError(`owner.hotkey must be a non-empty string, got ${JSON.stringify(owner.hotkey)}`);
  const { netuid } = owner;
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65535) throw new RangeError(`netuid must be an integer in [0, 65535], got ${String(netuid)}`);
}

/**
 * The filter of `owner`'s records. Records without a hotkey (written before every record carried
 * one) are included only while no record in the collection names another hotkey: see CommitOwner.
 */
async function ownerFilter(commits: Collection<WeightCommitRecord>, owner: CommitOwner): Promise<Filter<WeightCommitRecord>> {
  checkOwner(owner);
  const shared = await commits.findOne({ hotkey: { $exists: true, $ne: owner.hotkey } }, { projection: { _id: 1 } });
  if (shared) return { netuid: owner.netuid, hotkey: owner.hotkey };
  return { netuid: owner.netuid, $or: [{ hotkey: owner.hotkey }, { hotkey: { $exists: false } }] };
}

/** The audit trail of weight commits in MongoDB, each read scoped to one validator (see Store['weightCommits']). */
export function weightCommitsRepository(commits: Collection<WeightCommitRecord>, hooks: WeightCommitsRepositoryHooks): Store['weightCommits'] {
  const wellFormed = <T>(operation: string, docs: readonly T[]): Array<T & WeightCommitRecord> => {
    const { commits: fit, skipped, first } = wellFormedCommits(docs);
    if (skipped > 0) hooks.malformed(operation, skipped, first);
    return fit;
  };
  return {
    record: (record) =>
      hooks.run('weightCommits.record', async () => {
        if (!record || typeof record !== 'object') throw new TypeError('weight commit record must be an object');
        let _id = hooks.recordIds.get(record);
        if (!_id) hooks.recordIds.set(record, (_id = new ObjectId()));
        try {
          await commits.insertOne({ ...record, _id });
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === 11000 && '_id' in (error.keyPattern ?? error.keyValue ?? {}))) throw error;
        }
        return _id.toHexString();
      }),
    update: (id, patch) =>
      hooks.run('weightCommits.update', async () => {
        const _id = objectId(id);
        if (!patch || typeof patch !== 'object') throw new TypeError('patch must be an object');
        if (Object.keys(patch).length === 0) return;
        const result = await commits.updateOne({ _id }, { $set: { ...patch } });
        if (result.matchedCount === 0) throw new StoreError(`no weight commit with id ${id}`, 'ERR_STORE_NOT_FOUND');
      }),
    recent: (owner, limit) =>
      hooks.run('weightCommits.recent', async () => {
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT) throw new RangeError(`limit must be an integer in [1, ${MAX_RECENT}], got ${String(limit)}`);
        const docs = await commits.find(await ownerFilter(commits, owner), { projection: { _id: 0 } }).sort({ attempted_at: -1, _id: -1 }).limit(limit).toArray();
        return wellFormed('weightCommits.recent', docs);
      }),
    pendingReveals: (owner) =>
      hooks.run('weightCommits.pendingReveals', async () => {
        const own = await ownerFilter(commits, owner);
        const docs = await commits
          .find({
            $and: [own, { mode: 'commit' }, { $or: [{ state: { $in: ['pending', 'committed'] } }, { state: { $exists: false }, result: 'success', revealed: { $ne: true } }] }],
          })
          .sort({ attempted_at: 1, _id: 1 })
          .toArray();
        // A malformed record is left as it is, neither revealed nor marked dropped.
        return wellFormed('weightCommits.pendingReveals', docs).map(({ _id, ...rest }) => ({ ...rest, id: _id.toHexString() }));
      }),
    latestSuccess: (owner, modes) =>
      hooks.run('weightCommits.latestSuccess', async () => {
        checkOwner(owner);
        if (!Array.isArray(modes) || modes.length === 0) throw new TypeError('modes must be a non-empty array of weight commit modes');
        const own = await ownerFilter(commits, owner);
        // The newest well-formed one: a malformed record is never re-sent as the last applied vector.
        const cursor = commits.find({ $and: [own, { mode: { $in: [...modes] }, result: 'success' }] }, { sort: { attempted_at: -1, _id: -1 }, projection: { _id: 0 }, batchSize: 16 });
        try {
          for await (const doc of cursor) {
            const [found] = wellFormed('weightCommits.latestSuccess', [doc]);
            if (found) return found;
          }
          return null;
        } finally {
          await cursor.close();
        }
      }),
  };
}
