import type { KeyringPair } from '@polkadot/keyring/types';
import type { WeightHyperparameters } from '../chain/types.js';
import { pendingCommitRecord, type AuditBase, type AuditRef, type AuditTrail } from './audit-trail.js';
import { landedAnyway, type CutOffContext, type InFlightCommit } from './cut-off-commit.js';
import type { Logger } from '../log.js';
import type { RetryDecision } from './retry-policy.js';
import type { ProcessedWeights } from './process-weights.js';
import type { RevealScheduler } from './reveal-scheduler.js';
import type { ChainWaits, WeightChain } from './weight-chain.js';

export interface CommitSendContext {
  readonly chain: WeightChain;
  readonly signer: KeyringPair;
  readonly base: AuditBase;
  readonly trail: AuditTrail;
  readonly reveals: RevealScheduler;
  readonly waits: ChainWaits;
  readonly retryDelayMs: number;
  readonly cutOff: CutOffContext;
  readonly logger: Logger;
  /** Called on each failed try to store the write-ahead record (the commit is held meanwhile). */
  readonly onHold: () => void;
  /** True while the commit waits for the store and sends nothing (reveals need not queue behind it). */
  readonly idle: (waiting: boolean) => void;
}

/**
 * What one commit attempt got to before it failed: its write-ahead record once stored, and the
 * commit once it is on its way (it may have landed when the wait for inclusion is cut off).
 */
export interface CommitProgress {
  ahead?: AuditRef;
  sent?: InFlightCommit;
}

/**
 * One commit_weights: the salt is generated here, stored (the write-ahead record, then the reveal
 * journal) before the commit is sent, so a crash at any later point leaves a revealable commit;
 * once included the commit is scheduled for its reveal. Returns the block it landed in.
 */
export async function sendCommit(c: CommitSendContext, vector: ProcessedWeights, hyper: WeightHyperparameters, progress: CommitProgress): Promise<number> {
  const salt = Array.from(crypto.getRandomValues(new Uint16Array(8)));
  const intended = await c.chain.bestBlockNumber();
  // A salt held only in memory is lost with the process: no commit before it is stored.
  const pending = pendingCommitRecord(c.base, vector, salt, intended);
  c.idle(true);
  const ahead = await c.trail.writeAheadWhenUp(pending, { signal: c.waits.signal(), retryDelayMs: c.retryDelayMs, onHold: c.onHold }).finally(() => c.idle(false));
  progress.ahead = ahead;
  // A reveal sent while the salt waited for the store is finished first (one nonce at a time).
  await c.reveals.revealDue().catch(() => undefined);
  const hash = pending.commit_hash!;
  // Then in the reveal journal (on disk): a crash from here on, even followed by a start while the
  // store is down, still reveals it. Before the send, not after: a commit included while the
  // process dies before its receipt is read must already be there. One that never lands is
  // harmless: the journal's entry is matched with the chain's WeightCommits before any reveal.
  await c.reveals.intend({ ref: ahead, hash, vector, salt, intendedBlock: intended });
  progress.sent = { hash, salt, intended, vector };
  const receipt = await c.chain.commitWeights(c.base.netuid, vector, salt, c.signer);
  const window = { firstRevealBlock: receipt.revealFromBlock, lastRevealBlock: receipt.revealFromBlock + hyper.tempo };
  c.reveals.track({ ref: ahead, hash: receipt.commitHash, vector, salt, ...window });
  if (receipt.commitHash !== hash) c.reveals.abandon(hash);
  await c.trail.update(ahead, {
    state: 'committed',
    result: 'success',
    block: receipt.block,
    tx_hash: receipt.txHash,
    reveal_from_block: window.firstRevealBlock,
    reveal_until_block: window.lastRevealBlock,
  });
  return receipt.block;
}

/**
 * After a commit attempt whose write-ahead record is stored failed: refused for sure, the record
 * is marked failed; cut off, it may be on chain, so it stays pending and is looked for (sending it
 * again would commit twice). Returns the block it landed in, or null.
 */
export async function settleFailedCommit(c: CommitSendContext, progress: CommitProgress & { ahead: AuditRef }, decision: RetryDecision, message: string): Promise<number | null> {
  const { ahead, sent } = progress;
  const error = { result: decision.result, error_code: decision.code, error_message: message };
  await c.trail.update(ahead, decision.mayHaveLanded ? error : { state: 'failed', ...error });
  if (!decision.mayHaveLanded && sent) c.reveals.abandon(sent.hash);
  if (!decision.mayHaveLanded || !sent) return null;
  return landedAnyway(c.cutOff, sent, ahead, { trail: c.trail, reveals: c.reveals, logger: c.logger });
}
