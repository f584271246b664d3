import type { WeightHyperparameters } from '../chain/types.js';
import type { WeightCommitRecord } from '../store/types.js';
import type { CycleScores } from '../scoring/cycle-types.js';
import { buildWeightVector, type ProcessedWeights } from './process-weights.js';

/** Where the vector of a due commit comes from. */
export type VectorSource =
  | { readonly kind: 'cycle'; readonly scores: CycleScores }
  /** The last vector a previous run applied, from the audit trail. */
  | {
      readonly kind: 'stored';
      readonly uids: readonly number[];
      readonly values: readonly number[];
      readonly from: Date;
      /** Absent in records written before hotkeys were kept: such a vector cannot be checked. */
      readonly hotkeys?: readonly string[];
    };

export interface GateDecision {
  /** null: nothing good enough to commit yet. */
  readonly source: VectorSource | null;
  /** Set when the latest cycle was too thin to replace the weights on chain. */
  readonly skipped: 'low_coverage' | null;
  readonly coverage: number;
}

/** A cycle without a coverage figure counts as complete (ratio 1); 0/0 is complete too. */
export function coverageOf(scores: CycleScores): number {
  const ratio = scores.coverage?.ratio;
  return typeof ratio === 'number' && Number.isFinite(ratio) ? ratio : 1;
}

/**
 * Chooses the vector of a due commit: the latest cycle when its coverage is at least
 * `minCoverage`, else the last good one (an earlier cycle, or what a previous run stored), else
 * nothing. A thin cycle never replaces the weights on chain.
 */
export function gateCycle(latest: CycleScores, lastGood: VectorSource | null, minCoverage: number): GateDecision {
  const coverage = coverageOf(latest);
  if (coverage >= minCoverage) return { source: { kind: 'cycle', scores: latest }, skipped: null, coverage };
  return { source: lastGood, skipped: 'low_coverage', coverage };
}

export type StoredSource = Extract<VectorSource, { kind: 'stored' }>;

/** The stored fallback from the newest successful audit record, if it carries a vector. */
export function storedSource(record: WeightCommitRecord | null): StoredSource | null {
  if (!record || record.uids.length === 0 || record.uids.length !== record.values.length) return null;
  const hotkeys = record.miner_hotkeys;
  const known = Array.isArray(hotkeys) && hotkeys.length === record.uids.length && hotkeys.every((h) => typeof h === 'string');
  return { kind: 'stored', uids: [...record.uids], values: [...record.values], from: record.attempted_at, ...(known ? { hotkeys: [...hotkeys] } : {}) };
}

/**
 * The vector of a source under the current hyperparameters. A stored vector was processed when it
 * was first applied; it is re-sent as is, with the version key brought up to date.
 */
export function vectorFrom(source: VectorSource, hyper: WeightHyperparameters, versionKey: bigint): ProcessedWeights {
  if (source.kind === 'stored') {
    const key = hyper.weightsVersionKey > versionKey ? hyper.weightsVersionKey : versionKey;
    return { uids: source.uids, values: source.values, versionKey: key, fallback: false, clipped: false, padded: [], ...(source.hotkeys ? { minerHotkeys: source.hotkeys } : {}) };
  }
  const { scores } = source;
  const vector = buildWeightVector({
    scores: new Map(scores.selection.scores.map((s) => [s.uid, s.score])),
    neurons: scores.neurons,
    hyper,
    versionKey,
    topFallback: scores.selection.fallback,
  });
  const hotkeyOf = new Map(scores.selection.scores.map((s) => [s.uid, s.hotkey]));
  const minerHotkeys = vector.uids.map((uid) => hotkeyOf.get(uid));
  return minerHotkeys.every((h) => typeof h === 'string') ? { ...vector, minerHotkeys: minerHotkeys as string[] } : vector;
}

/**
 * A vector without the uids that changed hands since it was computed: a uid the latest cycle
 * shows under another hotkey was re-registered, and the weight was earned by the miner that held
 * it before. A uid the latest cycle does not list, or a vector of unknown hotkeys, is kept.
 */
export function withoutReplacedUids(vector: ProcessedWeights, latest: CycleScores): { vector: ProcessedWeights; replaced: number[] } {
  const then = vector.minerHotkeys;
  if (!then) return { vector, replaced: [] };
  const now = new Map(latest.selection.scores.map((s) => [s.uid, s.hotkey]));
  const keep: number[] = [];
  const replaced: number[] = [];
  vector.uids.forEach((uid, i) => {
    const current = now.get(uid);
    if (current !== undefined && current !== then[i]) replaced.push(uid);
    else keep.push(i);
  });
  if (replaced.length === 0) return { vector, replaced };
  return {
    vector: {
      ...vector,
      uids: keep.map((i) => vector.uids[i]!),
      values: keep.map((i) => vector.values[i]!),
      minerHotkeys: keep.map((i) => then[i]!),
      padded: vector.padded.filter((uid) => !replaced.includes(uid)),
    },
    replaced,
  };
}
