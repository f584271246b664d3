import type { CommitOwner, WeightCommitRecord } from '../../src/store/types.js';
import type { WeightAudit } from '../../src/weights/weight-committer.js';

/**
 * The store as seen by a process that dies right after its commit is included: the write that
 * would mark it `committed` never completes, and nothing that process does reaches the store
 * afterwards.
 */
export class CrashAfterInclusion implements WeightAudit {
  crashed = false;
  constructor(readonly inner: WeightAudit) {}
  #dead<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
  }
  record(record: WeightCommitRecord) {
    return this.crashed ? this.#dead<string>() : this.inner.record(record);
  }
  update(id: string, patch: Partial<WeightCommitRecord>) {
    if (patch.state === 'committed') this.crashed = true;
    return this.crashed ? this.#dead<void>() : this.inner.update(id, patch);
  }
  pendingReveals(owner: CommitOwner) {
    return this.crashed ? this.#dead<Array<WeightCommitRecord & { id: string }>>() : this.inner.pendingReveals(owner);
  }
}
