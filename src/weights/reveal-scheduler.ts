import type { KeyringPair } from '@polkadot/keyring/types';
import type { WeightVector } from '../chain/types.js';
import { commitHashOf, type OnChainWeightCommit } from '../chain/weight-commits-reader.js';
import type { Logger } from '../log.js';
import type { WeightCommitRecord } from '../store/types.js';
import { auditRecord, type AuditRef, type AuditTrail } from './audit-trail.js';
import { isIntended, type JournalEntry, type RevealJournal } from './reveal-journal.js';
import { decideRetry } from './retry-policy.js';
import type { WeightChain } from './weight-chain.js';

/** A commit on chain that this process will reveal. */
export interface TrackedCommit {
  readonly ref: AuditRef;
  readonly hash: string;
  readonly vector: WeightVector;
  readonly salt: readonly number[];
  readonly firstRevealBlock: number;
  readonly lastRevealBlock: number;
}

export interface ReconcileSummary {
  /** Commits found on chain and scheduled for their reveal. */
  readonly tracked: number;
  /** Pending commits that never landed, and commits gone from the chain. */
  readonly dropped: number;
  /** Pending commits too recent to tell (their transaction may still land). */
  readonly undecided: number;
}

export interface RevealSchedulerOptions {
  readonly chain: WeightChain;
  readonly netuid: number;
  readonly signer: KeyringPair;
  readonly trail: AuditTrail;
  readonly versionKey: bigint;
  /** A pending commit missing from the chain this many blocks after it was meant to be sent never landed. */
  readonly pendingGraceBlocks: number;
  readonly logger: Logger;
  readonly onRevealed: (vector: WeightVector) => void;
  readonly onAttempt: (result: 'rate_limited' | 'error') => void;
  /** Told the first reveal block of every commit still to reveal, whenever that set changes. */
  readonly onPendingChanged?: (firstRevealBlocks: number[]) => void;
  /** Where the commits to reveal are kept outside the store (none: only in the store). */
  readonly journal?: RevealJournal;
}

/** A commit about to be sent, or sent and not yet found on chain. */
export type IntendedCommit = Extract<JournalEntry, { intendedBlock: number }>;

const NOT_ON_CHAIN = 'ERR_WEIGHTS_COMMIT_NOT_ON_CHAIN';

/**
 * Reveals each commit inside its window, oldest first (revealing a later commit discards the
 * earlier ones on chain), and never twice: a commit is revealed only while the chain still lists
 * its hash for our hotkey, and a hash revealed by this process is never sent again.
 */
export class RevealScheduler {
  readonly #o: RevealSchedulerOptions;
  readonly #tracked = new Map<string, TrackedCommit & { attempted: boolean }>();
  readonly #revealed = new Set<string>();
  /** Commits written ahead and not yet known to be on chain (or never to land). */
  readonly #intended = new Map<string, IntendedCommit>();
  #running: Promise<void> | undefined;
  /** The journal is written only once what it held was read: else an unread one is overwritten. */
  #journal: 'unread' | 'read' | 'off';
  #saving: Promise<void> = Promise.resolve();
  #savedKey = '';

  constructor(options: RevealSchedulerOptions) {
    this.#o = options;
    this.#journal = options.journal ? 'unread' : 'off';
  }

  /** First block at which a tracked commit can be revealed; null when none is tracked. */
  get nextDue(): number | null {
    let next: number | null = null;
    for (const c of this.#tracked.values()) next = next === null ? c.firstRevealBlock : Math.min(next, c.firstRevealBlock);
    return next;
  }

  get tracked(): number {
    return this.#tracked.size;
  }

  /** The commits still to reveal, oldest window first. */
  get trackedCommits(): TrackedCommit[] {
    return [...this.#tracked.values()].map(({ attempted: _attempted, ...commit }) => commit).sort((a, b) => a.firstRevealBlock - b.firstRevealBlock);
  }

  /** Commits written ahead and not yet found on chain. */
  get intended(): number {
    return this.#intended.size;
  }

  track(commit: TrackedCommit): void {
    this.#intended.delete(commit.hash);
    if (this.#revealed.has(commit.hash) || this.#tracked.has(commit.hash)) return this.#changed();
    this.#tracked.set(commit.hash, { ...commit, attempted: false });
    this.#changed();
  }

  /**
   * A commit about to be sent: in the journal (on disk) when this resolves, so a crash from here
   * on still leaves it to reveal. A journal that cannot be written is logged, not fatal: the
   * write-ahead record in the store still holds the salt.
   */
  async intend(commit: IntendedCommit): Promise<void> {
    await this.readJournal();
    this.#intended.set(commit.hash, commit);
    await this.#persist();
  }

  /** A commit refused for sure: it never landed, nothing to reveal. */
  abandon(hash: string): void {
    if (this.#intended.delete(hash)) this.#changed();
  }

  /** Once per run, before anything is written: schedules what the journal holds. Never throws. */
  async readJournal(): Promise<void> {
    const journal = this.#o.journal;
    if (!journal || this.#journal !== 'unread') return;
    try {
      const entries = await journal.load();
      this.#journal = 'read';
      for (const entry of entries) {
        if (isIntended(entry)) {
          if (!this.#tracked.has(entry.hash) && !this.#revealed.has(entry.hash)) this.#intended.set(entry.hash, entry);
        } else this.track(entry);
      }
      if (entries.length > 0) this.#o.logger.info({ commits: entries.length }, 'weight commits from the reveal journal scheduled for their reveal');
      // Entries read from older files are rewritten into the journal, which replaces them.
      this.#savedKey = '-';
      await this.#persist();
    } catch (error) {
      this.#journal = 'off';
      this.#o.logger.error({ err: error }, 'reveal journal not read; left as it is and not written this run (the store still holds the salts)');
    }
  }

  /**
   * Commits written ahead whose landing is not known (a crash or a cut-off between the write and
   * the receipt), matched with the chain's WeightCommits by hash: on chain → scheduled; missing
   * past the grace after their intended block → never landed, forgotten. Needs no store.
   */
  async settleIntended(): Promise<ReconcileSummary> {
    const o = this.#o;
    if (this.#intended.size === 0) return { tracked: 0, dropped: 0, undecided: 0 };
    const onChain = await o.chain.weightCommits(o.netuid, o.signer.address);
    const head = await o.chain.bestBlockNumber();
    let tracked = 0;
    let dropped = 0;
    let undecided = 0;
    for (const commit of [...this.#intended.values()]) {
      const found = onChain.find((c) => c.hash === commit.hash);
      if (found) {
        const window = { firstRevealBlock: found.firstRevealBlock, lastRevealBlock: found.lastRevealBlock };
        this.track({ ref: commit.ref, hash: commit.hash, vector: commit.vector, salt: commit.salt, ...window });
        if (commit.ref.id !== undefined) {
          await o.trail.update(commit.ref, { state: 'committed', result: 'success', block: found.commitBlock, reveal_from_block: window.firstRevealBlock, reveal_until_block: window.lastRevealBlock });
        }
        tracked++;
      } else if (head < commit.intendedBlock + o.pendingGraceBlocks && !this.#revealed.has(commit.hash)) {
        undecided++;
      } else {
        // Never landed: harmless, and its write-ahead record is settled by the store's reconcile.
        this.#intended.delete(commit.hash);
        dropped++;
      }
    }
    this.#changed();
    if (tracked + dropped > 0) o.logger.info({ tracked, dropped, undecided }, 'weight commits written ahead matched with the chain');
    return { tracked, dropped, undecided };
  }

  /** Resolves once every journal write asked for so far is done. */
  journalWritten(): Promise<void> {
    return this.#saving;
  }

  #changed(): void {
    this.#o.onPendingChanged?.([...this.#tracked.values()].map((c) => c.firstRevealBlock));
    void this.#persist();
  }

  /** Writes the journal when what it should hold changed; serialized, each write the latest state. */
  #persist(): Promise<void> {
    const journal = this.#o.journal;
    if (!journal || this.#journal !== 'read') return this.#saving;
    const run = this.#saving.then(async () => {
      const entries: JournalEntry[] = [...this.#intended.values(), ...this.trackedCommits];
      const key = entries.map((e) => `${e.hash}:${isIntended(e) ? 'i' : e.firstRevealBlock}`).join(',');
      if (key === this.#savedKey) return;
      try {
        await journal.save(entries);
        this.#savedKey = key;
      } catch (error) {
        this.#o.logger.error({ err: error, commits: entries.length }, 'reveal journal not written; a restart while the store is down may miss these reveals');
      }
    });
    this.#saving = run;
    return run;
  }

  /**
   * Matches the store's pending and committed records with the chain's WeightCommits by the hash
   * recomputed from the stored fields: on chain → scheduled; absent → dropped, unless a pending
   * record is so recent that its transaction may still land.
   */
  async reconcile(): Promise<ReconcileSummary> {
    const o = this.#o;
    const hotkey = o.signer.address;
    const records = await o.trail.audit.pendingReveals({ hotkey, netuid: o.netuid });
    if (records.length === 0) return { tracked: 0, dropped: 0, undecided: 0 };
    const onChain = await o.chain.weightCommits(o.netuid, hotkey);
    const head = await o.chain.bestBlockNumber();
    let tracked = 0;
    let dropped = 0;
    let undecided = 0;
    /** Our LastUpdate, read once a pending record is found missing from the chain. */
    let lastUpdate: number | null | 'unread' = 'unread';
    for (const record of records) {
      const ref: AuditRef = { id: record.id };
      const commit = record.salt && record.salt.length > 0 ? this.#fromRecord(record, record.salt) : null;
      const found = commit ? onChain.find((c) => c.hash === commit.hash) : undefined;
      if (commit && this.#revealed.has(commit.hash)) continue;
      if (commit && found) {
        if (record.state !== 'committed' || record.reveal_from_block !== found.firstRevealBlock) {
          await o.trail.update(ref, {
            state: 'committed',
            result: 'success',
            block: record.block ?? found.commitBlock,
            reveal_from_block: found.firstRevealBlock,
            reveal_until_block: found.lastRevealBlock,
          });
        }
        this.track({ ref, hash: commit.hash, vector: commit.vector, salt: commit.salt, firstRevealBlock: found.firstRevealBlock, lastRevealBlock: found.lastRevealBlock });
        tracked++;
        continue;
      }
      if (record.state === 'pending' && record.intended_block !== undefined && head < record.intended_block + o.pendingGraceBlocks) {
        undecided++;
        continue;
      }
      if (commit) this.#tracked.delete(commit.hash);
      const expired = record.reveal_until_block !== undefined && head >= record.reveal_until_block;
      let message = 'the commit is no longer on chain';
      if (record.state === 'pending') {
        // A commit sets our LastUpdate to its block, after the block it was sent at: none since
        // means it never landed. One since may be this commit, revealed or expired by a run
        // whose record updates were lost (the store down until it stopped).
        if (lastUpdate === 'unread') lastUpdate = (await o.chain.validatorStatus(o.netuid, hotkey)).lastUpdate;
        const landedSince = lastUpdate !== null && record.intended_block !== undefined && lastUpdate > record.intended_block;
        message = landedSince
          ? 'the commit is not on chain; weights of ours landed after it was sent, so it may have landed and been revealed or expired without its record being updated'
          : 'the commit never landed on chain';
        if (landedSince) o.logger.warn({ id: record.id, intendedBlock: record.intended_block, lastUpdate }, 'a pending weight commit is not on chain and may have landed; recorded as dropped');
      }
      await o.trail.update(ref, {
        state: expired ? 'expired' : 'dropped',
        error_code: record.state === 'pending' ? NOT_ON_CHAIN : (record.error_code ?? NOT_ON_CHAIN),
        error_message: message,
      });
      dropped++;
    }
    this.#changed();
    if (tracked + dropped > 0) o.logger.info({ tracked, dropped, undecided, onChain: onChain.length }, 'weight commits reconciled with the chain');
    return { tracked, dropped, undecided };
  }

  /**
   * Reveals every tracked commit whose window has opened; errors leave it for the next block.
   * Single-flight: a call while one runs joins it, so no reveal is ever sent twice in parallel.
   */
  revealDue(): Promise<void> {
    this.#running ??= this.#revealDue().finally(() => {
      this.#running = undefined;
      this.#changed();
    });
    return this.#running;
  }

  async #revealDue(): Promise<void> {
    const o = this.#o;
    if (this.nextDue === null) return;
    const head = await o.chain.bestBlockNumber();
    const due = [...this.#tracked.values()].filter((c) => head >= c.firstRevealBlock).sort((a, b) => a.firstRevealBlock - b.firstRevealBlock);
    if (due.length === 0) return;
    const onChain: readonly OnChainWeightCommit[] = await o.chain.weightCommits(o.netuid, o.signer.address);
    for (const commit of due) {
      if (!onChain.some((c) => c.hash === commit.hash)) {
        // Gone before we revealed it: our own reveal whose answer was lost, or it expired.
        this.#tracked.delete(commit.hash);
        const state: WeightCommitRecord['state'] = commit.attempted ? 'revealed' : head >= commit.lastRevealBlock ? 'expired' : 'dropped';
        if (commit.attempted) this.#revealed.add(commit.hash);
        await o.trail.update(commit.ref, { state, ...(state === 'revealed' ? { revealed: true } : { error_code: NOT_ON_CHAIN }) });
        continue;
      }
      if (head >= commit.lastRevealBlock) {
        this.#tracked.delete(commit.hash);
        o.logger.error({ hash: commit.hash, lastRevealBlock: commit.lastRevealBlock, head }, 'weight reveal window missed');
        await o.trail.update(commit.ref, { state: 'expired', error_code: 'ERR_WEIGHTS_REVEAL_WINDOW_MISSED' });
        continue;
      }
      await this.#reveal(commit);
    }
  }

  async #reveal(commit: TrackedCommit & { attempted: boolean }): Promise<void> {
    const o = this.#o;
    const base = { hotkey: o.signer.address, netuid: o.netuid, versionKey: o.versionKey };
    try {
      const outcome = await o.chain.revealWeights(o.netuid, commit.vector, commit.salt, o.signer);
      this.#revealed.add(commit.hash);
      this.#tracked.delete(commit.hash);
      await o.trail.record({ ...auditRecord(base, 'reveal', 'success', commit.vector, outcome), commit_hash: commit.hash });
      await o.trail.update(commit.ref, { state: 'revealed', revealed: true, revealed_block: outcome.block });
      o.onRevealed(commit.vector);
    } catch (error) {
      const decision = decideRetry(error);
      // A reveal cut off by a dropped socket may have landed: if its hash then leaves the chain,
      // it is recorded as revealed rather than sent again.
      if (decision.mayHaveLanded) commit.attempted = true;
      o.onAttempt(decision.result);
      await o.trail.record({
        ...auditRecord(base, 'reveal', decision.result, commit.vector, null, { code: decision.code, message: (error as Error).message }),
        commit_hash: commit.hash,
      });
      if (decision.action === 'give_up') {
        // Mismatched or expired: this commit can never be revealed.
        this.#tracked.delete(commit.hash);
        await o.trail.update(commit.ref, { state: 'failed', error_code: decision.code, error_message: (error as Error).message });
      }
      o.logger.warn({ code: decision.code, hash: commit.hash }, 'weight reveal failed');
    }
  }

  #fromRecord(record: WeightCommitRecord, salt: readonly number[]): { hash: string; vector: WeightVector; salt: readonly number[] } {
    const vector: WeightVector = { uids: record.uids, values: record.values, versionKey: BigInt(record.version_key) };
    const hash = commitHashOf({ hotkey: this.#o.signer.address, netuid: record.netuid, uids: vector.uids, values: vector.values, salt, versionKey: vector.versionKey });
    if (record.commit_hash !== undefined && record.commit_hash !== hash) {
      this.#o.logger.error({ stored: record.commit_hash, computed: hash }, 'stored commit hash differs from the one its fields give; matching on the computed one');
    }
    return { hash, vector, salt };
  }
}
