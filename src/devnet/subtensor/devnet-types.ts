/** The stand-in's world model: what tests seed and extrinsics change, before any storage encoding. */

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

export interface SubnetRecord {
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

export interface AccountRecord {
  nonce: number;
  free: bigint;
}

export const U16_MAX = 65535;

/** epoch_mock at spec 218: pruning score = stake weight, stake normalised so the largest is u16::MAX. */
export function pruningScores(neurons: readonly NeuronRecord[]): number[] {
  let max = 0n;
  for (const n of neurons) if (n.stake > max) max = n.stake;
  if (max === 0n) return neurons.map(() => 0);
  return neurons.map((n) => Number((n.stake * BigInt(U16_MAX)) / max));
}

export function assertU16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > U16_MAX) throw new RangeError(`${what} must be an integer in 0..65535, got ${value}`);
}

export function validateHyperparameters(h: DevnetHyperparameters): DevnetHyperparameters {
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
