/**
 * The subnet's weight consensus, after Yuma: each permit holder's row normalised to sum 1, then per
 * uid a stake-weighted median with majority κ. From it, how far our own vector agrees.
 *
 * What this keeps from Yuma (pallets/subtensor epoch): rows only from validators with a permit,
 * stake only of active ones (the caller zeroes the rest), self-weights and outdated weights masked
 * (see `maskRow`), the κ-majority median per uid. What it leaves out, on purpose:
 * - bonds, EMA and liquid alpha: they shape dividends, not the consensus or vtrust;
 * - clipping of the other validators' weights at the consensus (only ours is compared with it);
 * - Yuma's I32F32 fixed point and the exact tie rule of its `weighted_median`: this uses doubles
 *   and "the largest w given by ≥ κ of the stake", which may differ at exact stake ties;
 * - the stake weighting of newer runtimes (alpha + TAO × tao_weight): the metagraph's stake is used;
 * - renormalisation: Yuma's consensus does not sum to 1; `consensus` here does, `raw` does not.
 */

export interface WeightEntry {
  readonly uid: number;
  readonly value: number;
}

export interface ValidatorRow {
  readonly uid: number;
  /** Any non-negative unit (rao); only shares matter. Zero leaves the validator out. */
  readonly stake: number;
  readonly weights: readonly WeightEntry[];
}

export interface ConsensusResult {
  readonly kappa: number;
  readonly totalStake: number;
  /** Stake share of each counted validator (stake > 0). */
  readonly stakeShare: ReadonlyMap<number, number>;
  /** Each counted validator's row, normalised to sum 1 (empty when it gave no weight). */
  readonly rows: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** Stake-weighted median per uid, as Yuma computes it (sums to ≤ 1). */
  readonly raw: ReadonlyMap<number, number>;
  /** `raw` renormalised to sum 1; empty when no uid reaches a κ-majority. */
  readonly consensus: ReadonlyMap<number, number>;
}

export const DEFAULT_KAPPA = 0.5;

/** Shares closer than this are equal: ties then go to the lower uid, not to rounding noise. */
const TIE = 1e-12;
const byDescending = (a: number, b: number) => (Math.abs(b - a) <= TIE ? 0 : b - a);

function assertVectorValues(weights: readonly WeightEntry[], what: string): void {
  if (!Array.isArray(weights)) throw new TypeError(`${what} must be an array of { uid, value }`);
  for (const w of weights) {
    if (!w || !Number.isInteger(w.uid) || w.uid < 0 || w.uid > 65_535)
      throw new RangeError(`${what}: uid must be an integer in [0, 65535], got ${String(w?.uid)}`);
    if (!Number.isFinite(w.value) || w.value < 0)
      throw new RangeError(`${what}: weight of uid ${w.uid} must be a finite number >= 0, got ${String(w.value)}`);
  }
}

/** Shares summing to 1; zero entries dropped; duplicate uids add up. Empty when the sum is 0. */
export function normaliseRow(weights: readonly WeightEntry[]): Map<number, number> {
  assertVectorValues(weights, 'weights');
  const summed = new Map<number, number>();
  for (const w of weights) if (w.value > 0) summed.set(w.uid, (summed.get(w.uid) ?? 0) + w.value);
  const total = [...summed.values()].reduce((a, b) => a + b, 0);
  const out = new Map<number, number>();
  if (total <= 0) return out;
  for (const [uid, v] of [...summed].sort((a, b) => a[0] - b[0])) out.set(uid, v / total);
  return out;
}

/**
 * Yuma's masks for one row: the validator's weight on itself, and weights on a uid registered at
 * or after the validator's last update (set for the uid's previous owner), are dropped.
 */
export function maskRow(
  validatorUid: number,
  lastUpdate: number,
  weights: readonly WeightEntry[],
  registeredAt: ReadonlyMap<number, number>,
): WeightEntry[] {
  return weights.filter((w) => {
    if (w.uid === validatorUid) return false;
    const reg = registeredAt.get(w.uid);
    // A uid beyond the subnet's neurons no longer exists: nobody earns through it.
    if (reg === undefined) return false;
    return lastUpdate > reg;
  });
}

export function stakeWeightedConsensus(
  validators: readonly ValidatorRow[],
  options: { kappa?: number } = {},
): ConsensusResult {
  if (!Array.isArray(validators)) throw new TypeError('validators must be an array of { uid, stake, weights }');
  const kappa = options.kappa ?? DEFAULT_KAPPA;
  if (!Number.isFinite(kappa) || kappa <= 0 || kappa > 1)
    throw new RangeError(`kappa must be a number in (0, 1], got ${String(kappa)}`);
  const seen = new Set<number>();
  for (const v of validators) {
    if (!v || !Number.isInteger(v.uid) || v.uid < 0 || v.uid > 65_535)
      throw new RangeError(`validator uid must be an integer in [0, 65535], got ${String(v?.uid)}`);
    if (seen.has(v.uid)) throw new RangeError(`validator uid ${v.uid} appears twice`);
    seen.add(v.uid);
    if (!Number.isFinite(v.stake) || v.stake < 0)
      throw new RangeError(`stake of validator ${v.uid} must be a finite number >= 0, got ${String(v.stake)}`);
  }
  const counted = validators.filter((v) => v.stake > 0);
  const totalStake = counted.reduce((a, v) => a + v.stake, 0);
  const stakeShare = new Map<number, number>();
  const rows = new Map<number, Map<number, number>>();
  for (const v of counted) {
    stakeShare.set(v.uid, v.stake / totalStake);
    rows.set(v.uid, normaliseRow(v.weights));
  }
  const columns = new Set<number>();
  for (const row of rows.values()) for (const uid of row.keys()) columns.add(uid);
  const raw = new Map<number, number>();
  // Rounding noise must not turn an exact κ share (2 of 4 equal stakes) into a minority.
  const needed = kappa - TIE;
  for (const uid of [...columns].sort((a, b) => a - b)) {
    // Descending by weight: the first weight at which the stake at or above it reaches κ.
    const given = counted
      .map((v) => ({ w: rows.get(v.uid)!.get(uid) ?? 0, s: stakeShare.get(v.uid)! }))
      .sort((a, b) => b.w - a.w);
    let cumulative = 0;
    let median = 0;
    for (const g of given) {
      cumulative += g.s;
      if (cumulative >= needed) {
        median = g.w;
        break;
      }
    }
    if (median > 0) raw.set(uid, median);
  }
  const rawTotal = [...raw.values()].reduce((a, b) => a + b, 0);
  const consensus = new Map<number, number>();
  if (rawTotal > 0) for (const [uid, v] of raw) consensus.set(uid, v / rawTotal);
  return { kappa, totalStake, stakeShare, rows, raw, consensus };
}

/** Σ_uid min(a, b): 1 for identical distributions, 0 for disjoint ones (1 − total variation). */
export function agreement(ours: ReadonlyMap<number, number>, consensus: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [uid, w] of ours) sum += Math.min(w, consensus.get(uid) ?? 0);
  // Float sums of shares can land a hair above 1.
  return Math.min(1, sum);
}

/** The k uids with the largest positive weight; equal weights go to the lower uid. */
export function topK(vector: ReadonlyMap<number, number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${String(k)}`);
  return [...vector]
    .filter(([, w]) => w > 0)
    .sort((a, b) => byDescending(a[1], b[1]) || a[0] - b[0])
    .slice(0, k)
    .map(([uid]) => uid);
}

/**
 * Shared members of both top-k lists over the longer list's length (≤ k), so two identical
 * vectors with fewer than k uids still overlap fully; 0 when both are empty.
 */
export function topKOverlap(
  ours: ReadonlyMap<number, number>,
  consensus: ReadonlyMap<number, number>,
  k: number,
): number {
  const a = topK(ours, k);
  const b = new Set(topK(consensus, k));
  const size = Math.max(a.length, b.size);
  if (size === 0) return 0;
  return a.filter((uid) => b.has(uid)).length / size;
}

export interface WeightGap {
  readonly uid: number;
  readonly ours: number;
  readonly consensus: number;
  /** ours − consensus. */
  readonly gap: number;
}

/** The n uids where ours and the consensus differ most, by |gap| then uid; zero gaps included. */
export function largestGaps(
  ours: ReadonlyMap<number, number>,
  consensus: ReadonlyMap<number, number>,
  n = 10,
): WeightGap[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer >= 0, got ${String(n)}`);
  const uids = new Set([...ours.keys(), ...consensus.keys()]);
  return [...uids]
    .map((uid) => {
      const o = ours.get(uid) ?? 0;
      const c = consensus.get(uid) ?? 0;
      return { uid, ours: o, consensus: c, gap: o - c };
    })
    .sort((a, b) => byDescending(Math.abs(a.gap), Math.abs(b.gap)) || a.uid - b.uid)
    .slice(0, n);
}
