import type { TypeRegistry } from '@polkadot/types';
import type { StorageEntry } from '@polkadot/types/primitive/types';
import { bnToU8a, compactStripLength, compactToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress, encodeAddress, xxhashAsU8a } from '@polkadot/util-crypto';
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
  /** hotkey → uid, kept in step with `neurons`. */
  readonly uidByHotkey: Map<string, number>;
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
  let ss58 = ss58Cache.get(address);
  if (ss58 === undefined) {
    try {
      ss58 = encodeAddress(publicKeyOf(address), 42);
    } catch (cause) {
      throw new TypeError(`${what} is not a valid SS58 address or 32-byte public key: ${JSON.stringify(address)} (${(cause as Error).message})`);
    }
    remember(ss58Cache, address, ss58);
  }
  return ss58;
}

// Base58 decoding dominates bulk seeding (every key and value names accounts), so decoded
// addresses are memoised; the caches are bounded and simply start over when full.
const CACHE_LIMIT = 100_000;
const ss58Cache = new Map<string, string>();
const publicKeyCache = new Map<string, Uint8Array>();

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

/** Public key of an SS58 address or 0x key; throws on anything else. The result must not be mutated. */
export function publicKeyOf(address: string): Uint8Array {
  let pk = publicKeyCache.get(address);
  if (!pk) {
    pk = decodeAddress(address);
    remember(publicKeyCache, address, pk);
  }
  return pk;
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
  readonly #keyCodecs = new Map<string, (args: unknown[]) => string>();
  readonly #valueCodecs = new Map<string, (value: unknown) => string>();
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
      uidByHotkey: new Map(),
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
    subnet.uidByHotkey.clear();
    subnet.neurons.forEach((n, u) => subnet.uidByHotkey.set(n.hotkey, u));
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
      this.#dirtyCommitments.add(`${netuid}|${ss58}`);
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
    const dirty = {
      subnets: new Set(this.#dirtySubnets),
      uids: new Map([...this.#dirtyUids].map(([k, v]) => [k, new Set(v)])),
      accounts: new Set(this.#dirtyAccounts),
      commitments: new Set(this.#dirtyCommitments),
      weights: new Set(this.#dirtyWeights),
      weightCommits: new Set(this.#dirtyWeightCommits),
      removedHotkeys: [...this.#removedHotkeys],
      removedUids: [...this.#removedUids],
      global: this.#dirtyGlobal,
    };
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
      replaceSet(this.#dirtySubnets, dirty.subnets);
      replaceMap(this.#dirtyUids, dirty.uids);
      replaceSet(this.#dirtyAccounts, dirty.accounts);
      replaceSet(this.#dirtyCommitments, dirty.commitments);
      replaceSet(this.#dirtyWeights, dirty.weights);
      replaceSet(this.#dirtyWeightCommits, dirty.weightCommits);
      this.#removedHotkeys.splice(0, this.#removedHotkeys.length, ...dirty.removedHotkeys);
      this.#removedUids.splice(0, this.#removedUids.length, ...dirty.removedUids);
      this.#dirtyGlobal = dirty.global;
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
    this.#dirtyAccounts.add(toSs58(address));
  }

  updateNeuron(netuid: number, uid: number, patch: Partial<NeuronRecord>): void {
    const subnet = this.#subnet(netuid);
    const current = subnet.neurons[uid];
    if (!current) throw new RangeError(`uid ${uid} is not registered on subnet ${netuid}`);
    if (patch.hotkey !== undefined && patch.hotkey !== current.hotkey) {
      subnet.uidByHotkey.delete(current.hotkey);
      subnet.uidByHotkey.set(patch.hotkey, uid);
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
    subnet.uidByHotkey.set(record.hotkey, uid);
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
    const id = `${section}.${method}`;
    let codec = this.#keyCodecs.get(id);
    if (!codec) this.#keyCodecs.set(id, (codec = this.#keyCodec(this.#entry(section, method))));
    return codec(args);
  }

  /**
   * Key builder for one storage item. Seeding thousands of neurons writes tens of thousands of
   * keys, so keys whose parts are u16/u32/u64 or AccountId32 are hashed directly (same hashers,
   * same bytes as @polkadot/types); anything else goes through the decorated entry.
   */
  #keyCodec(entry: StorageEntry): (args: unknown[]) => string {
    const slow = (args: unknown[]): string => u8aToHex(compactStripLength((entry as unknown as (...a: unknown[]) => Uint8Array)(...args))[1]);
    const t = entry.meta.type;
    const prefix = u8aToHex(entry.keyPrefix());
    if (t.isPlain) return () => prefix;
    const map = t.asMap;
    const hashers = map.hashers.map((h) => h.type);
    const keyIds = hashers.length === 1 ? [map.key] : this.#registry.lookup.getSiType(map.key).def.asTuple.map((x) => x);
    const encoders = keyIds.map((id) => primitiveEncoder(this.#registry.lookup.getTypeDef(id).type));
    if (encoders.some((e) => e === null) || hashers.some((h) => !['Identity', 'Blake2128Concat', 'Twox64Concat'].includes(h))) return slow;
    return (args) => {
      if (args.length !== encoders.length) return slow(args);
      let out = prefix;
      for (let i = 0; i < encoders.length; i++) {
        const bytes = encoders[i]!(args[i]);
        if (!bytes) return slow(args);
        const h = hashers[i];
        if (h === 'Blake2128Concat') out += u8aToHex(blake2AsU8a(bytes, 128)).slice(2);
        else if (h === 'Twox64Concat') out += u8aToHex(xxhashAsU8a(bytes, 64)).slice(2);
        out += u8aToHex(bytes).slice(2);
      }
      return out;
    };
  }

  #value(section: string, method: string, value: unknown): string {
    const id = `${section}.${method}`;
    let codec = this.#valueCodecs.get(id);
    if (!codec) this.#valueCodecs.set(id, (codec = this.#valueCodec(this.#entry(section, method))));
    return codec(value);
  }

  #valueCodec(entry: StorageEntry): (value: unknown) => string {
    const t = entry.meta.type;
    const typeId = t.isPlain ? t.asPlain : t.asMap.value;
    const type = this.#registry.createLookupType(typeId);
    // toU8a, not toHex: integers' toHex is the big-endian number, not their SCALE bytes.
    const slow = (value: unknown): string => u8aToHex(this.#registry.createType(type, value).toU8a());
    const fast = primitiveEncoder(this.#registry.lookup.getTypeDef(typeId).type);
    if (!fast) return slow;
    return (value) => {
      const bytes = fast(value);
      return bytes ? u8aToHex(bytes) : slow(value);
    };
  }
}

/** Little-endian unsigned integer of `bytes` width written at `offset`; false if out of range. */
function writeUint(out: Uint8Array, offset: number, bytes: number, value: unknown): boolean {
  let v: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return false;
    if (bytes <= 4) {
      if (value >= 2 ** (8 * bytes)) return false;
      for (let i = 0; i < bytes; i++) out[offset + i] = (value >>> (8 * i)) & 0xff;
      return true;
    }
    v = BigInt(value);
  } else if (typeof value === 'bigint') v = value;
  else return false;
  if (v < 0n || v >= 1n << BigInt(8 * bytes)) return false;
  for (let i = 0; i < bytes; i++) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return true;
}

function compactLength(n: number): Uint8Array {
  return compactToU8a(n);
}

/** Direct SCALE encoders for the key/value types the stand-in writes in bulk; null falls back to the registry. */
function primitiveEncoder(type: string): ((value: unknown) => Uint8Array | null) | null {
  const widths: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };
  const scalar = widths[type];
  if (scalar !== undefined) {
    return (value) => {
      const out = new Uint8Array(scalar);
      return writeUint(out, 0, scalar, value) ? out : null;
    };
  }
  const vec = /^Vec<(u8|u16|u32|u64|bool)>$/.exec(type);
  if (vec) {
    const inner = vec[1]!;
    const width = inner === 'bool' ? 1 : widths[inner]!;
    return (value) => {
      if (!Array.isArray(value)) return null;
      const prefix = compactLength(value.length);
      const out = new Uint8Array(prefix.length + width * value.length);
      out.set(prefix, 0);
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        const at = prefix.length + i * width;
        if (inner === 'bool') {
          if (typeof v !== 'boolean') return null;
          out[at] = v ? 1 : 0;
        } else if (!writeUint(out, at, width, v)) return null;
      }
      return out;
    };
  }
  switch (type) {
    case 'bool':
      return (value) => (typeof value === 'boolean' ? new Uint8Array([value ? 1 : 0]) : null);
    case 'AccountId32':
      return (value) => {
        if (typeof value !== 'string') return null;
        try {
          return publicKeyOf(value);
        } catch {
          return null;
        }
      };
    default:
      return null;
  }
}

/** epoch_mock at spec 218: pruning score = stake weight, stake normalised so the largest is u16::MAX. */
export function pruningScores(neurons: readonly NeuronRecord[]): number[] {
  let max = 0n;
  for (const n of neurons) if (n.stake > max) max = n.stake;
  if (max === 0n) return neurons.map(() => 0);
  return neurons.map((n) => Number((n.stake * BigInt(U16_MAX)) / max));
}

function replaceMap<K, V>(target: Map<K, V>, source: Map<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

function replaceSet<T>(target: Set<T>, source: Set<T>): void {
  target.clear();
  for (const v of source) target.add(v);
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
