import { setTimeout as sleep } from 'node:timers/promises';
import { ChainTimeoutError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AuditRef, AuditTrail } from './audit-trail.js';
import type { ProcessedWeights } from './process-weights.js';
import type { RevealScheduler } from './reveal-scheduler.js';
import type { ChainWaits, WeightChain } from './weight-chain.js';

/** A commit sent and not heard of since: what is needed to find it on chain and reveal it. */
export interface InFlightCommit {
  readonly hash: string;
  readonly salt: number[];
  /** Best block when it was about to be sent. */
  readonly intended: number;
  readonly vector: ProcessedWeights;
}

export interface CutOffContext {
  readonly chain: WeightChain;
  readonly waits: ChainWaits;
  readonly stop: AbortSignal;
  readonly netuid: number;
  readonly hotkey: string;
  /** A commit missing from WeightCommits this many blocks after `intended` never landed. */
  readonly graceBlocks: number;
  readonly retryDelayMs: number;
}

/**
 * A commit whose wait for inclusion was cut off (a dropped socket, a timeout) may be on chain all
 * the same: sent again, the subnet got two commits of one due vector. It is looked for in
 * WeightCommits, block by block, until the grace after its intended block has passed. Found, its
 * write-ahead record is marked committed, its reveal scheduled, and its block returned; not
 * found, null (the caller commits again; start-up reconciliation settles the record).
 */
export async function landedAnyway(
  c: CutOffContext,
  commit: InFlightCommit,
  ref: AuditRef,
  parts: { trail: AuditTrail; reveals: RevealScheduler; logger: Logger },
): Promise<number | null> {
  for (let failures = 0; failures <= c.graceBlocks; ) {
    try {
      await c.waits.connected();
      const found = (await c.chain.weightCommits(c.netuid, c.hotkey)).find((w) => w.hash === commit.hash);
      if (found) {
        const window = { firstRevealBlock: found.firstRevealBlock, lastRevealBlock: found.lastRevealBlock };
        parts.reveals.track({ ref, hash: commit.hash, vector: commit.vector, salt: commit.salt, ...window });
        await parts.trail.update(ref, {
          state: 'committed',
          result: 'success',
          block: found.commitBlock,
          error_code: null,
          error_message: null,
          reveal_from_block: found.firstRevealBlock,
          reveal_until_block: found.lastRevealBlock,
        });
        parts.logger.info({ hash: commit.hash, block: found.commitBlock }, 'weight commit cut off on its way landed; not sent again');
        return found.commitBlock;
      }
      const head = await c.chain.bestBlockNumber();
      if (head >= commit.intended + c.graceBlocks) return null;
      await c.waits.forBlock(head + 1);
    } catch (error) {
      // Stopped, or the chain gone for longer than a wait may last.
      if (c.stop.aborted || error instanceof ChainTimeoutError) return null;
      failures++;
      await sleep(c.retryDelayMs, undefined, { signal: c.stop }).catch(() => undefined);
    }
  }
  return null;
}
