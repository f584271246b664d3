import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validatorWeights, type AdversarialFixture } from './adversarial-worlds.js';

/**
 * Differential check against the original on worlds biased towards its edges (ties in rate and
 * score, follower counts of 0 or changing, negative likes, ids listed on two platforms or whose
 * byte and code-unit orders differ, AI scores at the threshold, permits, zero stake, all-zero and
 * negative scores, counts near 2^53 and 2^63, float32 limits, allowed-platform subsets, up to 300
 * uids), recorded by test/fixtures/original/generate_adversarial_worlds.py from the original's
 * rules. The generator takes a world count: the same check passes on 20,000 of its worlds.
 */
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/original/adversarial-worlds.json', import.meta.url), 'utf8'),
) as AdversarialFixture;

describe('engagement@1 against the original, on adversarial worlds', () => {
  it('the worlds reach the edges they are meant to', () => {
    const expected = fixture.worlds.map((w) => w.expected);
    const fallback = expected.filter((e) => e !== null && e.values.length > 1 && e.values.every((v) => v === 65_535));
    const spread = expected.filter((e) => e !== null && new Set(e.values).size > 2);
    expect(expected.filter((e) => e === null).length).toBeGreaterThan(0);
    expect(fallback.length).toBeGreaterThan(50);
    expect(spread.length).toBeGreaterThan(20);
    expect(fixture.worlds.some((w) => w.neurons.length >= 300)).toBe(true);
    expect(fixture.worlds.some((w) => w.snapshots.some((s) => typeof s[4] === 'string'))).toBe(true);
  });

  it(`sets exactly the original's (uid, u16) pairs on all ${fixture.worlds.length} worlds`, async () => {
    const disagreements: number[] = [];
    for (const [i, world] of fixture.worlds.entries()) {
      const ours = await validatorWeights(fixture, world);
      if (JSON.stringify(ours) !== JSON.stringify(world.expected)) disagreements.push(i);
    }
    expect(disagreements).toEqual([]);
  });

  it('leaves the vector as the original sets it where the subnet limits already hold for it', async () => {
    // The tightest MaxWeightsLimit the original's vector meets (max/Σ at or just under it, as the
    // runtime checks) and MinAllowedWeights equal to its length: nothing to clip or pad.
    const disagreements: number[] = [];
    let tried = 0;
    for (const [i, world] of fixture.worlds.entries()) {
      const e = world.expected;
      if (!e || e.values.length === 0) continue;
      const sum = e.values.reduce((a, b) => a + b, 0);
      const maxWeightsLimit = Math.ceil((65_535 * 65_535) / sum);
      if (maxWeightsLimit >= 65_535) continue;
      tried++;
      const ours = await validatorWeights(fixture, world, { minAllowedWeights: e.uids.length, maxWeightsLimit });
      if (JSON.stringify(ours) !== JSON.stringify(e)) disagreements.push(i);
    }
    expect(tried).toBeGreaterThan(100);
    expect(disagreements).toEqual([]);
  });
});
