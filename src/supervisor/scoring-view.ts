import type { Neuron } from '../chain/types.js';

/**
 * What scoring reads of the metagraph, as one comparable string: each uid's hotkey and whether
 * it may rank (stake > 0, validator permit). Two metagraphs with the same view score the same
 * stored history alike; stake amounts move every block and play no part.
 */
export function scoringView(neurons: Iterable<Neuron>): string {
  return [...neurons]
    .sort((a, b) => a.uid - b.uid)
    .map((n) => `${n.uid}:${n.hotkey}:${n.stake > 0n ? 1 : 0}:${n.validatorPermit ? 1 : 0}`)
    .join(',');
}
