/*
 * The one import path for Subtensor SCALE layouts and decoders. Each data structure lives in its
 * own file; this module re-exports them so callers need not know which.
 */
export {
  SS58_PREFIX,
  SUBTENSOR_RUNTIME,
  SUBTENSOR_SIGNED_EXTENSIONS,
  SUBTENSOR_TYPES,
} from './subtensor-registry-types.js';
export { decodeExact, field, ss58Of, storageValueType, stripOpaqueLength, toHex } from './scale-primitives.js';
export {
  decodeSubnetState218,
  decodeSubnetState218Generic,
  decodeTypedColumns,
  neuronsFromColumns,
} from './subnet-state-codec.js';
export { decodeNeuronsLite, type NeuronLite } from './neuron-lite-codec.js';
export { decodeCommitmentValue } from './commitment-codec.js';
export { epochOf, firstRevealBlock, weightCommitHash } from './weight-codec.js';
