import { TypeRegistry } from '@polkadot/types';
import { ChainMetadataError } from '../errors.js';
import type { StorageView } from './storage-view.js';
import { firstRevealBlock, weightCommitHash } from './weight-codec.js';

/** One unrevealed commit of a hotkey as the chain stores it (`SubtensorModule.WeightCommits`). */
export interface OnChainWeightCommit {
  readonly hash: string;
  readonly commitBlock: number;
  /** First and last block in which the runtime accepts the reveal. */
  readonly firstRevealBlock: number;
  readonly lastRevealBlock: number;
}

export interface CommitWindowParams {
  readonly netuid: number;
  readonly tempo: number;
  readonly revealPeriodEpochs: number;
}

interface CodecNumber {
  toNumber(): number;
  toBigInt?(): bigint;
}
type CodecTuple = ArrayLike<{ toHex(): string } | CodecNumber>;

/** The hash preimage needs no chain metadata: these are all primitive types. */
const HASH_REGISTRY = new TypeRegistry();

/**
 * The commit-reveal v2 hash of a weight vector, computed without a connection so a committer can
 * persist it before it submits anything.
 */
export function commitHashOf(input: {
  hotkey: string | Uint8Array;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  salt: readonly number[];
  versionKey: bigint;
}): string {
  return weightCommitHash(HASH_REGISTRY, input);
}

/**
 * Reads `WeightCommits(netuid, hotkey)`. Spec 218 stores `(hash, commit_block, first_reveal,
 * last_reveal)`; later runtimes store `(hash, commit_epoch, commit_block, 0)`, where the window is
 * derived from the commit block like the runtime did at 218 (a reveal sent too early is refused
 * with RevealTooEarly, which the caller retries).
 */
export async function readWeightCommits(
  storage: StorageView,
  window: CommitWindowParams,
  hotkey: string,
): Promise<OnChainWeightCommit[]> {
  if (!storage.has('subtensorModule', 'weightCommits')) throw new ChainMetadataError('this runtime has no SubtensorModule.WeightCommits storage');
  const raw = (await storage.query('subtensorModule', 'weightCommits', window.netuid, hotkey)) as unknown as { isSome?: boolean; isNone?: boolean; unwrap?: () => unknown };
  let list: unknown = raw;
  if (typeof raw.isNone === 'boolean') {
    if (raw.isNone) return [];
    list = raw.unwrap!();
  }
  if (!Array.isArray(list)) throw new ChainMetadataError('WeightCommits did not decode to a list of commits');
  return (list as CodecTuple[]).map((tuple) => decodeCommitTuple(tuple, window));
}

function decodeCommitTuple(tuple: CodecTuple, window: CommitWindowParams): OnChainWeightCommit {
  if (tuple.length !== 4) throw new ChainMetadataError(`WeightCommits entry has ${tuple.length} fields, expected 4`);
  const hash = (tuple[0] as { toHex(): string }).toHex();
  const [a, b, c] = [1, 2, 3].map((i) => Number((tuple[i] as CodecNumber).toBigInt?.() ?? (tuple[i] as CodecNumber).toNumber()));
  if (c !== 0) return { hash, commitBlock: a!, firstRevealBlock: b!, lastRevealBlock: c! };
  const first = firstRevealBlock(b!, window.netuid, window.tempo, window.revealPeriodEpochs);
  return { hash, commitBlock: b!, firstRevealBlock: first, lastRevealBlock: first + window.tempo };
}
