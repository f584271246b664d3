import type { TypeRegistry } from '@polkadot/types';
import type { StorageEntry } from '@polkadot/types/primitive/types';
import { compactStripLength, u8aConcat, u8aToHex, stringToU8a, bnToU8a } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import type { RuntimeData } from './runtime-metadata.js';
import type { VersionedStorage } from './versioned-storage.js';

/** A neuron to seed. Keys are SS58 (any prefix) or 0x public keys; stake is alpha in rao. */
export interface DevnetNeuron {
  readonly hotkey: string;
  readonly coldkey: string;
  readonly stake: bigint;
  /** Default true: at spec 218 `epoch_mock` grants every neuron a permit. */
  readonly validatorPermit?: boolean;
  /** UTF-8 text committed as a single `Raw<N>` field (≤ 128 bytes). */
  readonly commitment?: string;
}

export interface DevnetHyperparameters {
  readonly tempo: number;
  readonly weightsSetRateLimit: number;
  readonly weightsVersionKey: bigint;
  readonly commitRevealWeightsEnabled: boolean;
  readonly revealPeriodEpochs: number;
  readonly minAllowedWeights: number;
  readonly maxWeightsLimit: number;
  readonly immunityPeriod: number;
  readonly maxAllowedUids: number;
  readonly maxAllowedValidators: number;
  readonly activityCutoff: number;
  /** Registration burn in rao, paid by the coldkey in `burned_register`. */
  readonly burn: bigint;
  readonly registrationAllowed: boolean;
  /** Global (`WeightsMinStake` is a StorageValue); kept here because clients read it with the rest. */
  readonly weightsMinStake: bigint;
}

/** raonet values for a freshly registered subnet (reference §3.1/§4), except uid capacity. */
export const DEFAULT_HYPERPARAMETERS: DevnetHyperparameters = Object.freeze({
  tempo: 30,
  weightsSetRateLimit: 100,
  weightsVersionKey: 0n,
  commitRevealWeightsEnabled: false,
  revealPeriodEpochs: 1,
  minAllowedWeights: 1,
  maxWeightsLimit: 65535,
  immunityPeriod: 5000,
  maxAllowedUids: 256,
  maxAllowedValidators: 64,
  activityCutoff: 5000,
  burn: 1_000_000_000n,
  registrationAllowed: true,
  weightsMinStake: 0n,
});

export interface NeuronRecord {
  readonly hotkey: string;
  readonly coldkey: string;
  readonly stake: bigint;
  readonly active: boolean;
  readonly validatorPermit: boolean;
  readonly lastUpdate: number;
  readonly blockAtRegistration: number;
}

export interface WeightCommit {
  readonly hash: string;
  readonly commitBlock: number;
  readonly firstRevealBlock: number;
  readonly lastRevealBlock: number;
}

/** What runtime APIs read: an immutable view of one subnet as of one block. */
export interface SubnetSnapshot {
  readonly netuid: number;
  readonly hyper: DevnetHyperparameters;
  readonly neurons: readonly NeuronRecord[];
}

interface SubnetRecord {
  readonly netuid: number;
  hyper: DevnetHyperparameters;
  neurons: NeuronRecord[];
  readonly weights: Map<number, [number, number][]>;
  readonly weightCommits: Map<string, WeightCommit[]>;
  /** hotkey → SCALE `CommitmentInfo` bytes and the block it was set. */
  readonly commitments: Map<string, { block: number; info: Uint8Array }>;
  snapshot: SubnetSnapshot | null;
}

interface AccountRecord {
  nonce: number;
  free: bigint;
}

const HYPER_STORAGE: readonly [keyof DevnetHyperparameters, string][] = [
  ['tempo', 'tempo'],
  ['weightsSetRateLimit', 'weightsSetRateLimit'],
  ['weightsVersionKey', 'weightsVersionKey'],
  ['commitRevealWeightsEnabled', 'commitRevealWeightsEnabled'],
  ['revealPeriodEpochs', 'revealPeriodEpochs'],
  ['minAllowedWeights', 'minAllowedWeights'],
  ['maxWeightsLimit', 'maxWeightsLimit'],
  ['immunityPeriod', 'immunityPeriod'],
  ['maxAllowedUids', 'maxAllowedUids'],
  ['maxAllowedValidators', 'maxAllowedValidators'],
  ['activityCutoff', 'activityCutoff'],
  ['burn', 'burn'],
  ['registrationAllowed', 'networkRegistrationAllowed'],
];

const U16_MAX = 65535;

/** Normalises any SS58 or 0x public key to SS58 with prefix 42. */
export function toSs58(address: string, what = 'address'): string {
  try {
    return encodeAddress(decodeAddress(address), 42);
  } catch (cause) {
    throw new TypeError(`${what} is not a valid SS58 address or 32-byte public key: ${JSON.stringify(address)} (${(cause as Error).message})`);
  }
}

/** SCALE `CommitmentInfo` holding one `Raw<N>` field with the UTF-8 bytes of `text`. */
export function encodeCommitmentText(text: string): Uint8Array {
  const bytes = stringToU8a(text);
  if (bytes.length > 128) throw new RangeError(`commitment is ${bytes.length} bytes; Data::Raw holds at most 128`);
  // fields: Vec len 1 (compact 0x04), tag N+1, N bytes.
  return u8aConcat(new Uint8Array([0x04, bytes.length + 1]), bytes);
}

/**
 * The subnet world of the stand-in (neurons, hyperparameters, weights, commits, commitments,
 * balances and nonces). Changes made here — by extrinsics or by tests — reach storage, and so
 * clients, when the next block is produced (`flush`), just as on a chain.
 */
export class DevnetState {
  readonly #runtime: RuntimeData;
  readonly #registry: TypeRegistry;
  readonly #storage: VersionedStorage;
  readonly #subnets = new Map<number, SubnetRecord>();
  readonly #accounts = new Map<string, AccountRecord>();
  readonly #typeCache = new Map<StorageEntry, string>();
  #weightsMinStake = 0n;
  #sudoKey: string | null = null;
  /**
   * Number of the block being built (best + 1). Seeding happens before genesis, so seeded neurons
   * carry LastUpdate = BlockAtRegistration = 0, like genesis-registered ones on a real chain.
   */
  #pendingBlock = 0;

  // Dirty sets, drained by flush().
  readonly #dirtySubnets = new Set<number>();
  readonly #dirtyUids = new Map<number, Set<number>>();
  readonly #dirtyAccounts = new Set<string>();
  readonly #dirtyCommitments = new Set<string>();
  readonly #dirtyWeights = new Set<string>();
  readonly #dirtyWeightCommits = new Set<string>();
  readonly #removedHotkeys: { netuid: number; hotkey: string }[] = [];
  readonly #removedUids: { netuid: number; uid: number }[] = [];
  #dirtyGlobal = true;

  constructor(runtime: RuntimeData, storage: VersionedStorage) {
    this.#runtime = runtime;
    this.#registry = runtime.registry;
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
      weights: new Map(),
      weightCommits: new Map(),
      commitments: new Map(),
      snapshot: null,
    };
    this.#subnets.set(netuid, subnet);
    this.#dirtySubnets.add(netuid);
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
    subnet.neurons.push({
      hotkey,
      coldkey,
      stake: neuron.stake,
      active: true,
      validatorPermit: neuron.validatorPermit ?? true,
      lastUpdate: block,
      blockAtRegistration: block,
    });
    this.#markUid(netuid, uid);
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
    this.#removedHotkeys.push({ netuid, hotkey: removed.hotkey });
    this.#removedUids.push({ netuid, uid: last });
    for (let u = uid; u < last; u++) {
      const w = subnet.weights.get(u + 1);
      if (w) subnet.weights.set(u, w);
      else subnet.weights.delete(u);
      this.#markUid(netuid, u);
      this.#dirtyWeights.add(`${netuid}|${u}`);
    }
    subnet.weights.delete(last);
    this.#dirtyWeights.add(`${netuid}|${last}`);
    this.#dirtySubnets.add(netuid);
  }

  setHyperparameter<K extends keyof DevnetHyperparameters>(name: K, value: DevnetHyperparameters[K], netuid = this.defaultNetuid): void {
    const subnet = this.#subnet(netuid);
    if (!(name in DEFAULT_HYPERPARAMETERS)) throw new TypeError(`unknown hyperparameter ${String(name)}`);
    subnet.hyper = validateHyperparameters({ ...subnet.hyper, [name]: value });
    if (name === 'weightsMinStake') this.#weightsMinStake = subnet.hyper.weightsMinStake;
    this.#dirtySubnets.add(netuid);
    this.#dirtyGlobal = true;
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
    this.#dirtyAccounts.add(toSs58(address));
  }

  balanceOf(address: string): bigint {
    return this.#accounts.get(toSs58(address))?.free ?? 0n;
  }

  nonceOf(address: string): number {
    return this.#accounts.get(toSs58(address))?.nonce ?? 0;
  }

  set sudoKey(address: string | null) {
    this.#sudoKey = address === null ? null : toSs58(address, 'sudo key');
    this.#dirtyGlobal = true;
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
    const ss58 = toSs58(hotkey, 'hotkey');
    const idx = this.#subnet(netuid).neurons.findIndex((n) => n.hotkey === ss58);
    return idx < 0 ? null : idx;
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
      this.#dirtyCommitments.add(`${netuid}|${ss58}`);
      return;
    }
    this.setCommitmentInfo(netuid, ss58, encodeCommitmentText(text), this.#pendingBlock);
  }

  // ---------------------------------------------------------------- runtime internals

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
    this.#dirtyAccounts.add(toSs58(address));
  }

  updateNeuron(netuid: number, uid: number, patch: Partial<NeuronRecord>): void {
    const subnet = this.#subnet(netuid);
    const current = subnet.neurons[uid];
    if (!current) throw new RangeError(`uid ${uid} is not registered on subnet ${netuid}`);
    if (patch.hotkey !== undefined && patch.hotkey !== current.hotkey) {
      this.#removedHotkeys.push({ netuid, hotkey: current.hotkey });
      subnet.weights.delete(uid);
      this.#dirtyWeights.add(`${netuid}|${uid}`);
    }
    subnet.neurons[uid] = { ...current, ...patch };
    this.#markUid(netuid, uid);
  }

  appendNeuron(netuid: number, record: NeuronRecord): number {
    const subnet = this.#subnet(netuid);
    subnet.neurons.push(record);
    const uid = subnet.neurons.length - 1;
    this.#markUid(netuid, uid);
    return uid;
  }

  setWeights(netuid: number, uid: number, weights: [number, number][]): void {
    this.#subnet(netuid).weights.set(uid, weights);
    this.#dirtyWeights.add(`${netuid}|${uid}`);
  }

  setWeightCommits(netuid: number, hotkey: string, commits: WeightCommit[]): void {
    const subnet = this.#subnet(netuid);
    if (commits.length === 0) subnet.weightCommits.delete(hotkey);
    else subnet.weightCommits.set(hotkey, commits);
    this.#dirtyWeightCommits.add(`${netuid}|${hotkey}`);
  }

  commitmentRecord(netuid: number, hotkey: string): { block: number; info: Uint8Array } | undefined {
    return this.#subnet(netuid).commitments.get(hotkey);
  }

  setCommitmentInfo(netuid: number, hotkey: string, info: Uint8Array, block: number): void {
    this.#subnet(netuid).commitments.set(hotkey, { block, info });
    this.#dirtyCommitments.add(`${netuid}|${hotkey}`);
  }

  /** Snapshot of a subnet as of the last flush. */
  snapshot(netuid: number): SubnetSnapshot | null {
    return this.#subnets.get(netuid)?.snapshot ?? null;
  }

  /** Writes every change since the last flush into storage as of `block`, then moves to block+1. */
  flush(block: number): void {
    const st = this.#storage;
    if (this.#dirtyGlobal) {
      st.set(this.#key('subtensorModule', 'weightsMinStake'), this.#value('subtensorModule', 'weightsMinStake', this.#weightsMinStake), block);
      if (this.#sudoKey) st.set(this.#key('sudo', 'key'), this.#value('sudo', 'key', this.#sudoKey), block);
      this.#dirtyGlobal = false;
    }
    for (const { netuid, hotkey } of this.#removedHotkeys.splice(0)) {
      if (this.uidOf(hotkey, netuid) === null) st.set(this.#key('subtensorModule', 'uids', netuid, hotkey), null, block);
    }
    for (const { netuid, uid } of this.#removedUids.splice(0)) {
      if (uid >= this.#subnet(netuid).neurons.length) {
        st.set(this.#key('subtensorModule', 'keys', netuid, uid), null, block);
        st.set(this.#key('subtensorModule', 'blockAtRegistration', netuid, uid), null, block);
      }
    }
    for (const [netuid, uids] of this.#dirtyUids) {
      const subnet = this.#subnet(netuid);
      for (const uid of uids) {
        const n = subnet.neurons[uid];
        if (!n) continue;
        st.set(this.#key('subtensorModule', 'keys', netuid, uid), this.#value('subtensorModule', 'keys', n.hotkey), block);
        st.set(this.#key('subtensorModule', 'uids', netuid, n.hotkey), this.#value('subtensorModule', 'uids', uid), block);
        st.set(this.#key('subtensorModule', 'owner', n.hotkey), this.#value('subtensorModule', 'owner', n.coldkey), block);
        st.set(this.#key('subtensorModule', 'totalHotkeyAlpha', n.hotkey, netuid), this.#value('subtensorModule', 'totalHotkeyAlpha', n.stake), block);
        st.set(this.#key('subtensorModule', 'alpha', n.hotkey, n.coldkey, netuid), this.#value('subtensorModule', 'alpha', n.stake), block);
        st.set(
          this.#key('subtensorModule', 'blockAtRegistration', netuid, uid),
          this.#value('subtensorModule', 'blockAtRegistration', n.blockAtRegistration),
          block,
        );
      }
      this.#dirtySubnets.add(netuid);
    }
    this.#dirtyUids.clear();
    for (const netuid of this.#dirtySubnets) this.#flushSubnet(netuid, block);
    this.#dirtySubnets.clear();
    for (const ss58 of this.#dirtyAccounts) {
      const a = this.#accounts.get(ss58);
      if (!a) continue;
      st.set(
        this.#key('system', 'account', ss58),
        this.#value('system', 'account', {
          nonce: a.nonce,
          consumers: 0,
          providers: a.free > 0n || a.nonce > 0 ? 1 : 0,
          sufficients: 0,
          data: { free: a.free, reserved: 0, frozen: 0, flags: 0 },
        }),
        block,
      );
    }
    this.#dirtyAccounts.clear();
    for (const id of this.#dirtyCommitments) {
      const [netuid, hotkey] = splitId(id);
      const record = this.#subnets.get(netuid)?.commitments.get(hotkey);
      const key = this.#key('commitments', 'commitmentOf', netuid, hotkey);
      const lastKey = this.#key('commitments', 'lastCommitment', netuid, hotkey);
      if (!record) {
        st.set(key, null, block);
        st.set(lastKey, null, block);
        continue;
      }
      // Registration { deposit: u64, block: u32, info }: encoded by hand because `info` is
      // already SCALE (it may come straight from an extrinsic).
      st.set(key, u8aToHex(u8aConcat(new Uint8Array(8), bnToU8a(record.block, { bitLength: 32 }), record.info)), block);
      st.set(lastKey, u8aToHex(bnToU8a(record.block, { bitLength: 32 })), block);
    }
    this.#dirtyCommitments.clear();
    for (const id of this.#dirtyWeights) {
      const [netuid, uidText] = splitId(id);
      const uid = Number(uidText);
      const w = this.#subnets.get(netuid)?.weights.get(uid);
      st.set(this.#key('subtensorModule', 'weights', netuid, uid), w ? this.#value('subtensorModule', 'weights', w) : null, block);
    }
    this.#dirtyWeights.clear();
    for (const id of this.#dirtyWeightCommits) {
      const [netuid, hotkey] = splitId(id);
      const commits = this.#subnets.get(netuid)?.weightCommits.get(hotkey);
      st.set(
        this.#key('subtensorModule', 'weightCommits', netuid, hotkey),
        commits ? this.#value('subtensorModule', 'weightCommits', commits.map((c) => [c.hash, c.commitBlock, c.firstRevealBlock, c.lastRevealBlock])) : null,
        block,
      );
    }
    this.#dirtyWeightCommits.clear();
    this.#pendingBlock = block + 1;
  }

  /** Storage key (hex) of `section.method(...args)`, hashed as the metadata says. */
  storageKey(section: string, method: string, ...args: unknown[]): string {
    return this.#key(section, method, ...args);
  }

  /** SCALE hex of a storage value for `section.method`. */
  storageValue(section: string, method: string, value: unknown): string {
    return this.#value(section, method, value);
  }

  // ---------------------------------------------------------------- private

  #subnet(netuid: number): SubnetRecord {
    const subnet = this.#subnets.get(netuid);
    if (!subnet) throw new RangeError(`subnet ${netuid} does not exist on this devnet`);
    return subnet;
  }

  #markUid(netuid: number, uid: number): void {
    let set = this.#dirtyUids.get(netuid);
    if (!set) this.#dirtyUids.set(netuid, (set = new Set()));
    set.add(uid);
    this.#dirtySubnets.add(netuid);
  }

  #flushSubnet(netuid: number, block: number): void {
    const subnet = this.#subnet(netuid);
    const st = this.#storage;
    const put = (method: string, value: unknown): void => st.set(this.#key('subtensorModule', method, netuid), this.#value('subtensorModule', method, value), block);
    const ns = subnet.neurons;
    const n = ns.length;
    put('networksAdded', true);
    put('subnetworkN', n);
    for (const [field, method] of HYPER_STORAGE) put(method, subnet.hyper[field]);
    put('active', ns.map((x) => x.active));
    put('validatorPermit', ns.map((x) => x.validatorPermit));
    put('lastUpdate', ns.map((x) => x.lastUpdate));
    const pruning = pruningScores(ns);
    put('pruningScores', pruning);
    put('stakeWeight', pruning);
    const zeros16 = new Array<number>(n).fill(0);
    const zeros64 = new Array<number>(n).fill(0);
    for (const m of ['rank', 'trust', 'consensus', 'incentive', 'dividends', 'validatorTrust']) put(m, zeros16);
    put('emission', zeros64);
    put('blocksSinceLastStep', 0);
    put('lastMechansimStepBlock', block);
    if (ns[0]) {
      put('subnetOwner', ns[0].coldkey);
      put('subnetOwnerHotkey', ns[0].hotkey);
    }
    subnet.snapshot = Object.freeze({ netuid, hyper: { ...subnet.hyper, weightsMinStake: this.#weightsMinStake }, neurons: Object.freeze([...ns]) });
  }

  #entry(section: string, method: string): StorageEntry {
    const entry = (this.#runtime.decorated.query as Record<string, Record<string, StorageEntry> | undefined>)[section]?.[method];
    if (!entry) throw new RangeError(`storage item ${section}.${method} is not in the runtime metadata`);
    return entry;
  }

  #key(section: string, method: string, ...args: unknown[]): string {
    const entry = this.#entry(section, method);
    const raw = (entry as unknown as (...a: unknown[]) => Uint8Array)(...args);
    return u8aToHex(compactStripLength(raw)[1]);
  }

  #value(section: string, method: string, value: unknown): string {
    const entry = this.#entry(section, method);
    let type = this.#typeCache.get(entry);
    if (!type) {
      const t = entry.meta.type;
      type = this.#registry.createLookupType(t.isPlain ? t.asPlain : t.asMap.value);
      this.#typeCache.set(entry, type);
    }
    // toU8a, not toHex: integers' toHex is the big-endian number, not their SCALE bytes.
    return u8aToHex(this.#registry.createType(type, value).toU8a());
  }
}

/** epoch_mock at spec 218: pruning score = stake weight, stake normalised so the largest is u16::MAX. */
export function pruningScores(neurons: readonly NeuronRecord[]): number[] {
  let max = 0n;
  for (const n of neurons) if (n.stake > max) max = n.stake;
  if (max === 0n) return neurons.map(() => 0);
  return neurons.map((n) => Number((n.stake * BigInt(U16_MAX)) / max));
}

function splitId(id: string): [number, string] {
  const bar = id.indexOf('|');
  return [Number(id.slice(0, bar)), id.slice(bar + 1)];
}

function assertU16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > U16_MAX) throw new RangeError(`${what} must be an integer in 0..65535, got ${value}`);
}

function validateHyperparameters(h: DevnetHyperparameters): DevnetHyperparameters {
  for (const k of ['tempo', 'minAllowedWeights', 'maxWeightsLimit', 'immunityPeriod', 'maxAllowedUids', 'maxAllowedValidators', 'activityCutoff'] as const) {
    assertU16(h[k], k);
  }
  for (const k of ['weightsSetRateLimit', 'revealPeriodEpochs'] as const) {
    if (!Number.isSafeInteger(h[k]) || h[k] < 0) throw new RangeError(`${k} must be a non-negative integer, got ${h[k]}`);
  }
  for (const k of ['weightsVersionKey', 'burn', 'weightsMinStake'] as const) {
    if (typeof h[k] !== 'bigint' || h[k] < 0n) throw new TypeError(`${k} must be a non-negative bigint`);
  }
  for (const k of ['commitRevealWeightsEnabled', 'registrationAllowed'] as const) {
    if (typeof h[k] !== 'boolean') throw new TypeError(`${k} must be a boolean`);
  }
  if (h.maxAllowedUids > 4096) throw new RangeError(`maxAllowedUids must be <= 4096, got ${h.maxAllowedUids}`);
  return Object.freeze({ ...h });
}
