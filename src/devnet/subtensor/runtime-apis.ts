import type { TypeRegistry } from '@polkadot/types';
import { compactAddLength, compactToU8a, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { publicKeyOf, pruningScores, type NeuronRecord, type SubnetSnapshot } from './devnet-state.js';
import { RpcError } from './rpc-error.js';

/**
 * Answers of the spec-218 runtime APIs for `state_call`. Each subtensor API returns an opaque
 * `Vec<u8>` wrapping the SCALE struct (reference §1.1), so the result is the struct's bytes with a
 * compact length in front. Pure functions of a subnet snapshot, so a call at an old block hash
 * answers from that block's state.
 */

const BOOL = [new Uint8Array([0]), new Uint8Array([1])];
const ONE = new Uint8Array([1]);
/** Compact length 1. */
const VEC_OF_ONE = new Uint8Array([4]);
const ZERO_COMPACT = new Uint8Array([0]);
const SEVEN_ZERO_COMPACTS = new Uint8Array(7);
/** AxonInfo {block u64, version u32, ip u128, port u16, ip_type u8, protocol u8, placeholder1 u8, placeholder2 u8}, all zero. */
const ZERO_AXON = new Uint8Array(8 + 4 + 16 + 2 + 4);
/** PrometheusInfo {block u64, version u32, ip u128, port u16, ip_type u8}, all zero. */
const ZERO_PROMETHEUS = new Uint8Array(8 + 4 + 16 + 2 + 1);

function opaque(bytes: Uint8Array): string {
  return u8aToHex(compactAddLength(bytes));
}

function readU16(params: Uint8Array, offset: number, method: string): number {
  if (params.length < offset + 2) throw new RpcError(4003, 'Client error', `Execution failed: ${method}: cannot decode input (u16 at byte ${offset})`);
  return params[offset]! | (params[offset + 1]! << 8);
}

/**
 * SCALE of `NeuronInfoLite` written directly: the metagraph of a 4096-neuron subnet would
 * otherwise build ~100k codec objects per call. The layout is the one the registry types in
 * runtime-metadata.ts describe; tests compare both encodings byte for byte.
 */
export function encodeNeuronInfoLite(netuid: number, uid: number, n: NeuronRecord, pruning: number): Uint8Array {
  const coldkey = publicKeyOf(n.coldkey);
  return u8aConcat(
    publicKeyOf(n.hotkey),
    coldkey,
    compactToU8a(uid),
    compactToU8a(netuid),
    BOOL[n.active ? 1 : 0]!,
    ZERO_AXON,
    ZERO_PROMETHEUS,
    // stake: one (coldkey, Compact(0)) entry from the legacy Stake map (reference §1.1).
    VEC_OF_ONE,
    coldkey,
    ZERO_COMPACT,
    // rank, emission, incentive, consensus, trust, validator_trust, dividends.
    SEVEN_ZERO_COMPACTS,
    compactToU8a(n.lastUpdate),
    BOOL[n.validatorPermit ? 1 : 0]!,
    compactToU8a(pruning),
  );
}

export function getNeuronsLite(_registry: TypeRegistry, snap: SubnetSnapshot | null): string {
  if (!snap) return opaque(new Uint8Array([0]));
  const pruning = pruningScores(snap.neurons);
  const parts = snap.neurons.map((n, uid) => encodeNeuronInfoLite(snap.netuid, uid, n, pruning[uid]!));
  return opaque(u8aConcat(compactToU8a(parts.length), ...parts));
}

export function getNeuronLite(_registry: TypeRegistry, snap: SubnetSnapshot | null, uid: number): string {
  const n = snap?.neurons[uid];
  if (!snap || !n) return opaque(new Uint8Array());
  return opaque(encodeNeuronInfoLite(snap.netuid, uid, n, pruningScores(snap.neurons)[uid]!));
}

/** SCALE of `Option<SubnetState>` (spec 218), written directly for the same reason. */
export function encodeSubnetState(snap: SubnetSnapshot, subnetCount: number): Uint8Array {
  const ns = snap.neurons;
  const count = compactToU8a(ns.length);
  const compacts = (values: readonly (number | bigint)[]): Uint8Array => u8aConcat(count, ...values.map((v) => compactToU8a(v)));
  const zeros = u8aConcat(count, new Uint8Array(ns.length));
  const stakes = compacts(ns.map((n) => n.stake));
  return u8aConcat(
    ONE,
    compactToU8a(snap.netuid),
    u8aConcat(count, ...ns.map((n) => publicKeyOf(n.hotkey))),
    u8aConcat(count, ...ns.map((n) => publicKeyOf(n.coldkey))),
    u8aConcat(count, Uint8Array.from(ns, (n) => (n.active ? 1 : 0))),
    u8aConcat(count, Uint8Array.from(ns, (n) => (n.validatorPermit ? 1 : 0))),
    compacts(pruningScores(ns)),
    compacts(ns.map((n) => n.lastUpdate)),
    // emission, dividends, incentives, consensus, trust, rank
    zeros,
    zeros,
    zeros,
    zeros,
    zeros,
    zeros,
    compacts(ns.map((n) => n.blockAtRegistration)),
    stakes,
    // tao_stake
    zeros,
    // total_stake = alpha (no root stake on the stand-in)
    stakes,
    // emission_history: one row per subnet, one column per neuron (reference §1.1).
    u8aConcat(compactToU8a(subnetCount), ...Array.from({ length: subnetCount }, () => zeros)),
  );
}

export function getSubnetState(_registry: TypeRegistry, snap: SubnetSnapshot | null, subnetCount: number): string {
  if (!snap) return opaque(new Uint8Array([0]));
  return opaque(encodeSubnetState(snap, subnetCount));
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
