import type { DefinitionsCall, RegistryTypes } from '@polkadot/types/types';

/**
 * SCALE layouts of what the Subtensor runtime returns, registered with @polkadot/api. Spec 218 answers its
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
