import type { GistRejection, GistRejectionReason } from '../../formats/types.js';

/**
 * One string per reason: rejections come back from the pool thread as fresh copies, one per line.
 * Reasons are the parser's own few words; the map stops growing at a size no parser reaches.
 */
const REASONS = new Map<string, GistRejectionReason>();

/**
 * The gist's rejections as an actor keeps them between cycles (its last parse, its collect
 * reports): the first `keep` as parsed, the rest as line and reason only, with an empty excerpt
 * and no detail. Counts, the submissions record (which stores at most `keep`) and the miner report
 * (lines and reasons) read the same from both. A 1 MiB gist of gist.max_lines bad lines held
 * ~4.4 MB per miner with every excerpt and detail, for as long as it stayed unchanged; ~1 MB so.
 */
export function retainRejections(rejections: readonly GistRejection[], keep: number): readonly GistRejection[] {
  if (rejections.length <= keep) return rejections;
  const out: GistRejection[] = rejections.slice(0, keep);
  for (let i = keep; i < rejections.length; i++) {
    const { line, reason } = rejections[i]!;
    out.push({ line, reason: intern(reason), excerpt: '' });
  }
  return out;
}

function intern(reason: GistRejectionReason): GistRejectionReason {
  const known = REASONS.get(reason);
  if (known !== undefined) return known;
  if (REASONS.size < 64) REASONS.set(reason, reason);
  return reason;
}
