import type { MetagraphDiff, Neuron } from './types.js';

/**
 * Per-uid differences between two snapshots, in uid order: a uid that appears is `joined`, one that
 * disappears `left`, one whose hotkey changed `replaced` (a full subnet recycles the uid of the
 * pruned neuron), and one whose permit flipped `permit_changed`. Pure.
 */
export function diffMetagraph(
  previous: readonly Neuron[],
  next: readonly Neuron[],
  block: number,
): MetagraphDiff[] {
  const before = new Map(previous.map((n) => [n.uid, n]));
  const after = new Map(next.map((n) => [n.uid, n]));
  const uids = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => a - b);
  const diffs: MetagraphDiff[] = [];
  for (const uid of uids) {
    const old = before.get(uid);
    const neuron = after.get(uid);
    if (!old && neuron) diffs.push({ kind: 'joined', uid, neuron, block });
    else if (old && !neuron) diffs.push({ kind: 'left', uid, hotkey: old.hotkey, block });
    else if (old && neuron) {
      if (old.hotkey !== neuron.hotkey)
        diffs.push({ kind: 'replaced', uid, previousHotkey: old.hotkey, neuron, block });
      else if (old.validatorPermit !== neuron.validatorPermit)
        diffs.push({ kind: 'permit_changed', uid, neuron, block });
    }
  }
  return diffs;
}
