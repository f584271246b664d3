import type { WeightHyperparameters, WeightVector } from '../chain/types.js';
import { normaliseLikeNumpyFloat32 } from './numpy-float32.js';

/**
 * Turns policy scores into the u16 vector `set_weights` accepts (SPEC §9). Pure: the chain's
 * own checks (subnets/weights.rs at spec 218) are mirrored here so a vector that leaves this
 * function is never refused for `WeightVecLengthIsLow` or `MaxWeightExceeded`.
 */

export const U16_MAX = 65_535;

/** How many of the ranked uids the all-zero fallback rewards, as the original does (top-5). */
export const DEFAULT_FALLBACK_COUNT = 5;

export type ScoreInput =
  ReadonlyMap<number, number> | ReadonlyArray<{ readonly uid: number; readonly score: number }>;

export interface BuildWeightVectorOptions {
  readonly scores: ScoreInput;
  /** Every uid currently registered on the subnet (the metagraph). */
  readonly neurons: readonly number[];
  readonly hyper: Pick<WeightHyperparameters, 'minAllowedWeights' | 'maxWeightsLimit' | 'weightsVersionKey'>;
  /** The configured version key; the larger of it and the chain's is used. */
  readonly versionKey: bigint;
  /** Uids ranked best first, rewarded equally (65535 each) when every score is zero. */
  readonly topFallback?: readonly number[];
  readonly fallbackCount?: number;
}

export interface ProcessedWeights extends WeightVector {
  /** True when every score was zero and the ranked fallback was used. */
  readonly fallback: boolean;
  /** True when MaxWeightsLimit forced a clip and renormalisation. */
  readonly clipped: boolean;
  /** Uids added with the smallest weight (1) to reach MinAllowedWeights. */
  readonly padded: readonly number[];
  /** The hotkey of each uid when the vector was computed, when known. */
  readonly minerHotkeys?: readonly string[];
}

function assertUid(uid: unknown, what: string): asserts uid is number {
  if (typeof uid !== 'number' || !Number.isInteger(uid) || uid < 0 || uid > U16_MAX) {
    throw new RangeError(`${what} must be an integer uid in [0, 65535], got ${String(uid)}`);
  }
}

function scoreEntries(scores: ScoreInput): Array<[number, number]> {
  const entries: Array<[number, number]> = [];
  const seen = new Set<number>();
  const list: Iterable<readonly [number, number]> =
    scores instanceof Map
      ? (scores as ReadonlyMap<number, number>).entries()
      : (scores as ReadonlyArray<{ uid: number; score: number }>).map((s) => {
          if (!s || typeof s !== 'object')
            throw new TypeError('scores entries must be { uid, score } objects');
          return [s.uid, s.score] as const;
        });
  for (const [uid, score] of list) {
    assertUid(uid, 'score uid');
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new RangeError(`score of uid ${uid} must be a finite number, got ${String(score)}`);
    }
    if (seen.has(uid)) throw new RangeError(`uid ${uid} is scored twice`);
    seen.add(uid);
    entries.push([uid, score]);
  }
  return entries;
}

/** Python's round(): half to even, so values match the original's `convert_weights_and_uids_for_emit`. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Max-upscaling as the original and the runtime do it: the largest weight becomes 65535, the
 * others round(w / max · 65535); entries that round to zero are dropped.
 */
export function maxUpscaleToU16(
  uids: readonly number[],
  weights: readonly number[],
  options: { keepNonZero?: boolean } = {},
): { uids: number[]; values: number[] } {
  if (uids.length !== weights.length)
    throw new RangeError(`uids (${uids.length}) and weights (${weights.length}) differ in length`);
  let max = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w))
      throw new RangeError(`weights must be finite and non-negative, got ${w}`);
    if (w > max) max = w;
  }
  const out = { uids: [] as number[], values: [] as number[] };
  if (max === 0) return out;
  for (let i = 0; i < uids.length; i++) {
    const w = weights[i] as number;
    let value = roundHalfEven((w / max) * U16_MAX);
    // After a clip the small shares carry mass the limit depends on; never round them away.
    if (value === 0 && w > 0 && options.keepNonZero) value = 1;
    if (value > 0) {
      out.uids.push(uids[i] as number);
      out.values.push(value);
    }
  }
  return out;
}

/**
 * Clips shares (summing to 1) so none exceeds `limit`, renormalising the rest proportionally
 * (water-filling). When the non-zero entries alone cannot satisfy the limit, the remaining mass
 * is spread evenly over `others` (uids with no score), since the runtime refuses otherwise.
 */
export function clipShares(
  shares: ReadonlyArray<readonly [number, number]>,
  limit: number,
  others: readonly number[],
): Array<[number, number]> {
  const sorted = [...shares].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const n = sorted.length;
  if (n === 0) return [];
  if ((sorted[0] as [number, number])[1] <= limit) return sorted.map(([u, s]) => [u, s]);
  if (n * limit < 1) {
    if ((n + others.length) * limit < 1) {
      throw new RangeError(
        `MaxWeightsLimit ${limit.toFixed(6)} cannot be met with ${n + others.length} uids (needs at least ${Math.ceil(1 / limit)})`,
      );
    }
    const rest = (1 - n * limit) / others.length;
    return [
      ...sorted.map(([u]) => [u, limit] as [number, number]),
      ...others.map((u) => [u, rest] as [number, number]),
    ];
  }
  // Find how many of the top entries sit at the cap: with m clipped, the others scale by k.
  // Suffix sums from the small end, so tiny shares are not lost to cancellation.
  const suffix = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) suffix[i] = (suffix[i + 1] as number) + (sorted[i] as [number, number])[1];
  for (let m = 0; m < n; m++) {
    const remaining = 1 - m * limit;
    // m entries at the cap already take everything: clipping more would make the rest negative.
    if (remaining < 0) break;
    const k = remaining / (suffix[m] as number);
    if (!Number.isFinite(k)) {
      // The rest are too small to scale (subnormal shares overflow k): give them equal parts.
      const even = remaining / (n - m);
      if (even <= limit) return sorted.map(([u], i) => [u, i < m ? limit : even]);
      continue;
    }
    const next = (sorted[m] as [number, number])[1];
    if (next * k <= limit) {
      return sorted.map(([u, s], i) => [u, i < m ? limit : s * k]);
    }
  }
  // n · limit >= 1 here, so equal shares are within the limit.
  return sorted.map(([u]) => [u, 1 / n]);
}

/**
 * Whether the vector these shares convert to (as the original sends it) already passes the
 * runtime's MaxWeightsLimit check, max/Σ <= limit/65535: then it is sent as it is, even exactly
 * at the limit (five equal weights under a 20 % limit), since clipping it would set weights the
 * original does not. Integers, so the comparison is exact; the runtime's fixed-point quotients
 * are monotone in theirs, so it accepts whatever passes here.
 */
function acceptedUnderLimit(shares: ReadonlyArray<readonly [number, number]>, maxWeightsLimit: number): boolean {
  const { values } = maxUpscaleToU16(shares.map(([u]) => u), shares.map(([, s]) => s));
  const sum = values.reduce((a, b) => a + b, 0);
  return values.length > 0 && Math.max(...values) * U16_MAX <= maxWeightsLimit * sum;
}

export function buildWeightVector(options: BuildWeightVectorOptions): ProcessedWeights {
  if (!options || typeof options !== 'object')
    throw new TypeError('buildWeightVector options must be an object');
  const { neurons, hyper } = options;
  if (!Array.isArray(neurons)) throw new TypeError('neurons must be an array of uids');
  for (const uid of neurons) assertUid(uid, 'neuron uid');
  if (typeof options.versionKey !== 'bigint' || options.versionKey < 0n) {
    throw new TypeError(`versionKey must be a non-negative bigint, got ${String(options.versionKey)}`);
  }
  if (!hyper || typeof hyper !== 'object')
    throw new TypeError('hyper must be the subnet weight hyperparameters');
  const { minAllowedWeights, maxWeightsLimit } = hyper;
  if (!Number.isInteger(minAllowedWeights) || minAllowedWeights < 0 || minAllowedWeights > U16_MAX) {
    throw new RangeError(`hyper.minAllowedWeights must be a u16, got ${String(minAllowedWeights)}`);
  }
  if (!Number.isInteger(maxWeightsLimit) || maxWeightsLimit < 1 || maxWeightsLimit > U16_MAX) {
    throw new RangeError(`hyper.maxWeightsLimit must be a u16 in [1, 65535], got ${String(maxWeightsLimit)}`);
  }
  const fallbackCount = options.fallbackCount ?? DEFAULT_FALLBACK_COUNT;
  if (!Number.isInteger(fallbackCount) || fallbackCount < 0) {
    throw new RangeError(`fallbackCount must be a non-negative integer, got ${String(fallbackCount)}`);
  }

  const registered = new Set(neurons);
  const versionKey =
    options.versionKey > hyper.weightsVersionKey ? options.versionKey : hyper.weightsVersionKey;

  // Scores of uids that left the metagraph cannot be set (UidVecContainInvalidOne); negatives
  // count as zero, like the original's max(0, score). The vector spans every registered uid in
  // uid order and is normalised in float32 exactly as the original's numpy code does, so a score
  // too small for float32 is a zero there too (and can trigger the fallback).
  const ordered = [...registered].sort((a, b) => a - b);
  const byUid = new Map<number, number>();
  for (const [uid, score] of scoreEntries(options.scores)) {
    if (registered.has(uid) && score > 0) byUid.set(uid, score);
  }
  const float32Shares = normaliseLikeNumpyFloat32(ordered.map((uid) => byUid.get(uid) ?? 0));
  const positive: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < ordered.length; i++) {
    const share = float32Shares[i] as number;
    if (share > 0) {
      positive.push([ordered[i] as number, share]);
      total += share;
    }
  }
  let fallback = false;
  if (positive.length === 0 || !(total > 0)) {
    fallback = true;
    const seen = new Set<number>();
    for (const uid of options.topFallback ?? []) {
      assertUid(uid, 'topFallback uid');
      if (seen.size >= fallbackCount) break;
      if (registered.has(uid) && !seen.has(uid)) seen.add(uid);
    }
    positive.length = 0;
    for (const uid of seen) positive.push([uid, 1]);
    total = positive.length;
  }
  if (positive.length === 0) {
    return Object.freeze({ uids: [], values: [], versionKey, fallback, clipped: false, padded: [] });
  }

  // Sum-normalise (SPEC §9); only ratios survive the u16 upscale, but the limit is a share.
  // Already shares (float32, as the original hands them to bittensor); the clip below needs
  // them to sum to 1 in float64, which only matters when MaxWeightsLimit is in force.
  let shares: Array<[number, number]> = fallback ? positive.map(([u, s]) => [u, s / total]) : positive;
  let clipped = false;
  if (maxWeightsLimit < U16_MAX && !acceptedUnderLimit(shares, maxWeightsLimit)) {
    // A small margin keeps u16 rounding from pushing the top share over the runtime's check.
    const limit = maxWeightsLimit / U16_MAX - 1e-6;
    const maxShare = Math.max(...shares.map(([, s]) => s));
    if (maxShare > limit) {
      const present = new Set(shares.map(([u]) => u));
      const others = [...neurons].filter((u) => !present.has(u)).sort((a, b) => a - b);
      const sum = shares.reduce((acc, [, v]) => acc + v, 0);
      shares = clipShares(shares.map(([u, v]) => [u, v / sum]), limit, [...new Set(others)]);
      clipped = true;
    }
  }
  shares.sort((a, b) => a[0] - b[0]);
  const { uids, values } = maxUpscaleToU16(
    shares.map(([u]) => u),
    shares.map(([, s]) => s),
    { keepNonZero: clipped },
  );

  // The runtime wants at least min(MinAllowedWeights, SubnetworkN) entries; pad with the
  // smallest non-zero weight on the lowest unused uids so the ranking is untouched.
  const needed = Math.min(minAllowedWeights, registered.size);
  const padded: number[] = [];
  if (uids.length < needed) {
    const used = new Set(uids);
    for (const uid of [...registered].sort((a, b) => a - b)) {
      if (uids.length + padded.length >= needed) break;
      if (!used.has(uid)) padded.push(uid);
    }
    const merged = [
      ...uids.map((u, i) => [u, values[i] as number] as const),
      ...padded.map((u) => [u, 1] as const),
    ].sort((a, b) => a[0] - b[0]);
    uids.length = 0;
    values.length = 0;
    for (const [u, v] of merged) {
      uids.push(u);
      values.push(v);
    }
  }

  if (maxWeightsLimit < U16_MAX && uids.length > 0) {
    // Runtime check: max / Σ <= MaxWeightsLimit / 65535 with max = 65535 after upscaling, i.e.
    // Σ >= 65535² / limit. Rounding the small entries down can miss that by a few units; add
    // them back one at a time to the entries below the maximum.
    const required = Math.ceil((U16_MAX * U16_MAX) / maxWeightsLimit);
    let sum = values.reduce((a, b) => a + b, 0);
    const below = values.map((v, i) => [v, i] as const).filter(([v]) => v < U16_MAX);
    for (let step = 0; sum < required && below.length > 0 && step < below.length * 4; step++) {
      const index = (below[step % below.length] as readonly [number, number])[1];
      if ((values[index] as number) < U16_MAX - 1) {
        values[index] = (values[index] as number) + 1;
        sum++;
      }
    }
    if (sum < required) {
      throw new RangeError(
        `weights exceed MaxWeightsLimit ${maxWeightsLimit} after rounding (max share ${(U16_MAX / sum).toFixed(6)})`,
      );
    }
  }
  return Object.freeze({
    uids: Object.freeze(uids),
    values: Object.freeze(values),
    versionKey,
    fallback,
    clipped,
    padded: Object.freeze(padded),
  }) as ProcessedWeights;
}
