import type { Platform } from '../config/defaults.js';

/**
 * One owner per video (SPEC §4.3), a rule every validator computes alike from public data, so no
 * shared registry is needed (the original's unmerged first-claim collection needed one Mongo for
 * all validators). The original let every claimant of a video be scored.
 */

export interface OwnershipClaim {
  readonly uid: number;
  readonly hotkey: string;
  readonly platform: Platform;
  readonly content_id: string;
  /** The caption/description carries this hotkey's token. */
  readonly caption_ok: boolean;
  readonly signature: 'valid' | 'invalid' | 'unsigned';
  /** Block of the hotkey's chain commitment; null when unknown (sorts last). */
  readonly commitment_block: number | null;
}

export type OwnershipLossReason =
  | 'caption_mismatch'
  | 'signature_invalid'
  | 'unsigned_not_allowed'
  | 'later_commitment'
  | 'higher_uid'
  | 'held_by_another';

export interface OwnershipLoss {
  readonly hotkey: string;
  readonly uid: number;
  readonly platform: Platform;
  readonly content_id: string;
  readonly reason: OwnershipLossReason;
  /** The hotkey that keeps the video, or null when no claimant qualified. */
  readonly winner: string | null;
}

export interface OwnershipResolution {
  /** Every (hotkey, platform, content_id) that loses its claim. */
  readonly losers: readonly OwnershipLoss[];
  /** Winner hotkey per contested content key (`contentKey`). Uncontested content is absent. */
  readonly winners: ReadonlyMap<string, string>;
  /** True when this hotkey's claim on this content lost. */
  loses(hotkey: string, platform: Platform, content_id: string): boolean;
  /** Per content key, the hotkey that keeps it: the winner, or the one qualifying claimant. */
  readonly holders: ReadonlyMap<string, string>;
}

export interface ResolveOwnersOptions {
  /** `require_signed_submissions`: an unsigned claim cannot keep a contested video. */
  readonly requireSigned?: boolean;
  /**
   * Videos already written with an owner for the interval (content key → hotkey): claims settled
   * later (a collection that missed the cycle's deadline) leave them with that owner, whose
   * snapshot is stored, rather than make a second valid owner of one video.
   */
  readonly held?: ReadonlyMap<string, string>;
}

/**
 * The video a claim is about. An Instagram shortcode is one media item whether its URL says
 * /reel/ or /p/, so `instagram/reel` and `instagram/post` claims on it contest the same video.
 */
export function contentKey(platform: string, contentId: string): string {
  return `${platform.startsWith('instagram/') ? 'instagram' : platform}\u0000${contentId}`;
}

function claimKey(hotkey: string, platform: string, contentId: string): string {
  return `${hotkey}\u0000${platform}\u0000${contentId}`;
}

function disqualification(claim: OwnershipClaim, requireSigned: boolean): OwnershipLossReason | null {
  if (!claim.caption_ok) return 'caption_mismatch';
  if (claim.signature === 'invalid') return 'signature_invalid';
  if (requireSigned && claim.signature !== 'valid') return 'unsigned_not_allowed';
  return null;
}

const blockOrder = (b: number | null): number => (b === null || !Number.isFinite(b) ? Number.POSITIVE_INFINITY : b);

/**
 * Among hotkeys claiming the same video (`contentKey`), only one keeps it: a claimant whose
 * caption token matches and whose signature, if present, verifies; among several such, the one
 * already holding it (`held`), else the earliest commitment block, then the lowest uid (so the
 * result never depends on input order).
 * A claim nobody contests never loses here: its own caption or signature failure already makes
 * its snapshots invalid for scoring.
 */
export function resolveOwners(claims: readonly OwnershipClaim[], options: ResolveOwnersOptions = {}): OwnershipResolution {
  if (!Array.isArray(claims)) throw new TypeError('claims must be an array');
  const requireSigned = options.requireSigned ?? false;

  const groups = new Map<string, OwnershipClaim[]>();
  for (const claim of claims) {
    if (claim === null || typeof claim !== 'object') throw new TypeError('each claim must be an object');
    const key = contentKey(claim.platform, claim.content_id);
    const group = groups.get(key);
    if (!group) groups.set(key, [claim]);
    else group.push(claim);
  }

  const losers: OwnershipLoss[] = [];
  const winners = new Map<string, string>();
  const holders = new Map<string, string>();
  const lost = new Set<string>();
  for (const [key, group] of groups) {
    const eligible = group
      .filter((c) => disqualification(c, requireSigned) === null)
      .sort((a, b) => blockOrder(a.commitment_block) - blockOrder(b.commitment_block) || a.uid - b.uid);
    const heldBy = options.held?.get(key);
    const winner = eligible.find((c) => c.hotkey === heldBy) ?? eligible[0];
    if (winner) holders.set(key, winner.hotkey);
    if (new Set(group.map((c) => c.hotkey)).size < 2) continue;
    if (winner) winners.set(key, winner.hotkey);
    for (const claim of group) {
      // A hotkey keeps all its claims on the video (a reel and a post of one shortcode) or none.
      if (claim.hotkey === winner?.hotkey) continue;
      const reason =
        disqualification(claim, requireSigned) ??
        (winner !== eligible[0]
          ? 'held_by_another'
          : blockOrder(claim.commitment_block) > blockOrder(winner!.commitment_block)
            ? 'later_commitment'
            : 'higher_uid');
      losers.push({
        hotkey: claim.hotkey,
        uid: claim.uid,
        platform: claim.platform,
        content_id: claim.content_id,
        reason,
        winner: winner?.hotkey ?? null,
      });
      lost.add(claimKey(claim.hotkey, claim.platform, claim.content_id));
    }
  }

  return {
    losers,
    winners,
    holders,
    loses: (hotkey, platform, contentId) => lost.has(claimKey(hotkey, platform, contentId)),
  };
}
