import type { TypeRegistry } from '@polkadot/types';
import { compactAddLength, hexToU8a, u8aToHex } from '@polkadot/util';
import { pruningScores, type NeuronRecord, type SubnetSnapshot } from './devnet-state.js';
import { RpcError } from './rpc-error.js';

/**
 * Answers of the spec-218 runtime APIs for `state_call`. Each subtensor API returns an opaque
 * `Vec<u8>` wrapping the SCALE struct (reference §1.1), so the result is the struct's bytes with a
 * compact length in front. Pure functions of a subnet snapshot, so a call at an old block hash
 * answers from that block's state.
 */

const EMPTY_AXON = { block: 0, version: 0, ip: 0, port: 0, ip_type: 0, protocol: 0, placeholder1: 0, placeholder2: 0 };
const EMPTY_PROMETHEUS = { block: 0, version: 0, ip: 0, port: 0, ip_type: 0 };

function neuronLite(netuid: number, uid: number, n: NeuronRecord, pruning: number): Record<string, unknown> {
  return {
    hotkey: n.hotkey,
    coldkey: n.coldkey,
    uid,
    netuid,
    active: n.active,
    axon_info: EMPTY_AXON,
    prometheus_info: EMPTY_PROMETHEUS,
    // Built from the legacy `Stake(hotkey, coldkey)` map, which dynamic TAO leaves at 0 (reference §1.1).
    stake: [[n.coldkey, 0]],
    rank: 0,
    emission: 0,
    incentive: 0,
    consensus: 0,
    trust: 0,
    validator_trust: 0,
    dividends: 0,
    last_update: n.lastUpdate,
    validator_permit: n.validatorPermit,
    pruning_score: pruning,
  };
}

function opaque(bytes: Uint8Array): string {
  return u8aToHex(compactAddLength(bytes));
}

function readU16(params: Uint8Array, offset: number, method: string): number {
  if (params.length < offset + 2) throw new RpcError(4003, 'Client error', `Execution failed: ${method}: cannot decode input (u16 at byte ${offset})`);
  return params[offset]! | (params[offset + 1]! << 8);
}

export function getNeuronsLite(registry: TypeRegistry, snap: SubnetSnapshot | null): string {
  if (!snap) return opaque(new Uint8Array([0]));
  const pruning = pruningScores(snap.neurons);
  const list = snap.neurons.map((n, uid) => neuronLite(snap.netuid, uid, n, pruning[uid]!));
  return opaque(registry.createType('Vec<NeuronInfoLite>', list).toU8a());
}

export function getNeuronLite(registry: TypeRegistry, snap: SubnetSnapshot | null, uid: number): string {
  const n = snap?.neurons[uid];
  if (!snap || !n) return opaque(new Uint8Array());
  return opaque(registry.createType('NeuronInfoLite', neuronLite(snap.netuid, uid, n, pruningScores(snap.neurons)[uid]!)).toU8a());
}

export function getSubnetState(registry: TypeRegistry, snap: SubnetSnapshot | null, subnetCount: number): string {
  if (!snap) return opaque(new Uint8Array([0]));
  const ns = snap.neurons;
  const zeros = ns.map(() => 0);
  const value = {
    netuid: snap.netuid,
    hotkeys: ns.map((n) => n.hotkey),
    coldkeys: ns.map((n) => n.coldkey),
    active: ns.map((n) => n.active),
    validator_permit: ns.map((n) => n.validatorPermit),
    pruning_score: pruningScores(ns),
    last_update: ns.map((n) => n.lastUpdate),
    emission: zeros,
    dividends: zeros,
    incentives: zeros,
    consensus: zeros,
    trust: zeros,
    rank: zeros,
    block_at_registration: ns.map((n) => n.blockAtRegistration),
    alpha_stake: ns.map((n) => n.stake),
    tao_stake: zeros,
    total_stake: ns.map((n) => n.stake),
    // One row per subnet, one column per neuron (reference §1.1).
    emission_history: Array.from({ length: subnetCount }, () => zeros),
  };
  return opaque(registry.createType('Option<SubnetState218>', value).toU8a());
}

export function getSubnetHyperparams(registry: TypeRegistry, snap: SubnetSnapshot | null): string {
  if (!snap) return opaque(new Uint8Array());
  const h = snap.hyper;
  const value = {
    rho: 10,
    kappa: 32767,
    immunity_period: h.immunityPeriod,
    min_allowed_weights: h.minAllowedWeights,
    max_weights_limit: h.maxWeightsLimit,
    tempo: h.tempo,
    min_difficulty: 10_000_000,
    max_difficulty: 4_611_686_018_427_387_903n,
    weights_version: h.weightsVersionKey,
    weights_rate_limit: h.weightsSetRateLimit,
    adjustment_interval: 100,
    activity_cutoff: h.activityCutoff,
    registration_allowed: h.registrationAllowed,
    target_regs_per_interval: 1,
    min_burn: 500_000,
    max_burn: 100_000_000_000n,
    bonds_moving_avg: 900_000,
    max_regs_per_block: 1,
    serving_rate_limit: 50,
    max_validators: h.maxAllowedValidators,
    adjustment_alpha: 0,
    difficulty: 10_000_000,
    commit_reveal_weights_interval: h.revealPeriodEpochs,
    commit_reveal_weights_enabled: h.commitRevealWeightsEnabled,
    alpha_high: 58982,
    alpha_low: 45875,
    liquid_alpha_enabled: false,
  };
  return opaque(registry.createType('SubnetHyperparams218', value).toU8a());
}

/** Dispatches a subtensor runtime API by its `state_call` name; `undefined` if not one of them. */
export function callSubtensorApi(
  registry: TypeRegistry,
  method: string,
  paramsHex: string,
  snapshotOf: (netuid: number) => SubnetSnapshot | null,
  subnetCount: number,
): string | undefined {
  const params = hexToU8a(paramsHex);
  switch (method) {
    case 'NeuronInfoRuntimeApi_get_neurons_lite':
      return getNeuronsLite(registry, snapshotOf(readU16(params, 0, method)));
    case 'NeuronInfoRuntimeApi_get_neuron_lite':
      return getNeuronLite(registry, snapshotOf(readU16(params, 0, method)), readU16(params, 2, method));
    case 'SubnetInfoRuntimeApi_get_subnet_state':
      return getSubnetState(registry, snapshotOf(readU16(params, 0, method)), subnetCount);
    case 'SubnetInfoRuntimeApi_get_subnet_hyperparams':
      return getSubnetHyperparams(registry, snapshotOf(readU16(params, 0, method)));
    default:
      return undefined;
  }
}
