import type { Registry } from '@polkadot/types/types';
import { ChainMetadataError } from '../errors.js';
import { checkNeuronCount } from './metagraph-checks.js';
import { ScaleCursor } from './scale-cursor.js';
import {
  checkColumns,
  decodeExact,
  numberOf,
  ss58Of,
  stripOpaqueLength,
  toAddress,
  vecField,
  type BoolLike,
  type Codec,
  type NumberLike,
  type StructLike,
  type VecLike,
} from './scale-primitives.js';
import type { Neuron } from './types.js';

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
  checkNeuronCount(n, what);
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
      lastUpdate: numberOf(lastUpdate[uid] as NumberLike),
      blockAtRegistration: numberOf(registration[uid] as NumberLike),
    });
  }
  return neurons;
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
  checkNeuronCount(n, what);
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
