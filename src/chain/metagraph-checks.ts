import { ChainAnswerError } from '../errors.js';
import type { FinalizedBlock, Neuron } from './types.js';

/** Uids are u16: a subnet never holds more neurons than this. */
export const MAX_UIDS = 65_536;

/** Checked by the decoders too, before an address is encoded for each of a lying node's rows. */
export function checkNeuronCount(count: number, what: string): void {
  if (count > MAX_UIDS) throw new ChainAnswerError(`${what}: ${count} neurons; a subnet holds at most ${MAX_UIDS}`);
}

/**
 * What any Subtensor runtime guarantees of a subnet's neurons at a block, checked on every
 * metagraph read whichever route decoded it: at most 65,536 of them, uids ascending and unique
 * within u16, each hotkey at one uid only (`Uids` maps a hotkey to one uid), and update and
 * registration blocks no later than the block read. A node whose answer breaks one is broken or
 * lying; believing it would put uids the weight calls cannot encode, or one miner at two uids
 * (commitments are keyed by hotkey, so both would collect and be paid), into the cycle.
 */
export function checkNeurons(neurons: readonly Neuron[], head: FinalizedBlock, what: string): void {
  checkNeuronCount(neurons.length, what);
  const uidOf = new Map<string, number>();
  let previous = -1;
  for (const n of neurons) {
    if (!Number.isInteger(n.uid) || n.uid <= previous || n.uid >= MAX_UIDS)
      throw new ChainAnswerError(`${what}: uid ${n.uid} after uid ${previous}; uids are ascending, unique and below ${MAX_UIDS}`);
    previous = n.uid;
    const other = uidOf.get(n.hotkey);
    if (other !== undefined)
      throw new ChainAnswerError(`${what}: hotkey ${n.hotkey} holds uids ${other} and ${n.uid}`);
    uidOf.set(n.hotkey, n.uid);
    for (const [name, block] of [
      ['last_update', n.lastUpdate],
      ['block_at_registration', n.blockAtRegistration],
    ] as const) {
      if (!Number.isSafeInteger(block) || block < 0 || block > head.number)
        throw new ChainAnswerError(`${what}: uid ${n.uid} has ${name} ${block}, past the block read (${head.number})`);
    }
  }
}
