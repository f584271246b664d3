import { readFileSync } from 'node:fs';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata/decorate';
import type { DecoratedMeta } from '@polkadot/types/metadata/decorate/types';
import type { MetadataV15 } from '@polkadot/types/interfaces';
import { ChainMetadataError } from '../../errors.js';
import { join } from 'node:path';
import { packageRoot } from '../../util/paths.js';

/**
 * The spec-218 runtime as data: the metadata the node serves, its runtime version and chain
 * properties, and a TypeRegistry built from them, so every key and value the stand-in produces
 * is encoded with the runtime's own hashers and types.
 */

export interface RuntimeVersionJson {
  readonly specName: string;
  readonly implName: string;
  readonly authoringVersion: number;
  readonly specVersion: number;
  readonly implVersion: number;
  readonly apis: readonly (readonly [string, number])[];
  readonly transactionVersion: number;
  readonly stateVersion: number;
}

interface RuntimeSpecJson {
  readonly chain: string;
  readonly genesisHash: string;
  readonly runtimeVersion: RuntimeVersionJson;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** Signed extensions of spec 218 that carry no payload; @polkadot/types must be told so. */
export const SUBTENSOR_USER_EXTENSIONS = Object.freeze({
  SubtensorSignedExtension: { extrinsic: {}, payload: {} },
  CommitmentsSignedExtension: { extrinsic: {}, payload: {} },
});

/**
 * The opaque-bytes structs returned inside the runtime APIs' `Vec<u8>` at spec 218. The chain
 * client keeps its own copy of these layouts (src/chain/subtensor-registry-types.ts) on purpose: a
 * stand-in that borrowed the client's table would agree with any mistake in it, so the two are
 * written from the runtime source independently and each is checked against real bytes.
 */
export const SUBTENSOR_RUNTIME_TYPES = Object.freeze({
  NeuronInfoLite: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axon_info: 'PalletSubtensorAxonInfo',
    prometheus_info: 'PalletSubtensorPrometheusInfo',
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
  SubnetHyperparams218: {
    rho: 'Compact<u16>',
    kappa: 'Compact<u16>',
    immunity_period: 'Compact<u16>',
    min_allowed_weights: 'Compact<u16>',
    max_weights_limit: 'Compact<u16>',
    tempo: 'Compact<u16>',
    min_difficulty: 'Compact<u64>',
    max_difficulty: 'Compact<u64>',
    weights_version: 'Compact<u64>',
    weights_rate_limit: 'Compact<u64>',
    adjustment_interval: 'Compact<u16>',
    activity_cutoff: 'Compact<u16>',
    registration_allowed: 'bool',
    target_regs_per_interval: 'Compact<u16>',
    min_burn: 'Compact<u64>',
    max_burn: 'Compact<u64>',
    bonds_moving_avg: 'Compact<u64>',
    max_regs_per_block: 'Compact<u16>',
    serving_rate_limit: 'Compact<u64>',
    max_validators: 'Compact<u16>',
    adjustment_alpha: 'Compact<u64>',
    difficulty: 'Compact<u64>',
    commit_reveal_weights_interval: 'Compact<u64>',
    commit_reveal_weights_enabled: 'bool',
    alpha_high: 'Compact<u16>',
    alpha_low: 'Compact<u16>',
    liquid_alpha_enabled: 'bool',
  },
});

/**
 * Runtime APIs of the spec-218 subtensor runtime that return opaque `Vec<u8>`
 * (`runtime/src/lib.rs` at the matching commit), limited to those the stand-in answers: the
 * real runtime also has get_neurons/get_neuron, get_subnet(s)_info(_v2) and the dynamic-info
 * calls, which are left out so a client never discovers an API that would then fail.
 */
const SUBTENSOR_APIS: readonly { name: string; methods: readonly { name: string; inputs: readonly [string, 'u16' | 'AccountId32' | 'Vec<u8>'][] }[] }[] = [
  {
    name: 'NeuronInfoRuntimeApi',
    methods: [
      { name: 'get_neurons_lite', inputs: [['netuid', 'u16']] },
      { name: 'get_neuron_lite', inputs: [['netuid', 'u16'], ['uid', 'u16']] },
    ],
  },
  {
    name: 'SubnetInfoRuntimeApi',
    methods: [
      { name: 'get_subnet_hyperparams', inputs: [['netuid', 'u16']] },
      { name: 'get_subnet_state', inputs: [['netuid', 'u16']] },
    ],
  },
];

export interface RuntimeData {
  readonly registry: TypeRegistry;
  readonly metadata: Metadata;
  /** Hex of the v14 metadata exactly as `state_getMetadata` returns it. */
  readonly metadataHexV14: string;
  /** Hex of the v15 metadata (v14 plus runtime API descriptions), for `Metadata_metadata_at_version(15)`. */
  readonly metadataHexV15: string;
  readonly decorated: DecoratedMeta;
  readonly chain: string;
  readonly genesisHash: string;
  readonly runtimeVersion: RuntimeVersionJson;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The runtime data ships beside the source, so the compiled node under dist/ finds it too. */
function dataPath(name: string): string {
  return join(packageRoot(), 'src', 'devnet', 'subtensor', 'data', name);
}

let cached: RuntimeData | undefined;

/**
 * Loads the runtime once per process: building the registry takes ~0.3 s and every devnet in a
 * test file shares the same immutable metadata.
 */
export function loadRuntime(): RuntimeData {
  if (cached) return cached;
  let hex: string;
  let spec: RuntimeSpecJson;
  try {
    hex = readFileSync(dataPath('metadata-v15-spec218.hex'), 'utf8').trim();
    spec = JSON.parse(readFileSync(dataPath('runtime-spec218.json'), 'utf8')) as RuntimeSpecJson;
  } catch (cause) {
    throw new ChainMetadataError(`cannot read the spec-218 runtime data: ${(cause as Error).message}`);
  }
  const v15Hex = buildV15(hex);
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, v15Hex as `0x${string}`);
  registry.setMetadata(metadata, undefined, SUBTENSOR_USER_EXTENSIONS, true);
  registry.setChainProperties(registry.createType('ChainProperties', spec.properties) as never);
  registry.register(SUBTENSOR_RUNTIME_TYPES);
  cached = Object.freeze({
    registry,
    metadata,
    metadataHexV14: hex,
    metadataHexV15: v15Hex,
    decorated: expandMetadata(registry, metadata),
    chain: spec.chain,
    genesisHash: spec.genesisHash,
    runtimeVersion: spec.runtimeVersion,
    properties: spec.properties,
  });
  return cached;
}

interface PortableTypeJson {
  id: number;
  type: { path: string[]; params: unknown[]; def: Record<string, unknown>; docs: string[] };
}

/**
 * A spec-218 node answers `Metadata_metadata_at_version(15)` with v15 metadata whose `apis`
 * section names the runtime APIs; the stored fixture is the v14 `state_getMetadata` answer. The
 * v15 form is derived from it: same pallets and types, plus the subtensor APIs' signatures (u16
 * parameters, opaque `Vec<u8>` results), so clients can discover `NeuronInfoRuntimeApi` and
 * `SubnetInfoRuntimeApi` the way they do on the real chain.
 */
function buildV15(v14Hex: string): string {
  const scratch = new TypeRegistry();
  const v14 = new Metadata(scratch, v14Hex as `0x${string}`);
  scratch.setMetadata(v14, undefined, SUBTENSOR_USER_EXTENSIONS, true);
  const json = (v14.asV15 as MetadataV15).toJSON() as unknown as {
    lookup: { types: PortableTypeJson[] };
    apis: unknown[];
  };
  const types = json.lookup.types;
  const findId = (pred: (t: PortableTypeJson) => boolean): number | undefined => types.find(pred)?.id;
  const primitive = (name: string): number => {
    const id = findId((t) => String(t.type.def['primitive']).toLowerCase() === name);
    if (id === undefined) throw new ChainMetadataError(`spec-218 metadata has no ${name} type`);
    return id;
  };
  const u8 = primitive('u8');
  const u16 = primitive('u16');
  const append = (def: Record<string, unknown>): number => {
    const id = types.length;
    types.push({ id, type: { path: [], params: [], def, docs: [] } });
    return id;
  };
  const vecU8 = findId((t) => (t.type.def['sequence'] as { type?: number } | undefined)?.type === u8) ?? append({ sequence: { type: u8 } });
  const accountId = findId((t) => t.type.path.join('::') === 'sp_core::crypto::AccountId32');
  const idOf = (name: 'u16' | 'AccountId32' | 'Vec<u8>'): number => {
    if (name === 'u16') return u16;
    if (name === 'Vec<u8>') return vecU8;
    if (accountId === undefined) throw new ChainMetadataError('spec-218 metadata has no AccountId32 type');
    return accountId;
  };
  const u32 = primitive('u32');
  const u64 = primitive('u64');
  const byPath = (path: string): number => {
    const id = findId((t) => t.type.path.join('::') === path);
    if (id === undefined) throw new ChainMetadataError(`spec-218 metadata has no ${path} type`);
    return id;
  };
  const extrinsicType = (json as unknown as { extrinsic: { type?: number } }).extrinsic.type ?? byPath('fp_self_contained::unchecked_extrinsic::UncheckedExtrinsic');
  const runtimeDispatchInfo = append({
    composite: {
      fields: [
        { name: 'weight', type: byPath('sp_weights::weight_v2::Weight'), typeName: 'Weight', docs: [] },
        { name: 'class', type: byPath('frame_support::dispatch::DispatchClass'), typeName: 'DispatchClass', docs: [] },
        { name: 'partial_fee', type: u64, typeName: 'Balance', docs: [] },
      ],
    },
  });
  types[runtimeDispatchInfo]!.type.path = ['pallet_transaction_payment', 'types', 'RuntimeDispatchInfo'];
  const standard = [
    // Clients use these two while signing: the next nonce and the fee quote.
    { name: 'AccountNonceApi', methods: [{ name: 'account_nonce', inputs: [{ name: 'account', type: idOf('AccountId32') }], output: u32, docs: [] }], docs: [] },
    {
      name: 'TransactionPaymentApi',
      methods: [{ name: 'query_info', inputs: [{ name: 'uxt', type: extrinsicType }, { name: 'len', type: u32 }], output: runtimeDispatchInfo, docs: [] }],
      docs: [],
    },
  ];
  json.apis = [...standard, ...SUBTENSOR_APIS.map((api) => ({
    name: api.name,
    methods: api.methods.map((m) => ({
      name: m.name,
      inputs: m.inputs.map(([name, type]) => ({ name, type: idOf(type) })),
      output: vecU8,
      docs: [],
    })),
    docs: [],
  }))];
  const v15 = new Metadata(scratch, { magicNumber: 0x6174656d, metadata: { v15: json } } as never);
  return v15.toHex();
}
