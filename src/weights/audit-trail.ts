import { setTimeout as sleep } from 'node:timers/promises';
import type { WeightCommitOutcome, WeightVector } from '../chain/types.js';
import { commitHashOf } from '../chain/weight-commits-reader.js';
import { StoreError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { Store, WeightCommitRecord } from '../store/types.js';

export type WeightAudit = Pick<Store['weightCommits'], 'record' | 'update' | 'pendingReveals'> &
  Partial<Pick<Store['weightCommits'], 'latestSuccess'>>;

type Queued =
  | { readonly kind: 'record'; readonly record: WeightCommitRecord; readonly ref: { id?: string } }
  | { readonly kind: 'update'; readonly target: { id?: string }; readonly patch: Partial<WeightCommitRecord> };

/**
 * An update the store can never apply: no record with its id (a reveal spool replayed against
 * another or a restored database, a record deleted by hand) or an id that is no ObjectId. Queued,
 * it would block the backlog, and with it every later write-ahead record, for good.
 */
function neverApplies(error: unknown): string | undefined {
  if (error instanceof StoreError && error.code === 'ERR_STORE_NOT_FOUND') return error.code;
  if (error instanceof TypeError) return 'TypeError';
  return undefined;
}

/** A handle on a record that may still sit in the backlog (its id is known once written). */
export interface AuditRef {
  id?: string;
}

/**
 * The weight-commit audit trail. Outcomes are written first-class, but never at the cost of a
 * due set_weights: while the store is down, records and updates queue in memory and are written
 * in order when it is back. Only the write-ahead record of a commit (`writeAhead`) must reach
 * the store before anything is sent.
 */
export class AuditTrail {
  readonly #audit: WeightAudit;
  readonly #logger: Logger;
  readonly #metrics: ValidatorMetrics;
  readonly #backlog: Queued[] = [];
  #flushing: Promise<boolean> | undefined;

  constructor(audit: WeightAudit, logger: Logger, metrics: ValidatorMetrics) {
    this.#audit = audit;
    this.#logger = logger;
    this.#metrics = metrics;
  }

  get audit(): WeightAudit {
    return this.#audit;
  }

  get backlog(): number {
    return this.#backlog.length;
  }

  /** Writes or queues a record; the returned ref gets its id once the record is stored. */
  async record(record: WeightCommitRecord): Promise<AuditRef> {
    const ref: AuditRef = {};
    if (this.#backlog.length === 0) {
      try {
        ref.id = await this.#audit.record(record);
        return ref;
      } catch (error) {
        this.#logger.warn({ err: error }, 'audit record queued until the store is back');
      }
    }
    this.#enqueue({ kind: 'record', record, ref });
    return ref;
  }

  /** Patches a record (written or still queued), or queues the patch. */
  async update(target: AuditRef, patch: Partial<WeightCommitRecord>): Promise<void> {
    if (this.#backlog.length === 0 && target.id !== undefined) {
      try {
        await this.#audit.update(target.id, patch);
        return;
      } catch (error) {
        if (this.#dropped(error, target.id)) return;
        this.#logger.warn({ err: error }, 'audit update queued until the store is back');
      }
    }
    this.#enqueue({ kind: 'update', target, patch });
  }

  /**
   * The write-ahead record of a commit: stored now or never (no queue), since a salt held only in
   * memory is lost with the process. Throws StoreUnavailableError when it cannot be written.
   */
  async writeAhead(record: WeightCommitRecord): Promise<AuditRef> {
    if (!(await this.flush())) throw new StoreUnavailableError('audit backlog not yet written; the store is still down');
    return { id: await this.#audit.record(record) };
  }

  /**
   * writeAhead, waiting for the store while it is down (`onHold` on each failed try) until
   * `signal` ends the wait with a StoreUnavailableError.
   */
  async writeAheadWhenUp(
    record: WeightCommitRecord,
    options: { signal: AbortSignal; retryDelayMs: number; onHold: () => void },
  ): Promise<AuditRef> {
    for (;;) {
      try {
        return await this.writeAhead(record);
      } catch (error) {
        if (!(error instanceof StoreError) || error.code === 'ERR_STORE_NOT_FOUND') throw error;
        options.onHold();
        this.#logger.warn({ code: error.code }, 'commit held: its salt cannot be persisted while the store is down');
        try {
          await sleep(options.retryDelayMs, undefined, { signal: options.signal });
        } catch {
          throw new StoreUnavailableError('store still down; commit not sent', { cause: error });
        }
      }
    }
  }

  /** Writes queued records in order; true when nothing is left. */
  flush(): Promise<boolean> {
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #drain(): Promise<boolean> {
    while (this.#backlog.length > 0) {
      const next = this.#backlog[0]!;
      try {
        if (next.kind === 'record') next.ref.id = await this.#audit.record(next.record);
        else if (next.target.id !== undefined) await this.#audit.update(next.target.id, next.patch);
      } catch (error) {
        if (!(next.kind === 'update' && this.#dropped(error, next.target.id))) return false;
      }
      this.#backlog.shift();
      this.#metrics.setPendingWrites('audit', this.#backlog.length);
    }
    return true;
  }

  /** True (and said) when an update can never be written and is dropped rather than queued. */
  #dropped(error: unknown, id: string | undefined): boolean {
    const code = neverApplies(error);
    if (code === undefined) return false;
    this.#logger.warn({ code, id: String(id).slice(0, 64), err: error }, 'audit update for a record the store cannot hold dropped');
    return true;
  }

  #enqueue(item: Queued): void {
    this.#backlog.push(item);
    this.#metrics.setPendingWrites('audit', this.#backlog.length);
    void this.flush();
  }
}

/**
 * Whose records these are: the validator's hotkey (ss58) on its subnet. Every record carries both,
 * so validators sharing one database each read back only their own (see CommitOwner).
 */
export interface AuditBase {
  readonly hotkey: string;
  readonly netuid: number;
  readonly versionKey: bigint;
}

/** One audit document for an attempt or an outcome. */
export function auditRecord(
  base: AuditBase,
  mode: WeightCommitRecord['mode'],
  result: WeightCommitRecord['result'],
  vector: (WeightVector & { readonly minerHotkeys?: readonly string[] }) | null,
  outcome: (Pick<WeightCommitOutcome, 'block'> & { readonly txHash?: string }) | null,
  error?: { code: string; message: string },
): WeightCommitRecord {
  const hotkeys = vector?.minerHotkeys;
  return {
    attempted_at: new Date(),
    netuid: base.netuid,
    hotkey: base.hotkey,
    mode,
    result,
    uids: vector ? [...vector.uids] : [],
    values: vector ? [...vector.values] : [],
    ...(hotkeys && hotkeys.length === vector.uids.length ? { miner_hotkeys: [...hotkeys] } : {}),
    version_key: (vector?.versionKey ?? base.versionKey).toString(),
    block: outcome?.block ?? null,
    tx_hash: outcome?.txHash ?? null,
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
  };
}

/** The write-ahead record of a commit: everything needed to recompute its hash and reveal it. */
export function pendingCommitRecord(
  base: AuditBase,
  vector: WeightVector,
  salt: number[],
  intendedBlock: number,
): WeightCommitRecord {
  const { uids, values, versionKey } = vector;
  const { hotkey } = base;
  return {
    ...auditRecord(base, 'commit', 'pending', vector, null),
    state: 'pending',
    intended_at: new Date(),
    intended_block: intendedBlock,
    salt,
    commit_hash: commitHashOf({ hotkey, netuid: base.netuid, uids, values, salt, versionKey }),
    revealed: false,
  };
}
