import type { Registry } from '@polkadot/types/types';
import { blake2AsHex } from '@polkadot/util-crypto';

/*
 * Commit-reveal arithmetic: the hash a commit carries and the epoch in which its reveal is
 * accepted. Pure, so the committer, the WeightCommits reader and the tests agree on one formula.
 */

/** The commit-reveal v2 hash: blake2_256(SCALE((AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64))). */
export function weightCommitHash(
  registry: Registry,
  input: {
    hotkey: string | Uint8Array;
    netuid: number;
    uids: readonly number[];
    values: readonly number[];
    salt: readonly number[];
    versionKey: bigint;
  },
): string {
  const tuple = registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [
    input.hotkey,
    input.netuid,
    input.uids,
    input.values,
    input.salt,
    input.versionKey,
  ]);
  return blake2AsHex(tuple.toU8a(), 256);
}

/** Spec 218 epoch of a block: (block + netuid + 1) / (tempo + 1), integer division. */
export function epochOf(block: number, netuid: number, tempo: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1));
}

/** First block of the reveal epoch for a commit made at `commitBlock`. */
export function firstRevealBlock(
  commitBlock: number,
  netuid: number,
  tempo: number,
  revealPeriodEpochs: number,
): number {
  const epoch = epochOf(commitBlock, netuid, tempo) + revealPeriodEpochs;
  return epoch * (tempo + 1) - (netuid + 1);
}
