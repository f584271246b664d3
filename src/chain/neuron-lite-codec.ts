import type { Registry } from '@polkadot/types/types';
import { checkNeuronCount } from './metagraph-checks.js';
import {
  decodeExact,
  field,
  numberOf,
  stripOpaqueLength,
  toAddress,
  type BoolLike,
  type Codec,
  type NumberLike,
  type StructLike,
  type VecLike,
} from './scale-primitives.js';

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
  checkNeuronCount(vec.length, 'NeuronInfoRuntimeApi.get_neurons_lite');
  return vec.map((n) => ({
    uid: numberOf(field<NumberLike>(n, 'uid') as NumberLike),
    hotkey: toAddress(field<Codec>(n, 'hotkey') as Codec),
    coldkey: toAddress(field<Codec>(n, 'coldkey') as Codec),
    active: (field<BoolLike>(n, 'active') as BoolLike).isTrue,
    validatorPermit: (field<BoolLike>(n, 'validator_permit') as BoolLike).isTrue,
    lastUpdate: numberOf(field<NumberLike>(n, 'last_update') as NumberLike),
    legacyStake: (field<VecLike<[Codec, NumberLike]>>(n, 'stake') as VecLike<[Codec, NumberLike]>)
      .map((pair) => pair[1].toBigInt())
      .reduce((a, b) => a + b, 0n),
  }));
}
