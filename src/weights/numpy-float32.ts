/**
 * The original validator builds its weight vector as a numpy float32 array, sums it with numpy's
 * pairwise summation and divides in float32 before bittensor's u16 conversion. Those roundings
 * change u16 values (scores 9.5 and 0.95 give 6554 for the second, float64 gives 6553) and turn
 * scores below float32's range into zeros, so agreement with the network needs them replayed
 * bit for bit. Float32Array stores round to nearest-even like numpy's float64→float32 cast, and
 * Math.fround of a float64 sum, difference or quotient of two float32 values is the correctly
 * rounded float32 result (double rounding is harmless at these precisions).
 */

/** numpy's unrolled block size for pairwise summation (PW_BLOCKSIZE in loops_utils.h). */
const PW_BLOCKSIZE = 128;

function pairwise(a: Float32Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = Math.fround(res + a[start + i]!);
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = Math.fround(r[j]! + a[start + i + j]!);
    }
    const f = Math.fround;
    let res = f(f(f(r[0]! + r[1]!) + f(r[2]! + r[3]!)) + f(f(r[4]! + r[5]!) + f(r[6]! + r[7]!)));
    for (; i < n; i++) res = f(res + a[start + i]!);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return Math.fround(pairwise(a, start, n2) + pairwise(a, start + n2, n - n2));
}

/** `np.sum` of a 1-D float32 array: pairwise summation in float32 from an initial 0. */
export function numpySumFloat32(values: Float32Array): number {
  return pairwise(values, 0, values.length);
}

/**
 * `w = np.array(scores, dtype=np.float32); if np.sum(w) > 0: w /= np.sum(w)`, as the original's
 * calculate_and_set_weights does. Returns the float32 shares (as float64 numbers, exactly what
 * `.tolist()` hands to bittensor's conversion).
 */
export function normaliseLikeNumpyFloat32(scores: readonly number[]): number[] {
  const w = Float32Array.from(scores);
  const total = numpySumFloat32(w);
  if (total > 0) for (let i = 0; i < w.length; i++) w[i] = Math.fround(w[i]! / total);
  return Array.from(w);
}
