export const U16_MAX = 65535;

/** Spec 218: `epoch(b) = (b + netuid + 1) / (tempo + 1)`. */
export function epochOf(block: number, netuid: number, tempo: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1));
}

/** `vec_u16_max_upscale_to_u16`: the largest value becomes 65535, the rest scale with it (rounded). */
export function maxUpscale(values: readonly number[]): number[] {
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  if (max === 0) return values.map(() => 0);
  if (max === U16_MAX) return [...values];
  return values.map((v) => Number((BigInt(v) * BigInt(U16_MAX) + BigInt(max) / 2n) / BigInt(max)));
}

/** `check_length`/`max_weight_limited`: max(w)/Σw ≤ limit/65535, or the limit is off. */
export function maxWeightWithinLimit(upscaled: readonly number[], limit: number): boolean {
  if (limit === U16_MAX) return true;
  const sum = upscaled.reduce((s, v) => s + v, 0);
  if (sum === 0) return true;
  const max = upscaled.reduce((m, v) => (v > m ? v : m), 0);
  // Compare as the runtime does after normalising to u16: floor(max * 65535 / sum) <= limit.
  return Math.floor((max * U16_MAX) / sum) <= limit;
}
