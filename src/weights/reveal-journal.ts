import type { WeightVector } from '../chain/types.js';
import type { AuditRef } from './audit-trail.js';
import type { TrackedCommit } from './reveal-scheduler.js';

/**
 * A commit this validator is to reveal, as the journal keeps it: everything a process started
 * after a crash needs to reveal it without the store. `intendedBlock` alone: written before the
 * commit was sent, so it may never have landed (the chain's WeightCommits decide); a reveal window:
 * on chain when last heard of.
 */
export type JournalEntry =
  | {
      readonly ref: AuditRef;
      readonly hash: string;
      readonly vector: WeightVector;
      readonly salt: readonly number[];
      /** Best block when the commit was about to be sent. */
      readonly intendedBlock: number;
    }
  | TrackedCommit;

/**
 * Where the commits still to reveal are kept outside the store (the reveal spool), written ahead:
 * a commit is in it before commit_weights is sent, and leaves it once revealed, expired or known
 * never to have landed. So a crash followed by a start while the store is down still reveals.
 */
export interface RevealJournal {
  /** The entries a previous run left. */
  load(): Promise<JournalEntry[]>;
  /** Replaces the journal with `entries`, durably (on disk) before it resolves. */
  save(entries: readonly JournalEntry[]): Promise<void>;
}

export function isIntended(entry: JournalEntry): entry is Extract<JournalEntry, { intendedBlock: number }> {
  return 'intendedBlock' in entry;
}
