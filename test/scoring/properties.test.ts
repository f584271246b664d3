import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/config/defaults.js';
import { scoreMinerEngagement } from '../../src/scoring/engagement-policy.js';
import { resolveOwners, type OwnershipClaim } from '../../src/scoring/resolve-owners.js';
import { hoursKey, snap } from './fixtures.js';

const params = { alpha: 0.95, aiThreshold: 0.3, allowedPlatforms: [...PLATFORMS] };

describe('scoring properties', () => {
  it('a content score depends on interval order only, not on input order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ views: fc.nat(1_000_000), ai: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 12 }),
        fc.func(fc.integer()),
        (points, key) => {
          const history = points.map((p, i) => snap({ interval: hoursKey(2 * i), view_count: p.views, ai_score: p.ai }));
          const shuffled = [...history].sort((a, b) => key(a.interval) - key(b.interval));
          expect(scoreMinerEngagement(shuffled, params).contentScore).toBe(scoreMinerEngagement(history, params).contentScore);
        },
      ),
    );
  });

  it('with non-decreasing views and every snapshot valid, a content never scores below 0', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(10_000), { minLength: 1, maxLength: 12 }), (steps) => {
        let views = 0;
        const history = steps.map((s, i) => snap({ interval: hoursKey(2 * i), view_count: (views += s) }));
        expect(scoreMinerEngagement(history, params).contentScore).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('resolveOwners keeps at most one owner per video and ignores input order', () => {
    const claimArb = fc.record({
      uid: fc.integer({ min: 0, max: 30 }),
      content_id: fc.constantFrom('a', 'b', 'c'),
      caption_ok: fc.boolean(),
      signature: fc.constantFrom('valid', 'invalid', 'unsigned'),
      commitment_block: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(claimArb, { selector: (c) => `${c.uid}/${c.content_id}`, maxLength: 20 }), (raw) => {
        const claims: OwnershipClaim[] = raw.map((c) => ({ ...c, hotkey: `hk${c.uid}`, platform: 'instagram/reel' }));
        const a = resolveOwners(claims);
        const b = resolveOwners([...claims].reverse());
        expect([...b.winners.entries()].sort()).toEqual([...a.winners.entries()].sort());
        for (const id of ['a', 'b', 'c']) {
          const group = claims.filter((c) => c.content_id === id);
          const keep = group.filter((c) => !a.loses(c.hotkey, c.platform, c.content_id));
          if (group.length > 1) expect(keep.length).toBeLessThanOrEqual(1);
          for (const c of keep) if (group.length > 1) expect(c.caption_ok && c.signature !== 'invalid').toBe(true);
        }
      }),
    );
  });
});
