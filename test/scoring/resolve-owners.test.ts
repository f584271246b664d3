import { describe, expect, it } from 'vitest';
import { contentKey, resolveOwners, type OwnershipClaim } from '../../src/scoring/resolve-owners.js';

function claim(over: Partial<OwnershipClaim> & Pick<OwnershipClaim, 'uid' | 'hotkey'>): OwnershipClaim {
  return {
    platform: 'instagram/reel',
    content_id: 'C0ffee',
    caption_ok: true,
    signature: 'unsigned',
    commitment_block: 100,
    ...over,
  };
}

describe('resolveOwners (one owner per video)', () => {
  it('a copied gist loses to the captioned owner, even with an earlier commitment and lower uid', () => {
    const owner = claim({ uid: 7, hotkey: 'owner', commitment_block: 500 });
    const copier = claim({ uid: 2, hotkey: 'copier', commitment_block: 10, caption_ok: false });
    const r = resolveOwners([copier, owner]);
    expect(r.losers).toEqual([
      { hotkey: 'copier', uid: 2, platform: 'instagram/reel', content_id: 'C0ffee', reason: 'caption_mismatch', winner: 'owner' },
    ]);
    expect(r.loses('copier', 'instagram/reel', 'C0ffee')).toBe(true);
    expect(r.loses('owner', 'instagram/reel', 'C0ffee')).toBe(false);
    expect(r.winners.get(contentKey('instagram/reel', 'C0ffee'))).toBe('owner');
  });

  it('an Instagram shortcode is one video whether claimed as a reel or a post: a second hotkey cannot keep it by switching platform', () => {
    const owner = claim({ uid: 4, hotkey: 'owner', platform: 'instagram/reel', commitment_block: 50 });
    const rival = claim({ uid: 2, hotkey: 'rival', platform: 'instagram/post', commitment_block: 90 });
    const r = resolveOwners([rival, owner]);
    expect(r.losers).toEqual([{ hotkey: 'rival', uid: 2, platform: 'instagram/post', content_id: 'C0ffee', reason: 'later_commitment', winner: 'owner' }]);
    expect(r.loses('rival', 'instagram/post', 'C0ffee')).toBe(true);
    expect(contentKey('instagram/post', 'C0ffee')).toBe(contentKey('instagram/reel', 'C0ffee'));
    expect(r.winners.get(contentKey('instagram/post', 'C0ffee'))).toBe('owner');
    // A YouTube id that happens to equal the shortcode is another video.
    expect(contentKey('youtube/video', 'C0ffee')).not.toBe(contentKey('instagram/reel', 'C0ffee'));
  });

  it('a hotkey listing one shortcode as both reel and post keeps both claims or loses both', () => {
    const both = [claim({ uid: 8, hotkey: 'double', platform: 'instagram/reel', commitment_block: 300 }), claim({ uid: 8, hotkey: 'double', platform: 'instagram/post', commitment_block: 300 })];
    const lost = resolveOwners([...both, claim({ uid: 1, hotkey: 'first', commitment_block: 10 })]);
    expect(lost.losers.map((l) => [l.hotkey, l.platform])).toEqual([
      ['double', 'instagram/reel'],
      ['double', 'instagram/post'],
    ]);
    const kept = resolveOwners([...both, claim({ uid: 1, hotkey: 'late', commitment_block: 900 })]);
    expect(kept.losers.map((l) => [l.hotkey, l.platform])).toEqual([['late', 'instagram/reel']]);
    expect(kept.loses('double', 'instagram/post', 'C0ffee')).toBe(false);
    // Alone, a hotkey's two claims on its own video contest nothing.
    expect(resolveOwners(both).losers).toEqual([]);
  });

  it('a forged signature loses even when the caption suffix collides', () => {
    const owner = claim({ uid: 5, hotkey: 'owner', signature: 'valid', commitment_block: 900 });
    const forger = claim({ uid: 1, hotkey: 'forger', signature: 'invalid', commitment_block: 1 });
    const r = resolveOwners([forger, owner]);
    expect(r.losers.map((l) => [l.hotkey, l.reason])).toEqual([['forger', 'signature_invalid']]);
  });

  it('when several qualify, the earliest commitment block wins, then the lowest uid', () => {
    const r = resolveOwners([
      claim({ uid: 3, hotkey: 'late', commitment_block: 200 }),
      claim({ uid: 9, hotkey: 'early', commitment_block: 50 }),
      claim({ uid: 4, hotkey: 'unknown-block', commitment_block: null }),
    ]);
    expect(r.winners.get(contentKey('instagram/reel', 'C0ffee'))).toBe('early');
    expect(r.losers.map((l) => [l.hotkey, l.reason]).sort()).toEqual([
      ['late', 'later_commitment'],
      ['unknown-block', 'later_commitment'],
    ]);
    const tie = resolveOwners([claim({ uid: 8, hotkey: 'b' }), claim({ uid: 6, hotkey: 'a' })]);
    expect(tie.losers.map((l) => [l.hotkey, l.reason])).toEqual([['b', 'higher_uid']]);
  });

  it('the result does not depend on input order', () => {
    const claims = [
      claim({ uid: 3, hotkey: 'x', commitment_block: 7 }),
      claim({ uid: 1, hotkey: 'y', commitment_block: 7 }),
      claim({ uid: 2, hotkey: 'z', commitment_block: 7, signature: 'invalid' }),
    ];
    const a = resolveOwners(claims);
    const b = resolveOwners([...claims].reverse());
    expect(a.winners).toEqual(b.winners);
    expect(new Set(a.losers.map((l) => l.hotkey))).toEqual(new Set(b.losers.map((l) => l.hotkey)));
    expect(a.winners.get(contentKey('instagram/reel', 'C0ffee'))).toBe('y');
  });

  it('with require_signed_submissions, unsigned claimants cannot keep a contested video', () => {
    const r = resolveOwners(
      [claim({ uid: 1, hotkey: 'unsigned', commitment_block: 1 }), claim({ uid: 2, hotkey: 'signed', signature: 'valid' })],
      { requireSigned: true },
    );
    expect(r.losers.map((l) => [l.hotkey, l.reason])).toEqual([['unsigned', 'unsigned_not_allowed']]);
  });

  it('uncontested claims never lose here; a contested video nobody qualifies for has no winner', () => {
    const alone = resolveOwners([claim({ uid: 1, hotkey: 'solo', caption_ok: false })]);
    expect(alone.losers).toEqual([]);
    const nobody = resolveOwners([
      claim({ uid: 1, hotkey: 'a', caption_ok: false }),
      claim({ uid: 2, hotkey: 'b', signature: 'invalid' }),
    ]);
    expect(nobody.losers.map((l) => [l.hotkey, l.reason, l.winner])).toEqual([
      ['a', 'caption_mismatch', null],
      ['b', 'signature_invalid', null],
    ]);
  });

  it('keys content by platform and id: the same id on two platforms is two videos', () => {
    const r = resolveOwners([
      claim({ uid: 1, hotkey: 'a', platform: 'instagram/reel' }),
      claim({ uid: 2, hotkey: 'b', platform: 'youtube/video' }),
    ]);
    expect(r.losers).toEqual([]);
  });

  it('a video already held for the interval stays with its holder, whatever the commitment blocks, while the holder qualifies', () => {
    const key = contentKey('instagram/reel', 'C0ffee');
    const early = claim({ uid: 1, hotkey: 'early', commitment_block: 5 });
    const holder = claim({ uid: 2, hotkey: 'holder', commitment_block: 50 });
    const kept = resolveOwners([early, holder], { held: new Map([[key, 'holder']]) });
    expect(kept.winners.get(key)).toBe('holder');
    expect(kept.losers.map((l) => [l.hotkey, l.reason, l.winner])).toEqual([['early', 'held_by_another', 'holder']]);
    // A holder that no longer qualifies holds nothing: the usual order decides.
    const unfit = resolveOwners([early, { ...holder, caption_ok: false }], { held: new Map([[key, 'holder']]) });
    expect(unfit.winners.get(key)).toBe('early');
    // Every video with a qualifying claimant has a holder, contested or not.
    expect(resolveOwners([early]).holders.get(key)).toBe('early');
    expect(resolveOwners([{ ...early, caption_ok: false }]).holders.size).toBe(0);
  });

  it('rejects input that is not an array of claims', () => {
    expect(() => resolveOwners('x' as unknown as OwnershipClaim[])).toThrow(new TypeError('claims must be an array'));
    expect(() => resolveOwners([null as unknown as OwnershipClaim])).toThrow(new TypeError('each claim must be an object'));
  });
});
