export { SubtensorDevnet, type AnswerRewriter, type SubtensorDevnetOptions } from './subtensor-devnet.js';
export {
  DevnetState,
  DEFAULT_HYPERPARAMETERS,
  encodeCommitmentText,
  type DevnetHyperparameters,
  type DevnetNeuron,
  type NeuronRecord,
  type WeightCommit,
} from './devnet-state.js';
export { SUBTENSOR_RUNTIME_TYPES, SUBTENSOR_USER_EXTENSIONS, loadRuntime } from './runtime-metadata.js';
export { epochOf, maxUpscale, maxWeightWithinLimit } from './runtime-executive.js';
export { RpcError } from './rpc-error.js';
