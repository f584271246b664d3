import type { KeyringPair } from '@polkadot/keyring/types';
import type { Logger } from '../log.js';
import type { ValidatorMetrics } from '../metrics/validator-metrics.js';
import type { WeightAudit } from './audit-trail.js';
import type { RevealJournal } from './reveal-journal.js';
import type { WeightChain } from './weight-chain.js';

export interface WeightCommitterOptions {
  readonly chain: WeightChain;
  readonly netuid: number;
  readonly signer: KeyringPair;
  readonly audit: WeightAudit;
  /** set_weights_interval, in ms. */
  readonly intervalMs: number;
  /** Configured version key; the chain's WeightsVersionKey wins when larger. */
  readonly versionKey: bigint;
  /** Attempts per due commit (rate-limit waits and reconnects included). */
  readonly maxAttempts?: number;
  /** Pause after an error that is neither a rate limit nor a disconnect, and between store retries. */
  readonly retryDelayMs?: number;
  /** Longest wait for a block, a reconnect or the store before the attempt counts as failed. */
  readonly waitTimeoutMs?: number;
  /** A cycle's vector replaces the weights on chain only at or above this coverage (default 0.9). */
  readonly minCoverage?: number;
  /** Record and log the vector that would be set; submit nothing. */
  readonly dryRun?: boolean;
  /**
   * How long stop() waits for a transaction in flight (default 10 s). One a halted or hung chain
   * holds longer is left to the chain: a commit's write-ahead record stays pending and the next
   * start reconciles it; the shutdown goes on to store or spool what is held.
   */
  readonly stopGraceMs?: number;
  /** Blocks after which a pending commit missing from the chain counts as never landed (default 10). */
  readonly pendingGraceBlocks?: number;
  /**
   * Count attempts in weightCommitsTotal here. Off when the chain client already counts the
   * extrinsics it submits, so the counter is not doubled.
   */
  readonly countAttempts?: boolean;
  /**
   * Where commits still to reveal are written ahead outside the store (the reveal spool): read at
   * start-up, so a restart while the store is down still reveals what a killed process committed.
   */
  readonly journal?: RevealJournal;
  readonly logger: Logger;
  readonly metrics: ValidatorMetrics;
}

export interface CommitAttemptResult {
  readonly ok: boolean;
  readonly mode: 'set' | 'commit' | 'reveal' | 'dry_run' | null;
  readonly uids: readonly number[];
  readonly values: readonly number[];
  readonly block: number | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly latencyMs: number;
  readonly fallback: boolean;
}

/** Precise TypeError/RangeError for every option the committer cannot work with. */
export function checkCommitterOptions(options: WeightCommitterOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  if (!options.chain) throw new TypeError('options.chain is required');
  if (!options.signer || typeof options.signer.address !== 'string') throw new TypeError('options.signer must be a KeyringPair');
  if (!options.audit || typeof options.audit.record !== 'function') throw new TypeError('options.audit must have record(), update() and pendingReveals()');
  if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
    throw new RangeError(`options.intervalMs must be a positive number, got ${String(options.intervalMs)}`);
  }
  if (typeof options.versionKey !== 'bigint' || options.versionKey < 0n) {
    throw new TypeError(`options.versionKey must be a non-negative bigint, got ${String(options.versionKey)}`);
  }
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    throw new RangeError(`options.maxAttempts must be an integer >= 1, got ${String(options.maxAttempts)}`);
  }
  if (options.minCoverage !== undefined && !(options.minCoverage >= 0 && options.minCoverage <= 1)) {
    throw new RangeError(`options.minCoverage must be a number in [0, 1], got ${String(options.minCoverage)}`);
  }
  if (options.pendingGraceBlocks !== undefined && (!Number.isInteger(options.pendingGraceBlocks) || options.pendingGraceBlocks < 0)) {
    throw new RangeError(`options.pendingGraceBlocks must be a non-negative integer, got ${String(options.pendingGraceBlocks)}`);
  }
  if (options.stopGraceMs !== undefined && !(Number.isFinite(options.stopGraceMs) && options.stopGraceMs >= 0)) {
    throw new RangeError(`options.stopGraceMs must be a non-negative number of milliseconds, got ${String(options.stopGraceMs)}`);
  }
}
