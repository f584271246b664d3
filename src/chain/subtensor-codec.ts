import type { Registry } from '@polkadot/types/types';
import type { DefinitionsCall, RegistryTypes } from '@polkadot/types/types';
import { compactFromU8a, u8aToHex } from '@polkadot/util';
import { blake2AsHex, encodeAddress } from '@polkadot/util-crypto';
import { ChainMetadataError } from '../errors.js';
import type { CommitmentRecord, Neuron } from './types.js';

/**
 * SCALE layouts and pure decoders for what the Subtensor runtime returns. Spec 218 answers its
 * runtime APIs with opaque `Vec<u8>` whose structs the metadata does not describe, so the layouts
 * are registered here (verified against the runtime source and live bytes, see
 * shared/reference/subtensor-interface.md §1.1).
 */

export const SS58_PREFIX = 42;

export const SUBTENSOR_TYPES: RegistryTypes = {
  IvAxonInfo: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ip_type: 'u8',
    protocol: 'u8',
    placeholder1: 'u8',
    placeholder2: 'u8',
  },
  IvPrometheusInfo: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ip_type: 'u8' },
  NeuronInfoLite: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axon_info: 'IvAxonInfo',
    prometheus_info: 'IvPrometheusInfo',
    stake: 'Vec<(AccountId32, Compact<u64>)>',
    rank: 'Compact<u16>',
    emission: 'Compact<u64>',
    incentive: 'Compact<u16>',
    consensus: 'Compact<u16>',
    trust: 'Compact<u16>',
    validator_trust: 'Compact<u16>',
    dividends: 'Compact<u16>',
    last_update: 'Compact<u64>',
    validator_permit: 'bool',
    pruning_score: 'Compact<u16>',
  },
  SubnetState218: {
    netuid: 'Compact<u16>',
    hotkeys: 'Vec<AccountId32>',
    coldkeys: 'Vec<AccountId32>',
    active: 'Vec<bool>',
    validator_permit: 'Vec<bool>',
    pruning_score: 'Vec<Compact<u16>>',
    last_update: 'Vec<Compact<u64>>',
    emission: 'Vec<Compact<u64>>',
    dividends: 'Vec<Compact<u16>>',
    incentives: 'Vec<Compact<u16>>',
    consensus: 'Vec<Compact<u16>>',
    trust: 'Vec<Compact<u16>>',
    rank: 'Vec<Compact<u16>>',
    block_at_registration: 'Vec<Compact<u64>>',
    alpha_stake: 'Vec<Compact<u64>>',
    tao_stake: 'Vec<Compact<u64>>',
    total_stake: 'Vec<Compact<u64>>',
    emission_history: 'Vec<Vec<Compact<u64>>>',
  },
};

/**
 * Runtime API shapes for nodes whose metadata (v14) does not list APIs. @polkadot/api decorates
 * these only when the node's runtime version announces the API at this version, so their presence
 * on `api.call` still proves the node has them.
 */
export const SUBTENSOR_RUNTIME: DefinitionsCall = {
  NeuronInfoRuntimeApi: [
    {
      version: 1,
      methods: {
        get_neurons_lite: {
          description: 'opaque Vec<NeuronInfoLite>',
          params: [{ name: 'netuid', type: 'u16' }],
          type: 'Vec<u8>',
        },
        get_neuron_lite: {
          description: 'opaque NeuronInfoLite',
          params: [
            { name: 'netuid', type: 'u16' },
            { name: 'uid', type: 'u16' },
          ],
          type: 'Vec<u8>',
        },
      },
    },
  ],
  SubnetInfoRuntimeApi: [
    {
      version: 1,
      methods: {
        get_subnet_state: {
          description: 'opaque Option<SubnetState>',
          params: [{ name: 'netuid', type: 'u16' }],
          type: 'Vec<u8>',
        },
        get_subnet_hyperparams: {
          description: 'opaque SubnetHyperparams',
          params: [{ name: 'netuid', type: 'u16' }],
          type: 'Vec<u8>',
        },
      },
    },
  ],
};

/** The two Subtensor signed extensions carry no payload; telling @polkadot/api so silences its warning. */
export const SUBTENSOR_SIGNED_EXTENSIONS = {
  SubtensorSignedExtension: { extrinsic: {}, payload: {} },
  CommitmentsSignedExtension: { extrinsic: {}, payload: {} },
} as const;

/**
 * Removes the SCALE length of an opaque `Vec<u8>` answer when it is there. @polkadot/api hands the
 * runtime's `Vec<u8>` back with the inner compact length still in front; a raw `state_call`
 * result has it too. Only a prefix that spans exactly the rest of the buffer is taken as one.
 */
export function stripOpaqueLength(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes;
  try {
    const [offset, length] = compactFromU8a(bytes);
    if (offset + length.toNumber() === bytes.length) return bytes.subarray(offset);
  } catch {
    // not a compact prefix: the bytes are already the inner value
  }
  return bytes;
}

/** Decodes `type` from `bytes` and insists the decode consumed every byte. */
export function decodeExact<T extends { encodedLength: number }>(
  registry: Registry,
  type: string,
  bytes: Uint8Array,
  what: string,
): T {
  const value = registry.createTypeUnsafe(type, [bytes]) as unknown as T;
  if (value.encodedLength !== bytes.length) {
    throw new ChainMetadataError(
      `${what}: decoded ${value.encodedLength} of ${bytes.length} bytes as ${type}; the runtime's layout differs from the one this client knows`,
    );
  }
  return value;
}

interface Codec {
  toString(): string;
  toU8a(isBare?: boolean): Uint8Array;
}
interface VecLike<T> {
  readonly length: number;
  [index: number]: T;
  map<U>(fn: (value: T, index: number) => U): U[];
}
interface NumberLike {
  toBigInt(): bigint;
  toNumber(): number;
}
interface BoolLike {
  isTrue: boolean;
}
interface StructLike {
  get(name: string): unknown;
}

/** Reads a struct field by its snake_case name whether the type came from us or from metadata (camelCase). */
export function field<T>(struct: StructLike, name: string): T | undefined {
  const direct = struct.get(name);
  if (direct !== undefined) return direct as T;
  const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return struct.get(camel) as T | undefined;
}

function unwrapOption(value: unknown): unknown {
  if (value && typeof value === 'object' && 'isSome' in value && 'unwrap' in value) {
    const option = value as { isSome: boolean; unwrap(): unknown };
    return option.isSome ? option.unwrap() : undefined;
  }
  return value;
}

function vecField<T>(struct: StructLike, name: string, what: string): VecLike<T> {
  const value = unwrapOption(field(struct, name)) as VecLike<T> | undefined;
  if (!value || typeof value.length !== 'number')
    throw new ChainMetadataError(`${what}: field ${name} is missing from the runtime answer`);
  return value;
}

// Metagraph reads repeat the same few thousand keys; the SS58 checksum (blake2) dominates decoding.
const addressCache = new Map<string, string>();
export function ss58Of(publicKey: Uint8Array): string {
  const id = u8aToHex(publicKey);
  let address = addressCache.get(id);
  if (address === undefined) {
    if (addressCache.size >= 20_000) addressCache.clear();
    address = encodeAddress(publicKey, SS58_PREFIX);
    addressCache.set(id, address);
  }
  return address;
}

const toAddress = (value: Codec): string => ss58Of(value.toU8a(true));

/**
 * The per-uid vectors of a SubnetState (spec 218) or SelectiveMetagraph (newer runtimes, whose
 * fields are `Option`-wrapped) as neurons.
 */
export function neuronsFromColumns(struct: StructLike, what: string): Neuron[] {
  const hotkeys = vecField<Codec>(struct, 'hotkeys', what);
  const coldkeys = vecField<Codec>(struct, 'coldkeys', what);
  const active = vecField<BoolLike>(struct, 'active', what);
  const permit = vecField<BoolLike>(struct, 'validator_permit', what);
  const lastUpdate = vecField<NumberLike>(struct, 'last_update', what);
  const registration = vecField<NumberLike>(struct, 'block_at_registration', what);
  let stake: VecLike<NumberLike>;
  try {
    stake = vecField<NumberLike>(struct, 'total_stake', what);
  } catch {
    stake = vecField<NumberLike>(struct, 'alpha_stake', what);
  }
  const n = hotkeys.length;
  checkColumns(what, n, [
    ['coldkeys', coldkeys],
    ['active', active],
    ['validator_permit', permit],
    ['last_update', lastUpdate],
    ['block_at_registration', registration],
    ['stake', stake],
  ]);
  const neurons: Neuron[] = new Array(n);
  for (let uid = 0; uid < n; uid++) {
    neurons[uid] = Object.freeze({
      uid,
      hotkey: toAddress(hotkeys[uid] as Codec),
      coldkey: toAddress(coldkeys[uid] as Codec),
      stake: (stake[uid] as NumberLike).toBigInt(),
      active: (active[uid] as BoolLike).isTrue,
      validatorPermit: (permit[uid] as BoolLike).isTrue,
      lastUpdate: (lastUpdate[uid] as NumberLike).toNumber(),
      blockAtRegistration: (registration[uid] as NumberLike).toNumber(),
    });
  }
  return neurons;
}

/**
 * A cursor over SCALE bytes for the one layout read on every metagraph sync. @polkadot/types
 * builds an object per element (≈ 70 000 for 4096 uids, most of the read time), so the spec-218
 * SubnetState is walked directly; `decodeSubnetState218Generic` stays as the reference the tests
 * compare it with.
 */
class ScaleCursor {
  offset = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  #need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new ChainMetadataError(
        `${this.what}: ran out of bytes at offset ${this.offset} (${this.bytes.length} in all)`,
      );
    }
  }

  byte(): number {
    this.#need(1);
    return this.bytes[this.offset++] as number;
  }

  compact(): bigint {
    const first = this.byte();
    switch (first & 3) {
      case 0:
        return BigInt(first >>> 2);
      case 1:
        return BigInt((first | (this.byte() << 8)) >>> 2);
      case 2: {
        this.#need(3);
        const b = this.bytes;
        const o = this.offset;
        this.offset += 3;
        return BigInt(Math.floor((first + (b[o]! << 8) + (b[o + 1]! << 16) + b[o + 2]! * 0x1000000) / 4));
      }
      default: {
        const length = (first >>> 2) + 4;
        this.#need(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--)
          value = (value << 8n) | BigInt(this.bytes[this.offset + i] as number);
        this.offset += length;
        return value;
      }
    }
  }

  length(): number {
    const n = this.compact();
    if (n > BigInt(this.bytes.length - this.offset))
      throw new ChainMetadataError(`${this.what}: vector length ${n} exceeds the remaining bytes`);
    return Number(n);
  }

  accounts(): Uint8Array[] {
    const n = this.length();
    this.#need(n * 32);
    const out = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++)
      out[i] = this.bytes.subarray(this.offset + i * 32, this.offset + (i + 1) * 32);
    this.offset += n * 32;
    return out;
  }

  bools(): boolean[] {
    const n = this.length();
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      const b = this.byte();
      if (b > 1)
        throw new ChainMetadataError(`${this.what}: invalid bool byte ${b} at offset ${this.offset - 1}`);
      out[i] = b === 1;
    }
    return out;
  }

  compacts(): bigint[] {
    const n = this.length();
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = this.compact();
    return out;
  }
}

/**
 * Decodes the opaque answer of `SubnetInfoRuntimeApi.get_subnet_state` at spec 218 (layout
 * `SubnetState218`). Returns null when the subnet does not exist (`None`); throws
 * ChainMetadataError unless every byte is consumed.
 */
export function decodeSubnetState218(_registry: Registry, raw: Uint8Array): Neuron[] | null {
  const what = 'SubnetInfoRuntimeApi.get_subnet_state';
  const c = new ScaleCursor(stripOpaqueLength(raw), what);
  const tag = c.byte();
  if (tag === 0 && c.bytes.length === 1) return null;
  if (tag !== 1)
    throw new ChainMetadataError(`${what}: invalid Option tag ${tag} (or trailing bytes after None)`);
  c.compact(); // netuid
  const hotkeys = c.accounts();
  const coldkeys = c.accounts();
  const active = c.bools();
  const permit = c.bools();
  c.compacts(); // pruning_score
  const lastUpdate = c.compacts();
  for (let i = 0; i < 6; i++) c.compacts(); // emission, dividends, incentives, consensus, trust, rank
  const registration = c.compacts();
  c.compacts(); // alpha_stake
  c.compacts(); // tao_stake
  const totalStake = c.compacts();
  const rows = c.length();
  for (let i = 0; i < rows; i++) c.compacts(); // emission_history
  if (c.offset !== c.bytes.length) {
    throw new ChainMetadataError(
      `${what}: decoded ${c.offset} of ${c.bytes.length} bytes as Option<SubnetState218>; the runtime's layout differs from the one this client knows`,
    );
  }
  const n = hotkeys.length;
  checkColumns(what, n, [
    ['coldkeys', coldkeys],
    ['active', active],
    ['validator_permit', permit],
    ['last_update', lastUpdate],
    ['block_at_registration', registration],
    ['total_stake', totalStake],
  ]);
  const neurons = new Array<Neuron>(n);
  for (let uid = 0; uid < n; uid++) {
    neurons[uid] = Object.freeze({
      uid,
      hotkey: ss58Of(hotkeys[uid] as Uint8Array),
      coldkey: ss58Of(coldkeys[uid] as Uint8Array),
      stake: totalStake[uid] as bigint,
      active: active[uid] as boolean,
      validatorPermit: permit[uid] as boolean,
      lastUpdate: Number(lastUpdate[uid]),
      blockAtRegistration: Number(registration[uid]),
    });
  }
  return neurons;
}

/** The same decode through @polkadot/types and the registered `SubnetState218` type. */
export function decodeSubnetState218Generic(registry: Registry, raw: Uint8Array): Neuron[] | null {
  const inner = stripOpaqueLength(raw);
  const option = decodeExact<{ encodedLength: number; isSome: boolean; unwrap(): StructLike }>(
    registry,
    'Option<SubnetState218>',
    inner,
    'SubnetInfoRuntimeApi.get_subnet_state',
  );
  if (!option.isSome) return null;
  return neuronsFromColumns(option.unwrap(), 'SubnetInfoRuntimeApi.get_subnet_state');
}

/**
 * Decodes a runtime API answer whose type the node's metadata (v15+) describes: an
 * `Option<SubnetState>` or `Option<SelectiveMetagraph>` of newer runtimes, whose per-uid columns
 * may themselves be `Option`-wrapped. `type` is the lookup name of the API's output type.
 */
export function decodeTypedColumns(
  registry: Registry,
  type: string,
  raw: Uint8Array,
  what: string,
): Neuron[] | null {
  const value = decodeExact<
    { encodedLength: number; isNone?: boolean; isSome?: boolean; unwrap?(): StructLike } & StructLike
  >(registry, type, raw, what);
  if (typeof value.isSome === 'boolean' && typeof value.unwrap === 'function') {
    return value.isSome ? neuronsFromColumns(value.unwrap(), what) : null;
  }
  return neuronsFromColumns(value, what);
}

export interface NeuronLite {
  readonly uid: number;
  readonly hotkey: string;
  readonly coldkey: string;
  readonly active: boolean;
  readonly validatorPermit: boolean;
  readonly lastUpdate: number;
  /** The legacy `Stake` map sum: meaningless under dynamic TAO, replaced by TotalHotkeyAlpha. */
  readonly legacyStake: bigint;
}

/** Decodes the opaque answer of `NeuronInfoRuntimeApi.get_neurons_lite` (spec 218 layout). */
export function decodeNeuronsLite(registry: Registry, raw: Uint8Array): NeuronLite[] {
  const inner = stripOpaqueLength(raw);
  const vec = decodeExact<{ encodedLength: number } & VecLike<StructLike>>(
    registry,
    'Vec<NeuronInfoLite>',
    inner,
    'NeuronInfoRuntimeApi.get_neurons_lite',
  );
  return vec.map((n) => ({
    uid: (field<NumberLike>(n, 'uid') as NumberLike).toNumber(),
    hotkey: toAddress(field<Codec>(n, 'hotkey') as Codec),
    coldkey: toAddress(field<Codec>(n, 'coldkey') as Codec),
    active: (field<BoolLike>(n, 'active') as BoolLike).isTrue,
    validatorPermit: (field<BoolLike>(n, 'validator_permit') as BoolLike).isTrue,
    lastUpdate: (field<NumberLike>(n, 'last_update') as NumberLike).toNumber(),
    legacyStake: (field<VecLike<[Codec, NumberLike]>>(n, 'stake') as VecLike<[Codec, NumberLike]>)
      .map((pair) => pair[1].toBigInt())
      .reduce((a, b) => a + b, 0n),
  }));
}

/** The lookup type name of a storage item's value, from the served metadata. */
export function storageValueType(registry: Registry, pallet: string, item: string): string {
  for (const p of registry.metadata.pallets) {
    if (p.name.toString() !== pallet || p.storage.isNone) continue;
    for (const entry of p.storage.unwrap().items) {
      if (entry.name.toString() !== item) continue;
      const id = entry.type.isMap ? entry.type.asMap.value : entry.type.asPlain;
      return registry.createLookupType(id);
    }
  }
  throw new ChainMetadataError(`storage ${pallet}.${item} is not in the runtime metadata`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface DataEnum {
  readonly type: string;
  readonly isNone: boolean;
  readonly value: Codec;
}

/**
 * Decodes one `Commitments.CommitmentOf` value on its own, so an undecodable entry costs only that
 * hotkey its commitment. The miner string is the first field, a `Raw*` (or `BigRaw`) variant of
 * UTF-8 bytes; anything else gives `value: null` and the reason.
 */
export function decodeCommitmentValue(
  registry: Registry,
  type: string,
  hotkey: string,
  raw: Uint8Array,
): CommitmentRecord {
  let block = 0;
  try {
    const registration = decodeExact<{ encodedLength: number } & StructLike>(
      registry,
      type,
      raw,
      `CommitmentOf(${hotkey})`,
    );
    block = (field<NumberLike>(registration, 'block') as NumberLike).toNumber();
    const info = field<StructLike>(registration, 'info');
    const fields = info ? (field<VecLike<DataEnum>>(info, 'fields') as VecLike<DataEnum>) : undefined;
    const first = fields?.[0];
    if (!first) return { hotkey, block, value: null, error: 'no_fields' };
    if (first.isNone || !(first.type.startsWith('Raw') || first.type === 'BigRaw')) {
      return { hotkey, block, value: null, error: `not_raw:${first.type}` };
    }
    try {
      return { hotkey, block, value: utf8.decode(first.value.toU8a(true)) };
    } catch {
      return { hotkey, block, value: null, error: 'not_utf8' };
    }
  } catch (error) {
    return { hotkey, block, value: null, error: `undecodable: ${(error as Error).message}` };
  }
}

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

export function toHex(bytes: Uint8Array): string {
  return u8aToHex(bytes);
}

/** Every per-uid column of a subnet state must have one entry per hotkey. */
function checkColumns(what: string, n: number, columns: ReadonlyArray<readonly [string, { readonly length: number }]>): void {
  for (const [name, column] of columns) {
    if (column.length !== n) throw new ChainMetadataError(`${what}: ${name} has ${column.length} entries for ${n} hotkeys`);
  }
}
