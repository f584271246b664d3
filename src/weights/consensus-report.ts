import type { SubnetWeights } from '../chain/weights-reader.js';
import {
  agreement,
  largestGaps,
  maskRow,
  normaliseRow,
  stakeWeightedConsensus,
  topK,
  topKOverlap,
  type ConsensusResult,
  type WeightEntry,
  type WeightGap,
} from './consensus.js';

/** A weight vector as the committer holds it: parallel uid and u16 arrays. */
export interface OwnVector {
  readonly uids: readonly number[];
  readonly values: readonly number[];
}

export interface ValidatorView {
  readonly uid: number;
  readonly hotkey: string;
  readonly stake: bigint;
  /** Within ActivityCutoff of its last update: its stake counts. */
  readonly active: boolean;
  readonly stakeShare: number;
  /** Its masked row, normalised to sum 1. */
  readonly weights: ReadonlyMap<number, number>;
  /** Σ min(its weight, consensus). */
  readonly agreement: number;
}

export interface ConsensusReport {
  readonly netuid: number;
  readonly block: number;
  readonly kappa: number;
  readonly self: {
    readonly uid: number | null;
    readonly hotkey: string | null;
    /** Where `ours` came from: a vector handed in, our row on chain, or nothing. */
    readonly source: 'vector' | 'chain' | 'none';
  };
  readonly validators: readonly ValidatorView[];
  readonly result: ConsensusResult;
  /** Our vector, masked like a validator row and normalised. */
  readonly ours: ReadonlyMap<number, number>;
  /** Σ min(ours, consensus): 1 means our shares are the consensus shares. */
  readonly agreement: number;
  /** Σ min(ours, Yuma's unnormalised consensus): Yuma's validator trust for our row. */
  readonly vtrust: number;
  readonly topK: { readonly k: number; readonly overlap: number; readonly ours: number[]; readonly consensus: number[] };
  readonly gaps: readonly WeightGap[];
}

export interface ConsensusReportOptions {
  /** Who "we" are: a hotkey (looked up in the metagraph) or a uid. */
  readonly selfHotkey?: string;
  readonly selfUid?: number;
  /** Our latest vector (e.g. just committed); wins over our row on chain. */
  readonly ours?: OwnVector;
  /** Used only when neither `ours` nor our chain row has a weight (e.g. a refused commit). */
  readonly fallback?: OwnVector;
  readonly topK: number;
  /** Gaps to report (default 10). */
  readonly gaps?: number;
}

function entries(vector: OwnVector): WeightEntry[] {
  if (!Array.isArray(vector.uids) || !Array.isArray(vector.values) || vector.uids.length !== vector.values.length)
    throw new RangeError('own vector must have uids and values arrays of equal length');
  return vector.uids.map((uid, i) => ({ uid, value: vector.values[i]! }));
}

/** The consensus of one read, and where we stand against it. Pure: same read → same report. */
export function buildConsensusReport(read: SubnetWeights, options: ConsensusReportOptions): ConsensusReport {
  const registeredAt = new Map(read.neurons.map((n) => [n.uid, n.blockAtRegistration]));
  const isActive = (lastUpdate: number) => lastUpdate + read.activityCutoff >= read.block;
  const permitted = read.neurons.filter((n) => n.validatorPermit);
  const masked = new Map(
    permitted.map((n) => [n.uid, maskRow(n.uid, n.lastUpdate, read.weights.get(n.uid) ?? [], registeredAt)]),
  );
  const kappa = read.kappaU16 / 65_535;
  const result = stakeWeightedConsensus(
    permitted.map((n) => ({ uid: n.uid, stake: isActive(n.lastUpdate) ? Number(n.stake) : 0, weights: masked.get(n.uid)! })),
    { kappa },
  );

  const selfNeuron =
    options.selfUid !== undefined
      ? read.neurons.find((n) => n.uid === options.selfUid)
      : options.selfHotkey !== undefined
        ? read.neurons.find((n) => n.hotkey === options.selfHotkey)
        : undefined;
  const selfUid = selfNeuron?.uid ?? options.selfUid ?? null;
  // A vector handed in is about to be on chain: it is newer than every registration read here.
  const maskFresh = (vector: OwnVector) => maskRow(selfUid ?? -1, read.block + 1, entries(vector), registeredAt);
  let ours = new Map<number, number>();
  let source: ConsensusReport['self']['source'] = 'none';
  if (options.ours && options.ours.uids.length > 0) {
    ours = normaliseRow(maskFresh(options.ours));
    source = 'vector';
  } else if (selfNeuron) {
    ours = normaliseRow(maskRow(selfNeuron.uid, selfNeuron.lastUpdate, read.weights.get(selfNeuron.uid) ?? [], registeredAt));
    if (ours.size > 0) source = 'chain';
  }
  if (ours.size === 0 && options.fallback && options.fallback.uids.length > 0) {
    ours = normaliseRow(maskFresh(options.fallback));
    source = ours.size > 0 ? 'vector' : 'none';
  }

  const validators = permitted.map((n) => {
    const weights = normaliseRow(masked.get(n.uid)!);
    return {
      uid: n.uid,
      hotkey: n.hotkey,
      stake: n.stake,
      active: isActive(n.lastUpdate),
      stakeShare: result.stakeShare.get(n.uid) ?? 0,
      weights,
      agreement: agreement(weights, result.consensus),
    };
  });
  const k = options.topK;
  return {
    netuid: read.netuid,
    block: read.block,
    kappa,
    self: { uid: selfUid, hotkey: selfNeuron?.hotkey ?? options.selfHotkey ?? null, source },
    validators,
    result,
    ours,
    agreement: agreement(ours, result.consensus),
    vtrust: agreement(ours, result.raw),
    topK: { k, overlap: topKOverlap(ours, result.consensus, k), ours: topK(ours, k), consensus: topK(result.consensus, k) },
    gaps: largestGaps(ours, result.consensus, options.gaps ?? 10),
  };
}
