import type { Observable } from 'rxjs';

/**
 * The contract between the chain client (src/chain) and the runtime (supervisor, weight
 * committer, CLI). Implementations speak to any Subtensor node through @polkadot/api.
 */

export interface Neuron {
  readonly uid: number;
  readonly hotkey: string; // SS58, prefix 42
  readonly coldkey: string;
  /** Subnet (alpha) stake in rao; total_stake where the runtime reports it. */
  readonly stake: bigint;
  readonly active: boolean;
  readonly validatorPermit: boolean;
  readonly lastUpdate: number;
  readonly blockAtRegistration: number;
}

export interface MetagraphSnapshot {
  readonly netuid: number;
  readonly block: number;
  readonly blockHash: string;
  readonly neurons: readonly Neuron[];
}

export type MetagraphDiff =
  | { readonly kind: 'joined'; readonly uid: number; readonly neuron: Neuron; readonly block: number }
  | { readonly kind: 'left'; readonly uid: number; readonly hotkey: string; readonly block: number }
  | {
      readonly kind: 'replaced';
      readonly uid: number;
      readonly previousHotkey: string;
      readonly neuron: Neuron;
      readonly block: number;
    }
  | {
      readonly kind: 'permit_changed';
      readonly uid: number;
      readonly neuron: Neuron;
      readonly block: number;
    };

export interface CommitmentRecord {
  readonly hotkey: string;
  /** Block at which the commitment was set. */
  readonly block: number;
  /** The first field decoded as UTF-8, or null when it is not a Raw field / not UTF-8. */
  readonly value: string | null;
  /** Why `value` is null, for logs and metrics. */
  readonly error?: string;
}

export interface WeightHyperparameters {
  readonly tempo: number;
  readonly weightsSetRateLimit: number;
  readonly weightsVersionKey: bigint;
  readonly commitRevealEnabled: boolean;
  readonly revealPeriodEpochs: number;
  readonly minAllowedWeights: number;
  /** u16 fraction of 65535. */
  readonly maxWeightsLimit: number;
  readonly weightsMinStake: bigint;
  readonly immunityPeriod: number;
}

export interface ValidatorStatus {
  readonly hotkey: string;
  readonly uid: number | null;
  readonly validatorPermit: boolean;
  readonly lastUpdate: number | null;
  readonly stake: bigint;
}

export interface FinalizedBlock {
  readonly number: number;
  readonly hash: string;
}

/** Weights ready for the chain: parallel arrays, u16 values, no zeros, uids unique. */
export interface WeightVector {
  readonly uids: readonly number[];
  readonly values: readonly number[];
  readonly versionKey: bigint;
}

export interface WeightCommitOutcome {
  readonly mode: 'set' | 'commit' | 'reveal';
  readonly block: number;
  readonly blockHash: string;
  readonly txHash: string;
  /** For commits: the hash committed and the block from which the reveal is allowed. */
  readonly commitHash?: string;
  readonly revealFromBlock?: number;
}

export interface OnChainWeights {
  readonly uid: number;
  readonly weights: ReadonlyArray<{ readonly uid: number; readonly value: number }>;
}

export interface ChainClient {
  readonly endpoint: string;
  /** Emits true/false as the socket connects and drops; replays the current state. */
  readonly connected$: Observable<boolean>;
  /** Finalized block headers; survives reconnects. */
  readonly finalizedBlocks$: Observable<FinalizedBlock>;
  bestBlockNumber(): Promise<number>;
  metagraph(netuid: number): Promise<MetagraphSnapshot>;
  /** Snapshot diffs, re-read at most once per block; the first emission diffs against empty. */
  metagraphDiffs$(netuid: number): Observable<MetagraphDiff>;
  commitments(netuid: number): Promise<CommitmentRecord[]>;
  hyperparameters(netuid: number): Promise<WeightHyperparameters>;
  validatorStatus(netuid: number, hotkey: string): Promise<ValidatorStatus>;
  /** Weights currently stored on chain for a uid (SubtensorModule.Weights). */
  weightsOf(netuid: number, uid: number): Promise<OnChainWeights>;
  close(): Promise<void>;
}

/** What a commit returns: everything the reveal needs, to persist across restarts. */
export interface WeightCommitReceipt extends WeightCommitOutcome {
  readonly mode: 'commit';
  readonly commitHash: string;
  readonly salt: number[];
  readonly commitBlock: number;
  readonly revealFromBlock: number;
  readonly uids: readonly number[];
  readonly values: readonly number[];
  readonly versionKey: bigint;
}

/** An extrinsic included in a block without a dispatch error. */
export interface TxReceipt {
  readonly block: number;
  readonly blockHash: string;
  readonly txHash: string;
}
