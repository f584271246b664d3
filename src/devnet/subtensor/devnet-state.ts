import type { RuntimeData } from './runtime-metadata.js';
import type { VersionedStorage } from './versioned-storage.js';
import { encodeCommitmentText, toSs58 } from './account-keys.js';
import {
  DEFAULT_HYPERPARAMETERS,
  assertU16,
  validateHyperparameters,
  type AccountRecord,
  type DevnetHyperparameters,
  type DevnetNeuron,
  type NeuronRecord,
  type SubnetRecord,
  type SubnetSnapshot,
  type WeightCommit,
} from './devnet-types.js';
import { PendingChanges, replaceMap } from './pending-changes.js';
import { StorageCodec } from './storage-codec.js';
import { projectChanges } from './storage-projection.js';

export { encodeCommitmentText, publicKeyOf, toSs58 } from './account-keys.js';
export {
  DEFAULT_HYPERPARAMETERS,
  pruningScores,
  type AccountRecord,
  type DevnetHyperparameters,
  type DevnetNeuron,
  type NeuronRecord,
  type SubnetRecord,
  type SubnetSnapshot,
  type WeightCommit,
} from './devnet-types.js';


/**
 * The subnet world of the stand-in (neurons, hyperparameters, weights, commits, commitments,
 * balances and nonces). Changes made here — by extrinsics or by tests — reach storage, and so
 * clients, when the next block is produced (`flush`), just as on a chain.
 */
export class DevnetState {
  readonly #codec: StorageCodec;
  readonly #storage: VersionedStorage;
  readonly #subnets = new Map<number, SubnetRecord>();
  readonly #accounts = new Map<string, AccountRecord>();
  readonly #changes = new PendingChanges();
  #weightsMinStake = 0n;
  #sudoKey: string | null = null;
  /**
   * Number of the block being built (best + 1). Seeding happens before genesis, so seeded neurons
   * carry LastUpdate = BlockAtRegistration = 0, like genesis-registered ones on a real chain.
   */
  #pendingBlock = 0;

  constructor(runtime: RuntimeData, storage: VersionedStorage) {
    this.#codec = new StorageCodec(runtime);
    this.#storage = storage;
  }

  // ---------------------------------------------------------------- test and seeding API

  /** Creates subnet `netuid` with `neurons` at uids 0..n-1 (no extrinsics: cheap for 4096). */
  addSubnet(netuid: number, neurons: readonly DevnetNeuron[] = [], hyperparameters: Partial<DevnetHyperparameters> = {}): void {
    assertU16(netuid, 'netuid');
    if (this.#subnets.has(netuid)) throw new RangeError(`subnet ${netuid} already exists`);
    const hyper = validateHyperparameters({
      ...DEFAULT_HYPERPARAMETERS,
      maxAllowedUids: Math.max(DEFAULT_HYPERPARAMETERS.maxAllowedUids, neurons.length),
      ...hyperparameters,
    });
    if (neurons.length > hyper.maxAllowedUids) throw new RangeError(`${neurons.length} neurons exceed maxAllowedUids ${hyper.maxAllowedUids}`);
    if (hyperparameters.weightsMinStake !== undefined) this.#weightsMinStake = hyper.weightsMinStake;
    const subnet: SubnetRecord = {
      netuid,
      hyper,
      neurons: [],
      uidByHotkey: new Map(),
      weights: new Map(),
      weightCommits: new Map(),
      commitments: new Map(),
      snapshot: null,
    };
    this.#subnets.set(netuid, subnet);
    this.#changes.subnets.add(netuid);
    for (const n of neurons) this.registerNeuron(n, netuid);
  }

  /** Appends a neuron at the next uid (like a registration, without the burn). Returns its uid. */
  registerNeuron(neuron: DevnetNeuron, netuid = this.defaultNetuid): number {
    const subnet = this.#subnet(netuid);
    const hotkey = toSs58(neuron.hotkey, 'hotkey');
    const coldkey = toSs58(neuron.coldkey, 'coldkey');
    if (typeof neuron.stake !== 'bigint' || neuron.stake < 0n) throw new TypeError(`stake of ${hotkey} must be a non-negative bigint`);
    if (this.uidOf(hotkey, netuid) !== null) throw new RangeError(`hotkey ${hotkey} is already registered on subnet ${netuid}`);
    if (subnet.neurons.length >= subnet.hyper.maxAllowedUids) throw new RangeError(`subnet ${netuid} is full (${subnet.hyper.maxAllowedUids} uids)`);
    const commitment = neuron.commitment === undefined ? undefined : encodeCommitmentText(neuron.commitment);
    const uid = subnet.neurons.length;
    const block = this.#pendingBlock;
    subnet.uidByHotkey.set(hotkey, uid);
    subnet.neurons.push({
      hotkey,
      coldkey,
      stake: neuron.stake,
      active: true,
      validatorPermit: neuron.validatorPermit ?? true,
      lastUpdate: block,
      blockAtRegistration: block,
    });
    this.#changes.markUid(netuid, uid);
    if (commitment) this.setCommitmentInfo(netuid, hotkey, commitment, block);
    return uid;
  }

  /**
   * Removes `uid`; higher uids move down by one (the compaction newer runtimes do when trimming a
   * subnet), so clients see the hotkeys at those uids change and `SubnetworkN` shrink.
   */
  deregisterNeuron(uid: number, netuid = this.defaultNetuid): void {
    const subnet = this.#subnet(netuid);
    const removed = subnet.neurons[uid];
    if (!removed) throw new RangeError(`uid ${uid} is not registered on subnet ${netuid}`);
    const last = subnet.neurons.length - 1;
    subnet.neurons.splice(uid, 1);
    subnet.uidByHotkey.clear();
    subnet.neurons.forEach((n, u) => subnet.uidByHotkey.set(n.hotkey, u));
    this.#changes.removedHotkeys.push({ netuid, hotkey: removed.hotkey });
    this.#changes.removedUids.push({ netuid, uid: last });
    for (let u = uid; u < last; u++) {
      const w = subnet.weights.get(u + 1);
      if (w) subnet.weights.set(u, w);
      else subnet.weights.delete(u);
      this.#changes.markUid(netuid, u);
      this.#changes.weights.add(`${netuid}|${u}`);
    }
    subnet.weights.delete(last);
    this.#changes.weights.add(`${netuid}|${last}`);
    this.#changes.subnets.add(netuid);
  }

  setHyperparameter<K extends keyof DevnetHyperparameters>(name: K, value: DevnetHyperparameters[K], netuid = this.defaultNetuid): void {
    const subnet = this.#subnet(netuid);
    if (!(name in DEFAULT_HYPERPARAMETERS)) throw new TypeError(`unknown hyperparameter ${String(name)}`);
    subnet.hyper = validateHyperparameters({ ...subnet.hyper, [name]: value });
    if (name === 'weightsMinStake') this.#weightsMinStake = subnet.hyper.weightsMinStake;
    this.#changes.subnets.add(netuid);
    this.#changes.global = true;
  }

  hyperparameters(netuid = this.defaultNetuid): DevnetHyperparameters {
    return { ...this.#subnet(netuid).hyper, weightsMinStake: this.#weightsMinStake };
  }

  setStake(hotkey: string, stake: bigint, netuid = this.defaultNetuid): void {
    const uid = this.uidOf(hotkey, netuid);
    if (uid === null) throw new RangeError(`hotkey ${hotkey} is not registered on subnet ${netuid}`);
    if (stake < 0n) throw new RangeError('stake must be >= 0');
    this.updateNeuron(netuid, uid, { stake });
  }

  setValidatorPermit(uid: number, permit: boolean, netuid = this.defaultNetuid): void {
    this.updateNeuron(netuid, uid, { validatorPermit: permit });
  }

  /** Free balance (rao) of an account; creates the account. */
  setBalance(address: string, free: bigint): void {
    if (typeof free !== 'bigint' || free < 0n) throw new RangeError('balance must be a non-negative bigint');
    const account = this.account(address);
    account.free = free;
    this.#changes.accounts.add(toSs58(address));
  }

  balanceOf(address: string): bigint {
    return this.#accounts.get(toSs58(address))?.free ?? 0n;
  }

  nonceOf(address: string): number {
    return this.#accounts.get(toSs58(address))?.nonce ?? 0;
  }

  set sudoKey(address: string | null) {
    this.#sudoKey = address === null ? null : toSs58(address, 'sudo key');
    this.#changes.global = true;
  }

  get sudoKey(): string | null {
    return this.#sudoKey;
  }

  get defaultNetuid(): number {
    const first = this.#subnets.keys().next();
    if (first.done) throw new RangeError('the devnet has no subnet');
    return first.value;
  }

  get netuids(): number[] {
    return [...this.#subnets.keys()];
  }

  hasSubnet(netuid: number): boolean {
    return this.#subnets.has(netuid);
  }

  neurons(netuid = this.defaultNetuid): readonly NeuronRecord[] {
    return this.#subnet(netuid).neurons;
  }

  uidOf(hotkey: string, netuid = this.defaultNetuid): number | null {
    return this.#subnet(netuid).uidByHotkey.get(toSs58(hotkey, 'hotkey')) ?? null;
  }

  /** Stored weights of `uid`: `[dest uid, max-upscaled u16]` pairs. */
  weightsOf(uid: number, netuid = this.defaultNetuid): [number, number][] {
    return (this.#subnet(netuid).weights.get(uid) ?? []).map(([u, w]) => [u, w]);
  }

  weightCommitsOf(hotkey: string, netuid = this.defaultNetuid): readonly WeightCommit[] {
    return this.#subnet(netuid).weightCommits.get(toSs58(hotkey)) ?? [];
  }

  /** Sets (or with `null` removes) a commitment as if committed at the block being built. */
  setCommitment(hotkey: string, text: string | null, netuid = this.defaultNetuid): void {
    const ss58 = toSs58(hotkey, 'hotkey');
    if (text === null) {
      this.#subnet(netuid).commitments.delete(ss58);
      this.#changes.commitments.add(`${netuid}|${ss58}`);
      return;
    }
    this.setCommitmentInfo(netuid, ss58, encodeCommitmentText(text), this.#pendingBlock);
  }

  // ---------------------------------------------------------------- runtime internals

  /**
   * Captures everything a dispatch can change, so a failed call can be undone as the runtime's
   * transactional dispatch does. Neuron records and stored vectors are immutable and shared;
   * only containers are copied.
   */
  checkpoint(): () => void {
    const subnets = [...this.#subnets.values()].map((sn) => ({
      sn,
      hyper: sn.hyper,
      neurons: [...sn.neurons],
      uidByHotkey: new Map(sn.uidByHotkey),
      weights: new Map(sn.weights),
      weightCommits: new Map(sn.weightCommits),
      commitments: new Map(sn.commitments),
    }));
    const accounts = new Map([...this.#accounts].map(([k, a]) => [k, { ...a }]));
    const weightsMinStake = this.#weightsMinStake;
    const sudoKey = this.#sudoKey;
    const restoreChanges = this.#changes.checkpoint();
    return () => {
      for (const saved of subnets) {
        const sn = saved.sn;
        sn.hyper = saved.hyper;
        sn.neurons = saved.neurons;
        replaceMap(sn.uidByHotkey, saved.uidByHotkey);
        replaceMap(sn.weights, saved.weights);
        replaceMap(sn.weightCommits, saved.weightCommits);
        replaceMap(sn.commitments, saved.commitments);
      }
      // Account records are mutated in place by callers holding them; restore values, not objects.
      for (const [k, a] of this.#accounts) {
        const before = accounts.get(k);
        if (before) Object.assign(a, before);
        else this.#accounts.delete(k);
      }
      this.#weightsMinStake = weightsMinStake;
      this.#sudoKey = sudoKey;
      restoreChanges();
    };
  }

  /** Block being built; extrinsics and test changes land in it. */
  get pendingBlock(): number {
    return this.#pendingBlock;
  }

  get weightsMinStake(): bigint {
    return this.#weightsMinStake;
  }

  subnetRecord(netuid: number): SubnetRecord | undefined {
    return this.#subnets.get(netuid);
  }

  account(address: string): AccountRecord {
    const ss58 = toSs58(address);
    let account = this.#accounts.get(ss58);
    if (!account) {
      account = { nonce: 0, free: 0n };
      this.#accounts.set(ss58, account);
    }
    return account;
  }

  touchAccount(address: string): void {
    this.#changes.accounts.add(toSs58(address));
  }

  updateNeuron(netuid: number, uid: number, patch: Partial<NeuronRecord>): void {
    const subnet = this.#subnet(netuid);
    const current = subnet.neurons[uid];
    if (!current) throw new RangeError(`uid ${uid} is not registered on subnet ${netuid}`);
    if (patch.hotkey !== undefined && patch.hotkey !== current.hotkey) {
      subnet.uidByHotkey.delete(current.hotkey);
      subnet.uidByHotkey.set(patch.hotkey, uid);
      this.#changes.removedHotkeys.push({ netuid, hotkey: current.hotkey });
      subnet.weights.delete(uid);
      this.#changes.weights.add(`${netuid}|${uid}`);
    }
    subnet.neurons[uid] = { ...current, ...patch };
    this.#changes.markUid(netuid, uid);
  }

  appendNeuron(netuid: number, record: NeuronRecord): number {
    const subnet = this.#subnet(netuid);
    subnet.neurons.push(record);
    const uid = subnet.neurons.length - 1;
    subnet.uidByHotkey.set(record.hotkey, uid);
    this.#changes.markUid(netuid, uid);
    return uid;
  }

  setWeights(netuid: number, uid: number, weights: [number, number][]): void {
    this.#subnet(netuid).weights.set(uid, weights);
    this.#changes.weights.add(`${netuid}|${uid}`);
  }

  setWeightCommits(netuid: number, hotkey: string, commits: WeightCommit[]): void {
    const subnet = this.#subnet(netuid);
    if (commits.length === 0) subnet.weightCommits.delete(hotkey);
    else subnet.weightCommits.set(hotkey, commits);
    this.#changes.weightCommits.add(`${netuid}|${hotkey}`);
  }

  commitmentRecord(netuid: number, hotkey: string): { block: number; info: Uint8Array } | undefined {
    return this.#subnet(netuid).commitments.get(hotkey);
  }

  setCommitmentInfo(netuid: number, hotkey: string, info: Uint8Array, block: number): void {
    this.#subnet(netuid).commitments.set(hotkey, { block, info });
    this.#changes.commitments.add(`${netuid}|${hotkey}`);
  }

  /** Snapshot of a subnet as of the last flush. */
  snapshot(netuid: number): SubnetSnapshot | null {
    return this.#subnets.get(netuid)?.snapshot ?? null;
  }

  /** Writes every change since the last flush into storage as of `block`, then moves to block+1. */
  flush(block: number): void {
    const world = { subnets: this.#subnets, accounts: this.#accounts, weightsMinStake: this.#weightsMinStake, sudoKey: this.#sudoKey };
    projectChanges(world, this.#changes, this.#codec, this.#storage, block);
    this.#pendingBlock = block + 1;
  }

  /** Storage key (hex) of `section.method(...args)`, hashed as the metadata says. */
  storageKey(section: string, method: string, ...args: unknown[]): string {
    return this.#codec.key(section, method, ...args);
  }

  /** SCALE hex of a storage value for `section.method`. */
  storageValue(section: string, method: string, value: unknown): string {
    return this.#codec.value(section, method, value);
  }

  #subnet(netuid: number): SubnetRecord {
    const subnet = this.#subnets.get(netuid);
    if (!subnet) throw new RangeError(`subnet ${netuid} does not exist on this devnet`);
    return subnet;
  }
}
