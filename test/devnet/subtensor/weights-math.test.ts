import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochOf, maxUpscale, maxWeightWithinLimit } from '../../../src/devnet/subtensor/runtime-executive.js';

describe('spec-218 weight arithmetic', () => {
  it('max-upscales as the runtime stores weights ([1000,1] → [65535,66])', () => {
    expect(maxUpscale([1000, 1])).toEqual([65535, 66]);
    expect(maxUpscale([0, 0])).toEqual([0, 0]);
    expect(maxUpscale([65535, 3])).toEqual([65535, 3]);
  });

  it('upscaling puts the maximum at 65535 and keeps the order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 50 }), (values) => {
        const up = maxUpscale(values);
        const max = Math.max(...values);
        if (max === 0) return up.every((v) => v === 0);
        return Math.max(...up) === 65535 && values.every((v, i) => values.every((w, j) => (v <= w ? up[i]! <= up[j]! : true)));
      }),
    );
  });

  it('applies MaxWeightsLimit to the normalised maximum', () => {
    expect(maxWeightWithinLimit([65535, 65535], 40000)).toBe(true);
    expect(maxWeightWithinLimit([65535, 10], 40000)).toBe(false);
    expect(maxWeightWithinLimit([65535], 40000)).toBe(false);
    expect(maxWeightWithinLimit([65535], 65535)).toBe(true);
  });

  it('computes epochs as (block + netuid + 1) / (tempo + 1)', () => {
    // Reference run: commit at 167 on netuid 2, tempo 30 → epoch 5; reveal window opens at 183.
    expect(epochOf(167, 2, 30)).toBe(5);
    expect(epochOf(182, 2, 30)).toBe(5);
    expect(epochOf(183, 2, 30)).toBe(6);
    expect(epochOf(213, 2, 30)).toBe(6);
    expect(epochOf(214, 2, 30)).toBe(7);
  });
});
