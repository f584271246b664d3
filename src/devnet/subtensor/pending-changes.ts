/**
 * What changed in the world since the last block: the parts of storage the next flush must
 * rewrite. Ids of per-hotkey and per-uid items are `netuid|hotkey` and `netuid|uid`.
 */
export class PendingChanges {
  readonly subnets = new Set<number>();
  readonly uids = new Map<number, Set<number>>();
  readonly accounts = new Set<string>();
  readonly commitments = new Set<string>();
  readonly weights = new Set<string>();
  readonly weightCommits = new Set<string>();
  readonly removedHotkeys: { netuid: number; hotkey: string }[] = [];
  readonly removedUids: { netuid: number; uid: number }[] = [];
  /** Global items (WeightsMinStake, Sudo key). */
  global = true;

  markUid(netuid: number, uid: number): void {
    let set = this.uids.get(netuid);
    if (!set) this.uids.set(netuid, (set = new Set()));
    set.add(uid);
    this.subnets.add(netuid);
  }

  /** Captures the change sets; the returned function puts them back (a failed dispatch). */
  checkpoint(): () => void {
    const saved = {
      subnets: new Set(this.subnets),
      uids: new Map([...this.uids].map(([k, v]) => [k, new Set(v)])),
      accounts: new Set(this.accounts),
      commitments: new Set(this.commitments),
      weights: new Set(this.weights),
      weightCommits: new Set(this.weightCommits),
      removedHotkeys: [...this.removedHotkeys],
      removedUids: [...this.removedUids],
      global: this.global,
    };
    return () => {
      replaceSet(this.subnets, saved.subnets);
      replaceMap(this.uids, saved.uids);
      replaceSet(this.accounts, saved.accounts);
      replaceSet(this.commitments, saved.commitments);
      replaceSet(this.weights, saved.weights);
      replaceSet(this.weightCommits, saved.weightCommits);
      this.removedHotkeys.splice(0, this.removedHotkeys.length, ...saved.removedHotkeys);
      this.removedUids.splice(0, this.removedUids.length, ...saved.removedUids);
      this.global = saved.global;
    };
  }
}

export function replaceMap<K, V>(target: Map<K, V>, source: Map<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

function replaceSet<T>(target: Set<T>, source: Set<T>): void {
  target.clear();
  for (const v of source) target.add(v);
}

/** `[netuid, rest]` of a `netuid|rest` id. */
export function splitId(id: string): [number, string] {
  const bar = id.indexOf('|');
  return [Number(id.slice(0, bar)), id.slice(bar + 1)];
}
